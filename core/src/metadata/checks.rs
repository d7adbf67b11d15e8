//! Code shapes and check digits: container and wagon numbers, UN/LOCODE, country codes,
//! UUIDs, HS codes and hexadecimal digests ([`crate::Timestamp::parse`] checks times).
//!
//! Each function answers for one string and never panics; validation uses them, and so can a
//! command-line tool checking what an operator typed. The stored form of every code is
//! strict (no spaces, fixed case): the `normalize_*` helpers turn what people write into it.

pub use super::countries::COUNTRY_CODES;

/// ISO 6346 values of the letters A..Z: 10 upwards, skipping the multiples of 11 (11, 22, 33)
/// so that no letter weighs the same as a single-digit remainder.
const ISO6346_LETTER_VALUES: [u32; 26] = [
    10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36,
    37, 38,
];

/// The ISO 6346 check digit for the first ten characters of a container number: a
/// three-letter owner code, the equipment category (`U` freight container, `J` detachable
/// container-related equipment, `Z` trailer or chassis) and a six-digit serial number.
///
/// Returns `None` if `prefix` does not have that shape. Each character's value (letters
/// 10..38 without multiples of 11, digits their own value) is weighted by 2^position; the
/// sum modulo 11, then modulo 10, is the check digit.
///
/// ```
/// assert_eq!(scanx::metadata::checks::iso6346_check_digit("CSQU305438"), Some(3));
/// ```
pub fn iso6346_check_digit(prefix: &str) -> Option<u8> {
    let bytes = prefix.as_bytes();
    if bytes.len() != 10 {
        return None;
    }
    let mut sum: u32 = 0;
    for (position, &c) in bytes.iter().enumerate() {
        let value = match position {
            0..=2 if c.is_ascii_uppercase() => ISO6346_LETTER_VALUES[usize::from(c - b'A')],
            3 if matches!(c, b'U' | b'J' | b'Z') => ISO6346_LETTER_VALUES[usize::from(c - b'A')],
            4..=9 if c.is_ascii_digit() => u32::from(c - b'0'),
            _ => return None,
        };
        sum += value << position;
    }
    // The sum is at most 38 * 1023, so the remainders fit a digit after `% 10`.
    u8::try_from(sum % 11 % 10).ok()
}

/// True for an ISO 6346 container number in stored form: 11 characters, no spaces, upper
/// case, with the correct check digit (for example `CSQU3054383`).
pub fn is_valid_iso6346(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.get(..10), bytes.get(10), bytes.len()) {
        (Some(prefix), Some(&last), 11) if last.is_ascii_digit() => {
            let prefix = std::str::from_utf8(prefix).unwrap_or("");
            iso6346_check_digit(prefix) == Some(last - b'0')
        }
        _ => false,
    }
}

/// Turns a container number as people write it (`csqu 305438 3`, `CSQU 305438-3`) into the
/// stored form, if it is valid.
pub fn normalize_iso6346(input: &str) -> Option<String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    is_valid_iso6346(&compact).then_some(compact)
}

/// The check digit of a UIC wagon number from its first eleven digits: each digit is
/// multiplied by 2, 1, 2, 1, ... from the left, the decimal digits of the products are
/// summed, and the check digit brings that sum up to the next multiple of ten.
///
/// ```
/// assert_eq!(scanx::metadata::checks::uic_wagon_check_digit("21812471217"), Some(3));
/// ```
pub fn uic_wagon_check_digit(first_eleven: &str) -> Option<u8> {
    let bytes = first_eleven.as_bytes();
    if bytes.len() != 11 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .enumerate()
        .map(|(position, &c)| {
            let weight = if position % 2 == 0 { 2 } else { 1 };
            let product = u32::from(c - b'0') * weight;
            product / 10 + product % 10
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// True for a UIC wagon number in stored form: exactly 12 ASCII digits, no spaces or
/// hyphens, the last one the check digit (for example `218124712173`, printed on the wagon
/// as `21 81 2471 217-3`).
pub fn is_valid_uic_wagon(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.get(..11), bytes.get(11), bytes.len()) {
        (Some(first), Some(&last), 12) if last.is_ascii_digit() => {
            let first = std::str::from_utf8(first).unwrap_or("");
            uic_wagon_check_digit(first) == Some(last - b'0')
        }
        _ => false,
    }
}

/// Turns a wagon number as printed (`21 81 2471 217-3`) into the stored form, if it is valid.
pub fn normalize_uic_wagon(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    is_valid_uic_wagon(&compact).then_some(compact)
}

/// True for an officially assigned ISO 3166-1 alpha-2 code in upper case (see
/// [`COUNTRY_CODES`]).
pub fn is_country_code(s: &str) -> bool {
    COUNTRY_CODES.binary_search(&s).is_ok()
}

/// True for a UN/LOCODE in stored form: an assigned ISO 3166-1 alpha-2 country code followed
/// by three characters from `A`-`Z` and `2`-`9`, no space (for example `BEANR`, Antwerp).
/// Whether the location is actually listed by UNECE is not checked: the list changes twice
/// a year and a file must not become invalid when it does.
pub fn is_locode(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (s.get(..2), bytes.get(2..), bytes.len()) {
        (Some(country), Some(place), 5) => {
            is_country_code(country)
                && place
                    .iter()
                    .all(|&c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(&c))
        }
        _ => false,
    }
}

/// True for a UUID in canonical lower-case form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
/// Any version and variant is accepted; upper case, braces and URNs are not.
pub fn is_uuid(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => is_lower_hex_digit(c),
        })
}

