//! Provenance events (EVNT chunks): each change to a file, who made it and why (R9).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::json::present;
use super::rules::{self, Path, MAX_NOTE_CHARS};
use super::{Agency, Extensions, Validate};
use crate::crypto::Role;
use crate::error::Result;
use crate::Timestamp;

/// Most annotation ids one event names.
const MAX_ANNOTATION_IDS: usize = 100_000;
/// Most chunks one redaction removes (as many as a file may have chunks by default).
const MAX_REMOVED: usize = 200_000;
/// Most filters in a tile's filter chain (the container stores at most four).
const MAX_FILTERS: usize = 4;
/// Hex digits of a key id (16 bytes).
const KEY_ID_HEX: usize = 32;
/// Hex digits of a digest (32 bytes, SHA-256 or BLAKE3).
const DIGEST_HEX: usize = 64;

/// One provenance event. The members of its [`Action`], including `type`, sit beside `id`,
/// `time` and `actor` in the JSON object:
///
/// ```json
/// {"id":"…","time":"2026-03-02T09:00:00Z","actor":{"key_id":"…","role":"agency"},
///  "type":"redact","reason":"…","removed":[…]}
/// ```
///
/// Build events with [`crate::provenance::EventStamp`], which fills in the id (a fresh
/// UUID), the time and the actor from the signing key, and validates the event:
///
/// ```
/// use scanx::crypto::{Role, SigningKey};
/// use scanx::metadata::{Action, Agency};
/// use scanx::provenance::EventStamp;
///
/// let key = SigningKey::from_seed(&[3; 32]);
/// let brazil = Agency::new("BR", "Receita Federal do Brasil");
/// let time = scanx::Timestamp::from_unix_seconds(1_772_442_000);
/// let stamp = EventStamp::new(&key, Role::Agency, Some(brazil.clone()), time)?;
/// let event = stamp.event(Action::Transfer { from: Agency::example(), to: brazil })?;
/// assert_eq!(event.action.name(), "transfer");
/// assert_eq!(event.id.len(), 36);
/// # Ok::<(), scanx::Error>(())
/// ```
///
/// [`Event::new`] builds one from its parts, unvalidated, for an actor whose key is not at
/// hand or for a file that must be reproducible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Event {
    /// Identifies the event (UUID, lower-case canonical form).
    pub id: String,
    /// When the change was made (RFC 3339 in UTC in the JSON).
    pub time: Timestamp,
    /// Who made it.
    pub actor: Actor,
    /// What was done.
    #[serde(flatten)]
    pub action: Action,
    /// Vendor extensions (`x-` members).
    #[serde(flatten, serialize_with = "super::json::serialize_extensions")]
    pub extensions: Extensions,
}

/// Who made a change: the key that signs it, in which role, for which agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Actor {
    /// Key id of the signing key: 32 lower-case hexadecimal digits (16 bytes).
    pub key_id: String,
    /// The agency the key acts for, when it is an agency's key.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub agency: Option<Agency>,
    /// The role the key signs in.
    pub role: Role,
}

/// What an event did. JSON: the `type` member names the variant (`capture`, `annotate`,
/// `redact`, `re-encode`, `derive`, `transfer`, `countersign`), the variant's members sit
/// beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Action {
    /// The scanner created the file.
    Capture {},
    /// Annotation records were added.
    Annotate {
        /// Ids of the ANNO records added (at least one, no id twice).
        annotation_ids: Vec<String>,
    },
    /// Chunks were removed (personal data, tiles of a personal plane).
    Redact {
        /// Why (the legal basis, the agreement): non-empty, at most 4096 characters.
        reason: String,
        /// What was removed (at least one chunk, no manifest entry twice).
        removed: Vec<RemovedChunk>,
    },
    /// The file was made anew from a parent with other codecs or filters; the pixels are
    /// the same.
    ReEncode {
        /// File id of the parent (UUID).
        parent_file_id: String,
        /// Digest of the parent's last manifest (64 lower-case hexadecimal digits).
        parent_manifest_digest: String,
        /// Codec of the new tiles: a lower-case token (`none`, `deflate`, `zstd`, ...).
        codec: String,
        /// Filter chain of the new tiles, in the order applied on writing (at most 4
        /// lower-case tokens); absent when there is none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        filters: Vec<String>,
    },
    /// The file was derived from a parent by an operation that changes the pixels.
    Derive {
        /// File id of the parent (UUID).
        parent_file_id: String,
        /// Digest of the parent's last manifest (64 lower-case hexadecimal digits).
        parent_manifest_digest: String,
        /// What was done.
        operation: DeriveOperation,
    },
    /// The file was handed from one agency to another.
    Transfer {
        /// The sending agency.
        from: Agency,
        /// The receiving agency.
        to: Agency,
    },
    /// The signer vouches for the file as it stands, changing nothing.
    Countersign {
        /// A remark, at most 4096 characters.
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        note: Option<String>,
    },
}

