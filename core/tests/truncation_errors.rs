//! Which error a cut file gives, as the crate documentation says (`scanx::error`, "A cut
//! file"): a full read gives `TRUNCATED` only when the cut falls inside a chunk header or
//! exactly where a chunk would begin, and `LENGTH_OVERFLOW` when it falls inside a payload,
//! whether or not the reader knows the file's length (specification section 3.3). The
//! random-access reader starts at the end: a cut file has no `TAIL` there, `MISSING_CHUNK`,
//! unless it is too short to hold one, `TRUNCATED`.

use std::path::Path;

use scanx::{read_bytes, read_stream, ErrorKind, ReadOptions, Reader};

/// Where each chunk starts and where its payload starts, by walking the chunk headers
/// (12-byte file header, then 4-byte type and 8-byte little-endian payload length).
fn chunk_bounds(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 12;
    while at + 12 <= bytes.len() {
        let len = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().expect("8 bytes"));
        let payload = at + 12;
        out.push((at, payload));
        at = payload + usize::try_from(len).expect("a small file");
    }
    assert_eq!(at, bytes.len(), "the chunks end where the file does");
    out
}

/// The error the forward reader must give for a file cut to `cut` bytes, by section 3.3.
fn expected(cut: usize, bounds: &[(usize, usize)]) -> ErrorKind {
    if cut < 12 {
        // Inside the file header: the magic and version are not all there.
        return ErrorKind::Truncated;
    }
    // The chunk the cut falls in: the last one that starts at or before it.
    let (_, payload) = bounds
        .iter()
        .rev()
        .find(|&&(start, _)| start <= cut)
        .copied()
        .expect("a chunk starts at byte 12");
    if cut < payload {
        // Inside a chunk header, or exactly where a chunk begins (step 1).
        ErrorKind::Truncated
    } else {
        // Inside a payload (steps 3 and 5).
        ErrorKind::LengthOverflow
    }
}

#[test]
fn a_cut_file_gives_the_error_the_docs_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/valid");
    let mut failures = Vec::new();
    for name in ["signed-scanner", "journey-three-agencies", "tiles-uneven"] {
        let bytes = std::fs::read(dir.join(format!("{name}.scx"))).expect(name);
        let bounds = chunk_bounds(&bytes);
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            let want = expected(cut, &bounds);
            let known = read_bytes(prefix, &ReadOptions::default()).map(drop);
            let unknown = read_stream(prefix, None, &ReadOptions::default()).map(drop);
            for (how, got) in [("length known", known), ("length unknown", unknown)] {
                match got {
                    Err(e) if e.kind() == want => {}
                    Err(e) => failures.push(format!("{name} cut to {cut} ({how}): {e}")),
                    Ok(()) => failures.push(format!("{name} cut to {cut} ({how}): accepted")),
                }
            }
            // Random access: fewer than 40 bytes (file header and TAIL chunk) cannot be a
            // file; otherwise the last 28 bytes are not a TAIL chunk.
            let want = if cut < 40 {
                ErrorKind::Truncated
            } else {
                ErrorKind::MissingChunk
            };
            match Reader::from_bytes(prefix.to_vec()) {
                Err(e) if e.kind() == want => {}
                Err(e) => failures.push(format!("{name} cut to {cut} (random access): {e}")),
                Ok(_) => failures.push(format!("{name} cut to {cut} (random access): accepted")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
