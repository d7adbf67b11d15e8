//! The trust store: which keys a verifier trusts, for which roles and when.
//!
//! A trust store is a JSON file (schema: `spec/truststore.schema.json`) that an agency
//! keeps by hand or with `scanx trust`. Nothing in it is fetched from anywhere: a key is
//! trusted because the agency running the verifier put it there.
//!
//! ```json
//! {
//!   "keys": [
//!     {
//!       "key_id": "7d1073cb5242deba90a22890085e350c",
//!       "public_key": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=",
//!       "agency": "Belgian Customs",
//!       "country": "BE",
//!       "roles": ["scanner"],
//!       "not_before": "2024-01-01T00:00:00Z",
//!       "not_after": "2030-01-01T00:00:00Z"
//!     }
//!   ]
//! }
//! ```

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::keys::{KeyId, PublicKey, PUBLIC_KEY_LEN};
use super::role::Role;
use crate::atomic::{write_bytes_atomic, Access};
use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// The keys a verifier trusts. Read with [`TrustStore::from_json`] or
/// [`TrustStore::load`]; consulted with [`TrustStore::evaluate`].
///
/// The list is public so that tools can edit it; [`TrustStore::validate`] checks an edited
/// store, and [`TrustStore::save`] refuses to write one that would not load again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustStore {
    /// The trusted keys, in file order.
    pub keys: Vec<TrustedKey>,
}

/// One key of a trust store and the terms on which it is trusted.
///
/// In JSON: `key_id` as 32 lower-case hex digits, `public_key` as the standard base64
/// (RFC 4648 section 4, padded: 44 characters) of the 32 key bytes, times as
/// `YYYY-MM-DDTHH:MM:SSZ`. Optional members are left out when absent (never `null`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustedKey {
    /// The key id; it must be the one derived from `public_key`.
    pub key_id: KeyId,
    /// The Ed25519 public key.
    pub public_key: PublicKey,
    /// The organisation that holds the private key, as shown in reports.
    pub agency: String,
    /// The agency's country: ISO 3166-1 alpha-2, two upper-case letters.
    pub country: String,
    /// The roles this key may sign in; at least one, each at most once.
    pub roles: Vec<Role>,
    /// Signatures dated before this time are not trusted. Inclusive: a signature dated
    /// exactly at `not_before` is in the window. Whole seconds, as the store writes them.
    pub not_before: Option<Timestamp>,
    /// Signatures dated after this time are not trusted. Inclusive: a signature dated
    /// exactly at `not_after` is in the window. Whole seconds, as the store writes them.
    pub not_after: Option<Timestamp>,
    /// Set if the key must no longer be trusted at all (see [`Revocation`]).
    pub revoked: Option<Revocation>,
    /// Free text for the people who keep the store.
    pub comment: Option<String>,
}

/// The revocation of a key.
///
/// A revoked key is untrusted for every signature, whatever time the signature claims,
/// before or after the revocation time: the time in a signature is chosen by the signer,
/// so whoever holds a compromised key can date a forged signature before the revocation.
/// The revocation time records when the key stopped being trusted and is reported. To
/// retire a key in good order, so that what it signed stays trusted, end its validity with
/// [`TrustedKey::not_after`] instead of revoking it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revocation {
    /// When the key was revoked (whole seconds, as the store writes it).
    pub time: Timestamp,
    /// Why, for the report (for example "key compromised", "device decommissioned").
    pub reason: String,
}

impl Revocation {
    /// A revocation at `time` for `reason`.
    pub fn new(time: Timestamp, reason: impl Into<String>) -> Revocation {
        Revocation {
            time,
            reason: reason.into(),
        }
    }
}

