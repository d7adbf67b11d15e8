"""The exception hierarchy: one class per code range, each raised for real."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

import scanx
from scanx._scanx import error_kinds
from scanx.errors import error_class

from conftest import VECTORS, expectation, vector_names

CLASSES = {
    1: scanx.IoError,
    2: scanx.FormatError,
    3: scanx.InvalidArgumentError,
    4: scanx.LimitError,
    5: scanx.UnsupportedError,
    6: scanx.SchemaError,
    7: scanx.VerificationError,
}


def test_every_core_kind_maps_to_its_class() -> None:
    kinds = error_kinds()
    assert len(kinds) >= 30
    for code, name in kinds:
        assert error_class(code) is CLASSES[code // 100], name
        assert issubclass(error_class(code), scanx.ScanxError)
    assert issubclass(scanx.IoError, OSError)


def by_category() -> Dict[int, List[str]]:
    out: Dict[int, List[str]] = {}
    for name in vector_names("invalid"):
        e = expectation("invalid", name)
        if "code" in e:
            out.setdefault(e["code"] // 100, []).append(name)
    return out


@pytest.mark.parametrize("hundred", sorted(by_category()))
def test_each_category_from_an_invalid_vector(hundred: int) -> None:
    name = by_category()[hundred][0]
    e = expectation("invalid", name)
    with pytest.raises(CLASSES[hundred]) as info:
        scanx.validate(VECTORS / "invalid" / f"{name}.scx")
    err = info.value
    assert (err.code, err.kind) == (e["code"], e["error"])
    assert isinstance(err.offset, int) or err.offset is None
    assert err.kind in str(err)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and again.code == err.code and again.offset == err.offset


def test_categories_the_vectors_do_not_cover(small_scan: Path, trust: scanx.TrustStore) -> None:
    with pytest.raises(scanx.IoError) as io_error:
        scanx.open(small_scan.parent / "missing.scx")
    assert io_error.value.code == 100 and isinstance(io_error.value, OSError)
    with scanx.open(small_scan) as scan:
        with pytest.raises(scanx.InvalidArgumentError) as arg:
            scan.planes[0].read_region(290, 0, 20, 10)
        assert arg.value.code == 301 and arg.value.kind == "REGION_OUT_OF_BOUNDS"
    unknown = scanx.SigningKey.generate()
    data = scanx.write(None, metadata=scan.metadata, planes=[(np.zeros((4, 4), np.uint8), {"name": "x", "view": "side", "channel": "other", "pixel_spacing_mm": [1.0, 1.0], "value_meaning": "transmission"})], signers=[unknown])
    with scanx.open(data) as scan:
        assert scan.verify(trust).status is scanx.Status.VALID_UNTRUSTED
        with pytest.raises(scanx.VerificationError) as strict:
            scan.verify_strict(trust)
        assert strict.value.code == 704 and "VALID_UNTRUSTED" in str(strict.value)
    with pytest.raises(scanx.LimitError) as limit:
        scanx.open(small_scan, limits=scanx.Limits(max_tiles=3))
    assert limit.value.code == 400
    with pytest.raises(scanx.VerificationError) as key:
        scanx.SigningKey.from_pem("not a key")
    assert key.value.code == 702
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.open(small_scan, limits={"no_such_limit": 1})
    defaults = scanx.Limits.defaults()
    assert all(v is not None for v in defaults.to_dict().values()) and len(defaults.to_dict()) == 8
    with scanx.open(small_scan, limits=defaults) as scan:
        assert scan.planes[0].shape == (200, 300)


def test_tampered_vectors_fail_strict_verification(trust: scanx.TrustStore) -> None:
    for name in vector_names("valid"):
        e = expectation("valid", name)
        # Opened unchecked: verify_strict is what refuses a file here.
        with scanx.open(VECTORS / "valid" / f"{name}.scx", check_digests=False) as scan:
            if e["verify"]["status"] == "TRUSTED":
                assert scan.verify_strict(trust).status is scanx.Status.TRUSTED
            else:
                with pytest.raises(scanx.VerificationError):
                    scan.verify_strict(trust)


def test_wrong_arguments_raise_invalid_argument(small_scan: Path) -> None:
    with scanx.open(small_scan) as scan:
        with pytest.raises(IndexError):
            scan.planes[0][500, 0]
        with pytest.raises(scanx.ScanxError):
            scan.planes[0].verify_region(0, 0, 1000, 1000)
    with pytest.raises(TypeError):
        scanx.open(12345)  # type: ignore[arg-type]
    assert np.dtype("u2") == scanx.open(small_scan).planes[0].dtype
