//! Two-phase signing: the message taken away, the signature attached later, gives exactly
//! the file an in-process signer writes; a wrong signature is refused before it is written.

use scanx::crypto::{Role, Signer, SigningKey};
use scanx::detached::PendingSignature;
use scanx::metadata::{PlaneAttributes, ScanMetadata};
use scanx::pixels::{PixelBuffer, SampleType};
use scanx::{Editor, ErrorKind, PlaneSpec, SignRequest, Status, Timestamp, WriteOptions, Writer};

const T: Timestamp = Timestamp::from_unix_seconds(1_772_359_200);

fn writer() -> Writer<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([4; 16], [5; 32]),
    )
    .expect("writer");
    let p = w
        .add_plane(
            PlaneSpec::new(
                SampleType::U16,
                20,
                12,
                PlaneAttributes::example_high_energy(),
            )
            .with_tile_size(8, 8),
        )
        .expect("plane");
    let samples: Vec<u16> = (0..240).map(|i| i * 7).collect();
    w.write_plane(p, &PixelBuffer::from_u16(20, 12, &samples).expect("pixels"))
        .expect("tiles");
    w
}

fn keys() -> (SigningKey, SigningKey) {
    (
        SigningKey::from_seed(&[1; 32]),
        SigningKey::from_seed(&[2; 32]),
    )
}

#[test]
fn detached_signatures_give_the_same_file_as_signing_in_process() {
    let (scanner, agency) = keys();
    let expected = writer()
        .finish(&[
            SignRequest::new(&scanner, Role::Scanner, T),
            SignRequest::new(
                &agency,
                Role::Agency,
                Timestamp::from_unix_seconds(T.unix_seconds() + 1),
            ),
        ])
        .expect("signed");
    let mut sealing = writer()
        .finish_detached(vec![
            PendingSignature::new(scanner.public_key(), Role::Scanner, T),
            PendingSignature::new(
                agency.public_key(),
                Role::Agency,
                Timestamp::from_unix_seconds(T.unix_seconds() + 1),
            ),
        ])
        .expect("sealing");
    for key in [&scanner, &agency] {
        let message = sealing.message().expect("a message");
        assert_eq!(sealing.next().map(|p| p.public_key), Some(key.public_key()));
        sealing
            .attach(Signer::sign(key, &message).expect("sign"))
            .expect("attach");
    }
    assert!(sealing.message().is_none());
    assert_eq!(sealing.finish().expect("finish"), expected);
}

#[test]
fn a_wrong_or_missing_signature_is_refused() {
    let (scanner, agency) = keys();
    let mut sealing = writer()
        .finish_detached(vec![PendingSignature::new(
            scanner.public_key(),
            Role::Scanner,
            T,
        )])
        .expect("sealing");
    let message = sealing.message().expect("message");
    // The right message signed by the wrong key, and the right key over other bytes.
    for signature in [
        Signer::sign(&agency, &message).expect("sign"),
        Signer::sign(&scanner, b"another message").expect("sign"),
    ] {
        let e = sealing.attach(signature).expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::SignerFailed, "{e}");
    }
    assert_eq!(
        sealing.message(),
        Some(message.clone()),
        "nothing was written"
    );
    let e = writer()
        .finish_detached(vec![PendingSignature::new(
            scanner.public_key(),
            Role::Scanner,
            T,
        )])
        .expect("sealing")
        .finish()
        .expect_err("a signature is pending");
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    sealing
        .attach(Signer::sign(&scanner, &message).expect("sign"))
        .expect("attach");
    assert_eq!(
        sealing.attach([0; 64]).expect_err("none pending").kind(),
        ErrorKind::InvalidState
    );
    let file = sealing.finish().expect("finish");
    let report = scanx::verify_bytes(&file, None, &scanx::ReadOptions::default())
        .expect("memory is always read to the end");
    assert_eq!(report.status, Status::ValidUntrusted, "{report}");
}

#[test]
fn an_editor_seals_detached_exactly_as_in_process() {
    let (scanner, agency) = keys();
    let file = writer()
        .finish(&[SignRequest::new(&scanner, Role::Scanner, T)])
        .expect("signed");
    let editor = Editor::from_bytes(file).expect("editor");
    let expected = editor
        .to_bytes(&[SignRequest::new(
            &agency,
            Role::Agency,
            Timestamp::from_unix_seconds(T.unix_seconds() + 9),
        )])
        .expect("edited");
    let mut sealing = editor
        .write_detached(
            Vec::new(),
            vec![PendingSignature::new(
                agency.public_key(),
                Role::Agency,
                Timestamp::from_unix_seconds(T.unix_seconds() + 9),
            )],
        )
        .expect("sealing");
    let message = sealing.message().expect("message");
    sealing
        .attach(Signer::sign(&agency, &message).expect("sign"))
        .expect("attach");
    assert_eq!(sealing.finish().expect("finish"), expected);
}
