"""Writing and editing scans."""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _scanx
from ._scanx import PublicKey, SigningKey
from .errors import InvalidArgumentError

__all__ = [
    "Encoding",
    "ExternalSigner",
    "PlaneData",
    "Signer",
    "write",
    "edit",
    "Editor",
]

_SAMPLE_TYPES = {
    np.dtype("u1"): "u8",
    np.dtype("u2"): "u16",
    np.dtype("u4"): "u32",
    np.dtype("f4"): "f32",
}


def _bad(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"INVALID_ARGUMENT: {message}", 300, "INVALID_ARGUMENT")


@dataclass(frozen=True)
class Encoding:
    """How tiles are stored: a filter chain, a codec and its level (0: the default).

    Filters: ``delta``, ``predictor2d``, ``shuffle`` (see the specification);
    codecs: ``none``, ``deflate``, ``zstd``, ``rice`` (MED prediction and Golomb-Rice codes,
    format 1.1, used with no filter: ``Encoding(filters=(), codec="rice")``). The default is
    the core's: the 2-D predictor, byte shuffle, zstd.
    """

    filters: Tuple[str, ...] = ("predictor2d", "shuffle")
    codec: str = "zstd"
    level: int = 0

    @staticmethod
    def stored() -> "Encoding":
        """No filter, no compression."""
        return Encoding(filters=(), codec="none", level=0)


@dataclass(frozen=True)
class ExternalSigner:
    """A signer whose private key lives elsewhere (an HSM, a KMS): ``sign(message)``
    returns the 64-byte Ed25519 signature of exactly ``message``. Every signature it
    returns is checked against ``public_key`` before it is used."""

    public_key: PublicKey
    sign: Callable[[bytes], bytes]

    @property
    def key_id(self) -> str:
        """The key id of the public key."""
        return self.public_key.key_id


SignerLike = Union[SigningKey, ExternalSigner]


@dataclass(frozen=True)
class Signer:
    """A signature to add: who signs, in which role (``scanner``, ``agency``,
    ``recipient``, ``analyst``), and when (a datetime or seconds since the epoch, UTC;
    None: now)."""

    key: SignerLike
    role: str = "scanner"
    time: Union[int, _dt.datetime, None] = None

    def _request(self) -> Tuple[Any, str, int]:
        return (_signer_obj(self.key), self.role, _seconds(self.time))


def _signer_obj(key: Any) -> Any:
    if isinstance(key, SigningKey):
        return key
    if isinstance(key, ExternalSigner):
        return (key.public_key, key.sign)
    if isinstance(key, tuple) and len(key) == 2:
        return key
    raise TypeError("a signer is a SigningKey or an ExternalSigner")


def _seconds(t: Union[int, _dt.datetime, None]) -> int:
    if t is None:
        return int(_dt.datetime.now(_dt.timezone.utc).timestamp())
    if isinstance(t, _dt.datetime):
        if t.tzinfo is None:
            raise _bad("signing times must be timezone-aware")
        return int(t.timestamp())
    return int(t)


def _requests(signers: Sequence[Union[Signer, SignerLike]], default_role: str) -> List[Any]:
    out = []
    for s in signers:
        if not isinstance(s, Signer):
            s = Signer(s, role=default_role)
        out.append(s._request())
    return out


@dataclass
class PlaneData:
    """A plane to write: a 2-D numpy array (u8, u16, u32 or f32) and its attributes
    (``name``, ``view``, ``channel``, ``pixel_spacing_mm``, ``value_meaning``, ...)."""

    pixels: Any
    attributes: Mapping[str, Any]
    tile_shape: Tuple[int, int] = (512, 512)
    personal: bool = False
    encoding: Optional[Encoding] = None


