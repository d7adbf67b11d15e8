"""Reading: `open()`, `Scan` and `Plane`."""

from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import asdict, dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

import numpy as np

from . import _scanx
from .errors import InvalidArgumentError
from .report import VerifyReport

if TYPE_CHECKING:
    import dask.array

__all__ = ["Limits", "Scan", "Plane", "open", "validate", "verify", "read_verified"]

_DTYPES: Dict[str, "np.dtype[Any]"] = {
    "u8": np.dtype("<u1"),
    "u16": np.dtype("<u2"),
    "u32": np.dtype("<u4"),
    "f32": np.dtype("<f4"),
}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what reading a file may cost. Fields left None keep the core's
    conservative defaults (see ``Limits.defaults()``)."""

    max_chunk_bytes: Optional[int] = None
    max_pixels_per_plane: Optional[int] = None
    max_decoded_bytes: Optional[int] = None
    max_metadata_bytes: Optional[int] = None
    max_tiles: Optional[int] = None
    max_planes: Optional[int] = None
    max_annotations: Optional[int] = None
    max_chunks: Optional[int] = None

    @staticmethod
    def defaults() -> "Limits":
        """The core's default limits, every field set."""
        return Limits(**_scanx.Reader.default_limits())

    def to_dict(self) -> Dict[str, int]:
        """The fields that are set."""
        return {k: v for k, v in asdict(self).items() if v is not None}


LimitsLike = Union[Limits, Mapping[str, int], None]
Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]


def _limits_dict(limits: LimitsLike) -> Optional[Dict[str, int]]:
    if limits is None:
        return None
    if isinstance(limits, Limits):
        return limits.to_dict()
    return dict(limits)