/// The verdict of a trust store on one signature's key, role and time.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustDecision {
    /// The key is in the store, not revoked, inside its validity window and allowed the
    /// role.
    Trusted,
    /// No key with this key id is in the store.
    UnknownKey,
    /// The key is revoked; every signature by it is untrusted, whatever its date.
    Revoked {
        /// When the key was revoked.
        since: Timestamp,
    },
    /// The signature is dated before the key's `not_before`.
    NotYetValid,
    /// The signature is dated after the key's `not_after`.
    Expired,
    /// The key may not sign in this role.
    RoleNotAllowed {
        /// The roles the key may sign in.
        allowed: Vec<Role>,
    },
    /// The store lists this key id with a different public key. A store read from JSON
    /// never does (each key id is checked against its key); a store edited in memory can.
    KeyMismatch,
}

impl TrustDecision {
    /// Whether the signature's key is trusted for its role and time.
    pub fn is_trusted(&self) -> bool {
        matches!(self, TrustDecision::Trusted)
    }

    /// The stable symbolic name used in reports and bindings.
    pub fn name(&self) -> &'static str {
        match self {
            TrustDecision::Trusted => "TRUSTED",
            TrustDecision::UnknownKey => "UNKNOWN_KEY",
            TrustDecision::Revoked { .. } => "REVOKED_KEY",
            TrustDecision::NotYetValid => "KEY_NOT_YET_VALID",
            TrustDecision::Expired => "KEY_EXPIRED",
            TrustDecision::RoleNotAllowed { .. } => "ROLE_NOT_ALLOWED",
            TrustDecision::KeyMismatch => "TRUST_KEY_MISMATCH",
        }
    }
}

impl fmt::Display for TrustDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrustDecision::Revoked { since } => {
                write!(f, "{} since {since}", self.name())
            }
            TrustDecision::RoleNotAllowed { allowed } => {
                let names: Vec<&str> = allowed.iter().map(|r| r.name()).collect();
                write!(f, "{} (allowed: {})", self.name(), names.join(", "))
            }
            other => f.write_str(other.name()),
        }
    }
}

impl TrustedKey {
    /// A key trusted by `agency` of `country` for `roles`, with no validity window, no
    /// revocation and no comment. Fails with `BAD_TRUST_STORE` if the country or the roles
    /// break the rules of [`TrustStore::from_json`].
    pub fn new(
        public_key: PublicKey,
        agency: impl Into<String>,
        country: impl Into<String>,
        roles: Vec<Role>,
    ) -> Result<TrustedKey> {
        let key = TrustedKey {
            key_id: public_key.key_id(),
            public_key,
            agency: agency.into(),
            country: country.into(),
            roles,
            not_before: None,
            not_after: None,
            revoked: None,
            comment: None,
        };
        key.check().map_err(bad_store)?;
        Ok(key)
    }

    /// Whether a signature dated `time` falls inside the validity window.
    fn window_contains(&self, time: Timestamp) -> std::result::Result<(), TrustDecision> {
        if self.not_before.is_some_and(|from| time < from) {
            return Err(TrustDecision::NotYetValid);
        }
        if self.not_after.is_some_and(|until| time > until) {
            return Err(TrustDecision::Expired);
        }
        Ok(())
    }

    /// The rules every entry obeys, as a message naming the broken one.
    fn check(&self) -> std::result::Result<(), String> {
        let derived = self.public_key.key_id();
        if self.key_id != derived {
            return Err(format!(
                "key_id {} is not the id of its public key ({derived})",
                self.key_id
            ));
        }
        if self.agency.chars().all(char::is_whitespace) {
            return Err("agency is empty".to_string());
        }
        let country = self.country.as_bytes();
        if country.len() != 2 || !country.iter().all(u8::is_ascii_uppercase) {
            return Err(format!(
                "country {:?} is not an ISO 3166-1 alpha-2 code (two upper-case letters)",
                self.country
            ));
        }
        if self.roles.is_empty() {
            return Err("roles is empty: the key could sign in no role".to_string());
        }
        for (i, role) in self.roles.iter().enumerate() {
            if self
                .roles
                .get(..i)
                .is_some_and(|before| before.contains(role))
            {
                return Err(format!("role {role} is listed twice"));
            }
        }
        let times = [
            ("not_before", self.not_before),
            ("not_after", self.not_after),
            ("revoked.time", self.revoked.as_ref().map(|r| r.time)),
        ];
        for (member, time) in times {
            // The JSON form holds whole seconds: a fraction would not load again.
            if let Some(t) = time.filter(|t| t.fraction_digits() > 0) {
                return Err(format!(
                    "{member} {t} has a fraction of a second; the store holds whole seconds"
                ));
            }
        }
        if let (Some(from), Some(until)) = (self.not_before, self.not_after) {
            if from > until {
                return Err(format!("not_before {from} is after not_after {until}"));
            }
        }
        Ok(())
    }
}

