# Stubs of the extension module, kept by hand and checked with mypy.stubtest.
from os import PathLike
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
from typing_extensions import final

__version__: str
__all__ = [
    "__version__",
    "Reader",
    "SigningKey",
    "PublicKey",
    "TrustStore",
    "Editor",
    "write_scan",
    "validate_path",
    "validate_bytes",
    "verify_path",
    "verify_bytes",
    "read_verified",
    "error_kinds",
]

_Limits = Optional[Dict[str, int]]
_SignerObj = Union["SigningKey", Tuple["PublicKey", Callable[[bytes], bytes]]]
_Request = Tuple[_SignerObj, str, int]

@final
class Reader:
    @staticmethod
    def open_path(
        path: Union[str, PathLike[str]], limits: _Limits = None, check_digests: bool = True
    ) -> Reader: ...
    @staticmethod
    def from_bytes(
        data: Union[bytes, bytearray], limits: _Limits = None, check_digests: bool = True
    ) -> Reader: ...
    @staticmethod
    def from_range(
        read_at: Callable[[int, int], bytes],
        length: int,
        limits: _Limits = None,
        check_digests: bool = True,
    ) -> Reader: ...
    @staticmethod
    def default_limits() -> Dict[str, int]: ...
    @property
    def check_digests(self) -> bool: ...
    @property
    def version(self) -> str: ...
    @property
    def file_id(self) -> str: ...
    @property
    def length(self) -> int: ...
    def metadata_json(self) -> bytes: ...
    def personal_json(self) -> Optional[bytes]: ...
    def annotations_json(self) -> bytes: ...
    def events_json(self) -> bytes: ...
    def counts(self) -> Tuple[int, int]: ...
    def redacted_tiles(self) -> List[Tuple[int, int, int]]: ...
    def unknown_chunks(self) -> List[Tuple[str, int, int]]: ...
    def planes(self) -> List[Dict[str, Any]]: ...
    def read_region(
        self, plane: int, x: int, y: int, width: int, height: int
    ) -> np.ndarray[Any, Any]: ...
    def read_plane(self, plane: int) -> np.ndarray[Any, Any]: ...
    def verify(self, trust: Optional[TrustStore] = None) -> str: ...
    def verify_region(
        self,
        plane: int,
        x: int,
        y: int,
        width: int,
        height: int,
        trust: Optional[TrustStore] = None,
    ) -> str: ...
    def validate(self, check_digests: Optional[bool] = None) -> None: ...
    def read_all(self) -> bytes: ...

@final
class SigningKey:
    @staticmethod
    def generate() -> SigningKey: ...
    @staticmethod
    def from_seed(seed: bytes) -> SigningKey: ...
    @staticmethod
    def from_pem(pem: str) -> SigningKey: ...
    def to_pem(self) -> str: ...
    @property
    def public_key(self) -> PublicKey: ...
    @property
    def key_id(self) -> str: ...
    def sign(self, message: bytes) -> bytes: ...

@final
class PublicKey:
    @staticmethod
    def from_bytes(data: bytes) -> PublicKey: ...
    @staticmethod
    def from_pem(pem: str) -> PublicKey: ...
    def to_pem(self) -> str: ...
    def to_bytes(self) -> bytes: ...
    @property
    def key_id(self) -> str: ...
    def verify(self, message: bytes, signature: bytes) -> None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class TrustStore:
    def __init__(self) -> None: ...
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> TrustStore: ...
    @staticmethod
    def from_json(text: str) -> TrustStore: ...
    def to_json(self) -> str: ...
    def save(self, path: Union[str, PathLike[str]]) -> None: ...
    def add(
        self,
        public_key: PublicKey,
        agency: str,
        country: str,
        roles: List[str],
        *,
        not_before: Optional[int] = None,
        not_after: Optional[int] = None,
        comment: Optional[str] = None,
    ) -> None: ...
    def revoke(self, key_id: str, time: int, reason: str) -> None: ...
    @property
    def key_ids(self) -> List[str]: ...
    def __len__(self) -> int: ...

@final
class Editor:
    @staticmethod
    def open(path: Union[str, PathLike[str]], allow_invalid: bool = False) -> Editor: ...
    @staticmethod
    def from_bytes(data: bytes, allow_invalid: bool = False) -> Editor: ...
    def tiles_in(
        self, plane: int, x: int, y: int, width: int, height: int
    ) -> List[Tuple[int, int, int]]: ...
    def redact(
        self,
        reason: str,
        personal_data: bool,
        tiles: List[Tuple[int, int, int]],
        signer: _SignerObj,
        role: str,
        time: int,
        agency: Optional[bytes] = None,
        event_id: Optional[str] = None,
    ) -> str: ...
    def annotate(
        self,
        annotations_json: List[bytes],
        signer: _SignerObj,
        role: str,
        time: int,
        agency: Optional[bytes] = None,
        event_id: Optional[str] = None,
    ) -> None: ...
    def transfer(
        self,
        from_agency: bytes,
        to_agency: bytes,
        signer: _SignerObj,
        role: str,
        time: int,
        agency: Optional[bytes] = None,
        event_id: Optional[str] = None,
    ) -> None: ...
    def countersign(
        self,
        note: Optional[str],
        signer: _SignerObj,
        role: str,
        time: int,
        agency: Optional[bytes] = None,
        event_id: Optional[str] = None,
    ) -> None: ...
    def add_event(self, event_json: bytes) -> None: ...
    def save(self, path: Union[str, PathLike[str]], signers: List[_Request]) -> None: ...
    def to_bytes(self, signers: List[_Request]) -> bytes: ...

def write_scan(
    dest: Optional[Union[str, PathLike[str]]],
    metadata_json: bytes,
    personal_json: Optional[bytes],
    planes: List[Tuple[Any, ...]],
    annotations_json: List[bytes],
    events_json: List[bytes],
    signers: List[_Request],
    file_id: Optional[bytes] = None,
    salt_seed: Optional[bytes] = None,
    digest: str = "sha256",
) -> Optional[bytes]: ...
def validate_path(
    path: Union[str, PathLike[str]], limits: _Limits = None, check_digests: bool = True
) -> None: ...
def validate_bytes(data: bytes, limits: _Limits = None, check_digests: bool = True) -> None: ...
def verify_path(
    path: Union[str, PathLike[str]], trust: Optional[TrustStore] = None, limits: _Limits = None
) -> str: ...
def verify_bytes(
    data: bytes, trust: Optional[TrustStore] = None, limits: _Limits = None
) -> str: ...
def read_verified(
    path: Optional[Union[str, PathLike[str]]] = None,
    data: Optional[bytes] = None,
    trust: Optional[TrustStore] = None,
    limits: _Limits = None,
) -> Tuple[str, List[Tuple[int, np.ndarray[Any, Any]]]]: ...
def error_kinds() -> Tuple[Tuple[int, str], ...]: ...
