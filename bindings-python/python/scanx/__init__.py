"""scanx: read, write, verify and edit signed X-ray cargo scans.

>>> import scanx
>>> with scanx.open("scan.scx") as scan:                      # doctest: +SKIP
...     high = scan.planes[0].to_numpy()
...     report = scan.verify(trust=scanx.TrustStore.load("trust.json"))
"""

from ._catalog import catalog, catalog_schema
from ._scan import Limits, Plane, Scan, open, read_verified, validate, verify
from ._scanx import PublicKey, SigningKey, TrustStore, __version__
from ._write import Editor, Encoding, ExternalSigner, PlaneData, Signer, edit, write
from .errors import (
    FormatError,
    InvalidArgumentError,
    IoError,
    LimitError,
    ScanxError,
    SchemaError,
    UnsupportedError,
    VerificationError,
)
from .report import Problem, Redaction, SignatureInfo, Status, VerifyReport

__all__ = [
    "__version__",
    "open",
    "validate",
    "verify",
    "read_verified",
    "catalog",
    "catalog_schema",
    "write",
    "edit",
    "Scan",
    "Plane",
    "Limits",
    "Editor",
    "Encoding",
    "ExternalSigner",
    "PlaneData",
    "Signer",
    "SigningKey",
    "PublicKey",
    "TrustStore",
    "VerifyReport",
    "Status",
    "Problem",
    "SignatureInfo",
    "Redaction",
    "ScanxError",
    "IoError",
    "FormatError",
    "InvalidArgumentError",
    "LimitError",
    "UnsupportedError",
    "SchemaError",
    "VerificationError",
]
