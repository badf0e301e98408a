"""Answers on an .xlsx board whose Actions are in a workbook of their own ([source.tabs.Actions]
path), that workbook holding one tab under a name of its own: the Updates tab goes beside the
Actions, the main workbook is not touched, and the next check still reads that one tab as the
Actions (the check's own Updates tab is not taken for a tab of the board)."""

from __future__ import annotations

import hashlib

import openpyxl

from automations import app
from automations.backends.updates import UPDATES_TAB
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import make_config
from tests.inbox_helpers import drop_done_answers
from tests.test_inbox_google import KEY_TEXT, NOW, REPLY
from tests.test_reminders import WED, board_tables

LOG = "2024 to 2025"  # not a name or alias of the Actions tab


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_answers_go_to_the_workbook_that_keeps_the_actions(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    data = board_tables()
    log = write_workbook(tmp_path / "log.xlsx", {"actions": data.pop("actions")},
                         {"actions": LOG})  # fmt: skip
    main = write_workbook(tmp_path / "board.xlsx", data)
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, main, WED,
        source={"kind": "xlsx", "path": str(main), "tabs": {"Actions": {"path": str(log)}}},
        updates={"address": "board-updates@example.org", "board": "Test Board", "apply": "auto"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    drop_done_answers(cfg, REPLY, KEY_TEXT, ("A1",), WED)
    validation = validate(cfg, WED)
    assert validation.board.actions.title == LOG
    before = digest(main)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 1
    result = app.apply_updates(cfg, validation, NOW)
    assert result is not None and list(result.applied) == [1], result.refused
    assert digest(main) == before  # the main workbook (the members) untouched
    book = openpyxl.load_workbook(log)
    assert book.sheetnames == [LOG, UPDATES_TAB]
    header = [c.value for c in book[LOG][1]]
    assert book[LOG].cell(2, header.index("Status") + 1).value == "Done"
    again = validate(cfg, WED)
    assert again.board.actions.title == LOG and len(again.board.actions.records) == 11
    assert not [f for f in again.report.findings if f.rule.startswith("schema.")
                and f.tab == "Actions"]  # fmt: skip
