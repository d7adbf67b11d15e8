"""scanx beside the formats and codecs X-ray scans are kept in today, in one run.

Builds one synthetic dual-energy workload with photon noise (variance proportional to the
signal plus a read-noise floor) and smooth planes (a material plane and a heavily averaged
scan, 12 and 14 significant bits), then measures, each in a fresh subprocess so that peak
memory is per measurement: numpy.save/numpy.load (the floor), tifffile, h5py, zarr,
pydicom, blosc2, JPEG-LS, HTJ2K, JPEG-XL and pcodec through imagecodecs, c2pa-python
signing and verifying the same pixels as TIFF, and scanx through its Python package
(unsigned, signed with SHA-256 and with BLAKE3; stored and default codec; the rice codec unsigned): write, read to
numpy, verified read, verify, metadata-only open, region read, file size, peak RSS. Also
the floors of the targets: reading a file plus SHA-256 of its bytes on 2 cores, and
hashing plus writing the bytes. Writes bench/RESULTS.md.

Run from the repository root through `make bench` (its own virtualenv .venv-bench with
bench/requirements.txt and the scanx wheel), or `.venv-bench/bin/python bench/compare.py
--sizes medium`. `--quick` (small only, one run) is the smoke test.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

REPO = Path(__file__).resolve().parents[1]
VECTORS = REPO / "spec" / "vectors"

# (planes as (view, channel) pairs, rows, columns): the small, medium and large.
SIZES: Dict[str, Tuple[List[Tuple[str, str]], int, int]] = {
    "small": ([("side", "high-energy")], 1000, 2000),
    "medium": ([("side", "high-energy"), ("side", "low-energy")], 2000, 6000),
    "large": (
        [("side", "high-energy"), ("side", "low-energy"), ("top", "high-energy"), ("top", "low-energy")],
        2500,
        8000,
    ),
}
KINDS = ("noisy", "material", "averaged")
KIND_TEXT = {
    "noisy": "noisy: photon counts up to ~60000 (16 bits), variance = signal + 4^2 read noise",
    "material": "smooth: material plane, 12 significant bits, noise sd ~1",
    "averaged": "smooth: 64-frame averaged scan, 14 significant bits, noise sd ~ sqrt(signal/64)",
}
REGION = 512
SCANX_TIME = 1_772_355_600  # a fixed signing time: reproducible files


# --------------------------------------------------------------------------------------
# The workload
# --------------------------------------------------------------------------------------


def _transmission(rng: np.random.Generator, rows: int, cols: int, mu: float, seed_shift: float) -> np.ndarray:
    """Fraction of the beam that crosses a container: gain falling along the detector
    column, corrugated walls, pallets and blocks of cargo of varying thickness."""
    y = np.linspace(0.0, 1.0, rows, dtype=np.float64)[:, None]
    x = np.arange(cols, dtype=np.float64)[None, :]
    thickness = 4.0 + 2.0 * (np.sin((x + seed_shift) / 9.0) > 0)  # corrugation, mm of steel
    inside = (y > 0.18) & (y < 0.86)
    pallets = 25.0 + 20.0 * np.sin(x / 173.0 + seed_shift) ** 2
    thickness = thickness + pallets * ((x // 700) % 2) * inside
    # blocks of dense cargo with soft edges
    for _ in range(12):
        cx, cy = rng.uniform(0, cols), rng.uniform(0.25, 0.8)
        wx, wy = rng.uniform(cols / 60, cols / 12), rng.uniform(0.04, 0.2)
        thickness = thickness + rng.uniform(10, 60) / (
            (1 + ((x - cx) / wx) ** 8) * (1 + ((y - cy) / wy) ** 8)
        )
    gain = 1.0 - 0.15 * y
    return gain * np.exp(-mu * thickness)


def make_planes(size: str, kind: str) -> np.ndarray:
    """The planes of one workload as a (planes, rows, columns) u16 stack."""
    pairs, rows, cols = SIZES[size]
    rng = np.random.default_rng(2026 + KINDS.index(kind))
    out = np.empty((len(pairs), rows, cols), dtype=np.uint16)
    for i, (view, channel) in enumerate(pairs):
        mu = 0.030 if channel == "high-energy" else 0.042
        t = _transmission(rng, rows, cols, mu, 1.7 * (view == "top"))
        if kind == "noisy":
            signal = 60000.0 * t
            plane = rng.normal(signal, np.sqrt(signal + 4.0**2))
        elif kind == "averaged":
            signal = 16000.0 * t
            plane = rng.normal(signal, np.sqrt(signal / 64.0 + 0.5**2))
        else:  # material: ratio of the log transmissions of the two energies, 12 bits
            t_low = _transmission(np.random.default_rng(7 + i), rows, cols, 0.042, 0.0)
            ratio = np.log(np.maximum(t_low, 1e-6)) / np.log(np.minimum(t, 0.9999))
            plane = 4095.0 * np.clip((ratio - 0.8) / 1.2, 0, 1) + rng.normal(0, 1.0, t.shape)
        out[i] = np.clip(np.rint(plane), 0, 65535).astype(np.uint16)
    return out


# --------------------------------------------------------------------------------------
# Formats. Each one writes a stack to a path and reads it back as a list of planes.
# --------------------------------------------------------------------------------------

Planes = List[np.ndarray]


def _map2(f: Callable[[Any], Any], items: List[Any]) -> List[Any]:
    """Per-plane work on the machine's two cores (the image codecs are single-threaded
    per image and release the GIL)."""
    if len(items) == 1:
        return [f(items[0])]
    with cf.ThreadPoolExecutor(2) as ex:
        return list(ex.map(f, items))


def _dir_size(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def _fresh(p: Path) -> None:
    if p.is_dir():
        shutil.rmtree(p)
    elif p.exists():
        p.unlink()


class Format:
    name = ""
    ext = ""
    compressed = False
    threads = "1"

    def write(self, stack: np.ndarray, path: Path) -> None:
        raise NotImplementedError

    def read(self, path: Path) -> Planes:
        raise NotImplementedError

    region: Optional[Callable[[Path, int, int], np.ndarray]] = None
    open_meta: Optional[Callable[[Path], Any]] = None


class Npy(Format):
    name, ext, threads = "numpy.save / numpy.load", ".npy", "1"

    def write(self, stack: np.ndarray, path: Path) -> None:
        np.save(path, stack)

    def read(self, path: Path) -> Planes:
        return list(np.load(path))

    def region(self, path: Path, y: int, x: int) -> np.ndarray:
        return np.array(np.load(path, mmap_mode="r")[0, y : y + REGION, x : x + REGION])

    def open_meta(self, path: Path) -> Any:
        with open(path, "rb") as f:
            np.lib.format.read_magic(f)
            return np.lib.format.read_array_header_1_0(f)


class Tiff(Format):
    ext = ".tif"

    def __init__(self, compression: Optional[str]) -> None:
        self.compression = compression
        self.compressed = compression is not None
        self.name = "tifffile " + (f"{compression} + predictor, 512² tiles" if compression else "uncompressed")
        self.threads = "2" if compression else "1"

    def write(self, stack: np.ndarray, path: Path) -> None:
        import tifffile

        if self.compression is None:
            tifffile.imwrite(path, stack)
        else:
            tifffile.imwrite(
                path, stack, tile=(512, 512), compression=self.compression, predictor=True, maxworkers=2
            )

    def read(self, path: Path) -> Planes:
        import tifffile

        return list(tifffile.imread(path, maxworkers=2))

    def open_meta(self, path: Path) -> Any:
        import tifffile

        with tifffile.TiffFile(path) as t:
            return t.series[0].shape


class H5(Format):
    ext = ".h5"

    def __init__(self, gzip: bool) -> None:
        self.gzip = gzip
        self.compressed = gzip
        self.name = "h5py gzip + shuffle, 512² chunks" if gzip else "h5py contiguous"

    def write(self, stack: np.ndarray, path: Path) -> None:
        import h5py

        with h5py.File(path, "w") as f:
            if self.gzip:
                f.create_dataset("scan", data=stack, chunks=(1, 512, 512), compression="gzip", shuffle=True)
            else:
                f.create_dataset("scan", data=stack)

    def read(self, path: Path) -> Planes:
        import h5py

        with h5py.File(path, "r") as f:
            return list(f["scan"][...])

    def region(self, path: Path, y: int, x: int) -> np.ndarray:
        import h5py

        with h5py.File(path, "r") as f:
            return f["scan"][0, y : y + REGION, x : x + REGION]  # type: ignore[no-any-return]

    def open_meta(self, path: Path) -> Any:
        import h5py

        with h5py.File(path, "r") as f:
            return f["scan"].shape


class Zarr(Format):
    name, ext, compressed, threads = "zarr v3 (default zstd), 512² chunks", ".zarr", True, "2"

    def write(self, stack: np.ndarray, path: Path) -> None:
        import zarr

        a = zarr.create_array(store=str(path), shape=stack.shape, dtype=stack.dtype, chunks=(1, 512, 512), overwrite=True)
        a[...] = stack

    def read(self, path: Path) -> Planes:
        import zarr

        return list(zarr.open_array(str(path), mode="r")[...])

    def region(self, path: Path, y: int, x: int) -> np.ndarray:
        import zarr

        return zarr.open_array(str(path), mode="r")[0, y : y + REGION, x : x + REGION]  # type: ignore[no-any-return]

    def open_meta(self, path: Path) -> Any:
        import zarr

        return zarr.open_array(str(path), mode="r").shape


class Dicom(Format):
    name, ext = "pydicom uncompressed (explicit VR LE, multi-frame)", ".dcm"

    def write(self, stack: np.ndarray, path: Path) -> None:
        from pydicom.dataset import Dataset, FileMetaDataset
        from pydicom.uid import ExplicitVRLittleEndian, generate_uid

        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # secondary capture
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = "OT"
        ds.NumberOfFrames = stack.shape[0]
        ds.Rows, ds.Columns = stack.shape[1], stack.shape[2]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = stack.tobytes()
        ds.save_as(path, enforce_file_format=True)

    def read(self, path: Path) -> Planes:
        import pydicom

        a = pydicom.dcmread(path).pixel_array
        return list(a.reshape((-1,) + a.shape[-2:]))

    def open_meta(self, path: Path) -> Any:
        import pydicom

        return pydicom.dcmread(path, stop_before_pixels=True).Rows


class Blosc2(Format):
    name, ext, compressed, threads = "blosc2 bitshuffle + zstd (clevel 5)", ".b2nd", True, "2"

    def write(self, stack: np.ndarray, path: Path) -> None:
        import blosc2

        cparams = blosc2.CParams(codec=blosc2.Codec.ZSTD, clevel=5, filters=[blosc2.Filter.BITSHUFFLE], nthreads=2)
        blosc2.asarray(stack, urlpath=str(path), mode="w", chunks=(1, 512, stack.shape[2]), cparams=cparams)

    def read(self, path: Path) -> Planes:
        import blosc2

        a = blosc2.open(str(path), mode="r", dparams=blosc2.DParams(nthreads=2))
        return list(a[...])

    def region(self, path: Path, y: int, x: int) -> np.ndarray:
        import blosc2

        return blosc2.open(str(path), mode="r")[0, y : y + REGION, x : x + REGION]  # type: ignore[no-any-return]


class Codec(Format):
    """One imagecodecs codec on whole planes, one plane per core; a folder of streams."""

    compressed = True
    threads = "1 per plane (2 planes: 2)"
    ext = ".d"

    def __init__(self, name: str, enc: Callable[[np.ndarray], bytes], dec: Callable[[bytes, Tuple[int, int]], np.ndarray]) -> None:
        self.name, self.enc, self.dec = name, enc, dec

    def write(self, stack: np.ndarray, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        streams = _map2(self.enc, list(stack))
        for i, s in enumerate(streams):
            (path / f"{i}.bin").write_bytes(s)
        (path / "shape.json").write_text(json.dumps(list(stack.shape)))

    def read(self, path: Path) -> Planes:
        n, h, w = json.loads((path / "shape.json").read_text())
        streams = [(path / f"{i}.bin").read_bytes() for i in range(n)]
        return [np.asarray(a).reshape(h, w) for a in _map2(lambda s: self.dec(s, (h, w)), streams)]


def _codecs() -> List[Format]:
    import imagecodecs as ic

    out: List[Format] = []
    out.append(Codec("JPEG-LS (CharLS)", ic.jpegls_encode, lambda b, s: ic.jpegls_decode(b)))
    if getattr(ic.HTJ2K, "available", False):
        out.append(Codec("HTJ2K (OpenJPH), reversible", ic.htj2k_encode, lambda b, s: ic.htj2k_decode(b)))
    out.append(
        Codec("JPEG-XL lossless, effort 1", lambda a: ic.jpegxl_encode(a, lossless=True, effort=1), lambda b, s: ic.jpegxl_decode(b))
    )
    out.append(
        Codec("JPEG-XL lossless, default effort (7)", lambda a: ic.jpegxl_encode(a, lossless=True), lambda b, s: ic.jpegxl_decode(b))
    )
    out.append(
        Codec("pcodec (default level)", ic.pcodec_encode, lambda b, s: ic.pcodec_decode(b, shape=s, dtype=np.uint16))
    )
    return out


def peer_formats() -> Dict[str, Format]:
    fmts: Dict[str, Format] = {
        "npy": Npy(),
        "tiff": Tiff(None),
        "tiff-deflate": Tiff("zlib"),
        "tiff-zstd": Tiff("zstd"),
        "h5": H5(False),
        "h5-gzip": H5(True),
        "zarr": Zarr(),
        "dicom": Dicom(),
        "blosc2": Blosc2(),
    }
    for c, key in zip(_codecs(), ["jpegls", "htj2k", "jxl1", "jxl", "pcodec"] if _has_htj2k() else ["jpegls", "jxl1", "jxl", "pcodec"]):
        fmts[key] = c
    return fmts


def _has_htj2k() -> bool:
    import imagecodecs as ic

    return bool(getattr(ic.HTJ2K, "available", False))


# scanx variants: (label, signed digest or None, encoding)
SCANX = {
    "scanx-stored": ("scanx stored, unsigned", None, "stored"),
    "scanx-stored-sha256": ("scanx stored, signed SHA-256", "sha256", "stored"),
    "scanx-stored-blake3": ("scanx stored, signed BLAKE3", "blake3", "stored"),
    "scanx-default": ("scanx default codec, unsigned", None, "default"),
    "scanx-default-sha256": ("scanx default codec, signed SHA-256", "sha256", "default"),
    "scanx-default-blake3": ("scanx default codec, signed BLAKE3", "blake3", "default"),
    "scanx-rice": ("scanx rice codec, unsigned", None, "rice"),
}


def _scanx_encoding(enc: str) -> Any:
    import scanx

    if enc == "stored":
        return scanx.Encoding.stored()
    if enc == "rice":
        return scanx.Encoding(filters=(), codec="rice")
    return scanx.Encoding()


def _scanx_key() -> Any:
    import scanx

    return scanx.SigningKey.from_pem((VECTORS / "keys" / "scanner.private.pem").read_text())


def _scanx_trust() -> Any:
    import scanx

    return scanx.TrustStore.load(VECTORS / "truststore.json")


def scanx_write(stack: np.ndarray, path: Path, size: str, variant: str) -> None:
    import scanx

    _, digest, enc = SCANX[variant]
    pairs = SIZES[size][0]
    metadata = scanx.open(VECTORS / "valid" / "dual-energy-two-views.scx").metadata
    planes = [
        scanx.PlaneData(
            stack[i],
            {
                "name": f"{view} {channel}",
                "view": view,
                "channel": channel,
                "pixel_spacing_mm": [5.0, 5.0],
                "value_meaning": "transmission",
            },
            tile_shape=(512, 512),
        )
        for i, (view, channel) in enumerate(pairs[: stack.shape[0]])
    ]
    signers = [] if digest is None else [scanx.Signer(_scanx_key(), "scanner", SCANX_TIME)]
    scanx.write(
        path,
        metadata=metadata,
        planes=planes,
        encoding=_scanx_encoding(enc),
        signers=signers,
        digest=digest or "sha256",
        file_id=b"\x01" * 16,
        salt_seed=b"\x02" * 32,
    )


# --------------------------------------------------------------------------------------
# The child: one measurement in a fresh process
# --------------------------------------------------------------------------------------


def _sha256_2cores(buf: memoryview) -> Tuple[bytes, bytes]:
    half = len(buf) // 2

    def h(part: memoryview) -> bytes:
        return hashlib.sha256(part).digest()

    with cf.ThreadPoolExecutor(2) as ex:
        a, b = ex.map(h, [buf[:half], buf[half:]])
    return a, b


def _read_file(path: Path) -> bytearray:
    n = path.stat().st_size
    buf = bytearray(n)
    with open(path, "rb", buffering=0) as f:
        view = memoryview(buf)
        got = 0
        while got < n:
            k = f.readinto(view[got:])
            if not k:
                raise OSError("short read")
            got += k
    return buf


def _write_synced(path: Path, data: memoryview) -> None:
    with open(path, "wb", buffering=0) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _c2pa_signer(work: Path) -> Any:
    import c2pa

    chain = (work / "c2pa-chain.pem").read_bytes()
    key = (work / "c2pa-key.pem").read_bytes()
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))


def _c2pa_context(work: Path) -> Any:
    """Settings for both sides: no thumbnail (the pixels are not a photo), and the
    local root as the trust anchor, so that verification checks the chain (TRUSTED)."""
    import c2pa

    anchors = (work / "c2pa-root.pem").read_text()
    settings = c2pa.Settings.from_dict(
        {
            "builder": {"thumbnail": {"enabled": False}},
            "verify": {"verify_trust": True},
            "trust": {"trust_anchors": anchors},
        }
    )
    return c2pa.Context(settings)


C2PA_MANIFEST = {
    "claim_generator_info": [{"name": "scanx-bench", "version": "1"}],
    "title": "scan.tif",
    "assertions": [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                    }
                ]
            },
        }
    ],
}


def _status_kb(field: str) -> Optional[int]:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> int:
    """Resets the process's peak RSS to its current RSS (Linux: /proc/self/clear_refs)
    and returns that RSS: the base a measurement's peak is compared with. ru_maxrss would
    not do: Linux carries the parent's high-water mark across fork and exec."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    rss = _status_kb("VmRSS")
    if rss is None:
        import psutil

        rss = psutil.Process().memory_info().rss
    return rss