class _SeekableReader:
    """``read_at(offset, length)`` over a seekable binary file object; the lock keeps
    seek and read together when several threads read one scan."""

    def __init__(self, f: Any) -> None:
        self._f = f
        self._lock = threading.Lock()

    def __call__(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._f.seek(offset)
            chunks = []
            left = length
            while left > 0:
                b = self._f.read(left)
                if not b:
                    break
                chunks.append(b)
                left -= len(b)
            return b"".join(chunks)


class _FsReader:
    """``read_at(offset, length)`` over an fsspec file system: one ranged request each."""

    def __init__(self, fs: Any, path: str) -> None:
        self.fs = fs
        self.path = path

    def __call__(self, offset: int, length: int) -> bytes:
        data = self.fs.cat_file(self.path, start=offset, end=offset + length)
        return bytes(data)


def _is_openfile(obj: Any) -> bool:
    """An fsspec OpenFile, or a file fsspec opened: read by ranges through its file
    system, one request per range, rather than through its read-ahead buffer."""
    fs = getattr(obj, "fs", None)
    return fs is not None and hasattr(fs, "cat_file") and isinstance(getattr(obj, "path", None), str)


def _open_reader(
    source: Any,
    limits: Optional[Dict[str, int]],
    storage_options: Optional[Dict[str, Any]],
    check: bool = True,
) -> Tuple[_scanx.Reader, Tuple[Any, ...]]:
    """The core reader for a source, and how to reopen it (for pickling)."""
    if isinstance(source, str) and "://" in source and not source.startswith("file://"):
        import fsspec

        fs, path = fsspec.core.url_to_fs(source, **(storage_options or {}))
        return _open_fs(fs, path, limits, check)
    if isinstance(source, str) and source.startswith("file://"):
        source = source[len("file://") :]
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return _scanx.Reader.open_path(path, limits, check), ("path", os.path.abspath(path))
    if isinstance(source, bytes):
        return _scanx.Reader.from_bytes(source, limits, check), ("bytes", source)
    if isinstance(source, memoryview) and isinstance(source.obj, bytes) and source.contiguous and source.nbytes == len(source.obj):
        # A view of a whole bytes object: read the bytes themselves, no copy.
        return _scanx.Reader.from_bytes(source.obj, limits, check), ("bytes", source.obj)
    if isinstance(source, (bytearray, memoryview)):
        data = bytes(source)
        return _scanx.Reader.from_bytes(data, limits, check), ("bytes", data)
    if _is_openfile(source):
        return _open_fs(source.fs, source.path, limits, check)
    if hasattr(source, "read"):
        seekable = getattr(source, "seekable", None)
        if callable(seekable) and seekable():
            start = source.tell()
            length = source.seek(0, io.SEEK_END)
            source.seek(start)
            reader = _scanx.Reader.from_range(_SeekableReader(source), length, limits, check)
            return reader, ("file",)
        data = source.read()
        if not isinstance(data, bytes):
            raise InvalidArgumentError(
                "a file object must be opened in binary mode",
                300,
                "INVALID_ARGUMENT",
            )
        return _scanx.Reader.from_bytes(data, limits, check), ("bytes", data)
    raise TypeError(
        "scanx.open() takes a path, bytes, a binary file object, an fsspec OpenFile or "
        f"a URL, not {type(source).__name__}"
    )


def _open_fs(
    fs: Any, path: str, limits: Optional[Dict[str, int]], check: bool = True
) -> Tuple[_scanx.Reader, Tuple[Any, ...]]:
    length = int(fs.size(path))
    reader = _scanx.Reader.from_range(_FsReader(fs, path), length, limits, check)
    return reader, ("fsspec", fs, path)


def open(  # noqa: A001 - the package's entry point, like tifffile and rasterio
    source: Source,
    *,
    limits: LimitsLike = None,
    check_digests: bool = True,
    storage_options: Optional[Dict[str, Any]] = None,
) -> "Scan":
    """Opens a scan for random access: the metadata is read now, pixels are decoded when
    asked for.

    ``source`` is a path (``str`` or ``os.PathLike``), ``bytes`` (kept without copying),
    ``bytearray`` or ``memoryview`` (copied once), a binary file object (seekable: read
    by ranges; not seekable: read whole first), an fsspec ``OpenFile``, or a URL such as
    ``s3://bucket/key.scx`` (fsspec; ``storage_options`` go to the file system).

    ``check_digests`` (on by default) checks integrity against the file's own manifests:
    every chunk but the tiles is checked on opening, and each tile as it is read; one
    that does not match raises :class:`VerificationError` (``DIGEST_MISMATCH``, 700,
    naming the chunk). This is integrity, not trust, and covers the chunk digests and
    the manifest chain only: signatures, redaction records and signers are checked by
    :meth:`Scan.verify` (and signatures by a checked :func:`validate`). It costs one read per non-tile chunk on opening; with
    ``check_digests=False`` opening takes two reads (the end of the file, then its
    front) and an altered tile whose structure is intact reads as altered pixels.

    Raises a :class:`scanx.ScanxError` subclass if the file cannot be opened.
    """
    d = _limits_dict(limits)
    check = bool(check_digests)
    reader, origin = _open_reader(source, d, storage_options, check)
    return Scan(reader, origin, d, check)


def validate(source: Source, *, limits: LimitsLike = None, check_digests: bool = True) -> None:
    """Reads a whole file in one forward pass with every check of the format (every tile
    decoded, the index rebuilt and compared); raises the first problem in file order.

    With ``check_digests`` (the default) the file is verified in the same pass, without
    a trust store, and anything verification finds INVALID (an altered, inserted or
    reordered chunk, a broken manifest chain, a bad signature) raises
    :class:`VerificationError` (``DIGEST_MISMATCH`` or ``BAD_SIGNATURE``).
    ``check_digests=False`` checks the format only."""
    d = _limits_dict(limits)
    check = bool(check_digests)
    if isinstance(source, (str, os.PathLike)) and "://" not in os.fspath(source):
        _scanx.validate_path(os.fspath(source), d, check)
    elif isinstance(source, bytes):
        _scanx.validate_bytes(source, d, check)
    else:
        # Opened unchecked so that the forward pass reports the first problem itself.
        with open(source, limits=limits, check_digests=False) as scan:
            scan._live().validate(check)


def verify(source: Source, *, trust: Any = None, limits: LimitsLike = None) -> VerifyReport:
    """Verifies a whole file in one forward pass, even one that cannot be opened: a file
    that breaks the format is INVALID with FORMAT_ERROR, and the report says where."""
    d = _limits_dict(limits)
    t = _trust(trust)
    if isinstance(source, (str, os.PathLike)) and "://" not in os.fspath(source):
        return VerifyReport(_scanx.verify_path(os.fspath(source), t, d))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return VerifyReport(_scanx.verify_bytes(bytes(source), t, d))
    # Opened unchecked: verification reports an altered file, it does not raise.
    with open(source, limits=limits, check_digests=False) as scan:
        return scan.verify(t)


def read_verified(
    source: Union[str, "os.PathLike[str]", bytes, bytearray, memoryview],
    *,
    trust: Any = None,
    limits: LimitsLike = None,
) -> Tuple[VerifyReport, Dict[int, "np.ndarray[Any, Any]"]]:
    """Verifies a whole file and decodes every plane in the same forward pass (each
    byte read once, each tile digested where it is decoded): the report, and the planes
    as ``{plane index: array}``. The pixels are returned whatever the report says:
    check ``report.status`` before trusting them. Raises the format error of a file that
    cannot be read at all (a path or bytes; for other sources use `open`)."""
    d = _limits_dict(limits)
    t = _trust(trust)
    if isinstance(source, (str, os.PathLike)):
        text, planes = _scanx.read_verified(path=os.fspath(source), trust=t, limits=d)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = source if isinstance(source, bytes) else bytes(source)
        text, planes = _scanx.read_verified(data=data, trust=t, limits=d)
    else:
        raise TypeError(
            f"scanx.read_verified() takes a path or bytes, not {type(source).__name__}"
        )
    return VerifyReport(text), dict(planes)


def _reopen(
    origin: Tuple[Any, ...], limits: Optional[Dict[str, int]], check_digests: bool = True
) -> "Scan":
    kind = origin[0]
    if kind == "path":
        return open(origin[1], limits=limits, check_digests=check_digests)
    if kind == "bytes":
        return open(origin[1], limits=limits, check_digests=check_digests)
    if kind == "fsspec":
        reader, origin = _open_fs(origin[1], origin[2], limits, check_digests)
        return Scan(reader, origin, limits, check_digests)
    raise ValueError(f"cannot reopen a scan from {kind}")


def _trust(trust: Any) -> Optional[_scanx.TrustStore]:
    if trust is None or isinstance(trust, _scanx.TrustStore):
        return trust
    if isinstance(trust, (str, os.PathLike)):
        return _scanx.TrustStore.load(os.fspath(trust))
    raise TypeError("trust must be a TrustStore, a path to one, or None")


class Scan:
    """An open scan file: metadata at once, pixels on demand.

    A context manager; safe to read from several threads at once (decoding releases the
    GIL); picklable (by its path or URL, or its bytes when it was opened from memory,
    with its limits and ``check_digests``), so it can be handed to worker processes.
    """

    def __init__(
        self,
        reader: _scanx.Reader,
        origin: Tuple[Any, ...],
        limits: Optional[Dict[str, int]] = None,
        check_digests: bool = True,
    ) -> None:
        self._reader = reader
        self._origin = origin
        self._limits = limits
        self._check_digests = check_digests
        self._metadata: Optional[Dict[str, Any]] = None
        self._planes: Optional[List[Plane]] = None
        self._closed = False

    # --- context manager and lifetime -------------------------------------------------
    def __enter__(self) -> "Scan":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Marks the scan closed; later pixel reads raise ValueError. The file handle is
        released when the last reference goes."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._closed

    def _live(self) -> _scanx.Reader:
        if self._closed:
            raise ValueError("I/O operation on a closed scan")
        return self._reader

    # --- pickling ------------------------------------------------------------------------
    def __reduce__(self) -> Tuple[Any, ...]:
        origin = self._origin
        if origin[0] == "file":
            origin = ("bytes", self._reader.read_all())
        return (_reopen, (origin, self._limits, self._check_digests))

    # --- what the file says --------------------------------------------------------------
    @property
    def check_digests(self) -> bool:
        """Whether chunks are checked against the manifest digests as they are read (see
        :func:`scanx.open`)."""
        return self._check_digests

    @property
    def file_id(self) -> str:
        """The file id, 32 hexadecimal digits."""
        return self._reader.file_id

    @property
    def version(self) -> str:
        """The format version, ``major.minor``."""
        return self._reader.version

    @property
    def size(self) -> int:
        """The file's length in bytes."""
        return self._reader.length

    @property
    def path(self) -> Optional[str]:
        """The path or URL the scan was opened from, if any."""
        if self._origin[0] == "path":
            return str(self._origin[1])
        if self._origin[0] == "fsspec":
            fs = self._origin[1]
            return str(fs.unstrip_protocol(self._origin[2]))
        return None

    @property
    def metadata(self) -> Dict[str, Any]:
        """The scan metadata (the META JSON) as a dict. A fresh copy each time."""
        if self._metadata is None:
            self._metadata = json.loads(self._reader.metadata_json())
        return json.loads(json.dumps(self._metadata))  # type: ignore[no-any-return]

    @property
    def metadata_json(self) -> bytes:
        """The META payload exactly as stored (what the signatures cover)."""
        return self._reader.metadata_json()

    @property
    def personal_data(self) -> Optional[Dict[str, Any]]:
        """The personal data (plates, names), or None when absent or redacted."""
        raw = self._reader.personal_json()
        return None if raw is None else json.loads(raw)

    @property
    def annotations(self) -> List[Dict[str, Any]]:
        """The annotation records, in file order (read on first use)."""
        return json.loads(self._live().annotations_json())  # type: ignore[no-any-return]

    @property
    def events(self) -> List[Dict[str, Any]]:
        """The provenance events, in file order (read on first use)."""
        return json.loads(self._live().events_json())  # type: ignore[no-any-return]

    @property
    def signature_count(self) -> int:
        """How many signatures the file carries."""
        return self._live().counts()[0]

    @property
    def generation_count(self) -> int:
        """How many generations (signed manifests) the file has."""
        return self._live().counts()[1]

    @property
    def redacted_tiles(self) -> List[Tuple[int, int, int]]:
        """Tiles removed by a redaction, as ``(plane, col, row)``; they read as zero."""
        return self._live().redacted_tiles()

    @property
    def unknown_chunks(self) -> List[Tuple[str, int, int]]:
        """Skipped ancillary chunks, as ``(type, header offset, payload length)``."""
        return self._live().unknown_chunks()

    @property
    def planes(self) -> List["Plane"]:
        """The image planes, in file order."""
        if self._planes is None:
            self._planes = [Plane(self, p) for p in self._reader.planes()]
        return list(self._planes)

    def plane(self, key: Union[int, str]) -> "Plane":
        """A plane by index or by name."""
        planes = self.planes
        if isinstance(key, int):
            return planes[key]
        for p in planes:
            if p.name == key:
                return p
        raise KeyError(key)

    # --- checks --------------------------------------------------------------------------
    def verify(self, trust: Any = None) -> VerifyReport:
        """Verifies the whole file in one forward pass: every chunk against its signed
        manifest, every signature, every redaction record, every signer against ``trust``
        (a :class:`TrustStore`, a path to one, or None: then at best VALID_UNTRUSTED).
        Never raises for a bad file: the report says what is wrong."""
        return VerifyReport(self._live().verify(_trust(trust)))

    def verify_strict(self, trust: Any) -> VerifyReport:
        """As `verify`, but raises :class:`VerificationError` (NOT_TRUSTED, 704) naming
        the status and every reason unless the file is TRUSTED."""
        report = self.verify(trust)
        if report.status.value != "TRUSTED":
            from .errors import VerificationError

            reasons = "; ".join(f"{p.reason}: {p.message}" for p in report.problems)
            message = f"NOT_TRUSTED: verification status is {report.status.value}"
            if reasons:
                message += f"; {reasons}"
            raise VerificationError(message, 704, "NOT_TRUSTED")
        return report

    def validate(self) -> None:
        """Reads the whole file in one forward pass with every check; raises the first
        problem in file order. With ``check_digests`` (as the scan was opened) the pass
        also verifies, and anything verification finds INVALID raises
        :class:`VerificationError`."""
        self._live().validate()

    # --- display -------------------------------------------------------------------------
    def __repr__(self) -> str:
        planes = ", ".join(
            f"{p.name!r} {p.shape[1]}x{p.shape[0]} {p.sample_type}" for p in self.planes
        )
        where = f" {self.path!r}" if self.path else ""
        return f"<scanx.Scan{where} id={self.file_id} v{self.version} planes=[{planes}]>"

    def _repr_html_(self) -> str:
        from ._html import scan_html

        return scan_html(self)


class Plane:
    """One image plane of a scan: its description, and its pixels on demand.

    ``plane.to_numpy()`` decodes the whole plane straight into a new numpy array;
    ``plane[y0:y1, x0:x1]`` decodes only the tiles under the region; ``np.asarray(plane)``
    works too. Arrays keep the file's dtype: rescaling is explicit (``plane.rescale``).
    """

    def __init__(self, scan: Scan, info: Dict[str, Any]) -> None:
        self._scan = scan
        self.index: int = info["index"]
        self.sample_type: str = info["sample_type"]
        self.dtype: np.dtype[Any] = _DTYPES[self.sample_type]
        self.shape: Tuple[int, int] = (info["height"], info["width"])
        self.tile_shape: Tuple[int, int] = (info["tile_height"], info["tile_width"])
        self.personal: bool = info["personal"]
        self.attributes: Dict[str, Any] = json.loads(info["attributes_json"])
        a = self.attributes
        self.name: str = a["name"]
        self.view: str = a["view"]
        self.channel: str = a["channel"]
        self.value_meaning: str = a["value_meaning"]
        self.spacing: Tuple[float, float] = tuple(a["pixel_spacing_mm"])
        self.rescale: Tuple[float, float] = (
            float(a.get("rescale_slope", 1.0)),
            float(a.get("rescale_intercept", 0.0)),
        )
        w = a.get("display_window")
        self.window: Optional[Tuple[float, float]] = (
            None if w is None else (float(w["center"]), float(w["width"]))
        )

    @property
    def scan(self) -> Scan:
        """The scan the plane belongs to."""
        return self._scan

    @property
    def ndim(self) -> int:
        """Always 2."""
        return 2

    @property
    def size(self) -> int:
        """Number of samples."""
        return self.shape[0] * self.shape[1]

    @property
    def nbytes(self) -> int:
        """Decoded size in bytes."""
        return self.size * self.dtype.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_plane_of, (self._scan, self.index))

    def to_numpy(self) -> "np.ndarray[Any, Any]":
        """Decodes the whole plane into a new array (redacted tiles read as zero). With
        ``check_digests``, a tile that does not match its manifest raises
        :class:`VerificationError` (``DIGEST_MISMATCH``, chunk ``TILE``)."""
        return self._scan._live().read_plane(self.index)

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> "np.ndarray[Any, Any]":
        a = self.to_numpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def read_region(self, x: int, y: int, width: int, height: int) -> "np.ndarray[Any, Any]":
        """Decodes the ``width`` x ``height`` region at column ``x``, row ``y``; only the
        tiles it touches are read."""
        return self._scan._live().read_region(
            self.index, x, y, width, height
        )

    def _bounds(self, key: Any) -> Tuple[slice, slice, Tuple[Any, ...], Tuple[int, int, int, int]]:
        if not isinstance(key, tuple):
            key = (key,)
        if len(key) > 2:
            raise IndexError("a plane has two dimensions")
        key = key + (slice(None),) * (2 - len(key))
        spans = []
        post: List[Any] = []
        for k, n in zip(key, self.shape):
            if isinstance(k, (int, np.integer)):
                i = int(k)
                if i < 0:
                    i += n
                if not 0 <= i < n:
                    raise IndexError(f"index {int(k)} is out of bounds for size {n}")
                spans.append((i, i + 1))
                post.append(0)
            elif isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step > 0:
                    lo, hi = start, max(start, stop)
                    spans.append((lo, hi))
                    post.append(slice(None, None, step))
                else:
                    lo, hi = stop + 1, start + 1
                    spans.append((max(lo, 0), max(hi, 0)))
                    post.append(slice(None, None, step))
            else:
                raise TypeError("planes take integer and slice indices")
        (y0, y1), (x0, x1) = spans
        return slice(y0, y1), slice(x0, x1), tuple(post), (x0, y0, x1 - x0, y1 - y0)

    def __getitem__(self, key: Any) -> Any:
        """``plane[y0:y1, x0:x1]``: a region read. Steps and integer indices are applied
        to the region read."""
        _, _, post, (x, y, w, h) = self._bounds(key)
        if w == 0 or h == 0:
            return np.zeros((h, w), dtype=self.dtype)[post]
        region = self.read_region(x, y, w, h)
        return region[post]

    def to_dask(self, chunks: Optional[Tuple[int, int]] = None) -> "dask.array.Array":
        """A dask array of the plane, one chunk per tile (or per ``chunks``), each read
        as a region when computed. Needs ``dask[array]``."""
        import dask.array as da

        array: "dask.array.Array" = da.from_array(  # type: ignore[no-untyped-call]
            self,
            chunks=chunks or self.tile_shape,
            asarray=False,
            fancy=False,
            lock=False,
            meta=np.empty((0, 0), dtype=self.dtype),
            name=f"scanx-{self._scan.file_id}-{self.index}",
        )
        return array

    def verify_region(
        self,
        x: int,
        y: int,
        width: int,
        height: int,
        trust: Any = None,
    ) -> VerifyReport:
        """Verifies the manifests, the signatures and the tiles under one region, reading
        nothing else of the pixels. Raises for a region outside the plane."""
        return VerifyReport(
            self._scan._live().verify_region(self.index, x, y, width, height, _trust(trust))
        )

    def __repr__(self) -> str:
        return (
            f"<scanx.Plane {self.index} {self.name!r} {self.view}/{self.channel} "
            f"{self.shape[1]}x{self.shape[0]} {self.sample_type} tiles "
            f"{self.tile_shape[1]}x{self.tile_shape[0]}{' personal' if self.personal else ''}>"
        )


def _plane_of(scan: Scan, index: int) -> Plane:
    return scan.planes[index]
