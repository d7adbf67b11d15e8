//! The whole `spec/vectors/` folder, made in memory: every vector, its expectation, the
//! test keys and the trust store, the README and the index. Written to disk by `make-vectors`, compared with the disk by
//! `make-vectors --check` and by the test suite.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::expectation::{expectation_for, VerifyFacts};
use crate::inputs::inputs_json;
use crate::vector::{Context, Expect, Vector};
use crate::{keys, recipes};

/// Relative path (with `/`) to file contents.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// Where the vectors live in the repository.
pub fn default_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .unwrap_or(crate_dir)
        .join("spec")
        .join("vectors")
}

/// Makes every file of the folder. Fails, naming each, if recipes fail or miss their mark.
pub fn generate() -> Result<Tree, String> {
    let vectors = recipes::all();
    check_names(&vectors)?;
    let trust = keys::trust_store().map_err(|e| format!("the trust store: {e}"))?;
    let mut tree: Tree = keys::files()
        .map_err(|e| format!("the key files: {e}"))?
        .into_iter()
        .collect();
    let mut failures = Vec::new();
    for v in &vectors {
        let made = (v.make)(&Context::new(v.name))
            .map_err(|e| format!("recipe of {} fails: {e}", v.name))
            .and_then(|bytes| expectation_for(v, &bytes, &trust).map(|json| (bytes, json)));
        match made {
            Ok((bytes, expectation)) => {
                let folder = v.expect.folder();
                tree.insert(format!("{folder}/{}.scx", v.name), bytes);
                tree.insert(format!("{folder}/{}.json", v.name), expectation);
            }
            Err(message) => failures.push(message),
        }
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {} vectors cannot be made:\n{}",
            failures.len(),
            vectors.len(),
            failures.join("\n")
        ));
    }
    tree.insert(
        ".gitattributes".to_owned(),
        GITATTRIBUTES.as_bytes().to_vec(),
    );
    tree.insert("README.md".to_owned(), readme(&vectors).into_bytes());
    tree.insert("index.json".to_owned(), index_json(&vectors)?);
    tree.insert("inputs.json".to_owned(), inputs_json(&vectors)?);
    Ok(tree)
}

fn check_names(vectors: &[Vector]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for v in vectors {
        let well_formed = !v.name.is_empty()
            && v.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            return Err(format!(
                "vector name {:?} is not lower-case words joined by '-'",
                v.name
            ));
        }
        if !seen.insert(v.name) {
            return Err(format!("two vectors are called {}", v.name));
        }
        if v.comment.contains('|') || v.comment.contains('\n') {
            return Err(format!(
                "the comment of {} must be one line without '|'",
                v.name
            ));
        }
        if v.verify.reason_names().len() != v.verify.reasons.len() {
            return Err(format!("{} lists a verification reason twice", v.name));
        }
    }
    Ok(())
}

/// One difference between the made folder and the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Made, but not on disk.
    Missing(String),
    /// On disk, but not made.
    Extra(String),
    /// On disk with other bytes.
    Changed(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(p) => write!(f, "missing: {p}"),
            Difference::Extra(p) => write!(f, "extra:   {p}"),
            Difference::Changed(p) => write!(f, "changed: {p}"),
        }
    }
}

/// Every file under `dir`, by relative path with `/`.
pub fn read_dir(dir: &Path) -> Result<Tree, String> {
    let mut tree = Tree::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && d == dir => return Ok(tree),
            Err(e) => return Err(format!("cannot list {}: {e}", d.display())),
        };
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot list {}: {e}", d.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(dir)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            tree.insert(relative, bytes);
        }
    }
    Ok(tree)
}

/// The differences between `made` and what is on disk under `dir`.
pub fn compare(made: &Tree, dir: &Path) -> Result<Vec<Difference>, String> {
    let disk = read_dir(dir)?;
    let mut out = Vec::new();
    for (path, bytes) in made {
        match disk.get(path) {
            None => out.push(Difference::Missing(path.clone())),
            Some(b) if b != bytes => out.push(Difference::Changed(path.clone())),
            Some(_) => {}
        }
    }
    for path in disk.keys() {
        if !made.contains_key(path) {
            out.push(Difference::Extra(path.clone()));
        }
    }
    Ok(out)
}