def _peak_rss() -> int:
    """The peak RSS since `_reset_peak` (VmHWM of this process's own address space)."""
    hwm = _status_kb("VmHWM")
    if hwm is None:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return hwm


def child(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Runs one measurement `runs` times; returns the best wall time and the peak RSS."""
    work = Path(spec["work"])
    fmt, op, size, kind, runs = spec["fmt"], spec["op"], spec["size"], spec["kind"], spec["runs"]
    workload = work / f"workload-{size}-{kind}.npy"
    target = Path(spec["path"])
    result: Dict[str, Any] = {"fmt": fmt, "op": op, "size": size, "kind": kind}
    stack: Optional[np.ndarray] = None
    fn: Callable[[], Any]
    check: Optional[Callable[[Any], bool]] = None
    n_planes, rows, cols = SIZES[size][0].__len__(), SIZES[size][1], SIZES[size][2]
    y0, x0 = rows // 3, cols // 2

    if fmt.startswith("scanx"):
        import scanx

        trust = _scanx_trust()
        signed = SCANX[fmt][1] is not None
        if op == "write":
            pixels = np.load(workload)
            stack = pixels
            fn = lambda: scanx_write(pixels, target, size, fmt)  # noqa: E731
        elif op == "read":  # integrity check off: the pixels as stored

            def fn() -> Any:
                with scanx.open(target, check_digests=False) as s:
                    return [p.to_numpy() for p in s.planes]

            check = lambda out: True  # noqa: E731
        elif op == "read-checked":  # the default: every tile against its manifest digest

            def fn() -> Any:
                with scanx.open(target) as s:
                    return [p.to_numpy() for p in s.planes]

        elif op == "read-verified":

            def fn() -> Any:
                report, planes = scanx.read_verified(target, trust=trust)
                want = "TRUSTED" if signed else None
                if want and report.status.value != want:
                    raise RuntimeError(f"read_verified: {report.status.value}")
                return [planes[i] for i in sorted(planes)]

        elif op == "verify":

            def fn() -> Any:
                with scanx.open(target) as s:
                    r = s.verify(trust)
                    if signed and r.status.value != "TRUSTED":
                        raise RuntimeError(f"verify: {r.status.value}")
                    return r.status.value

        elif op == "open":  # open with the default check: manifests, signatures, metadata

            def fn() -> Any:
                with scanx.open(target) as s:
                    return s.metadata, s.signature_count

        elif op == "open-unchecked":

            def fn() -> Any:
                with scanx.open(target, check_digests=False) as s:
                    return s.metadata

        elif op == "region":

            def fn() -> Any:
                with scanx.open(target) as s:
                    return s.planes[0].read_region(x0, y0, REGION, REGION)

        elif op == "verify-stream":

            def fn() -> Any:
                big = scanx.Limits(max_decoded_bytes=1 << 40, max_tiles=1 << 20, max_chunks=1 << 21)
                r = scanx.verify(target, trust=trust, limits=big)
                if r.status.value != "TRUSTED":
                    raise RuntimeError(f"verify: {r.status.value} {r.reasons}")
                return r.status.value

        else:
            raise ValueError(op)
    elif fmt == "floor-read-sha256":  # read the file, SHA-256 of its two halves on 2 cores

        def fn() -> Any:
            buf = _read_file(target)
            return _sha256_2cores(memoryview(buf))

    elif fmt == "floor-write-sha256":  # hash the bytes on 2 cores, write and sync them
        pixels = np.load(workload)
        stack = pixels

        def fn() -> Any:
            view = memoryview(pixels).cast("B")
            digests = _sha256_2cores(view)
            _write_synced(target, view)
            return digests

    elif fmt == "floor-write":
        pixels = np.load(workload)
        stack = pixels

        def fn() -> Any:
            _write_synced(target, memoryview(pixels).cast("B"))

    elif fmt == "c2pa":
        import c2pa

        ctx = _c2pa_context(work)
        if op == "sign":
            source = Path(spec["source"])
            signer = _c2pa_signer(work)

            def fn() -> Any:
                _fresh(target)
                with c2pa.Builder.from_json(C2PA_MANIFEST, ctx) as b, open(source, "rb") as src, open(target, "w+b") as dst:
                    b.sign(signer, "image/tiff", src, dst)

        elif op == "verify":

            def fn() -> Any:
                with open(target, "rb") as f, c2pa.Reader("image/tiff", f, None, ctx) as r:
                    state = r.get_validation_state()
                if state != "Trusted":
                    raise RuntimeError(f"c2pa validation state {state}")
                return state

        else:
            raise ValueError(op)
    else:
        f = peer_formats()[fmt]
        if op == "write":
            stack = np.load(workload)

            def fn() -> Any:
                _fresh(target)
                f.write(stack, target)

        elif op == "read":
            fn = lambda: f.read(target)  # noqa: E731
        elif op == "region":
            fn = lambda: f.region(target, y0, x0)  # type: ignore[misc]  # noqa: E731
        elif op == "open":
            fn = lambda: f.open_meta(target)  # type: ignore[misc]  # noqa: E731
        else:
            raise ValueError(op)

    base = _reset_peak()
    times = []
    out: Any = None
    for _ in range(runs):
        out = None
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    peak = _peak_rss()
    result.update(best_s=min(times), times=times, base_rss=base, peak_rss=peak, last=None)
    if isinstance(out, str):
        result["last"] = out
    if op in ("read", "read-checked", "read-verified") and isinstance(out, list):
        del stack
        ref = np.load(workload)
        result["ok"] = len(out) == len(ref) and all(np.array_equal(a, b) for a, b in zip(out, ref))
    elif op == "region" and out is not None:
        ref = np.load(workload, mmap_mode="r")[0, y0 : y0 + REGION, x0 : x0 + REGION]
        result["ok"] = bool(np.array_equal(out, ref))
    if target.exists() and op in ("write", "sign"):
        result["bytes"] = _dir_size(target)
    _ = (check, n_planes)
    return result


# --------------------------------------------------------------------------------------
# The parent: plan, run children, write the report
# --------------------------------------------------------------------------------------


def run_child(spec: Dict[str, Any], timeout: float = 3600) -> Dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        err = (p.stderr.strip().splitlines() or ["exit code %d" % p.returncode])[-1]
        print(f"  ! {spec['fmt']} {spec['op']} {spec['size']}/{spec['kind']}: {err}", file=sys.stderr)
        return {**{k: spec[k] for k in ("fmt", "op", "size", "kind")}, "error": err[:300]}
    r: Dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    print(
        f"  {spec['size']:6} {spec['kind']:8} {spec['fmt']:22} {spec['op']:14} best {r['best_s'] * 1e3:9.2f} ms"
        f"  peak {r['peak_rss'] / 1e6:7.0f} MB  ({time.perf_counter() - t:.1f} s)",
        file=sys.stderr,
    )
    return r


def make_c2pa_certs(work: Path) -> None:
    """A throwaway ES256 chain (root CA + signing certificate) made locally: c2pa refuses
    self-signed signing certificates, and needs no network with these."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "scanx bench")])

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("scanx bench root"))
        .issuer_name(name("scanx bench root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("scanx bench signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (work / "c2pa-root.pem").write_bytes(ca.public_bytes(pem))
    (work / "c2pa-chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (work / "c2pa-key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def plan(size: str, kind: str, work: Path, runs: int) -> List[Dict[str, Any]]:
    """Every measurement of one workload, in the order they must run (writes first)."""
    d = work / size / kind
    d.mkdir(parents=True, exist_ok=True)
    peers = peer_formats()
    specs: List[Dict[str, Any]] = []

    def add(fmt: str, op: str, path: Path, r: int = runs, **extra: Any) -> None:
        specs.append({"fmt": fmt, "op": op, "size": size, "kind": kind, "runs": r, "work": str(work), "path": str(path), **extra})

    full = kind == "noisy"
    for key, f in peers.items():
        if not full and not f.compressed:
            continue
        p = d / (key + f.ext)
        add(key, "write", p)
        add(key, "read", p)
        if full and f.region is not None:
            add(key, "region", p, max(runs, 5))
        if full and f.open_meta is not None:
            add(key, "open", p, max(runs, 20))
    for key, (label, digest, enc) in SCANX.items():
        if not full and (enc == "stored" or digest is not None):
            continue
        p = d / f"{key}.scx"
        add(key, "write", p)
        add(key, "read", p)
        if not full:
            continue
        add(key, "read-checked", p)
        add(key, "read-verified", p)
        add(key, "verify", p)
        add(key, "open", p, max(runs, 20))
        add(key, "open-unchecked", p, max(runs, 20))
        add(key, "region", p, max(runs, 5))
    if full:
        add("floor-read-sha256", "read", d / "scanx-stored-sha256.scx")
        add("floor-write-sha256", "write", d / "floor-write.bin")
        add("floor-write", "write", d / "floor-write.bin")
        add("c2pa", "sign", d / "c2pa-signed.tif", source=str(d / "tiff.tif"))
        add("c2pa", "verify", d / "c2pa-signed.tif")
    return specs


def machine() -> Dict[str, Any]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        import psutil

        mem = psutil.virtual_memory().total
    except ImportError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem / 2**30, 1),
        "load_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def source_state() -> str:
    """The commit the run measured, and whether the scanx sources had uncommitted edits
    (the wheel is built from the working tree)."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "core", "bindings-python"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return head + (" with uncommitted changes in core/ or bindings-python/" if dirty else "")


def versions() -> Dict[str, str]:
    out = {}
    for mod in ("numpy", "tifffile", "h5py", "zarr", "pydicom", "blosc2", "imagecodecs", "c2pa", "scanx"):
        try:
            m = __import__(mod)
            v = getattr(m, "__version__", None)
            if mod == "c2pa":
                from importlib.metadata import version as dist_version

                v = f"{dist_version('c2pa-python')} (c2pa-rs {m.sdk_version()})"
            out[mod] = str(v)
        except Exception as e:  # a missing package is reported, not fatal
            out[mod] = f"missing ({e})"
    try:
        import imagecodecs as ic

        out["charls"] = ic.jpegls_version()
        out["openjph"] = ic.htj2k_version() if _has_htj2k() else "not in this imagecodecs build"
        out["libjxl"] = ic.jpegxl_version()
        out["pcodec"] = ic.pcodec_version()
    except Exception:
        pass
    return out


# --------------------------------------------------------------------------------------
# Big streaming verify
# --------------------------------------------------------------------------------------


def big_stream(work: Path, gb: float = 4.0) -> Dict[str, Any]:
    """A ~4 GB stored, signed scanx file written through the Python writer from
    memory-mapped planes (10000 x 10000 u16, 200 MB each); then a streaming verify
    (scanx.verify of the path: one forward pass) in a fresh process, and its peak RSS.
    The Python package has no streaming writer: the writer gets memory-mapped arrays."""
    import scanx

    d = work / "big"
    d.mkdir(parents=True, exist_ok=True)
    rows = cols = 10000
    n = max(1, int(round(gb * 1e9 / (rows * cols * 2))))
    block = make_planes("small", "noisy")[0]  # 1000 x 2000, repeated over the planes
    row = np.tile(block, (1, cols // block.shape[1] + 1))[:, :cols]
    m = np.lib.format.open_memmap(d / "planes.npy", mode="w+", dtype=np.uint16, shape=(n, rows, cols))
    for i in range(n):
        for y in range(0, rows, block.shape[0]):
            h = min(block.shape[0], rows - y)
            m[i, y : y + h] = row[:h] + np.uint16(i)
    m.flush()
    metadata = scanx.open(VECTORS / "valid" / "dual-energy-two-views.scx").metadata
    pairs = [("side", "high-energy"), ("side", "low-energy")]
    path = d / "big.scx"
    t = time.perf_counter()
    scanx.write(
        path,
        metadata=metadata,
        planes=[
            scanx.PlaneData(
                m[i],
                {
                    "name": f"{pairs[i % 2][0]} {pairs[i % 2][1]} {i // 2}",
                    "view": pairs[i % 2][0],
                    "channel": pairs[i % 2][1],
                    "pixel_spacing_mm": [5.0, 5.0],
                    "value_meaning": "transmission",
                },
            )
            for i in range(n)
        ],
        encoding=scanx.Encoding.stored(),
        signers=[scanx.Signer(_scanx_key(), "scanner", SCANX_TIME)],
    )
    write_s = time.perf_counter() - t
    del m
    (d / "planes.npy").unlink()
    size = path.stat().st_size
    r = run_child(
        {"fmt": "scanx-stored-sha256", "op": "verify-stream", "size": "small", "kind": "noisy", "runs": 1, "work": str(work), "path": str(path)}
    )
    r.update(bytes=size, write_s=write_s, planes=n)
    path.unlink()
    return r


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


def fmt_s(s: Optional[float]) -> str:
    if s is None:
        return "—"
    if s < 0.01:
        return f"{s * 1e3:.2f} ms"
    if s < 1:
        return f"{s * 1e3:.0f} ms"
    return f"{s:.2f} s"


def ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}x"


class Results:
    def __init__(self, rows: List[Dict[str, Any]]) -> None:
        self.rows = rows
        self.by: Dict[Tuple[str, str, str, str], Dict[str, Any]] = {(r["size"], r["kind"], r["fmt"], r["op"]): r for r in rows}

    def get(self, size: str, kind: str, fmt: str, op: str) -> Optional[Dict[str, Any]]:
        r = self.by.get((size, kind, fmt, op))
        return r if r and "error" not in r else None

    def t(self, size: str, kind: str, fmt: str, op: str) -> Optional[float]:
        r = self.get(size, kind, fmt, op)
        return None if r is None else float(r["best_s"])

    def size_of(self, size: str, kind: str, fmt: str) -> Optional[int]:
        r = self.get(size, kind, fmt, "write")
        return None if r is None else r.get("bytes")

    def rss_over(self, size: str, kind: str, fmt: str, op: str) -> Optional[float]:
        r = self.get(size, kind, fmt, op)
        return None if r is None else (r["peak_rss"] - r["base_rss"])

    def error(self, size: str, kind: str, fmt: str, op: str) -> Optional[str]:
        r = self.by.get((size, kind, fmt, op))
        return None if r is None else r.get("error")


def decoded_bytes(size: str) -> int:
    pairs, rows, cols = SIZES[size]
    return len(pairs) * rows * cols * 2


def mbs(nbytes: int, s: Optional[float]) -> str:
    return "—" if not s else f"{nbytes / s / 1e6:.0f}"


def mb(n: Optional[float]) -> str:
    return "—" if n is None else f"{n / 1e6:.1f}"


def report(res: Results, sizes: List[str], meta: Dict[str, Any]) -> str:
    peers = peer_formats()
    labels = {k: f.name for k, f in peers.items()}
    labels.update({k: v[0] for k, v in SCANX.items()})
    L: List[str] = []
    m = meta["machine"]
    L.append("# scanx beside other formats: results of bench/compare.py")
    L.append("")
    L.append(f"Generated {meta['when']} by `{meta['command']}` ({meta['elapsed_s']:.0f} s).")
    L.append("")
    L.append(
        f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gb']} GiB RAM, {m['platform']}, Python {m['python']}. "
        f"Load average at start {', '.join(f'{x:.2f}' for x in m['load_start'])}; at end "
        f"{', '.join(f'{x:.2f}' for x in meta['load_end'])}. The machine is shared: other work was running, so "
        "times are best of the runs and still noisy."
    )
    L.append("")
    L.append(f"scanx built from {meta.get('source', 'unknown')} (the wheel installed in the bench virtualenv).")
    L.append("")
    L.append("Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".")
    L.append("")
    L.append(
        f"Method: every number is one fresh Python process per (format, operation) running it "
        f"{meta['runs']} times (at least 5 for region reads, 20 for opens); the best wall time is kept. Files are on "
        "local disk with a warm page cache (just written). MB/s are of decoded pixels (10^6 bytes). "
        "Peak RSS is the child's VmHWM, reset through /proc/self/clear_refs just before the first run; 'over base' "
        "subtracts its RSS at that moment (interpreter, imports and, for writes, the input pixels). Writes of scanx sync the file "
        "(scanx.write is atomic: temporary file, fsync, rename); the write floor syncs too, the other writers do not. "
        "The image codecs (JPEG-LS, HTJ2K, JPEG-XL, pcodec) encode whole planes, one plane per "
        "core; tifffile, zarr and blosc2 use 2 threads; h5py, pydicom and numpy one."
    )
    L.append("")
    L.append("Workload: " + "; ".join(f"**{k}**: {v}" for k, v in KIND_TEXT.items()) + ".")
    L.append("")
    for size in sizes:
        pairs, rows, cols = SIZES[size]
        nb = decoded_bytes(size)
        L.append(f"## {size}: {len(pairs)} x {cols} x {rows} u16 ({nb / 1e6:.0f} MB decoded), noisy planes")
        L.append("")
        k = "noisy"
        t_load = res.t(size, k, "npy", "read")
        t_save = res.t(size, k, "npy", "write")

        def best_peer(op: str, compressed: bool) -> Optional[float]:
            ts = [res.t(size, k, key, op) for key, f in peers.items() if key != "npy" and f.compressed == compressed]
            ts2 = [t for t in ts if t is not None]
            return min(ts2) if ts2 else None

        L.append(
            "Ratios: 'x floor' is time / numpy's (numpy.load for reads, numpy.save for writes); 'x best peer' is "
            "time / the fastest other format of the same kind (uncompressed or lossless compressed; numpy excluded)."
        )
        L.append("")
        L.append(
            "| format | file MB | write | write MB/s | write x floor | write x best peer | read | read MB/s | read x floor | read x best peer | read peak RSS MB (over base) | read ok |"
        )
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        order = list(peers) + list(SCANX)
        for key in order:
            comp = peers[key].compressed if key in peers else SCANX[key][2] != "stored"
            w, r = res.t(size, k, key, "write"), res.t(size, k, key, "read")
            if w is None and r is None:
                err = res.error(size, k, key, "write") or res.error(size, k, key, "read")
                if err:
                    L.append(f"| {labels[key]} | failed: {err} |" + " |" * 10)
                continue
            rr = res.get(size, k, key, "read")
            rss = f"{rr['peak_rss'] / 1e6:.0f} ({(rr['peak_rss'] - rr['base_rss']) / 1e6:.0f})" if rr else "—"
            ok = "—" if not rr or "ok" not in rr else ("yes" if rr["ok"] else "**NO**")
            L.append(
                f"| {labels[key]} | {mb(res.size_of(size, k, key))} | {fmt_s(w)} | {mbs(nb, w)} | {ratio(w, t_save)} | "
                f"{ratio(w, best_peer('write', comp)) if key not in peers or key != 'npy' else '—'} | {fmt_s(r)} | {mbs(nb, r)} | "
                f"{ratio(r, t_load)} | {ratio(r, best_peer('read', comp)) if key != 'npy' else '—'} | {rss} | {ok} |"
            )
        L.append("")
        # scanx operations
        f_read = res.t(size, k, "floor-read-sha256", "read")
        f_write = res.t(size, k, "floor-write-sha256", "write")
        c2v = res.t(size, k, "c2pa", "verify")
        c2r = res.get(size, k, "c2pa", "verify")
        L.append(
            f"Floors: read the stored signed file + SHA-256 of its two halves on 2 threads **{fmt_s(f_read)}**; "
            f"hash the pixels on 2 threads + write + fsync **{fmt_s(f_write)}** (write + fsync alone "
            f"{fmt_s(res.t(size, k, 'floor-write', 'write'))}). c2pa-python (ES256 chain made locally, no thumbnail) on the uncompressed TIFF: "
            f"sign {fmt_s(res.t(size, k, 'c2pa', 'sign'))}, verify against the local root **{fmt_s(c2v)}**"
            + (f" (state {c2r['last']})" if c2r else
               f" (failed: {res.error(size, k, 'c2pa', 'verify')})")
            + "."
        )
        L.append("")
        L.append(
            "| scanx variant | read, digests checked | verified read (read_verified) | x floor (read + SHA-256) | x faster than c2pa verify | verify only | "
            "peak RSS MB of verified read (over base) | open + metadata, checked | open, unchecked | region 512² (open + read) |"
        )
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for key in SCANX:
            vr = res.t(size, k, key, "read-verified")
            rv = res.get(size, k, key, "read-verified")
            rss = f"{rv['peak_rss'] / 1e6:.0f} ({(rv['peak_rss'] - rv['base_rss']) / 1e6:.0f})" if rv else "—"
            faster = "—" if not vr or not c2v else f"{c2v / vr:.1f}x"
            L.append(
                f"| {labels[key]} | {fmt_s(res.t(size, k, key, 'read-checked'))} | {fmt_s(vr)} | {ratio(vr, f_read)} | {faster} | "
                f"{fmt_s(res.t(size, k, key, 'verify'))} | {rss} | {fmt_s(res.t(size, k, key, 'open'))} | "
                f"{fmt_s(res.t(size, k, key, 'open-unchecked'))} | {fmt_s(res.t(size, k, key, 'region'))} |"
            )
        L.append("")
        others = [
            f"{labels[key]} {fmt_s(res.t(size, k, key, 'region'))}" for key in peers if res.t(size, k, key, "region") is not None
        ]
        opens = [f"{labels[key]} {fmt_s(res.t(size, k, key, 'open'))}" for key in peers if res.t(size, k, key, "open") is not None]
        L.append("Region 512² of the other formats: " + "; ".join(others) + ".")
        L.append("")
        L.append("Metadata-only open of the other formats: " + "; ".join(opens) + ".")
        L.append("")
        # sizes per kind
        L.append(f"### {size}: lossless size per plane kind")
        L.append("")
        L.append("Size in MB, bits per pixel, and size / JPEG-LS's on the same planes; encode and decode MB/s (2 cores).")
        L.append("")
        kinds = [kk for kk in KINDS if any(r["size"] == size and r["kind"] == kk for r in res.rows)]
        head = "| codec | " + " | ".join(f"{kk}: MB | bpp | x JPEG-LS | enc MB/s | dec MB/s" for kk in kinds) + " |"
        L.append(head)
        L.append("|---|" + "---|" * (5 * len(kinds)))
        comp_keys = [key for key, f in peers.items() if f.compressed] + ["scanx-default", "scanx-rice", "scanx-stored"]
        for key in comp_keys:
            cells = []
            for kk in kinds:
                b = res.size_of(size, kk, key)
                jl = res.size_of(size, kk, "jpegls")
                if b is None:
                    cells.append("— | — | — | — | —")
                    continue
                px = nb // 2
                cells.append(
                    f"{b / 1e6:.2f} | {8 * b / px:.2f} | {ratio(b, jl)} | {mbs(nb, res.t(size, kk, key, 'write'))} | {mbs(nb, res.t(size, kk, key, 'read'))}"
                )
            if any(c != "— | — | — | — | —" for c in cells):
                L.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
        L.append("")
    # targets
    L.extend(targets(res, sizes, meta))
    L.append("")
    L.append("## Not measured")
    L.append("")
    for line in meta["not_measured"]:
        L.append(f"- {line}")
    L.append("")
    return "\n".join(L)


def targets(res: Results, sizes: List[str], meta: Dict[str, Any]) -> List[str]:
    L = ["## Targets (issue 12, item 4)", ""]
    size = "medium" if "medium" in sizes or not sizes else sizes[-1]
    k = "noisy"
    if size != "medium":
        L.append(f"The targets are defined on the medium workload, which this run did not measure; shown on **{size}** instead.")
        L.append("")
    L.append(f"On the **{size}** workload, the stored file signed with SHA-256 (`scanx stored, signed SHA-256`):")
    L.append("")
    S = "scanx-stored-sha256"

    def line(name: str, value: Optional[float], limit: float, text: str, lower_better: bool = True) -> None:
        if value is None:
            L.append(f"- {name}: **NOT MEASURED** ({text})")
            return
        met = value <= limit if lower_better else value >= limit
        L.append(f"- {name}: **{'MET' if met else 'MISSED'}**: {text}")

    t_load = res.t(size, k, "npy", "read")
    r = res.t(size, k, S, "read")
    line(
        "unverified read within 1.3x of numpy.load",
        None if r is None or t_load is None else r / t_load,
        1.3,
        f"{fmt_s(r)} against {fmt_s(t_load)}: {ratio(r, t_load)}",
    )
    vr = res.t(size, k, S, "read-verified")
    fr = res.t(size, k, "floor-read-sha256", "read")
    line(
        "verified read (SHA-256) within 1.3x of reading the file + SHA-256 of its bytes on 2 cores",
        None if vr is None or fr is None else vr / fr,
        1.3,
        f"{fmt_s(vr)} against {fmt_s(fr)}: {ratio(vr, fr)}",
    )
    c2v = res.t(size, k, "c2pa", "verify")
    line(
        "verified read at least 5x faster than c2pa-python verifying the same pixels as TIFF",
        None if vr is None or c2v is None else c2v / vr,
        5.0,
        f"c2pa verify {fmt_s(c2v)}, scanx verified read (pixels decoded too) {fmt_s(vr)}: "
        + ("—" if not vr or not c2v else f"{c2v / vr:.1f}x faster")
        + ("" if c2v is not None else f"; c2pa: {res.error(size, k, 'c2pa', 'verify')}"),
        lower_better=False,
    )
    w = res.t(size, k, S, "write")
    fw = res.t(size, k, "floor-write-sha256", "write")
    line(
        "signed write within 1.5x of writing the bytes + hashing them",
        None if w is None or fw is None else w / fw,
        1.5,
        f"{fmt_s(w)} against {fmt_s(fw)} (hash on 2 threads, write, fsync): {ratio(w, fw)}",
    )
    big = "large" if "large" in sizes or not sizes else sizes[-1]
    o = res.t(big, k, S, "open")
    line(
        "opening the large file and checking the signature over its metadata in 2 ms or less",
        None if o is None else o * 1e3,
        2.0,
        f"`scanx.open` (digests checked: every non-tile chunk, the manifests and the signature) + metadata on **{big}**: {fmt_s(o)}"
        + ("" if big == "large" else " (the large workload was not run)")
        + "; "
        + ", ".join(f"{s2}: {fmt_s(res.t(s2, k, S, 'open'))}" for s2 in sizes),
    )
    nb = decoded_bytes(size)
    for op, text in (
        ("read-checked", "a full read (scanx.open + to_numpy of every plane, digests checked)"),
        ("read", "a full read with check_digests=False"),
        ("read-verified", "a verified read (read_verified)"),
    ):
        over = res.rss_over(size, k, S, op)
        line(
            f"peak memory of {text} at most the decoded size + 10%",
            None if over is None else over / nb,
            1.10,
            f"peak RSS over the process's base {mb(over)} MB for {nb / 1e6:.0f} MB decoded: {'—' if over is None else f'{over / nb:.2f}x'}",
        )
    bs = meta.get("big_stream")
    if bs and "error" not in bs:
        peak = bs["peak_rss"]
        over = peak - bs["base_rss"]
        line(
            "streaming verify of a 4 GB file in 64 MB or less (the verifier's memory: peak RSS over the Python interpreter and its imports)",
            over / 2**20,
            64.0,
            f"{bs['bytes'] / 1e9:.2f} GB stored signed file ({bs.get('planes')} planes of 10000 x 10000 u16), `scanx.verify(path)` (one forward pass) in a fresh process: "
            f"{over / 2**20:.0f} MiB over the base; the process's peak RSS in all {peak / 2**20:.0f} MiB "
            f"({bs['base_rss'] / 2**20:.0f} MiB of it the interpreter, numpy and scanx before verifying); {fmt_s(bs['best_s'])}",
        )
    else:
        reason = "run with --big-stream" if not bs else bs.get("error")
        line("streaming verify of a 4 GB file in 64 MB or less", None, 64.0, str(reason))
    # codec target (item 2), shown for reference
    L.append("")
    L.append("For reference, item 2's codec targets on the same run (the default codec against JPEG-LS, noisy and smooth planes):")
    L.append("")
    for kk in KINDS:
        b, jl = res.size_of(size, kk, "scanx-default"), res.size_of(size, kk, "jpegls")
        if b is None or jl is None:
            continue
        L.append(
            f"- {kk}: default codec {b / 1e6:.2f} MB, JPEG-LS {jl / 1e6:.2f} MB: {b / jl:.3f}x "
            f"({'at or below' if b <= jl else 'above'} JPEG-LS); default codec encode {mbs(nb, res.t(size, kk, 'scanx-default', 'write'))} MB/s, "
            f"decode {mbs(nb, res.t(size, kk, 'scanx-default', 'read'))} MB/s on 2 cores"
        )
    return L


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="small,medium,large", help="comma-separated: small, medium, large")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement, best kept (default 3)")
    ap.add_argument("--out", default=str(REPO / "bench" / "RESULTS.md"))
    ap.add_argument("--quick", action="store_true", help="small only, one run, no smooth planes (the smoke test)")
    ap.add_argument("--big-stream", action="store_true", help="also a ~4 GB stored file's streaming verify")
    ap.add_argument("--big-stream-gb", type=float, default=4.0, help=argparse.SUPPRESS)
    ap.add_argument("--kinds", default=",".join(KINDS), help="plane kinds: noisy, material, averaged")
    ap.add_argument("--workdir", default=None, help="where files go (default: a temporary folder on /tmp)")
    ap.add_argument("--json", default=None, help="also write every measurement as JSON here")
    ap.add_argument("--from-json", default=None, help="write the report from a --json file of an earlier run, measuring nothing")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(json.loads(a.child))))
        return
    if a.from_json:
        # one or more runs (comma-separated): rows merged, the first run's machine and
        # command kept, the others' commands and their big stream measurement added
        runs_saved = [json.loads(Path(f).read_text()) for f in a.from_json.split(",") if f]
        meta0 = runs_saved[0]["meta"]
        rows0: List[Dict[str, Any]] = []
        for saved in runs_saved:
            rows0.extend(saved["rows"])
            if saved is not runs_saved[0]:
                meta0["command"] += "`, then `" + saved["meta"]["command"]
                meta0["elapsed_s"] += saved["meta"]["elapsed_s"]
                meta0["load_end"] = saved["meta"]["load_end"]
                if "big_stream" in saved["meta"]:
                    meta0["big_stream"] = saved["meta"]["big_stream"]
                    meta0["not_measured"] = [x for x in meta0["not_measured"] if "--big-stream" not in x]
        saved_sizes = [s for s in SIZES if any(r["size"] == s for r in rows0)]
        Path(a.out).write_text(report(Results(rows0), saved_sizes, meta0))
        print(f"wrote {a.out}", file=sys.stderr)
        return
    sizes = ["small"] if a.quick else [s for s in a.sizes.split(",") if s]
    kinds = ["noisy"] if a.quick else [k for k in a.kinds.split(",") if k]
    runs = 1 if a.quick else a.runs
    if not sizes and not a.big_stream:
        ap.error("no --sizes and no --big-stream: nothing to measure")
    for s in sizes:
        if s not in SIZES:
            ap.error(f"unknown size {s!r}")
    for k in kinds:
        if k not in KINDS:
            ap.error(f"unknown kind {k!r}")
    if "noisy" not in kinds:
        kinds.insert(0, "noisy")
    meta: Dict[str, Any] = {
        "machine": machine(),
        "versions": versions(),
        "command": "python bench/compare.py " + " ".join(sys.argv[1:]),
        "source": source_state(),
        "runs": runs,
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "not_measured": [],
    }
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="scanx-bench-", dir=a.workdir))
    rows: List[Dict[str, Any]] = []
    try:
        make_c2pa_certs(work)
        for size in sizes:
            for kind in kinds:
                print(f"{size} / {kind}: making the workload", file=sys.stderr)
                np.save(work / f"workload-{size}-{kind}.npy", make_planes(size, kind))
                for spec in plan(size, kind, work, runs):
                    rows.append(run_child(spec))
                shutil.rmtree(work / size / kind, ignore_errors=True)
                (work / f"workload-{size}-{kind}.npy").unlink()
        if a.big_stream:
            print("big stream: writing a ~4 GB file", file=sys.stderr)
            try:
                meta["big_stream"] = big_stream(work, a.big_stream_gb)
            except Exception as e:  # reported in RESULTS.md
                meta["big_stream"] = {"error": f"{type(e).__name__}: {e}"}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not _has_htj2k():
        meta["not_measured"].append("HTJ2K: this imagecodecs build has no OpenJPH (imagecodecs.HTJ2K.available is False).")
    errs = [r for r in rows if "error" in r]
    for r in errs:
        meta["not_measured"].append(f"{r['fmt']} {r['op']} ({r['size']}, {r['kind']}): {r['error']}")
    meta["not_measured"].append(
        "Region reads and metadata-only opens of tifffile (no region API without zarr) and of the image codecs "
        "(whole-plane streams): not measured."
    )
    meta["not_measured"].append(
        "c2pa verify checks the hash of the file and the claim signature; it does not decode pixels, whereas scanx's "
        "verified read also decodes every plane into numpy."
    )
    if not a.big_stream:
        meta["not_measured"].append("Streaming verify of a 4 GB file: run with --big-stream.")
    meta["load_end"] = os.getloadavg()
    meta["elapsed_s"] = time.perf_counter() - t0
    text = report(Results(rows), sizes, meta)
    Path(a.out).write_text(text)
    if a.json:
        Path(a.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=1, default=str))
    print(f"wrote {a.out}", file=sys.stderr)
    if errs:
        print(f"{len(errs)} measurement(s) failed; see {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
