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
from tests.inbox_helpers import drop, drop_done_answers, reply_from_reminder
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


def _column(sheet, header: str) -> int:
    return next(
        c
        for (r, c), v in sheet.cells.items()
        if r == 0 and v.get("userEnteredValue", {}).get("stringValue") == header
    )


def test_a_cell_holding_a_formula_is_left_as_it_was(tmp_path, api, key_file, monkeypatch):
    """A1's Status is a formula a person built: A1's answer is refused whole and said so, as the
    .xlsx writer does, and A3's answer in the same pass is still written (its Update note, a
    text that starts with "=", is not taken for a formula)."""
    cfg = setup(tmp_path, api, key_file, monkeypatch)
    actions = api.book(KEY).sheet("Actions")
    status, update = _column(actions, "Status"), _column(actions, "Update")
    rows = {actions.cells[(r, 0)]["userEnteredValue"]["stringValue"]: r
            for (r, c) in actions.cells if c == 0 and r > 0}  # fmt: skip
    formula = '=IF(COUNTA(H2)=0,"Open","Done")'
    actions.cells[(rows["A1"], status)] = {
        "userEnteredValue": {"formulaValue": formula},
        "effectiveValue": {"stringValue": "Open"},  # what Sheets calculated: A1 reads as Open
    }
    actions.cells[(rows["A3"], update)] = {"userEnteredValue": {"stringValue": "=) started"}}
    drop_done_answers(cfg, REPLY, KEY_TEXT, ("A1", "A3"), WED)
    validation = validate(cfg, WED)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 2
    app.apply_updates(cfg, validation, NOW)
    tab = api.book(KEY).sheet(UPDATES_TAB)
    answers = {tab.value(f"D{r}"): (r, int(tab.value(f"A{r}"))) for r in (4, 5)}
    for r, _ in answers.values():
        tab.cells.setdefault((r - 1, APPLY), {})["userEnteredValue"] = {"stringValue": "Apply"}

    api.reset_counts()
    result = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert result is not None
    (a1_row, a1), (a3_row, a3) = answers["A1"], answers["A3"]
    assert result.refused == {a1: "Status holds a formula now; change it by hand"}
    assert list(result.applied) == [a3]
    actions = api.book(KEY).sheet("Actions")
    assert actions.cells[(rows["A1"], status)]["userEnteredValue"] == {"formulaValue": formula}
    assert actions.value(f"{chr(65 + status)}{rows['A3'] + 1}") == "Done"
    note = actions.cells[(rows["A3"], update)]["userEnteredValue"]
    assert note["stringValue"].startswith("=) started\n") and "formulaValue" not in note
    [(_, body)] = [r for r in api.requests if r[0] == "values.batchUpdate"]
    written_rows = {int(d["range"].split("!")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                    for d in body["data"]}  # fmt: skip
    assert written_rows == {rows["A3"] + 1}  # nothing of A1's answer, not even its other cells
    tab = api.book(KEY).sheet(UPDATES_TAB)
    assert tab.value(f"I{a1_row}") == "Not applied: Status holds a formula now; change it by hand"
    assert tab.value(f"I{a3_row}") == f"Applied on {WED.isoformat()}"
    formula_reads = [q for name, q in api.queries
                     if name == "values.batchGet" and q["valueRenderOption"] == ["FORMULA"]]
    assert len(formula_reads) == 1  # one more read for the whole pass, not one per answer
    assert len(formula_reads[0]["ranges"]) == 2  # the two answers' rows
