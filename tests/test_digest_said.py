"""The digests' "You said, we did" section (issue 31): an audience that lists it gets the items
done or told back since the previous meeting, in the standard and the easy-read email, with no
name in them; an audience that does not list it, and a quiet period, get nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from automations.core.config import parse_config
from automations.digests.render import render_digest
from automations.digests.settings import digest_settings
from automations.pipeline import validate
from automations.starter.sample import build_sample, meeting_dates

TODAY = dt.date(2026, 12, 7)


def _config(tmp_path: Path, sections: list[str], easy_read: bool):
    board = build_sample(tmp_path / "board.xlsx", TODAY)
    wb = load_workbook(board)
    ws = wb["You said, we did"]
    head = [c.value for c in ws[1]]
    meetings = meeting_dates(TODAY)
    last = max(d for d in meetings if d < TODAY)
    # Y03 (transport): done and told back after the last-but-one meeting, with a name typed in.
    ws.cell(4, head.index("Status") + 1, "Done")
    ws.cell(4, head.index("We did") + 1, "A booking line opened; thanks to Grace Adebayo")
    ws.cell(4, head.index("Done on") + 1, last - dt.timedelta(days=3))
    ws.cell(4, head.index("Told back on") + 1, last - dt.timedelta(days=1))
    wb.save(board)
    data = {
        "source": {"kind": "xlsx", "path": str(board)},
        "mail": {"from": "Board <board@example.org>"},
        "digest": {
            "reply_to": "Officers <officers@example.org>",
            "audiences": [
                {
                    "name": "HBP",
                    "title": "Haringey Borough Partnership (HBP)",
                    "recipients": ["hbp@example.org"],
                    "sections": sections,
                    "easy_read": easy_read,
                }
            ],
        },
    }
    return parse_config(data, None), last


@pytest.mark.parametrize("easy_read", [False, True])
def test_items_done_or_told_back_since_the_previous_meeting(tmp_path, easy_read):
    cfg, last = _config(tmp_path, ["completed", "you_said_we_did"], easy_read)
    validation = validate(cfg, TODAY)
    [audience] = digest_settings(cfg).audiences
    digest = render_digest(cfg, validation, audience, last, dt.datetime(2026, 12, 7, 9))
    for text in (digest.text, digest.html):
        assert "You said, we did" in text or "YOU SAID, WE DID" in text
        assert "Transport to the centre is hard to book." in text
        assert "A booking line opened" in text and "Grace" not in text and "Adebayo" not in text
        # Y02 was told back long before the previous meeting: not news any more.
        assert "choose our activities" not in text


def test_not_for_an_audience_that_does_not_list_it(tmp_path):
    cfg, last = _config(tmp_path, ["completed"], False)
    [audience] = digest_settings(cfg).audiences
    digest = render_digest(cfg, validate(cfg, TODAY), audience, last, dt.datetime(2026, 12, 7, 9))
    assert "You said, we did" not in digest.html and "Transport to the centre" not in digest.text
