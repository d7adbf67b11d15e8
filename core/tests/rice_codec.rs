//! Codec 3, `rice`: random rasters of every sample type and size round-trip, and hostile
//! streams are refused with `CODEC_ERROR`, never a panic.

use proptest::prelude::*;
use scanx::pixels::{decode_tile, encode_tile, Codec, Encoding, SampleType};
use scanx::ErrorKind;

fn rice() -> Encoding {
    Encoding::new(Vec::new(), Codec::Rice)
}

fn sample_type() -> impl Strategy<Value = SampleType> {
    prop_oneof![
        Just(SampleType::U8),
        Just(SampleType::U16),
        Just(SampleType::U32),
        Just(SampleType::F32),
    ]
}

/// Samples of `bytes` bytes: random bytes, smooth values, or all equal.
fn raster(n: usize, kind: u8, seed: u64) -> Vec<u8> {
    // A linear congruential generator (Knuth's MMIX constants), its high bits.
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 24
    };
    match kind % 3 {
        0 => (0..n).map(|_| next() as u8).collect(),
        1 => {
            let mut v = 0u8;
            (0..n)
                .map(|_| {
                    v = v.wrapping_add((next() % 3) as u8);
                    v
                })
                .collect()
        }
        _ => vec![(seed & 0xff) as u8; n],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_tiles_round_trip(
        t in sample_type(),
        w in 1u32..40,
        h in 1u32..40,
        kind in any::<u8>(),
        seed in any::<u64>(),
    ) {
        let bps = t.bytes_per_sample();
        let data = raster(w as usize * h as usize * bps, kind, seed);
        let encoded = encode_tile(&data, t, w, h, &rice()).expect("encode");
        let decoded = decode_tile(&encoded, t, w, h, &[], Codec::Rice).expect("decode");
        prop_assert_eq!(decoded, data);
    }

    #[test]
    fn changed_streams_never_panic(
        t in sample_type(),
        w in 1u32..24,
        h in 1u32..24,
        seed in any::<u64>(),
        position in any::<usize>(),
        flip in 1u8..=255,
        cut in any::<usize>(),
    ) {
        let bps = t.bytes_per_sample();
        let data = raster(w as usize * h as usize * bps, seed as u8, seed);
        let mut encoded = encode_tile(&data, t, w, h, &rice()).expect("encode");
        let at = position % encoded.len();
        encoded[at] ^= flip;
        encoded.truncate(encoded.len() - cut % 3);
        if let Err(e) = decode_tile(&encoded, t, w, h, &[], Codec::Rice) {
            prop_assert_eq!(e.kind(), ErrorKind::CodecError);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        t in sample_type(),
        w in 1u32..16,
        h in 1u32..16,
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        if let Err(e) = decode_tile(&bytes, t, w, h, &[], Codec::Rice) {
            prop_assert_eq!(e.kind(), ErrorKind::CodecError);
        }
    }
}

#[test]
fn cuts_and_additions_are_codec_errors() {
    for t in [SampleType::U8, SampleType::U16, SampleType::U32] {
        for (w, h) in [(1, 1), (1, 9), (9, 1), (17, 5)] {
            let bps = t.bytes_per_sample();
            let data = raster(w as usize * h as usize * bps, 0, 99);
            let encoded = encode_tile(&data, t, w, h, &rice()).expect("encode");
            for cut in 0..encoded.len() {
                let e = decode_tile(&encoded[..cut], t, w, h, &[], Codec::Rice).err();
                assert_eq!(
                    e.map(|e| e.kind()),
                    Some(ErrorKind::CodecError),
                    "cut {cut}"
                );
            }
            for extra in [0u8, 1, 0x80] {
                let mut longer = encoded.clone();
                longer.push(extra);
                let e = decode_tile(&longer, t, w, h, &[], Codec::Rice).err();
                assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::CodecError));
            }
        }
    }
}

#[test]
fn a_hostile_unary_length_is_refused() {
    let data = vec![7u8; 64];
    let mut encoded = encode_tile(&data, SampleType::U16, 8, 4, &rice()).expect("encode");
    for length in [u64::MAX, 1 << 32, encoded.len() as u64] {
        encoded[..8].copy_from_slice(&length.to_le_bytes());
        let e = decode_tile(&encoded, SampleType::U16, 8, 4, &[], Codec::Rice).err();
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::CodecError));
    }
}
