"""``scanx.catalog``: one row per file, from header-only reads, as a pyarrow Table."""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ._scan import LimitsLike, _limits_dict, _trust
from ._scan import open as _open
from ._scan import verify as _verify
from ._scanx import TrustStore
from .errors import InvalidArgumentError, ScanxError

# A pyarrow Table / Schema: pyarrow is imported when a catalog is made, not with scanx.
Table = Any
Schema = Any

__all__ = ["catalog", "catalog_schema", "list_files"]

PathLike = Union[str, "os.PathLike[str]"]


def catalog_schema() -> Schema:
    """The catalog's columns (stable names and types)."""
    import pyarrow as pa

    plane = pa.struct(
        [
            ("index", pa.int32()),
            ("name", pa.string()),
            ("view", pa.string()),
            ("channel", pa.string()),
            ("dtype", pa.string()),
            ("height", pa.int64()),
            ("width", pa.int64()),
            ("personal", pa.bool_()),
        ]
    )
    signer = pa.struct(
        [
            ("generation", pa.int32()),
            ("key_id", pa.string()),
            ("role", pa.string()),
            ("time", pa.string()),
            ("agency", pa.string()),
            ("valid", pa.bool_()),
            ("trust", pa.string()),
        ]
    )
    counts = pa.map_(pa.string(), pa.int32())
    strings = pa.list_(pa.string())
    return pa.schema(
        [
            ("path", pa.string()),
            ("error_code", pa.int32()),
            ("error_kind", pa.string()),
            ("error", pa.string()),
            ("file_id", pa.string()),
            ("version", pa.string()),
            ("size_bytes", pa.int64()),
            ("scan_id", pa.string()),
            ("time", pa.timestamp("us", tz="UTC")),
            ("date", pa.string()),
            ("site", pa.string()),
            ("site_name", pa.string()),
            ("agency_country", pa.string()),
            ("agency", pa.string()),
            ("scanner_manufacturer", pa.string()),
            ("scanner_model", pa.string()),
            ("scanner_serial", pa.string()),
            ("conveyance", pa.string()),
            ("container_numbers", strings),
            ("wagon_numbers", strings),
            ("declaration_number", pa.string()),
            ("transport_document", pa.string()),
            ("hs_codes", strings),
            ("origin_country", pa.string()),
            ("destination_country", pa.string()),
            ("planes", pa.list_(plane)),
            ("annotations", pa.int32()),
            ("annotation_counts", counts),
            ("annotation_sources", counts),
            ("inspection_results", counts),
            ("events", pa.int32()),
            ("generations", pa.int32()),
            ("signatures", pa.int32()),
            ("signers", pa.list_(signer)),
            ("personal_data", pa.bool_()),
            ("redacted_tiles", pa.int32()),
            ("unknown_chunks", pa.int32()),
            ("status", pa.string()),
            ("reasons", strings),
        ]
    )


def list_files(paths_or_folder: Union[PathLike, Iterable[PathLike]], pattern: str = "*.scx") -> List[str]:
    """The files a catalog covers: every file matching ``pattern`` under a folder
    (recursively, sorted), a single file, or the given paths in their order."""
    if isinstance(paths_or_folder, (str, os.PathLike)):
        p = Path(paths_or_folder)
        if p.is_dir():
            return sorted(str(f) for f in p.rglob(pattern) if f.is_file())
        return [str(p)]
    return [os.fspath(p) for p in paths_or_folder]


def _empty_row(path: str) -> Dict[str, Any]:
    return {"path": path, "status": None, "reasons": [], "signers": None, "planes": None}


def _parse_time(text: Optional[str]) -> Optional[_dt.datetime]:
    if not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _row(path: str, trust: Optional[TrustStore], verify: bool, limits: Optional[Dict[str, int]]) -> Dict[str, Any]:
    row = _empty_row(path)
    try:
        with _open(path, limits=limits) as scan:
            m = scan.metadata
            row["file_id"] = scan.file_id
            row["version"] = scan.version
            row["size_bytes"] = scan.size
            row["scan_id"] = m.get("scan_id")
            t = _parse_time(m.get("time"))
            row["time"] = t
            row["date"] = None if t is None else t.date().isoformat()
            site = m.get("site", {})
            row["site"] = site.get("locode")
            row["site_name"] = site.get("name")
            agency = m.get("agency", {})
            row["agency_country"] = agency.get("country")
            row["agency"] = agency.get("name")
            sc = m.get("scanner", {})
            row["scanner_manufacturer"] = sc.get("manufacturer")
            row["scanner_model"] = sc.get("model")
            row["scanner_serial"] = sc.get("serial")
            conv = m.get("conveyance", {})
            row["conveyance"] = conv.get("kind")
            row["container_numbers"] = list(conv.get("container_numbers", []))
            row["wagon_numbers"] = list(conv.get("wagon_numbers", []))
            decl = m.get("declaration", {})
            row["declaration_number"] = decl.get("declaration_number")
            row["transport_document"] = decl.get("transport_document")
            row["hs_codes"] = list(decl.get("hs_codes", []))
            row["origin_country"] = decl.get("origin_country")
            row["destination_country"] = decl.get("destination_country")
            row["planes"] = [
                {
                    "index": p.index,
                    "name": p.name,
                    "view": p.view,
                    "channel": p.channel,
                    "dtype": p.sample_type,
                    "height": p.shape[0],
                    "width": p.shape[1],
                    "personal": p.personal,
                }
                for p in scan.planes
            ]
            anns = scan.annotations
            row["annotations"] = len(anns)
            row["annotation_counts"] = sorted(Counter(a["category"] for a in anns).items())
            row["annotation_sources"] = sorted(Counter(a["source"] for a in anns).items())
            row["inspection_results"] = sorted(
                Counter(a["inspection"]["result"] for a in anns if "inspection" in a).items()
            )
            row["events"] = len(scan.events)
            row["signatures"] = scan.signature_count
            row["generations"] = scan.generation_count
            row["personal_data"] = scan.personal_data is not None
            row["redacted_tiles"] = len(scan.redacted_tiles)
            row["unknown_chunks"] = len(scan.unknown_chunks)
    except ScanxError as e:
        row.update(error_code=e.code, error_kind=e.kind, error=str(e), status="INVALID", reasons=[e.kind])
        return row
    except OSError as e:  # a file that vanished or cannot be read
        row.update(error_code=100, error_kind="IO", error=f"IO: {e}", status="INVALID", reasons=["IO"])
        return row
    if not verify:
        row["status"] = "UNCHECKED"
        return row
    report = _verify(path, trust=trust, limits=limits)
    row["status"] = report.status.value
    row["reasons"] = report.reasons
    row["signers"] = [
        {
            "generation": s.generation,
            "key_id": s.key_id,
            "role": s.role,
            "time": s.time,
            "agency": s.agency,
            "valid": s.valid,
            "trust": s.trust,
        }
        for s in report.signatures
    ]
    if report.status.value == "INVALID" and report.problems:
        p = report.problems[0]
        row["error_code"] = p.error_code
        row["error_kind"] = p.error_kind or p.reason
        row["error"] = f"{p.reason}: {p.message}"
    return row


