//! Invalid JSON payloads (`META`, `PERS`, `PLAN` attributes, `ANNO`, `EVNT`): not UTF-8,
//! not JSON, or breaking the schema. Each is resealed, so the manifest lists the altered
//! payload's digest and the payload is the only defect.

use scanx::container::chunk::ChunkType;
use scanx::{ErrorKind, Result};

use crate::scans::base;
use crate::surgery::Surgery;
use crate::vector::{Context, Expect, Verdict, Vector};

/// The payload vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "meta-invalid-utf8",
        expect: Expect::Invalid(ErrorKind::InvalidUtf8),
        verify: Verdict::FORMAT_ERROR,
        comment: "scan metadata that is not UTF-8",
        recipe: "base file; in META the 'e' of \"Acme\" replaced by the lone byte FF; resealed",
        make: meta_invalid_utf8,
    },
    Vector {
        name: "meta-invalid-json",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "scan metadata that is not JSON: the closing brace is missing",
        recipe: "base file; the last byte of META ('}') removed; resealed",
        make: meta_invalid_json,
    },
    Vector {
        name: "meta-duplicate-member",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "an object naming a member twice, which two readers could resolve differently",
        recipe: "base file; in META, \"time\":\"2026-03-01T08:15:30Z\" followed by a second \"time\" member; resealed",
        make: meta_duplicate_member,
    },
    Vector {
        name: "meta-too-deep",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "JSON nested 200 levels deep in a vendor extension, over the limit of 128",
        recipe: "base file; the value of x-acme-lane in META replaced by 200 nested arrays; resealed",
        make: meta_too_deep,
    },
    Vector {
        name: "meta-nesting-at-limit",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "JSON nested exactly 127 levels deep, the most allowed: the META object is level 1, a scalar is no level",
        recipe: "base file; the value of x-acme-lane in META replaced by 126 nested arrays around the number 1; resealed",
        make: meta_nesting_at_limit,
    },
    Vector {
        name: "meta-nesting-past-limit",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "JSON nested 128 levels deep, one past the limit",
        recipe: "base file; the value of x-acme-lane in META replaced by 127 nested arrays around the number 1; resealed",
        make: meta_nesting_past_limit,
    },
    Vector {
        name: "meta-number-overflow",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "a number beyond the range of binary64 (1e400) in a vendor extension",
        recipe: "base file; the value of x-acme-lane in META replaced by 1e400; resealed",
        make: meta_number_overflow,
    },
    Vector {
        name: "meta-number-too-long",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "an integer of 1000 digits in a vendor extension: a number's text has at most 64 characters",
        recipe: "base file; the value of x-acme-lane in META replaced by 1 followed by 999 zeros; resealed",
        make: meta_number_too_long,
    },
    Vector {
        name: "meta-number-at-length-limit",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a number of exactly 64 characters, the longest allowed",
        recipe: "base file; the value of x-acme-lane in META replaced by 1. followed by 62 zeros; resealed",
        make: meta_number_at_length_limit,
    },
    Vector {
        name: "meta-lone-surrogate",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "a string escaping a lone surrogate, which is no Unicode scalar value",
        recipe: "base file; the value of x-acme-lane in META replaced by the string \"\\ud800\" (the six characters of the escape); resealed",
        make: meta_lone_surrogate,
    },
    Vector {
        name: "meta-duplicate-member-escaped",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "an object naming a member twice, once with an escape: names are compared after unescaping",
        recipe: "base file; in META, \"x-acme-l\\u0061ne\":1 (with the six characters of the escape) added after the x-acme-lane member; resealed",
        make: meta_duplicate_member_escaped,
    },
    Vector {
        name: "evnt-key-id-trailing-newline",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "an actor key id of 32 hexadecimal digits followed by a line feed, which a pattern ending in $ accepts in Python, PCRE and Java",
        recipe: "base file; in EVNT the escape \\n (two characters) appended to the value of key_id; resealed",
        make: evnt_key_id_trailing_newline,
    },
    Vector {
        name: "meta-container-check-digit",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "an ISO 6346 container number with a wrong check digit",
        recipe: "base file; container number CSQU3054383 in META changed to CSQU3054384; resealed",
        make: meta_container_check_digit,
    },
    Vector {
        name: "meta-unknown-member",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "a member the schema does not define and that is not an x- extension",
        recipe: "base file; \"colour\":\"red\" added at the start of the META object; resealed",
        make: meta_unknown_member,
    },
    Vector {
        name: "meta-time-not-utc",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "a scan time with an offset instead of Z (times are UTC)",
        recipe: "base file; META time 2026-03-01T08:15:30Z changed to 2026-03-01T09:15:30+01:00; resealed",
        make: meta_time_not_utc,
    },
    Vector {
        name: "pers-invalid-json",
        expect: Expect::Invalid(ErrorKind::InvalidJson),
        verify: Verdict::FORMAT_ERROR,
        comment: "personal data that is not JSON",
        recipe: "base file; the first byte of the PERS JSON ('{') replaced by '['; resealed",
        make: pers_invalid_json,
    },
    Vector {
        name: "pers-shorter-than-salt",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a PERS payload shorter than its 16-byte salt",
        recipe: "base file; the PERS payload cut to 10 bytes; resealed",
        make: pers_shorter_than_salt,
    },
    Vector {
        name: "plan-attributes-schema",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "plane attributes with a pixel spacing of 0 mm",
        recipe: "base file; pixel_spacing_mm [5.0,5.0] in the PLAN attributes changed to [0.0,5.0]; resealed",
        make: plan_attributes_schema,
    },
    Vector {
        name: "anno-category-unknown",
        expect: Expect::Invalid(ErrorKind::SchemaViolation),
        verify: Verdict::FORMAT_ERROR,
        comment: "an annotation category outside the controlled vocabulary",
        recipe: "base file; category \"narcotics\" in ANNO changed to \"smuggling\"; resealed",
        make: anno_category_unknown,
    },
    Vector {
        name: "evnt-invalid-utf8",
        expect: Expect::Invalid(ErrorKind::InvalidUtf8),
        verify: Verdict::FORMAT_ERROR,
        comment: "an event holding an overlong UTF-8 encoding of '/'",
        recipe: "base file; in EVNT the type \"capture\" changed to \"captur\" followed by C0 AF; resealed",
        make: evnt_invalid_utf8,
    },
];