/// How a derived file was made from its parent. JSON: the `op` member names the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum DeriveOperation {
    /// A rectangle of the parent's planes, in the parent's pixel coordinates.
    Crop {
        /// The plane cropped; absent when every plane was cropped alike.
        #[serde(
            default,
            deserialize_with = "present",
            skip_serializing_if = "Option::is_none"
        )]
        plane: Option<u16>,
        /// Left column.
        x: u32,
        /// Top row.
        y: u32,
        /// Width in pixels, at least 1.
        width: u32,
        /// Height in pixels, at least 1.
        height: u32,
    },
    /// Any other operation, described in words.
    Other {
        /// What was done: non-empty, at most 4096 characters.
        description: String,
    },
}

/// One chunk removed by a redaction, named by its entry in a generation's manifest (the
/// entry, and the digest in it, stay after the chunk is gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RemovedChunk {
    /// The generation whose manifest lists the chunk, from 1.
    pub generation: u32,
    /// Index of the entry in that manifest, from 0.
    pub entry: u32,
    /// The chunk type: four ASCII letters, such as `PERS` or `TILE`.
    pub chunk: String,
    /// The digest in the manifest entry: 64 lower-case hexadecimal digits.
    pub digest: String,
    /// For a TILE (required) or PLAN chunk: the plane index.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub plane: Option<u16>,
    /// For a TILE chunk (required, and only there): the tile column.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub col: Option<u32>,
    /// For a TILE chunk (required, and only there): the tile row.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub row: Option<u32>,
}

/// The members of an event other than its extensions: `action` gathers `type` and whatever
/// members are left, and refuses any it does not know.
#[derive(Deserialize)]
struct EventMembers {
    id: String,
    time: Timestamp,
    actor: Actor,
    #[serde(flatten)]
    action: Action,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Two flattened members cannot share the leftover members (the tagged action would
        // see the extensions and the extensions the action's members), so the extensions
        // are set apart by name first.
        let mut object = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        let extension_names: Vec<String> = object
            .keys()
            .filter(|name| name.starts_with("x-"))
            .cloned()
            .collect();
        let mut extensions = Extensions::new();
        for name in extension_names {
            if let Some(value) = object.remove(&name) {
                extensions.insert(name, value);
            }
        }
        let members = EventMembers::deserialize(Value::Object(object)).map_err(D::Error::custom)?;
        Ok(Event {
            id: members.id,
            time: members.time,
            actor: members.actor,
            action: members.action,
            extensions,
        })
    }
}

impl Actor {
    /// The actor signing with `public_key` in `role`, for `agency` if given.
    pub fn new(public_key: &crate::crypto::PublicKey, role: Role, agency: Option<Agency>) -> Actor {
        Actor {
            key_id: public_key.key_id().to_hex(),
            agency,
            role,
        }
    }

    /// The actor whose key has the id `key_id` (32 lower-case hexadecimal digits), in
    /// `role`, for `agency` if given: for a key known by its id only, such as one named by
    /// an event read from a file. [`Validate`] on the event checks the id's form.
    pub fn from_key_id(key_id: impl Into<String>, role: Role, agency: Option<Agency>) -> Actor {
        Actor {
            key_id: key_id.into(),
            agency,
            role,
        }
    }
}

