//! Times: one [`Timestamp`] type for every time of the public API, and its text form.
//!
//! Every time scanx stores is UTC. Signatures and the trust store hold whole seconds since
//! the Unix epoch; metadata records (scan, event, annotation and inspection times) hold an
//! RFC 3339 text that may carry a fraction of a second (spec 6.3.4). A [`Timestamp`] is
//! either: the instant (seconds and nanoseconds) plus the number of fraction digits it is
//! written with, so a time read from a file is written back byte for byte
//! (`2026-03-01T08:16:02.350Z` stays `.350`, not `.35`).
//!
//! The text form is strict so that a time has one spelling per number of digits:
//! `YYYY-MM-DDTHH:MM:SS[.f]Z` with upper-case `T` and `Z`, no offset other than `Z`, 1 to 9
//! fraction digits if any, years 0000 to 9999 of the proleptic Gregorian calendar, a date
//! that exists (no February 30, February 29 only in leap years), hours 00-23, minutes and
//! seconds 00-59. Leap seconds (`:60`) are refused: scanx times are compared with
//! signature times counted in Unix seconds, which have no leap seconds.
//!
//! ```
//! use scanx::Timestamp;
//!
//! let t: Timestamp = "2026-03-01T08:16:02.350Z".parse()?;
//! assert_eq!(t.unix_seconds(), 1_772_352_962);
//! assert_eq!(t.subsec_nanos(), 350_000_000);
//! assert_eq!(t.to_string(), "2026-03-01T08:16:02.350Z");
//! // Equal instants are equal, whatever their spelling.
//! assert_eq!(t, Timestamp::parse("2026-03-01T08:16:02.35Z")?);
//! // Signature and trust-store times are whole seconds.
//! assert!(Timestamp::parse_whole_seconds("2026-03-01T08:16:02.350Z").is_err());
//! assert_eq!(
//!     Timestamp::from_unix_seconds(1_772_352_962).to_string(),
//!     "2026-03-01T08:16:02Z"
//! );
//! # Ok::<(), scanx::Error>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::{Error, Result};

const SECONDS_PER_DAY: i64 = 86_400;

/// Days from 1970-01-01 to 0000-03-01 in the proleptic Gregorian calendar (negated).
const EPOCH_SHIFT_DAYS: i64 = 719_468;
/// Days in one 400-year cycle of the Gregorian calendar.
const DAYS_PER_ERA: i64 = 146_097;

/// Length of `YYYY-MM-DDTHH:MM:SSZ`.
const WHOLE_SECONDS_LEN: usize = 20;

/// An instant in UTC, to the nanosecond, with the number of fraction digits (0 to 9) its
/// text form has.
///
/// `Copy`, and compared, ordered and hashed by instant only: `08:16:02.350Z` and
/// `08:16:02.35Z` are equal (and hash alike) though they print differently. Serialized
/// (serde) as its text form, which [`Display`](fmt::Display) gives and
/// [`Timestamp::parse`] (or [`FromStr`]) reads back to the same text.
///
/// Any `i64` of seconds is accepted by [`Timestamp::from_unix_seconds`], because a hostile
/// file may record any signature time. Outside the years 0000 to 9999 it is still
/// displayed, without panicking, with the ISO 8601 expanded year
/// (`+10000-01-01T00:00:00Z`, `-0001-12-31T23:59:59Z`), which the parsers refuse.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    seconds: i64,
    /// Below 10^9, and a multiple of 10^(9 - digits).
    nanos: u32,
    /// Fraction digits of the text form, 0 to 9.
    digits: u8,
}