/// Writes `made` under `dir` and removes stale vectors (`.scx` and `.json` files in `valid/`
/// and `invalid/` that the recipes no longer make), so the folder is what the recipes make.
/// Any other file found there is left alone and returned, for the caller to report.
pub fn write(made: &Tree, dir: &Path) -> Result<Vec<String>, String> {
    let mut left_alone = Vec::new();
    for difference in compare(made, dir)? {
        if let Difference::Extra(path) = difference {
            let in_folder = path.starts_with("valid/") || path.starts_with("invalid/");
            let vector_file = path.ends_with(".scx") || path.ends_with(".json");
            if !(in_folder && vector_file) {
                left_alone.push(path);
                continue;
            }
            let full = dir.join(&path);
            std::fs::remove_file(&full)
                .map_err(|e| format!("cannot remove {}: {e}", full.display()))?;
        }
    }
    for (path, bytes) in made {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if std::fs::read(&full).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&full, bytes)
                .map_err(|e| format!("cannot write {}: {e}", full.display()))?;
        }
    }
    Ok(left_alone)
}

#[derive(Serialize)]
struct IndexFile<'a> {
    description: &'a str,
    vectors: Vec<IndexRow<'a>>,
}

#[derive(Serialize)]
struct IndexRow<'a> {
    name: &'a str,
    expect: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    verify: VerifyFacts,
    file: String,
    expectation: String,
    comment: &'a str,
}