impl Event {
    /// An event: `actor` did `action` at `time`, with a fresh random id and no extensions.
    /// The id, the time, the actor and the action are all the schema requires; set the id
    /// with [`Event::with_id`] when the file must be reproducible.
    ///
    /// Not validated: check it with [`Validate::validate`] (the writer and the editor do).
    /// [`crate::provenance::EventStamp`] builds validated events from a signing key.
    ///
    /// ```
    /// use scanx::crypto::Role;
    /// use scanx::metadata::{Action, Actor, Event, Validate};
    ///
    /// let actor = Actor::from_key_id("12".repeat(16), Role::Recipient, None);
    /// let event = Event::new(
    ///     "2026-03-03T12:00:00Z".parse()?,
    ///     actor,
    ///     Action::Countersign { note: Some("received intact".to_owned()) },
    /// )
    /// .with_id("5e6f7081-92a3-4b4c-9d5e-6f708192a3b4");
    /// event.validate()?;
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn new(time: Timestamp, actor: Actor, action: Action) -> Event {
        Event {
            id: uuid::Uuid::new_v4().to_string(),
            time,
            actor,
            action,
            extensions: Extensions::new(),
        }
    }

    /// Sets the id (a UUID in lower-case canonical form).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn with_extension(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    /// A valid event: the Belgian agency removed the personal-data chunk before sharing.
    pub fn example() -> Event {
        Event {
            id: "3e0a9f4c-27b1-4d8e-8c5a-91f2b6d7e403".to_owned(),
            time: Timestamp::from_unix_seconds(1_772_442_000), // 2026-03-02T09:00:00Z
            actor: Actor {
                key_id: "4f6c2a9e0b1d3c5e7f8a9b0c1d2e3f40".to_owned(),
                agency: Some(Agency::example()),
                role: Role::Agency,
            },
            action: Action::Redact {
                reason: "Personal data removed before exchange under the BE-BR customs \
                         mutual assistance agreement."
                    .to_owned(),
                removed: vec![RemovedChunk {
                    generation: 1,
                    entry: 2,
                    chunk: "PERS".to_owned(),
                    digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .to_owned(),
                    plane: None,
                    col: None,
                    row: None,
                }],
            },
            extensions: Extensions::new(),
        }
    }
}

impl Validate for Event {
    fn validate(&self) -> Result<()> {
        let root = Path::Root;
        rules::uuid(&root.field("id"), &self.id)?;
        let actor = root.field("actor");
        rules::hex(&actor.field("key_id"), &self.actor.key_id, KEY_ID_HEX)?;
        if let Some(agency) = &self.actor.agency {
            agency.check(&actor.field("agency"))?;
        }
        self.action.check(&root)?;
        rules::extensions(&root, &self.extensions)
    }
}

impl Action {
    /// The JSON `type` of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Capture {} => "capture",
            Action::Annotate { .. } => "annotate",
            Action::Redact { .. } => "redact",
            Action::ReEncode { .. } => "re-encode",
            Action::Derive { .. } => "derive",
            Action::Transfer { .. } => "transfer",
            Action::Countersign { .. } => "countersign",
        }
    }

    /// Checks the action's members, which sit at the event's top level (`path`).
    fn check(&self, path: &Path) -> Result<()> {
        match self {
            Action::Capture {} => Ok(()),
            Action::Annotate { annotation_ids } => {
                let at = path.field("annotation_ids");
                rules::list(&at, annotation_ids, 1, MAX_ANNOTATION_IDS, |p, id| {
                    rules::uuid(p, id)
                })?;
                rules::unique(&at, annotation_ids)
            }
            Action::Redact { reason, removed } => {
                rules::note(&path.field("reason"), reason, MAX_NOTE_CHARS)?;
                let at = path.field("removed");
                rules::list(&at, removed, 1, MAX_REMOVED, |p, chunk| chunk.check(p))?;
                let mut entries: Vec<(u32, u32)> =
                    removed.iter().map(|r| (r.generation, r.entry)).collect();
                entries.sort_unstable();
                match entries.windows(2).find(|pair| pair[0] == pair[1]) {
                    Some(pair) => Err(at.error(format!(
                        "entry {} of generation {} is listed twice",
                        pair[0].1, pair[0].0
                    ))),
                    None => Ok(()),
                }
            }
            Action::ReEncode {
                parent_file_id,
                parent_manifest_digest,
                codec,
                filters,
            } => {
                rules::uuid(&path.field("parent_file_id"), parent_file_id)?;
                rules::hex(
                    &path.field("parent_manifest_digest"),
                    parent_manifest_digest,
                    DIGEST_HEX,
                )?;
                token(&path.field("codec"), codec)?;
                rules::list(&path.field("filters"), filters, 0, MAX_FILTERS, |p, f| {
                    token(p, f)
                })
            }
            Action::Derive {
                parent_file_id,
                parent_manifest_digest,
                operation,
            } => {
                rules::uuid(&path.field("parent_file_id"), parent_file_id)?;
                rules::hex(
                    &path.field("parent_manifest_digest"),
                    parent_manifest_digest,
                    DIGEST_HEX,
                )?;
                operation.check(&path.field("operation"))
            }
            Action::Transfer { from, to } => {
                from.check(&path.field("from"))?;
                to.check(&path.field("to"))
            }
            Action::Countersign { note } => {
                rules::optional_note(&path.field("note"), note.as_ref(), MAX_NOTE_CHARS)
            }
        }
    }
}

