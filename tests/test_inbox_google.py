"""Answers in a Google Sheet tracker, through the real gspread and google-auth talking to the
local Sheets API server (tests/sheets_api_server.py, every call checked against the API's
discovery document): the Updates tab with its Apply drop-down, one values.batchUpdate with
every approved change (text never a formula, a date as a serial number that keeps the cell's
format), a person's change meanwhile refused, and a second pass that writes nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from automations import app
from automations.backends.updates import UPDATES_COLUMNS, UPDATES_TAB, UPDATES_TITLE
from automations.inbox import tokens
from automations.inbox.proposals import Proposals
from automations.pipeline import validate
from tests.digest_setup import LONDON, make_config
from tests.inbox_helpers import drop, reply_from_reminder
from tests.sheets_api_server import EMAIL, KEY, SheetsServer, google_config_data, tabs_from_tables
from tests.test_reminders import WED, board_tables

NOW = dt.datetime.combine(WED, dt.time(12), tzinfo=LONDON)
REPLY = Path(__file__).parent / "data" / "replies" / "gmail.eml"
KEY_TEXT = secrets.token_urlsafe(32)
APPLY = UPDATES_COLUMNS.index("Apply")


def setup(tmp_path: Path, api: SheetsServer, key_file: Path, monkeypatch, **updates):
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    api.add_spreadsheet(KEY, tabs_from_tables(board_tables()), title="Board tracker",
                        shared={EMAIL: "writer"})  # fmt: skip
    google = google_config_data(api, key_file, KEY)
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED, source=google["source"], google=google["google"],
        updates={"address": "board-updates@example.org", "board": "Test Board", **updates},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    return cfg


def answer(cfg, kind: str = "more_time", words: str = "20 March 2024") -> None:
    code = tokens.make_token(tokens.parse_keys(KEY_TEXT, "k"), "Test Board", "A1",
                             "m03@example.org", kind, WED)  # fmt: skip
    raw = REPLY.read_bytes().replace(b"@@TOKEN@@", code.encode())
    raw = raw.replace(b"@@FROM@@", b"m03@example.org").replace(b"20 January", words.encode())
    raw = raw.replace(b"20 =\nJanuary", words.encode())
    (cfg.base_dir / "mailbox" / f"{secrets.token_hex(4)}.eml").write_bytes(raw)


def choose(api: SheetsServer, choice: str) -> None:
    """An officer picks from the drop-down on the first answer's row (row 4)."""
    sheet = api.book(KEY).sheet(UPDATES_TAB)
    sheet.cells.setdefault((3, APPLY), {})["userEnteredValue"] = {"stringValue": choice}


def test_the_loop_in_a_google_sheet(tmp_path, api, key_file, monkeypatch) -> None:
    cfg = setup(tmp_path, api, key_file, monkeypatch)
    validation = validate(cfg, WED)
    # Cara's reminder, her "I need more time" button on A1, her words above the ready text.
    reply, action_id = reply_from_reminder(
        cfg, validation, NOW, "M03", "I need more time", "20 March 2024 =SUM(1,2)"
    )
    assert action_id == "A1"
    drop(cfg, reply)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 1
    [thanks] = app.acknowledge_answers(cfg, validation, NOW)
    assert thanks.status == "sent"
    first = app.apply_updates(cfg, validation, NOW)
    assert first is not None and first.changed and not first.applied
    tab = api.book(KEY).sheet(UPDATES_TAB)
    assert tab.value("A1") == UPDATES_TITLE and tab.value("D4") == "A1"
    rule = tab.cell("H4")["dataValidation"]
    assert rule["condition"]["type"] == "ONE_OF_LIST" and rule["strict"] is True
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == ["Apply", "Reject"]
    actions = api.book(KEY).sheet("Actions")
    before = {k: dict(v) for k, v in actions.cells.items()}

    choose(api, "Apply")
    api.reset_counts()
    second = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert second is not None and list(second.applied) == [1], second.refused
    assert api.counts["values.batchUpdate"] == 1  # every approved change in one call
    [(_, body)] = [r for r in api.requests if r[0] == "values.batchUpdate"]
    assert body["valueInputOption"] == "RAW"
    due_col = next(
        c
        for (r, c), v in actions.cells.items()
        if r == 0 and v.get("userEnteredValue", {}).get("stringValue") == "Due"
    )
    due = actions.cells[(1, due_col)]
    assert (
        due["userEnteredValue"]["numberValue"]
        == (dt.date(2024, 3, 20) - dt.date(1899, 12, 30)).days
    )
    update_col = next(
        c
        for (r, c), v in actions.cells.items()
        if r == 0 and v.get("userEnteredValue", {}).get("stringValue") == "Update"
    )
    note = actions.cells[(1, update_col)]["userEnteredValue"]
    assert "formulaValue" not in note and "=SUM(1,2)" in note["stringValue"]  # text, as typed
    changed = {k for k, v in actions.cells.items() if before.get(k) != v}
    assert changed and {r for r, _ in changed} == {1}  # only A1's row
    assert len(changed) <= 3  # Due, Last update, Update
    tab = api.book(KEY).sheet(UPDATES_TAB)  # each batchUpdate makes a new book (all or nothing)
    assert tab.value("I4") == f"Applied on {WED.isoformat()}" and tab.value("H4") == "Apply"
    with Proposals(cfg) as book:
        assert book.counts() == {"applied": 1}

    api.reset_counts()
    third = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert third is not None and not third.changed
    assert api.counts["values.batchUpdate"] == 0 and api.counts["spreadsheets.batchUpdate"] == 0


def test_a_cell_changed_by_a_person_is_not_overwritten(tmp_path, api, key_file, monkeypatch):
    cfg = setup(tmp_path, api, key_file, monkeypatch)
    answer(cfg, "done", "All done, =1+1 no formula")
    validation = validate(cfg, WED)
    app.read_answers(cfg, validation, NOW)
    app.apply_updates(cfg, validation, NOW)
    actions = api.book(KEY).sheet("Actions")
    status_col = next(
        c
        for (r, c), v in actions.cells.items()
        if r == 0 and v.get("userEnteredValue", {}).get("stringValue") == "Status"
    )
    actions.cells[(1, status_col)]["userEnteredValue"] = {"stringValue": "Dropped"}
    choose(api, "Apply")
    result = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert result is not None and not result.applied
    assert "Status was changed by a person" in result.refused[1]
    assert actions.value(f"{chr(65 + status_col)}2") == "Dropped"
    tab = api.book(KEY).sheet(UPDATES_TAB)
    assert tab.value("I4").startswith("Not applied: Status was changed by a person")
