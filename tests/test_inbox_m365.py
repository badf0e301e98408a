"""Answers in a workbook kept in Microsoft 365, through the real msal and requests talking to
the local stand-in (tests/m365_server.py): the Updates tab and the approved values written by
the .xlsx writer into a fresh download and uploaded with If-Match, after the marks' own upload;
a save by someone in between is never overwritten."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import replace
from pathlib import Path

import openpyxl

from automations import app
from automations.backends.updates import UPDATES_COLUMNS, UPDATES_TAB
from automations.core.config import TabSource
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import LONDON, make_config
from tests.inbox_helpers import drop, drop_done_answers, reply_from_reminder
from tests.m365_server import DRIVE, ITEM, GraphServer, m365_section
from tests.test_reminders import WED, board_tables

NOW = dt.datetime.combine(WED, dt.time(12), tzinfo=LONDON)
REPLY = Path(__file__).parent / "data" / "replies" / "outlook_desktop.eml"
KEY_TEXT = secrets.token_urlsafe(32)


def setup(tmp_path: Path, graph: GraphServer, monkeypatch):
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    graph.add_item(write_workbook(tmp_path / "board.xlsx", board_tables()).read_bytes())
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED,
        source={"kind": "microsoft365", "drive_id": DRIVE, "item_id": ITEM},
        microsoft365=m365_section(graph),
        updates={"address": "board-updates@example.org", "board": "Test Board"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    drop_done_answers(cfg, REPLY, KEY_TEXT, ("A1",), WED)
    return cfg


def book(graph: GraphServer, item: str = ITEM) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(graph.item(item_id=item).content))


def officer_chooses(graph: GraphServer, choice: str, item: str = ITEM) -> None:
    wb = book(graph, item)
    wb[UPDATES_TAB].cell(4, UPDATES_COLUMNS.index("Apply") + 1).value = choice
    out = io.BytesIO()
    wb.save(out)
    graph.save_as_person(out.getvalue(), item_id=item)


def status_of_a1(graph: GraphServer, item: str = ITEM, tab: str = "Actions") -> str:
    ws = book(graph, item)[tab]
    column = [c.value for c in ws[1]].index("Status") + 1
    return ws.cell(2, column).value


def test_the_loop_in_a_microsoft_365_workbook(tmp_path, graph, monkeypatch) -> None:
    cfg = setup(tmp_path, graph, monkeypatch)
    for path in (tmp_path / "mailbox").iterdir():
        path.unlink()  # this test answers from a real reminder instead
    validation = validate(cfg, WED)
    reply, action_id = reply_from_reminder(cfg, validation, NOW, "M03", "Done", "Sent them.")
    assert action_id == "A1"
    drop(cfg, reply)
    app.write_back(cfg, validation, NOW)  # the marks' upload spends the first download
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 1
    [thanks] = app.acknowledge_answers(cfg, validation, NOW)
    assert thanks.status == "sent"
    first = app.apply_updates(cfg, validation, NOW)
    assert first is not None and first.changed and "Microsoft 365" in first.message
    assert book(graph)[UPDATES_TAB]["D4"].value == "A1"

    officer_chooses(graph, "Apply")
    uploads = graph.counts["upload"]
    second = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert second is not None and list(second.applied) == [1], second.refused
    assert graph.counts["upload"] == uploads + 1
    assert status_of_a1(graph) == "Done"
    assert book(graph)[UPDATES_TAB]["I4"].value == f"Applied on {WED.isoformat()}"

    uploads = graph.counts["upload"]
    third = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert third is not None and not third.changed and graph.counts["upload"] == uploads


def test_a_save_in_between_is_never_overwritten(tmp_path, graph, monkeypatch) -> None:
    cfg = setup(tmp_path, graph, monkeypatch)
    validation = validate(cfg, WED)
    app.read_answers(cfg, validation, NOW)
    app.apply_updates(cfg, validation, NOW)
    officer_chooses(graph, "Apply")
    graph.fail("upload", 412)  # someone saves between the download and the upload
    theirs = graph.item().content
    result = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert result is not None and result.stale and "next check" in result.message
    assert graph.item().content == theirs and status_of_a1(graph) != "Done"
    again = app.apply_updates(cfg, validate(cfg, WED), NOW)  # the next check
    assert again is not None and list(again.applied) == [1]
    assert status_of_a1(graph) == "Done"


def test_answers_go_to_the_file_the_actions_are_kept_in(tmp_path, graph, monkeypatch) -> None:
    """[source.tabs.Actions] in a Microsoft 365 file of its own (issue 26's gap): the Updates tab
    and the approved value go there, not into the board's own file."""
    cfg = setup(tmp_path, graph, monkeypatch)
    data = board_tables()
    actions = write_workbook(tmp_path / "actions.xlsx", {"actions": data.pop("actions")},
                             tab_names={"actions": "Action log"})
    graph.add_item(write_workbook(tmp_path / "rest.xlsx", data).read_bytes())
    graph.add_item(actions.read_bytes(), name="Actions.xlsx", item_id="01ACTIONSITEM",
                   sharing_url=None)
    cfg = replace(cfg, source=replace(cfg.source, tabs={
        "Actions": TabSource(drive_id=DRIVE, item_id="01ACTIONSITEM")}))
    validation = validate(cfg, WED)
    assert any(f.sheet == "Action log" for f in validation.report.findings)
    app.write_back(cfg, validation, NOW)
    app.read_answers(cfg, validation, NOW)
    first = app.apply_updates(cfg, validation, NOW)
    assert first is not None and first.changed and "Actions.xlsx" in first.message
    assert UPDATES_TAB in book(graph, "01ACTIONSITEM").sheetnames
    assert UPDATES_TAB not in book(graph).sheetnames
    officer_chooses(graph, "Apply", "01ACTIONSITEM")
    second = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert second is not None and list(second.applied) == [1], second.refused
    assert status_of_a1(graph, "01ACTIONSITEM", "Action log") == "Done"