fn token(path: &Path, text: &str) -> Result<()> {
    if rules::is_token(text) {
        Ok(())
    } else {
        Err(path.error(format!(
            "{:?} is not a lower-case token (a-z first, then a-z, 0-9 or '-')",
            text.chars().take(80).collect::<String>()
        )))
    }
}

impl DeriveOperation {
    fn check(&self, path: &Path) -> Result<()> {
        match self {
            DeriveOperation::Crop { width, height, .. } => {
                if *width == 0 {
                    return Err(path.field("width").error("must be at least 1"));
                }
                if *height == 0 {
                    return Err(path.field("height").error("must be at least 1"));
                }
                Ok(())
            }
            DeriveOperation::Other { description } => {
                rules::note(&path.field("description"), description, MAX_NOTE_CHARS)
            }
        }
    }
}

impl RemovedChunk {
    /// The chunk at `entry` (from 0) of generation `generation`'s manifest (from 1), of
    /// type `chunk` (four ASCII letters, such as `PERS`), whose manifest entry holds
    /// `digest` (64 lower-case hexadecimal digits): what every removed chunk must name. No
    /// plane or tile position: add them with [`RemovedChunk::with_plane`] for a PLAN chunk
    /// and [`RemovedChunk::with_tile`] for a TILE chunk, which requires them.
    ///
    /// Not validated here: [`Validate`] on the event checks every member.
    ///
    /// ```
    /// use scanx::metadata::RemovedChunk;
    /// use scanx::TileRef;
    ///
    /// let tile = RemovedChunk::new(1, 7, "TILE", "ab".repeat(32))
    ///     .with_tile(TileRef { plane: 0, col: 1, row: 0 });
    /// assert_eq!((tile.plane, tile.col, tile.row), (Some(0), Some(1), Some(0)));
    /// ```
    pub fn new(
        generation: u32,
        entry: u32,
        chunk: impl Into<String>,
        digest: impl Into<String>,
    ) -> RemovedChunk {
        RemovedChunk {
            generation,
            entry,
            chunk: chunk.into(),
            digest: digest.into(),
            plane: None,
            col: None,
            row: None,
        }
    }

    /// Sets the plane index (for a PLAN chunk; a TILE chunk takes [`RemovedChunk::with_tile`]).
    pub fn with_plane(mut self, plane: u16) -> Self {
        self.plane = Some(plane);
        self
    }

    /// Sets the plane, column and row of a TILE chunk.
    pub fn with_tile(mut self, tile: crate::TileRef) -> Self {
        self.plane = Some(tile.plane);
        self.col = Some(tile.col);
        self.row = Some(tile.row);
        self
    }

    fn check(&self, path: &Path) -> Result<()> {
        if self.generation == 0 {
            return Err(path.field("generation").error("generations count from 1"));
        }
        let chunk = path.field("chunk");
        if self.chunk.len() != 4 || !self.chunk.bytes().all(|c| c.is_ascii_alphabetic()) {
            return Err(chunk.error(format!(
                "{:?} is not a chunk type of four ASCII letters",
                self.chunk.chars().take(80).collect::<String>()
            )));
        }
        rules::hex(&path.field("digest"), &self.digest, DIGEST_HEX)?;
        let is_tile = self.chunk == "TILE";
        for (name, value) in [
            ("plane", self.plane.map(u32::from)),
            ("col", self.col),
            ("row", self.row),
        ] {
            match (is_tile, value) {
                (true, None) => {
                    return Err(path.field(name).error("required for a TILE chunk"));
                }
                (false, Some(_)) if name != "plane" => {
                    return Err(path
                        .field(name)
                        .error("only a TILE chunk has a tile position"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