impl Timestamp {
    /// The whole second `seconds` after the Unix epoch (before it if negative), written
    /// without a fraction.
    pub const fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp {
            seconds,
            nanos: 0,
            digits: 0,
        }
    }

    /// Now, from the system clock, to the whole second (as signatures record it); the
    /// epoch if the clock is before it.
    pub fn now() -> Timestamp {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp::from_unix_seconds(seconds)
    }

    /// Seconds since the Unix epoch, rounded down (a time before the epoch with a
    /// fraction gives the second before it: `1969-12-31T23:59:59.5Z` is -1).
    pub const fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds past [`Timestamp::unix_seconds`], below 10^9.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The number of fraction digits of the text form, 0 to 9.
    pub const fn fraction_digits(self) -> u8 {
        self.digits
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form of metadata times: a fraction of
    /// 1 to 9 digits is allowed and kept as written. Fails with `INVALID_ARGUMENT` on
    /// anything but the strict form the [module](self) describes.
    pub fn parse(text: &str) -> Result<Timestamp> {
        parse(text)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ`, the form of signature and trust-store times: as
    /// [`Timestamp::parse`], and a fraction of a second (even `.0`) fails with
    /// `INVALID_ARGUMENT`, so that text and seconds convert both ways without loss.
    pub fn parse_whole_seconds(text: &str) -> Result<Timestamp> {
        let time = parse(text)?;
        if text.len() != WHOLE_SECONDS_LEN {
            return Err(not_a_time(
                text,
                "a fraction of a second is not allowed here",
            ));
        }
        Ok(time)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Timestamp) -> bool {
        (self.seconds, self.nanos) == (other.seconds, other.nanos)
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Timestamp) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Timestamp) -> Ordering {
        (self.seconds, self.nanos).cmp(&(other.seconds, other.nanos))
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The fields equality looks at, and only those.
        (self.seconds, self.nanos).hash(state);
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    /// As [`Timestamp::parse`].
    fn from_str(text: &str) -> Result<Timestamp> {
        parse(text)
    }
}

impl fmt::Display for Timestamp {
    /// The text form: `YYYY-MM-DDTHH:MM:SSZ`, with `.` and
    /// [`Timestamp::fraction_digits`] digits before the `Z` if it has any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let hour = second_of_day / 3_600;
        let minute = second_of_day % 3_600 / 60;
        let second = second_of_day % 60;
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(f, "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")?;
        if self.digits > 0 {
            let fraction = format!("{:09}", self.nanos);
            f.write_str(".")?;
            f.write_str(
                fraction
                    .get(..usize::from(self.digits))
                    .unwrap_or(&fraction),
            )?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    /// Reads the text form as [`Timestamp::parse`] does (a fraction is allowed).
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse(&text).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

/// The one RFC 3339 parser of the crate.
fn parse(text: &str) -> Result<Timestamp> {
    let invalid = |why: &str| not_a_time(text, why);
    let b = text.as_bytes();
    if b.len() < WHOLE_SECONDS_LEN {
        return Err(invalid("too short"));
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    for (at, expected) in separators {
        if b.get(at) != Some(&expected) {
            return Err(invalid(&format!(
                "expected '{}' at position {at}",
                char::from(expected)
            )));
        }
    }
    let number = |from: usize, to: usize| -> Result<u32> {
        let digits = b.get(from..to).ok_or_else(|| invalid("too short"))?;
        decimal(digits).ok_or_else(|| invalid("expected a digit"))
    };
    let year = number(0, 4)?;
    let month = number(5, 7)?;
    let day = number(8, 10)?;
    let hour = number(11, 13)?;
    let minute = number(14, 16)?;
    let second = number(17, 19)?;
    let (nanos, digits) = match b.get(19..) {
        Some([b'Z']) => (0, 0),
        Some([b'.', fraction @ .., b'Z']) if (1..=9).contains(&fraction.len()) => {
            let value = decimal(fraction).ok_or_else(|| invalid("expected a digit"))?;
            // 9 - len is at most 8, so the factor fits a u32 and the product is < 10^9.
            let len = fraction.len() as u32;
            (value * 10u32.pow(9 - len), len as u8)
        }
        _ => {
            return Err(invalid(
                "expected 'Z' or 1 to 9 fraction digits then 'Z' at position 19",
            ))
        }
    };

    if !(1..=12).contains(&month) {
        return Err(invalid("month out of range"));
    }
    if day < 1 || day > days_in_month(i64::from(year), month) {
        return Err(invalid("day out of range for the month"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(invalid("time of day out of range"));
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * SECONDS_PER_DAY
        + i64::from(hour) * 3_600
        + i64::from(minute) * 60
        + i64::from(second);
    Ok(Timestamp {
        seconds,
        nanos,
        digits,
    })
}

/// The value of at most nine ASCII digits; `None` if any byte is not one.
fn decimal(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

fn not_a_time(text: &str, why: &str) -> Error {
    Error::invalid_argument(format!(
        "{text:?} is not a time of the form YYYY-MM-DDTHH:MM:SSZ: {why}"
    ))
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's algorithm:
/// the year is counted from March so the leap day falls at its end).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT_DAYS
}

/// The inverse of [`days_from_civil`], for any day an `i64` of seconds can reach.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // |days| <= i64::MAX / 86 400, so neither the shift nor the era product overflows.
    let shifted = days + EPOCH_SHIFT_DAYS;
    let era = shifted.div_euclid(DAYS_PER_ERA);
    let day_of_era = shifted - era * DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // day is in 1..=31 and month in 1..=12 by construction.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_rfc3339_utc(text: &str) -> Result<i64> {
        Timestamp::parse_whole_seconds(text).map(Timestamp::unix_seconds)
    }

    fn parse_rfc3339_utc_nanos(text: &str) -> Result<(i64, u32)> {
        Timestamp::parse(text).map(|t| (t.unix_seconds(), t.subsec_nanos()))
    }

    fn format_rfc3339_utc(seconds: i64) -> String {
        Timestamp::from_unix_seconds(seconds).to_string()
    }

    #[test]
    fn fractions_are_written_back_as_read() {
        for text in [
            "2026-03-01T08:16:02.350Z",
            "2026-03-01T08:16:02.35Z",
            "2026-03-01T08:16:02.0Z",
            "2026-03-01T08:16:02.000000000Z",
            "2026-03-01T08:16:02.000000001Z",
            "1969-12-31T23:59:59.5Z",
            "2026-03-01T08:16:02Z",
        ] {
            let t = Timestamp::parse(text).ok();
            assert_eq!(t.map(|t| t.to_string()).as_deref(), Some(text));
            let json = serde_json::to_string(&t).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""));
            let back: Option<Timestamp> = serde_json::from_str(&json).ok();
            assert_eq!(back.map(|t| t.to_string()).as_deref(), Some(text));
        }
        assert!(serde_json::from_str::<Timestamp>("\"2023-02-29T00:00:00Z\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("0").is_err());
    }

    #[test]
    fn equal_by_instant_whatever_the_digits() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |t: Timestamp| {
            let mut h = DefaultHasher::new();
            t.hash(&mut h);
            h.finish()
        };
        let pairs = [
            ("2026-03-01T08:16:02.350Z", "2026-03-01T08:16:02.35Z"),
            ("2026-03-01T08:16:02Z", "2026-03-01T08:16:02.000Z"),
        ];
        for (a, b) in pairs {
            let (Ok(a), Ok(b)) = (Timestamp::parse(a), Timestamp::parse(b)) else {
                panic!("both parse");
            };
            assert_eq!(a, b);
            assert_eq!(a.cmp(&b), Ordering::Equal);
            assert_eq!(hash(a), hash(b));
            assert_ne!(a.to_string(), b.to_string());
        }
        let earlier = Timestamp::parse("2026-03-01T08:16:02.35Z").ok();
        let later = Timestamp::parse("2026-03-01T08:16:02.351Z").ok();
        assert!(earlier < later);
        assert!(Timestamp::from_unix_seconds(-1) < Timestamp::from_unix_seconds(0));
        let before_epoch = Timestamp::parse("1969-12-31T23:59:59.5Z").ok();
        assert!(before_epoch < Some(Timestamp::from_unix_seconds(0)));
        assert!(before_epoch > Some(Timestamp::from_unix_seconds(-1)));
    }

    #[test]
    fn known_instants() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1),
            ("2000-02-29T12:34:56Z", 951_827_696),
            ("2024-06-30T23:59:59Z", 1_719_791_999),
            ("2038-01-19T03:14:08Z", 1 << 31),
            ("0000-01-01T00:00:00Z", -62_167_219_200),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
        ];
        for (text, seconds) in cases {
            assert_eq!(parse_rfc3339_utc(text).ok(), Some(seconds), "{text}");
            assert_eq!(format_rfc3339_utc(seconds), text);
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        // 1900..2300 covers all leap-year rules (1900 and 2100 are not leap years, 2000 is).
        let start = parse_rfc3339_utc("1900-01-01T00:00:00Z").ok();
        let end = parse_rfc3339_utc("2300-01-01T00:00:00Z").ok();
        let (Some(start), Some(end)) = (start, end) else {
            panic!("bounds must parse");
        };
        let mut t = start;
        let mut previous_day = None;
        while t < end {
            let text = format_rfc3339_utc(t + 43_261);
            assert_eq!(parse_rfc3339_utc(&text).ok(), Some(t + 43_261), "{text}");
            assert!(text.ends_with("T12:01:01Z"));
            assert_ne!(previous_day.as_deref(), Some(&text[..10]));
            previous_day = Some(text[..10].to_string());
            t += SECONDS_PER_DAY;
        }
        assert_eq!(previous_day.as_deref(), Some("2299-12-31"));
    }

    #[test]
    fn rejects_everything_but_the_strict_form() {
        for text in [
            "",
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01t00:00:00Z",
            "2024-01-01T00:00:00z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00+00:00",
            "2024-01-01T00:00:00.5Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2016-12-31T23:59:60Z",
            "+2024-01-01T00:00:00Z",
            "2O24-01-01T00:00:00Z",
            "2024-01-01T00:00:\u{e9}Z",
        ] {
            let err = parse_rfc3339_utc(text).err().map(|e| e.kind());
            assert_eq!(
                err,
                Some(crate::ErrorKind::InvalidArgument),
                "{text:?} must be rejected"
            );
        }
        assert!(parse_rfc3339_utc("2024-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn fractions_are_read_to_the_nanosecond_and_only_where_allowed() {
        let cases = [
            ("2026-03-01T08:15:30Z", (1_772_352_930, 0)),
            ("2026-03-01T08:15:30.25Z", (1_772_352_930, 250_000_000)),
            ("2026-03-01T08:15:30.000000001Z", (1_772_352_930, 1)),
            ("1969-12-31T23:59:59.999999999Z", (-1, 999_999_999)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_rfc3339_utc_nanos(text).ok(), Some(expected), "{text}");
        }
        for text in [
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.1234567890Z",
            "2026-01-01T00:00:00.1aZ",
            "2026-01-01T00:00:00.5",
            "2026-01-01T00:00:00ZZ",
            "2026-01-01T00:00:00,5Z",
        ] {
            assert!(parse_rfc3339_utc_nanos(text).is_err(), "{text}");
        }
        // Whole seconds only: even a zero fraction is a second spelling of the instant.
        assert!(parse_rfc3339_utc("2026-03-01T08:15:30.0Z").is_err());
        assert!(parse_rfc3339_utc("2026-03-01T08:15:30.25Z").is_err());
        // Every strict rejection is a rejection with a fraction as well.
        assert!(parse_rfc3339_utc_nanos("2023-02-29T00:00:00.5Z").is_err());
        assert!(parse_rfc3339_utc_nanos("2024-01-01T00:60:00.5Z").is_err());
    }

    #[test]
    fn extreme_values_format_without_panicking() {
        assert_eq!(
            format_rfc3339_utc(253_402_300_800),
            "+10000-01-01T00:00:00Z"
        );
        assert_eq!(format_rfc3339_utc(-62_167_219_201), "-0001-12-31T23:59:59Z");
        for t in [i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1] {
            let text = format_rfc3339_utc(t);
            assert!(parse_rfc3339_utc(&text).is_err(), "{text}");
        }
        assert_eq!(
            format_rfc3339_utc(i64::MAX),
            "+292277026596-12-04T15:30:07Z"
        );
    }
}
