//! End-to-end tests of every subcommand through the built binary: results, exit codes,
//! error messages, and no output file left behind on failure.

mod common;

use common::{bytes, names, p, scanx, write_npy_u8, Fixture};

const SUBCOMMANDS: [&str; 12] = [
    "keygen", "create", "info", "verify", "sign", "redact", "annotate", "transfer", "export",
    "validate", "catalog", "trust",
];

#[test]
fn every_help_ends_with_an_example() {
    for sub in SUBCOMMANDS {
        let run = scanx([sub, "--help"]).expect(0);
        assert!(
            run.stdout.contains("Example"),
            "{sub} --help:\n{}",
            run.stdout
        );
    }
    let top = scanx(["--help"]).expect(0);
    assert!(top.stdout.contains("Exit codes"));
    assert!(
        !top.stdout.contains("synthetic"),
        "the hidden subcommand is listed"
    );
}

#[test]
fn usage_errors_exit_2() {
    scanx(["verify"]).expect(2);
    scanx(["frobnicate"]).expect(2);
    scanx([
        "create",
        "-o",
        "x.scx",
        "--metadata",
        "m.json",
        "--tile",
        "0x5",
    ])
    .expect(2);
    scanx(["verify", "x.scx", "--region", "0:1,2,3"]).expect(2);
    scanx([
        "sign", "a.scx", "-o", "b.scx", "--key", "k", "--role", "emperor",
    ])
    .expect(2);
}

#[test]
fn keygen_writes_a_private_key_for_the_owner_only_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("scanner");
    let run = scanx(["keygen", &p(&prefix), "--json"]).expect(0);
    let out = run.json();
    let key_id = out["key_id"].as_str().expect("key_id");
    assert_eq!(key_id.len(), 32);
    assert!(key_id.bytes().all(|b| b.is_ascii_hexdigit()));
    let private = dir.path().join("scanner.private.pem");
    let public = dir.path().join("scanner.public.pem");
    assert!(std::fs::read_to_string(&private)
        .expect("private key")
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(std::fs::read_to_string(&public)
        .expect("public key")
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = bytes(&private);
    scanx(["keygen", &p(&prefix)])
        .expect(1)
        .clear_error("already exists");
    assert_eq!(bytes(&private), before);
    assert_eq!(
        names(dir.path()),
        ["scanner.private.pem", "scanner.public.pem"]
    );
}

#[test]
fn keygen_refuses_a_prefix_whose_public_key_exists_and_leaves_no_private_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("desk");
    let public = dir.path().join("desk.public.pem");
    std::fs::write(&public, "someone else's key").expect("write");
    scanx(["keygen", &p(&prefix)])
        .expect(1)
        .clear_error("desk.public.pem already exists");
    assert_eq!(bytes(&public), b"someone else's key");
    assert_eq!(names(dir.path()), ["desk.public.pem"]);
}

#[test]
fn every_output_refuses_a_pre_created_destination_and_leaves_it_as_it_was() {
    let f = Fixture::new();
    let signed = f.signed("s.scx", &[]);
    let s = p(&signed);
    std::fs::write(f.path("taken"), b"taken").expect("write");
    let taken = f.s("taken");
    let key = f.s("recipient.private.pem");
    let runs: Vec<Vec<&str>> = vec![
        vec!["export", &s, "-o", &taken, "--format", "npy"],
        vec!["export", &s, "-o", &taken, "--format", "metadata"],
        vec!["sign", &s, "-o", &taken, "--key", &key],
        vec!["transfer", &s, "-o", &taken, "--key", &key, "--to", "BR:x"],
        vec![
            "redact",
            &s,
            "-o",
            &taken,
            "--key",
            &key,
            "--personal-data",
            "--reason",
            "r",
        ],
    ];
    let before = names(f.dir.path());
    for args in runs {
        scanx(&args).expect(1).clear_error("already exists");
        assert_eq!(bytes(&f.path("taken")), b"taken", "{args:?}");
    }
    let folder = f.path("scans");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::copy(&signed, folder.join("a.scx")).expect("copy");
    scanx(["catalog", &p(&folder), "-o", &taken])
        .expect(1)
        .clear_error("already exists");
    assert_eq!(bytes(&f.path("taken")), b"taken");
    std::fs::remove_dir_all(&folder).expect("rm");
    assert_eq!(names(f.dir.path()), before, "files left behind");
}