impl TrustStore {
    /// Largest trust store file accepted, in bytes.
    pub const MAX_BYTES: usize = 16 << 20;
    /// Largest number of keys in a trust store.
    pub const MAX_KEYS: usize = 10_000;

    /// An empty store: it trusts nothing.
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Parses a trust store file.
    ///
    /// Fails with `BAD_TRUST_STORE`, naming the entry (`keys[i]`), for any problem: not
    /// UTF-8 JSON, an unknown or missing member, a `null`, a key id that is not 32
    /// lower-case hex digits or not derived from the public key, a public key that is not
    /// canonical base64 of 32 bytes or is not a valid Ed25519 key, an empty agency, a
    /// country that is not two upper-case letters, no roles or a repeated or unknown role,
    /// a time not of the form `YYYY-MM-DDTHH:MM:SSZ`, `not_before` after `not_after`, a key
    /// id listed twice, more than [`TrustStore::MAX_BYTES`] bytes or
    /// [`TrustStore::MAX_KEYS`] keys.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(bad_store(format!(
                "the file has {} bytes, more than the limit of {}",
                bytes.len(),
                Self::MAX_BYTES
            )));
        }
        let current_entry = Cell::new(None);
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let entries = StoreSeed {
            current_entry: &current_entry,
        }
        .deserialize(&mut deserializer)
        .and_then(|entries| deserializer.end().map(|()| entries))
        .map_err(|e| match current_entry.get() {
            Some(i) => bad_store(format!("keys[{i}]: {e}")),
            None => bad_store(e.to_string()),
        })?;

        let mut keys = Vec::with_capacity(entries.len());
        let mut seen: BTreeMap<KeyId, usize> = BTreeMap::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let key = entry
                .into_trusted_key()
                .map_err(|why| bad_store(format!("keys[{i}]: {why}")))?;
            if let Some(first) = seen.insert(key.key_id, i) {
                return Err(bad_store(format!(
                    "keys[{i}]: key_id {} is already listed at keys[{first}]",
                    key.key_id
                )));
            }
            keys.push(key);
        }
        Ok(TrustStore { keys })
    }

    /// The store as JSON: pretty-printed with two-space indentation, members in the order
    /// of the schema, absent optional members left out, a final newline. The same store
    /// always gives the same bytes, and a file written by this reads back to an equal
    /// store (if [`TrustStore::validate`] passes).
    pub fn to_json(&self) -> Vec<u8> {
        let document = StoreJson {
            keys: self.keys.iter().map(KeyJson::from).collect(),
        };
        let mut out = serde_json::to_vec_pretty(&document)
            // Only strings, arrays and objects with string names: serializing cannot fail.
            .expect("a trust store always serializes");
        out.push(b'\n');
        out
    }

    /// Checks every rule of [`TrustStore::from_json`] on a store built or edited in
    /// memory. Fails with `BAD_TRUST_STORE`.
    pub fn validate(&self) -> Result<()> {
        if self.keys.len() > Self::MAX_KEYS {
            return Err(bad_store(format!(
                "{} keys, more than the limit of {}",
                self.keys.len(),
                Self::MAX_KEYS
            )));
        }
        let mut seen: BTreeMap<KeyId, usize> = BTreeMap::new();
        for (i, key) in self.keys.iter().enumerate() {
            key.check()
                .map_err(|why| bad_store(format!("keys[{i}]: {why}")))?;
            if let Some(first) = seen.insert(key.key_id, i) {
                return Err(bad_store(format!(
                    "keys[{i}]: key_id {} is already listed at keys[{first}]",
                    key.key_id
                )));
            }
        }
        Ok(())
    }

    /// Adds a key. Fails with `BAD_TRUST_STORE` if the entry breaks a rule, if its key id
    /// is already in the store, or if the store is full.
    pub fn insert(&mut self, key: TrustedKey) -> Result<()> {
        key.check().map_err(bad_store)?;
        if self.lookup(&key.key_id).is_some() {
            return Err(bad_store(format!(
                "key_id {} is already listed",
                key.key_id
            )));
        }
        if self.keys.len() >= Self::MAX_KEYS {
            return Err(bad_store(format!(
                "the store already holds the maximum of {} keys",
                Self::MAX_KEYS
            )));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Reads a trust store file. Fails with `IO` if it cannot be read, `BAD_TRUST_STORE`
    /// (with the path in the message) if it is not a valid trust store.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let io_error =
            |e: std::io::Error| Error::new(ErrorKind::Io, format!("{}: {e}", path.display()));
        let file = std::fs::File::open(path).map_err(io_error)?;
        let mut bytes = Vec::new();
        // Read one byte past the limit so an oversized file is reported as such.
        file.take(Self::MAX_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        TrustStore::from_json(&bytes)
            .map_err(|e| bad_store(format!("{}: {}", path.display(), e.message())))
    }

    /// Writes the store to `path` atomically (temporary file, sync, rename), replacing any
    /// file there. Fails with `BAD_TRUST_STORE` and writes nothing if
    /// [`TrustStore::validate`] fails, so a saved store always loads again.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.validate()?;
        write_bytes_atomic(path.as_ref(), Access::Shared, &self.to_json())
    }

    /// The entry with key id `id`, if any.
    pub fn lookup(&self, id: &KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|key| key.key_id == *id)
    }

    /// Whether a signature by `public_key`, in `role`, dated `time` (as recorded in the
    /// signature) is trusted.
    ///
    /// The checks run in this order and the first that fails gives the decision: the key
    /// id is in the store ([`TrustDecision::UnknownKey`]), with this public key
    /// ([`TrustDecision::KeyMismatch`]); the key is not revoked
    /// ([`TrustDecision::Revoked`], whatever the signature's date: see [`Revocation`]);
    /// the date is inside the validity window ([`TrustDecision::NotYetValid`],
    /// [`TrustDecision::Expired`]); the role is allowed
    /// ([`TrustDecision::RoleNotAllowed`]).
    pub fn evaluate(&self, public_key: &PublicKey, role: Role, time: Timestamp) -> TrustDecision {
        let Some(entry) = self.lookup(&public_key.key_id()) else {
            return TrustDecision::UnknownKey;
        };
        if entry.public_key != *public_key {
            return TrustDecision::KeyMismatch;
        }
        if let Some(revocation) = &entry.revoked {
            return TrustDecision::Revoked {
                since: revocation.time,
            };
        }
        if let Err(decision) = entry.window_contains(time) {
            return decision;
        }
        if !entry.roles.contains(&role) {
            return TrustDecision::RoleNotAllowed {
                allowed: entry.roles.clone(),
            };
        }
        TrustDecision::Trusted
    }
}