def _catalog_batch(
    paths: Sequence[str],
    trust_json: Optional[str],
    verify: bool,
    limits: Optional[Dict[str, int]] = None,
    threads: int = 1,
) -> List[Dict[str, Any]]:
    """Rows for a batch of files (run in a thread, a process or a Dask task)."""
    trust = None if trust_json is None else TrustStore.from_json(trust_json)
    if threads <= 1 or len(paths) <= 1:
        return [_row(p, trust, verify, limits) for p in paths]
    with ThreadPoolExecutor(max_workers=threads) as ex:
        return list(ex.map(lambda p: _row(p, trust, verify, limits), paths))


def _table(rows: List[Dict[str, Any]]) -> Table:
    import pyarrow as pa

    schema = catalog_schema()
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)


def _batches(paths: List[str], size: int) -> List[List[str]]:
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def write_parquet(table: Table, path: PathLike) -> None:
    """Writes a table to Parquet atomically (a temporary file beside it, then renamed)."""
    import pyarrow.parquet as pq

    dest = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            pq.write_table(table, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def catalog(
    paths_or_folder: Union[PathLike, Iterable[PathLike]],
    trust: Any = None,
    client: Any = None,
    *,
    verify: Optional[bool] = None,
    parquet: Optional[PathLike] = None,
    pattern: str = "*.scx",
    workers: Optional[int] = None,
    executor: str = "thread",
    batch_size: Optional[int] = None,
    limits: LimitsLike = None,
) -> Table:
    """One row per file: identity, metadata, planes, annotation counts per category,
    inspection outcomes, signers and verification status (see :func:`catalog_schema`).

    ``paths_or_folder`` is a folder (every file matching ``pattern`` under it), one
    file, or a list of paths. Each file's header is read without decoding pixels (and
    checked against its manifest digests). With ``verify`` (default: when ``trust`` is
    given) each file is also verified against ``trust`` (a :class:`TrustStore` or a
    path to one); that is a full read of the file, hashing every tile. Without it,
    ``status`` is ``UNCHECKED`` and ``signers`` null.

    A file that cannot be read (corrupt, truncated, not a scanx file) is still a row,
    with ``error_code``, ``error_kind``, ``error`` and status ``INVALID``; the catalog
    carries on. Files are read in parallel: ``workers`` threads (default: the number of
    cores; ``executor="process"`` for processes), or, given a ``dask.distributed``
    ``client``, as Dask tasks of ``batch_size`` files each (default: enough batches for
    four per worker thread, at most 1000 files each). The paths must then be readable by
    the workers (a shared file system or object store).

    ``parquet`` also writes the table there, atomically."""
    t = _trust(trust)
    do_verify = t is not None if verify is None else bool(verify)
    files = list_files(paths_or_folder, pattern)
    trust_json = None if t is None else t.to_json()
    d = _limits_dict(limits)
    if executor not in ("thread", "process"):
        raise InvalidArgumentError(f"INVALID_ARGUMENT: executor is 'thread' or 'process', not {executor!r}", 300, "INVALID_ARGUMENT")
    rows: List[Dict[str, Any]] = []
    if client is not None:
        info = client.scheduler_info()
        n_threads = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()) or 1
        size = batch_size or max(1, min(1000, -(-len(files) // (4 * n_threads))))
        batches = _batches(files, size)
        futures = client.map(
            _catalog_batch, batches, trust_json=trust_json, verify=do_verify, limits=d, pure=False
        )
        for part in client.gather(futures):
            rows.extend(part)
    else:
        n = workers or os.cpu_count() or 1
        if n <= 1 or len(files) <= 1:
            rows = _catalog_batch(files, trust_json, do_verify, d)
        elif executor == "thread":
            rows = _catalog_batch(files, trust_json, do_verify, d, threads=n)
        else:
            size = batch_size or max(1, min(1000, -(-len(files) // (4 * n))))
            with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as ex:
                batches = _batches(files, size)
                k = len(batches)
                parts = ex.map(_catalog_batch, batches, [trust_json] * k, [do_verify] * k, [d] * k)
                for part in parts:
                    rows.extend(part)
    table = _table(rows)
    if parquet is not None:
        write_parquet(table, parquet)
    return table

