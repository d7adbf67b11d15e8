"""The integrity check on by default: altered chunks refused at open or as they are read,
turned off with check_digests=False; the editor refusing a file that does not verify;
verifying and reading in one pass."""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path

import numpy as np
import pytest

import scanx

from conftest import SIGN_TIME, VECTORS, expectation

TILE_FLIP = VECTORS / "valid" / "tampered-byte-flip-in-tile.scx"
META_FLIP = VECTORS / "valid" / "tampered-byte-flip-in-metadata.scx"


def assert_tile_mismatch(err: scanx.ScanxError) -> None:
    assert type(err) is scanx.VerificationError
    assert (err.code, err.kind, err.chunk) == (700, "DIGEST_MISMATCH", "TILE"), err
    assert isinstance(err.offset, int)


def test_a_flipped_tile_opens_but_does_not_read_by_default() -> None:
    sources = [TILE_FLIP, TILE_FLIP.read_bytes(), io.BytesIO(TILE_FLIP.read_bytes())]
    for source in sources:
        with scanx.open(source) as scan:
            assert scan.check_digests
            assert scan.metadata["site"]
            with pytest.raises(scanx.VerificationError) as info:
                for plane in scan.planes:
                    plane.to_numpy()
            assert_tile_mismatch(info.value)
            # Tile (1, 0) of plane 0 is altered: a region of tile (0, 0) still reads,
            # one over the altered tile does not.
            scan.planes[0][0:3, 0:4]
            with pytest.raises(scanx.VerificationError) as info:
                scan.planes[0][0:3, 4:8]
            assert_tile_mismatch(info.value)


def test_a_flipped_tile_reads_with_the_check_off() -> None:
    e = expectation("valid", "tampered-byte-flip-in-tile")
    with scanx.open(TILE_FLIP, check_digests=False) as scan:
        assert not scan.check_digests
        pixels = scan.planes[0].to_numpy()
        assert hashlib.sha256(pixels).hexdigest() == e["planes"][0]["pixels_sha256"]
        assert scan.verify().status is scanx.Status.INVALID
    scanx.validate(TILE_FLIP, check_digests=False)
    scanx.validate(TILE_FLIP.read_bytes(), check_digests=False)


def test_a_flipped_tile_fails_the_checked_forward_read() -> None:
    for source in (TILE_FLIP, TILE_FLIP.read_bytes(), io.BytesIO(TILE_FLIP.read_bytes())):
        with pytest.raises(scanx.VerificationError) as info:
            scanx.validate(source)
        assert info.value.code == 700 and info.value.chunk == "TILE"


def test_flipped_metadata_fails_at_open_by_default() -> None:
    for source in (META_FLIP, META_FLIP.read_bytes()):
        with pytest.raises(scanx.VerificationError) as info:
            scanx.open(source)
        assert (info.value.code, info.value.kind, info.value.chunk) == (700, "DIGEST_MISMATCH", "META")
        with pytest.raises(scanx.VerificationError):
            scanx.validate(source)
    with scanx.open(META_FLIP, check_digests=False) as scan:
        assert scan.metadata["scanner"]
    # verify() reports it rather than raising, whatever the source.
    for source in (META_FLIP, META_FLIP.read_bytes(), io.BytesIO(META_FLIP.read_bytes())):
        report = scanx.verify(source)
        assert report.status is scanx.Status.INVALID and "DIGEST_MISMATCH" in report.reasons


def test_the_check_survives_pickling() -> None:
    for source in (TILE_FLIP, TILE_FLIP.read_bytes()):
        with scanx.open(source, check_digests=False) as scan:
            again = pickle.loads(pickle.dumps(scan))
            assert not again.check_digests
            again.planes[0].to_numpy()
            plane = pickle.loads(pickle.dumps(scan.planes[0]))
            assert not plane.scan.check_digests
        with scanx.open(source) as scan:
            again = pickle.loads(pickle.dumps(scan))
            assert again.check_digests
            with pytest.raises(scanx.VerificationError):
                again.planes[0].to_numpy()


