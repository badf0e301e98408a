"""Answers on a Google board kept in several spreadsheets ([source.tabs.Actions] url): the
Updates tab and the approved changes go to the spreadsheet that keeps the Actions, and nothing
is written into the main one (its members' data stays as it was). Through the real gspread and
google-auth clients talking to the local Sheets API server (tests/sheets_api_server.py)."""

from __future__ import annotations

import copy
import datetime as dt

from automations import app
from automations.backends.updates import UPDATES_COLUMNS, UPDATES_TAB, UPDATES_TITLE
from automations.core.findings import VALIDATION_TAB
from automations.inbox.proposals import Proposals
from automations.pipeline import validate
from automations.service.loop import read_answers_by_hand
from tests.digest_setup import make_config
from tests.inbox_helpers import drop, drop_done_answers, reply_from_reminder
from tests.sheets_api_server import EMAIL, KEY, SheetsServer, google_config_data, tabs_from_tables
from tests.test_inbox_google import KEY_TEXT, NOW, REPLY
from tests.test_reminders import WED, board_tables

ACTIONS_KEY = "ActionsSheetKey0123456789"
# Not a name or alias of the Actions tab: found only as the one tab of its own spreadsheet.
LOG = "2024 to 2025"
APPLY = UPDATES_COLUMNS.index("Apply")