fn index_json(vectors: &[Vector]) -> Result<Vec<u8>, String> {
    let index = IndexFile {
        description:
            "scanx conformance test vectors, verified against truststore.json; see README.md",
        vectors: vectors
            .iter()
            .map(|v| {
                let folder = v.expect.folder();
                IndexRow {
                    name: v.name,
                    expect: folder,
                    error: match v.expect {
                        Expect::Valid => None,
                        Expect::Invalid(kind) => Some(kind.name()),
                    },
                    verify: VerifyFacts::from_verdict(&v.verify),
                    file: format!("{folder}/{}.scx", v.name),
                    expectation: format!("{folder}/{}.json", v.name),
                    comment: v.comment,
                }
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&index).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

fn readme(vectors: &[Vector]) -> String {
    let valid: Vec<&Vector> = vectors
        .iter()
        .filter(|v| v.expect == Expect::Valid)
        .collect();
    let invalid: Vec<&Vector> = vectors
        .iter()
        .filter(|v| v.expect != Expect::Valid)
        .collect();
    let mut s = String::new();
    s.push_str(README_HEAD);
    s.push_str(&format!(
        "\n## Valid vectors ({})\n\n| Vector | Verification | What it checks |\n|---|---|---|\n",
        valid.len()
    ));
    for v in valid {
        s.push_str(&format!(
            "| `valid/{}.scx` | {} | {} |\n",
            v.name,
            verdict_cell(v),
            v.comment
        ));
    }
    s.push_str(&format!(
        "\n## Invalid vectors ({})\n\n| Vector | Error | Code | Verification | What it checks |\n|---|---|---|---|---|\n",
        invalid.len()
    ));
    for v in invalid {
        if let Expect::Invalid(kind) = v.expect {
            s.push_str(&format!(
                "| `invalid/{}.scx` | `{}` | {} | {} | {} |\n",
                v.name,
                kind.name(),
                kind.code(),
                verdict_cell(v),
                v.comment
            ));
        }
    }
    s
}

/// The status and reasons, as a README table cell.
fn verdict_cell(v: &Vector) -> String {
    let mut cell = format!("`{}`", v.verify.status.name());
    let reasons = v.verify.reason_names();
    if !reasons.is_empty() {
        let quoted: Vec<String> = reasons.iter().map(|r| format!("`{r}`")).collect();
        cell.push_str(": ");
        cell.push_str(&quoted.join(", "));
    }
    cell
}

/// Keeps git from converting line endings in any file here: they are compared byte for byte.
const GITATTRIBUTES: &str = "\
# Generated by make-vectors. Every file here is compared byte for byte: no conversion.
* -text
*.scx binary
";

const README_HEAD: &str = "\
# scanx conformance test vectors

Generated by `cargo run -p scanx-conformance --bin make-vectors`: do not edit by hand.
`cargo run -p scanx-conformance --bin make-vectors -- --check` remakes them in memory and
fails if any byte differs from what is here; `cargo test -p scanx-conformance` does the same
and runs every vector through both readers and the verifier of the Rust library.

Each vector is a file `NAME.scx` in `valid/` or `invalid/`, with its expectation `NAME.json`
beside it. `index.json` lists them all. The recipes that make them are in
`tests/src/recipes/`; every file is written deterministically (fixed file ids, salt seeds
and signing keys derived from names). `truststore.json` is the trust store every vector is
verified against, and `keys/` holds the test keys that signed them: **TEST KEYS, PUBLISHED
ON PURPOSE WITH THEIR PRIVATE HALVES. NEVER TRUST THEM IN PRODUCTION** (see
`keys/README.md`).

## What a reader must do

A **valid** vector must read without error. Its expectation gives:

- `version`: the format version in the file, `major.minor`;
- `file_id`: the file id from `HEAD`, hexadecimal;
- `metadata_sha256`: SHA-256 of the `META` payload exactly as stored;
- `personal_data`: whether a `PERS` chunk is present;
- `planes`: for each plane, its sample type, size, tile size, personal flag, and
  `pixels_sha256`, the SHA-256 of its decoded samples, little-endian, row-major, with
  redacted tiles as zero samples;
- `annotations`, `events`, `generations` (manifests), `signatures`: how many there are;
- `unknown_chunks`: the ancillary chunks a reader skips (type, header offset, payload
  length);
- `redacted_tiles`: the tiles absent because a redaction record names them, sorted by
  plane, then col, then row.

A vector is valid or invalid as a file: that says only whether it reads. Whether it can
be trusted is the verifier's question, and a file that reads perfectly well may have been
tampered with: the `tampered-*` vectors that still read are in `valid/`.

An **invalid** vector must be rejected. `error` and `code` are the error a full forward
read (one pass from the first byte, every structure checked, every tile decoded, the index
rebuilt and compared) must stop with: the first problem in file order. Every invalid vector
but the `tampered-*` ones was made from a valid file by changing one thing, with the
manifests, the index and the tail rebuilt around the change, so that the named defect is
the only one. A random-access
reader (tail, then index, then chunks) must also fail when opening the file or reading
every plane, the annotations and the events; `random_access_error` records the kind the
Rust library's random-access reader gives, which may differ because it meets the index
first.

## What a verifier must do

Every expectation, valid or invalid, has a `verify` member: what verifying the whole file
against `truststore.json` must find.

- `status`: `TRUSTED`, `VALID_UNTRUSTED`, `INVALID` or `UNSIGNED`;
- `reasons`: the distinct reasons of every problem found, by name, sorted (for example
  `[\"DIGEST_MISMATCH\"]`); empty for a file that is trusted, or unsigned with nothing wrong.

A file a forward read rejects is `INVALID` with `FORMAT_ERROR`, except where the verifier
checks the defect itself and names it: a manifest that names another generation number
(`GENERATION_MISMATCH`) or another digest algorithm than `HEAD` (`DIGEST_ALGORITHM_MISMATCH`).
A verifier must reach exactly this status and these reasons; where a problem is found
(which chunk, which signature) and the rest of its report are its own.

The signed vectors are signed at fixed times in March 2026 by the keys in `keys/`, each
in the role the trust store allows it: `scanner`, `agency` (the exporting agency),
`recipient` and `analyst`; `revoked` is revoked, `expired` was valid only until the end of
2025, `unknown` is not in the store. The **signed base file** of a recipe is the base file
below with its capture event made by the signing key (its annotation and its one 8 x 6 u16
plane in stored 4 x 3 tiles unchanged), signed by the scanner. Its **cab tiles** are the
two tiles of column 0.

The `tampered-*` vectors were made from signed files as an attacker without the keys would:
chunks edited, inserted, moved or removed, the index and tail rebuilt so the file still
reads, and nothing re-signed; a manifest is rebuilt only by appending a new generation,
never by rewriting a signed one. Their names say what the attack was; most read as files,
and only the verifier tells.

## How the files were made

The `recipe` of each expectation is short. Where it says **base file**, it means the file
most invalid vectors are cut from: the example scan metadata and personal data of the
schema, one 8 x 6 u16 plane in four stored (no filter, codec none) 4 x 3 tiles, one box
annotation and one capture event, unsigned, with a SHA-256 manifest. **Resealed** means the
manifests, the index and the tail were rebuilt for the changed chunk sequence exactly as a
writer would have written them; **index and tail rebuilt** means only those two were.

## Making the vectors again

`inputs.json` holds every fixed input the recipes use: how each vector's file id and salt
seed are derived from its name (and the values, per vector), the exact payloads of the base
file, the formula of the pixel pattern, the test keys (seed, public key, key id), the
signing times, event and annotation ids and the redaction reason of the signed vectors,
and the validity windows of the trust store. It is written from the constants the recipes
use, so it cannot drift from them. With it, a file is made again by a writer that follows
these rules, which are those of the writer that made the vectors:

- File header: the magic and version 1.0, unless the recipe changes them.
- Chunks, in this order: `HEAD` (the vector's `file_id`, digest algorithm 1, SHA-256,
  unless the recipe says BLAKE3); `META`; `PERS` if the scan has personal data; one `PLAN`
  per plane, in plane order; the `TILE` chunks of plane 0, then of plane 1, and so on, each
  plane's tiles row by row and left to right within a row; the `ANNO` chunks, then the
  `EVNT` chunks, in the order the recipe names them; the `MANI` of generation 1, listing
  every content chunk in file order, with `expected_signatures` the number of signers; one
  `SIGN` per signer in the order the recipe names them; the canonical `INDX` (section 7.2
  of the specification) and the `TAIL`. Ancillary chunks go where the recipe puts them.
- JSON payloads are in the canonical form (section 6.2); the base file's are given byte
  for byte in `inputs.json`.
- Salts are derived from the vector's `salt_seed` as section 8.3 recommends.
- Records and pixels: the records of a valid vector (metadata, personal data, plane
  attributes, annotations, events) are those its chunks hold, in canonical form, and its
  pixels those its planes decode to (`pattern` of `inputs.json`, with the seed of the
  recipe, where they are not given otherwise). Its tile sizes are those of its `PLAN`
  chunks, 512 x 512 where the recipe gives none, and its filters and codec those of its
  `TILE` headers. The compression level is not in the file: it is the one the recipe names,
  and where it names none, 3 for zstd and 6 for deflate. The **default encoding** is the
  filters [predictor2d, shuffle] and zstd at level 3.
- Signatures are Ed25519 (deterministic) by the named test key, in the role of its name,
  at the recipe's time (`inputs.json`, `signed.times`).
- An edit appends a generation as section 8.12 says; **resealed** rebuilds every manifest
  from the chunks of its generation as they now stand (same `expected_signatures`), then the
  index and the tail; nothing is signed again unless the recipe says so.

**What is byte for byte, and what is checked instead.** Compressed tile data depends on the
compressor, not only on the format: these vectors were made with libzstd 1.5.7 (one-shot
compression at the given level, the frame header recording the content size, no checksum,
no dictionary id) and with the zlib streams of miniz_oxide 0.9 (flate2 1.1, its Rust
back end). Another compressor, or another version of these, writes other bytes that are just
as valid, and then the lengths, offsets, digests and signatures of the whole file differ too.
So a vector is reproducible byte for byte from this text alone if `inputs.json` counts no
`deflate` or `zstd` tile for it, or if its recipe gives the compressed bytes (the zstd
frames of `zstd-dictionary-id-zero`, `zstd-dictionary-id-nonzero`, `zstd-window-log-31`,
`zstd-window-log-32` and `zstd-content-size-wrong-block-corrupt`). For any other vector, a
regenerated file is checked by its expectation instead: it must read with the same
`metadata_sha256`, `pixels_sha256` and counts, and verify with the same `status` and
`reasons`; for an invalid vector, a full read must fail with the same `error`.
";