def test_an_intact_file_reads_the_same_checked_or_not(small_scan: Path) -> None:
    high = np.load(small_scan.parent / "high.npy")
    for check in (True, False):
        with scanx.open(small_scan, check_digests=check) as scan:
            np.testing.assert_array_equal(scan.planes[0].to_numpy(), high)
        scanx.validate(small_scan, check_digests=check)


def test_the_editor_refuses_a_file_that_does_not_verify(tmp_path: Path, agency_key: scanx.SigningKey) -> None:
    for source in (TILE_FLIP, TILE_FLIP.read_bytes()):
        with pytest.raises(scanx.VerificationError) as info:
            scanx.edit(source, key=agency_key)
        assert info.value.code == 700 and info.value.kind == "DIGEST_MISMATCH"
    assert not (tmp_path / "out.scx").exists()


def test_the_editor_edits_it_when_allowed(tmp_path: Path, agency_key: scanx.SigningKey) -> None:
    before = TILE_FLIP.read_bytes()
    out = tmp_path / "out.scx"
    with scanx.edit(TILE_FLIP, key=agency_key, role="agency", time=SIGN_TIME + 60, allow_invalid=True) as ed:
        ed.countersign("examined although it does not verify")
        ed.save(out)
    assert TILE_FLIP.read_bytes() == before
    report = scanx.verify(out)
    assert report.status is scanx.Status.INVALID and "DIGEST_MISMATCH" in report.reasons
    with scanx.open(out, check_digests=False) as scan:
        assert scan.generation_count == 2
    with scanx.edit(before, key=agency_key, time=SIGN_TIME + 60, allow_invalid=True) as ed:
        ed.countersign(None)
        assert scanx.verify(ed.to_bytes()).status is scanx.Status.INVALID


def test_read_verified_in_one_pass(small_scan: Path, trust: scanx.TrustStore) -> None:
    high = np.load(small_scan.parent / "high.npy")
    z = np.load(small_scan.parent / "z.npy")
    for source in (small_scan, small_scan.read_bytes(), bytearray(small_scan.read_bytes())):
        report, planes = scanx.read_verified(source)
        assert report.status is scanx.Status.VALID_UNTRUSTED
        assert sorted(planes) == [0, 1]
        np.testing.assert_array_equal(planes[0], high)
        np.testing.assert_array_equal(planes[1], z)
        assert planes[0].dtype == high.dtype and planes[1].dtype == z.dtype
        # Each array holds the buffer the reader decoded into (no second copy): a view
        # over one owner, usable like any fresh array.
        for array in planes.values():
            assert array.base is not None
            assert array.flags.c_contiguous and array.flags.aligned and array.flags.writeable
            assert array.dtype.isnative
    signed = VECTORS / "valid" / "redacted-cab-tiles-signed.scx"
    report, planes = scanx.read_verified(signed, trust=trust)
    assert report.status is scanx.Status.TRUSTED
    with scanx.open(signed) as scan:
        for plane in scan.planes:
            np.testing.assert_array_equal(planes[plane.index], plane.to_numpy())
    # An altered file: the report says so, the pixels are what the file holds.
    report, planes = scanx.read_verified(TILE_FLIP)
    assert report.status is scanx.Status.INVALID and "DIGEST_MISMATCH" in report.reasons
    with scanx.open(TILE_FLIP, check_digests=False) as scan:
        np.testing.assert_array_equal(planes[0], scan.planes[0].to_numpy())
    # A file that cannot be read raises its format error.
    with pytest.raises(scanx.FormatError):
        scanx.read_verified(VECTORS / "invalid" / "bad-magic.scx")
    with pytest.raises(TypeError):
        scanx.read_verified(io.BytesIO(b""))  # type: ignore[arg-type]