#[test]
fn create_imports_npy_tiff_and_png_and_verifies_as_trusted() {
    let f = Fixture::new();
    // A 16-bit PNG of the high channel, made by the CLI itself.
    let plain = f.create("plain.scx", &[]).expect(0);
    assert!(plain.stdout.contains("unsigned"));
    scanx([
        "export",
        &f.s("plain.scx"),
        "-o",
        &f.s("in/high.png"),
        "--format",
        "png",
    ])
    .expect(0);
    let png_plane = format!("{},view=side,channel=high-energy", f.s("in/high.png"));
    scanx([
        "create",
        "-o",
        &f.s("from-png.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--plane",
        &png_plane,
        "--codec",
        "deflate",
        "--filters",
        "delta",
    ])
    .expect(0);
    let a = scanx([
        "export",
        &f.s("plain.scx"),
        "-o",
        &f.s("a.npy"),
        "--format",
        "npy",
    ])
    .expect(0);
    let b = scanx([
        "export",
        &f.s("from-png.scx"),
        "-o",
        &f.s("b.npy"),
        "--format",
        "npy",
    ])
    .expect(0);
    assert!(a.stdout.contains("320x96") && b.stdout.contains("320x96"));
    assert_eq!(bytes(&f.path("a.npy")), bytes(&f.path("b.npy")));
    assert_eq!(bytes(&f.path("a.npy")), bytes(&f.path("in/high.npy")));

    let signed = f.signed("signed.scx", &["--json"]);
    let info = scanx(["info", &p(&signed), "--json"]).expect(0).json();
    assert_eq!(info["planes"].as_array().map(Vec::len), Some(2));
    assert_eq!(info["planes"][0]["channel"], "high-energy");
    assert_eq!(info["planes"][1]["name"], "side low");
    assert_eq!(info["planes"][0]["tile_width"], 64);
    assert_eq!(info["personal_data"], true);
    assert_eq!(info["events"][0]["type"], "capture");
    assert_eq!(info["signatures"][0]["role"], "scanner");
    let text = scanx(["info", &p(&signed)]).expect(0);
    for needle in ["BEANR", "CSQU3054383", "provenance", "capture", "side high"] {
        assert!(
            text.stdout.contains(needle),
            "info lacks {needle}:\n{}",
            text.stdout
        );
    }
    let report = scanx([
        "verify",
        &p(&signed),
        "--trust",
        &f.s("trust.json"),
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(report["status"], "TRUSTED");
    // Unsigned, and signed without a trust store.
    scanx(["verify", &f.s("plain.scx"), "--trust", &f.s("trust.json")]).expect(5);
    scanx(["verify", &p(&signed)]).expect(4);
}

#[test]
fn create_manifest_and_encoding_options() {
    let f = Fixture::new();
    let manifest = serde_json::json!([
        {"file": "in/high.npy", "attributes": {"name": "side high", "view": "side",
         "channel": "high-energy", "pixel_spacing_mm": [5, 5], "value_meaning": "transmission"}},
        {"file": "in/low.npy", "personal": true, "attributes": {"name": "side low", "view": "side",
         "channel": "low-energy", "pixel_spacing_mm": [5, 5], "value_meaning": "transmission"}}
    ]);
    std::fs::write(f.path("planes.json"), manifest.to_string()).expect("write manifest");
    let run = scanx([
        "create",
        "-o",
        &f.s("m.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--planes",
        &f.s("planes.json"),
        "--codec",
        "none",
        "--filters",
        "none",
        "--digest",
        "blake3",
        "--json",
    ])
    .expect(0);
    assert_eq!(run.json()["planes"], 2);
    let info = scanx(["info", &f.s("m.scx"), "--json"]).expect(0).json();
    assert_eq!(info["planes"][1]["personal"], true);
    assert_eq!(info["planes"][0]["tile_width"], 512);

    // A bad attribute in the manifest is the core's schema error, and nothing is written.
    let bad = serde_json::json!([{"file": "in/high.npy", "attributes": {"name": "x",
        "view": "side", "channel": "high-energy", "pixel_spacing_mm": [0, 5],
        "value_meaning": "transmission"}}]);
    std::fs::write(f.path("bad.json"), bad.to_string()).expect("write manifest");
    scanx([
        "create",
        "-o",
        &f.s("bad.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--planes",
        &f.s("bad.json"),
    ])
    .expect(1)
    .clear_error("600");
    assert!(!f.path("bad.scx").exists());
    scanx([
        "create",
        "-o",
        &f.s("bad.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--planes",
        &f.s("planes.json"),
        "--codec",
        "lzma",
    ])
    .expect(2)
    .clear_error("lzma");
    assert!(!f.path("bad.scx").exists());
}

#[test]
fn create_refuses_an_8_bit_tiff_and_png_clearly() {
    let f = Fixture::new();
    let samples: Vec<u8> = (0..64 * 32).map(|i| (i % 251) as u8).collect();
    write_npy_u8(&f.path("photo.npy"), 64, 32, &samples);
    scanx([
        "create",
        "-o",
        &f.s("photo.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--plane",
        &format!("{},view=side,channel=photo,personal", f.s("photo.npy")),
    ])
    .expect(0);
    scanx([
        "export",
        &f.s("photo.scx"),
        "-o",
        &f.s("photo8.tif"),
        "--format",
        "tiff",
    ])
    .expect(0);
    scanx([
        "export",
        &f.s("photo.scx"),
        "-o",
        &f.s("photo8.png"),
        "--format",
        "png",
    ])
    .expect(0);
    for image in ["photo8.tif", "photo8.png"] {
        let plane = format!("{},view=side,channel=photo", f.s(image));
        scanx([
            "create",
            "-o",
            &f.s("out.scx"),
            "--metadata",
            &f.s("in/metadata.json"),
            "--plane",
            &plane,
        ])
        .expect(1)
        .clear_error("8-bit greyscale");
        assert!(!f.path("out.scx").exists());
    }
}

#[test]
fn bad_inputs_give_clear_errors_and_leave_nothing_behind() {
    let f = Fixture::new();
    let before = names(f.dir.path());
    // Missing metadata file.
    scanx([
        "create",
        "-o",
        &f.s("x.scx"),
        "--metadata",
        &f.s("nope.json"),
        "--plane",
        &format!("{},channel=high-energy", f.s("in/high.npy")),
    ])
    .expect(1)
    .clear_error("nope.json");
    // Invalid JSON metadata: the core's INVALID_JSON (216).
    std::fs::write(f.path("broken.json"), "{\"scan_id\": ").expect("write");
    scanx([
        "create",
        "-o",
        &f.s("x.scx"),
        "--metadata",
        &f.s("broken.json"),
        "--plane",
        &format!("{},channel=high-energy", f.s("in/high.npy")),
    ])
    .expect(1)
    .clear_error("216");
    // Metadata that breaks the schema: SCHEMA_VIOLATION (600).
    std::fs::write(f.path("wrong.json"), "{\"scan_id\": \"x\"}").expect("write");
    scanx([
        "create",
        "-o",
        &f.s("x.scx"),
        "--metadata",
        &f.s("wrong.json"),
        "--plane",
        &format!("{},channel=high-energy", f.s("in/high.npy")),
    ])
    .expect(1)
    .clear_error("600");
    // Missing image.
    scanx([
        "create",
        "-o",
        &f.s("x.scx"),
        "--metadata",
        &f.s("in/metadata.json"),
        "--plane",
        &format!("{},channel=high-energy", f.s("in/none.npy")),
    ])
    .expect(1)
    .clear_error("none.npy");
    // A key file that is not a private key: BAD_KEY (702).
    f.create("x.scx", &["--key", &f.s("scanner.public.pem")])
        .expect(1)
        .clear_error("702");
    // An unwritable destination.
    f.create("no-such-folder/x.scx", &[])
        .expect(1)
        .clear_error("does not exist");
    std::fs::write(f.path("plain-file"), "x").expect("write");
    f.create("plain-file/x.scx", &[])
        .expect(1)
        .clear_error("error");
    std::fs::remove_file(f.path("plain-file")).expect("remove");
    // A missing scanx file: exit 6.
    scanx(["info", &f.s("missing.scx")])
        .expect(6)
        .clear_error("missing.scx");
    scanx(["verify", &f.s("missing.scx")]).expect(6);
    // A trust store that is not one: BAD_TRUST_STORE (703).
    let signed = f.signed("s.scx", &[]);
    scanx(["verify", &p(&signed), "--trust", &f.s("broken.json")])
        .expect(1)
        .clear_error("703");
    std::fs::remove_file(&signed).expect("remove");
    std::fs::remove_file(f.path("broken.json")).expect("remove");
    std::fs::remove_file(f.path("wrong.json")).expect("remove");
    assert_eq!(names(f.dir.path()), before, "files left behind");
}

#[test]
fn an_existing_destination_is_refused_unless_forced() {
    let f = Fixture::new();
    let signed = f.signed("s.scx", &[]);
    let original = bytes(&signed);
    f.create("s.scx", &[])
        .expect(1)
        .clear_error("already exists");
    assert_eq!(bytes(&signed), original);
    scanx([
        "export",
        &p(&signed),
        "-o",
        &f.s("in/high.npy"),
        "--format",
        "npy",
    ])
    .expect(1)
    .clear_error("--force");
    f.create("s.scx", &["--force"]).expect(0);
    assert_ne!(bytes(&signed), original);
}

#[test]
fn wrong_key_and_tampered_file_fail_verification() {
    let f = Fixture::new();
    // Stored tiles: the byte flipped below changes a pixel, not the compressed stream.
    let signed = f.signed("s.scx", &["--codec", "none", "--filters", "none"]);
    // A trust store without the scanner's key: VALID_UNTRUSTED.
    scanx(["keygen", &f.s("other")]).expect(0);
    scanx([
        "trust",
        "add",
        "--store",
        &f.s("other-trust.json"),
        "--public-key",
        &f.s("other.public.pem"),
        "--agency",
        "Someone",
        "--country",
        "NL",
        "--role",
        "scanner",
    ])
    .expect(0);
    let r = scanx([
        "verify",
        &p(&signed),
        "--trust",
        &f.s("other-trust.json"),
        "--json",
    ])
    .expect(4)
    .json();
    assert_eq!(r["status"], "VALID_UNTRUSTED");
    // The key is trusted, but not for the role it signed in.
    let r = scanx([
        "verify",
        &p(&signed),
        "--trust",
        &f.s("trust.json"),
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(r["status"], "TRUSTED");
    let desk_signed = f.create(
        "desk.scx",
        &["--key", &f.s("desk.private.pem"), "--role", "scanner"],
    );
    desk_signed.expect(0);
    scanx(["verify", &f.s("desk.scx"), "--trust", &f.s("trust.json")]).expect(4);

    // Flip one byte in the middle of the file: inside a tile of plane 0 or 1.
    let mut file = bytes(&signed);
    let middle = file.len() / 2;
    file[middle] ^= 0x01;
    std::fs::write(f.path("tampered.scx"), &file).expect("write");
    let run = scanx([
        "verify",
        &f.s("tampered.scx"),
        "--trust",
        &f.s("trust.json"),
        "--json",
    ])
    .expect(3);
    let r = run.json();
    assert_eq!(r["status"], "INVALID");
    let reasons: Vec<&str> = r["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"DIGEST_MISMATCH"), "{reasons:?}");
    let text = scanx([
        "verify",
        &f.s("tampered.scx"),
        "--trust",
        &f.s("trust.json"),
    ])
    .expect(3);
    assert!(text.stdout.contains("status: INVALID"));
    // Structure is intact, but validate checks integrity by default: DIGEST_MISMATCH.
    let v = scanx(["validate", "--json", &f.s("tampered.scx")])
        .expect(6)
        .json();
    assert_eq!(v["code"], 700, "{v}");
    scanx(["validate", "--no-digest-check", &f.s("tampered.scx")]).expect(0);
    // The random-access reader checks each tile as it decodes it: export fails, exit 3,
    // for the plane that holds the flipped byte and for the material preview (both planes).
    let failed: Vec<bool> = ["0", "1"]
        .iter()
        .map(|plane| {
            let out = f.path(&format!("plane{plane}.npy"));
            let run = scanx([
                "export",
                &f.s("tampered.scx"),
                "-o",
                &p(&out),
                "--format",
                "npy",
                "--plane",
                plane,
            ]);
            if run.code == 3 {
                run.clear_error("code: 700 (DIGEST_MISMATCH)");
                assert!(!out.exists());
                true
            } else {
                run.expect(0);
                false
            }
        })
        .collect();
    assert_eq!(failed.iter().filter(|f| **f).count(), 1, "{failed:?}");
    scanx([
        "export",
        &f.s("tampered.scx"),
        "-o",
        &f.s("m.png"),
        "--format",
        "material",
    ])
    .expect(3)
    .clear_error("code: 700 (DIGEST_MISMATCH)");
    assert!(!f.path("m.png").exists());
    // Cut short: unreadable for validate, INVALID for verify.
    std::fs::write(f.path("cut.scx"), &file[..middle]).expect("write");
    let v = scanx(["validate", "--json", &f.s("cut.scx")])
        .expect(6)
        .json();
    assert_eq!(v["valid"], false);
    assert!(v["code"].as_u64().is_some());
    scanx(["verify", &f.s("cut.scx"), "--trust", &f.s("trust.json")]).expect(3);
    scanx(["info", &f.s("cut.scx")])
        .expect(6)
        .clear_error("code: ");
}

#[test]
fn the_journey_annotate_redact_transfer_countersign_stays_trusted() {
    let f = Fixture::new();
    let signed = f.signed("s.scx", &[]);
    let original = bytes(&signed);
    let annotation = serde_json::json!({
        "id": "6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8", "plane": 0,
        "geometry": {"type": "box", "x": 100, "y": 40, "width": 30, "height": 20},
        "category": "narcotics", "label": "dense block", "source": "operator",
        "created": "2026-03-01T09:00:00Z"
    });
    std::fs::write(f.path("a.json"), annotation.to_string()).expect("write");
    let trust = f.s("trust.json");
    let out = scanx([
        "annotate",
        &p(&signed),
        "-o",
        &f.s("a.scx"),
        "--annotations",
        &f.s("a.json"),
        "--key",
        &f.s("analyst.private.pem"),
        "--time",
        "2026-03-01T09:00:00Z",
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(out["action"], "annotate");
    assert_eq!(out["generation"], 2);
    scanx(["verify", &f.s("a.scx"), "--trust", &trust]).expect(0);

    let out = scanx([
        "redact",
        &f.s("a.scx"),
        "-o",
        &f.s("r.scx"),
        "--key",
        &f.s("desk.private.pem"),
        "--personal-data",
        "--region",
        "0:0,0,70,96",
        "--plane",
        "1",
        "--reason",
        "personal data and the cab removed before export",
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(out["action"], "redact");
    let info = scanx(["info", &f.s("r.scx"), "--json"]).expect(0).json();
    assert_eq!(info["personal_data"], false);
    // Plane 0: 2 columns x 2 rows of 64 x 64 tiles under x < 70; plane 1: all 5 x 2.
    assert_eq!(
        info["redacted_tiles"].as_array().map(Vec::len),
        Some(4 + 10)
    );
    scanx(["verify", &f.s("r.scx"), "--trust", &trust]).expect(0);
    scanx([
        "export",
        &f.s("r.scx"),
        "-o",
        &f.s("p.json"),
        "--format",
        "personal-data",
    ])
    .expect(1)
    .clear_error("no personal data");
    let r = scanx([
        "verify",
        &f.s("r.scx"),
        "--trust",
        &trust,
        "--region",
        "0:0,0,70,96",
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(
        r["region"]["tiles_redacted"].as_array().map(Vec::len),
        Some(4)
    );
    scanx([
        "verify",
        &f.s("r.scx"),
        "--trust",
        &trust,
        "--region",
        "0:300,0,70,96",
    ])
    .expect(2)
    .clear_error("301");
    // Nothing to redact, a region outside the plane, no reason.
    scanx([
        "redact",
        &f.s("a.scx"),
        "-o",
        &f.s("x.scx"),
        "--key",
        &f.s("desk.private.pem"),
        "--reason",
        "r",
    ])
    .expect(2);
    scanx([
        "redact",
        &f.s("a.scx"),
        "-o",
        &f.s("x.scx"),
        "--key",
        &f.s("desk.private.pem"),
        "--region",
        "0:300,0,70,96",
        "--reason",
        "r",
    ])
    .expect(1)
    .clear_error("301");
    assert!(!f.path("x.scx").exists());

    scanx([
        "transfer",
        &f.s("r.scx"),
        "-o",
        &f.s("t.scx"),
        "--key",
        &f.s("desk.private.pem"),
        "--to",
        "BR:Receita Federal do Brasil",
    ])
    .expect(0)
    .stdout
    .contains("Receita Federal do Brasil")
    .then_some(())
    .expect("transfer summary names the recipient");
    scanx([
        "sign",
        &f.s("t.scx"),
        "-o",
        &f.s("c.scx"),
        "--key",
        &f.s("recipient.private.pem"),
        "--agency",
        "BR:Receita Federal do Brasil",
        "--note",
        "received intact",
    ])
    .expect(0);
    let r = scanx(["verify", &f.s("c.scx"), "--trust", &trust, "--json"])
        .expect(0)
        .json();
    assert_eq!(r["generations"].as_array().map(Vec::len), Some(5));
    let info = scanx(["info", &f.s("c.scx")]).expect(0).stdout;
    for action in ["capture", "annotate", "redact", "transfer", "countersign"] {
        assert!(info.contains(action), "timeline lacks {action}:\n{info}");
    }
    // The input of every edit is untouched, an edit never writes over its input, and a
    // countersignature by a key the store does not know leaves the file VALID_UNTRUSTED.
    assert_eq!(bytes(&signed), original);
    scanx([
        "sign",
        &f.s("c.scx"),
        "-o",
        &f.s("c.scx"),
        "--key",
        &f.s("recipient.private.pem"),
        "--force",
    ])
    .expect(1)
    .clear_error("is the input file");
    scanx(["keygen", &f.s("stranger")]).expect(0);
    scanx([
        "sign",
        &f.s("c.scx"),
        "-o",
        &f.s("u.scx"),
        "--key",
        &f.s("stranger.private.pem"),
    ])
    .expect(0);
    scanx(["verify", &f.s("u.scx"), "--trust", &trust]).expect(4);
    // Annotations that are not JSON, or break the schema.
    std::fs::write(f.path("bad.json"), "[{").expect("write");
    scanx([
        "annotate",
        &p(&signed),
        "-o",
        &f.s("x.scx"),
        "--annotations",
        &f.s("bad.json"),
        "--key",
        &f.s("analyst.private.pem"),
    ])
    .expect(1)
    .clear_error("not JSON");
    std::fs::write(f.path("bad.json"), "[{\"id\": \"x\"}]").expect("write");
    scanx([
        "annotate",
        &p(&signed),
        "-o",
        &f.s("x.scx"),
        "--annotations",
        &f.s("bad.json"),
        "--key",
        &f.s("analyst.private.pem"),
    ])
    .expect(1)
    .clear_error("600");
    assert!(!f.path("x.scx").exists());
}

#[test]
fn export_writes_every_format() {
    let f = Fixture::new();
    let signed = f.signed("s.scx", &[]);
    let s = p(&signed);
    let cases = [
        ("t.tif", "tiff", &b"II*\0"[..]),
        ("p.png", "png", &b"\x89PNG"[..]),
        ("n.npy", "npy", &b"\x93NUMPY"[..]),
        ("v.png", "preview", &b"\x89PNG"[..]),
        ("m.png", "material", &b"\x89PNG"[..]),
        ("meta.json", "metadata", &b"{"[..]),
        ("pers.json", "personal-data", &b"{"[..]),
    ];
    for (name, format, magic) in cases {
        let out = scanx(["export", &s, "-o", &f.s(name), "--format", format, "--json"])
            .expect(0)
            .json();
        assert_eq!(out["format"], format);
        assert!(bytes(&f.path(name)).starts_with(magic), "{name}");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&bytes(&f.path("meta.json"))).expect("metadata JSON");
    assert_eq!(meta["site"]["locode"], "BEANR");
    // A region of the low plane by name: only its tiles are decoded.
    let out = scanx([
        "export",
        &s,
        "-o",
        &f.s("r.npy"),
        "--format",
        "npy",
        "--plane",
        "side low",
        "--region",
        "10,20,30,40",
        "--json",
    ])
    .expect(0)
    .json();
    assert_eq!(
        (out["width"].as_u64(), out["height"].as_u64()),
        (Some(30), Some(40))
    );
    assert_eq!(out["planes"][0], 1);
    let header = String::from_utf8_lossy(&bytes(&f.path("r.npy"))[..128]).into_owned();
    assert!(header.contains("(40, 30)"), "{header}");
    scanx([
        "export",
        &s,
        "-o",
        &f.s("x.npy"),
        "--format",
        "npy",
        "--region",
        "300,0,64,64",
    ])
    .expect(1)
    .clear_error("301");
    scanx([
        "export",
        &s,
        "-o",
        &f.s("x.npy"),
        "--format",
        "npy",
        "--plane",
        "9",
    ])
    .expect(1)
    .clear_error("no plane");
    assert!(!f.path("x.npy").exists());
}

#[test]
fn validate_many_files_one_line_each() {
    let f = Fixture::new();
    let good = f.signed("good.scx", &[]);
    std::fs::write(f.path("bad.scx"), b"not a scan at all, just text").expect("write");
    let run = scanx(["validate", &p(&good), &f.s("bad.scx"), &f.s("none.scx")]).expect(6);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].starts_with("valid"));
    assert!(lines[1].starts_with("INVALID") && lines[1].contains("bad.scx"));
    assert!(lines[2].starts_with("INVALID") && lines[2].contains("[code 100]"));
    let json = scanx(["validate", "--json", &p(&good), &f.s("bad.scx")]).expect(6);
    let rows: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows[0]["valid"], true);
    assert_eq!(rows[1]["valid"], false);
    assert!(rows[1]["code"]
        .as_u64()
        .is_some_and(|c| (200..300).contains(&c)));
    scanx(["validate", &p(&good)]).expect(0);
}

#[test]
fn catalog_lists_every_scan_under_a_folder() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.path("scans/sub")).expect("mkdir");
    f.signed("scans/a.scx", &[]);
    f.create("scans/sub/b.scx", &[]).expect(0);
    std::fs::write(f.path("scans/sub/broken.scx"), b"broken").expect("write");
    std::fs::write(f.path("scans/notes.txt"), b"not a scan").expect("write");
    let run = scanx(["catalog", &f.s("scans"), "--format", "jsonl"]).expect(0);
    let rows: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["site"], "BEANR");
    assert_eq!(rows[0]["container_numbers"][0], "CSQU3054383");
    assert_eq!(rows[0]["signers"].as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["verification"], "unchecked");
    assert_eq!(rows[1]["planes"], 2);
    assert!(rows[1]["signers"].as_array().is_some_and(Vec::is_empty));
    assert!(rows[2]["error"].is_string(), "{}", rows[2]);

    let out = f.path("catalog.csv");
    scanx([
        "catalog",
        &f.s("scans"),
        "--format",
        "csv",
        "-o",
        &p(&out),
        "--verify",
        "--trust",
        &f.s("trust.json"),
    ])
    .expect(0);
    let csv = std::fs::read_to_string(&out).expect("catalog");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("file,file_id,scan_id"));
    assert!(lines[1].contains("TRUSTED"));
    assert!(lines[2].contains("UNSIGNED"));
    assert!(lines[3].contains("INVALID"));
    // Parquet, read back with the parquet crate's own reader.
    let pq = f.path("catalog.parquet");
    scanx([
        "catalog",
        &f.s("scans"),
        "--format",
        "parquet",
        "-o",
        &p(&pq),
    ])
    .expect(0);
    {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let reader = SerializedFileReader::new(std::fs::File::open(&pq).expect("open"))
            .expect("a Parquet file");
        assert_eq!(reader.metadata().file_metadata().num_rows(), 3);
        let rows: Vec<Vec<(String, String)>> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| {
                r.expect("row")
                    .get_column_iter()
                    .map(|(name, field)| (name.clone(), field.to_string()))
                    .collect()
            })
            .collect();
        let get = |row: usize, name: &str| {
            rows[row]
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no column {name}"))
        };
        assert_eq!(get(0, "site"), "\"BEANR\"");
        assert_eq!(get(0, "container_numbers"), "[\"CSQU3054383\"]");
        assert_eq!(get(0, "planes"), "2");
        assert_eq!(get(1, "signers"), "[]");
        assert_eq!(get(0, "personal_data"), "true");
        assert_eq!(get(0, "error"), "null");
        assert_ne!(get(2, "error"), "null");
    }
    scanx(["catalog", &f.s("scans"), "--format", "parquet"]).expect(2);
    scanx(["catalog", &f.s("scans"), "-o", &p(&out)])
        .expect(1)
        .clear_error("already exists");
    scanx(["catalog", &f.s("nothing-here")])
        .expect(1)
        .clear_error("not a folder");
}
