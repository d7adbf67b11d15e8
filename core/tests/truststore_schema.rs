//! The trust store schema in `spec/`, the example store and the parser agree.

use std::path::PathBuf;

use scanx::crypto::{Role, SigningKey, TrustDecision, TrustStore};
use scanx::ErrorKind;
use serde_json::{json, Value};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn spec_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join(name)
}

fn validator() -> std::result::Result<jsonschema::Validator, Box<dyn std::error::Error>> {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(spec_file("truststore.schema.json"))?)?;
    Ok(jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())?)
}

fn example_bytes() -> std::io::Result<Vec<u8>> {
    std::fs::read(spec_file("examples/truststore.example.json"))
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn the_example_store_validates_against_the_schema_and_parses() -> TestResult {
    let validator = validator()?;
    let bytes = example_bytes()?;
    let instance: Value = serde_json::from_slice(&bytes)?;
    let errors = schema_errors(&validator, &instance);
    assert!(errors.is_empty(), "{errors:#?}");

    let store = TrustStore::from_json(&bytes)?;
    // The example is exactly what the library writes, so it doubles as a format vector.
    assert_eq!(store.to_json(), bytes);
    assert_eq!(store.keys.len(), 4);
    for (i, key) in store.keys.iter().enumerate() {
        let seed = u8::try_from(i + 1)?;
        assert_eq!(
            key.public_key,
            SigningKey::from_seed(&[seed; 32]).public_key(),
            "keys[{i}] is the key of seed 0x{seed:02x}"
        );
        let comment = key.comment.as_deref().unwrap_or_default();
        assert!(
            comment.contains("TEST KEYS, NEVER TRUST IN PRODUCTION"),
            "keys[{i}]"
        );
    }
    Ok(())
}

#[test]
fn the_example_store_decides_as_documented() -> TestResult {
    let store = TrustStore::from_json(&example_bytes()?)?;
    let key = |seed: u8| SigningKey::from_seed(&[seed; 32]).public_key();
    let t = scanx::Timestamp::parse_whole_seconds;
    let mid_2025 = t("2025-07-01T00:00:00Z")?;
    assert_eq!(
        store.evaluate(&key(1), Role::Scanner, mid_2025),
        TrustDecision::Trusted
    );
    assert_eq!(
        store.evaluate(&key(1), Role::Scanner, t("2030-01-01T00:00:01Z")?),
        TrustDecision::Expired
    );
    assert_eq!(
        store.evaluate(&key(2), Role::Agency, t("2023-12-31T23:59:59Z")?),
        TrustDecision::NotYetValid
    );
    assert_eq!(
        store.evaluate(&key(3), Role::Scanner, mid_2025),
        TrustDecision::RoleNotAllowed {
            allowed: vec![Role::Agency, Role::Recipient]
        }
    );
    assert_eq!(
        store.evaluate(&key(4), Role::Analyst, t("2020-01-01T00:00:00Z")?),
        TrustDecision::Revoked {
            since: t("2025-06-01T00:00:00Z")?
        }
    );
    assert_eq!(
        store.evaluate(&key(5), Role::Scanner, mid_2025),
        TrustDecision::UnknownKey
    );
    Ok(())
}

/// The example with one member of `keys[0]` set (or removed, for `None`).
fn example_with(
    member: &str,
    value: Option<Value>,
) -> std::result::Result<Value, Box<dyn std::error::Error>> {
    let mut instance: Value = serde_json::from_slice(&example_bytes()?)?;
    let entry = instance
        .pointer_mut("/keys/0")
        .and_then(Value::as_object_mut)
        .ok_or("the example has a first key")?;
    match value {
        Some(value) => entry.insert(member.to_string(), value),
        None => entry.remove(member),
    };
    Ok(instance)
}

#[test]
fn schema_and_parser_reject_the_same_shape_errors() -> TestResult {
    let validator = validator()?;
    let cases = [
        (
            "upper-case key id",
            "key_id",
            Some(json!("7D1073CB5242DEBA90A22890085E350C")),
        ),
        ("short key id", "key_id", Some(json!("7d1073cb"))),
        (
            "unpadded base64",
            "public_key",
            Some(json!("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w")),
        ),
        (
            "non-canonical base64",
            "public_key",
            Some(json!("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1x=")),
        ),
        (
            "33-byte key",
            "public_key",
            Some(json!("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1wA")),
        ),
        ("empty agency", "agency", Some(json!(""))),
        ("blank agency", "agency", Some(json!("  "))),
        ("no agency", "agency", None),
        ("lower-case country", "country", Some(json!("be"))),
        ("alpha-3 country", "country", Some(json!("BEL"))),
        ("no roles", "roles", Some(json!([]))),
        (
            "repeated role",
            "roles",
            Some(json!(["scanner", "scanner"])),
        ),
        ("unknown role", "roles", Some(json!(["customs"]))),
        (
            "offset time",
            "not_before",
            Some(json!("2024-01-01T01:00:00+01:00")),
        ),
        (
            "fractional time",
            "not_before",
            Some(json!("2024-01-01T00:00:00.5Z")),
        ),
        ("date only", "not_after", Some(json!("2030-01-01"))),
        ("null time", "not_after", Some(Value::Null)),
        ("null comment", "comment", Some(Value::Null)),
        (
            "revocation without reason",
            "revoked",
            Some(json!({"time": "2025-01-01T00:00:00Z"})),
        ),
        (
            "unknown member",
            "not_afer",
            Some(json!("2030-01-01T00:00:00Z")),
        ),
    ];
    for (what, member, value) in cases {
        let instance = example_with(member, value)?;
        assert!(!validator.is_valid(&instance), "the schema accepts {what}");
        let err = TrustStore::from_json(&serde_json::to_vec(&instance)?).err();
        assert_eq!(
            err.as_ref().map(|e| e.kind()),
            Some(ErrorKind::BadTrustStore),
            "the parser accepts {what}"
        );
        let message = err.map(|e| e.message().to_string()).unwrap_or_default();
        assert!(message.contains("keys[0]"), "{what}: {message}");
    }
    let mut extra = serde_json::from_slice::<Value>(&example_bytes()?)?;
    if let Some(object) = extra.as_object_mut() {
        object.insert("version".to_string(), json!(1));
    }
    assert!(!validator.is_valid(&extra));
    assert!(TrustStore::from_json(&serde_json::to_vec(&extra)?).is_err());
    Ok(())
}

#[test]
fn rules_beyond_the_schema_are_enforced_by_the_parser() -> TestResult {
    // The schema's description lists these; JSON Schema cannot express them.
    let validator = validator()?;
    let key_of_seed_9 = base64_of(&SigningKey::from_seed(&[9; 32]).public_key().to_bytes());
    let mut duplicate: Value = serde_json::from_slice(&example_bytes()?)?;
    if let Some(keys) = duplicate.get_mut("keys").and_then(Value::as_array_mut) {
        let first = keys.first().cloned().unwrap_or_default();
        keys.push(first);
    }
    let cases = [
        (
            "key id not derived from the key",
            example_with("public_key", Some(json!(key_of_seed_9)))?,
        ),
        (
            "weak key",
            example_with("public_key", Some(json!(base64_of(&identity_point()))))?,
        ),
        (
            "February 30",
            example_with("not_before", Some(json!("2024-02-30T00:00:00Z")))?,
        ),
        (
            "reversed window",
            example_with("not_before", Some(json!("2031-01-01T00:00:00Z")))?,
        ),
        ("duplicate key id", duplicate),
    ];
    for (what, instance) in cases {
        let errors = schema_errors(&validator, &instance);
        assert!(errors.is_empty(), "{what} is a schema error: {errors:?}");
        let err = TrustStore::from_json(&serde_json::to_vec(&instance)?)
            .err()
            .map(|e| e.kind());
        assert_eq!(
            err,
            Some(ErrorKind::BadTrustStore),
            "the parser accepts {what}"
        );
    }
    Ok(())
}

#[test]
fn every_store_the_library_writes_validates() -> TestResult {
    let validator = validator()?;
    let mut store = TrustStore::from_json(&example_bytes()?)?;
    store.keys.truncate(1);
    assert!(validator.is_valid(&serde_json::from_slice(&store.to_json())?));
    store.keys.clear();
    assert!(validator.is_valid(&serde_json::from_slice(&store.to_json())?));
    Ok(())
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn identity_point() -> [u8; 32] {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    identity
}
