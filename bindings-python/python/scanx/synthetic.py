"""Synthetic dual-energy scans with ground truth, for tests, examples and demos.

:func:`make_dataset` writes a folder of signed scanx files: side views of containers and
trucks at two beam energies (u16 photon counts with Poisson noise), varied cargo,
container numbers with valid ISO 6346 check digits, several sites, scanners and dates,
and concealments (narcotics, tobacco, currency, weapons, structural concealment) whose
position and category are known exactly and recorded as ``ground-truth`` annotations.
Every file is signed by one test scanner key; the folder also gets the trust store
that trusts it, so the files verify as TRUSTED.

The physics is simple but has the features that matter for training: attenuation
``exp(-sum(mu * t))`` per material at each energy, a low/high attenuation ratio that
separates organic from metallic matter, photon noise, steel walls and chassis, and a
driver's cab whose photograph is a personal plane.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._scanx import SigningKey, TrustStore
from ._write import PlaneData, Signer, write
from .errors import InvalidArgumentError

__all__ = [
    "SyntheticDataset",
    "make_dataset",
    "make_scan",
    "iso6346_check_digit",
    "container_number",
    "MATERIALS",
    "CONCEALMENTS",
]

# Effective linear attenuation (1/cm) at the low (4 MeV) and high (6 MeV) beam energy.
# Organic matter attenuates relatively more at the lower energy than metals do, which is
# what dual-energy material discrimination measures (the ratio low/high).
MATERIALS: Dict[str, Tuple[float, float]] = {
    "organic": (0.0420, 0.0325),  # ratio 1.29: drugs, food, paper, tobacco
    "light-organic": (0.0105, 0.0081),  # textiles, bales (same ratio, a quarter of the density)
    "wood": (0.0250, 0.0195),
    "aluminium": (0.0890, 0.0740),  # ratio 1.20
    "steel": (0.2570, 0.2280),  # ratio 1.13
    "lead": (0.4750, 0.4890),  # ratio 0.97
}

# Concealment category -> (material, thickness range in cm across the beam, size range in px as fraction of height)
CONCEALMENTS: Dict[str, Tuple[str, Tuple[float, float]]] = {
    "narcotics": ("organic", (30.0, 70.0)),
    "tobacco": ("organic", (40.0, 90.0)),
    "currency": ("organic", (20.0, 45.0)),
    "weapons": ("steel", (3.0, 8.0)),
    "structural-concealment": ("organic", (8.0, 15.0)),
}

_CARGO_HS = {
    "machinery": ["847130", "843149", "850440", "848180"],
    "textiles": ["620342", "610910", "630221"],
    "food": ["090111", "080390", "170199", "200911"],
    "empty": [],
}

_SITES = [
    ("BEANR", "Port of Antwerp, lane 2", "BE", "General Administration of Customs and Excise"),
    ("NLRTM", "Rotterdam Maasvlakte", "NL", "Dutch Customs"),
    ("BRSSZ", "Port of Santos", "BR", "Receita Federal do Brasil"),
    ("BRPNG", "Port of Paranagua", "BR", "Receita Federal do Brasil"),
]

_OWNERS = ["MSK", "CSQ", "HLX", "MSC", "CMA", "ONE", "EVR", "TGH", "SEG", "ZIM"]
_LETTER_VALUES = {}
_v = 10
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    if _v % 11 == 0:
        _v += 1
    _LETTER_VALUES[_c] = _v
    _v += 1


def iso6346_check_digit(code: str) -> int:
    """The ISO 6346 check digit of the first ten characters of a container number
    (owner code, category letter, six-digit serial)."""
    if len(code) < 10:
        raise InvalidArgumentError(
            f"INVALID_ARGUMENT: an ISO 6346 number has 10 characters before its check digit, not {len(code)}",
            300,
            "INVALID_ARGUMENT",
        )
    total = 0
    for i, ch in enumerate(code[:10]):
        value = int(ch) if ch.isdigit() else _LETTER_VALUES.get(ch)
        if value is None:
            raise InvalidArgumentError(f"INVALID_ARGUMENT: {ch!r} is not allowed in a container number", 300, "INVALID_ARGUMENT")
        total += value << i
    return total % 11 % 10


def container_number(owner: str, serial: int, category: str = "U") -> str:
    """A container number with its check digit, for example ``container_number("CSQ",
    305438)`` is ``CSQU3054383``."""
    head = f"{owner}{category}{serial:06d}"
    return head + str(iso6346_check_digit(head))


@dataclass
class SyntheticDataset:
    """What :func:`make_dataset` wrote: the scan files, the scanner key that signed them,
    and the trust store (also saved as ``trust.json`` in the folder) that trusts it."""

    folder: Path
    paths: List[Path]
    key: SigningKey
    trust: TrustStore
    trust_path: Path
    truth: List[Dict[str, Any]] = field(default_factory=list)
    """Per file: ``{"path", "scan_id", "concealments": [{"category", "box": (x, y, w, h)}]}``."""


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _rfc3339(t: _dt.datetime) -> str:
    return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _box_blur(a: "np.ndarray[Any, Any]", k: int) -> "np.ndarray[Any, Any]":
    """A separable k x k mean (edges clamped), for soft object borders."""
    if k <= 1:
        return a
    pad = k // 2
    p = np.pad(a, pad, mode="edge")
    c = np.cumsum(np.cumsum(p, axis=0), axis=1)
    c = np.pad(c, ((1, 0), (1, 0)))
    h, w = a.shape
    s = c[k : k + h, k : k + w] - c[0:h, k : k + w] - c[k : k + h, 0:w] + c[0:h, 0:w]
    out: "np.ndarray[Any, Any]" = (s / (k * k)).astype(a.dtype)
    return out


def _mask_bits(mask: "np.ndarray[Any, Any]") -> str:
    return base64.b64encode(np.packbits(mask.astype(np.uint8).ravel()).tobytes()).decode()


def make_scan(
    rng: np.random.Generator,
    *,
    shape: Tuple[int, int] = (96, 256),
    index: int = 0,
    containers: Optional[Sequence[str]] = None,
    sites: Sequence[Tuple[str, str, str, str]] = tuple(_SITES),
) -> Dict[str, Any]:
    """One synthetic scan as the arguments of :func:`scanx.write` (``metadata``,
    ``personal_data``, ``planes``, ``annotations``) plus ``truth``: the concealments
    with category and box. ``shape`` is (height, width) of the side view in pixels."""
    h, w = int(shape[0]), int(shape[1])
    if h < 32 or w < 64:
        raise InvalidArgumentError("INVALID_ARGUMENT: synthetic scans are at least 32 x 64 pixels", 300, "INVALID_ARGUMENT")
    locode, site_name, country, agency = sites[int(rng.integers(len(sites)))]
    site_index = [s[0] for s in sites].index(locode)
    serial = f"SX6-{site_index:02d}{int(rng.integers(2)):02d}"
    kind = "container" if rng.random() < 0.7 else "truck"
    cargo = str(rng.choice(["machinery", "textiles", "food", "empty"], p=[0.35, 0.25, 0.3, 0.1]))
    start = _dt.datetime(2026, 1, 5, tzinfo=_dt.timezone.utc)
    when = start + _dt.timedelta(seconds=int(rng.integers(0, 170 * 86400)))

    mats = {m: np.zeros((h, w), np.float32) for m in MATERIALS}
    ground = int(h * 0.86)  # road level: wheels below, load above
    # Truck or chassis: cab at the left for trucks, a chassis beam and wheels.
    cab_w = int(w * 0.16) if kind == "truck" else int(w * 0.12)
    body_x0 = cab_w + 2
    body_x1 = w - 3
    body_y0 = int(h * 0.12)
    body_y1 = ground - 4
    mats["steel"][ground - 4 : ground, cab_w // 2 : body_x1] += 6.0  # chassis beam
    for cx in (cab_w // 3, body_x0 + (body_x1 - body_x0) // 5, body_x1 - (body_x1 - body_x0) // 6):
        yy, xx = np.ogrid[:h, :w]
        r = max(3, h // 14)
        wheel = (yy - (ground + r // 2)) ** 2 + (xx - cx) ** 2 <= r * r
        mats["steel"][wheel] += 9.0
        mats["organic"][wheel] += 20.0  # rubber
    # Cab with an engine block.
    mats["steel"][body_y0 + h // 6 : ground - 4, 1:cab_w] += 1.2
    mats["steel"][ground - h // 4 : ground - 4, 2 : cab_w // 2] += 14.0
    # Body or container: steel walls (both sides), corrugation, a wooden floor.
    mats["steel"][body_y0:body_y1, body_x0:body_x1] += 0.8
    mats["steel"][body_y0:body_y1, body_x0 : body_x0 + 2] += 20.0
    mats["steel"][body_y0:body_y1, body_x1 - 2 : body_x1] += 20.0
    mats["steel"][body_y0 : body_y0 + 2, body_x0:body_x1] += 20.0
    corrugation = (np.arange(body_x0, body_x1) % 6 < 3).astype(np.float32) * 0.4
    mats["steel"][body_y0:body_y1, body_x0:body_x1] += corrugation[None, :]
    floor_y = body_y1 - max(3, h // 16)
    mats["wood"][floor_y:body_y1, body_x0:body_x1] += 240.0
    n_cont = 1
    if kind == "container" and rng.random() < 0.3:
        n_cont = 2  # two 20-foot containers: a double wall in the middle
        mid = (body_x0 + body_x1) // 2
        mats["steel"][body_y0:body_y1, mid - 1 : mid + 2] += 20.0

    # Cargo.
    inner = (body_y0 + 3, floor_y, body_x0 + 3, body_x1 - 3)
    if cargo != "empty":
        x = inner[2]
        while x < inner[3] - 8:
            bw = int(rng.integers(max(6, w // 24), max(8, w // 9)))
            bw = min(bw, inner[3] - x)
            top = int(rng.integers(inner[0], inner[0] + (inner[1] - inner[0]) // 2))
            if cargo == "machinery":
                mats["steel"][top : inner[1], x : x + bw] += float(rng.uniform(1.0, 7.0))
                mats["aluminium"][top : inner[1], x : x + bw] += float(rng.uniform(0.0, 10.0))
            elif cargo == "textiles":
                mats["light-organic"][top : inner[1], x : x + bw] += float(rng.uniform(80.0, 200.0))
            else:
                mats["organic"][top : inner[1], x : x + bw] += float(rng.uniform(20.0, 60.0))
                mats["wood"][inner[1] - 3 : inner[1], x : x + bw] += 60.0  # pallet
            x += bw + int(rng.integers(1, 4))

    # Concealments with their ground truth.
    truth: List[Dict[str, Any]] = []
    n_hidden = int(rng.choice([0, 1, 1, 2, 3], p=[0.25, 0.35, 0.15, 0.15, 0.1]))
    categories = list(CONCEALMENTS)
    probs = np.array([0.4, 0.15, 0.15, 0.15, 0.15])
    occupied = np.zeros((h, w), bool)
    for _ in range(n_hidden):
        cat = str(rng.choice(categories, p=probs))
        material, (t0, t1) = CONCEALMENTS[cat]
        thickness = float(rng.uniform(t0, t1))
        for _attempt in range(10):
            if cat == "structural-concealment":
                bw = int(rng.integers(w // 10, w // 4))
                bh = body_y1 - floor_y
                x0 = int(rng.integers(inner[2], max(inner[2] + 1, inner[3] - bw)))
                y0 = floor_y
            elif cat == "weapons":
                bw = int(rng.integers(max(6, w // 30), max(8, w // 14)))
                bh = int(rng.integers(max(3, h // 24), max(4, h // 12)))
                x0 = int(rng.integers(inner[2], max(inner[2] + 1, inner[3] - bw)))
                y0 = int(rng.integers(inner[0], max(inner[0] + 1, inner[1] - bh)))
            else:
                bw = int(rng.integers(max(6, w // 20), max(8, w // 8)))
                bh = int(rng.integers(max(5, h // 10), max(6, h // 4)))
                x0 = int(rng.integers(inner[2], max(inner[2] + 1, inner[3] - bw)))
                y0 = int(rng.integers(inner[0], max(inner[0] + 1, inner[1] - bh)))
            if not occupied[y0 : y0 + bh, x0 : x0 + bw].any():
                break
        else:
            continue
        occupied[max(0, y0 - 2) : y0 + bh + 2, max(0, x0 - 2) : x0 + bw + 2] = True
        yy, xx = np.mgrid[y0 : y0 + bh, x0 : x0 + bw]
        shape_kind = "box"
        region = np.ones((bh, bw), bool)
        if cat == "narcotics" and rng.random() < 0.5:
            # A rounded package: an ellipse, annotated as a polygon.
            ey, ex = y0 + (bh - 1) / 2, x0 + (bw - 1) / 2
            region = ((yy - ey) / (bh / 2)) ** 2 + ((xx - ex) / (bw / 2)) ** 2 <= 1.0
            shape_kind = "polygon"
        elif cat == "structural-concealment":
            shape_kind = "mask"
            # Hidden in the floor beams: every other beam section.
            region = (np.arange(bw)[None, :] // 4 % 3 != 2).repeat(bh, axis=0)
        mats[material][y0 : y0 + bh, x0 : x0 + bw] += thickness * region
        truth.append({"category": cat, "box": (x0, y0, bw, bh), "geometry": shape_kind, "region": region})

    # Transmission at both energies, then photon counts.
    mu_l = sum(MATERIALS[m][0] * _box_blur(t, 3) for m, t in mats.items())
    mu_h = sum(MATERIALS[m][1] * _box_blur(t, 3) for m, t in mats.items())
    i0_high = float(rng.uniform(40000, 60000))
    i0_low = float(rng.uniform(30000, 50000))
    high = np.clip(rng.poisson(i0_high * np.exp(-mu_h)) + rng.normal(0, 20, (h, w)), 0, 65535).astype(np.uint16)
    low = np.clip(rng.poisson(i0_low * np.exp(-mu_l)) + rng.normal(0, 20, (h, w)), 0, 65535).astype(np.uint16)

    length_mm = 12192.0 if kind == "container" else 10000.0
    spacing = [round(length_mm / w, 3), round(4000.0 / h, 3)]

    def attrs(name: str, channel: str, i0: float) -> Dict[str, Any]:
        return {
            "name": name,
            "view": "side",
            "channel": channel,
            "pixel_spacing_mm": spacing,
            "value_meaning": "transmission",
            "rescale_slope": 1.0 / round(i0),
            "rescale_intercept": 0.0,
            "display_window": {"center": 0.5, "width": 1.0},
        }

    tile = (min(h, 64), min(w, 128))
    planes = [
        PlaneData(high, attrs("side high energy", "high-energy", i0_high), tile_shape=tile),
        PlaneData(low, attrs("side low energy", "low-energy", i0_low), tile_shape=tile),
    ]
    personal: Optional[Dict[str, Any]] = None
    if kind == "truck":
        # The cab photograph: personal, never to be exposed to training.
        photo = rng.integers(0, 255, size=(48, 64), dtype=np.uint8)
        planes.append(
            PlaneData(
                photo,
                {"name": "cab photo", "view": "front", "channel": "photo", "pixel_spacing_mm": [20.0, 20.0], "value_meaning": "luminance"},
                tile_shape=(48, 64),
                personal=True,
            )
        )
        plate = "".join(str(c) for c in rng.choice(list("ABCDEFGHJKLMNPRSTVWXYZ"), 3)) + f"-{int(rng.integers(100, 999))}"
        personal = {"registration_plates": [plate], "driver_name": f"Driver {index:05d}"}

    metadata: Dict[str, Any] = {
        "scan_id": _uuid(rng),
        "time": _rfc3339(when),
        "site": {"locode": locode, "name": site_name},
        "agency": {"country": country, "name": agency},
        "scanner": {
            "manufacturer": "Synthetic Imaging",
            "model": "SX-6 dual energy",
            "serial": serial,
            "software_version": "2.1.0",
            "source_type": "linac",
            "energies_mev": [4.0, 6.0],
        },
        "conveyance": {"kind": kind},
        "views": [{"view": "side", "source_position": "left", "scan_direction": "left-to-right", "beam_angle_deg": 0}],
    }
    if kind == "container":
        pool = list(containers) if containers else []
        nums: List[str] = []
        while len(nums) < n_cont:
            if pool:
                c = pool[int(rng.integers(len(pool)))]
            else:
                c = container_number(_OWNERS[int(rng.integers(len(_OWNERS)))], int(rng.integers(0, 1_000_000)))
            if c not in nums:
                nums.append(c)
        metadata["conveyance"]["container_numbers"] = nums
    hs = _CARGO_HS[cargo]
    if hs or rng.random() < 0.5:
        decl: Dict[str, Any] = {
            "declaration_number": f"26{country}{int(rng.integers(10**11, 10**12))}",
            "origin_country": str(rng.choice(["BR", "CO", "EC", "CN", "DE", "US"])),
            "destination_country": str(rng.choice(["BE", "NL", "BR", "DE"])),
        }
        if hs:
            decl["hs_codes"] = sorted({str(c) for c in rng.choice(hs, size=min(len(hs), int(rng.integers(1, 3))), replace=False)})
        metadata["declaration"] = decl

    created = _rfc3339(when + _dt.timedelta(days=int(rng.integers(1, 20))))
    annotations: List[Dict[str, Any]] = []
    for t in truth:
        x0, y0, bw, bh = t["box"]
        if t["geometry"] == "polygon":
            n = 16
            ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
            cx, cy = x0 + bw / 2, y0 + bh / 2
            pts = [[round(float(cx + bw / 2 * np.cos(a)), 2), round(float(cy + bh / 2 * np.sin(a)), 2)] for a in ang]
            geometry: Dict[str, Any] = {"type": "polygon", "points": pts}
        elif t["geometry"] == "mask":
            geometry = {"type": "mask", "x": x0, "y": y0, "width": bw, "height": bh, "bits": _mask_bits(t["region"])}
        else:
            geometry = {"type": "box", "x": x0, "y": y0, "width": bw, "height": bh}
        annotations.append(
            {
                "id": _uuid(rng),
                "plane": 0,
                "geometry": geometry,
                "category": t["category"],
                "label": f"synthetic {t['category']}",
                "source": "ground-truth",
                "inspection": {"result": "confirmed", "time": created},
                "created": created,
            }
        )
    return {
        "metadata": metadata,
        "personal_data": personal,
        "planes": planes,
        "annotations": annotations,
        "truth": [{"category": t["category"], "box": t["box"], "geometry": t["geometry"]} for t in truth],
        "time": when,
        "cargo": cargo,
    }


def make_dataset(
    folder: Union[str, "os.PathLike[str]"],
    n: int,
    seed: int = 0,
    *,
    shape: Tuple[int, int] = (96, 256),
    containers: Optional[int] = None,
    key: Optional[SigningKey] = None,
    workers: Optional[int] = None,
) -> SyntheticDataset:
    """Writes ``n`` signed synthetic scans ``scan-00000.scx``, ... into ``folder`` (made
    if needed), with ``trust.json`` trusting the scanner key that signed them.

    The same ``seed`` gives byte-identical files. ``shape`` is each scan's (height,
    width); ``containers`` the size of the pool of container numbers the scans draw
    from (default ``n // 2``, so many containers are scanned more than once, which is
    what a split must not leak); ``key`` the scanner key (default: derived from the
    seed: a test key, not a secret)."""
    if n < 0:
        raise InvalidArgumentError("INVALID_ARGUMENT: n must not be negative", 300, "INVALID_ARGUMENT")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    master = np.random.default_rng(seed)
    if key is None:
        key = SigningKey.from_seed(master.bytes(32))
    pool_size = max(1, n // 2) if containers is None else max(1, int(containers))
    pool: List[str] = []
    while len(pool) < pool_size:
        c = container_number(_OWNERS[int(master.integers(len(_OWNERS)))], int(master.integers(0, 1_000_000)))
        if c not in pool:
            pool.append(c)
    seeds = master.integers(0, 2**63 - 1, size=n)
    trust = TrustStore()
    trust.add(key.public_key, "Synthetic scanner fleet", "BE", ["scanner"], comment="test key of scanx.synthetic")
    trust_path = out / "trust.json"
    trust.save(trust_path)

    def one(i: int) -> Tuple[Path, Dict[str, Any]]:
        rng = np.random.default_rng(int(seeds[i]))
        s = make_scan(rng, shape=shape, index=i, containers=pool)
        path = out / f"scan-{i:05d}.scx"
        annotations = s["annotations"]
        time = s["time"]
        actor = {"key_id": key.key_id, "role": "scanner", "agency": s["metadata"]["agency"]}
        events: List[Dict[str, Any]] = [{"id": _uuid(rng), "time": _rfc3339(time), "actor": actor, "type": "capture"}]
        if annotations:
            events.append(
                {
                    "id": _uuid(rng),
                    "time": _rfc3339(time),
                    "actor": actor,
                    "type": "annotate",
                    "annotation_ids": [a["id"] for a in annotations],
                }
            )
        write(
            path,
            metadata=s["metadata"],
            personal_data=s["personal_data"],
            planes=s["planes"],
            annotations=annotations,
            events=events,
            signers=[Signer(key, role="scanner", time=time)],
            file_id=rng.bytes(16),
            salt_seed=rng.bytes(32),
        )
        truth = {"path": str(path), "scan_id": s["metadata"]["scan_id"], "cargo": s["cargo"], "concealments": s["truth"]}
        return path, truth

    with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 1)) as ex:
        results = list(ex.map(one, range(n)))
    with open(out / "truth.json.tmp", "w") as f:
        json.dump([t for _, t in results], f, indent=1)
    os.replace(out / "truth.json.tmp", out / "truth.json")
    return SyntheticDataset(
        folder=out,
        paths=[p for p, _ in results],
        key=key,
        trust=trust,
        trust_path=trust_path,
        truth=[t for _, t in results],
    )
