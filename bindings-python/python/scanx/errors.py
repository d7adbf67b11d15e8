"""The scanx exception hierarchy.

Every failure of the library is a :class:`ScanxError` carrying the core's stable numeric
``code`` and symbolic ``kind`` (spec section 12), plus the chunk type and byte offset
where the problem is, when known. The subclass follows the code's hundred:

==========  ==========================  =============================================
codes       class                       cause
==========  ==========================  =============================================
1xx         :class:`IoError`            the operating system or the byte source
2xx         :class:`FormatError`        the bytes break the format
3xx         :class:`InvalidArgumentError`  a bad argument from the caller
4xx         :class:`LimitError`         a configured limit would be exceeded
5xx         :class:`UnsupportedError`   a filter, codec, sample type or digest unknown
6xx         :class:`SchemaError`        metadata breaks the schema or a rule
7xx         :class:`VerificationError`  digests, signatures, keys, trust
==========  ==========================  =============================================
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "ScanxError",
    "IoError",
    "FormatError",
    "InvalidArgumentError",
    "LimitError",
    "UnsupportedError",
    "SchemaError",
    "VerificationError",
]


class ScanxError(Exception):
    """Base class of every scanx error.

    Attributes:
        code: the stable numeric code (for example 210).
        kind: the stable symbolic name (for example ``"MALFORMED_CHUNK"``).
        chunk: the four-letter chunk type where the problem is, or None.
        offset: the byte offset in the file where the problem is, or None.
        detail: the message without the kind and location.
    """

    code: int
    kind: str
    chunk: Optional[str]
    offset: Optional[int]
    detail: str

    def __init__(
        self,
        message: str,
        code: int = 0,
        kind: str = "",
        chunk: Optional[str] = None,
        offset: Optional[int] = None,
        detail: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind
        self.chunk = chunk
        self.offset = offset
        self.detail = message if detail is None else detail

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (
            type(self),
            (str(self), self.code, self.kind, self.chunk, self.offset, self.detail),
        )


class IoError(ScanxError, OSError):
    """Reading or writing failed in the operating system or the byte source (1xx)."""


class FormatError(ScanxError):
    """The file breaks the format: magic, version, chunks, index, tiles (2xx)."""


class InvalidArgumentError(ScanxError, ValueError):
    """An argument from the caller is invalid: a region, a plane number, a size (3xx)."""


class LimitError(ScanxError):
    """A size, count or allocation would exceed the configured limits (4xx)."""


class UnsupportedError(ScanxError):
    """A filter, codec, sample type or digest algorithm this version does not know (5xx)."""


class SchemaError(ScanxError, ValueError):
    """Metadata breaks the JSON Schema or a validation rule (6xx)."""


class VerificationError(ScanxError):
    """A digest, signature, key or trust check failed (7xx)."""


_BY_HUNDRED = {
    1: IoError,
    2: FormatError,
    3: InvalidArgumentError,
    4: LimitError,
    5: UnsupportedError,
    6: SchemaError,
    7: VerificationError,
}


def error_class(code: int) -> type[ScanxError]:
    """The exception class for a core error code."""
    return _BY_HUNDRED.get(code // 100, ScanxError)


def _from_core(
    message: str,
    code: int,
    kind: str,
    chunk: Optional[str],
    offset: Optional[int],
    detail: str,
) -> ScanxError:
    """Builds the exception for an error of the core (called by the extension module)."""
    return error_class(code)(message, code, kind, chunk, offset, detail)