def setup(tmp_path, api: SheetsServer, key_file, monkeypatch):
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    data = board_tables()
    actions = {"actions": data.pop("actions")}
    api.add_spreadsheet(KEY, tabs_from_tables(data), title="Board tracker",
                        shared={EMAIL: "writer"})  # fmt: skip
    api.add_spreadsheet(ACTIONS_KEY, tabs_from_tables(actions, {"actions": LOG}),
                        title="Action log", shared={EMAIL: "writer"})  # fmt: skip
    google = google_config_data(api, key_file, KEY)
    url = f"https://docs.google.com/spreadsheets/d/{ACTIONS_KEY}/edit#gid=0"
    google["source"]["tabs"] = {"Actions": {"url": url}}
    (tmp_path / "mailbox").mkdir()
    return make_config(
        tmp_path, tmp_path / "unused.xlsx", WED, source=google["source"], google=google["google"],
        updates={"address": "board-updates@example.org", "board": "Test Board"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip


def everything(api: SheetsServer, key: str) -> list:
    """Every tab of a spreadsheet with all its cells, to compare before and after."""
    return [(s.title, copy.deepcopy(s.cells)) for s in api.book(key).sheets]


def column(sheet, header: str) -> int:
    headers = {c: v.get("userEnteredValue", {}).get("stringValue")
               for (r, c), v in sheet.cells.items() if r == 0}  # fmt: skip
    return next(c for c, text in headers.items() if text == header)


def test_answers_go_to_the_spreadsheet_that_keeps_the_actions(
    tmp_path, api, key_file, monkeypatch
) -> None:
    cfg = setup(tmp_path, api, key_file, monkeypatch)
    validation = validate(cfg, WED)
    assert validation.board.actions.title == LOG
    reply, action_id = reply_from_reminder(
        cfg, validation, NOW, "M03", "I need more time", "20 March 2024"
    )
    assert action_id == "A1"
    drop(cfg, reply)
    main_before = everything(api, KEY)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 1
    first = app.apply_updates(cfg, validation, NOW)
    assert first is not None and first.changed and not first.applied
    assert "Action log" in first.message  # said of the spreadsheet written
    assert [s.title for s in api.book(ACTIONS_KEY).sheets] == [LOG, UPDATES_TAB]
    tab = api.book(ACTIONS_KEY).sheet(UPDATES_TAB)
    assert tab.value("A1") == UPDATES_TITLE and tab.value("D4") == "A1"
    assert tab.cell("H4")["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"

    # The officer approves on the Updates tab of the Actions' spreadsheet.
    tab.cells.setdefault((3, APPLY), {})["userEnteredValue"] = {"stringValue": "Apply"}
    again = validate(cfg, WED)  # the Updates tab beside it: still the one tab read as Actions
    assert again.board.actions.title == LOG and len(again.board.actions.records) == 11
    [would] = app.preview_updates(cfg, again, NOW)
    assert would.startswith("Would write answer #1 into A1: Due -> 2024-03-20")
    log = api.book(ACTIONS_KEY).sheet(LOG)
    before = copy.deepcopy(log.cells)
    api.reset_counts()
    second = app.apply_updates(cfg, again, NOW)
    assert second is not None and list(second.applied) == [1], second.refused
    assert api.counts["values.batchUpdate"] == 1
    log = api.book(ACTIONS_KEY).sheet(LOG)
    due = log.cells[(1, column(log, "Due"))]["userEnteredValue"]
    assert due["numberValue"] == (dt.date(2024, 3, 20) - dt.date(1899, 12, 30)).days
    assert "20 March 2024" in log.cells[(1, column(log, "Update"))]["userEnteredValue"][
        "stringValue"
    ]
    changed = {k for k, v in log.cells.items() if before.get(k) != v}
    assert changed and {r for r, _ in changed} == {1}  # only A1's row
    tab = api.book(ACTIONS_KEY).sheet(UPDATES_TAB)
    assert tab.value("I4") == f"Applied on {WED.isoformat()}"
    with Proposals(cfg) as book:
        assert book.counts() == {"applied": 1}

    # The main spreadsheet (the members' details) got no Updates tab and no change at all.
    assert everything(api, KEY) == main_before
    assert UPDATES_TAB not in [s.title for s in api.book(KEY).sheets]

    # A pass by hand, as the service does it, finds nothing more to write anywhere.
    api.reset_counts()
    reading = read_answers_by_hand(cfg, validate(cfg, WED))
    assert reading.written is not None and not reading.written.changed
    assert api.counts["values.batchUpdate"] == 0 and api.counts["spreadsheets.batchUpdate"] == 0


def test_the_marks_and_the_answers_each_stay_in_their_own_spreadsheet(
    tmp_path, api, key_file, monkeypatch
) -> None:
    """A whole check: marks first (each spreadsheet its own Validation tab), then the answers,
    which add the Updates tab only where the Actions are."""
    cfg = setup(tmp_path, api, key_file, monkeypatch)
    validation = validate(cfg, WED)
    reply, _ = reply_from_reminder(cfg, validation, NOW, "M03", "Done", "All done")
    drop(cfg, reply)
    app.write_back(cfg, validation, NOW)
    main_tabs = [s.title for s in api.book(KEY).sheets]
    main_before = everything(api, KEY)
    reading = read_answers_by_hand(cfg, validation)
    assert reading.written is not None and reading.written.changed
    assert everything(api, KEY) == main_before and UPDATES_TAB not in main_tabs
    titles = [s.title for s in api.book(ACTIONS_KEY).sheets]
    assert titles[0] == LOG and UPDATES_TAB in titles
    assert set(titles) <= {LOG, UPDATES_TAB, VALIDATION_TAB}


def test_an_action_on_another_of_the_tabs_read_as_one_list_is_written_on_its_own_tab(
    tmp_path, api, key_file, monkeypatch
) -> None:
    """Actions kept on two same-shaped tabs read as one list ([source.tabs.Actions] tabs): A3
    is on the second tab, on row 2 as A1 is on the first. Its approved answer is written into
    its own tab's row 2, never into A1's row; A1's answer in the same pass goes into the first
    tab; one values.batchUpdate carries both. (Before, A3's answer was refused.)"""
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    data = board_tables()
    actions = data.pop("actions")
    first = [a for a in actions if a["Action ID"] != "A3"]
    second = [a for a in actions if a["Action ID"] == "A3"]
    api.add_spreadsheet(KEY, tabs_from_tables({**data, "Day Opportunities": first,
                                               "Carers Strategy": second}),
                        title="Board tracker", shared={EMAIL: "writer"})  # fmt: skip
    google = google_config_data(api, key_file, KEY)
    google["source"]["tabs"] = {"Actions": {"tabs": ["Day Opportunities", "Carers Strategy"]}}
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED, source=google["source"], google=google["google"],
        updates={"address": "board-updates@example.org", "board": "Test Board",
                 "apply": "auto"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    drop_done_answers(cfg, REPLY, KEY_TEXT, ("A1", "A3"), WED)
    validation = validate(cfg, WED)
    rows = {a.id: a.row for a in validation.board.actions.records}
    assert rows["A1"] == rows["A3"] == 2
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 2
    with Proposals(cfg) as book:
        ids = {s.proposal.action_id: s.id for s in book.all()}
    both = {t: copy.deepcopy(api.book(KEY).sheet(t).cells)
            for t in ("Day Opportunities", "Carers Strategy")}  # fmt: skip
    would = app.preview_updates(cfg, validation, NOW)
    assert [w.split(":")[0] for w in would] == [
        f"Would write answer #{ids['A1']} into A1", f"Would write answer #{ids['A3']} into A3"]
    api.reset_counts()
    result = app.apply_updates(cfg, validation, NOW)
    assert result is not None and sorted(result.applied) == sorted(ids.values()), result.refused
    assert api.counts["values.batchUpdate"] == 1
    with Proposals(cfg) as book:
        assert book.counts() == {"applied": 2}
    for tab, action_id in (("Day Opportunities", "A1"), ("Carers Strategy", "A3")):
        sheet = api.book(KEY).sheet(tab)
        changed = {k for k, v in sheet.cells.items() if both[tab].get(k) != v}
        assert changed and {r for r, _ in changed} == {1}, tab  # its own action's row only
        assert sheet.value("A2") == action_id
        assert sheet.value(f"{chr(65 + column(sheet, 'Status'))}2") == "Done"
