"""Output helpers shared by kbench's reports: Agg figures, PNG bytes, HTML pieces, atomic writes.

Reports are single self-contained HTML files: figures are embedded as base64 PNG data URIs, so a
report can be mailed or archived without its folder.
"""

from __future__ import annotations

import base64
import html
import io
import os
import uuid
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PAGE_STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
              "td,th{border:1px solid #999;padding:2px 6px;text-align:right}"
              "td:first-child,th:first-child{text-align:left}img{max-width:100%}"
              "pre{background:#f4f4f4;padding:0.5em;overflow-x:auto}")
"""CSS of every kbench report page (inline: the page references nothing outside itself)."""


def new_figure(size: tuple[float, float] = (8.0, 5.0)) -> Figure:
    """A figure on the Agg canvas with constrained layout: no pyplot state, safe in threads and tests."""
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure rendered as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def img_tag(png: bytes, caption: str) -> str:
    """A captioned ``<figure>`` whose image is the PNG inlined as a base64 data URI."""
    alt = html.escape(caption)
    return (f'<figure><img alt="{alt}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            f"<figcaption>{alt}</figcaption></figure>")


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table of already-formatted cells (every cell is escaped)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def html_page(title: str, body: str) -> str:
    """A complete HTML document with the shared inline style."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{PAGE_STYLE}</style></head><body>{body}</body></html>")


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file beside ``path`` then rename it in place, so no reader sees half a file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