fn bad_store(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadTrustStore, message)
}

/// The JSON form of a store, for writing. Reading goes through [`StoreSeed`].
#[derive(Serialize)]
struct StoreJson {
    keys: Vec<KeyJson>,
}

/// The JSON form of one entry, before its strings are checked.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    key_id: String,
    public_key: String,
    agency: String,
    country: String,
    /// Role names, checked with the other members so an unknown one is reported as cleanly.
    roles: Vec<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    not_before: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    not_after: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    revoked: Option<RevocationJson>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    comment: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevocationJson {
    time: String,
    reason: String,
}

/// An optional member that, when present, must hold a value: `null` is refused, as the
/// schema refuses it, rather than read as absent.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

impl From<&TrustedKey> for KeyJson {
    fn from(key: &TrustedKey) -> Self {
        KeyJson {
            key_id: key.key_id.to_hex(),
            public_key: base64::engine::general_purpose::STANDARD.encode(key.public_key.to_bytes()),
            agency: key.agency.clone(),
            country: key.country.clone(),
            roles: key.roles.iter().map(|r| r.name().to_string()).collect(),
            not_before: key.not_before.map(|t| t.to_string()),
            not_after: key.not_after.map(|t| t.to_string()),
            revoked: key.revoked.as_ref().map(|r| RevocationJson {
                time: r.time.to_string(),
                reason: r.reason.clone(),
            }),
            comment: key.comment.clone(),
        }
    }
}

