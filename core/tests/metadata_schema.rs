//! The JSON Schema `spec/metadata.schema.json` and the Rust types of `scanx::metadata` say
//! the same thing: the same members, the same vocabularies, and every broken rule refused
//! by both (or, where JSON Schema cannot express the rule, by Rust alone, and the schema's
//! description says so).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use scanx::crypto::Role;
use scanx::metadata::checks::{self, COUNTRY_CODES};
use scanx::metadata::*;
use scanx::{ErrorKind, TileRef};
use serde_json::{json, Value};

const MAX_BYTES: u64 = 4 << 20;

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/metadata.schema.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    })
}

/// The record types, named by the chunk that holds them, each with its place in the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Record {
    Meta,
    Pers,
    Plan,
    Anno,
    Evnt,
}

impl Record {
    fn definition(self) -> Option<&'static str> {
        match self {
            Record::Meta => None,
            Record::Pers => Some("personal"),
            Record::Plan => Some("plane"),
            Record::Anno => Some("annotation"),
            Record::Evnt => Some("event"),
        }
    }

    /// Reads the document as the Rust type, returning what it writes back.
    fn read(self, document: &Value) -> scanx::Result<Value> {
        let written = self.rewrite(document)?;
        Ok(serde_json::from_slice(&written).unwrap_or(Value::Null))
    }

    /// Reads the document as the Rust type and writes it again.
    fn rewrite(self, document: &Value) -> scanx::Result<Vec<u8>> {
        let bytes = document.to_string().into_bytes();
        Ok(match self {
            Record::Meta => to_json(&from_json::<ScanMetadata>(&bytes, MAX_BYTES)?),
            Record::Pers => to_json(&from_json::<PersonalData>(&bytes, MAX_BYTES)?),
            Record::Plan => to_json(&from_json::<PlaneAttributes>(&bytes, MAX_BYTES)?),
            Record::Anno => to_json(&from_json::<Annotation>(&bytes, MAX_BYTES)?),
            Record::Evnt => to_json(&from_json::<Event>(&bytes, MAX_BYTES)?),
        })
    }
}

/// A validator for the schema's root or one of its `$defs` (the same schema, with the root
/// replaced by a reference, so that every `$ref` resolves as in the published file).
fn validator(record: Record) -> &'static jsonschema::Validator {
    static VALIDATORS: OnceLock<Vec<(String, jsonschema::Validator)>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        let records = [
            Record::Meta,
            Record::Pers,
            Record::Plan,
            Record::Anno,
            Record::Evnt,
        ];
        records
            .iter()
            .map(|record| {
                let schema = match record.definition() {
                    None => schema().clone(),
                    Some(name) => json!({
                        "$schema": schema()["$schema"],
                        "$id": schema()["$id"],
                        "$ref": format!("#/$defs/{name}"),
                        "$defs": schema()["$defs"],
                    }),
                };
                let validator = jsonschema::draft202012::new(&schema)
                    .unwrap_or_else(|e| panic!("schema for {record:?} does not build: {e}"));
                (format!("{record:?}"), validator)
            })
            .collect()
    });
    let name = format!("{record:?}");
    all.iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no validator for {name}"))
}

fn schema_errors(record: Record, document: &Value) -> Vec<String> {
    validator(record)
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn assert_schema_valid(record: Record, document: &Value) {
    let errors = schema_errors(record, document);
    assert!(errors.is_empty(), "{record:?} {document}: {errors:#?}");
}

fn value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_slice(&to_json(value)).unwrap_or(Value::Null)
}

fn uuid(n: u8) -> String {
    format!("{n:02x}345678-9abc-4def-8012-3456789abcde")
}