def _plane_args(p: Any, default: Encoding) -> Tuple[Any, ...]:
    if isinstance(p, tuple):
        p = PlaneData(*p)
    elif isinstance(p, Mapping):
        p = PlaneData(**p)
    if not isinstance(p, PlaneData):
        raise TypeError("planes are PlaneData, (array, attributes) tuples or dicts")
    a = np.asarray(p.pixels)
    if a.ndim != 2:
        raise _bad(f"a plane is a 2-D array, not {a.ndim}-D")
    sample_type = _SAMPLE_TYPES.get(a.dtype.newbyteorder("="))
    if sample_type is None:
        raise _bad(f"dtype {a.dtype} cannot be stored: use uint8, uint16, uint32 or float32")
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    # The core encodes straight from the array's memory, with its row stride (a crop of a
    # larger array is not copied); only an array whose rows are not contiguous and in
    # order (a column step, a transpose, Fortran order) is copied once first.
    if not (a.strides[1] == a.itemsize and a.strides[0] >= a.shape[1] * a.itemsize) and a.size:
        a = np.ascontiguousarray(a)
    enc = p.encoding or default
    th, tw = p.tile_shape
    attrs = json.dumps(dict(p.attributes)).encode()
    return (a, sample_type, attrs, int(tw), int(th), bool(p.personal), list(enc.filters), enc.codec, int(enc.level))


def _json(obj: Any) -> bytes:
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    if isinstance(obj, str):
        return obj.encode()
    return json.dumps(obj).encode()


def write(
    dest: Union[str, "os.PathLike[str]", Any, None],
    *,
    metadata: Mapping[str, Any],
    planes: Sequence[Any],
    personal_data: Optional[Mapping[str, Any]] = None,
    annotations: Sequence[Mapping[str, Any]] = (),
    events: Sequence[Mapping[str, Any]] = (),
    encoding: Optional[Encoding] = None,
    signers: Sequence[Union[Signer, SignerLike]] = (),
    file_id: Optional[bytes] = None,
    salt_seed: Optional[bytes] = None,
    digest: str = "sha256",
) -> Optional[bytes]:
    """Writes a new scan file.

    ``dest`` is a path (written atomically: a temporary file beside it, synced, then
    renamed), a binary file object, or None (the bytes are returned). ``metadata`` and
    ``personal_data`` are dicts following ``spec/metadata.schema.json``, validated by the
    core. Each plane is a :class:`PlaneData` (or an ``(array, attributes)`` tuple).
    ``signers`` seal the file: :class:`Signer` values, or bare keys (role ``scanner``,
    time now). ``file_id`` (16 bytes) and ``salt_seed`` (32 bytes) make output
    reproducible.
    """
    default = encoding or Encoding()
    args = [_plane_args(p, default) for p in planes]
    common = (
        _json(metadata),
        None if personal_data is None else _json(personal_data),
        args,
        [_json(a) for a in annotations],
        [_json(e) for e in events],
        _requests(signers, "scanner"),
        file_id,
        salt_seed,
        digest,
    )
    if dest is None:
        return _scanx.write_scan(None, *common)
    if isinstance(dest, (str, os.PathLike)):
        _scanx.write_scan(os.fspath(dest), *common)
        return None
    if hasattr(dest, "write"):
        data = _scanx.write_scan(None, *common)
        assert data is not None
        dest.write(data)
        return None
    raise TypeError("dest is a path, a binary file object or None")