impl KeyJson {
    fn into_trusted_key(self) -> std::result::Result<TrustedKey, String> {
        let is_lower_hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
        if self.key_id.len() != 32 || !self.key_id.bytes().all(is_lower_hex) {
            return Err(format!(
                "key_id {:?} is not 32 lower-case hex digits",
                self.key_id
            ));
        }
        let key_id = KeyId::from_hex(&self.key_id).map_err(|e| e.message().to_string())?;

        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&self.public_key)
            .map_err(|e| format!("public_key is not standard padded base64: {e}"))?;
        let bytes: [u8; PUBLIC_KEY_LEN] = decoded.as_slice().try_into().map_err(|_| {
            format!(
                "public_key holds {} bytes, not {PUBLIC_KEY_LEN}",
                decoded.len()
            )
        })?;
        let public_key =
            PublicKey::from_bytes(&bytes).map_err(|e| format!("public_key: {}", e.message()))?;

        let roles = self
            .roles
            .iter()
            .map(|name| Role::from_name(name).map_err(|e| format!("roles: {}", e.message())))
            .collect::<std::result::Result<Vec<Role>, String>>()?;

        let time = |member: &str, text: &str| {
            Timestamp::parse_whole_seconds(text).map_err(|e| format!("{member}: {}", e.message()))
        };
        let not_before = self
            .not_before
            .as_deref()
            .map(|t| time("not_before", t))
            .transpose()?;
        let not_after = self
            .not_after
            .as_deref()
            .map(|t| time("not_after", t))
            .transpose()?;
        let revoked = match self.revoked {
            Some(r) => Some(Revocation {
                time: time("revoked.time", &r.time)?,
                reason: r.reason,
            }),
            None => None,
        };

        let key = TrustedKey {
            key_id,
            public_key,
            agency: self.agency,
            country: self.country,
            roles,
            not_before,
            not_after,
            revoked,
            comment: self.comment,
        };
        key.check()?;
        Ok(key)
    }
}

/// Reads the top-level object `{"keys": [...]}`, keeping note of which entry is being
/// read so that an error names it, and stopping at [`TrustStore::MAX_KEYS`] entries
/// before reading more.
struct StoreSeed<'c> {
    current_entry: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for StoreSeed<'_> {
    type Value = Vec<KeyJson>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StoreSeed<'_> {
    type Value = Vec<KeyJson>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trust store object with a \"keys\" array")
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut keys = None;
        while let Some(name) = map.next_key::<String>()? {
            if name != "keys" {
                return Err(de::Error::unknown_field(&name, &["keys"]));
            }
            if keys.is_some() {
                return Err(de::Error::duplicate_field("keys"));
            }
            keys = Some(map.next_value_seed(EntriesSeed {
                current_entry: self.current_entry,
            })?);
        }
        keys.ok_or_else(|| de::Error::missing_field("keys"))
    }
}

