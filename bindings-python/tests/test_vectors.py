"""Every conformance vector through the Python package, against its expectation."""

from __future__ import annotations

import hashlib
from typing import Any, Dict

import pytest

import scanx
from scanx.errors import error_class

from conftest import VECTORS, expectation, vector_names

VALID = vector_names("valid")
INVALID = vector_names("invalid")


def test_the_vector_folders_are_not_empty() -> None:
    assert len(VALID) >= 20 and len(INVALID) >= 80


def check_valid(scan: scanx.Scan, e: Dict[str, Any]) -> None:
    assert scan.version == e["version"]
    assert scan.file_id == e["file_id"]
    assert hashlib.sha256(scan.metadata_json).hexdigest() == e["metadata_sha256"]
    assert (scan.personal_data is not None) == e["personal_data"]
    assert len(scan.planes) == len(e["planes"])
    for plane, want in zip(scan.planes, e["planes"]):
        assert plane.index == want["index"]
        assert plane.sample_type == want["sample_type"]
        assert plane.shape == (want["height"], want["width"])
        assert plane.tile_shape == (want["tile_height"], want["tile_width"])
        assert plane.personal == want["personal"]
        pixels = plane.to_numpy()
        assert pixels.dtype == plane.dtype and pixels.shape == plane.shape
        assert pixels.flags.c_contiguous
        assert hashlib.sha256(pixels).hexdigest() == want["pixels_sha256"]
    assert len(scan.annotations) == e["annotations"]
    assert len(scan.events) == e["events"]
    assert scan.generation_count == e["generations"]
    assert scan.signature_count == e["signatures"]
    assert scan.unknown_chunks == [(u["type"], u["offset"], u["length"]) for u in e["unknown_chunks"]]
    assert scan.redacted_tiles == [(t["plane"], t["col"], t["row"]) for t in e["redacted_tiles"]]


def check_verify(report: scanx.VerifyReport, e: Dict[str, Any]) -> None:
    assert report.status == scanx.Status(e["verify"]["status"])
    assert sorted(report.reasons) == e["verify"]["reasons"]


def read_everything(scan: scanx.Scan) -> None:
    for plane in scan.planes:
        plane.to_numpy()
    scan.annotations
    scan.events


@pytest.mark.parametrize("name", VALID)
def test_valid_vector(name: str, trust: scanx.TrustStore) -> None:
    """The expectations describe the file as read without the integrity check; with it
    (the default) a file that verification finds INVALID must not read as if intact."""
    e = expectation("valid", name)
    path = VECTORS / "valid" / f"{name}.scx"
    with scanx.open(path, check_digests=False) as scan:
        check_valid(scan, e)
        check_verify(scan.verify(trust), e)
    # The same file from memory, and through the one-pass reader.
    data = path.read_bytes()
    with scanx.open(data, check_digests=False) as scan:
        check_valid(scan, e)
        check_verify(scan.verify(trust), e)
    scanx.validate(path, check_digests=False)

    # The integrity check takes no trust decision: what counts is the status without a
    # trust store (a revoked key is INVALID only against a store that revokes it).
    if scanx.verify(path).status is not scanx.Status.INVALID:
        with scanx.open(path) as scan:
            check_valid(scan, e)
        with scanx.open(data) as scan:
            check_valid(scan, e)
        scanx.validate(path)
        scanx.validate(data)
        return
    # Verification finds it INVALID: the checked forward read refuses it.
    for source in (path, data):
        with pytest.raises(scanx.VerificationError) as forward:
            scanx.validate(source)
        assert forward.value.kind in ("DIGEST_MISMATCH", "BAD_SIGNATURE"), forward.value
    # The checked random-access reader compares digests only (signatures are the
    # verifier's): it either refuses the file, or reads exactly what the file holds.
    try:
        with scanx.open(path) as scan:
            check_valid(scan, e)
            read_everything(scan)
    except scanx.ScanxError as err:
        assert type(err) is scanx.VerificationError and err.code == 700, err


@pytest.mark.parametrize("name", INVALID)
def test_invalid_vector(name: str, trust: scanx.TrustStore) -> None:
    e = expectation("invalid", name)
    path = VECTORS / "invalid" / f"{name}.scx"
    if "code" in e:
        with pytest.raises(scanx.ScanxError) as forward:
            scanx.validate(path, check_digests=False)
        assert forward.value.code == e["code"]
        assert forward.value.kind == e["error"]
        assert type(forward.value) is error_class(e["code"])
    # Checked (the default), it fails too.
    with pytest.raises(scanx.ScanxError):
        scanx.validate(path)

    with pytest.raises(scanx.ScanxError) as random_access:
        with scanx.open(path, check_digests=False) as scan:
            read_everything(scan)
    if "random_access_error" in e:
        assert random_access.value.kind == e["random_access_error"]
        assert type(random_access.value) is error_class(random_access.value.code)
    with pytest.raises(scanx.ScanxError):
        with scanx.open(path) as scan:
            read_everything(scan)

    check_verify(scanx.verify(path, trust=trust), e)
    check_verify(scanx.verify(path.read_bytes(), trust=trust), e)
