"""Shared fixtures: the conformance vectors, the test trust store and keys, and a small
scan written from numpy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest

import scanx

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "spec" / "vectors"


def vector_names(kind: str) -> list[str]:
    """Every vector of a kind, found by listing the folder (never a fixed list)."""
    return sorted(p.stem for p in (VECTORS / kind).glob("*.scx"))


def expectation(kind: str, name: str) -> Dict[str, Any]:
    return json.loads((VECTORS / kind / f"{name}.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def trust() -> scanx.TrustStore:
    return scanx.TrustStore.load(VECTORS / "truststore.json")


@pytest.fixture(scope="session")
def scanner_key() -> scanx.SigningKey:
    return scanx.SigningKey.from_pem((VECTORS / "keys" / "scanner.private.pem").read_text())


@pytest.fixture(scope="session")
def agency_key() -> scanx.SigningKey:
    return scanx.SigningKey.from_pem((VECTORS / "keys" / "agency.private.pem").read_text())


@pytest.fixture(scope="session")
def recipient_key() -> scanx.SigningKey:
    return scanx.SigningKey.from_pem((VECTORS / "keys" / "recipient.private.pem").read_text())


@pytest.fixture(scope="session")
def base_metadata() -> Dict[str, Any]:
    """The metadata of a valid vector, as a dict to write new files with."""
    with scanx.open(VECTORS / "valid" / "dual-energy-two-views.scx") as s:
        return s.metadata


@pytest.fixture(scope="session")
def personal_data() -> Dict[str, Any]:
    for name in vector_names("valid"):
        with scanx.open(VECTORS / "valid" / f"{name}.scx") as s:
            if s.personal_data is not None:
                return s.personal_data
    raise AssertionError("no valid vector has personal data")


def attributes(name: str = "side high energy", channel: str = "high-energy") -> Dict[str, Any]:
    return {
        "name": name,
        "view": "side",
        "channel": channel,
        "pixel_spacing_mm": [5.0, 5.0],
        "value_meaning": "transmission",
    }


# Signing time inside the test keys' validity window (March 2026).
SIGN_TIME = 1_772_355_600


@pytest.fixture()
def small_scan(tmp_path: Path, base_metadata: Dict[str, Any], scanner_key: scanx.SigningKey, personal_data: Dict[str, Any]) -> Path:
    """A signed two-plane scan with personal data, 300 x 200 in 64 x 48 tiles."""
    rng = np.random.default_rng(7)
    high = rng.integers(0, 65535, size=(200, 300), dtype=np.uint16)
    z = rng.random((200, 300), dtype=np.float32)
    path = tmp_path / "small.scx"
    scanx.write(
        path,
        metadata=base_metadata,
        personal_data=personal_data,
        planes=[
            scanx.PlaneData(high, attributes(), tile_shape=(48, 64)),
            scanx.PlaneData(z, attributes("side z", "z-effective") | {"value_meaning": "z-effective"}, tile_shape=(48, 64)),
        ],
        signers=[scanx.Signer(scanner_key, role="scanner", time=SIGN_TIME)],
    )
    np.save(tmp_path / "high.npy", high)
    np.save(tmp_path / "z.npy", z)
    return path
