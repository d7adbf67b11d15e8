"""Failed opens release everything they allocated."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import scanx

from conftest import VECTORS, vector_names


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_ten_thousand_failed_opens_keep_memory_flat() -> None:
    bad = []
    for n in vector_names("invalid"):
        data = (VECTORS / "invalid" / f"{n}.scx").read_bytes()
        try:
            scanx.open(data)
        except scanx.ScanxError:
            bad.append(data)
    assert len(bad) >= 20
    def loop(n: int) -> None:
        for i in range(n):
            with pytest.raises(scanx.ScanxError):
                scanx.open(bad[i % len(bad)])
    loop(1000)  # warm up caches and the allocator
    gc.collect()
    before = rss_bytes()
    loop(10_000)
    gc.collect()
    growth = rss_bytes() - before
    assert growth < 16 << 20, f"RSS grew by {growth} bytes over 10,000 failed opens"
