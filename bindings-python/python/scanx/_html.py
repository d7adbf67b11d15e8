"""Jupyter display of a scan: a table of planes and the verification summary."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._scan import Scan


def scan_html(scan: "Scan") -> str:
    """An HTML summary: ids, the metadata's headline fields, the planes, and the
    verification status without a trust store."""
    md = scan.metadata
    e = html.escape
    head = [
        ("file id", scan.file_id),
        ("version", scan.version),
        ("scan id", str(md.get("scan_id", ""))),
        ("time", str(md.get("time", ""))),
        ("site", str(md.get("site", {}).get("locode", ""))),
        ("agency", str(md.get("agency", {}).get("name", ""))),
    ]
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in head)
    planes = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v))}</td>"
            for v in (
                p.index,
                p.name,
                p.view,
                p.channel,
                f"{p.shape[1]} x {p.shape[0]}",
                p.sample_type,
                f"{p.tile_shape[1]} x {p.tile_shape[0]}",
                "yes" if p.personal else "",
            )
        )
        + "</tr>"
        for p in scan.planes
    )
    try:
        report = scan.verify()
        verdict = report.status.value
        reasons = ", ".join(report.reasons)
    except Exception as exc:  # display must not raise
        verdict, reasons = "not verified", str(exc)
    return (
        "<div class='scanx-scan'>"
        f"<table>{rows}</table>"
        "<table><tr><th>#</th><th>name</th><th>view</th><th>channel</th><th>size</th>"
        f"<th>type</th><th>tiles</th><th>personal</th></tr>{planes}</table>"
        f"<p>Verification (no trust store): <b>{e(verdict)}</b> {e(reasons)}</p>"
        "</div>"
    )