fn digest(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn every_action() -> Vec<Action> {
    vec![
        Action::Capture {},
        Action::Annotate {
            annotation_ids: vec![uuid(1), uuid(2)],
        },
        Action::Redact {
            reason: "Cab photograph and personal data.".to_owned(),
            removed: vec![
                RemovedChunk::new(1, 2, "PERS", digest(1)),
                RemovedChunk::new(1, 9, "TILE", digest(2)).with_tile(TileRef {
                    plane: 2,
                    col: 0,
                    row: 0,
                }),
                RemovedChunk::new(1, 5, "PLAN", digest(3)).with_plane(2),
            ],
        },
        Action::ReEncode {
            parent_file_id: uuid(3),
            parent_manifest_digest: digest(4),
            codec: "zstd".to_owned(),
            filters: vec!["byte-shuffle".to_owned()],
        },
        Action::Derive {
            parent_file_id: uuid(4),
            parent_manifest_digest: digest(5),
            operation: DeriveOperation::Crop {
                plane: Some(0),
                x: 10,
                y: 20,
                width: 30,
                height: 40,
            },
        },
        Action::Derive {
            parent_file_id: uuid(4),
            parent_manifest_digest: digest(5),
            operation: DeriveOperation::Other {
                description: "Resampled to 2 mm pixels.".to_owned(),
            },
        },
        Action::Transfer {
            from: Agency::example(),
            to: Agency::new("BR", "Receita Federal do Brasil"),
        },
        Action::Countersign {
            note: Some("Received intact.".to_owned()),
        },
    ]
}

fn events() -> Vec<Event> {
    every_action()
        .into_iter()
        .map(|action| {
            let mut event = Event::example();
            event.action = action;
            event
        })
        .collect()
}

fn annotations() -> Vec<Annotation> {
    let mut polygon = Annotation::example();
    polygon.geometry = Geometry::Polygon {
        points: vec![[0.5, 0.5], [100.0, 0.0], [100.0, 80.25], [3.0, 70.0]],
    };
    polygon.source = AnnotationSource::Operator;
    polygon.algorithm = None;
    polygon.confidence = None;
    polygon.inspection = None;
    polygon.label = None;
    let mut mask = Annotation::example()
        .with_source(AnnotationSource::GroundTruth)
        .with_inspection_outcome(InspectionOutcome::new(InspectionResult::NotFound));
    mask.geometry = Geometry::mask_from_bits(7, 9, 5, 3, &[0b0111_0111, 0b0111_0000])
        .unwrap_or_else(|e| panic!("{e}"));
    vec![Annotation::example(), polygon, mask]
}

/// Every example and variant, as (record, document).
fn valid_documents() -> Vec<(Record, Value)> {
    let mut documents = vec![
        (Record::Meta, value(&ScanMetadata::example())),
        (Record::Pers, value(&PersonalData::example())),
        (Record::Pers, value(&PersonalData::default())),
        (Record::Plan, value(&PlaneAttributes::example_high_energy())),
        (Record::Plan, value(&PlaneAttributes::example_low_energy())),
    ];
    let mut minimal = ScanMetadata::example();
    minimal.declaration = None;
    minimal.views.clear();
    minimal.extensions.clear();
    minimal.site.name = None;
    minimal.conveyance = Conveyance::new(ConveyanceKind::RailWagon).with_wagon("218124712173");
    documents.push((Record::Meta, value(&minimal)));
    documents.extend(annotations().iter().map(|a| (Record::Anno, value(a))));
    documents.extend(events().iter().map(|e| (Record::Evnt, value(e))));
    documents
}

#[test]
fn examples_validate_against_the_schema_and_round_trip() {
    for (record, document) in valid_documents() {
        assert_schema_valid(record, &document);
        let back = record
            .read(&document)
            .unwrap_or_else(|e| panic!("{record:?} {document}: {e}"));
        assert_eq!(back, document);
    }
}

#[test]
fn typed_round_trips_are_exact() {
    fn exact<T>(value: T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + Validate + PartialEq + std::fmt::Debug,
    {
        let bytes = to_json(&value);
        let back: T = from_json(&bytes, MAX_BYTES).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, value);
        assert_eq!(to_json(&back), bytes);
    }
    exact(ScanMetadata::example());
    exact(PersonalData::example());
    exact(PlaneAttributes::example_high_energy());
    exact(PlaneAttributes::example_low_energy());
    annotations().into_iter().for_each(exact);
    events().into_iter().for_each(exact);
}

#[test]
fn extensions_survive_a_rewrite_in_canonical_form() {
    // Members in non-sorted order, nested, with escapes, large and negative numbers.
    let extension = r#"{"zeta":[1,-2,18446744073709551615,-9223372036854775808,0.1,1e300,{"b":true,"a":null}],"alpha":"caf\u00e9 \ud83d\ude00 \"q\"","mid":{}}"#;
    let canonical = r#"{"alpha":"café 😀 \"q\"","mid":{},"zeta":[1,-2,18446744073709551615,-9223372036854775808,0.1,1e+300,{"a":null,"b":true}]}"#;
    let mut documents = valid_documents();
    documents.dedup_by(|a, b| a.0 == b.0);
    for (record, document) in documents {
        let mut text = document.to_string();
        text.pop();
        text.push_str(&format!(r#","x-vendor.example":{extension}}}"#));
        let input: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_schema_valid(record, &input);
        let bytes = record
            .rewrite(&input)
            .unwrap_or_else(|e| panic!("{record:?}: {e}"));
        let written: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(written["x-vendor.example"], input["x-vendor.example"]);
        let bytes = String::from_utf8(bytes).unwrap_or_default();
        assert!(
            bytes.contains(&format!(r#""x-vendor.example":{canonical}"#)),
            "{record:?}: {bytes}"
        );
    }
}

/// A document changed in one way that breaks one rule.
struct Broken {
    what: &'static str,
    record: Record,
    document: Value,
    /// Whether JSON Schema can express the rule (if not, the schema must accept the
    /// document, and its description must state the rule).
    in_schema: bool,
}

/// Replaces (or adds) the member at a JSON pointer.
fn set(mut document: Value, pointer: &str, new: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match document.pointer_mut(parent) {
        Some(Value::Object(object)) => {
            object.insert(last.to_owned(), new);
        }
        Some(Value::Array(items)) => {
            let index: usize = last.parse().unwrap_or(usize::MAX);
            if let Some(item) = items.get_mut(index) {
                *item = new;
            } else {
                panic!("no item {pointer}");
            }
        }
        _ => panic!("no parent for {pointer}"),
    }
    document
}

fn remove(mut document: Value, pointer: &str) -> Value {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    match document.pointer_mut(parent) {
        Some(Value::Object(object)) => {
            if object.remove(last).is_none() {
                panic!("nothing at {pointer}");
            }
        }
        _ => panic!("no parent for {pointer}"),
    }
    document
}

// One case per line reads as a table; rustfmt would spread each over six lines.
#[rustfmt::skip]
fn broken_documents() -> Vec<Broken> {
    let meta = value(&ScanMetadata::example());
    let personal = value(&PersonalData::example());
    let plane = value(&PlaneAttributes::example_high_energy());
    let [boxed, polygon, mask] = <[Annotation; 3]>::try_from(annotations())
        .unwrap_or_else(|_| panic!("three annotations"))
        .map(|a| value(&a));
    let event_of = |i: usize| value(&events()[i]);
    let (capture, annotate, redact, re_encode, derive, transfer, countersign) = (
        event_of(0),
        event_of(1),
        event_of(2),
        event_of(3),
        event_of(4),
        event_of(6),
        event_of(7),
    );
    let many_extensions = {
        let mut document = meta.clone();
        for i in 0..=MAX_EXTENSIONS {
            document = set(document, &format!("/x-{i}"), json!(i));
        }
        document
    };
    let b = |what, record, document, in_schema| Broken {
        what,
        record,
        document,
        in_schema,
    };
    use Record::*;
    vec![
        // Scan metadata.
        b("scan id missing", Meta, remove(meta.clone(), "/scan_id"), true),
        b("scan id in upper case", Meta, set(meta.clone(), "/scan_id", json!("0B7C8E2A-5F3D-4C1E-9A6B-2D4F8E1C3A57")), true),
        b("time with an offset", Meta, set(meta.clone(), "/time", json!("2026-03-01T09:15:30+01:00")), true),
        b("time without zone", Meta, set(meta.clone(), "/time", json!("2026-03-01T08:15:30")), true),
        b("leap second", Meta, set(meta.clone(), "/time", json!("2026-12-31T23:59:60Z")), true),
        b("29 February of a common year", Meta, set(meta.clone(), "/time", json!("2023-02-29T08:15:30Z")), false),
        b("31 April", Meta, set(meta.clone(), "/time", json!("2026-04-31T08:15:30Z")), false),
        b("too many fraction digits", Meta, set(meta.clone(), "/time", json!("2026-03-01T08:15:30.1234567891Z")), true),
        b("locode with a 1", Meta, set(meta.clone(), "/site/locode", json!("BEAN1")), true),
        b("locode of no country", Meta, set(meta.clone(), "/site/locode", json!("XXANR")), false),
        b("site name null", Meta, set(meta.clone(), "/site/name", Value::Null), true),
        b("site extension", Meta, set(meta.clone(), "/site/x-gate", json!(4)), true),
        b("user-assigned country", Meta, set(meta.clone(), "/agency/country", json!("XK")), true),
        b("lower-case country", Meta, set(meta.clone(), "/agency/country", json!("be")), true),
        b("empty agency name", Meta, set(meta.clone(), "/agency/name", json!("")), true),
        b("agency name too long", Meta, set(meta.clone(), "/agency/name", json!("a".repeat(MAX_NAME_CHARS + 1))), true),
        b("agency name with escape", Meta, set(meta.clone(), "/agency/name", json!("Customs\u{1b}[31m")), true),
        b("agency name with C1 control", Meta, set(meta.clone(), "/agency/name", json!("Customs\u{85}")), true),
        b("serial too long", Meta, set(meta.clone(), "/scanner/serial", json!("9".repeat(MAX_CODE_CHARS + 1))), true),
        b("unknown source type", Meta, set(meta.clone(), "/scanner/source_type", json!("neutron")), true),
        b("no energy", Meta, set(meta.clone(), "/scanner/energies_mev", json!([])), true),
        b("zero energy", Meta, set(meta.clone(), "/scanner/energies_mev", json!([0.0, 6.0])), true),
        b("energy too high", Meta, set(meta.clone(), "/scanner/energies_mev", json!([25])), true),
        b("energy as text", Meta, set(meta.clone(), "/scanner/energies_mev", json!(["6"])), true),
        b("unknown conveyance", Meta, set(meta.clone(), "/conveyance/kind", json!("ship")), true),
        b("container check digit", Meta, set(meta.clone(), "/conveyance/container_numbers/0", json!("CSQU3054384")), false),
        b("container category R", Meta, set(meta.clone(), "/conveyance/container_numbers/0", json!("CSQR3054383")), true),
        b("container with spaces", Meta, set(meta.clone(), "/conveyance/container_numbers/0", json!("CSQU 305438 3")), true),
        b("container twice", Meta, set(meta.clone(), "/conveyance/container_numbers", json!(["CSQU3054383", "CSQU3054383"])), true),
        b("wagon check digit", Meta, set(meta.clone(), "/conveyance/wagon_numbers", json!(["218124712174"])), false),
        b("wagon as printed", Meta, set(meta.clone(), "/conveyance/wagon_numbers", json!(["21 81 2471 217-3"])), true),
        b("registration plate in conveyance", Meta, set(meta.clone(), "/conveyance/registration_plates", json!(["1-ABC-123"])), true),
        b("empty declaration", Meta, set(meta.clone(), "/declaration", json!({})), true),
        b("declaration of no HS code", Meta, set(meta.clone(), "/declaration", json!({"hs_codes": []})), true),
        b("null declaration", Meta, set(meta.clone(), "/declaration", Value::Null), true),
        b("HS code with a dot", Meta, set(meta.clone(), "/declaration/hs_codes/0", json!("0803.90")), true),
        b("HS code of 7 digits", Meta, set(meta.clone(), "/declaration/hs_codes/0", json!("0803901")), true),
        b("HS chapter 00", Meta, set(meta.clone(), "/declaration/hs_codes/0", json!("000390")), true),
        b("unknown destination", Meta, set(meta.clone(), "/declaration/destination_country", json!("ZZ")), true),
        b("unknown view", Meta, set(meta.clone(), "/views/0/view", json!("rear")), true),
        b("beam angle", Meta, set(meta.clone(), "/views/0/beam_angle_deg", json!(90.5)), true),
        b("standing still", Meta, set(meta.clone(), "/views/0/conveyance_speed_m_s", json!(0)), true),
        b("negative distance", Meta, set(meta.clone(), "/views/0/distance_source_object_mm", json!(-1)), true),
        b("unknown scan direction", Meta, set(meta.clone(), "/views/0/scan_direction", json!("forward")), true),
        b("unknown member", Meta, set(meta.clone(), "/operator", json!("A. Janssens")), true),
        b("bare x- member", Meta, set(meta.clone(), "/x-", json!(1)), true),
        b("extension name too long", Meta, set(meta.clone(), &format!("/x-{}", "a".repeat(MAX_EXTENSION_KEY_CHARS - 1)), json!(1)), true),
        b("too many extensions", Meta, many_extensions, false),
        b("metadata is an array", Meta, json!([meta.clone()]), true),
        // Personal data.
        b("too many plates", Pers, set(personal.clone(), "/registration_plates", json!(vec!["1-ABC-123"; 17])), true),
        b("driver name on two lines", Pers, set(personal.clone(), "/driver_name", json!("Jan\nPeeters")), true),
        b("notes too long", Pers, set(personal.clone(), "/notes", json!("n".repeat(MAX_NOTE_CHARS + 1))), true),
        b("notes with a NUL", Pers, set(personal.clone(), "/notes", json!("a\u{0}b")), true),
        b("unknown personal member", Pers, set(personal.clone(), "/plate", json!("1-ABC-123")), true),
        // Plane attributes.
        b("zero pixel spacing", Plan, set(plane.clone(), "/pixel_spacing_mm", json!([0, 5])), true),
        b("one pixel spacing", Plan, set(plane.clone(), "/pixel_spacing_mm", json!([5])), true),
        b("zero slope", Plan, set(plane.clone(), "/rescale_slope", json!(0)), true),
        b("value meaning not a token", Plan, set(plane.clone(), "/value_meaning", json!("Transmission")), true),
        b("unknown channel", Plan, set(plane.clone(), "/channel", json!("x-ray")), true),
        b("window of no width", Plan, set(plane.clone(), "/display_window/width", json!(0)), true),
        b("plane without view", Plan, remove(plane.clone(), "/view"), true),
        // Annotations.
        b("annotation without id", Anno, remove(boxed.clone(), "/id"), true),
        b("plane index above 16 bits", Anno, set(boxed.clone(), "/plane", json!(65536)), true),
        b("negative plane", Anno, set(boxed.clone(), "/plane", json!(-1)), true),
        b("empty box", Anno, set(boxed.clone(), "/geometry/width", json!(0)), true),
        b("box with a depth", Anno, set(boxed.clone(), "/geometry/depth", json!(3)), true),
        b("circle", Anno, set(boxed.clone(), "/geometry/type", json!("circle")), true),
        b("polygon of two points", Anno, set(polygon.clone(), "/geometry/points", json!([[0, 0], [1, 1]])), true),
        b("negative vertex", Anno, set(polygon.clone(), "/geometry/points/0", json!([-0.5, 0])), true),
        b("vertex in 3-D", Anno, set(polygon.clone(), "/geometry/points/0", json!([1, 2, 3])), true),
        b("mask one byte short", Anno, set(mask.clone(), "/geometry/bits", json!("dw==")), false),
        b("mask padding bits set", Anno, set(mask.clone(), "/geometry/bits", json!("d3E=")), false),
        b("mask not base64", Anno, set(mask.clone(), "/geometry/bits", json!("d3!=")), true),
        b("unknown category", Anno, set(boxed.clone(), "/category", json!("drugs")), true),
        b("confidence above 1", Anno, set(boxed.clone(), "/confidence", json!(1.5)), true),
        b("algorithm missing", Anno, remove(boxed.clone(), "/algorithm"), true),
        b("unknown inspection result", Anno, set(boxed.clone(), "/inspection/result", json!("seized")), true),
        b("inspection on 30 February", Anno, set(boxed.clone(), "/inspection/time", json!("2026-02-30T10:00:00Z")), false),
        b("label null", Anno, set(boxed.clone(), "/label", Value::Null), true),
        // Events.
        b("unknown action", Evnt, set(capture.clone(), "/type", json!("delete")), true),
        b("action missing", Evnt, remove(capture.clone(), "/type"), true),
        b("capture with a reason", Evnt, set(capture.clone(), "/reason", json!("because")), true),
        b("unknown event member", Evnt, set(capture.clone(), "/comment", json!("hi")), true),
        b("key id in upper case", Evnt, set(capture.clone(), "/actor/key_id", json!("4F6C2A9E0B1D3C5E7F8A9B0C1D2E3F40")), true),
        b("key id too short", Evnt, set(capture.clone(), "/actor/key_id", json!("4f6c2a9e")), true),
        b("unknown role", Evnt, set(capture.clone(), "/actor/role", json!("customs")), true),
        b("actor agency of no country", Evnt, set(capture.clone(), "/actor/agency/country", json!("EU")), true),
        b("annotation id twice", Evnt, set(annotate.clone(), "/annotation_ids", json!([uuid(1), uuid(1)])), true),
        b("no annotation id", Evnt, set(annotate.clone(), "/annotation_ids", json!([])), true),
        b("empty reason", Evnt, set(redact.clone(), "/reason", json!("")), true),
        b("nothing removed", Evnt, set(redact.clone(), "/removed", json!([])), true),
        b("generation 0", Evnt, set(redact.clone(), "/removed/0/generation", json!(0)), true),
        b("chunk type of three letters", Evnt, set(redact.clone(), "/removed/0/chunk", json!("PER")), true),
        b("digest too short", Evnt, set(redact.clone(), "/removed/0/digest", json!("abcd")), true),
        b("tile without row", Evnt, remove(redact.clone(), "/removed/1/row"), true),
        b("personal data with a column", Evnt, set(redact.clone(), "/removed/0/col", json!(1)), true),
        b("entry removed twice", Evnt, set(redact.clone(), "/removed/2/entry", json!(2)), false),
        b("codec in upper case", Evnt, set(re_encode.clone(), "/codec", json!("ZSTD")), true),
        b("five filters", Evnt, set(re_encode.clone(), "/filters", json!(vec!["delta"; 5])), true),
        b("parent id not a UUID", Evnt, set(re_encode.clone(), "/parent_file_id", json!("parent")), true),
        b("unknown derive operation", Evnt, set(derive.clone(), "/operation/op", json!("rotate")), true),
        b("crop of no width", Evnt, set(derive.clone(), "/operation/width", json!(0)), true),
        b("transfer to the EU", Evnt, set(transfer.clone(), "/to/country", json!("EU")), true),
        b("transfer without sender", Evnt, remove(transfer.clone(), "/from"), true),
        b("note null", Evnt, set(countersign.clone(), "/note", Value::Null), true),
    ]
}

#[test]
fn each_broken_rule_is_refused_by_rust_and_where_expressible_by_the_schema() {
    let broken = broken_documents();
    let mut names = BTreeSet::new();
    for case in &broken {
        assert!(names.insert(case.what), "two cases named {}", case.what);
        let rust = case.record.read(&case.document);
        match rust {
            Ok(_) => panic!("Rust accepts {}: {}", case.what, case.document),
            Err(e) => assert_eq!(e.kind(), ErrorKind::SchemaViolation, "{}: {e}", case.what),
        }
        let errors = schema_errors(case.record, &case.document);
        if case.in_schema {
            assert!(!errors.is_empty(), "the schema accepts {}", case.what);
        } else {
            assert!(
                errors.is_empty(),
                "{} is expressible in the schema after all: {errors:?}",
                case.what
            );
        }
    }
    assert!(broken.len() > 90);
}

/// The `enum` of a schema definition, as strings.
fn schema_enum(pointer: &str) -> Vec<String> {
    schema()
        .pointer(pointer)
        .and_then(|e| e.get("enum"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no enum at {pointer}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|&v| name(v).to_owned()).collect()
}

#[test]
fn vocabularies_agree() {
    let cases = [
        ("source_type", names(SourceType::ALL, SourceType::name)),
        (
            "conveyance_kind",
            names(ConveyanceKind::ALL, ConveyanceKind::name),
        ),
        ("view", names(View::ALL, View::name)),
        (
            "source_position",
            names(SourcePosition::ALL, SourcePosition::name),
        ),
        (
            "scan_direction",
            names(ScanDirection::ALL, ScanDirection::name),
        ),
        ("channel", names(Channel::ALL, Channel::name)),
        ("category", names(Category::ALL, Category::name)),
        (
            "annotation_source",
            names(AnnotationSource::ALL, AnnotationSource::name),
        ),
        (
            "inspection_result",
            names(InspectionResult::ALL, InspectionResult::name),
        ),
        ("role", names(&Role::ALL, Role::name)),
        (
            "country_code",
            COUNTRY_CODES.iter().map(|c| (*c).to_owned()).collect(),
        ),
    ];
    for (definition, rust) in cases {
        assert_eq!(
            schema_enum(&format!("/$defs/{definition}")),
            rust,
            "{definition}"
        );
    }
    let actions: Vec<String> = every_action().iter().map(|a| a.name().to_owned()).collect();
    let mut unique = actions.clone();
    unique.dedup();
    assert_eq!(schema_enum("/$defs/event/properties/type"), unique);
    // The category vocabulary is the one of the design (R7), in its order.
    assert_eq!(Category::ALL.len(), 13);
}

fn schema_properties(pointer: &str) -> BTreeSet<String> {
    schema()
        .pointer(pointer)
        .and_then(|d| d.get("properties"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no properties at {pointer}"))
        .keys()
        .cloned()
        .collect()
}

fn members(document: &Value, pointer: &str) -> BTreeSet<String> {
    document
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no object at {pointer} in {document}"))
        .keys()
        .filter(|k| !k.starts_with("x-"))
        .cloned()
        .collect()
}

#[test]
fn members_agree() {
    // Values with every optional member present, so that the members Rust writes are all
    // the members the schema lists.
    let meta = value(&ScanMetadata::example());
    let full_annotation = value(&Annotation::example());
    let polygon = value(&annotations()[1]);
    let mask = value(&annotations()[2]);
    let every_event: Vec<Value> = events().iter().map(value).collect();
    let cases: Vec<(&str, &Value, &str)> = vec![
        ("", &meta, ""),
        ("/$defs/site", &meta, "/site"),
        ("/$defs/agency", &meta, "/agency"),
        ("/$defs/scanner", &meta, "/scanner"),
        ("/$defs/declaration", &meta, "/declaration"),
        ("/$defs/view_geometry", &meta, "/views/0"),
        ("/$defs/geometry_box", &full_annotation, "/geometry"),
        ("/$defs/geometry_polygon", &polygon, "/geometry"),
        ("/$defs/geometry_mask", &mask, "/geometry"),
        ("/$defs/annotation", &full_annotation, ""),
        ("/$defs/algorithm", &full_annotation, "/algorithm"),
        ("/$defs/inspection", &full_annotation, "/inspection"),
        ("/$defs/actor", &every_event[0], "/actor"),
        ("/$defs/removed_chunk", &every_event[2], "/removed/1"),
        (
            "/$defs/derive_operation/oneOf/0",
            &every_event[4],
            "/operation",
        ),
        (
            "/$defs/derive_operation/oneOf/1",
            &every_event[5],
            "/operation",
        ),
    ];
    for (definition, document, at) in cases {
        assert_eq!(
            schema_properties(definition),
            members(document, at),
            "{definition}"
        );
    }
    let personal = value(&PersonalData::example());
    assert_eq!(schema_properties("/$defs/personal"), members(&personal, ""));
    let plane = value(&PlaneAttributes::example_high_energy());
    assert_eq!(schema_properties("/$defs/plane"), members(&plane, ""));
    // The conveyance members, from a value that has both kinds of numbers.
    let mut conveyance = ScanMetadata::example();
    conveyance.conveyance.wagon_numbers = vec!["218124712173".to_owned()];
    assert_eq!(
        schema_properties("/$defs/conveyance"),
        members(&value(&conveyance), "/conveyance")
    );
    // Each event: the event's own members plus those of its action.
    let event_members = schema_properties("/$defs/event");
    for event in &every_event {
        let name = event["type"].as_str().unwrap_or_default().replace('-', "_");
        let mut expected = event_members.clone();
        expected.extend(schema_properties(&format!("/$defs/action_{name}")));
        assert_eq!(expected, members(event, ""), "{name}");
    }
}

// Random valid records: Rust accepts them, the schema accepts them, and they read back
// equal.

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\p{{Cc}}]{{1,{max}}}"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn uuid_strategy() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
}

/// Any time of the years 0000 to 9999, with 0 to 9 fraction digits (the text form keeps
/// them, so the JSON round trip must too).
fn time_strategy() -> impl Strategy<Value = scanx::Timestamp> {
    (
        -62_167_219_200i64..=253_402_300_799,
        prop::option::of("[0-9]{1,9}"),
    )
        .prop_map(|(seconds, fraction)| {
            let whole = scanx::Timestamp::from_unix_seconds(seconds);
            match fraction {
                Some(digits) => {
                    let text = format!("{}.{digits}Z", whole.to_string().trim_end_matches('Z'));
                    scanx::Timestamp::parse(&text).expect("a time with a fraction")
                }
                None => whole,
            }
        })
}

fn country() -> impl Strategy<Value = String> {
    prop::sample::select(COUNTRY_CODES).prop_map(str::to_owned)
}

fn container_number() -> impl Strategy<Value = String> {
    (
        "[A-Z]{3}",
        prop::sample::select(&['U', 'J', 'Z'][..]),
        0u32..1_000_000,
    )
        .prop_map(|(owner, category, serial)| {
            let prefix = format!("{owner}{category}{serial:06}");
            let check = checks::iso6346_check_digit(&prefix).unwrap_or(10);
            format!("{prefix}{check}")
        })
}

fn wagon_number() -> impl Strategy<Value = String> {
    "[0-9]{11}".prop_map(|first| {
        let check = checks::uic_wagon_check_digit(&first).unwrap_or(10);
        format!("{first}{check}")
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extensions() -> impl Strategy<Value = Extensions> {
    prop::collection::btree_map("x-[a-z0-9.-]{1,20}", json_value(), 0..4)
}

prop_compose! {
    fn scan_metadata()(
        scan_id in uuid_strategy(),
        time in time_strategy(),
        locode in (country(), "[A-Z2-9]{3}").prop_map(|(c, p)| format!("{c}{p}")),
        site_name in prop::option::of(text(256)),
        agency in (country(), text(256)),
        scanner in (text(256), text(256), text(64), text(64)),
        source_type in prop::sample::select(SourceType::ALL),
        energies_mev in prop::collection::vec(1e-9f64..=20.0, 1..=8),
        kind in prop::sample::select(ConveyanceKind::ALL),
        container_numbers in prop::collection::btree_set(container_number(), 0..5),
        wagon_numbers in prop::collection::btree_set(wagon_number(), 0..5),
        declaration in prop::option::of((
            text(64),
            prop::option::of(text(64)),
            prop::collection::btree_set("(0[1-9]|[1-9][0-9])[0-9]{4}([0-9]{2}){0,2}", 0..5),
            prop::option::of(country()),
            prop::option::of(country()),
        )),
        views in prop::collection::vec((
            prop::sample::select(View::ALL),
            prop::option::of(prop::sample::select(SourcePosition::ALL)),
            prop::option::of(prop::sample::select(ScanDirection::ALL)),
            prop::option::of(1e-6f64..=100.0),
            prop::option::of(1e-3f64..=1e6),
            prop::option::of(1e-3f64..=1e6),
            prop::option::of(-90.0f64..=90.0),
        ), 0..4),
        extensions in extensions(),
    ) -> ScanMetadata {
        let mut site = Site::new(locode);
        site.name = site_name;
        let scanner = Scanner::new(scanner.0, scanner.1, scanner.2, scanner.3, source_type, energies_mev);
        let mut conveyance = Conveyance::new(kind);
        conveyance.container_numbers = container_numbers.into_iter().collect();
        conveyance.wagon_numbers = wagon_numbers.into_iter().collect();
        let mut meta = ScanMetadata::new(time, site, Agency::new(agency.0, agency.1), scanner, conveyance)
            .with_scan_id(scan_id);
        meta.declaration = declaration.map(|(number, document, hs, origin, destination)| {
            let mut declaration = Declaration::default().with_declaration_number(number);
            declaration.transport_document = document;
            declaration.hs_codes = hs.into_iter().collect();
            declaration.origin_country = origin;
            declaration.destination_country = destination;
            declaration
        });
        meta.views = views
            .into_iter()
            .map(|(view, source_position, scan_direction, speed, object, detector, angle)| {
                let mut geometry = ViewGeometry::new(view);
                geometry.source_position = source_position;
                geometry.scan_direction = scan_direction;
                geometry.conveyance_speed_m_s = speed;
                geometry.distance_source_object_mm = object;
                geometry.distance_source_detector_mm = detector;
                geometry.beam_angle_deg = angle;
                geometry
            })
            .collect();
        meta.extensions = extensions;
        meta
    }
}

prop_compose! {
    fn annotation()(
        id in uuid_strategy(),
        plane in 0u16..=65535,
        geometry in prop_oneof![
            (any::<u32>(), any::<u32>(), 1u32.., 1u32..).prop_map(|(x, y, width, height)| {
                Geometry::BoundingBox { x, y, width, height }
            }),
            prop::collection::vec([0.0f64..=4_294_967_295.0, 0.0f64..=4_294_967_295.0], 3..20)
                .prop_map(|points| Geometry::Polygon { points }),
            (1u32..40, 1u32..40, any::<u64>()).prop_flat_map(|(width, height, seed)| {
                let pixels = u64::from(width * height);
                let bytes = usize::try_from(pixels.div_ceil(8)).unwrap_or(0);
                prop::collection::vec(any::<u8>(), bytes).prop_map(move |mut packed| {
                    if pixels % 8 != 0 {
                        if let Some(last) = packed.last_mut() {
                            *last &= !(0xFFu8 >> (pixels % 8));
                        }
                    }
                    Geometry::mask_from_bits(
                        u32::try_from(seed % 1000).unwrap_or(0),
                        7,
                        width,
                        height,
                        &packed,
                    )
                    .unwrap_or_else(|e| panic!("{e}"))
                })
            }),
        ],
        category in prop::sample::select(Category::ALL),
        label in prop::option::of(text(256)),
        confidence in prop::option::of(0.0f64..=1.0),
        source in prop::sample::select(AnnotationSource::ALL),
        algorithm in (text(256), text(64)),
        inspection in prop::option::of((
            prop::sample::select(InspectionResult::ALL),
            prop::option::of(time_strategy()),
            prop::option::of("[^\\p{Cc}\\t\\n]{1,100}|[a-z\\t\\n\\r]{1,50}"),
        )),
        created in time_strategy(),
        extensions in extensions(),
    ) -> Annotation {
        let mut record = Annotation::new(plane, geometry, category)
            .with_id(id)
            .with_source(source)
            .with_created(created);
        record.label = label;
        record.confidence = confidence;
        record.algorithm = (source == AnnotationSource::Algorithm)
            .then_some(AlgorithmInfo::new(algorithm.0, algorithm.1));
        record.inspection = inspection.map(|(result, time, notes)| {
            let mut outcome = InspectionOutcome::new(result);
            outcome.time = time;
            outcome.notes = notes;
            outcome
        });
        record.extensions = extensions;
        record
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_scan_metadata_round_trips(meta in scan_metadata()) {
        prop_assert!(meta.validate().is_ok(), "{:?}", meta.validate());
        let bytes = to_json(&meta);
        let back: ScanMetadata = from_json(&bytes, MAX_BYTES)
            .unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(&back, &meta);
        prop_assert_eq!(to_json(&back), bytes.clone());
        let document: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let errors = schema_errors(Record::Meta, &document);
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn random_annotations_round_trip(annotation in annotation()) {
        prop_assert!(annotation.validate().is_ok(), "{:?}", annotation.validate());
        let bytes = to_json(&annotation);
        let back: Annotation = from_json(&bytes, MAX_BYTES)
            .unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(&back, &annotation);
        prop_assert_eq!(to_json(&back), bytes.clone());
        let document: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let errors = schema_errors(Record::Anno, &document);
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn a_mistyped_serial_digit_is_caught(
        number in container_number(),
        position in 4usize..10,
        replacement in prop::char::range('0', '9'),
    ) {
        // Each serial digit weighs 2^position, a unit modulo 11, so changing it changes the
        // remainder; only the remainders 0 and 10 share a check digit (0).
        prop_assume!(!number.ends_with('0'));
        let mut changed: Vec<char> = number.chars().collect();
        let Some(slot) = changed.get_mut(position) else { return Ok(()) };
        prop_assume!(*slot != replacement);
        *slot = replacement;
        let changed: String = changed.into_iter().collect();
        prop_assert!(checks::is_valid_iso6346(&number));
        prop_assert!(!checks::is_valid_iso6346(&changed), "{} -> {}", number, changed);
    }
}
