//! The verification rules, applied to what a pass collected.
//!
//! Rule numbers refer to the specification's verification section:
//!
//! 1. manifests: algorithm (a), generation number (b), chain to the previous manifest (c);
//!    every chunk matched to an entry (d); every absent entry redacted (e);
//! 2. redaction records name absent salted entries of earlier generations;
//! 3. signatures: chain, key id, strict Ed25519, one per key and generation, exactly as
//!    many as the manifest expects;
//! 4. each event's actor signed the event's generation;
//! 5. trust, per valid signature, at the signature's time;
//! 6. the status.
//!
//! Rule 1d, in full: a chunk the in-order matching leaves over is
//! - `UNLISTED_CHUNK` if its digest is listed in the manifest (it is out of order, or a
//!   copy); the entry it matches then counts as present, not removed;
//! - else `DIGEST_MISMATCH` if an entry of the same type lacks its chunk and no valid
//!   redaction record accounts for that entry (the chunk was altered; the pair is reported
//!   once, on the chunk);
//! - else `UNLISTED_CHUNK` (inserted, spliced in from another file, or planted where a
//!   redacted chunk was: the redacted entry is accounted for, so nothing pairs with it).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::container::chunk::ChunkType;
use crate::container::signature::{signed_message, SignedFields};
use crate::crypto::digest::Digest;
use crate::crypto::{KeyId, PublicKey, TrustDecision, TrustStore};
use crate::error::Error;
use crate::generations::{align, ChunkRef, EntryMatch};
use crate::metadata::{Action, DeriveOperation, Event};
use crate::model::TileRef;
use crate::time::Timestamp;
use crate::verify::collect::{Collected, GenerationData, SignatureData};
use crate::verify::report::{
    EventReport, GenerationReport, Problem, Reason, RedactionReport, RegionReport, RemovedReport,
    SignatureReport, Status, VerifyReport,
};

/// Which entries of one generation have their chunk, and which chunks match no entry.
struct GenerationMatch {
    /// Per entry: the position in `content` of its chunk, if present.
    present: Vec<Option<usize>>,
    /// Positions in `content` of chunks the matching left over.
    unmatched: Vec<usize>,
}

fn match_generation(g: &GenerationData, complete: bool) -> GenerationMatch {
    if complete {
        let (matches, unmatched) = align(&g.content, &g.manifest.entries);
        let present = matches
            .into_iter()
            .map(|m| match m {
                EntryMatch::Present(p) => Some(p),
                EntryMatch::Absent => None,
            })
            .collect();
        return GenerationMatch { present, unmatched };
    }
    // Only some chunks were digested: each must be listed; order and absence of the
    // others cannot be judged.
    let mut first_entry: HashMap<(ChunkType, Digest), usize> = HashMap::new();
    for (e, entry) in g.manifest.entries.iter().enumerate() {
        first_entry
            .entry((entry.chunk_type, entry.digest))
            .or_insert(e);
    }
    let mut present = vec![None; g.manifest.entries.len()];
    let mut unmatched = Vec::new();
    for (c, chunk) in g.content.iter().enumerate() {
        match first_entry.get(&(chunk.chunk_type, chunk.digest)) {
            Some(&e) if present.get(e).is_some_and(Option::is_none) => present[e] = Some(c),
            _ => unmatched.push(c),
        }
    }
    GenerationMatch { present, unmatched }
}

/// Applies every rule and builds the report.
pub(crate) fn analyse(c: &Collected, trust: Option<&TrustStore>) -> VerifyReport {
    let mut report = VerifyReport::empty(Status::Invalid);
    report.file_id = Some(uuid::Uuid::from_bytes(c.file_id));
    report.version = Some(c.version.to_string());
    report.algorithm = Some(c.algorithm);
    report.unknown_chunks = c.unknown.clone();
    let mut problems = Vec::new();

    check_manifests(c, &mut problems);
    let matches: Vec<GenerationMatch> = c
        .generations
        .iter()
        .map(|g| match_generation(g, c.complete))
        .collect();
    let redacted = check_redactions(c, &matches, &mut problems, &mut report.redactions);
    check_content(c, &matches, &redacted, &mut problems);
    if let Some(region) = &c.region {
        report.region = Some(check_region(region, &redacted, &mut problems));
    }
    let signed = check_signatures(c, trust, &mut problems, &mut report.signatures);
    check_events(c, &signed, &mut problems, &mut report);

    let any_signature = !report.signatures.is_empty();
    report.generations = generation_reports(
        c,
        &matches,
        &redacted,
        &signed,
        any_signature,
        &mut problems,
    );
    if any_signature && trust.is_none() {
        problems.push(Problem::new(
            Reason::NoTrustStore,
            "no trust store was given, so no signer can be trusted",
        ));
    }

    report.status = decide_status(&problems, &report, any_signature);
    report.problems = problems;
    report
}

