//! Keys, files and chunk surgery shared by the signing and attack tests.

// Each test crate that includes this module uses a different subset of it.
#![allow(dead_code)]

use std::sync::mpsc;
use std::sync::Mutex;

use scanx::container::chunk::{chunk_header, ChunkStream, ChunkType, CHUNK_HEADER_LEN};
use scanx::container::index::{Index, IndexEntry, PlaneRef};
use scanx::container::plane::PlaneHeader;
use scanx::container::tail::Tail;
use scanx::container::tile::TileHeader;
use scanx::crypto::{
    CallbackSigner, PublicKey, Revocation, Role, Signer, SigningKey, TrustStore, TrustedKey,
};
use scanx::edit::{Editor, RedactRequest};
use scanx::metadata::{Agency, Annotation, PersonalData, PlaneAttributes, ScanMetadata};
use scanx::pixels::Rect;
use scanx::pixels::{Encoding, PixelBuffer, SampleType};
use scanx::provenance::EventStamp;
use scanx::{Limits, PlaneSpec, Result, SignRequest, Timestamp, WriteOptions, Writer};

/// 2024-01-01T00:00:00Z
pub const T2024: Timestamp = Timestamp::from_unix_seconds(1_704_067_200);
/// 2026-03-01T10:00:00Z: the scan is signed.
pub const T_SCAN: Timestamp = Timestamp::from_unix_seconds(1_772_359_200);
/// 2026-03-02T09:00:00Z: the agency redacts and signs.
pub const T_AGENCY: Timestamp = Timestamp::from_unix_seconds(1_772_442_000);
/// 2026-03-05T14:30:00Z: the recipient countersigns.
pub const T_RECIPIENT: Timestamp = Timestamp::from_unix_seconds(1_772_721_000);
/// 2030-01-01T00:00:00Z
pub const T2030: Timestamp = Timestamp::from_unix_seconds(1_893_456_000);

pub fn scanner_key() -> SigningKey {
    SigningKey::from_seed(&[1; 32])
}

pub fn recipient_key() -> SigningKey {
    SigningKey::from_seed(&[3; 32])
}

/// The seed of the agency's key, which only the signing thread of [`hsm_signer`] holds.
const AGENCY_SEED: [u8; 32] = [2; 32];

/// The agency's public key (derived here only to build trust stores).
pub fn agency_public() -> PublicKey {
    SigningKey::from_seed(&AGENCY_SEED).public_key()
}

/// An in-memory copy of the agency's key, only to show that the external signer produces
/// exactly what the key itself would.
pub fn agency_key_copy() -> SigningKey {
    SigningKey::from_seed(&AGENCY_SEED)
}

/// A request to the signing thread: the message and where to send the signature.
type SignJob = (Vec<u8>, mpsc::Sender<[u8; 64]>);

/// An external signer standing in for an HSM: the private key lives only in a thread of
/// its own; the library sees a public key and a callback that sends the message over a
/// channel and waits for the signature.
pub fn hsm_signer() -> impl Signer {
    let (jobs, inbox) = mpsc::channel::<SignJob>();
    let (key_out, key_in) = mpsc::channel::<PublicKey>();
    std::thread::spawn(move || {
        let key = SigningKey::from_seed(&AGENCY_SEED);
        if key_out.send(key.public_key()).is_err() {
            return;
        }
        while let Ok((message, reply)) = inbox.recv() {
            if let Ok(signature) = Signer::sign(&key, &message) {
                let _ = reply.send(signature);
            }
        }
    });
    let public_key = key_in.recv().expect("the signing thread starts");
    let jobs = Mutex::new(jobs);
    CallbackSigner::new(public_key, move |message: &[u8]| {
        let (reply, answer) = mpsc::channel();
        jobs.lock()
            .map_err(|_| "the signing channel is poisoned".to_string())?
            .send((message.to_vec(), reply))
            .map_err(|_| "the signing thread is gone".to_string())?;
        answer
            .recv()
            .map_err(|_| "the signing thread did not answer".to_string())
    })
}

pub fn entry(key: PublicKey, agency: &str, country: &str, roles: Vec<Role>) -> TrustedKey {
    let mut k = TrustedKey::new(key, agency, country, roles).expect("a valid trust entry");
    k.not_before = Some(T2024);
    k.not_after = Some(T2030);
    k
}

