//! Expectation files: what a reader must make of each vector, as JSON beside the vector.
//!
//! A valid vector's expectation records [`Facts`]: the version, the file id, the SHA-256 of
//! the `META` payload and of every plane's decoded samples (little-endian, row-major;
//! redacted tiles as zero), and what else the file holds. An invalid vector's records the
//! error kind a full forward read must fail with, and the kind the random-access reader
//! fails with (which may differ: it meets the index first). Both record [`VerifyFacts`]:
//! what verifying the file against the vectors' trust store finds.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use scanx::crypto::TrustStore;
use scanx::{read_bytes, verify_bytes, ErrorKind, ReadOptions, Reader, Scan, Source};

use crate::vector::{Expect, Vector, Verdict};

/// What a reader found in a valid file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Format version, `major.minor`.
    pub version: String,
    /// File id, 32 hexadecimal digits.
    pub file_id: String,
    /// SHA-256 of the `META` payload bytes as stored.
    pub metadata_sha256: String,
    /// The file holds personal data (a `PERS` chunk that was not redacted).
    pub personal_data: bool,
    /// Every plane, in order.
    pub planes: Vec<PlaneFacts>,
    /// Number of annotation records.
    pub annotations: usize,
    /// Number of provenance events.
    pub events: usize,
    /// Number of generations (manifests).
    pub generations: usize,
    /// Number of signature records.
    pub signatures: usize,
    /// Ancillary chunks the reader skipped.
    pub unknown_chunks: Vec<UnknownChunkFacts>,
    /// Tiles absent because a redaction removed them.
    pub redacted_tiles: Vec<TileFacts>,
}

/// One plane of a valid file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaneFacts {
    /// Plane index.
    pub index: u16,
    /// `u8`, `u16`, `u32` or `f32`.
    pub sample_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tile width.
    pub tile_width: u32,
    /// Tile height.
    pub tile_height: u32,
    /// The plane is flagged personal.
    pub personal: bool,
    /// SHA-256 of the decoded samples, little-endian, row-major.
    pub pixels_sha256: String,
}

/// A skipped ancillary chunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownChunkFacts {
    /// Its four-letter type.
    #[serde(rename = "type")]
    pub chunk_type: String,
    /// Offset of its header in the file.
    pub offset: u64,
    /// Payload length.
    pub length: u64,
}

/// A tile position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileFacts {
    /// Plane index.
    pub plane: u16,
    /// Column.
    pub col: u32,
    /// Row.
    pub row: u32,
}

/// What verifying a file against the vectors' trust store found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyFacts {
    /// `TRUSTED`, `VALID_UNTRUSTED`, `INVALID` or `UNSIGNED`.
    pub status: String,
    /// The distinct reasons of every problem found, by name, sorted.
    pub reasons: Vec<String>,
}

impl VerifyFacts {
    /// Verifies `bytes` against `trust` with the default read options.
    pub fn of(bytes: &[u8], trust: &TrustStore) -> VerifyFacts {
        let report = match verify_bytes(bytes, Some(trust), &ReadOptions::default()) {
            Ok(report) => report,
            Err(e) => unreachable!("memory is always read to the end: {e}"),
        };
        let mut reasons: Vec<String> = report
            .reasons()
            .iter()
            .map(|r| r.name().to_owned())
            .collect();
        reasons.sort_unstable();
        VerifyFacts {
            status: report.status.name().to_owned(),
            reasons,
        }
    }

    /// What a registry entry says verification must find.
    pub fn from_verdict(verdict: &Verdict) -> VerifyFacts {
        VerifyFacts {
            status: verdict.status.name().to_owned(),
            reasons: verdict.reason_names(),
        }
    }
}

impl std::fmt::Display for VerifyFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.status, self.reasons.join(", "))
    }
}

/// The expectation file of a valid vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidExpectation {
    /// The vector's name.
    pub name: String,
    /// What it checks.
    pub comment: String,
    /// How it was made.
    pub recipe: String,
    /// Always `valid`.
    pub expect: String,
    /// What a reader must find.
    #[serde(flatten)]
    pub facts: Facts,
    /// What verification against the trust store must find.
    pub verify: VerifyFacts,
}

/// The expectation file of an invalid vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidExpectation {
    /// The vector's name.
    pub name: String,
    /// What it checks.
    pub comment: String,
    /// How it was made.
    pub recipe: String,
    /// Always `invalid`.
    pub expect: String,
    /// The error kind's name a full forward read fails with.
    pub error: String,
    /// Its numeric code.
    pub code: u32,
    /// The error kind's name the random-access reader gives when opening the file or
    /// reading every plane, the annotations and the events. Informative: a random-access
    /// reader need only fail.
    pub random_access_error: String,
    /// What verification against the trust store must find.
    pub verify: VerifyFacts,
}