/// One report per generation, with the problem of a generation sealed without a signature
/// in a file where others are signed.
fn generation_reports(
    c: &Collected,
    matches: &[GenerationMatch],
    redacted: &Redacted,
    signed: &[Vec<[u8; 16]>],
    any_signature: bool,
    problems: &mut Vec<Problem>,
) -> Vec<GenerationReport> {
    let mut redacted_per_generation = vec![0usize; c.generations.len()];
    for &(k, _) in redacted.entries.keys() {
        if let Some(n) = redacted_per_generation.get_mut(k) {
            *n += 1;
        }
    }
    let mut reports = Vec::with_capacity(c.generations.len());
    for (i, g) in c.generations.iter().enumerate() {
        let number = i as u32 + 1;
        let signers = signed.get(i).cloned().unwrap_or_default();
        // A generation sealed without signatures. (One whose signatures were stripped,
        // or are not valid, is already reported with the reason why.)
        if any_signature && g.signatures.is_empty() && g.manifest.expected_signatures == 0 {
            problems.push(
                Problem::new(
                    Reason::UnsignedGeneration,
                    format!("generation {number} was sealed without a signature"),
                )
                .generation(number)
                .at("MANI", g.manifest_offset),
            );
        }
        reports.push(GenerationReport {
            generation: number,
            manifest_offset: g.manifest_offset,
            manifest_digest: hex::encode(g.manifest_digest),
            entries: g.manifest.entries.len(),
            checked: matches
                .get(i)
                .map_or(0, |m| m.present.iter().filter(|p| p.is_some()).count()),
            redacted: redacted_per_generation.get(i).copied().unwrap_or(0),
            expected_signatures: g.manifest.expected_signatures,
            signatures: g.signatures.len(),
            signed_by: signers.iter().map(|k| KeyId(*k).to_hex()).collect(),
        });
    }
    reports
}

/// The decision: INVALID on any problem that invalidates, UNSIGNED without signatures,
/// TRUSTED only when nothing at all is wrong and every generation has a trusted signer.
fn decide_status(problems: &[Problem], report: &VerifyReport, any_signature: bool) -> Status {
    if problems.iter().any(|p| p.reason.invalidates()) {
        Status::Invalid
    } else if !any_signature {
        Status::Unsigned
    } else if problems.is_empty()
        && report.generations.iter().all(|g| !g.signed_by.is_empty())
        && report
            .signatures
            .iter()
            .all(|s| s.valid && s.trust.as_ref().is_some_and(TrustDecision::is_trusted))
    {
        Status::Trusted
    } else {
        Status::ValidUntrusted
    }
}

/// Rules 1a to 1c.
fn check_manifests(c: &Collected, problems: &mut Vec<Problem>) {
    let mut previous: Digest = [0; 32];
    for (i, g) in c.generations.iter().enumerate() {
        let number = i as u32 + 1;
        let at = |p: Problem| p.generation(number).at("MANI", g.manifest_offset);
        if g.manifest.algorithm != c.algorithm {
            problems.push(at(Problem::new(
                Reason::DigestAlgorithmMismatch,
                format!(
                    "the manifest uses {}, the file header declares {}",
                    g.manifest.algorithm.name(),
                    c.algorithm.name()
                ),
            )));
        }
        if g.manifest.generation != number {
            problems.push(at(Problem::new(
                Reason::GenerationMismatch,
                format!(
                    "manifest {number} of the file says it is generation {}",
                    g.manifest.generation
                ),
            )));
        }
        if g.manifest.previous != previous {
            problems.push(at(Problem::new(
                Reason::ManifestChainBroken,
                if number == 1 {
                    "the first manifest must chain to the zero digest".to_owned()
                } else {
                    format!("the manifest does not chain to manifest {}", number - 1)
                },
            )));
        }
        previous = g.manifest_digest;
    }
}

