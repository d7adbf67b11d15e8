"""Threads, file objects, streams and processes."""

from __future__ import annotations

import io
import multiprocessing
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Tuple

import numpy as np
import pytest

import scanx


def test_eight_threads_read_regions_of_one_scan(small_scan: Path) -> None:
    high = np.load(small_scan.parent / "high.npy")
    with scanx.open(small_scan) as scan:
        plane = scan.planes[0]
        rng = np.random.default_rng(3)
        boxes = []
        for _ in range(200):
            y0, x0 = int(rng.integers(0, 199)), int(rng.integers(0, 299))
            boxes.append((y0, int(rng.integers(y0 + 1, 201)), x0, int(rng.integers(x0 + 1, 301))))

        def read(box: Tuple[int, int, int, int]) -> bool:
            y0, y1, x0, x1 = box
            return bool(np.array_equal(plane[y0:y1, x0:x1], high[y0:y1, x0:x1]))

        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(read, boxes))


class NonSeekable(io.RawIOBase):
    """A pipe-like stream: read() only."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, b: Any) -> int:
        return self._inner.readinto(b)


def test_file_objects_seekable_or_not(small_scan: Path) -> None:
    high = np.load(small_scan.parent / "high.npy")
    data = small_scan.read_bytes()
    with small_scan.open("rb") as f, scanx.open(f) as scan:
        np.testing.assert_array_equal(scan.planes[0].to_numpy(), high)
        # 8 threads share one seekable file object: seek and read stay together.
        with ThreadPoolExecutor(8) as pool:
            regions = list(pool.map(lambda y: scan.planes[0][y : y + 20, 10:200], range(0, 180, 7)))
        for y, r in zip(range(0, 180, 7), regions):
            np.testing.assert_array_equal(r, high[y : y + 20, 10:200])
    with scanx.open(io.BufferedReader(NonSeekable(data))) as scan:
        np.testing.assert_array_equal(scan.planes[0].to_numpy(), high)
        assert scan.verify().status == scanx.Status.VALID_UNTRUSTED
    for wrapped in (bytearray(data), memoryview(data), memoryview(data)[: len(data)], memoryview(bytearray(data))):
        with scanx.open(wrapped) as scan:
            np.testing.assert_array_equal(scan.planes[0].to_numpy(), high)


def test_a_closed_scan_refuses_pixel_reads(small_scan: Path) -> None:
    with scanx.open(small_scan) as scan:
        plane = scan.planes[0]
    with pytest.raises(ValueError):
        plane.to_numpy()


def plane_digest(scan: scanx.Scan) -> str:
    import hashlib

    return hashlib.sha256(scan.planes[0].to_numpy()).hexdigest()


def test_pickling_by_path_bytes_and_file_object(small_scan: Path) -> None:
    import hashlib

    want = hashlib.sha256(np.load(small_scan.parent / "high.npy")).hexdigest()
    with scanx.open(small_scan) as s:
        blob = pickle.dumps(s)
        assert len(blob) < 1000  # by path, not by content
        assert plane_digest(pickle.loads(blob)) == want
        assert plane_digest(pickle.loads(pickle.dumps(s.planes[1])).scan) == want
    with scanx.open(small_scan.read_bytes()) as s:
        assert plane_digest(pickle.loads(pickle.dumps(s))) == want
    with small_scan.open("rb") as f, scanx.open(f) as s:
        assert plane_digest(pickle.loads(pickle.dumps(s))) == want


def test_scans_work_in_spawned_processes(small_scan: Path) -> None:
    import hashlib

    want = hashlib.sha256(np.load(small_scan.parent / "high.npy")).hexdigest()
    ctx = multiprocessing.get_context("spawn")
    scans = [scanx.open(small_scan), scanx.open(small_scan.read_bytes())]
    with ctx.Pool(2) as pool:
        assert pool.map(plane_digest, scans) == [want, want]


def test_dask_chunks_follow_the_tiles(small_scan: Path) -> None:
    da = pytest.importorskip("dask.array")
    high = np.load(small_scan.parent / "high.npy")
    with scanx.open(small_scan) as scan:
        d = scan.planes[0].to_dask()
        assert d.chunks[0][0] == 48 and d.chunks[1][0] == 64
        assert d.dtype == np.uint16
        np.testing.assert_array_equal(d.compute(scheduler="threads"), high)
        assert int(d[10:100, 20:30].sum().compute()) == int(high[10:100, 20:30].sum())
        assert isinstance(d, da.Array)
