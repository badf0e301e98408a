"""No client secret and no token in the logs, the state folder, the emails or the workbook
(its Validation tab included), after the service's own passes against the Microsoft 365
stand-in: a pass that marks the workbook and sends the digests through Graph, and a pass whose
sign-in is refused."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

from automations.service.loop import run_once
from automations.starter.sample import build_sample
from tests.digest_setup import SAMPLE_NOW, SAMPLE_TODAY, make_config, with_mail
from tests.m365_server import DRIVE, ITEM, SECRET, GraphServer, m365_section

WRONG_SECRET = "Wr0ng~secret-value-for-the-test"


def every_file(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def workbook_parts(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return b"".join(zf.read(name) for name in zf.namelist())


def service_config(tmp_path: Path, graph: GraphServer):
    changes = with_mail({"microsoft365": m365_section(graph),
                         "source": {"kind": "microsoft365", "drive_id": DRIVE,
                                    "item_id": ITEM}},
                        transport="graph")
    # The digests only, as when this test was written (the example now has reminders on).
    return make_config(tmp_path, tmp_path / "unused.xlsx", SAMPLE_TODAY, **changes,
                       reminders=None, pack=None)


def test_no_secret_or_token_anywhere(tmp_path, graph, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)  # every logger, msal's and urllib3's included
    graph.add_item(build_sample(tmp_path / "sample.xlsx", SAMPLE_TODAY).read_bytes())
    cfg = service_config(tmp_path, graph)
    first = run_once(cfg, SAMPLE_NOW)
    assert first.ok, first.summary()
    assert graph.counts["upload"] == 1 and len(graph.sent) == 2
    monkeypatch.setenv("COPROD_TEST_M365_SECRET", WRONG_SECRET)
    from automations.backends.microsoft365.graph import forget_tokens

    forget_tokens()
    refused = run_once(cfg, SAMPLE_NOW.replace(hour=10))
    assert not refused.ok and "AADSTS7000215" in (refused.error or "")

    secrets = [SECRET, WRONG_SECRET, *graph.issued_tokens()]
    assert len(secrets) >= 3
    places = {
        "logs": caplog.text.encode(),
        "state": every_file(cfg.state_dir),
        "emails": b"".join(raw for _, _, raw in graph.sent),
        "workbook": workbook_parts(graph.item().content),
        "messages": json.dumps([first.summary(), refused.summary(), refused.error]).encode(),
    }
    assert b"Validation" in places["workbook"] and len(places["logs"]) > 1000
    for place, text in places.items():
        for secret in secrets:
            # Whole, and the first half: a token cut short in a message is still a leak.
            for piece in (secret, secret[: len(secret) // 2]):
                assert piece.encode() not in text, f"a secret is in the {place}"