/// Entries that valid redaction records account for.
#[derive(Default)]
struct Redacted {
    /// (generation index, entry) -> index of the event that redacted it.
    entries: HashMap<(usize, usize), usize>,
    /// Tiles removed by a valid record.
    tiles: HashSet<TileRef>,
}

/// Rule 2.
fn check_redactions(
    c: &Collected,
    matches: &[GenerationMatch],
    problems: &mut Vec<Problem>,
    reports: &mut Vec<RedactionReport>,
) -> Redacted {
    let mut redacted = Redacted::default();
    for (event_index, data) in c.events.iter().enumerate() {
        let Action::Redact { reason, removed } = &data.event.action else {
            continue;
        };
        let j = data.generation;
        let mut removed_reports = Vec::with_capacity(removed.len());
        for r in removed {
            let problem = redaction_problem(c, matches, &redacted, j, r);
            let valid = problem.is_none();
            if let Some((reason, message)) = problem {
                problems.push(
                    Problem::new(reason, message)
                        .generation(j)
                        .at("EVNT", data.offset),
                );
            } else if let Some(k) = (r.generation as usize).checked_sub(1) {
                redacted.entries.insert((k, r.entry as usize), event_index);
                if let (Some(plane), Some(col), Some(row)) = (r.plane, r.col, r.row) {
                    redacted.tiles.insert(TileRef { plane, col, row });
                }
            }
            removed_reports.push(RemovedReport {
                generation: r.generation,
                entry: r.entry,
                chunk: r.chunk.clone(),
                plane: r.plane,
                col: r.col,
                row: r.row,
                valid,
            });
        }
        reports.push(RedactionReport {
            generation: j,
            event_id: data.event.id.clone(),
            time: data.event.time,
            actor_key_id: data.event.actor.key_id.clone(),
            actor_role: data.event.actor.role,
            actor_agency: data.event.actor.agency.as_ref().map(|a| a.name.clone()),
            reason: reason.clone(),
            removed: removed_reports,
            // Filled in with the signatures (rule 4).
            signed_by_actor: false,
        });
    }
    redacted
}

/// What is wrong with one redaction record of an event in generation `j`, if anything.
fn redaction_problem(
    c: &Collected,
    matches: &[GenerationMatch],
    redacted: &Redacted,
    j: u32,
    r: &crate::metadata::RemovedChunk,
) -> Option<(Reason, String)> {
    let bad = |why: String| Some((Reason::BadRedactionReference, why));
    let what = format!("entry {} of generation {}", r.entry, r.generation);
    if !crate::verify::REDACTABLE
        .iter()
        .any(|t| t.to_string() == r.chunk)
    {
        return bad(format!(
            "the record names {what} as a {} chunk; only PERS and TILE chunks may be redacted",
            r.chunk.chars().take(8).collect::<String>()
        ));
    }
    if r.generation == 0 || r.generation >= j {
        return bad(format!(
            "the record names {what}, which is not a generation before the event's ({j})"
        ));
    }
    let k = (r.generation - 1) as usize;
    let Some(entry) = c
        .generations
        .get(k)
        .and_then(|g| g.manifest.entries.get(r.entry as usize))
    else {
        return bad(format!("the record names {what}, which does not exist"));
    };
    if entry.chunk_type.to_string() != r.chunk || hex::encode(entry.digest) != r.digest {
        return bad(format!(
            "the record names {what} as {} {}, the manifest lists {} {}",
            r.chunk,
            r.digest,
            entry.chunk_type,
            hex::encode(entry.digest)
        ));
    }
    let present = matches
        .get(k)
        .and_then(|m| m.present.get(r.entry as usize))
        .is_some_and(Option::is_some);
    if present {
        return Some((
            Reason::RedactedChunkPresent,
            format!(
                "the record says {what} ({}) was removed, but the chunk is still in the file",
                r.chunk
            ),
        ));
    }
    if redacted.entries.contains_key(&(k, r.entry as usize)) {
        return bad(format!("{what} is already named by an earlier record"));
    }
    None
}