/// True for a Harmonized System code written as 6, 8 or 10 digits without dots or spaces
/// (the HS subheading, the 8-digit CN or NCM, or a 10-digit national tariff code). The
/// chapter (first two digits) cannot be `00`.
pub fn is_hs_code(s: &str) -> bool {
    let bytes = s.as_bytes();
    matches!(bytes.len(), 6 | 8 | 10)
        && bytes.iter().all(u8::is_ascii_digit)
        && !bytes.starts_with(b"00")
}

/// True if `s` is exactly `len` lower-case hexadecimal digits.
pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(is_lower_hex_digit)
}

fn is_lower_hex_digit(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso6346_known_numbers() {
        // The example of ISO 6346 itself, the one of the BIC registry, a number seen on a
        // real container; each also checked by an independent formulation below.
        for valid in ["CSQU3054383", "BICU1234565", "MSKU9070323"] {
            assert!(is_valid_iso6346(valid), "{valid}");
            assert!(iso6346_reference(valid), "{valid}");
        }
        // Check digit 0 comes from a remainder of 10 as well as of 0.
        assert_eq!(iso6346_check_digit("MSCU663987"), Some(0));
        assert!(!iso6346_reference("TGHU7758940") && !is_valid_iso6346("TGHU7758940"));
        assert!(is_valid_iso6346("CSQU3054383"));
        assert_eq!(iso6346_check_digit("CSQU305438"), Some(3));
        for invalid in [
            "CSQU3054384", // wrong check digit
            "CSQX3054383", // category X does not exist
            "CSQR3054383", // nor R
            "csqu3054383", // stored form is upper case
            "CSQU 305438 3",
            "CSQU305438",
            "CSQU30543833",
            "C5QU3054383",
            "ÇSQU3054383",
            "",
        ] {
            assert!(!is_valid_iso6346(invalid), "{invalid}");
        }
        assert_eq!(
            normalize_iso6346("csqu 305438-3").as_deref(),
            Some("CSQU3054383")
        );
        assert_eq!(normalize_iso6346("csqu 305438-4"), None);
    }

    /// A second, independent formulation of ISO 6346 (letter values by counting).
    fn iso6346_reference(s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 11 {
            return false;
        }
        let letter_value = |c: char| {
            let mut value = 10;
            for letter in 'A'..=c {
                if value % 11 == 0 {
                    value += 1;
                }
                if letter == c {
                    break;
                }
                value += 1;
            }
            value
        };
        let mut sum = 0u32;
        for (i, &c) in chars.iter().take(10).enumerate() {
            let v = if c.is_ascii_digit() {
                c.to_digit(10).unwrap_or(0)
            } else {
                letter_value(c)
            };
            sum += v * (1 << i);
        }
        chars[10].to_digit(10) == Some(sum % 11 % 10)
    }

    #[test]
    fn iso6346_letter_table_matches_its_rule() {
        let mut value = 10;
        for (i, &expected) in ISO6346_LETTER_VALUES.iter().enumerate() {
            if value % 11 == 0 {
                value += 1;
            }
            assert_eq!(expected, value, "letter {}", (b'A' + i as u8) as char);
            value += 1;
        }
    }

    #[test]
    fn uic_known_numbers() {
        // The first is the worked example of the UIC numbering scheme; the check digits of
        // the others were computed from the rule (products 2,1,2,1,... and their digit sums).
        for printed in ["21 81 2471 217-3", "31 80 6650 001-4", "33 87 4950 003-3"] {
            assert!(normalize_uic_wagon(printed).is_some(), "{printed}");
        }
        assert_eq!(
            normalize_uic_wagon("31 80 6650 001-4").as_deref(),
            Some("318066500014")
        );
        assert_eq!(normalize_uic_wagon("31 80 6650 001-3"), None);
        assert!(is_valid_uic_wagon("218124712173"));
        assert!(!is_valid_uic_wagon("218124712174"));
        assert!(!is_valid_uic_wagon("21 81 2471 217-3"));
        assert!(!is_valid_uic_wagon("21812471217"));
        assert!(!is_valid_uic_wagon("2181247121730"));
        assert!(!is_valid_uic_wagon("21812471217a"));
        assert_eq!(uic_wagon_check_digit("00000000000"), Some(0));
    }

    #[test]
    fn codes() {
        assert!(is_country_code("BE") && is_country_code("BR") && is_country_code("NL"));
        assert!(!is_country_code("XK") && !is_country_code("EU") && !is_country_code("be"));
        assert!(!is_country_code("UK") && !is_country_code("B") && !is_country_code("BEL"));
        assert_eq!(COUNTRY_CODES.len(), 249);
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_locode("BEANR") && is_locode("NLRTM") && is_locode("BRSSZ"));
        assert!(is_locode("DEHA2"));
        assert!(!is_locode("BEAN1") && !is_locode("XXANR") && !is_locode("BE ANR"));
        assert!(!is_locode("beanr") && !is_locode("BEAN") && !is_locode("BéANR"));
        assert!(is_uuid("0b7c8e2a-5f3d-4c1e-9a6b-2d4f8e1c3a57"));
        assert!(!is_uuid("0B7C8E2A-5F3D-4C1E-9A6B-2D4F8E1C3A57"));
        assert!(!is_uuid("0b7c8e2a5f3d4c1e9a6b2d4f8e1c3a57"));
        assert!(!is_uuid("{0b7c8e2a-5f3d-4c1e-9a6b-2d4f8e1c3a5}"));
        assert!(is_hs_code("851713") && is_hs_code("85171300") && is_hs_code("8517130000"));
        assert!(!is_hs_code("8517.13") && !is_hs_code("8517130") && !is_hs_code("001234"));
        assert!(is_hex("00ff", 4) && !is_hex("00FF", 4) && !is_hex("00f", 4));
    }
}
