"""The printable pack as a PDF (WeasyPrint, no browser): beside the HTML page in the outbox,
every open action but the confidential ones, the decisions; nothing fetched from the web while
it is laid out. The text is read back with pypdf."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from openpyxl import load_workbook
from pypdf import PdfReader

from automations.digests import pack
from automations.digests.pack_pdf import write_pdf
from tests.smtp_server import FaultServer
from tests.test_pack import PACK_DAY, at, board, on, open_action_ids


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_printable_pack_is_also_a_pdf_without_confidential_actions(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = board(tmp_path, server.port)
        book = load_workbook(cfg.source.path)
        actions = book["Actions"]
        head = [c.value for c in actions[1]]
        actions.cell(row=21, column=head.index("Confidential") + 1).value = "Yes"  # A020
        book.save(cfg.source.path)
        pack.send_due(cfg, on(cfg, PACK_DAY), at(PACK_DAY))
    path = tmp_path / "outbox" / "pack-2024-04-03.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    assert not list(path.parent.glob(".*.part"))  # written whole, then moved in place
    text = pdf_text(path)
    assert "Follow-up pack for the Board meeting on 3 April 2024" in text
    actions = text.split("Open actions, by owner")[1].split("For a decision at this meeting")[0]
    listed = set(re.findall(r"\bA\d{3}\b", actions))
    assert listed == set(open_action_ids(PACK_DAY)) - {"A020"}  # every open one, bar A020
    assert "Arrange easy-read training" not in text
    decisions = text.split("For a decision at this meeting")[1].split("Other findings to raise")[0]
    assert "Grace Adebayo's term as resident co-chair ends on 22 April 2024" in decisions
    assert "confidential actions are left out" in text
    assert len(PdfReader(path).pages) >= 2  # the whole pack, not a first screenful


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_nothing_is_fetched_from_the_web_while_the_pdf_is_made(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        page = (f'<html><head><link rel="stylesheet" href="{url}/style.css"></head><body>'
                f'<p>Pack</p><img src="{url}/tracker.png"><a href="{url}/x">link</a></body></html>')
        made = write_pdf(page, tmp_path / "pack.pdf")
    finally:
        server.shutdown()
        server.server_close()
    assert made == tmp_path / "pack.pdf" and "Pack" in pdf_text(made)
    assert _Counter.hits == []