/// Rules 1d and 1e.
fn check_content(
    c: &Collected,
    matches: &[GenerationMatch],
    redacted: &Redacted,
    problems: &mut Vec<Problem>,
) {
    for (i, (g, m)) in c.generations.iter().zip(matches).enumerate() {
        // Its entries were computed with another algorithm than the chunks' digests: no
        // chunk can match, and none was necessarily altered. DIGEST_ALGORITHM_MISMATCH
        // (rule 1a) is the one fact to report.
        if g.manifest.algorithm != c.algorithm {
            continue;
        }
        if c.complete {
            check_complete_generation(i, g, m, redacted, problems);
        } else {
            check_partial_generation(i as u32 + 1, g, m, problems);
        }
    }
}

/// A problem with one chunk of generation `number`, named by its type and, for a tile,
/// its place.
fn chunk_problem(number: u32, reason: Reason, chunk: &ChunkRef, why: &str) -> Problem {
    let name = match chunk.tile {
        Some(t) => format!(
            "{} (tile ({}, {}) of plane {})",
            chunk.chunk_type, t.col, t.row, t.plane
        ),
        None => chunk.chunk_type.to_string(),
    };
    Problem::new(reason, format!("{name} {why}"))
        .generation(number)
        .at(&chunk.chunk_type.to_string(), chunk.offset)
}

/// A region verification sees only some chunks, so a missing entry proves nothing: only
/// the chunks it read and could not match are reported.
fn check_partial_generation(
    number: u32,
    g: &GenerationData,
    m: &GenerationMatch,
    problems: &mut Vec<Problem>,
) {
    let listed_types: HashSet<ChunkType> =
        g.manifest.entries.iter().map(|e| e.chunk_type).collect();
    for &p in &m.unmatched {
        let Some(chunk) = g.content.get(p) else {
            continue;
        };
        problems.push(if listed_types.contains(&chunk.chunk_type) {
            chunk_problem(
                number,
                Reason::DigestMismatch,
                chunk,
                "matches no entry of its generation's manifest",
            )
        } else {
            chunk_problem(
                number,
                Reason::UnlistedChunk,
                chunk,
                "is not listed in its generation's manifest",
            )
        });
    }
}

/// Every chunk of generation `i` must match its manifest entry, in order; a chunk that
/// matches none is altered when an entry of its type lacks its chunk, else inserted; an
/// entry left without a chunk must be accounted for by a redaction.
fn check_complete_generation(
    i: usize,
    g: &GenerationData,
    m: &GenerationMatch,
    redacted: &Redacted,
    problems: &mut Vec<Problem>,
) {
    let number = i as u32 + 1;
    let mut listed: HashMap<(ChunkType, Digest), usize> = HashMap::new();
    for (e, entry) in g.manifest.entries.iter().enumerate() {
        listed.entry((entry.chunk_type, entry.digest)).or_insert(e);
    }
    let mut out_of_order: HashSet<usize> = HashSet::new();
    let mut leftover = Vec::new();
    for &p in &m.unmatched {
        let Some(chunk) = g.content.get(p) else {
            continue;
        };
        match listed.get(&(chunk.chunk_type, chunk.digest)) {
            Some(&e) => {
                problems.push(chunk_problem(
                    number,
                    Reason::UnlistedChunk,
                    chunk,
                    &format!("is listed at entry {e} but is out of order or repeated"),
                ));
                if m.present.get(e).is_some_and(Option::is_none) {
                    out_of_order.insert(e);
                }
            }
            None => leftover.push(chunk),
        }
    }
    // Entries that lack their chunk with nothing to account for it, by type, in order.
    let mut missing: HashMap<ChunkType, VecDeque<usize>> = HashMap::new();
    for (e, entry) in g.manifest.entries.iter().enumerate() {
        let absent = m.present.get(e).is_some_and(Option::is_none);
        if absent && !out_of_order.contains(&e) && !redacted.entries.contains_key(&(i, e)) {
            missing.entry(entry.chunk_type).or_default().push_back(e);
        }
    }
    for chunk in leftover {
        match missing
            .get_mut(&chunk.chunk_type)
            .and_then(VecDeque::pop_front)
        {
            Some(e) => problems.push(chunk_problem(
                number,
                Reason::DigestMismatch,
                chunk,
                &format!(
                    "matches no entry of its generation's manifest; entry {e} of its type has no chunk: it was altered"
                ),
            )),
            None => problems.push(chunk_problem(
                number,
                Reason::UnlistedChunk,
                chunk,
                "is not listed in its generation's manifest (inserted, spliced in, or planted)",
            )),
        }
    }
    report_removed(number, g, missing, problems);
}

