"""Training data from signed scans: splits without leakage, a dataset class, COCO export
and evaluation, and a model's predictions recorded back as signed annotations.

Needs ``pyarrow`` (catalogs), ``tifffile`` (COCO images) and ``pycocotools``
(evaluation); none of them is imported before it is used.

>>> import scanx, scanx.ml                                         # doctest: +SKIP
>>> table = scanx.catalog("scans/", trust="trust.json")
>>> parts = scanx.ml.split(table, by=("container",), fractions=(0.8, 0.1, 0.1), seed=0)
>>> print(parts.report)
>>> train = scanx.ml.Dataset(parts, split="train", planes=("high", "low", "material"), trust="trust.json")
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import io
import json
import logging
import math
import os
import tempfile
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import numpy as np
import pyarrow
import pyarrow.compute

from ._catalog import list_files
from ._scan import Scan, _trust
from ._scan import open as _open
from ._scan import verify as _verify
from ._scanx import TrustStore
from ._write import SignerLike, edit
from .errors import InvalidArgumentError


__all__ = [
    "CATEGORIES",
    "category_id",
    "split",
    "SplitResult",
    "SplitReport",
    "Dataset",
    "material",
    "to_coco",
    "evaluate",
    "record_predictions",
]

log = logging.getLogger("scanx.ml")

CATEGORIES: Tuple[str, ...] = (
    "narcotics",
    "weapons",
    "explosives",
    "currency",
    "tobacco",
    "alcohol",
    "pharmaceuticals",
    "persons",
    "vehicles",
    "structural-concealment",
    "undeclared-goods",
    "empty",
    "other",
)
"""The controlled vocabulary of annotation categories, in the specification's order.
COCO category ids are positions in it, from 1."""

PathLike = Union[str, "os.PathLike[str]"]


def _bad(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"INVALID_ARGUMENT: {message}", 300, "INVALID_ARGUMENT")


def category_id(name: str) -> int:
    """The COCO category id of a category name (its position in :data:`CATEGORIES`, from 1)."""
    try:
        return CATEGORIES.index(name) + 1
    except ValueError:
        raise _bad(f"unknown category {name!r}; categories are {', '.join(CATEGORIES)}") from None


def _as_table(catalog: Any) -> "pyarrow.Table":
    import pyarrow as pa

    if isinstance(catalog, SplitResult):
        return catalog.table
    if isinstance(catalog, pa.Table):
        return catalog
    if isinstance(catalog, (str, os.PathLike)) and str(catalog).endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(os.fspath(catalog))
    raise TypeError("a catalog is a pyarrow Table (scanx.catalog), a SplitResult or a .parquet path")


# --- splits -------------------------------------------------------------------------------

_KEY_COLUMNS = {
    "container": "container_numbers",
    "wagon": "wagon_numbers",
    "scan": "scan_id",
    "file": "file_id",
    "scanner": "scanner_serial",
    "site": "site",
    "day": "date",
    "date": "date",
    "agency": "agency_country",
    "declaration": "declaration_number",
}


@dataclass
class SplitReport:
    """How close a split came to what was asked.

    ``splits`` has, per split name: files, groups, the fraction of files and the
    requested one, and their difference. ``classes`` has, per annotation category (and
    ``(none)`` for files without annotations): the total, and per split the count, the
    share of the class that went there and its difference from the requested
    fraction. ``leaks`` lists group key values found in two splits (always empty unless
    a bug); ``excluded`` the catalog rows left out (files that could not be read)."""

    by: Tuple[str, ...]
    seed: int
    names: Tuple[str, ...]
    requested: Tuple[float, ...]
    splits: Dict[str, Dict[str, Any]]
    classes: Dict[str, Dict[str, Any]]
    groups: int
    leaks: List[str]
    excluded: List[Dict[str, Any]]

    @property
    def max_fraction_deviation(self) -> float:
        """The largest |fraction - requested| over the splits."""
        return max((abs(s["deviation"]) for s in self.splits.values()), default=0.0)

    @property
    def max_class_deviation(self) -> float:
        """The largest |share of a class in a split - requested fraction|."""
        return max(
            (abs(v["deviation"]) for c in self.classes.values() for v in c["splits"].values()),
            default=0.0,
        )

    def to_dict(self) -> Dict[str, Any]:
        """The report as plain data (JSON-serialisable)."""
        return {
            "by": list(self.by),
            "seed": self.seed,
            "names": list(self.names),
            "requested": list(self.requested),
            "groups": self.groups,
            "splits": self.splits,
            "classes": self.classes,
            "max_fraction_deviation": self.max_fraction_deviation,
            "max_class_deviation": self.max_class_deviation,
            "leaks": self.leaks,
            "excluded": self.excluded,
        }

    def __str__(self) -> str:
        lines = [f"split by {', '.join(self.by)} (seed {self.seed}): {self.groups} groups"]
        lines.append(f"{'split':<8}{'files':>7}{'groups':>8}{'fraction':>10}{'asked':>8}{'diff':>8}")
        for name in self.names:
            s = self.splits[name]
            lines.append(
                f"{name:<8}{s['files']:>7}{s['groups']:>8}{s['fraction']:>10.3f}{s['requested']:>8.3f}{s['deviation']:>+8.3f}"
            )
        lines.append("class share per split (difference from the fraction asked):")
        header = f"{'class':<24}{'total':>6}" + "".join(f"{n:>16}" for n in self.names)
        lines.append(header)
        for c, v in self.classes.items():
            cells = "".join(
                f"{v['splits'][n]['count']:>5} {v['splits'][n]['share']:.2f}({v['splits'][n]['deviation']:+.2f})"
                for n in self.names
            )
            lines.append(f"{c:<24}{v['total']:>6}{cells}")
        lines.append(
            f"max fraction deviation {self.max_fraction_deviation:.3f}, max class deviation "
            f"{self.max_class_deviation:.3f}, leaks {len(self.leaks)}, excluded {len(self.excluded)}"
        )
        return "\n".join(lines)


@dataclass
class SplitResult:
    """The outcome of :func:`split`: the catalog rows with ``split`` and ``group``
    columns (``table``), the report, and per split the paths."""

    table: "pyarrow.Table"
    report: SplitReport
    names: Tuple[str, ...]

    def paths(self, name: str) -> List[str]:
        """The files of one split, in catalog order."""
        if name not in self.names:
            raise _bad(f"no split named {name!r} (splits: {', '.join(self.names)})")
        return [p for p, s in zip(self.table.column("path").to_pylist(), self.table.column("split").to_pylist()) if s == name]

    def __getitem__(self, name: str) -> "pyarrow.Table":
        import pyarrow.compute as pc

        if name not in self.names:
            raise KeyError(name)
        return self.table.filter(pc.equal(self.table.column("split"), name))


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _counts(value: Any) -> Dict[str, int]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): int(v) for k, v in value.items()}
    return {str(k): int(v) for k, v in value}


def split(
    catalog: Any,
    by: Union[str, Sequence[str]] = ("container",),
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    *,
    names: Optional[Sequence[str]] = None,
    stratify: bool = True,
) -> SplitResult:
    """Splits a catalog into parts such that no group spans two of them.

    ``by`` names the group keys: ``container`` (each container number; a scan without
    one is its own group), ``wagon``, ``scan``, ``file``, ``scanner`` (serial), ``site``,
    ``day``, ``agency``, ``declaration``, or any catalog column. Rows that share any
    value of any key are one group (a scan of two containers joins both). Groups are
    assigned, largest first, to the split whose file fraction and per-category
    annotation shares get closest to ``fractions`` (``stratify``; files without
    annotations count as a class of their own), so classes are balanced as far as the
    groups allow. The same catalog and ``seed`` give the same split.

    Rows that could not be read (``error_code`` set) go to no split and are listed in
    the report."""
    import pyarrow as pa

    table = _as_table(catalog)
    keys = (by,) if isinstance(by, str) else tuple(by)
    if not keys:
        raise _bad("split needs at least one group key")
    fr = [float(f) for f in fractions]
    if not fr or any(f < 0 or not math.isfinite(f) for f in fr) or not math.isclose(sum(fr), 1.0, abs_tol=1e-6):
        raise _bad(f"fractions must be non-negative and sum to 1, not {list(fractions)}")
    split_names = tuple(names) if names is not None else (("train", "val", "test") if len(fr) == 3 else tuple(f"split{i}" for i in range(len(fr))))
    if len(split_names) != len(fr) or len(set(split_names)) != len(split_names):
        raise _bad("names must be distinct, one per fraction")
    cols = set(table.column_names)
    key_cols = []
    for k in keys:
        col = _KEY_COLUMNS.get(k, k)
        if col not in cols:
            raise _bad(f"unknown group key {k!r}: no catalog column {col!r}")
        key_cols.append((k, col))

    err = table.column("error_code").to_pylist() if "error_code" in cols else [None] * table.num_rows
    paths = table.column("path").to_pylist()
    ok = [i for i in range(table.num_rows) if err[i] is None]
    excluded = [
        {"path": paths[i], "error_code": err[i], "error": (table.column("error").to_pylist()[i] if "error" in cols else None)}
        for i in range(table.num_rows)
        if err[i] is not None
    ]
    sub = table.take(pa.array(ok, type=pa.int64()))
    n = sub.num_rows
    uf = _UnionFind(n)
    first: Dict[Tuple[str, Any], int] = {}
    scan_ids = sub.column("scan_id").to_pylist() if "scan_id" in cols else [None] * n
    for k, col in key_cols:
        values = sub.column(col).to_pylist()
        for i, v in enumerate(values):
            items = v if isinstance(v, list) else [v]
            items = [x for x in items if x is not None and x != ""]
            if not items:
                # No value (a truck without a container number): the scan is its own group.
                items = [f"scan:{scan_ids[i]}" if scan_ids[i] else f"row:{i}"]
                kk = "scan"
            else:
                kk = k
            for x in items:
                j = first.setdefault((kk, x), i)
                uf.union(i, j)
    roots: Dict[int, List[int]] = defaultdict(list)
    for i in range(n):
        roots[uf.find(i)].append(i)
    groups = list(roots.values())

    counts_col = sub.column("annotation_counts").to_pylist() if "annotation_counts" in cols else [None] * n
    row_classes = []
    for v in counts_col:
        c = _counts(v)
        row_classes.append(c if c else {"(none)": 1})
    classes = sorted({c for rc in row_classes for c in rc})
    class_total = Counter()  # type: Counter[str]
    for rc in row_classes:
        class_total.update(rc)
    group_classes = []
    for g in groups:
        gc: Counter[str] = Counter()
        for i in g:
            gc.update(row_classes[i])
        group_classes.append(gc)

    rng = np.random.default_rng(seed)
    order = list(rng.permutation(len(groups)))
    order.sort(key=lambda gi: -len(groups[gi]))  # stable: the permutation breaks ties
    S = len(fr)
    files = [0] * S
    per_class: List[Counter[str]] = [Counter() for _ in range(S)]
    assigned = [0] * len(groups)
    total = max(n, 1)
    weight = 1.0 / max(len(classes), 1)

    def cost(s: int, gi: int) -> float:
        c = 0.0
        size = len(groups[gi])
        for t in range(S):
            f = (files[t] + (size if t == s else 0)) / total
            c += (f - fr[t]) ** 2
        if stratify:
            for cl, cnt in group_classes[gi].items():
                tot = class_total[cl]
                for t in range(S):
                    share = (per_class[t][cl] + (cnt if t == s else 0)) / tot
                    c += weight * (share - fr[t]) ** 2
        return c

    for gi in order:
        best = min(range(S), key=lambda s: (cost(s, gi), s))
        assigned[gi] = best
        files[best] += len(groups[gi])
        per_class[best].update(group_classes[gi])

    row_split = [""] * n
    row_group = [0] * n
    for gnum, (g, s) in enumerate(zip(groups, assigned)):
        for i in g:
            row_split[i] = split_names[s]
            row_group[i] = gnum

    leaks: List[str] = []
    for k, col in key_cols:
        where: Dict[Any, set[str]] = defaultdict(set)
        for i, v in enumerate(sub.column(col).to_pylist()):
            for x in v if isinstance(v, list) else [v]:
                if x is not None and x != "":
                    where[x].add(row_split[i])
        leaks.extend(f"{k}={x}" for x, s in where.items() if len(s) > 1)

    report_splits = {}
    for s, name in enumerate(split_names):
        report_splits[name] = {
            "files": files[s],
            "groups": sum(1 for a in assigned if a == s),
            "fraction": files[s] / total,
            "requested": fr[s],
            "deviation": files[s] / total - fr[s],
        }
    report_classes = {}
    for cl in classes:
        tot = class_total[cl]
        report_classes[cl] = {
            "total": tot,
            "splits": {
                name: {
                    "count": per_class[s][cl],
                    "share": per_class[s][cl] / tot,
                    "deviation": per_class[s][cl] / tot - fr[s],
                }
                for s, name in enumerate(split_names)
            },
        }
    report = SplitReport(
        by=keys,
        seed=seed,
        names=split_names,
        requested=tuple(fr),
        splits=report_splits,
        classes=report_classes,
        groups=len(groups),
        leaks=leaks,
        excluded=excluded,
    )
    out = sub.append_column("split", pa.array(row_split, type=pa.string())).append_column(
        "group", pa.array(row_group, type=pa.int64())
    )
    return SplitResult(table=out, report=report, names=split_names)


# --- material channel ---------------------------------------------------------------------


def material(
    high: "np.ndarray[Any, Any]", low: "np.ndarray[Any, Any]", *, min_attenuation: float = 0.05
) -> "np.ndarray[Any, Any]":
    """The dual-energy material channel from high- and low-energy transmission (rescaled,
    1 = no attenuation): ``ln(T_low) / ln(T_high)``, the ratio of attenuations, which
    is higher for organic matter than for metals. Where the high-energy attenuation
    ``-ln(T_high)`` is below ``min_attenuation`` (air) the ratio is noise, and the
    channel is 0."""
    th = np.clip(np.asarray(high, dtype=np.float32), 1e-6, None)
    tl = np.clip(np.asarray(low, dtype=np.float32), 1e-6, None)
    ah = -np.log(th)
    al = -np.log(tl)
    out = np.zeros(ah.shape, dtype=np.float32)
    m = ah >= min_attenuation
    out[m] = al[m] / ah[m]
    return out


# --- dataset ------------------------------------------------------------------------------

_CHANNEL_ALIASES = {
    "high": "high-energy",
    "low": "low-energy",
    "z": "z-effective",
}


@dataclass
class _Entry:
    path: str
    file_id: str
    scan_id: Optional[str]
    status: Optional[str]
    shape: Tuple[int, int]
    planes: Dict[str, int]  # channel -> plane index
    rescale: Dict[int, Tuple[float, float]]
    annotations: List[Dict[str, Any]]
    labels: List[Dict[str, Any]]  # provenance per annotation, same order


def _geometry_box(g: Mapping[str, Any]) -> Tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a geometry."""
    t = g["type"]
    if t == "polygon":
        pts = np.asarray(g["points"], dtype=np.float64)
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())
    if t == "mask":
        bits = _mask_array(g)
        ys, xs = np.nonzero(bits)
        if len(xs) == 0:
            return float(g["x"]), float(g["y"]), float(g["x"]), float(g["y"])
        return float(g["x"] + xs.min()), float(g["y"] + ys.min()), float(g["x"] + xs.max() + 1), float(g["y"] + ys.max() + 1)
    return float(g["x"]), float(g["y"]), float(g["x"] + g["width"]), float(g["y"] + g["height"])


