"""The co-chairs' pack on the co-production record (issue 31): the "You said, we did" items to
tell back and the sub-groups due to report at the meeting, in the emailed pack and the printout;
nothing when there are none (as in the sample)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from automations.digests.pack import build_pack, render
from automations.pipeline import validate
from automations.starter.sample import build_sample, meeting_dates
from tests.digest_setup import SAMPLE_TODAY, make_config

NOW = dt.datetime(2024, 3, 7, 9)


def _pages(tmp_path: Path, change: bool) -> tuple[str, str]:
    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    if change:
        wb = load_workbook(workbook)
        said = wb["You said, we did"]
        head = [c.value for c in said[1]]
        said.cell(2, head.index("Told back on") + 1).value = None  # Y01: done, not told back
        groups = wb["Sub-groups"]
        head = [c.value for c in groups[1]]
        groups.cell(2, head.index("Last reported") + 1, SAMPLE_TODAY - dt.timedelta(days=60))
        wb.save(workbook)
    cfg = make_config(tmp_path, workbook, SAMPLE_TODAY)
    validation = validate(cfg, SAMPLE_TODAY)
    meeting = min(d for d in meeting_dates(SAMPLE_TODAY) if d > SAMPLE_TODAY)
    pack = build_pack(cfg, validation, meeting, "The Board", 10)
    _, html, _ = render(cfg, pack, None, (), NOW, printable=True)
    from automations.digests.render import _render, template_env

    text = _render(
        template_env(cfg.templates_dir),
        "pack.txt.j2",
        {
            "p": pack,
            "subject": "",
            "picture": None,
            "printable": True,
            "trend": None,
            "trend_chart": "",
            "large": False,
            "name": "",
            "contact": {"name": "", "address": ""},
        },
    )
    return html, text


def test_the_easy_read_pack_has_it_too(tmp_path):
    from automations.digests.render import _render, template_env

    workbook = build_sample(tmp_path / "board.xlsx", SAMPLE_TODAY)
    wb = load_workbook(workbook)
    said = wb["You said, we did"]
    head = [c.value for c in said[1]]
    said.cell(2, head.index("Told back on") + 1).value = None
    wb.save(workbook)
    cfg = make_config(tmp_path, workbook, SAMPLE_TODAY)
    meeting = min(d for d in meeting_dates(SAMPLE_TODAY) if d > SAMPLE_TODAY)
    pack = build_pack(cfg, validate(cfg, SAMPLE_TODAY), meeting, "The Board", 10)
    env = template_env(cfg.templates_dir)
    variables = {
        "p": pack,
        "subject": "",
        "picture": lambda name: f"cid:{name}",
        "printable": False,
        "trend": None,
        "trend_chart": "",
        "large": False,
        "name": "Grace",
        "contact": {"name": "Officers", "address": "o@example.org"},
        "limit": None,  # every item (the frame cuts long lists only to fit an email)
        "brief": None,
    }
    for stem in ("pack_easy_read.html.j2", "pack_easy_read.txt.j2"):
        page = _render(env, stem, variables)
        assert "Sessions finish too early for people who work" in page
        assert "Groups that need to tell the Board how they are doing" in page


def test_items_to_tell_back_and_sub_groups_due_to_report(tmp_path):
    html, text = _pages(tmp_path, change=True)
    for page in (html, text):
        assert "Sessions finish too early for people who work." in page
        assert "not yet told back" in page
        assert "SG1 Day services task and finish group: last reported on" in page
        assert "(longer than the Terms of Reference allow)" in page  # 88 days by the meeting
        assert "SG2" not in page  # reported at the last meeting


def test_nothing_when_all_is_told_back_and_reported(tmp_path):
    html, text = _pages(tmp_path, change=False)
    assert "You said, we did, and sub-groups" not in html
    assert "YOU SAID, WE DID, AND SUB-GROUPS" not in text