/// Entries of generation `number` whose chunk is gone with no redaction record naming it.
fn report_removed(
    number: u32,
    g: &GenerationData,
    missing: HashMap<ChunkType, VecDeque<usize>>,
    problems: &mut Vec<Problem>,
) {
    let mut removed: Vec<usize> = missing.into_values().flatten().collect();
    removed.sort_unstable();
    for e in removed {
        let chunk_type = g
            .manifest
            .entries
            .get(e)
            .map(|x| x.chunk_type.to_string())
            .unwrap_or_default();
        problems.push(
            Problem::new(
                Reason::RemovedWithoutRedaction,
                format!(
                    "entry {e} ({chunk_type}) of the manifest has no chunk, and no redaction record names it"
                ),
            )
            .generation(number)
            .at("MANI", g.manifest_offset),
        );
    }
}

/// The region's missing tiles must be redacted by a valid record.
fn check_region(
    region: &crate::verify::collect::RegionInput,
    redacted: &Redacted,
    problems: &mut Vec<Problem>,
) -> RegionReport {
    let mut tiles_redacted = Vec::new();
    for t in &region.missing {
        if redacted.tiles.contains(t) {
            tiles_redacted.push([t.col, t.row]);
        } else {
            problems.push(
                Problem::new(
                    Reason::RemovedWithoutRedaction,
                    format!(
                        "tile ({}, {}) of plane {} is not in the file, and no valid redaction record names it",
                        t.col, t.row, t.plane
                    ),
                )
                .generation(1)
                .chunk("TILE"),
            );
        }
    }
    RegionReport {
        plane: region.plane,
        x: region.rect.x,
        y: region.rect.y,
        width: region.rect.width,
        height: region.rect.height,
        tiles_checked: region.present.iter().map(|t| [t.col, t.row]).collect(),
        tiles_redacted,
    }
}

/// Rules 3 and 5. Returns, per generation, the keys (key id bytes) of its valid
/// signatures.
fn check_signatures(
    c: &Collected,
    trust: Option<&TrustStore>,
    problems: &mut Vec<Problem>,
    reports: &mut Vec<SignatureReport>,
) -> Vec<Vec<[u8; 16]>> {
    let mut signed = Vec::with_capacity(c.generations.len());
    for (i, g) in c.generations.iter().enumerate() {
        let number = i as u32 + 1;
        let expected = usize::from(g.manifest.expected_signatures);
        let mut keys_seen: HashSet<[u8; 32]> = HashSet::new();
        let mut valid_keys = Vec::new();
        for (n, s) in g.signatures.iter().enumerate() {
            let index = reports.len();
            let r = &s.record;
            let (mut reasons, key) = signature_faults(c, g, number, n, s, &mut keys_seen);
            let valid = reasons.is_empty();
            let (trust_decision, agency) = match (valid, trust, key.as_ref()) {
                (true, Some(store), Ok(key)) => {
                    let (decision, agency) = trust_check(store, key, r, &mut reasons);
                    (Some(decision), agency)
                }
                _ => (None, None),
            };
            if valid {
                valid_keys.push(r.key_id);
            }
            for (reason, message) in &reasons {
                problems.push(
                    Problem::new(*reason, message.clone())
                        .generation(number)
                        .at("SIGN", s.offset)
                        .signature(index),
                );
            }
            reports.push(SignatureReport {
                generation: number,
                offset: s.offset,
                key_id: hex::encode(r.key_id),
                role: r.role,
                time: Timestamp::from_unix_seconds(r.time),
                valid,
                trust: trust_decision,
                agency,
                reasons: reasons.into_iter().map(|(r, _)| r).collect(),
            });
        }
        if g.signatures.len() < expected {
            problems.push(
                Problem::new(
                    Reason::SignatureMissing,
                    format!(
                        "the manifest expects {expected} signature(s); {} follow it",
                        g.signatures.len()
                    ),
                )
                .generation(number)
                .at("MANI", g.manifest_offset),
            );
        }
        signed.push(valid_keys);
    }
    signed
}

