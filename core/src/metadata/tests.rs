//! Reading and writing rules shared by every record type. The schema agreement tests are in
//! `core/tests/metadata_schema.rs`.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::*;
use crate::crypto::Role;
use crate::error::{Error, ErrorKind};

const MAX: u64 = 1 << 20;

fn read<T: DeserializeOwned + Validate>(json: &str) -> Result<T> {
    from_json(json.as_bytes(), MAX)
}

fn refused<T: DeserializeOwned + Validate + std::fmt::Debug>(json: &str) -> Error {
    match read::<T>(json) {
        Ok(value) => panic!("accepted {json}: {value:?}"),
        Err(e) => e,
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_slice(&to_json(value)).unwrap_or(Value::Null)
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + DeserializeOwned + Validate + PartialEq + std::fmt::Debug,
{
    value.validate().unwrap_or_else(|e| panic!("{e}"));
    let bytes = to_json(value);
    let back: T = from_json(&bytes, MAX).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&back, value);
    assert_eq!(to_json(&back), bytes, "canonical form changed on rewrite");
}

fn event(action: Action) -> Event {
    Event {
        action,
        ..Event::example()
    }
}

#[test]
fn examples_are_valid_and_round_trip() {
    round_trip(&ScanMetadata::example());
    round_trip(&PersonalData::example());
    round_trip(&PlaneAttributes::example_high_energy());
    round_trip(&PlaneAttributes::example_low_energy());
    round_trip(&Annotation::example());
    round_trip(&Event::example());
}

#[test]
fn every_action_round_trips_with_its_type_name() {
    let parent = "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".to_owned();
    let digest = "ab".repeat(32);
    let actions = [
        Action::Capture {},
        Action::Annotate {
            annotation_ids: vec![Annotation::example().id],
        },
        Event::example().action,
        Action::ReEncode {
            parent_file_id: parent.clone(),
            parent_manifest_digest: digest.clone(),
            codec: "zstd".to_owned(),
            filters: vec!["predictor-2d".to_owned(), "byte-shuffle".to_owned()],
        },
        Action::Derive {
            parent_file_id: parent.clone(),
            parent_manifest_digest: digest.clone(),
            operation: DeriveOperation::Crop {
                plane: Some(1),
                x: 100,
                y: 0,
                width: 2000,
                height: 1200,
            },
        },
        Action::Derive {
            parent_file_id: parent,
            parent_manifest_digest: digest,
            operation: DeriveOperation::Other {
                description: "Downsampled by 2 for a training set.".to_owned(),
            },
        },
        Action::Transfer {
            from: Agency::example(),
            to: Agency {
                country: "BR".to_owned(),
                name: "Receita Federal do Brasil".to_owned(),
            },
        },
        Action::Countersign { note: None },
        Action::Countersign {
            note: Some("Received intact.".to_owned()),
        },
    ];
    for action in actions {
        let name = action.name();
        let event = event(action);
        round_trip(&event);
        assert_eq!(to_value(&event)["type"], json!(name));
    }
}

#[test]
fn checks_run_in_order_with_their_own_kinds() {
    let valid = to_json(&ScanMetadata::example());
    let limit = u64::try_from(valid.len()).unwrap_or(u64::MAX);
    assert!(from_json::<ScanMetadata>(&valid, limit).is_ok());
    let e = from_json::<ScanMetadata>(&valid, limit - 1).err();
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::LimitExceeded));
    // The size is checked before anything else, so even garbage reports the limit.
    let e = from_json::<ScanMetadata>(b"\xff\xff\xff", 2).err();
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::LimitExceeded));
    let e = from_json::<ScanMetadata>(b"{\"scan_id\":\"\xff\"}", MAX).err();
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::InvalidUtf8));
    for bad_json in [
        "",
        "{",
        "{\"scan_id\":}",
        "{} {}",
        "\u{feff}{}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":1e999}",
        "[1,]",
    ] {
        let kind = refused::<ScanMetadata>(bad_json).kind();
        assert_eq!(kind, ErrorKind::InvalidJson, "{bad_json:?}");
    }
    // Shape errors, then rule errors.
    assert_eq!(
        refused::<ScanMetadata>("[]").kind(),
        ErrorKind::SchemaViolation
    );
    assert_eq!(
        refused::<ScanMetadata>("{}").kind(),
        ErrorKind::SchemaViolation
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowing() {
    let mut meta = to_value(&ScanMetadata::example());
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    meta["x-deep"] = json!(0);
    let text = meta
        .to_string()
        .replace("\"x-deep\":0", &format!("\"x-deep\":{deep}"));
    assert_eq!(
        refused::<ScanMetadata>(&text).kind(),
        ErrorKind::InvalidJson
    );
}

#[test]
fn duplicate_members_are_refused_at_any_depth() {
    let meta = to_json(&ScanMetadata::example());
    let text = String::from_utf8(meta).unwrap_or_default();
    let top = text.replacen(
        "{\"scan_id\"",
        "{\"time\":\"2026-03-01T08:15:30Z\",\"scan_id\"",
        1,
    );
    let nested = text.replacen("\"lane\":2", "\"lane\":2,\"lane\":3", 1);
    for doubled in [top, nested] {
        let e = refused::<ScanMetadata>(&doubled);
        assert_eq!(e.kind(), ErrorKind::InvalidJson, "{doubled}");
        assert!(e.message().contains("appears twice"), "{}", e.message());
    }
}

#[test]
fn messages_name_the_json_path() {
    let mut meta = ScanMetadata::example();
    meta.conveyance.container_numbers = vec!["CSQU3054383".to_owned(), "MSKU9070324".to_owned()];
    let e = meta.validate().err();
    assert_eq!(
        e.as_ref().map(|e| e.message()),
        Some("conveyance.container_numbers[1]: check digit is 4, expected 3")
    );
    assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::SchemaViolation));

    let mut meta = ScanMetadata::example();
    meta.views[0].beam_angle_deg = Some(91.0);
    let message = meta.validate().err().map(|e| e.message().to_owned());
    assert!(message.is_some_and(|m| m.starts_with("views[0].beam_angle_deg: ")));

    let mut meta = ScanMetadata::example();
    meta.agency.country = "XK".to_owned();
    let message = meta.validate().err().map(|e| e.message().to_owned());
    assert!(message.is_some_and(|m| m.starts_with("agency.country: \"XK\" is not an assigned")));
}

