"""Keys, trust stores, external signers and the editor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

import scanx

from conftest import SIGN_TIME, VECTORS, attributes

BE = {"country": "BE", "name": "General Administration of Customs and Excise"}
BR = {"country": "BR", "name": "Receita Federal do Brasil"}


def test_signing_keys_round_trip_through_pem() -> None:
    key = scanx.SigningKey.generate()
    again = scanx.SigningKey.from_pem(key.to_pem())
    assert again.key_id == key.key_id and len(key.key_id) == 32
    assert key.public_key == again.public_key
    pub = scanx.PublicKey.from_pem(key.public_key.to_pem())
    assert pub.key_id == key.key_id
    assert scanx.PublicKey.from_bytes(pub.to_bytes()) == pub
    signature = key.sign(b"message")
    pub.verify(b"message", signature)
    with pytest.raises(scanx.VerificationError):
        pub.verify(b"other message", signature)
    assert "SigningKey" in repr(key) and key.key_id in repr(key)


def test_trust_store_built_in_code(tmp_path: Path) -> None:
    key = scanx.SigningKey.generate()
    store = scanx.TrustStore()
    store.add(key.public_key, "Belgian Customs", "BE", ["scanner", "agency"], not_before=0, comment="test")
    assert store.key_ids == [key.key_id] and len(store) == 1
    again = scanx.TrustStore.from_json(store.to_json())
    assert again.key_ids == store.key_ids
    store.save(tmp_path / "trust.json")
    assert scanx.TrustStore.load(tmp_path / "trust.json").key_ids == [key.key_id]
    with pytest.raises(scanx.VerificationError):
        scanx.TrustStore.from_json("{")
    store.revoke(key.key_id, SIGN_TIME, "lost")
    assert "revoked" in store.to_json()


def test_external_signer_and_trust(base_metadata: Dict[str, Any]) -> None:
    hsm = scanx.SigningKey.generate()
    calls: List[bytes] = []

    def sign(message: bytes) -> bytes:
        calls.append(message)
        return hsm.sign(message)

    signer = scanx.ExternalSigner(hsm.public_key, sign)
    data = scanx.write(None, metadata=base_metadata, planes=[(np.ones((8, 8), np.uint16), attributes())], signers=[scanx.Signer(signer, "scanner", SIGN_TIME)])
    assert data is not None and len(calls) == 1
    store = scanx.TrustStore()
    store.add(hsm.public_key, "Belgian Customs", "BE", ["scanner"])
    with scanx.open(data) as scan:
        report = scan.verify(store)
        assert report.status is scanx.Status.TRUSTED, report.to_json()
        (sig,) = report.signatures
        assert (sig.key_id, sig.role, sig.valid, sig.trust) == (hsm.key_id, "scanner", True, "TRUSTED")
        assert sig.signer == "Belgian Customs"
        assert sig.time.startswith("2026-03-01")
        assert json.loads(report.to_json()) == report.to_dict()
        assert scan.verify().status is scanx.Status.VALID_UNTRUSTED
        assert scan.verify().reasons == ["NO_TRUST_STORE"]
        assert scan.verify(VECTORS / "truststore.json").status is scanx.Status.VALID_UNTRUSTED

    wrong = scanx.SigningKey.generate()
    liar = scanx.ExternalSigner(hsm.public_key, lambda m: wrong.sign(m))
    with pytest.raises(scanx.VerificationError) as failed:
        scanx.write(None, metadata=base_metadata, planes=[(np.ones((8, 8), np.uint16), attributes())], signers=[scanx.Signer(liar, "scanner", SIGN_TIME)])
    assert failed.value.kind == "SIGNER_FAILED"

    def broken(message: bytes) -> bytes:
        raise RuntimeError("HSM offline")

    with pytest.raises(scanx.VerificationError, match="HSM offline"):
        scanx.write(None, metadata=base_metadata, planes=[(np.ones((8, 8), np.uint16), attributes())], signers=[scanx.Signer(scanx.ExternalSigner(hsm.public_key, broken), "scanner", SIGN_TIME)])


def test_the_export_desk_journey(small_scan: Path, tmp_path: Path, trust: scanx.TrustStore, agency_key: scanx.SigningKey, recipient_key: scanx.SigningKey) -> None:
    high = np.load(small_scan.parent / "high.npy")
    original = small_scan.read_bytes()
    with scanx.open(small_scan) as scan:
        assert scan.personal_data is not None
        assert scan.verify(trust).status is scanx.Status.TRUSTED

    exported = tmp_path / "exported.scx"
    with scanx.edit(small_scan, key=agency_key, role="agency", agency=BE, time=SIGN_TIME + 60) as ed:
        ed.redact_personal_data("driver privacy before export")
        event = ed.redact_region(0, (0, 0, 64, 200), "cab of the truck")
        assert event["type"] == "redact"
        ed.annotate([{
            "id": "5f0c3a3e-8d2b-4c1a-9a57-3b5f7d2e9c10",
            "plane": 0,
            "geometry": {"type": "box", "x": 100, "y": 50, "width": 40, "height": 30},
            "category": "narcotics",
            "label": "anomaly in the load",
            "confidence": 0.8,
            "source": "operator",
            "created": "2026-03-01T09:00:00Z",
        }])
        ed.transfer(BE, BR)
        ed.save(exported)
    assert small_scan.read_bytes() == original  # the input is never modified

    with scanx.open(exported) as scan:
        assert scan.personal_data is None
        assert (0, 0, 0) in scan.redacted_tiles
        pixels = scan.planes[0].to_numpy()
        assert not pixels[:, :64].any()
        np.testing.assert_array_equal(pixels[:, 64:], high[:, 64:])
        assert len(scan.annotations) == 1
        assert [e["type"] for e in scan.events][-4:] == ["redact", "redact", "annotate", "transfer"]
        report = scan.verify(trust)
        assert report.status is scanx.Status.TRUSTED, report.to_json()
        assert {r.reason for r in report.redactions} == {"driver privacy before export", "cab of the truck"}
        assert [s.role for s in report.signatures] == ["scanner", "agency"]
        region = scan.planes[0].verify_region(0, 0, 128, 96, trust=trust)
        assert region.status is scanx.Status.TRUSTED and region.region is not None
        assert scan.verify_strict(trust).trusted

    received = tmp_path / "received.scx"
    with scanx.edit(exported, key=recipient_key, role="recipient", time=SIGN_TIME + 3600) as ed:
        ed.countersign("received in Santos")
        ed.save(received)
    with scanx.open(received) as scan:
        report = scan.verify(trust)
        assert report.status is scanx.Status.TRUSTED, report.to_json()
        assert [s.role for s in report.signatures] == ["scanner", "agency", "recipient"]
        assert "TRUSTED" in scan._repr_html_()
        assert "<table>" in scan._repr_html_()
