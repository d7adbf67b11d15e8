"""Reading from an S3-compatible server on this machine (moto in server mode) through
fsspec/s3fs, counting the requests that reach it."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import numpy as np
import pytest

import scanx

s3fs = pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for bucket in ("scans", "urls"):
            s3.create_bucket(Bucket=bucket)
        yield url
    finally:
        server.stop()


class CountingS3(s3fs.S3FileSystem):  # type: ignore[misc]
    """Counts ranged object reads (each one GET with a Range header)."""

    ranges: List[Tuple[str, Any, Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ranges = []

    async def _cat_file(self, path: str, version_id: Any = None, start: Any = None, end: Any = None) -> bytes:
        self.ranges.append((path, start, end))
        return await super()._cat_file(path, version_id=version_id, start=start, end=end)  # type: ignore[no-any-return]


def make_fs(endpoint: str) -> CountingS3:
    return CountingS3(
        key="testing",
        secret="testing",
        client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"},
        skip_instance_cache=True,
        use_listings_cache=False,
    )


def test_metadata_in_two_range_reads_and_a_tile_in_one_more(endpoint: str, small_scan: Path) -> None:
    fs = make_fs(endpoint)
    fs.pipe("scans/small.scx", small_scan.read_bytes())
    high = np.load(small_scan.parent / "high.npy")

    fs.ranges.clear()
    with scanx.open(fs.open("scans/small.scx"), check_digests=False) as scan:
        assert scan.planes[0].shape == (200, 300)
        assert scan.metadata["site"]
        assert len(fs.ranges) <= 2, fs.ranges
        opened = len(fs.ranges)
        tile = scan.planes[0][0:48, 64:128]  # exactly one tile
        np.testing.assert_array_equal(tile, high[0:48, 64:128])
        assert len(fs.ranges) == opened + 1, fs.ranges

    # Checked (the default): more reads on opening (the chunks before the tiles), still
    # one per tile afterwards.
    fs.ranges.clear()
    with scanx.open(fs.open("scans/small.scx")) as scan:
        assert scan.check_digests and scan.metadata["site"]
        opened = len(fs.ranges)
        assert opened >= 2, fs.ranges
        tile = scan.planes[0][0:48, 64:128]
        np.testing.assert_array_equal(tile, high[0:48, 64:128])
        assert len(fs.ranges) == opened + 1, fs.ranges


def test_urls_and_pickles(endpoint: str, small_scan: Path) -> None:
    fs = make_fs(endpoint)
    fs.pipe("urls/small.scx", small_scan.read_bytes())
    opts = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    import pickle

    with scanx.open("s3://urls/small.scx", storage_options=opts) as scan:
        assert scan.path == "s3://urls/small.scx"
        again = pickle.loads(pickle.dumps(scan))
        np.testing.assert_array_equal(again.planes[1].to_numpy(), np.load(small_scan.parent / "z.npy"))
        assert scan.verify().status is scanx.Status.VALID_UNTRUSTED
    import fsspec

    with scanx.open(fsspec.open("s3://urls/small.scx", **opts)) as scan:
        assert scan.planes[0].shape == (200, 300)