/// What is wrong with signature `n` of generation `number` by itself (chain, key id,
/// Ed25519, a repeated key, one more than the manifest expects), with its public key.
fn signature_faults(
    c: &Collected,
    g: &GenerationData,
    number: u32,
    n: usize,
    s: &SignatureData,
    keys_seen: &mut HashSet<[u8; 32]>,
) -> (Vec<(Reason, String)>, crate::error::Result<PublicKey>) {
    let expected = usize::from(g.manifest.expected_signatures);
    let r = &s.record;
    let mut reasons: Vec<(Reason, String)> = Vec::new();
    if r.chain != s.expected_chain {
        reasons.push((
            Reason::SignatureChainMismatch,
            "the chain digest is not the digest of the signatures before it".to_owned(),
        ));
    }
    if KeyId::from_public_key(&r.public_key).0 != r.key_id {
        reasons.push((
            Reason::KeyIdMismatch,
            "the key id is not the id of the public key".to_owned(),
        ));
    }
    let message = signed_message(&SignedFields {
        version: c.version,
        file_id: &c.file_id,
        algorithm: c.algorithm,
        generation: number,
        manifest_digest: &g.manifest_digest,
        key_id: &r.key_id,
        role: r.role,
        time: r.time,
        chain: &r.chain,
    });
    let key = PublicKey::from_bytes(&r.public_key);
    // A signature beyond the expected count makes the file invalid whatever it
    // verifies to; not checking it bounds the Ed25519 work a hostile file can ask
    // for to 255 signatures per generation.
    let failure = match &key {
        Ok(_) if n >= expected => None,
        Ok(k) => k.verify_strict(&message, &r.signature).err(),
        Err(e) => Some(Error::new(e.kind(), e.message())),
    };
    if let Some(e) = failure {
        reasons.push((Reason::BadSignature, e.message().to_owned()));
    }
    if !keys_seen.insert(r.public_key) {
        reasons.push((
            Reason::DuplicateSignature,
            format!(
                "key {} already signed generation {number}",
                hex::encode(r.key_id)
            ),
        ));
    }
    if n >= expected {
        reasons.push((
            Reason::UnexpectedSignature,
            format!(
                "the manifest expects {expected} signature(s); this is number {}",
                n + 1
            ),
        ));
    }
    (reasons, key)
}

/// The trust store's decision on a valid signature's key, role and time, and the key's
/// agency; a decision other than trusted adds its reason.
fn trust_check(
    store: &TrustStore,
    key: &PublicKey,
    r: &crate::container::signature::SignatureRecord,
    reasons: &mut Vec<(Reason, String)>,
) -> (TrustDecision, Option<String>) {
    let decision = store.evaluate(key, r.role, Timestamp::from_unix_seconds(r.time));
    let agency = store.lookup(&key.key_id()).map(|k| k.agency.clone());
    if let Some(reason) = trust_reason(&decision) {
        reasons.push((
            reason,
            format!("trust store: {decision} for role {}", r.role),
        ));
    }
    (decision, agency)
}

fn trust_reason(decision: &TrustDecision) -> Option<Reason> {
    match decision {
        TrustDecision::Trusted => None,
        TrustDecision::UnknownKey => Some(Reason::UnknownKey),
        TrustDecision::Revoked { .. } => Some(Reason::RevokedKey),
        TrustDecision::NotYetValid => Some(Reason::KeyNotYetValid),
        TrustDecision::Expired => Some(Reason::KeyExpired),
        TrustDecision::RoleNotAllowed { .. } => Some(Reason::RoleNotAllowed),
        TrustDecision::KeyMismatch => Some(Reason::TrustKeyMismatch),
    }
}