#[test]
fn unknown_members_are_refused_and_extensions_kept() {
    let mut meta = to_value(&ScanMetadata::example());
    meta["x-vendor"] = json!({"z": [3, {"b": 1, "a": null}], "a": "é\u{1F600}"});
    let back: ScanMetadata = read(&meta.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.extensions["x-vendor"], meta["x-vendor"]);
    // Written back with members sorted at every depth, whatever the input order.
    let written = String::from_utf8(to_json(&back)).unwrap_or_default();
    assert!(written.ends_with(
        ",\"x-acme-lane\":{\"lane\":2,\"operator_console\":\"B\"},\
         \"x-vendor\":{\"a\":\"é\u{1F600}\",\"z\":[3,{\"a\":null,\"b\":1}]}}"
    ));

    // A member that is not an extension is refused at the top level of each record...
    let e = refused::<ScanMetadata>(&meta.to_string().replacen("\"x-vendor\"", "\"vendor\"", 1));
    assert_eq!(
        e.message(),
        "vendor: unknown field (vendor extensions must start with \"x-\")"
    );
    // ... and extensions are not allowed inside the nested objects.
    let mut nested = meta.clone();
    nested["site"]["x-gate"] = json!(4);
    assert_eq!(
        refused::<ScanMetadata>(&nested.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
    for (record, json) in [
        ("personal", to_value(&PersonalData::example())),
        ("plane", to_value(&PlaneAttributes::example_high_energy())),
        ("annotation", to_value(&Annotation::example())),
        ("event", to_value(&Event::example())),
    ] {
        let mut with_x = json.clone();
        with_x["x-a"] = json!([1, 2]);
        let mut with_unknown = json.clone();
        with_unknown["colour"] = json!("red");
        let text = (with_x.to_string(), with_unknown.to_string());
        let (ok, bad) = match record {
            "personal" => (
                read::<PersonalData>(&text.0).map(|v| to_value(&v)),
                read::<PersonalData>(&text.1).map(|v| to_value(&v)),
            ),
            "plane" => (
                read::<PlaneAttributes>(&text.0).map(|v| to_value(&v)),
                read::<PlaneAttributes>(&text.1).map(|v| to_value(&v)),
            ),
            "annotation" => (
                read::<Annotation>(&text.0).map(|v| to_value(&v)),
                read::<Annotation>(&text.1).map(|v| to_value(&v)),
            ),
            _ => (
                read::<Event>(&text.0).map(|v| to_value(&v)),
                read::<Event>(&text.1).map(|v| to_value(&v)),
            ),
        };
        assert_eq!(ok.ok(), Some(with_x), "{record}");
        assert_eq!(
            bad.err().map(|e| e.kind()),
            Some(ErrorKind::SchemaViolation),
            "{record}"
        );
    }
    // An extension name needs something after the prefix.
    let mut meta = ScanMetadata::example();
    meta.extensions.insert("x-".to_owned(), json!(1));
    assert!(meta.validate().is_err());
}

#[test]
fn absent_optional_members_are_never_null() {
    let mut meta = to_value(&ScanMetadata::example());
    meta["site"]["name"] = Value::Null;
    assert_eq!(
        refused::<ScanMetadata>(&meta.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
    let mut countersign = to_value(&event(Action::Countersign { note: None }));
    assert!(countersign.get("note").is_none());
    countersign["note"] = Value::Null;
    assert_eq!(
        refused::<Event>(&countersign.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
}

#[test]
fn plane_rescale_defaults() {
    let mut plane = to_value(&PlaneAttributes::example_high_energy());
    if let Some(object) = plane.as_object_mut() {
        for member in ["rescale_slope", "rescale_intercept", "display_window"] {
            object.remove(member);
        }
    }
    let plane: PlaneAttributes = read(&plane.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((plane.rescale_slope, plane.rescale_intercept), (1.0, 0.0));
    let mut zero_slope = plane.clone();
    zero_slope.rescale_slope = 0.0;
    assert!(zero_slope.validate().is_err());
    let mut nan_intercept = plane;
    nan_intercept.rescale_intercept = f64::NAN;
    assert!(nan_intercept.validate().is_err());
}

#[test]
fn action_members_are_checked() {
    let mut unknown = to_value(&event(Action::Capture {}));
    unknown["reason"] = json!("none");
    assert_eq!(
        refused::<Event>(&unknown.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
    let mut untyped = to_value(&Event::example());
    untyped.as_object_mut().map(|o| o.remove("type"));
    assert_eq!(
        refused::<Event>(&untyped.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
    let mut role = to_value(&Event::example());
    role["actor"]["role"] = json!("customs");
    assert_eq!(
        refused::<Event>(&role.to_string()).kind(),
        ErrorKind::SchemaViolation
    );
    let tile = RemovedChunk {
        generation: 1,
        entry: 7,
        chunk: "TILE".to_owned(),
        digest: "0".repeat(64),
        plane: Some(3),
        col: Some(0),
        row: Some(1),
    };
    let redact = |removed: Vec<RemovedChunk>| {
        event(Action::Redact {
            reason: "Cab photograph.".to_owned(),
            removed,
        })
        .validate()
    };
    assert!(redact(vec![tile.clone()]).is_ok());
    let twice = redact(vec![tile.clone(), tile.clone()]).err();
    assert_eq!(
        twice.as_ref().map(|e| e.message()),
        Some("removed: entry 7 of generation 1 is listed twice")
    );
    let no_row = RemovedChunk {
        row: None,
        ..tile.clone()
    };
    assert!(redact(vec![no_row]).is_err());
    let pers_with_col = RemovedChunk {
        chunk: "PERS".to_owned(),
        plane: None,
        row: None,
        ..tile.clone()
    };
    assert!(redact(vec![pers_with_col]).is_err());
    let generation_zero = RemovedChunk {
        generation: 0,
        ..tile.clone()
    };
    assert!(redact(vec![generation_zero]).is_err());
    assert!(redact(Vec::new()).is_err());
    let mut annotate = event(Action::Annotate {
        annotation_ids: vec![Annotation::example().id, Annotation::example().id],
    });
    assert!(annotate.validate().is_err());
    annotate.actor.key_id = "ABCDEF".to_owned();
    assert!(annotate.validate().is_err());
    let analyst = Event {
        actor: Actor {
            key_id: "f".repeat(32),
            agency: None,
            role: Role::Analyst,
        },
        ..Event::example()
    };
    round_trip(&analyst);
}

#[test]
fn annotation_rules() {
    let mut annotation = Annotation::example();
    annotation.algorithm = None;
    assert_eq!(
        annotation.validate().err().map(|e| e.message().to_owned()),
        Some("algorithm: required when source is \"algorithm\"".to_owned())
    );
    annotation.source = AnnotationSource::Operator;
    assert!(annotation.validate().is_ok());
    annotation.confidence = Some(1.01);
    assert!(annotation.validate().is_err());
    annotation.confidence = Some(1.0);
    annotation.geometry = Geometry::Polygon {
        points: vec![[0.0, 0.0], [10.5, 0.0]],
    };
    assert!(annotation.validate().is_err());
    annotation.geometry = Geometry::Polygon {
        points: vec![[0.0, 0.0], [10.5, 0.0], [10.5, 7.25]],
    };
    round_trip(&annotation);
    annotation.geometry =
        Geometry::mask_from_bits(4, 4, 4, 2, &[0b0110_1111]).unwrap_or_else(|e| panic!("{e}"));
    round_trip(&annotation);
    assert_eq!(
        to_value(&annotation)["geometry"],
        json!({"type": "mask", "x": 4, "y": 4, "width": 4, "height": 2, "bits": "bw=="})
    );
    // A plane index is 16 bits: 65535 is the last one, and 65536 is refused on parsing.
    annotation.plane = u16::MAX;
    assert!(annotation.validate().is_ok());
    let mut json = to_value(&annotation);
    json["plane"] = json!(65_536);
    let e = from_json::<Annotation>(&serde_json::to_vec(&json).unwrap_or_default(), 1 << 20)
        .expect_err("plane 65536");
    assert_eq!(e.kind(), crate::ErrorKind::SchemaViolation, "{e}");
}

#[test]
fn text_rules() {
    let mut personal = PersonalData::example();
    personal.notes = Some("line one\nline two\ttabbed".to_owned());
    assert!(personal.validate().is_ok());
    personal.driver_name = Some("Jan\u{1b}[2J".to_owned());
    assert_eq!(
        personal.validate().err().map(|e| e.message().to_owned()),
        Some("driver_name: contains the control character U+001B".to_owned())
    );
    personal.driver_name = Some(String::new());
    assert!(personal.validate().is_err());
    // Lengths count characters, not bytes, as JSON Schema's maxLength does.
    personal.driver_name = Some("é".repeat(MAX_NAME_CHARS));
    assert!(personal.validate().is_ok());
    personal.driver_name = Some("é".repeat(MAX_NAME_CHARS + 1));
    assert!(personal.validate().is_err());
}

#[test]
fn numbers_read_back_exactly() {
    // Values whose shortest decimal form needs all 17 digits, or sits at the ends of the
    // range: a reader without correctly rounded parsing gets some of them 1 ulp off.
    for number in [
        3_687_447_589.094_271_7,
        0.1,
        2.225_073_858_507_201_4e-308,
        5e-324,
        999.999_999_999_999_9,
        1.797_693_134_862_315_7e308,
    ] {
        let plane = PlaneAttributes {
            rescale_slope: number,
            rescale_intercept: -number,
            ..PlaneAttributes::example_high_energy()
        };
        round_trip(&plane);
    }
}
