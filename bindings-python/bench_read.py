"""Open, verify and load a 48 MB dual-energy scan (two 6000 x 2000 u16 planes) with
scanx, beside numpy.load and tifffile reading the same pixels. Run from the repository
root: `.venv/bin/python bindings-python/bench_read.py` (or `make bench-python`)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict

import numpy as np

import scanx

REPO = Path(__file__).resolve().parents[1]
VECTORS = REPO / "spec" / "vectors"
WIDTH, HEIGHT = 6000, 2000


def synthetic() -> Dict[str, np.ndarray]:
    """Transmission-like channels: a detector gain gradient, a container's corrugated
    wall, blocks of cargo, photon noise; low energy attenuated more than high."""
    rng = np.random.default_rng(2026)
    y = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float64)[:, None]
    x = np.arange(WIDTH, dtype=np.float64)[None, :]
    thickness = 4.0 + 2.0 * (np.sin(x / 9.0) > 0)  # corrugation, mm of steel
    thickness = thickness + 40.0 * ((x // 700) % 2) * (y > 0.2) * (y < 0.85)  # pallets
    gain = 1.0 - 0.15 * y
    out = {}
    for name, mu in (("high", 0.030), ("low", 0.042)):
        signal = 60000.0 * gain * np.exp(-mu * thickness)
        noisy = rng.normal(signal, np.sqrt(signal))
        out[name] = np.clip(noisy, 0, 65535).astype(np.uint16)
    return out


def best(f: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import tifffile

    planes = synthetic()
    metadata = scanx.open(VECTORS / "valid" / "dual-energy-two-views.scx").metadata
    key = scanx.SigningKey.from_pem((VECTORS / "keys" / "scanner.private.pem").read_text())
    trust = scanx.TrustStore.load(VECTORS / "truststore.json")
    attrs = lambda name, ch: {  # noqa: E731
        "name": name, "view": "side", "channel": ch,
        "pixel_spacing_mm": [5.0, 5.0], "value_meaning": "transmission",
    }
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        scx, npy, tif, tifz = d / "scan.scx", d / "scan.npy", d / "scan.tif", d / "scan-zlib.tif"
        stack = np.stack([planes["high"], planes["low"]])
        t = time.perf_counter()
        scanx.write(
            scx,
            metadata=metadata,
            planes=[
                scanx.PlaneData(planes["high"], attrs("side high", "high-energy")),
                scanx.PlaneData(planes["low"], attrs("side low", "low-energy")),
            ],
            signers=[scanx.Signer(key, "scanner", 1_772_355_600)],
        )
        write_s = time.perf_counter() - t
        np.save(npy, stack)
        tifffile.imwrite(tif, stack)
        tifffile.imwrite(tifz, stack, tile=(512, 512), compression="zlib")

        def scanx_all() -> None:
            with scanx.open(scx) as s:
                assert s.verify(trust).status is scanx.Status.TRUSTED
                for p in s.planes:
                    p.to_numpy()

        def scanx_load() -> None:
            with scanx.open(scx) as s:
                for p in s.planes:
                    p.to_numpy()

        with scanx.open(scx) as s:
            got = np.stack([p.to_numpy() for p in s.planes])
        assert np.array_equal(got, stack)
        assert np.array_equal(tifffile.imread(tif), stack)
        results = {
            "pixels_mb": stack.nbytes / 1e6,
            "scanx_file_mb": scx.stat().st_size / 1e6,
            "scanx_write_s": write_s,
            "scanx_open_s": best(lambda: scanx.open(scx)),
            "scanx_verify_s": best(lambda: scanx.open(scx).verify(trust), 3),
            "scanx_load_s": best(scanx_load),
            "scanx_open_verify_load_s": best(scanx_all, 3),
            "scanx_region_512_s": best(lambda: scanx.open(scx).planes[0][700:1212, 3000:3512]),
            "numpy_load_s": best(lambda: np.load(npy)),
            "npy_file_mb": npy.stat().st_size / 1e6,
            "tifffile_s": best(lambda: tifffile.imread(tif)),
            "tiff_zlib_s": best(lambda: tifffile.imread(tifz), 3),
            "tiff_zlib_file_mb": tifz.stat().st_size / 1e6,
            "cores": os.cpu_count(),
        }
    wheels = sorted((REPO / "target" / "wheels").glob("scanx-*.whl"))
    if wheels:
        results["wheel_mb"] = wheels[-1].stat().st_size / 1e6
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
