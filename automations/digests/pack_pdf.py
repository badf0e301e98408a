"""The printable pack as a PDF beside its HTML page, for printing at the meeting.

WeasyPrint lays the page out itself (a well-kept pure-Python renderer: no browser to download);
it needs the Pango text library from the system (Debian and Ubuntu: libpangoft2-1.0-0, which
brings libpango-1.0-0). Without it the HTML page is still written, the PDF is left out and the
log says why: a missing PDF never stops the pack.

The page holds text from the sheet (escaped), so nothing is fetched while it is laid out: only
data: addresses (inline pictures) are read, never a link's or an image's web address.
"""

from __future__ import annotations

import logging
from pathlib import Path

from automations.core.log import event, get

log = get("pack")


def write_pdf(html: str, path: Path) -> Path | None:
    """Write ``html`` as a PDF at ``path`` (atomically); None when it cannot be made here."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango library
        event(log, logging.WARNING, "pack.pdf_left_out", reason=_first_line(exc),
              fix="install WeasyPrint's system library: apt-get install libpangoft2-1.0-0")
        return None
    try:
        pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    except Exception as exc:  # a PDF that cannot be laid out must not stop the emailed pack
        event(log, logging.ERROR, "pack.pdf_failed", reason=_first_line(exc), page=path.name)
        return None
    assert pdf is not None  # write_pdf with no target returns the bytes
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(pdf)
    partial.replace(path)  # a printer never gets half a file
    return path


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
