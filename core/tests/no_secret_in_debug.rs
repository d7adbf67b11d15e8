//! `Debug` output goes to logs and panic messages: it must never show a secret (a private
//! key's seed, or the seed every salt is derived from, which lets a removed value be
//! confirmed from its digest).

use scanx::crypto::SigningKey;
use scanx::metadata::ScanMetadata;
use scanx::{Result, WriteOptions, Writer};

/// Every way `bytes` could be spelt by a derived or hand-written `Debug`: the decimal
/// list of `[u8; N]`, lower- and upper-case hex, and base64.
fn spellings(bytes: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    let decimal: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
    vec![
        decimal.join(", "),
        hex::encode(bytes),
        hex::encode_upper(bytes),
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ]
}

fn assert_hidden(debug: &str, secret: &[u8], what: &str) {
    for spelling in spellings(secret) {
        // A few bytes in a row are enough to leak: look for the first eight.
        let head: String = spelling.chars().take(spelling.len().min(16)).collect();
        assert!(!debug.contains(&head), "{what} shows its secret: {debug}");
    }
}

/// A seed whose bytes all differ, so no short run of it appears by chance.
fn seed(start: u8) -> [u8; 32] {
    std::array::from_fn(|i| start.wrapping_add((i as u8).wrapping_mul(17)))
}

#[test]
fn write_options_and_writer_hide_the_salt_seed() -> Result<()> {
    let salt_seed = seed(201);
    let options = WriteOptions::deterministic([7; 16], salt_seed);
    let debug = format!("{options:?} {options:#?}");
    assert!(debug.contains("salt_seed"), "{debug}");
    assert_hidden(&debug, &salt_seed, "WriteOptions");

    let writer = Writer::new(Vec::new(), &ScanMetadata::example(), options)?;
    assert_hidden(&format!("{writer:?} {writer:#?}"), &salt_seed, "Writer");
    Ok(())
}

#[test]
fn signing_keys_hide_their_seed() {
    let secret = seed(3);
    let key = SigningKey::from_seed(&secret);
    let debug = format!("{key:?} {key:#?}");
    assert!(
        debug.contains(&key.public_key().key_id().to_hex()),
        "{debug}"
    );
    assert_hidden(&debug, &secret, "SigningKey");
}