/// Reads the `keys` array, entry by entry.
struct EntriesSeed<'c> {
    current_entry: &'c Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = Vec<KeyJson>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_> {
    type Value = Vec<KeyJson>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of trusted keys")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        loop {
            if entries.len() == TrustStore::MAX_KEYS {
                // Only an error if another entry follows.
                self.current_entry.set(Some(entries.len()));
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(format_args!(
                        "more than {} keys",
                        TrustStore::MAX_KEYS
                    )));
                }
                break;
            }
            self.current_entry.set(Some(entries.len()));
            match seq.next_element::<KeyJson>()? {
                Some(entry) => entries.push(entry),
                None => break,
            }
        }
        self.current_entry.set(None);
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;

    const T2024: Timestamp = Timestamp::from_unix_seconds(1_704_067_200); // 2024-01-01T00:00:00Z
    const T2025: Timestamp = Timestamp::from_unix_seconds(1_735_689_600); // 2025-01-01T00:00:00Z
    const T2026: Timestamp = Timestamp::from_unix_seconds(1_767_225_600); // 2026-01-01T00:00:00Z

    fn public(seed: u8) -> PublicKey {
        SigningKey::from_seed(&[seed; 32]).public_key()
    }

    fn entry(seed: u8, roles: Vec<Role>) -> TrustedKey {
        match TrustedKey::new(public(seed), "Test Customs", "BE", roles) {
            Ok(key) => key,
            Err(e) => panic!("a valid entry was refused: {e}"),
        }
    }

    fn store() -> TrustStore {
        let mut windowed = entry(2, vec![Role::Agency, Role::Recipient]);
        windowed.not_before = Some(T2024);
        windowed.not_after = Some(T2026);
        let mut revoked = entry(3, vec![Role::Scanner]);
        revoked.revoked = Some(Revocation {
            time: T2025,
            reason: "key compromised".to_string(),
        });
        revoked.comment = Some("TEST KEY".to_string());
        TrustStore {
            keys: vec![entry(1, vec![Role::Scanner]), windowed, revoked],
        }
    }

    fn kind_of(result: Result<TrustStore>) -> Option<ErrorKind> {
        result.err().map(|e| e.kind())
    }

    #[test]
    fn every_decision() {
        let store = store();
        let eval =
            |seed: u8, role: Role, time: Timestamp| store.evaluate(&public(seed), role, time);
        assert_eq!(eval(1, Role::Scanner, T2025), TrustDecision::Trusted);
        assert_eq!(eval(9, Role::Scanner, T2025), TrustDecision::UnknownKey);
        assert_eq!(eval(2, Role::Agency, T2024), TrustDecision::Trusted);
        assert_eq!(eval(2, Role::Agency, T2026), TrustDecision::Trusted);
        assert_eq!(
            eval(
                2,
                Role::Agency,
                Timestamp::from_unix_seconds(T2024.unix_seconds() - 1)
            ),
            TrustDecision::NotYetValid
        );
        assert_eq!(
            eval(
                2,
                Role::Agency,
                Timestamp::from_unix_seconds(T2026.unix_seconds() + 1)
            ),
            TrustDecision::Expired
        );
        assert_eq!(
            eval(2, Role::Analyst, T2025),
            TrustDecision::RoleNotAllowed {
                allowed: vec![Role::Agency, Role::Recipient]
            }
        );
        // Revoked before, at and after the revocation time: a back-dated signature by a
        // compromised key must not pass.
        for time in [T2024, T2025, T2026] {
            assert_eq!(
                eval(3, Role::Scanner, time),
                TrustDecision::Revoked { since: T2025 }
            );
        }
    }

    #[test]
    fn a_different_key_under_a_listed_id_is_a_mismatch() {
        let mut store = store();
        // Only possible in memory: the file parser checks each id against its key.
        if let Some(first) = store.keys.first_mut() {
            first.public_key = public(8);
            first.key_id = public(1).key_id();
        }
        assert_eq!(
            store.evaluate(&public(1), Role::Scanner, T2025),
            TrustDecision::KeyMismatch
        );
        assert_eq!(
            store.validate().err().map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore)
        );
    }

    #[test]
    fn decisions_have_names() {
        assert!(TrustDecision::Trusted.is_trusted());
        assert!(!TrustDecision::Expired.is_trusted());
        assert_eq!(
            TrustDecision::Revoked { since: T2025 }.to_string(),
            "REVOKED_KEY since 2025-01-01T00:00:00Z"
        );
        assert_eq!(
            TrustDecision::RoleNotAllowed {
                allowed: vec![Role::Scanner, Role::Analyst]
            }
            .to_string(),
            "ROLE_NOT_ALLOWED (allowed: scanner, analyst)"
        );
    }

    #[test]
    fn json_round_trip_is_exact() -> Result<()> {
        let store = store();
        let json = store.to_json();
        let back = TrustStore::from_json(&json)?;
        assert_eq!(back, store);
        assert_eq!(back.to_json(), json);
        let text = String::from_utf8_lossy(&json);
        assert!(text.contains("\"not_before\": \"2024-01-01T00:00:00Z\""));
        assert!(!text.contains("null"));
        Ok(())
    }

    /// A valid store as JSON text, with one entry's member replaced by `edit`.
    fn edited(edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
        let mut value: serde_json::Value =
            serde_json::from_slice(&store().to_json()).unwrap_or_default();
        if let Some(entry) = value.pointer_mut("/keys/1") {
            edit(entry);
        }
        serde_json::to_vec(&value).unwrap_or_default()
    }

    fn set(member: &'static str, to: serde_json::Value) -> impl Fn(&mut serde_json::Value) {
        move |entry| {
            if let Some(object) = entry.as_object_mut() {
                object.insert(member.to_string(), to.clone());
            }
        }
    }

    #[test]
    fn every_broken_rule_is_bad_trust_store_naming_the_entry() {
        use serde_json::json;
        let other_key = base64::engine::general_purpose::STANDARD.encode(public(7).to_bytes());
        let short_key = base64::engine::general_purpose::STANDARD.encode([1u8; 31]);
        let weak_key = base64::engine::general_purpose::STANDARD.encode({
            let mut identity = [0u8; 32];
            identity[0] = 1;
            identity
        });
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "bad base64",
                edited(set("public_key", json!("not base64!"))),
            ),
            (
                "unpadded base64",
                edited(set("public_key", json!(other_key.trim_end_matches('=')))),
            ),
            ("31-byte key", edited(set("public_key", json!(short_key)))),
            ("weak key", edited(set("public_key", json!(weak_key)))),
            ("id mismatch", edited(set("public_key", json!(other_key)))),
            (
                "upper-case id",
                edited(|e| {
                    let upper = e["key_id"].as_str().map(str::to_uppercase);
                    set("key_id", json!(upper))(e)
                }),
            ),
            ("short id", edited(set("key_id", json!("00ff")))),
            ("empty agency", edited(set("agency", json!(" ")))),
            ("lower-case country", edited(set("country", json!("be")))),
            ("three-letter country", edited(set("country", json!("BEL")))),
            ("no roles", edited(set("roles", json!([])))),
            (
                "repeated role",
                edited(set("roles", json!(["agency", "agency"]))),
            ),
            ("unknown role", edited(set("roles", json!(["customs"])))),
            (
                "bad time",
                edited(set("not_before", json!("2024-01-01T00:00:00+01:00"))),
            ),
            ("null time", edited(set("not_after", json!(null)))),
            (
                "window reversed",
                edited(set("not_before", json!("2027-01-01T00:00:00Z"))),
            ),
            (
                "bad revocation",
                edited(set("revoked", json!({"time": "yesterday", "reason": ""}))),
            ),
            (
                "unknown member",
                edited(set("not_afer", json!("2030-01-01T00:00:00Z"))),
            ),
            (
                "missing member",
                edited(|e| {
                    if let Some(object) = e.as_object_mut() {
                        object.remove("agency");
                    }
                }),
            ),
            (
                "duplicate",
                edited(|e| {
                    if let Ok(first) =
                        serde_json::from_slice::<serde_json::Value>(&store().to_json())
                    {
                        *e = first["keys"][0].clone();
                    }
                }),
            ),
        ];
        for (what, json) in cases {
            let err = TrustStore::from_json(&json).err();
            assert_eq!(
                err.as_ref().map(|e| e.kind()),
                Some(ErrorKind::BadTrustStore),
                "{what}"
            );
            let message = err.map(|e| e.message().to_string()).unwrap_or_default();
            assert!(message.contains("keys[1]"), "{what}: {message}");
        }
    }

    #[test]
    fn malformed_documents_are_bad_trust_store() {
        let too_big = vec![b' '; TrustStore::MAX_BYTES + 1];
        for (what, json) in [
            ("not JSON", b"{\"keys\": [" as &[u8]),
            ("empty", b""),
            ("not UTF-8", b"{\"keys\": [\xff]}"),
            ("array", b"[]"),
            ("no keys", b"{}"),
            ("keys twice", b"{\"keys\": [], \"keys\": []}"),
            (
                "unknown top-level member",
                b"{\"keys\": [], \"version\": 2}",
            ),
            ("trailing data", b"{\"keys\": []} {}"),
            ("too big", &too_big),
        ] {
            assert_eq!(
                kind_of(TrustStore::from_json(json)),
                Some(ErrorKind::BadTrustStore),
                "{what}"
            );
        }
        assert_eq!(
            TrustStore::from_json(b" {\"keys\": []}\n").ok(),
            Some(TrustStore::new())
        );
    }

    #[test]
    fn the_key_count_is_bounded() {
        let entry = String::from_utf8_lossy(&store().to_json()).to_string();
        let one = entry
            .split_once("\"keys\": [")
            .and_then(|(_, rest)| rest.split_once("},\n    {"))
            .map(|(first, _)| format!("{first}}}"))
            .unwrap_or_default();
        assert!(one.contains("key_id"));
        // The count is checked before the entries: MAX_KEYS + 1 copies of one entry fail on
        // the count, not on the duplicate.
        let many = vec![one.as_str(); TrustStore::MAX_KEYS + 1].join(",");
        let json = format!("{{\"keys\": [{many}]}}");
        let err = TrustStore::from_json(json.as_bytes()).err();
        assert_eq!(
            err.as_ref().map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore)
        );
        let message = err.map(|e| e.message().to_string()).unwrap_or_default();
        assert!(message.contains("more than 10000 keys"), "{message}");
    }

    #[test]
    fn insert_checks_entries_and_duplicates() -> Result<()> {
        let mut store = TrustStore::new();
        store.insert(entry(1, vec![Role::Scanner]))?;
        let again = store
            .insert(entry(1, vec![Role::Agency]))
            .err()
            .map(|e| e.kind());
        assert_eq!(again, Some(ErrorKind::BadTrustStore));
        let mut bad = entry(2, vec![Role::Scanner]);
        bad.country = "Belgium".to_string();
        assert_eq!(
            store.insert(bad).err().map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore)
        );
        assert_eq!(
            TrustedKey::new(public(2), "X", "BE", vec![])
                .err()
                .map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore)
        );
        assert_eq!(store.keys.len(), 1);
        Ok(())
    }

    #[test]
    fn save_and_load_round_trip_and_save_refuses_an_invalid_store() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("trust.json");
        let store = store();
        store.save(&path)?;
        assert_eq!(TrustStore::load(&path)?, store);
        assert_eq!(std::fs::read(&path)?, store.to_json());

        let mut broken = store.clone();
        if let Some(key) = broken.keys.get_mut(1) {
            key.roles.clear();
        }
        let err = broken.save(&path).err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadTrustStore));
        assert_eq!(
            TrustStore::load(&path)?,
            store,
            "a refused save leaves the file alone"
        );

        std::fs::write(&path, b"{")?;
        let err = TrustStore::load(&path).err();
        assert_eq!(
            err.as_ref().map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore)
        );
        assert!(err
            .map(|e| e.message().contains("trust.json"))
            .unwrap_or(false));
        let missing = TrustStore::load(dir.path().join("none.json"))
            .err()
            .map(|e| e.kind());
        assert_eq!(missing, Some(ErrorKind::Io));
        Ok(())
    }
}