/// Trusts the scanner (scanner role), the agency (agency) and the recipient (recipient).
pub fn trust_store() -> TrustStore {
    TrustStore {
        keys: vec![
            entry(
                scanner_key().public_key(),
                "Acme scanner CX6-00421",
                "BE",
                vec![Role::Scanner],
            ),
            entry(agency_public(), "Belgian Customs", "BE", vec![Role::Agency]),
            entry(
                recipient_key().public_key(),
                "Receita Federal",
                "BR",
                vec![Role::Recipient],
            ),
        ],
    }
}

/// The same store with the scanner's key revoked.
pub fn store_with_revoked_scanner() -> TrustStore {
    let mut store = trust_store();
    store.keys[0].revoked = Some(Revocation::new(T_AGENCY, "key compromised".to_owned()));
    store
}

pub fn brazil() -> Agency {
    Agency::new("BR", "Receita Federal do Brasil")
}

/// Smooth samples with a little texture.
pub fn pixels_u16(width: u32, height: u32, seed: u32) -> PixelBuffer {
    let samples: Vec<u16> = (0..height)
        .flat_map(|y| {
            (0..width).map(move |x| {
                ((x * 97 + y * 31 + seed * 1000) % 60_000) as u16 ^ ((x * y) & 7) as u16
            })
        })
        .collect();
    PixelBuffer::from_u16(width, height, &samples).expect("sizes match")
}

/// A signed scan with personal data, two planes and a cab plane, annotations and a
/// capture event: what a scanner writes. 64 x 32 u16 planes in 16 x 16 tiles.
pub fn scanner_file(signer: &dyn Signer, id: u8) -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([id; 16], [id.wrapping_add(100); 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let mut planes = Vec::new();
    for attrs in [
        PlaneAttributes::example_high_energy(),
        PlaneAttributes::example_low_energy(),
    ] {
        planes.push(
            w.add_plane(
                PlaneSpec::new(SampleType::U16, 64, 32, attrs)
                    .with_tile_size(16, 16)
                    .with_encoding(Encoding::default()),
            )?,
        );
    }
    for p in planes {
        w.write_plane(p, &pixels_u16(64, 32, u32::from(p)))?;
    }
    w.annotation(&small_annotation())?;
    let stamp = EventStamp::new(signer, Role::Scanner, None, T_SCAN)?
        .with_id("5a1c7e2b-0d3f-4a6b-8c9d-1e2f3a4b5c6d");
    w.event(&stamp.capture()?)?;
    w.finish(&[SignRequest::new(signer, Role::Scanner, T_SCAN)])
}

/// A small signed file (a few KB) for exhaustive corruption: one 16 x 16 plane stored
/// without compression in 8 x 8 tiles, personal data, one annotation, a capture event.
pub fn small_file(signer: &dyn Signer, role: Role) -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([5; 16], [6; 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            16,
            16,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(8, 8)
        .with_encoding(Encoding::stored()),
    )?;
    w.write_plane(p, &pixels_u16(16, 16, 7))?;
    w.annotation(&small_annotation())?;
    let stamp = EventStamp::new(signer, role, None, T_SCAN)?
        .with_id("7c2d9e4f-1a3b-4c5d-8e6f-0a1b2c3d4e5f");
    w.event(&stamp.capture()?)?;
    w.finish(&[SignRequest::new(signer, role, T_SCAN)])
}

/// One chunk of a file: its type and its whole bytes (header and payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub chunk_type: ChunkType,
    pub bytes: Vec<u8>,
}

impl Chunk {
    pub fn new(chunk_type: ChunkType, payload: &[u8]) -> Chunk {
        let mut bytes = chunk_header(chunk_type, payload.len() as u64).to_vec();
        bytes.extend_from_slice(payload);
        Chunk { chunk_type, bytes }
    }

    pub fn payload(&self) -> &[u8] {
        &self.bytes[CHUNK_HEADER_LEN as usize..]
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[CHUNK_HEADER_LEN as usize..]
    }

    pub fn is(&self, t: ChunkType) -> bool {
        self.chunk_type == t
    }
}

/// The 12-byte file header and every chunk but INDX and TAIL.
pub fn split(file: &[u8]) -> (Vec<u8>, Vec<Chunk>) {
    let mut stream =
        ChunkStream::new(file, Some(file.len() as u64), Limits::default()).expect("a file");
    let mut chunks = Vec::new();
    while let Some(raw) = stream.next_chunk().expect("a well-formed file") {
        if raw.chunk_type == ChunkType::INDX || raw.chunk_type == ChunkType::TAIL {
            continue;
        }
        chunks.push(Chunk::new(raw.chunk_type, &raw.payload));
    }
    (file[..12].to_vec(), chunks)
}