/// Either expectation, as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// A valid vector's.
    Valid(ValidExpectation),
    /// An invalid vector's.
    Invalid(InvalidExpectation),
}

impl Expectation {
    /// Parses an expectation file.
    pub fn parse(json: &[u8]) -> Result<Expectation, String> {
        let value: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| format!("not JSON: {e}"))?;
        match value.get("expect").and_then(|v| v.as_str()) {
            Some("valid") => serde_json::from_value(value)
                .map(Expectation::Valid)
                .map_err(|e| format!("not a valid-vector expectation: {e}")),
            Some("invalid") => serde_json::from_value(value)
                .map(Expectation::Invalid)
                .map_err(|e| format!("not an invalid-vector expectation: {e}")),
            _ => Err("\"expect\" is neither \"valid\" nor \"invalid\"".to_owned()),
        }
    }
}

/// Lower-case hexadecimal SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Facts {
    /// What a full forward read found.
    pub fn from_scan(scan: &Scan) -> Facts {
        Facts {
            version: scan.version.to_string(),
            file_id: hex::encode(scan.file_id),
            metadata_sha256: sha256_hex(&scan.metadata_json),
            personal_data: scan.personal.is_some(),
            planes: scan
                .planes
                .iter()
                .map(|p| PlaneFacts {
                    index: p.info.index,
                    sample_type: p.info.sample_type.name().to_owned(),
                    width: p.info.grid.width,
                    height: p.info.grid.height,
                    tile_width: p.info.grid.tile_width,
                    tile_height: p.info.grid.tile_height,
                    personal: p.info.personal,
                    pixels_sha256: sha256_hex(p.pixels.as_bytes()),
                })
                .collect(),
            annotations: scan.annotations.len(),
            events: scan.events.len(),
            generations: scan.manifests.len(),
            signatures: scan.signatures.len(),
            unknown_chunks: scan
                .unknown_chunks
                .iter()
                .map(|u| UnknownChunkFacts {
                    chunk_type: u.chunk_type.to_string(),
                    offset: u.offset,
                    length: u.length,
                })
                .collect(),
            redacted_tiles: scan
                .redacted_tiles
                .iter()
                .map(|t| TileFacts {
                    plane: t.plane,
                    col: t.col,
                    row: t.row,
                })
                .collect(),
        }
    }

    /// What the random-access reader finds, reading every plane whole.
    pub fn from_reader<S: Source>(reader: &Reader<S>) -> scanx::Result<Facts> {
        let mut planes = Vec::new();
        for p in reader.planes() {
            let pixels = reader.read_plane(p.index)?;
            planes.push(PlaneFacts {
                index: p.index,
                sample_type: p.sample_type.name().to_owned(),
                width: p.grid.width,
                height: p.grid.height,
                tile_width: p.grid.tile_width,
                tile_height: p.grid.tile_height,
                personal: p.personal,
                pixels_sha256: sha256_hex(pixels.as_bytes()),
            });
        }
        Ok(Facts {
            version: reader.version().to_string(),
            file_id: hex::encode(reader.file_id()),
            metadata_sha256: sha256_hex(reader.metadata_json()),
            personal_data: reader.personal_data().is_some(),
            planes,
            annotations: reader.annotations()?.len(),
            events: reader.events()?.len(),
            generations: reader.manifests()?.len(),
            signatures: reader.signatures()?.len(),
            unknown_chunks: reader
                .unknown_chunks()?
                .iter()
                .map(|u| UnknownChunkFacts {
                    chunk_type: u.chunk_type.to_string(),
                    offset: u.offset,
                    length: u.length,
                })
                .collect(),
            redacted_tiles: reader
                .redacted_tiles()?
                .iter()
                .map(|t| TileFacts {
                    plane: t.plane,
                    col: t.col,
                    row: t.row,
                })
                .collect(),
        })
    }
}

/// Everything the random-access reader can be asked about a file: open it, read every
/// plane, the annotations, the events and the rest of the back of the file.
pub fn random_access_read(bytes: &[u8]) -> scanx::Result<Facts> {
    let reader = Reader::from_bytes(bytes)?;
    Facts::from_reader(&reader)
}

/// A full forward read.
pub fn forward_read(bytes: &[u8]) -> scanx::Result<Facts> {
    read_bytes(bytes, &ReadOptions::default()).map(|scan| Facts::from_scan(&scan))
}