class Editor:
    """Appends a generation to an existing scan: redact personal data or regions (with a
    reason), annotate, record a transfer, countersign; then `save()` to a new path
    (atomically). Unchanged chunks are copied byte for byte, so every earlier signature
    still verifies over what remains.

    Each action is recorded as a provenance event by ``key`` in ``role``; sign the new
    generation with the same key in `save()` so the events are signed by their actor.
    """

    def __init__(
        self,
        inner: _scanx.Editor,
        key: Optional[SignerLike] = None,
        role: str = "agency",
        agency: Optional[Mapping[str, str]] = None,
        time: Union[int, _dt.datetime, None] = None,
    ) -> None:
        self._inner = inner
        self.key = key
        self.role = role
        self.agency = agency
        self.time = time

    def __enter__(self) -> "Editor":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def _actor(self, key: Optional[SignerLike], role: Optional[str], time: Any) -> Tuple[Any, str, int, Optional[bytes]]:
        k = key if key is not None else self.key
        if k is None:
            raise _bad("an edit needs the key that records it (edit(path, key=...))")
        agency = None if self.agency is None else _json(self.agency)
        return _signer_obj(k), role or self.role, _seconds(time if time is not None else self.time), agency

    def redact_personal_data(self, reason: str, *, key: Optional[SignerLike] = None, role: Optional[str] = None, time: Any = None) -> Dict[str, Any]:
        """Removes the personal-data chunk; returns the redaction event."""
        s, r, t, a = self._actor(key, role, time)
        return json.loads(self._inner.redact(reason, True, [], s, r, t, a))  # type: ignore[no-any-return]

    def redact_region(
        self,
        plane: int,
        region: Tuple[int, int, int, int],
        reason: str,
        *,
        key: Optional[SignerLike] = None,
        role: Optional[str] = None,
        time: Any = None,
    ) -> Dict[str, Any]:
        """Removes every tile of ``plane`` that overlaps ``region`` = ``(x, y, width,
        height)`` (they read as zero afterwards); returns the redaction event."""
        x, y, w, h = region
        tiles = self._inner.tiles_in(plane, x, y, w, h)
        s, r, t, a = self._actor(key, role, time)
        return json.loads(self._inner.redact(reason, False, tiles, s, r, t, a))  # type: ignore[no-any-return]

    def redact_tiles(self, tiles: Sequence[Tuple[int, int, int]], reason: str, *, key: Optional[SignerLike] = None, role: Optional[str] = None, time: Any = None) -> Dict[str, Any]:
        """Removes tiles given as ``(plane, col, row)``; returns the redaction event."""
        s, r, t, a = self._actor(key, role, time)
        return json.loads(self._inner.redact(reason, False, list(tiles), s, r, t, a))  # type: ignore[no-any-return]

    def annotate(self, annotations: Sequence[Mapping[str, Any]], *, key: Optional[SignerLike] = None, role: Optional[str] = None, time: Any = None) -> None:
        """Adds annotation records and the event naming them."""
        s, r, t, a = self._actor(key, role, time)
        self._inner.annotate([_json(x) for x in annotations], s, r, t, a)

    def transfer(self, from_agency: Mapping[str, str], to_agency: Mapping[str, str], *, key: Optional[SignerLike] = None, role: Optional[str] = None, time: Any = None) -> None:
        """Records the hand-over from one agency to another (``{"country", "name"}``)."""
        s, r, t, a = self._actor(key, role, time)
        self._inner.transfer(_json(from_agency), _json(to_agency), s, r, t, a)

    def countersign(self, note: Optional[str] = None, *, key: Optional[SignerLike] = None, role: Optional[str] = None, time: Any = None) -> None:
        """Records a countersignature event; the signature is added by `save()`."""
        s, r, t, a = self._actor(key, role, time)
        self._inner.countersign(note, s, r, t, a)

    def add_event(self, event: Mapping[str, Any]) -> None:
        """Adds any provenance event (validated by the core)."""
        self._inner.add_event(_json(event))

    def _signers(self, signers: Optional[Sequence[Union[Signer, SignerLike]]]) -> List[Any]:
        if signers is None:
            if self.key is None:
                return []
            signers = [Signer(self.key, role=self.role, time=self.time)]
        return _requests(signers, self.role)

    def save(self, path: Union[str, "os.PathLike[str]"], signers: Optional[Sequence[Union[Signer, SignerLike]]] = None) -> None:
        """Writes the edited file to ``path`` atomically, sealed by ``signers`` (default:
        the editor's key in its role)."""
        self._inner.save(os.fspath(path), self._signers(signers))

    def to_bytes(self, signers: Optional[Sequence[Union[Signer, SignerLike]]] = None) -> bytes:
        """The edited file as bytes."""
        return self._inner.to_bytes(self._signers(signers))


def edit(
    source: Union[str, "os.PathLike[str]", bytes],
    *,
    key: Optional[SignerLike] = None,
    role: str = "agency",
    agency: Optional[Mapping[str, str]] = None,
    time: Union[int, _dt.datetime, None] = None,
    allow_invalid: bool = False,
) -> Editor:
    """Opens a scan for editing. ``key`` in ``role`` (for ``agency``) records every
    action and, by default, signs the new generation at ``time`` (None: now).

    The file is read whole and verified in the same pass (without a trust store): one
    that verification finds INVALID (an altered chunk, a broken manifest chain, a bad
    signature) raises :class:`VerificationError` (``DIGEST_MISMATCH`` or
    ``BAD_SIGNATURE``), so a new generation is never sealed over a tampered file by
    mistake. ``allow_invalid=True`` edits it anyway (format errors still raise)."""
    if isinstance(source, (bytes, bytearray)):
        inner = _scanx.Editor.from_bytes(bytes(source), allow_invalid)
    else:
        inner = _scanx.Editor.open(os.fspath(source), allow_invalid)
    if time is None:
        time = _seconds(None)
    return Editor(inner, key=key, role=role, agency=agency, time=time)