/// The base file with `from` replaced by `to` in the first chunk of type `t`, resealed.
fn replace(ctx: &Context, t: ChunkType, from: &[u8], to: &[u8]) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(t)?;
    s.replace(i, from, to)?;
    s.reseal()
}

fn meta_invalid_utf8(ctx: &Context) -> Result<Vec<u8>> {
    replace(ctx, ChunkType::META, b"\"Acme ", b"\"Acm\xff ")
}

fn meta_invalid_json(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(ChunkType::META)?;
    s.payload_mut(i)?.pop();
    s.reseal()
}

fn meta_duplicate_member(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::META,
        b"\"time\":\"2026-03-01T08:15:30Z\"",
        b"\"time\":\"2026-03-01T08:15:30Z\",\"time\":\"2026-03-02T08:15:30Z\"",
    )
}

fn meta_too_deep(ctx: &Context) -> Result<Vec<u8>> {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    replace(
        ctx,
        ChunkType::META,
        b"\"x-acme-lane\":{\"lane\":2,\"operator_console\":\"B\"}",
        format!("\"x-acme-lane\":{deep}").as_bytes(),
    )
}

/// The base file with the value of x-acme-lane in META replaced by `value`, resealed.
fn with_lane(ctx: &Context, value: &str) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::META,
        LANE,
        format!("\"x-acme-lane\":{value}").as_bytes(),
    )
}

const LANE: &[u8] = b"\"x-acme-lane\":{\"lane\":2,\"operator_console\":\"B\"}";

fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

fn meta_nesting_at_limit(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, &nested(126))
}

fn meta_nesting_past_limit(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, &nested(127))
}

fn meta_number_overflow(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, "1e400")
}

fn meta_number_too_long(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, &format!("1{}", "0".repeat(999)))
}

fn meta_number_at_length_limit(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, &format!("1.{}", "0".repeat(62)))
}

fn meta_lone_surrogate(ctx: &Context) -> Result<Vec<u8>> {
    with_lane(ctx, "\"\\ud800\"")
}

fn meta_duplicate_member_escaped(ctx: &Context) -> Result<Vec<u8>> {
    let mut to = LANE.to_vec();
    to.extend_from_slice(b",\"x-acme-l\\u0061ne\":1");
    replace(ctx, ChunkType::META, LANE, &to)
}

fn evnt_key_id_trailing_newline(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(ChunkType::EVNT)?;
    let payload = s.payload_mut(i)?;
    let text = String::from_utf8(payload.clone())
        .map_err(|_| scanx::Error::invalid_argument("EVNT is not UTF-8"))?;
    let at = text
        .find("\"key_id\":\"")
        .ok_or_else(|| scanx::Error::invalid_argument("no key_id"))?
        + "\"key_id\":\"".len()
        + 32;
    payload.splice(at..at, b"\\n".iter().copied());
    s.reseal()
}

fn meta_container_check_digit(ctx: &Context) -> Result<Vec<u8>> {
    replace(ctx, ChunkType::META, b"CSQU3054383", b"CSQU3054384")
}

fn meta_unknown_member(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::META,
        b"{\"scan_id\"",
        b"{\"colour\":\"red\",\"scan_id\"",
    )
}

fn meta_time_not_utc(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::META,
        b"2026-03-01T08:15:30Z",
        b"2026-03-01T09:15:30+01:00",
    )
}

fn pers_invalid_json(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(ChunkType::PERS)?;
    crate::surgery::overwrite(s.payload_mut(i)?, 16, b"[")?;
    s.reseal()
}

fn pers_shorter_than_salt(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(ChunkType::PERS)?;
    s.payload_mut(i)?.truncate(10);
    s.reseal()
}

fn plan_attributes_schema(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::PLAN,
        b"\"pixel_spacing_mm\":[5.0,5.0]",
        b"\"pixel_spacing_mm\":[0.0,5.0]",
    )
}

fn anno_category_unknown(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::ANNO,
        b"\"category\":\"narcotics\"",
        b"\"category\":\"smuggling\"",
    )
}

fn evnt_invalid_utf8(ctx: &Context) -> Result<Vec<u8>> {
    replace(
        ctx,
        ChunkType::EVNT,
        b"\"type\":\"capture\"",
        b"\"type\":\"captur\xc0\xaf\"",
    )
}