/// Rule 4, and the provenance list.
fn check_events(
    c: &Collected,
    signed: &[Vec<[u8; 16]>],
    problems: &mut Vec<Problem>,
    report: &mut VerifyReport,
) {
    // Per generation: the key ids (hex) of its valid signatures, and of all its SIGN
    // chunks. Sets, so a file with many events and signatures costs no more than it is
    // long.
    let valid_keys: Vec<HashSet<String>> = signed
        .iter()
        .map(|keys| keys.iter().map(hex::encode).collect())
        .collect();
    // A signature counts as the actor's both by the key id it records and by the id of
    // its public key, so a forged key id is reported once, as KEY_ID_MISMATCH.
    let recorded_keys: Vec<HashSet<String>> = c
        .generations
        .iter()
        .map(|g| {
            g.signatures
                .iter()
                .flat_map(|s| {
                    [
                        hex::encode(s.record.key_id),
                        KeyId::from_public_key(&s.record.public_key).to_hex(),
                    ]
                })
                .collect()
        })
        .collect();
    let mut redactions = report.redactions.iter_mut();
    for data in &c.events {
        let e = &data.event;
        let k = data.generation;
        let generation_index = (k as usize).saturating_sub(1);
        let actor = e.actor.key_id.to_ascii_lowercase();
        let signed_by_actor = valid_keys
            .get(generation_index)
            .is_some_and(|keys| keys.contains(&actor));
        // Checked only where the generation is signed at all (an unsigned generation is
        // reported as such), and not where the actor's own signature is there but not
        // valid (that signature's reasons say why).
        let recorded = recorded_keys.get(generation_index);
        let generation_signed = recorded.is_some_and(|keys| !keys.is_empty());
        let actor_signed_something = recorded.is_some_and(|keys| keys.contains(&actor));
        if generation_signed && !signed_by_actor && !actor_signed_something {
            problems.push(
                Problem::new(
                    Reason::EventActorNotSigner,
                    format!(
                        "{} event {} names actor key {}, which signed no valid signature of generation {k}",
                        e.action.name(),
                        e.id,
                        e.actor.key_id
                    ),
                )
                .generation(k)
                .at("EVNT", data.offset),
            );
        }
        if matches!(e.action, Action::Redact { .. }) {
            if let Some(r) = redactions.next() {
                r.signed_by_actor = signed_by_actor;
            }
        }
        report.events.push(EventReport {
            generation: k,
            offset: data.offset,
            id: e.id.clone(),
            action: e.action.name(),
            time: e.time,
            actor_key_id: e.actor.key_id.clone(),
            actor_role: e.actor.role,
            actor_agency: e.actor.agency.as_ref().map(|a| a.name.clone()),
            signed_by_actor,
            summary: summary(e),
        });
    }
}

/// One sentence on what an event did.
fn summary(e: &Event) -> String {
    match &e.action {
        Action::Capture {} => "captured the scan".to_owned(),
        Action::Annotate { annotation_ids } => {
            format!("added {} annotation(s)", annotation_ids.len())
        }
        Action::Redact { reason, removed } => {
            let tiles = removed.iter().filter(|r| r.chunk == "TILE").count();
            let others: Vec<&str> = removed
                .iter()
                .filter(|r| r.chunk != "TILE")
                .map(|r| r.chunk.as_str())
                .collect();
            let mut what = others.join(", ");
            if tiles > 0 {
                if !what.is_empty() {
                    what.push_str(" and ");
                }
                what.push_str(&format!("{tiles} tile(s)"));
            }
            format!("removed {what}, because: {reason}")
        }
        Action::ReEncode {
            parent_file_id,
            parent_manifest_digest,
            codec,
            filters,
        } => format!(
            "re-encoded from file {parent_file_id} (manifest {parent_manifest_digest}) with codec {codec}{}",
            if filters.is_empty() {
                String::new()
            } else {
                format!(" and filters {}", filters.join(", "))
            }
        ),
        Action::Derive {
            parent_file_id,
            parent_manifest_digest,
            operation,
        } => {
            let op = match operation {
                DeriveOperation::Crop {
                    plane,
                    x,
                    y,
                    width,
                    height,
                } => format!(
                    "cropped {} to {width}x{height} at ({x}, {y})",
                    plane.map_or("every plane".to_owned(), |p| format!("plane {p}"))
                ),
                DeriveOperation::Other { description } => description.clone(),
            };
            format!("derived from file {parent_file_id} (manifest {parent_manifest_digest}): {op}")
        }
        Action::Transfer { from, to } => format!(
            "transferred from {} ({}) to {} ({})",
            from.name, from.country, to.name, to.country
        ),
        Action::Countersign { note } => match note {
            Some(n) => format!("countersigned: {n}"),
            None => "countersigned".to_owned(),
        },
    }
}
