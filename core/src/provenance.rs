//! Building provenance events (R9), and deriving a cropped file from a parent.
//!
//! Every change to a file is an event signed by its actor: the event names the actor's
//! key id, and the generation the event is added in must carry a signature by that key
//! (the verifier reports `EVENT_ACTOR_NOT_SIGNER` otherwise). An [`EventStamp`] holds the
//! actor, the time and the event id once, and builds each kind of event from them:
//!
//! ```
//! use scanx::crypto::{Role, SigningKey};
//! use scanx::provenance::EventStamp;
//! use scanx::Timestamp;
//!
//! let key = SigningKey::from_seed(&[2; 32]);
//! let stamp = EventStamp::new(&key, Role::Agency, None, Timestamp::from_unix_seconds(1_772_442_000))?
//!     .with_id("0b7e4f1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b");
//! let event = stamp.countersign(Some("received intact".to_owned()))?;
//! assert_eq!(event.time.to_string(), "2026-03-02T09:00:00Z");
//! assert_eq!(event.actor.key_id, key.public_key().key_id().to_hex());
//! # Ok::<(), scanx::Error>(())
//! ```
//!
//! Redaction events are built by [`crate::Editor::redact_as`] from a stamp, as it also
//! removes the chunks.

use crate::crypto::digest::Digest;
use crate::crypto::{Role, Signer};
use crate::error::{Error, ErrorKind, Result};
use crate::generations::FileLayout;
use crate::limits::Limits;
use crate::metadata::{Action, Actor, Agency, DeriveOperation, Event, Validate};
use crate::pixels::{Encoding, Rect};
use crate::seal::SignRequest;
use crate::stream::{read_bytes, ReadOptions};
use crate::time::Timestamp;
use crate::writer::{PlaneSpec, WriteOptions, Writer};

/// Who records an event, when, and under which id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventStamp {
    /// The actor: the key id of the signer, its role and agency.
    pub actor: Actor,
    /// The event id (a UUID, lower-case).
    pub id: String,
    /// When. Use the same time for the signature of the generation the event goes in.
    pub time: Timestamp,
}

impl EventStamp {
    /// A stamp for `signer` acting in `role` (for `agency`, if given) at `time`, with a
    /// new random event id. Fails with `SIGNER_FAILED` if the signer cannot give its
    /// public key.
    pub fn new(
        signer: &dyn Signer,
        role: Role,
        agency: Option<Agency>,
        time: Timestamp,
    ) -> Result<EventStamp> {
        let key_id = signer
            .public_key()
            .map_err(|e| {
                Error::new(
                    ErrorKind::SignerFailed,
                    format!("the signer gave no public key: {}", e.message()),
                )
            })?
            .key_id();
        Ok(EventStamp {
            actor: Actor {
                key_id: key_id.to_hex(),
                agency,
                role,
            },
            id: uuid::Uuid::new_v4().to_string(),
            time,
        })
    }

    /// A stamp for `actor` at `time`, with a new random event id: for an actor whose key is not at hand as a [`Signer`] (the
    /// generation must still be signed by the key `actor.key_id` names).
    pub fn from_actor(actor: Actor, time: Timestamp) -> EventStamp {
        EventStamp {
            actor,
            id: uuid::Uuid::new_v4().to_string(),
            time,
        }
    }

    /// Sets the event id (for reproducible output).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// An event with this stamp and `action`, validated.
    pub fn event(&self, action: Action) -> Result<Event> {
        let event = Event {
            id: self.id.clone(),
            time: self.time,
            actor: self.actor.clone(),
            action,
            extensions: Default::default(),
        };
        event.validate()?;
        Ok(event)
    }

    /// The scanner created the file.
    pub fn capture(&self) -> Result<Event> {
        self.event(Action::Capture {})
    }

    /// Annotation records with these ids were added.
    pub fn annotate(&self, annotation_ids: Vec<String>) -> Result<Event> {
        self.event(Action::Annotate { annotation_ids })
    }

    /// The file was made anew from `parent` with `encoding`; the pixels are the same.
    pub fn re_encode(&self, parent: &ParentFile, encoding: &Encoding) -> Result<Event> {
        self.event(Action::ReEncode {
            parent_file_id: parent.file_id_text(),
            parent_manifest_digest: hex::encode(parent.manifest_digest),
            codec: encoding.codec.name().to_owned(),
            filters: encoding
                .filters
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
        })
    }

    /// The file was derived from `parent` by `operation`.
    pub fn derive(&self, parent: &ParentFile, operation: DeriveOperation) -> Result<Event> {
        self.event(Action::Derive {
            parent_file_id: parent.file_id_text(),
            parent_manifest_digest: hex::encode(parent.manifest_digest),
            operation,
        })
    }

    /// The file was handed from one agency to another.
    pub fn transfer(&self, from: Agency, to: Agency) -> Result<Event> {
        self.event(Action::Transfer { from, to })
    }

