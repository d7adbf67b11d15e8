"""Jupyter display of a scan: a table of planes and the verification summary."""

from __future__ import annotations

import base64
import html
import struct
import zlib
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:
    from ._scan import Plane, Scan

PREVIEW_WIDTH = 480


def png_gray8(image: "np.ndarray[Any, Any]") -> bytes:
    """A minimal 8-bit greyscale PNG of a 2-D uint8 array."""
    h, w = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def preview(plane: "Plane", width: int = PREVIEW_WIDTH) -> Optional[str]:
    """A small windowed preview of a plane as a data: URL, or None if it cannot be read.
    Rows and columns are subsampled; the plane's display window (in rescaled units)
    maps to the grey scale, else its 1st to 99th percentiles."""
    try:
        step = max(1, -(-plane.shape[1] // width))
        pixels = plane[::step, ::step].astype(np.float64)
    except Exception:
        return None
    slope, intercept = plane.rescale
    values = pixels * slope + intercept
    if plane.window is not None:
        center, span = plane.window
        lo, hi = center - span / 2, center + span / 2
    else:
        lo, hi = (float(v) for v in np.percentile(values, [1, 99]))
    if not hi > lo:
        hi = lo + 1.0
    grey = np.clip((values - lo) / (hi - lo) * 255.0, 0, 255).astype(np.uint8)
    return "data:image/png;base64," + base64.b64encode(png_gray8(grey)).decode()


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
    first = next((p for p in scan.planes if not p.personal), None)
    image = preview(first) if first is not None else None
    img = (
        f"<p><img src='{image}' alt='{e(first.name)}' title='{e(first.name)}'/></p>"
        if image and first is not None
        else ""
    )
    return (
        "<div class='scanx-scan'>"
        f"{img}"
        f"<table>{rows}</table>"
        "<table><tr><th>#</th><th>name</th><th>view</th><th>channel</th><th>size</th>"
        f"<th>type</th><th>tiles</th><th>personal</th></tr>{planes}</table>"
        f"<p>Verification (no trust store): <b>{e(verdict)}</b> {e(reasons)}</p>"
        "</div>"
    )
