"""From signed scans to a evaluated detector, with provenance all the way:

200 synthetic scans -> catalog on a Dask LocalCluster -> split by container -> COCO
export loaded by pycocotools -> Dataset read by 2 worker processes -> a threshold
baseline on the material channel -> COCO mAP -> predictions recorded as signed
annotations that verify.

    python examples/training.py [WORKDIR] [--n 200]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

import scanx
import scanx.ml
import scanx.synthetic


def _components(mask: "np.ndarray[Any, Any]") -> List[tuple[int, int, int, int, int]]:
    """Bounding boxes (x0, y0, x1, y1, area) of the 4-connected components of a mask."""
    h, w = mask.shape
    labels = np.zeros((h, w), np.int32)
    boxes = []
    current = 0
    for y0, x0 in zip(*np.nonzero(mask)):
        if labels[y0, x0]:
            continue
        current += 1
        stack = [(int(y0), int(x0))]
        labels[y0, x0] = current
        ys, xs = [], []
        while stack:
            y, x = stack.pop()
            ys.append(y)
            xs.append(x)
            for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= yy < h and 0 <= xx < w and mask[yy, xx] and not labels[yy, xx]:
                    labels[yy, xx] = current
                    stack.append((yy, xx))
        boxes.append((min(xs), min(ys), max(xs) + 1, max(ys) + 1, len(xs)))
    return boxes


def _blur(a: "np.ndarray[Any, Any]", k: int = 5) -> "np.ndarray[Any, Any]":
    p = np.pad(a, k // 2, mode="edge")
    c = np.pad(np.cumsum(np.cumsum(p, 0), 1), ((1, 0), (1, 0)))
    h, w = a.shape
    return (c[k : k + h, k : k + w] - c[:h, k : k + w] - c[k : k + h, :w] + c[:h, :w]) / (k * k)


def baseline(sample: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Organic matter (a high material ratio) that attenuates strongly: narcotics."""
    high, _low, mat = sample["image"]
    att = -np.log(np.clip(high, 1e-6, None))
    mask = (_blur(mat) > 1.24) & (_blur(att) > 0.9) & (_blur(att) < 4.0)
    out = []
    for x0, y0, x1, y1, area in _components(mask):
        if area < 30:
            continue
        fill = area / ((x1 - x0) * (y1 - y0))
        out.append({"bbox": [x0, y0, x1 - x0, y1 - y0], "score": float(min(1.0, 0.3 + 0.7 * fill)), "category_id": scanx.ml.category_id("narcotics")})
    return out


def _predict(args: tuple[scanx.ml.Dataset, int]) -> List[Dict[str, Any]]:
    ds, i = args
    return [dict(p, image_id=i + 1) for p in baseline(ds[i])]


def main(argv: List[str] | None = None) -> Dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir", nargs="?")
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="scanx-training-"))
    result: Dict[str, Any] = {}

    t = time.perf_counter()
    data = scanx.synthetic.make_dataset(work / "scans", args.n, seed=2026)
    result["synthesis_s"] = time.perf_counter() - t
    print(f"wrote {len(data.paths)} signed scans in {result['synthesis_s']:.1f} s")

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        t = time.perf_counter()
        table = scanx.catalog(data.folder, trust=data.trust, client=client, parquet=work / "catalog.parquet")
        dt = time.perf_counter() - t
    result["catalog_files_per_s_cluster"] = table.num_rows / dt
    print(f"catalogued {table.num_rows} files on a LocalCluster in {dt:.2f} s ({table.num_rows / dt:.0f} files/s, verified)")
    assert set(table.column("status").to_pylist()) == {"TRUSTED"}

    parts = scanx.ml.split(table, by=("container",), fractions=(0.7, 0.15, 0.15), seed=0)
    print(parts.report)
    assert not parts.report.leaks
    result["split"] = parts.report.to_dict()

    test = scanx.ml.Dataset(parts, split="test", planes=("high", "low", "material"), trust=data.trust)
    coco_path = scanx.ml.to_coco(test, work / "coco-test")
    from pycocotools.coco import COCO
    import contextlib, io

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(coco_path))
    print(f"COCO export: {len(gt.imgs)} images, {len(gt.anns)} annotations")

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        preds = [p for ps in pool.map(_predict, [(test, i) for i in range(len(test))]) for p in ps]
    metrics = scanx.ml.evaluate(preds, gt)
    result["baseline"] = {k: metrics[k] for k in ("mAP", "mAP50", "mAP75", "mAR100", "per_category", "predictions")}
    print(f"threshold baseline: mAP {metrics['mAP']:.3f}, mAP50 {metrics['mAP50']:.3f} ({len(preds)} detections)")

    analyst = scanx.SigningKey.from_seed(bytes(range(32)))
    trust = scanx.TrustStore.from_json(data.trust.to_json())
    trust.add(analyst.public_key, "Model evaluation desk", "BE", ["analyst"])
    written = scanx.ml.record_predictions(preds, work / "predicted", key=analyst, algorithm=("threshold-baseline", "1"), coco=gt, agency={"country": "BE", "name": "Model evaluation desk"})
    statuses = {scanx.verify(p, trust=trust).status.value for p in written.values()}
    print(f"recorded predictions in {len(written)} scans, verification: {sorted(statuses)}")
    assert statuses <= {"TRUSTED"}
    result["recorded"] = len(written)
    (work / "result.json").write_text(json.dumps(result, indent=1, default=str))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