def _mask_array(g: Mapping[str, Any]) -> "np.ndarray[Any, Any]":
    w, h = int(g["width"]), int(g["height"])
    raw = np.frombuffer(base64.b64decode(g["bits"]), dtype=np.uint8)
    return np.unpackbits(raw)[: w * h].reshape(h, w).astype(bool)


def _polygon_mask(points: "np.ndarray[Any, Any]", shape: Tuple[int, int], origin: Tuple[int, int] = (0, 0)) -> "np.ndarray[Any, Any]":
    """Pixels whose centres are inside a polygon (even-odd rule), in a (h, w) window
    whose top-left pixel is ``origin`` = (x, y)."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    px = xs + origin[0] + 0.5
    py = ys + origin[1] + 0.5
    inside = np.zeros((h, w), bool)
    p = np.asarray(points, dtype=np.float64)
    q = np.roll(p, -1, axis=0)
    for (x1, y1), (x2, y2) in zip(p, q):
        if y1 == y2:
            continue
        crosses = (py >= min(y1, y2)) & (py < max(y1, y2))
        xc = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (px < xc)
    return inside


def _geometry_mask(g: Mapping[str, Any], window: Tuple[int, int, int, int]) -> "np.ndarray[Any, Any]":
    """The geometry rasterised in ``window`` = (x, y, w, h)."""
    x, y, w, h = window
    out = np.zeros((h, w), bool)
    t = g["type"]
    if t == "polygon":
        return _polygon_mask(np.asarray(g["points"]), (h, w), (x, y))
    if t == "mask":
        m = _mask_array(g)
        gx, gy = int(g["x"]), int(g["y"])
    else:
        gx, gy = int(g["x"]), int(g["y"])
        m = np.ones((int(g["height"]), int(g["width"])), bool)
    x0, y0 = max(x, gx), max(y, gy)
    x1, y1 = min(x + w, gx + m.shape[1]), min(y + h, gy + m.shape[0])
    if x1 > x0 and y1 > y0:
        out[y0 - y : y1 - y, x0 - x : x1 - x] = m[y0 - gy : y1 - gy, x0 - gx : x1 - gx]
    return out


def _label_provenance(scan: Scan, report: Any) -> Dict[str, Dict[str, Any]]:
    """annotation id -> the generation whose annotate event added it, its manifest
    digest and who signed it."""
    out: Dict[str, Dict[str, Any]] = {}
    if report is None:
        for e in scan.events:
            if e.get("type") == "annotate":
                for a in e.get("annotation_ids", []):
                    out[a] = {"event_id": e["id"], "generation": None, "manifest_digest": None, "signers": []}
        return out
    gen_of_event = {e["id"]: e["generation"] for e in report.events}
    gens = {g["generation"]: g for g in report.generations}
    sigs: Dict[int, List[Dict[str, Any]]] = defaultdict(list)
    for s in report.signatures:
        sigs[s.generation].append({"key_id": s.key_id, "role": s.role, "agency": s.agency, "trust": s.trust, "time": s.time})
    for e in scan.events:
        if e.get("type") != "annotate":
            continue
        g = gen_of_event.get(e["id"])
        for a in e.get("annotation_ids", []):
            out[a] = {
                "event_id": e["id"],
                "generation": g,
                "manifest_digest": gens.get(g, {}).get("manifest_digest") if g is not None else None,
                "signers": sigs.get(g, []) if g is not None else [],
            }
    return out


class Dataset:
    """A map-style dataset of scans (or patches of them) with their labels, in the
    protocol a PyTorch ``DataLoader`` expects (``len(ds)``, ``ds[i]``), without
    depending on torch.

    ``source`` is a catalog (``scanx.catalog``), a :class:`SplitResult` or its table
    (then ``split`` picks the rows of one split), a folder, or a list of paths.
    ``planes`` are the channels to stack, in order: ``high`` / ``low`` (energy),
    ``material`` (a stored material plane, else derived from high and low with
    :func:`material`), or any channel name of the schema; planes flagged personal are
    never read. Planes come from ``view`` (default ``side``) and must share its pixel
    grid. ``dtype="float32"`` applies each plane's rescale; ``"raw"`` keeps the stored
    samples (every requested plane must share one sample type; no derived material).

    ``require="TRUSTED"`` (default) verifies each file against ``trust`` when the
    dataset is built and leaves out every file that is not TRUSTED; ``"VALID"`` also
    keeps VALID_UNTRUSTED files; None verifies nothing. What was left out, and why, is
    in :attr:`excluded` (and logged on the ``scanx.ml`` logger). Labels are annotations
    whose ``source`` is in ``sources`` (by default ground truth and operators, not
    algorithms) and whose category is in ``categories`` (default all of
    :data:`CATEGORIES`).

    ``patch=(h, w)`` makes each sample a patch of a grid over every image (``stride``
    defaults to the patch); boxes are clipped to it and kept when at least
    ``min_visibility`` of their area is inside. Each sample is a dict: ``image`` (C, H,
    W), ``channels``, ``boxes`` (N, 4: x0, y0, x1, y1 in the sample's pixels, float32),
    ``category_ids`` (int64, COCO ids), ``categories``, ``polygons`` (per box an (K, 2)
    array, or None for a mask), ``masks`` (N, H, W bool, with ``masks=True``),
    ``annotation_ids``, ``window`` (x, y, w, h in the plane) and ``provenance`` (file id,
    path, scan id, status, and per label the generation that added it, that
    generation's manifest digest and its signers).

    Files are opened when a sample is read, in whichever process reads it; the dataset
    pickles without open files, so it can go to worker processes."""

    def __init__(
        self,
        source: Any,
        split: Optional[str] = None,
        planes: Sequence[str] = ("high", "low"),
        patch: Optional[Tuple[int, int]] = None,
        trust: Any = None,
        require: Optional[str] = "TRUSTED",
        *,
        view: str = "side",
        dtype: str = "float32",
        stride: Optional[Tuple[int, int]] = None,
        masks: bool = False,
        sources: Sequence[str] = ("ground-truth", "operator"),
        categories: Optional[Sequence[str]] = None,
        min_visibility: float = 0.5,
        min_attenuation: float = 0.05,
        workers: Optional[int] = None,
    ) -> None:
        if require not in ("TRUSTED", "VALID", None):
            raise _bad(f"require is 'TRUSTED', 'VALID' or None, not {require!r}")
        if dtype not in ("float32", "raw"):
            raise _bad(f"dtype is 'float32' or 'raw', not {dtype!r}")
        if not planes:
            raise _bad("a dataset needs at least one plane")
        self.channels: Tuple[str, ...] = tuple(_CHANNEL_ALIASES.get(p, p) for p in planes)
        if dtype == "raw" and "material" in self.channels:
            pass  # allowed only when the file stores a material plane (checked per file)
        self.view = view
        self.dtype = dtype
        self.require = require
        self.masks = bool(masks)
        self.sources = tuple(sources)
        self.categories: Tuple[str, ...] = tuple(categories) if categories is not None else CATEGORIES
        for c in self.categories:
            category_id(c)
        self.min_visibility = float(min_visibility)
        self.min_attenuation = float(min_attenuation)
        self.patch = None if patch is None else (int(patch[0]), int(patch[1]))
        if self.patch is not None and (self.patch[0] < 1 or self.patch[1] < 1):
            raise _bad("a patch is at least 1 x 1")
        st = stride if stride is not None else self.patch
        self.stride = None if st is None else (int(st[0]), int(st[1]))
        self.split = split
        t = _trust(trust)
        if require == "TRUSTED" and t is None:
            raise _bad("require='TRUSTED' needs a trust store (trust=...)")
        self._trust_json = None if t is None else t.to_json()

        self.excluded: List[Dict[str, Any]] = []
        """Files left out: ``{"path", "status", "reasons", "error"}``."""
        files = self._files(source, split)
        trust_store = t
        with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 1)) as ex:
            results = list(ex.map(lambda p: self._entry(p, trust_store), files))
        self._entries: List[_Entry] = []
        for r in results:
            if isinstance(r, _Entry):
                self._entries.append(r)
            else:
                self.excluded.append(r)
        for left in self.excluded:
            log.warning("left out %s: %s", left["path"], left["error"])
        self._index: List[Tuple[int, int, int]] = []
        for ei, e in enumerate(self._entries):
            for y, x in self._windows(e.shape):
                self._index.append((ei, y, x))
        self._scans: Dict[str, Scan] = {}

    # --- building ---------------------------------------------------------------------
    def _files(self, source: Any, split: Optional[str]) -> List[str]:
        import pyarrow as pa

        if isinstance(source, SplitResult) or isinstance(source, pa.Table) or (
            isinstance(source, (str, os.PathLike)) and str(source).endswith(".parquet")
        ):
            table = _as_table(source)
            if split is not None:
                if "split" not in table.column_names:
                    raise _bad("split= needs a catalog with a split column (scanx.ml.split)")
                table = table.filter(pa.compute.equal(table.column("split"), split))
            paths = table.column("path").to_pylist()
            if "error_code" in table.column_names:
                errs = table.column("error_code").to_pylist()
                msgs = table.column("error").to_pylist()
                keep = []
                for p, e, m in zip(paths, errs, msgs):
                    if e is None:
                        keep.append(p)
                    else:
                        self.excluded.append({"path": p, "status": "INVALID", "reasons": [], "error": m})
                paths = keep
            return list(paths)
        if split is not None:
            raise _bad("split= needs a catalog or a SplitResult, not paths")
        return list_files(source)

    def _windows(self, shape: Tuple[int, int]) -> List[Tuple[int, int]]:
        if self.patch is None or self.stride is None:
            return [(0, 0)]
        h, w = shape
        ph, pw = self.patch
        sy, sx = self.stride
        if ph > h or pw > w:
            return []

        def starts(n: int, p: int, s: int) -> List[int]:
            out = list(range(0, n - p + 1, s))
            if out[-1] != n - p:
                out.append(n - p)
            return out

        return [(y, x) for y in starts(h, ph, sy) for x in starts(w, pw, sx)]

    def _entry(self, path: str, trust: Optional[TrustStore]) -> Union[_Entry, Dict[str, Any]]:
        def no(status: Optional[str], reasons: List[str], error: str) -> Dict[str, Any]:
            return {"path": path, "status": status, "reasons": reasons, "error": error}

        report = None
        status = None
        if self.require is not None:
            report = _verify(path, trust=trust)
            status = report.status.value
            ok = status == "TRUSTED" or (self.require == "VALID" and status == "VALID_UNTRUSTED")
            if not ok:
                why = "; ".join(f"{p.reason}: {p.message}" for p in report.problems) or "no signature"
                return no(status, report.reasons, f"not {self.require}: status {status}: {why}")
        try:
            with _open(path) as scan:
                planes = [p for p in scan.planes if p.view == self.view and not p.personal]
                by_channel = {p.channel: p for p in reversed(planes)}
                chosen: Dict[str, int] = {}
                for c in self.channels:
                    if c in by_channel:
                        chosen[c] = by_channel[c].index
                    elif c == "material" and "high-energy" in by_channel and "low-energy" in by_channel:
                        if self.dtype == "raw":
                            return no(status, [], "a material channel derived from high and low energy is float32, not raw")
                        for c2 in ("high-energy", "low-energy"):
                            if by_channel[c2].value_meaning != "transmission":
                                return no(status, [], f"cannot derive material: the {c2} plane holds {by_channel[c2].value_meaning}, not transmission")
                        chosen["high-energy"] = by_channel["high-energy"].index
                        chosen["low-energy"] = by_channel["low-energy"].index
                    else:
                        return no(status, [], f"no {c} plane in the {self.view} view (personal planes are never used)")
                used = [scan.planes[i] for i in set(chosen.values())]
                shapes = {p.shape for p in used}
                if len(shapes) != 1:
                    return no(status, [], f"the {self.view} view's planes differ in size: {sorted(shapes)}")
                if self.dtype == "raw" and len({p.dtype for p in used}) != 1:
                    return no(status, [], "dtype='raw' needs planes of one sample type")
                shape = shapes.pop()
                prov = _label_provenance(scan, report)
                anns = []
                labels = []
                used_idx = {p.index for p in used}
                for a in scan.annotations:
                    if a["source"] not in self.sources or a["category"] not in self.categories:
                        continue
                    if a["plane"] not in used_idx:
                        continue
                    anns.append(a)
                    labels.append({"annotation_id": a["id"], **prov.get(a["id"], {"generation": None, "manifest_digest": None, "signers": []})})
                return _Entry(
                    path=os.path.abspath(path),
                    file_id=scan.file_id,
                    scan_id=scan.metadata.get("scan_id"),
                    status=status,
                    shape=shape,
                    planes=chosen,
                    rescale={p.index: p.rescale for p in used},
                    annotations=anns,
                    labels=labels,
                )
        except Exception as e:  # noqa: BLE001 - every failure leaves the file out, and says why
            code = getattr(e, "kind", type(e).__name__)
            return no(status or "INVALID", [str(code)], f"{code}: {e}")

    # --- the protocol -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._index)

    @property
    def files(self) -> List[str]:
        """The files the dataset reads, in order."""
        return [e.path for e in self._entries]

    def __getstate__(self) -> Dict[str, Any]:
        d = dict(self.__dict__)
        d["_scans"] = {}
        return d

    def __setstate__(self, d: Dict[str, Any]) -> None:
        self.__dict__.update(d)

    def _scan(self, path: str) -> Scan:
        s = self._scans.get(path)
        if s is None:
            s = _open(path)
            if len(self._scans) > 64:
                self._scans.clear()
            self._scans[path] = s
        return s

    def __getitem__(self, i: int) -> Dict[str, Any]:
        if not isinstance(i, (int, np.integer)):
            raise TypeError("a dataset is indexed by an integer")
        n = len(self._index)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"sample {i} of a dataset of {n}")
        ei, y, x = self._index[int(i)]
        e = self._entries[ei]
        h, w = self.patch if self.patch is not None else e.shape
        scan = self._scan(e.path)

        def read(index: int) -> "np.ndarray[Any, Any]":
            a = scan.planes[index].read_region(x, y, w, h)
            if self.dtype == "raw":
                return a
            slope, intercept = e.rescale[index]
            return (a.astype(np.float32) * np.float32(slope) + np.float32(intercept)).astype(np.float32)

        layers = []
        cache: Dict[int, "np.ndarray[Any, Any]"] = {}
        for c in self.channels:
            if c == "material" and c not in e.planes:
                hi = cache.setdefault(e.planes["high-energy"], read(e.planes["high-energy"]))
                lo = cache.setdefault(e.planes["low-energy"], read(e.planes["low-energy"]))
                layers.append(material(hi, lo, min_attenuation=self.min_attenuation))
            else:
                idx = e.planes[c]
                if idx not in cache:
                    cache[idx] = read(idx)
                layers.append(cache[idx])
        image = np.stack(layers)

        boxes = []
        cats = []
        polys: List[Optional["np.ndarray[Any, Any]"]] = []
        mask_list = []
        ids = []
        labels = []
        for a, lab in zip(e.annotations, e.labels):
            g = a["geometry"]
            x0, y0, x1, y1 = _geometry_box(g)
            area = max(x1 - x0, 0) * max(y1 - y0, 0)
            cx0, cy0, cx1, cy1 = max(x0, x), max(y0, y), min(x1, x + w), min(y1, y + h)
            if cx1 <= cx0 or cy1 <= cy0:
                continue
            if area > 0 and (cx1 - cx0) * (cy1 - cy0) < self.min_visibility * area:
                continue
            boxes.append([cx0 - x, cy0 - y, cx1 - x, cy1 - y])
            cats.append(self.categories.index(a["category"]) + 1 if self.categories != CATEGORIES else category_id(a["category"]))
            if g["type"] == "polygon":
                polys.append(np.asarray(g["points"], dtype=np.float32) - np.asarray([x, y], dtype=np.float32))
            elif g["type"] == "box":
                polys.append(np.asarray([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32) - np.asarray([x, y], dtype=np.float32))
            else:
                polys.append(None)
            if self.masks:
                mask_list.append(_geometry_mask(g, (x, y, w, h)))
            ids.append(a["id"])
            labels.append(lab)
        sample: Dict[str, Any] = {
            "image": image,
            "channels": list(self.channels),
            "boxes": np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
            "category_ids": np.asarray(cats, dtype=np.int64),
            "categories": [self.categories[c - 1] if self.categories != CATEGORIES else CATEGORIES[c - 1] for c in cats],
            "polygons": polys,
            "annotation_ids": ids,
            "window": (x, y, w, h),
            "provenance": {
                "path": e.path,
                "file_id": e.file_id,
                "scan_id": e.scan_id,
                "status": e.status,
                "annotation_ids": ids,
                "labels": labels,
            },
        }
        if self.masks:
            sample["masks"] = np.asarray(mask_list, dtype=bool).reshape(-1, h, w)
        return sample

    def __repr__(self) -> str:
        return (
            f"<scanx.ml.Dataset {len(self)} samples from {len(self._entries)} files, "
            f"channels {list(self.channels)}, require {self.require}, {len(self.excluded)} left out>"
        )


# --- COCO -----------------------------------------------------------------------------------


def _atomic_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _category_list(names: Sequence[str]) -> List[Dict[str, Any]]:
    return [{"id": i + 1, "name": n, "supercategory": "cargo"} for i, n in enumerate(names)]


def to_coco(
    dataset: Dataset,
    folder: PathLike,
    *,
    images: bool = True,
    description: str = "scanx dataset",
    workers: Optional[int] = None,
) -> Path:
    """Writes ``dataset`` as a COCO detection dataset in ``folder``: ``annotations.json``
    and, with ``images``, one TIFF per sample in ``images/`` holding the stacked
    channels (C, H, W) in the dataset's dtype (16-bit samples stay 16-bit with
    ``dtype="raw"``). Boxes are COCO ``[x, y, width, height]``; polygons become
    ``segmentation``, masks an RLE. Provenance goes into ``info`` (the dataset's
    settings and the files left out) and into each image (``scanx_file_id``,
    ``scanx_path``, ``scanx_window``, status) and annotation (``scanx_annotation_id``,
    ``scanx_generation``, ``scanx_manifest_digest``, ``scanx_signers``). Returns the path
    of ``annotations.json`` (written atomically)."""
    import tifffile
    from pycocotools import mask as mask_utils

    out = Path(folder)
    (out / "images").mkdir(parents=True, exist_ok=True)
    coco_images: List[Dict[str, Any]] = []
    coco_anns: List[Dict[str, Any]] = []

    def one(i: int) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
        s = dataset[i]
        prov = s["provenance"]
        x, y, w, h = s["window"]
        name = f"{prov['file_id']}.tif" if dataset.patch is None else f"{prov['file_id']}-{x}-{y}.tif"
        if images:
            buf = io.BytesIO()
            tifffile.imwrite(buf, s["image"], photometric="minisblack", planarconfig="separate", metadata={"channels": s["channels"]})
            _atomic_bytes(out / "images" / name, buf.getvalue())
        img = {
            "id": i + 1,
            "file_name": f"images/{name}",
            "width": w,
            "height": h,
            "scanx_path": prov["path"],
            "scanx_file_id": prov["file_id"],
            "scanx_scan_id": prov["scan_id"],
            "scanx_status": prov["status"],
            "scanx_window": [x, y, w, h],
            "scanx_channels": s["channels"],
        }
        anns = []
        masks_needed = [p is None for p in s["polygons"]]
        for k, (box, cat, poly, aid, lab) in enumerate(
            zip(s["boxes"], s["category_ids"], s["polygons"], s["annotation_ids"], s["provenance"]["labels"])
        ):
            x0, y0, x1, y1 = (float(v) for v in box)
            ann: Dict[str, Any] = {
                "image_id": i + 1,
                "category_id": int(cat),
                "bbox": [x0, y0, x1 - x0, y1 - y0],
                "area": (x1 - x0) * (y1 - y0),
                "iscrowd": 0,
                "scanx_annotation_id": aid,
                "scanx_generation": lab.get("generation"),
                "scanx_manifest_digest": lab.get("manifest_digest"),
                "scanx_signers": [sg.get("key_id") for sg in lab.get("signers", [])],
            }
            if poly is not None:
                ann["segmentation"] = [[float(v) for v in np.asarray(poly).ravel()]]
            elif masks_needed[k]:
                aid_ann = next(a for a in dataset._entries[dataset._index[i][0]].annotations if a["id"] == aid)
                m = _geometry_mask(aid_ann["geometry"], (x, y, w, h))
                rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
                rle["counts"] = rle["counts"].decode("ascii")
                ann["segmentation"] = rle
                ann["area"] = float(m.sum())
            anns.append(ann)
        return img, anns

    with ThreadPoolExecutor(max_workers=workers or min(8, os.cpu_count() or 1)) as ex:
        results = list(ex.map(one, range(len(dataset))))
    for img, anns in results:
        coco_images.append(img)
        for a in anns:
            a["id"] = len(coco_anns) + 1
            coco_anns.append(a)
    doc = {
        "info": {
            "description": description,
            "version": "1.0",
            "date_created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scanx": {
                "channels": list(dataset.channels),
                "dtype": dataset.dtype,
                "view": dataset.view,
                "patch": dataset.patch,
                "require": dataset.require,
                "split": dataset.split,
                "sources": list(dataset.sources),
                "files": len(dataset.files),
                "excluded": dataset.excluded,
            },
        },
        "licenses": [],
        "images": coco_images,
        "annotations": coco_anns,
        "categories": _category_list(dataset.categories),
    }
    path = out / "annotations.json"
    _atomic_bytes(path, json.dumps(doc, indent=1).encode())
    return path


def _load_coco(gt: Any) -> Any:
    from pycocotools.coco import COCO

    if isinstance(gt, COCO):
        return gt
    with contextlib.redirect_stdout(io.StringIO()):
        if isinstance(gt, (str, os.PathLike)):
            return COCO(os.fspath(gt))
        if isinstance(gt, Mapping):
            c = COCO()
            c.dataset = json.loads(json.dumps(gt))
            c.createIndex()
            return c
    raise TypeError("ground truth is a COCO object, a path to annotations.json or its dict")


def evaluate(predictions: Sequence[Mapping[str, Any]], ground_truth: Any, *, iou_type: str = "bbox") -> Dict[str, Any]:
    """COCO mAP of ``predictions`` (COCO results: ``image_id``, ``category_id``,
    ``bbox`` [x, y, w, h], ``score``) against ``ground_truth`` (the ``annotations.json``
    of :func:`to_coco`, its dict, or a pycocotools ``COCO``), through pycocotools'
    ``COCOeval``. Returns ``mAP`` (IoU 0.50:0.95), ``mAP50``, ``mAP75``, ``mAR100``, the
    twelve COCO ``stats`` and ``per_category`` AP (IoU 0.50:0.95; -1 where a category
    has no ground truth)."""
    from pycocotools.cocoeval import COCOeval

    gt = _load_coco(ground_truth)
    preds = [dict(p) for p in predictions]
    for p in preds:
        for k in ("image_id", "category_id", "bbox", "score"):
            if k not in p:
                raise _bad(f"a prediction needs {k!r}: {p}")
        p["bbox"] = [float(v) for v in p["bbox"]]
        p["score"] = float(p["score"])
    if not preds:
        return {"mAP": 0.0, "mAP50": 0.0, "mAP75": 0.0, "mAR100": 0.0, "stats": [0.0] * 12, "per_category": {}, "predictions": 0}
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(preds)
        ev = COCOeval(gt, dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats = [float(v) for v in ev.stats]
    per_cat: Dict[str, float] = {}
    precision = ev.eval["precision"]  # [T, R, K, A, M]
    for kk, cid in enumerate(ev.params.catIds):
        p = precision[:, :, kk, 0, -1]
        p = p[p > -1]
        per_cat[gt.cats[cid]["name"]] = float(p.mean()) if p.size else -1.0
    return {
        "mAP": stats[0],
        "mAP50": stats[1],
        "mAP75": stats[2],
        "mAR100": stats[8],
        "stats": stats,
        "per_category": per_cat,
        "predictions": len(preds),
    }


# --- predictions back into the scans ----------------------------------------------------------

_PREDICTION_NAMESPACE = uuid.UUID("5d3f8a52-6c1e-4f0b-9a57-2b1c0e7d4a10")


def record_predictions(
    predictions: Iterable[Mapping[str, Any]],
    out: PathLike,
    *,
    key: SignerLike,
    algorithm: Tuple[str, str],
    role: str = "analyst",
    agency: Optional[Mapping[str, str]] = None,
    coco: Any = None,
    time: Union[int, _dt.datetime, None] = None,
    min_score: float = 0.0,
    plane: int = 0,
) -> Dict[str, Path]:
    """Writes a model's detections back into the scans as ``algorithm`` annotations
    (``algorithm`` = (name, version), with each detection's confidence), in a new
    generation signed by ``key`` in ``role``: one output file per scan, named as its
    input, in the folder ``out`` (inputs are never modified). The earlier generations
    and their signatures are copied byte for byte.

    A prediction is a COCO result (``image_id``, ``category_id``, ``bbox`` [x, y, w, h]
    in the image, ``score``) with ``coco`` the ground truth of :func:`to_coco` (each
    image there names its scan and window), or a dict with ``path``, ``bbox`` in the
    plane's pixels, ``category`` (or ``category_id``) and ``score``. Detections below
    ``min_score`` are dropped. Returns {input path: output path}; a scan without
    detections gets no new file. Annotation ids are derived from the file id, the
    algorithm and the detection's rank, so the same detections give the same file."""
    name, version = algorithm
    dest = Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    images: Dict[int, Dict[str, Any]] = {}
    cat_names: Dict[int, str] = {i + 1: c for i, c in enumerate(CATEGORIES)}
    if coco is not None:
        gt = _load_coco(coco)
        images = {int(k): v for k, v in gt.imgs.items()}
        cat_names = {int(k): v["name"] for k, v in gt.cats.items()}
    per_file: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for p in predictions:
        score = float(p["score"])
        if score < min_score:
            continue
        bx, by, bw, bh = (float(v) for v in p["bbox"])
        if "path" in p:
            path = os.path.abspath(os.fspath(p["path"]))
            ox, oy = 0, 0
        else:
            if coco is None:
                raise _bad("a COCO prediction (image_id) needs coco= to find its scan")
            img = images.get(int(p["image_id"]))
            if img is None:
                raise _bad(f"image {p['image_id']} is not in the COCO ground truth")
            path = img["scanx_path"]
            ox, oy = img["scanx_window"][0], img["scanx_window"][1]
        if "category" in p:
            cat = str(p["category"])
            category_id(cat)
        else:
            cat = cat_names.get(int(p["category_id"]), "")
            category_id(cat)
        per_file[path].append({"box": (bx + ox, by + oy, bw, bh), "category": cat, "score": min(max(score, 0.0), 1.0)})
    when = time if time is not None else _dt.datetime.now(_dt.timezone.utc)
    when_text = (
        _dt.datetime.fromtimestamp(when, _dt.timezone.utc) if isinstance(when, int) else when
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    written: Dict[str, Path] = {}
    for path, dets in sorted(per_file.items()):
        target = dest / Path(path).name
        if target.resolve() == Path(path).resolve():
            raise _bad(f"record_predictions writes new files: {out} holds the input {path}")
        with _open(path) as s:
            file_id = s.file_id
            h, w = s.planes[plane].shape
        dets.sort(key=lambda d: (-d["score"], d["box"]))
        anns = []
        for rank, d in enumerate(dets):
            bx, by, bw, bh = d["box"]
            x0, y0 = max(0, int(math.floor(bx))), max(0, int(math.floor(by)))
            x1, y1 = min(w, int(math.ceil(bx + bw))), min(h, int(math.ceil(by + bh)))
            if x1 <= x0 or y1 <= y0:
                continue
            anns.append(
                {
                    "id": str(uuid.uuid5(_PREDICTION_NAMESPACE, f"{file_id}/{name}/{version}/{rank}")),
                    "plane": plane,
                    "geometry": {"type": "box", "x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0},
                    "category": d["category"],
                    "confidence": d["score"],
                    "source": "algorithm",
                    "algorithm": {"name": name, "version": version},
                    "created": when_text,
                }
            )
        if not anns:
            continue
        with edit(path, key=key, role=role, agency=agency, time=when) as ed:
            ed.annotate(anns)
            ed.save(target)
        written[path] = target
    return written
