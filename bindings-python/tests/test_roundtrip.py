"""numpy arrays written and read back: every dtype, odd sizes, tilings and encodings."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

import scanx

from conftest import SIGN_TIME, attributes

DTYPES = [np.uint8, np.uint16, np.uint32, np.float32]
SHAPES_TILES = [((1, 1), (1, 1)), ((7, 13), (4, 5)), ((97, 131), (32, 64)), ((256, 300), (256, 300)), ((33, 1), (8, 1))]
ENCODINGS = [
    scanx.Encoding(),
    scanx.Encoding.stored(),
    scanx.Encoding(filters=("delta",), codec="deflate", level=6),
    scanx.Encoding(filters=("shuffle",), codec="zstd", level=9),
]


def noise(shape: tuple[int, int], dtype: Any, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(shape) * 1e3).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(0, int(info.max), size=shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,tile", SHAPES_TILES)
def test_round_trip(dtype: Any, shape: tuple[int, int], tile: tuple[int, int], base_metadata: Dict[str, Any]) -> None:
    a = noise(shape, dtype)
    data = scanx.write(None, metadata=base_metadata, planes=[scanx.PlaneData(a, attributes(), tile_shape=tile)])
    assert isinstance(data, bytes)
    with scanx.open(data) as s:
        (p,) = s.planes
        assert p.dtype == a.dtype and p.shape == a.shape and p.tile_shape == tile
        b = p.to_numpy()
        np.testing.assert_array_equal(a, b)
        assert np.array_equal(np.asarray(p), a)
        # A region that crosses tile edges.
        y0, x0 = shape[0] // 3, shape[1] // 4
        np.testing.assert_array_equal(p[y0:, x0:], a[y0:, x0:])
        np.testing.assert_array_equal(p[-1, :], a[-1, :])
        np.testing.assert_array_equal(p[::2, ::-1], a[::2, ::-1])
        assert p[0, 0] == a[0, 0]
    scanx.validate(data)


@pytest.mark.parametrize("encoding", ENCODINGS, ids=lambda e: f"{'+'.join(e.filters) or 'none'}-{e.codec}-{e.level}")
def test_encodings(encoding: scanx.Encoding, base_metadata: Dict[str, Any]) -> None:
    a = noise((120, 90), np.uint16)
    data = scanx.write(None, metadata=base_metadata, planes=[scanx.PlaneData(a, attributes(), tile_shape=(50, 40))], encoding=encoding)
    assert data is not None
    with scanx.open(data) as s:
        np.testing.assert_array_equal(s.planes[0].to_numpy(), a)


def test_strided_and_byte_swapped_inputs(base_metadata: Dict[str, Any]) -> None:
    big = noise((64, 80), np.uint16)
    crop = big[5:50, 7:70:2]  # a column step: copied first
    window = big[5:50, 7:70]  # rows with a stride: encoded in place
    swapped = big.astype(">u2")
    fortran = np.asfortranarray(big)
    data = scanx.write(
        None,
        metadata=base_metadata,
        planes=[
            scanx.PlaneData(crop, attributes("crop"), tile_shape=(16, 16)),
            scanx.PlaneData(window, attributes("window"), tile_shape=(16, 16)),
            scanx.PlaneData(big[3:4, 2:9], attributes("row"), tile_shape=(16, 16)),
            scanx.PlaneData(swapped, attributes("swapped"), tile_shape=(16, 16)),
            scanx.PlaneData(fortran, attributes("fortran"), tile_shape=(16, 16)),
        ],
    )
    assert data is not None
    with scanx.open(data) as s:
        np.testing.assert_array_equal(s.plane("crop").to_numpy(), crop)
        np.testing.assert_array_equal(s.plane("window").to_numpy(), window)
        np.testing.assert_array_equal(s.plane("row").to_numpy(), big[3:4, 2:9])
        np.testing.assert_array_equal(s.plane("swapped").to_numpy(), big)
        np.testing.assert_array_equal(s.plane("fortran").to_numpy(), big)


def test_destinations_and_reproducible_output(tmp_path: Path, base_metadata: Dict[str, Any], scanner_key: scanx.SigningKey) -> None:
    a = noise((40, 30), np.uint8)
    kwargs: Dict[str, Any] = dict(
        metadata=base_metadata,
        planes=[(a, attributes())],
        signers=[scanx.Signer(scanner_key, "scanner", SIGN_TIME)],
        file_id=bytes(range(16)),
        salt_seed=bytes(32),
    )
    path = tmp_path / "a.scx"
    scanx.write(path, **kwargs)
    buf = io.BytesIO()
    scanx.write(buf, **kwargs)
    assert path.read_bytes() == buf.getvalue() == scanx.write(None, **kwargs)
    assert os.listdir(tmp_path) == ["a.scx"]  # no temporary left behind
    with scanx.open(path) as s:
        assert s.file_id == bytes(range(16)).hex()


def test_a_failed_write_leaves_the_destination_untouched(tmp_path: Path, base_metadata: Dict[str, Any]) -> None:
    path = tmp_path / "keep.scx"
    path.write_bytes(b"original")
    bad = dict(base_metadata, site={"locode": "not a locode"})
    with pytest.raises(scanx.SchemaError):
        scanx.write(path, metadata=bad, planes=[(np.zeros((4, 4), np.uint8), attributes())])
    assert path.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["keep.scx"]


def test_unsupported_dtypes_and_shapes_are_refused(base_metadata: Dict[str, Any]) -> None:
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.write(None, metadata=base_metadata, planes=[(np.zeros((4, 4), np.int16), attributes())])
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.write(None, metadata=base_metadata, planes=[(np.zeros((4, 4, 3), np.uint8), attributes())])


def test_jupyter_display_has_a_preview_and_a_summary(base_metadata: Dict[str, Any]) -> None:
    import base64
    import re
    import zlib

    a = np.tile(np.arange(300, dtype=np.uint16), (100, 1)) * 200
    data = scanx.write(None, metadata=base_metadata, planes=[(a, attributes("side high"))])
    with scanx.open(data) as scan:
        page = scan._repr_html_()
    assert "side high" in page and "UNSIGNED" in page and "300 x 100" in page
    match = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert match is not None
    png = base64.b64decode(match.group(1))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat = png.index(b"IDAT")
    length = int.from_bytes(png[idat - 4 : idat], "big")
    rows = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert len(rows) == 100 * (300 + 1)  # one filter byte per row, width kept under 480