    /// The actor vouches for the file as it stands.
    pub fn countersign(&self, note: Option<String>) -> Result<Event> {
        self.event(Action::Countersign { note })
    }
}

/// What a derived or re-encoded file names of its parent: the file id, and the digest of
/// the parent's last manifest, which pins the parent exactly as it was (every chunk and,
/// through the manifest chain, every earlier generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParentFile {
    /// The parent's file id.
    pub file_id: [u8; 16],
    /// Digest of the parent's last `MANI` chunk.
    pub manifest_digest: Digest,
}

impl ParentFile {
    /// Reads the file id and the last manifest's digest of a whole file in memory.
    pub fn from_bytes(file: &[u8], limits: &Limits) -> Result<ParentFile> {
        let layout = FileLayout::parse(file, limits)?;
        let last = layout
            .generations
            .last()
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "the file has no manifest"))?;
        Ok(ParentFile {
            file_id: layout.head.file_id,
            manifest_digest: last.manifest_digest,
        })
    }

    fn file_id_text(&self) -> String {
        uuid::Uuid::from_bytes(self.file_id).to_string()
    }
}

/// What [`derive_crop`] cuts out of a parent, and how it writes the new file.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct CropRequest {
    /// The plane to keep; `None` keeps every plane, each cropped alike.
    pub plane: Option<u16>,
    /// The rectangle, in the parent's pixel coordinates.
    pub region: Rect,
    /// Encoding of the new tiles.
    pub encoding: Encoding,
    /// File id, salt seed and digest algorithm of the new file. The file id, if given,
    /// must differ from the parent's.
    pub write: WriteOptions,
}

impl CropRequest {
    /// Crops every plane to `region`, with the default encoding and a random file id.
    pub fn new(region: Rect) -> Self {
        CropRequest {
            plane: None,
            region,
            encoding: Encoding::default(),
            write: WriteOptions::default(),
        }
    }

    /// Keeps only `plane`.
    pub fn plane(mut self, plane: u16) -> Self {
        self.plane = Some(plane);
        self
    }

    /// Sets the encoding of the new tiles.
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets the file id, salt seed and digest algorithm of the new file.
    pub fn with_write_options(mut self, write: WriteOptions) -> Self {
        self.write = write;
        self
    }
}

/// Writes a new file holding `request.region` of the parent's planes, with the parent's
/// scan metadata and plane attributes, and one `derive` event by `stamp`'s actor naming the
/// parent's file id and last manifest digest; sealed with `signers` (one of them should
/// be the actor's key, or the verifier reports `EVENT_ACTOR_NOT_SIGNER`).
///
/// The parent's personal data, annotations and events are not carried over: the new file
/// starts its own provenance, anchored in the parent by the derive event. The region must
/// not touch a redacted tile (its zeros would otherwise pass as pixels).
pub fn derive_crop(
    parent: &[u8],
    request: &CropRequest,
    stamp: &EventStamp,
    signers: &[SignRequest<'_>],
) -> Result<Vec<u8>> {
    let options = ReadOptions::default();
    let scan = read_bytes(parent, &options)?;
    let parent_ref = ParentFile::from_bytes(parent, &options.limits)?;
    if request.write.file_id == Some(scan.file_id) {
        return Err(Error::invalid_argument(
            "a derived file needs a file id of its own, not its parent's",
        ));
    }
    let planes: Vec<&crate::model::Plane> = match request.plane {
        Some(p) => vec![scan.planes.get(usize::from(p)).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no plane {p} (the file has {})", scan.planes.len()),
            )
        })?],
        None => scan.planes.iter().collect(),
    };
    let region = request.region;
    for plane in &planes {
        let grid = plane.info.grid;
        for (col, row) in grid.tiles_in(region)? {
            let tile = crate::model::TileRef {
                plane: plane.info.index,
                col,
                row,
            };
            if scan.redacted_tiles.contains(&tile) {
                return Err(Error::invalid_argument(format!(
                    "the region touches tile ({col}, {row}) of plane {}, which was redacted",
                    tile.plane
                )));
            }
        }
    }
    let event = stamp.derive(
        &parent_ref,
        DeriveOperation::Crop {
            plane: request.plane,
            x: region.x,
            y: region.y,
            width: region.width,
            height: region.height,
        },
    )?;

    let mut writer = Writer::new(Vec::new(), &scan.metadata, request.write.clone())?;
    let mut indices = Vec::with_capacity(planes.len());
    for plane in &planes {
        let info = &plane.info;
        let spec = PlaneSpec::new(
            info.sample_type,
            region.width,
            region.height,
            info.attributes.clone(),
        )
        .with_tile_size(info.grid.tile_width, info.grid.tile_height)
        .with_encoding(request.encoding.clone())
        .personal(info.personal);
        indices.push(writer.add_plane(spec)?);
    }
    for (plane, index) in planes.iter().zip(indices) {
        writer.write_plane(index, &plane.pixels.region(region)?)?;
    }
    writer.event(&event)?;
    writer.finish(signers)
}