/// Puts a file together from a header and chunks, with an index and a tail that describe
/// them: what an attacker who edits a file does so that it still reads.
pub fn assemble(header: &[u8], chunks: &[Chunk]) -> Vec<u8> {
    let mut out = header.to_vec();
    let mut index = Index::default();
    for c in chunks {
        let offset = out.len() as u64;
        let mut e = IndexEntry {
            chunk_type: c.chunk_type,
            offset,
            length: c.bytes.len() as u64,
            plane: 0,
            col: 0,
            row: 0,
        };
        if c.is(ChunkType::PLAN) {
            let p =
                PlaneHeader::parse(c.payload(), offset + 12, &Limits::default()).expect("a plane");
            e.plane = p.index;
            index.planes.push(PlaneRef {
                grid: p.grid,
                sample_type: p.sample_type,
                flags: u8::from(p.personal),
                plan_entry: index.entries.len() as u32,
            });
        }
        if c.is(ChunkType::TILE) {
            if let Ok((t, _)) = TileHeader::parse(c.payload(), offset + 12) {
                e.plane = t.plane;
                e.col = t.col;
                e.row = t.row;
            }
        }
        index.entries.push(e);
        out.extend_from_slice(&c.bytes);
    }
    let index_offset = out.len() as u64;
    let indx = Chunk::new(ChunkType::INDX, &index.encode());
    out.extend_from_slice(&indx.bytes);
    let tail = Tail {
        index_offset,
        index_length: indx.bytes.len() as u64,
    };
    out.extend_from_slice(&Chunk::new(ChunkType::TAIL, &tail.encode()).bytes);
    out
}

/// Positions of the chunks of a type.
pub fn positions(chunks: &[Chunk], t: ChunkType) -> Vec<usize> {
    chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is(t))
        .map(|(i, _)| i)
        .collect()
}

/// The (plane, col, row) of a TILE chunk.
pub fn tile_position(c: &Chunk) -> (u16, u32, u32) {
    let (h, _) = TileHeader::parse(c.payload(), 0).expect("a tile");
    (h.plane, h.col, h.row)
}

/// The cab: the left 20 columns of the 64 x 32 planes (tiles (0..2, 0..2) of each plane).
pub const CAB: Rect = Rect::new(0, 0, 20, 32);

/// The three stages of a file's journey.
pub struct Journey {
    /// Generation 1: the scanner's signed file.
    pub scan: Vec<u8>,
    /// Generation 2 added: the agency removed the personal data and the cab tiles,
    /// recorded the transfer, and signed through its HSM.
    pub redacted: Vec<u8>,
    /// Generation 3 added: the recipient countersigned.
    pub countersigned: Vec<u8>,
}

pub const REDACTION_REASON: &str =
    "Driver's cab and personal data removed before exchange under the BE-BR customs agreement";

/// Scanner signs, agency redacts and signs (external signer), recipient countersigns.
pub fn journey() -> Result<Journey> {
    let scanner = scanner_key();
    let scan = scanner_file(&scanner, 11)?;

    let hsm = hsm_signer();
    let mut editor = Editor::from_bytes(scan.clone())?;
    let mut request = RedactRequest::new(REDACTION_REASON).personal_data();
    for plane in [0, 1] {
        for tile in editor.tiles_in(plane, CAB)? {
            request = request.tile(tile);
        }
    }
    let stamp = EventStamp::new(&hsm, Role::Agency, Some(Agency::example()), T_AGENCY)?
        .with_id("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b");
    editor.redact_as(&request, &stamp)?;
    let transfer = stamp
        .clone()
        .with_id("2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b")
        .transfer(Agency::example(), brazil())?;
    editor.add_event(&transfer)?;
    let redacted = editor.to_bytes(&[SignRequest::new(&hsm, Role::Agency, T_AGENCY)])?;

    let recipient = recipient_key();
    let mut editor = Editor::from_bytes(redacted.clone())?;
    let stamp = EventStamp::new(&recipient, Role::Recipient, Some(brazil()), T_RECIPIENT)?
        .with_id("3b4c5d6e-7f80-4912-8b2c-3d4e5f6a7b8c");
    editor.add_event(&stamp.countersign(Some("received intact".to_owned()))?)?;
    let countersigned =
        editor.to_bytes(&[SignRequest::new(&recipient, Role::Recipient, T_RECIPIENT)])?;
    Ok(Journey {
        scan,
        redacted,
        countersigned,
    })
}

/// The example annotation moved to the top-left pixel, so it lies within the small planes
/// of these tests.
pub fn small_annotation() -> Annotation {
    let mut a = Annotation::example();
    a.geometry = scanx::metadata::Geometry::BoundingBox {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
    };
    a
}