/// Reads and verifies a freshly made vector and writes its expectation file. Fails if the
/// file does not behave as the registry says (a valid file that does not read, or reads
/// differently through the two readers; an invalid file that reads, or fails with another
/// error; a verification with another status or other reasons), so a recipe that misses
/// its mark is caught when the vectors are made.
pub fn expectation_for(
    vector: &Vector,
    bytes: &[u8],
    trust: &TrustStore,
) -> Result<Vec<u8>, String> {
    let name = vector.name;
    let verify = VerifyFacts::of(bytes, trust);
    let declared = VerifyFacts::from_verdict(&vector.verify);
    if verify != declared {
        let report =
            verify_bytes(bytes, Some(trust), &ReadOptions::default()).map_err(|e| e.to_string())?;
        return Err(format!(
            "vector {name} verifies to {verify}, the registry says {declared}:\n{report}"
        ));
    }
    let json = match vector.expect {
        Expect::Valid => {
            let facts = forward_read(bytes)
                .map_err(|e| format!("valid vector {name} does not read: {e}"))?;
            let random = random_access_read(bytes).map_err(|e| {
                format!("valid vector {name} does not read with the random-access reader: {e}")
            })?;
            if random != facts {
                return Err(format!(
                    "valid vector {name} reads differently through the two readers:\n  forward: {facts:?}\n  random access: {random:?}"
                ));
            }
            serde_json::to_vec_pretty(&ValidExpectation {
                name: name.to_owned(),
                comment: vector.comment.to_owned(),
                recipe: vector.recipe.to_owned(),
                expect: "valid".to_owned(),
                facts,
                verify,
            })
        }
        Expect::Invalid(kind) => {
            let found = forward_read(bytes).err().map(|e| (e.kind(), e.to_string()));
            match found {
                Some((k, _)) if k == kind => {}
                Some((k, message)) => {
                    return Err(format!(
                        "invalid vector {name} fails with {k}, not {kind}: {message}"
                    ))
                }
                None => return Err(format!("invalid vector {name} reads without error")),
            }
            let random = random_access_read(bytes).err().ok_or_else(|| {
                format!(
                    "invalid vector {name} reads without error through the random-access reader"
                )
            })?;
            serde_json::to_vec_pretty(&InvalidExpectation {
                name: name.to_owned(),
                comment: vector.comment.to_owned(),
                recipe: vector.recipe.to_owned(),
                expect: "invalid".to_owned(),
                error: kind.name().to_owned(),
                code: kind.code(),
                random_access_error: random.kind().name().to_owned(),
                verify,
            })
        }
    };
    let mut json = json.map_err(|e| format!("expectation of {name}: {e}"))?;
    json.push(b'\n');
    Ok(json)
}

/// Judges one vector against its expectation with both readers and the verifier (against
/// `trust`, the vectors' trust store); `Err` says what differs.
pub fn judge(bytes: &[u8], expectation: &Expectation, trust: &TrustStore) -> Result<(), String> {
    let expected = match expectation {
        Expectation::Valid(e) => &e.verify,
        Expectation::Invalid(e) => &e.verify,
    };
    let found = VerifyFacts::of(bytes, trust);
    if found != *expected {
        return Err(format!("verification finds {found}; expected {expected}"));
    }
    match expectation {
        Expectation::Valid(e) => {
            let facts = forward_read(bytes).map_err(|err| format!("forward read fails: {err}"))?;
            compare(&e.facts, &facts, "forward read")?;
            let random = random_access_read(bytes)
                .map_err(|err| format!("random-access read fails: {err}"))?;
            compare(&e.facts, &random, "random-access read")
        }
        Expectation::Invalid(e) => {
            let expected = ErrorKind::from_name(&e.error)
                .ok_or_else(|| format!("unknown error kind {:?}", e.error))?;
            if expected.code() != e.code {
                return Err(format!(
                    "{} has code {}, the expectation says {}",
                    e.error,
                    expected.code(),
                    e.code
                ));
            }
            match forward_read(bytes) {
                Ok(_) => return Err(format!("forward read succeeds; expected {expected}")),
                Err(err) if err.kind() != expected => {
                    return Err(format!(
                        "forward read fails with {err}; expected {expected}"
                    ))
                }
                Err(_) => {}
            }
            match random_access_read(bytes) {
                Ok(_) => Err("random-access read succeeds".to_owned()),
                Err(err) if err.kind().name() != e.random_access_error => Err(format!(
                    "random-access read fails with {err}; expected {}",
                    e.random_access_error
                )),
                Err(_) => Ok(()),
            }
        }
    }
}

fn compare(expected: &Facts, found: &Facts, reader: &str) -> Result<(), String> {
    if expected == found {
        return Ok(());
    }
    let expected = serde_json::to_value(expected).unwrap_or_default();
    let found = serde_json::to_value(found).unwrap_or_default();
    let mut differences = Vec::new();
    if let (Some(e), Some(f)) = (expected.as_object(), found.as_object()) {
        for (key, value) in e {
            if f.get(key) != Some(value) {
                differences.push(format!(
                    "{key}: expected {value}, found {}",
                    f.get(key).cloned().unwrap_or_default()
                ));
            }
        }
    }
    Err(format!("{reader}: {}", differences.join("; ")))
}
