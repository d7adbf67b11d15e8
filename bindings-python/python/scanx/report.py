"""Verification reports, built from the core's report JSON (its single source)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

__all__ = [
    "Status",
    "Problem",
    "SignatureInfo",
    "Redaction",
    "VerifyReport",
]


class Status(enum.Enum):
    """The verdict on a file: one of four stable names."""

    TRUSTED = "TRUSTED"
    """Nothing altered; every generation signed by keys the trust store trusts."""
    VALID_UNTRUSTED = "VALID_UNTRUSTED"
    """Nothing altered and every signature valid, but trust could not be established."""
    INVALID = "INVALID"
    """Something is wrong: structure, digest, signature, redaction record or a revoked key."""
    UNSIGNED = "UNSIGNED"
    """The file carries no signature (and nothing in it is inconsistent)."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: a reason code, where, and for format errors the error."""

    reason: str
    message: str
    generation: Optional[int] = None
    chunk: Optional[str] = None
    offset: Optional[int] = None
    signature: Optional[int] = None
    error_kind: Optional[str] = None
    error_code: Optional[int] = None


@dataclass(frozen=True)
class SignatureInfo:
    """One signature: who signed (key id, agency from the trust store), in which role,
    when, whether it verifies, and the trust store's decision."""

    generation: int
    offset: int
    key_id: str
    role: str
    time: str
    valid: bool
    trust: Optional[str]
    agency: Optional[str]
    reasons: List[str] = field(default_factory=list)

    @property
    def signer(self) -> str:
        """The agency the trust store names for the key, else the key id."""
        return self.agency or self.key_id


@dataclass(frozen=True)
class Redaction:
    """One redaction: what was removed, by whom, when and why."""

    generation: int
    event_id: str
    time: str
    actor_key_id: str
    actor_role: str
    actor_agency: Optional[str]
    reason: str
    removed: List[Dict[str, Any]]
    signed_by_actor: bool


def _fields(cls: type, d: Dict[str, Any]) -> Dict[str, Any]:
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return {k: v for k, v in d.items() if k in names}


class VerifyReport:
    """Everything a verification found.

    ``status`` is the verdict; ``reasons`` the distinct reason codes of every problem, in
    the order first found; ``problems``, ``signatures`` and ``redactions`` the details.
    ``to_dict()`` and ``to_json()`` give the core's report unchanged.
    """

    def __init__(self, report_json: str) -> None:
        self._json = report_json
        self._d: Dict[str, Any] = json.loads(report_json)
        d = self._d
        self.status: Status = Status(d["status"])
        self.file_id: Optional[str] = d.get("file_id")
        self.version: Optional[str] = d.get("version")
        self.algorithm: Optional[str] = d.get("algorithm")
        self.problems: List[Problem] = [
            Problem(**_fields(Problem, p)) for p in d.get("problems", [])
        ]
        self.signatures: List[SignatureInfo] = [
            SignatureInfo(**_fields(SignatureInfo, s)) for s in d.get("signatures", [])
        ]
        self.redactions: List[Redaction] = [
            Redaction(**_fields(Redaction, r)) for r in d.get("redactions", [])
        ]
        self.generations: List[Dict[str, Any]] = list(d.get("generations", []))
        self.events: List[Dict[str, Any]] = list(d.get("events", []))
        self.region: Optional[Dict[str, Any]] = d.get("region")

    @property
    def reasons(self) -> List[str]:
        """The distinct reason codes of every problem, in the order first found."""
        out: List[str] = []
        for p in self.problems:
            if p.reason not in out:
                out.append(p.reason)
        return out

    @property
    def trusted(self) -> bool:
        """Whether the status is TRUSTED."""
        return self.status is Status.TRUSTED

    def __bool__(self) -> bool:
        return self.trusted

    def to_dict(self) -> Dict[str, Any]:
        """The core's report as a dict."""
        return json.loads(self._json)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        """The core's report as JSON text."""
        return self._json

    def __repr__(self) -> str:
        reasons = ", ".join(self.reasons)
        return f"VerifyReport(status={self.status.value}" + (
            f", reasons=[{reasons}])" if reasons else ")"
        )

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(s.signer),
                html.escape(s.role),
                html.escape(s.time),
                "yes" if s.valid else "no",
                html.escape(s.trust or ""),
            )
            for s in self.signatures
        )
        problems = "".join(
            f"<li><code>{html.escape(p.reason)}</code> {html.escape(p.message)}</li>"
            for p in self.problems
        )
        return (
            f"<div><b>Verification: {html.escape(self.status.value)}</b>"
            "<table><tr><th>signer</th><th>role</th><th>time</th><th>valid</th>"
            f"<th>trust</th></tr>{rows}</table>"
            + (f"<ul>{problems}</ul>" if problems else "")
            + "</div>"
        )
