"""Training data: synthetic scans, the catalog, splits, the dataset, COCO, predictions."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import numpy as np
import pyarrow.parquet as pq
import pytest

import scanx
import scanx.ml
import scanx.synthetic

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> scanx.synthetic.SyntheticDataset:
    return scanx.synthetic.make_dataset(tmp_path_factory.mktemp("synth"), 24, seed=5)


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory: pytest.TempPathFactory, synth: scanx.synthetic.SyntheticDataset) -> Tuple[Path, Dict[str, str]]:
    """Four good scans, then a corrupt, a truncated, an untrusted and a non-scanx file."""
    folder = tmp_path_factory.mktemp("bad")
    for p in synth.paths[:4]:
        shutil.copy(p, folder / p.name)
    data = bytearray(synth.paths[4].read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "corrupt.scx").write_bytes(bytes(data))
    (folder / "truncated.scx").write_bytes(synth.paths[5].read_bytes()[:5000])
    other = scanx.synthetic.make_dataset(folder / "other", 1, seed=99)
    shutil.move(str(other.paths[0]), folder / "untrusted.scx")
    shutil.rmtree(folder / "other")
    (folder / "notes.scx").write_text("this is not a scan\n")
    return folder, {"corrupt.scx": "INVALID", "truncated.scx": "INVALID", "untrusted.scx": "VALID_UNTRUSTED", "notes.scx": "INVALID"}


def test_container_numbers_have_valid_check_digits() -> None:
    assert scanx.synthetic.container_number("CSQ", 305438) == "CSQU3054383"
    assert scanx.synthetic.iso6346_check_digit("MSKU907032") == 3
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.synthetic.iso6346_check_digit("MSK")


def test_synthetic_scans_are_signed_varied_and_reproducible(synth: scanx.synthetic.SyntheticDataset, tmp_path: Path) -> None:
    statuses = {scanx.verify(p, trust=synth.trust).status.value for p in synth.paths}
    assert statuses == {"TRUSTED"}
    kinds, sites, cats = set(), set(), set()
    for p in synth.paths:
        with scanx.open(p) as s:
            kinds.add(s.metadata["conveyance"]["kind"])
            sites.add(s.metadata["site"]["locode"])
            cats.update(a["category"] for a in s.annotations)
            assert all(a["source"] == "ground-truth" for a in s.annotations)
            assert s.planes[0].dtype == np.uint16 and s.planes[1].channel == "low-energy"
    assert kinds == {"container", "truck"} and len(sites) >= 3 and len(cats) >= 3
    again = scanx.synthetic.make_dataset(tmp_path, 24, seed=5)
    for a, b in zip(again.paths, synth.paths):
        assert a.read_bytes() == b.read_bytes()
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.synthetic.make_dataset(tmp_path, 1, shape=(8, 8))


def test_catalog_lists_every_file_and_carries_on_past_bad_ones(bad_folder: Tuple[Path, Dict[str, str]], synth: scanx.synthetic.SyntheticDataset, tmp_path: Path) -> None:
    folder, expected = bad_folder
    table = scanx.catalog(folder, trust=synth.trust, parquet=tmp_path / "c.parquet")
    rows = {Path(r["path"]).name: r for r in table.to_pylist()}
    assert len(rows) == 8
    for name, status in expected.items():
        assert rows[name]["status"] == status, (name, rows[name])
    assert rows["notes.scx"]["error_code"] // 100 == 2 and rows["notes.scx"]["error_kind"]
    assert rows["truncated.scx"]["error_code"] is not None
    assert rows["untrusted.scx"]["error_code"] is None and rows["untrusted.scx"]["reasons"]
    good = [r for n, r in rows.items() if n.startswith("scan-")]
    assert all(r["status"] == "TRUSTED" and r["error_code"] is None for r in good)
    r = good[0]
    assert r["site"] and r["scanner_serial"] and r["time"] is not None and r["planes"][0]["dtype"] == "u16"
    assert r["signers"][0]["role"] == "scanner" and r["signers"][0]["trust"]
    assert pq.read_table(tmp_path / "c.parquet").equals(table)
    unchecked = scanx.catalog(folder)
    assert set(unchecked.column("status").to_pylist()) == {"UNCHECKED", "INVALID"}


def test_catalog_on_a_local_dask_cluster_matches(synth: scanx.synthetic.SyntheticDataset) -> None:
    from dask.distributed import Client, LocalCluster

    local = scanx.catalog(synth.folder, trust=synth.trust)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        remote = scanx.catalog(synth.folder, trust=synth.trust, client=client, batch_size=5)
    assert remote.equals(local)
    assert local.num_rows == 24


def test_split_never_puts_a_group_in_two_splits(synth: scanx.synthetic.SyntheticDataset) -> None:
    table = scanx.catalog(synth.folder, trust=synth.trust)
    parts = scanx.ml.split(table, by=("container", "site"), fractions=(0.6, 0.2, 0.2), seed=3)
    assert parts.table.num_rows == 24 and not parts.report.leaks
    seen: Dict[str, str] = {}
    for row in parts.table.to_pylist():
        for key in row["container_numbers"] + [row["site"]]:
            assert seen.setdefault(key, row["split"]) == row["split"]
    again = scanx.ml.split(table, by=("container", "site"), fractions=(0.6, 0.2, 0.2), seed=3)
    assert again.table.column("split").equals(parts.table.column("split"))
    by_scan = scanx.ml.split(table, by="scan", fractions=(0.5, 0.5), seed=1, names=("a", "b"))
    assert abs(by_scan.report.splits["a"]["files"] - 12) <= 1
    assert "max fraction deviation" in str(by_scan.report)
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.ml.split(table, fractions=(0.5, 0.6))
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.ml.split(table, by=("no-such-key",))


def test_dataset_refuses_untrusted_and_broken_files_and_says_why(bad_folder: Tuple[Path, Dict[str, str]], synth: scanx.synthetic.SyntheticDataset) -> None:
    folder, expected = bad_folder
    ds = scanx.ml.Dataset(folder, trust=synth.trust)
    assert len(ds) == 4
    left = {Path(x["path"]).name: x for x in ds.excluded}
    assert set(left) == set(expected)
    assert left["untrusted.scx"]["status"] == "VALID_UNTRUSTED" and "not TRUSTED" in left["untrusted.scx"]["error"]
    assert len(scanx.ml.Dataset(folder, trust=synth.trust, require="VALID")) == 5
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.ml.Dataset(folder)  # TRUSTED needs a trust store


def test_dataset_samples(synth: scanx.synthetic.SyntheticDataset) -> None:
    ds = scanx.ml.Dataset(synth.folder, planes=("high", "low", "material"), trust=synth.trust, masks=True)
    assert len(ds) == 24
    clone = pickle.loads(pickle.dumps(ds))
    i = next(k for k in range(len(ds)) if len(ds[k]["boxes"]))
    s = clone[i]
    assert s["image"].shape[0] == 3 and s["image"].dtype == np.float32
    with scanx.open(s["provenance"]["path"]) as scan:
        raw = scan.planes[0].to_numpy()
        slope, intercept = scan.planes[0].rescale
    assert np.allclose(s["image"][0], raw * slope + intercept, rtol=1e-6)
    assert float(s["image"][0].max()) <= 1.2  # rescaled to transmission
    assert s["boxes"].shape[1] == 4 and len(s["category_ids"]) == len(s["boxes"]) == s["masks"].shape[0]
    lab = s["provenance"]["labels"][0]
    assert lab["generation"] == 1 and len(lab["manifest_digest"]) == 64
    assert lab["signers"][0]["key_id"] == synth.key.key_id
    assert s["masks"].any(axis=(1, 2)).all()
    raw_ds = scanx.ml.Dataset(synth.folder, trust=synth.trust, dtype="raw", patch=(32, 64))
    p = raw_ds[0]
    assert p["image"].dtype == np.uint16 and p["image"].shape == (2, 32, 64)
    assert len(raw_ds) > 24
    # The cab photo is a personal plane: never read.
    photo = scanx.ml.Dataset(synth.folder, planes=("photo",), trust=synth.trust, view="front")
    assert len(photo) == 0 and all("personal" in x["error"] for x in photo.excluded)


def test_coco_export_evaluation_and_recorded_predictions(synth: scanx.synthetic.SyntheticDataset, tmp_path: Path) -> None:
    from pycocotools.coco import COCO

    ds = scanx.ml.Dataset(synth.folder, planes=("high", "low"), trust=synth.trust, dtype="raw")
    path = scanx.ml.to_coco(ds, tmp_path / "coco")
    gt = scanx.ml._load_coco(path)
    assert isinstance(gt, COCO) and len(gt.imgs) == 24 and len(gt.anns) > 0
    import tifffile

    first = gt.imgs[1]
    image = tifffile.imread(tmp_path / "coco" / first["file_name"])
    assert image.dtype == np.uint16 and image.shape == (2, first["height"], first["width"])
    perfect = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 1.0} for a in gt.anns.values()]
    assert scanx.ml.evaluate(perfect, path)["mAP"] == pytest.approx(1.0)
    shifted = [dict(p, bbox=[p["bbox"][0] + p["bbox"][2] * 0.4, *p["bbox"][1:]]) for p in perfect]
    assert scanx.ml.evaluate(shifted, path)["mAP"] < 0.9
    assert scanx.ml.evaluate([], path)["mAP"] == 0.0

    analyst = scanx.SigningKey.from_seed(b"\x07" * 32)
    trust = scanx.TrustStore.from_json(synth.trust.to_json())
    trust.add(analyst.public_key, "Evaluation desk", "BE", ["analyst"])
    written = scanx.ml.record_predictions(shifted, tmp_path / "out", key=analyst, algorithm=("shifted", "0.1"), coco=path)
    assert written
    for src, out in written.items():
        assert scanx.verify(out, trust=trust).status.value == "TRUSTED"
        with scanx.open(out) as s:
            algo = [a for a in s.annotations if a["source"] == "algorithm"]
            assert algo and algo[0]["algorithm"] == {"name": "shifted", "version": "0.1"}
            assert s.generation_count == 2
    # Predictions are not labels: a dataset of the new files has the ground truth only.
    again = scanx.ml.Dataset(list(written.values()), trust=trust)
    assert sum(len(again[i]["boxes"]) for i in range(len(again))) <= len(gt.anns)
    with pytest.raises(scanx.InvalidArgumentError):
        scanx.ml.record_predictions(shifted, synth.folder, key=analyst, algorithm=("x", "1"), coco=path)


def test_training_example_runs(tmp_path: Path) -> None:
    """The example of the README: 200 scans through catalog, split, COCO, Dataset workers,
    the baseline, mAP and recorded predictions."""
    out = subprocess.run(
        [sys.executable, "-W", "error", str(HERE.parent / "examples" / "training.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "verification: ['TRUSTED']" in out.stdout and "leaks 0" in out.stdout
    assert (tmp_path / "catalog.parquet").exists()
