"""Answers for Actions kept on several same-shaped tabs read as one list ([source.tabs.Actions]
tabs, one tab per project): each approved answer is written into the tab its action is on, at
that tab's own row and that tab's own column for each field. The third tab has its columns in
another order and its header on row 3, under a title: its letters are not the first tab's.
Real .xlsx files, read back with openpyxl; the Google case on the local Sheets API server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from automations import app
from automations.backends.updates import UPDATES_TAB
from automations.inbox.proposals import Proposals
from automations.pipeline import validate
from tests.builders import write_workbook
from tests.digest_setup import make_config
from tests.inbox_helpers import drop_done_answers
from tests.test_inbox_google import KEY_TEXT, NOW, REPLY
from tests.test_reminders import WED, board_tables

TABS = ("Day Opportunities", "Carers Strategy", "Housing")
ON = {"Day Opportunities": ("A1", "A2", "A4"), "Carers Strategy": ("A3", "A6", "A11"),
      "Housing": ("A5", "A7", "A8", "A9", "A10")}  # fmt: skip
ANSWERED = {"A1": "Day Opportunities", "A3": "Carers Strategy", "A5": "Housing"}
# What a "done" answer writes (inbox/propose.py), by the tab's header.
WRITTEN = ("Status", "Completed on", "Last update", "Update")
TITLE = "Housing project: actions"  # the third tab's title row, above a blank row


def project_tabs() -> tuple[dict[str, Any], dict[str, list[list[Any]]]]:
    """The board's other tabs, and the three Actions tabs as rows (the third reordered)."""
    data = board_tables()
    actions = {a["Action ID"]: a for a in data.pop("actions")}
    actions["A7"]["Owner"] = "Nobody We Know"  # a finding on the third tab, at its own cell
    # A done action on each tab: its Completed on cell gives the date format to copy.
    actions["A10"].update({"Status": "Done", "Completed on": dt.date(2024, 3, 1)})
    header = list(actions["A1"])
    grids = {}
    for tab, ids in ON.items():
        cols = header if tab != "Housing" else header[::-1]
        rows = [[actions[i][h] for h in cols] for i in ids]
        grids[tab] = [[TITLE], [], cols, *rows] if tab == "Housing" else [cols, *rows]
    return data, grids


def write_board(path: Path) -> Path:
    data, grids = project_tabs()
    write_workbook(path, data)
    wb = openpyxl.load_workbook(path)
    for tab, rows in grids.items():
        ws = wb.create_sheet(tab)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                ws.cell(r, c, value)
                if isinstance(value, dt.date):
                    ws.cell(r, c).number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def xlsx_config(tmp_path: Path, path: Path) -> Any:
    (tmp_path / "mailbox").mkdir()
    return make_config(
        tmp_path, path, WED,
        source={"kind": "xlsx", "path": str(path), "tabs": {"Actions": {"tabs": list(TABS)}}},
        updates={"address": "board-updates@example.org", "board": "Test Board", "apply": "auto"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip


def cells(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell of every tab but the check's own, by (tab, cell)."""
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb
        if ws.title not in (UPDATES_TAB, "Validation")
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def where(path: Path, tab: str, action_id: str, header: str) -> str:
    """The cell of ``header`` on ``action_id``'s row of ``tab``, found by reading the tab."""
    ws = openpyxl.load_workbook(path)[tab]
    head = 3 if tab == "Housing" else 1
    col = next(c.column_letter for c in ws[head] if c.value == header)
    ids = next(c.column for c in ws[head] if c.value == "Action ID")
    row = next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, ids).value == action_id)
    return f"{col}{row}"


def findings(validation: Any) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule, f.sheet, f.cell) for f in validation.report.findings}


def answered_board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Any]:
    """The board of three project tabs, an owner's "done" answer for each of ANSWERED waiting
    in the mailbox."""
    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    path = write_board(tmp_path / "board.xlsx")
    cfg = xlsx_config(tmp_path, path)
    drop_done_answers(cfg, REPLY, KEY_TEXT, tuple(ANSWERED), WED)
    return path, cfg


def test_each_answer_is_written_into_its_own_tab_at_that_tabs_columns(
    tmp_path, monkeypatch
) -> None:
    path, cfg = answered_board(tmp_path, monkeypatch)
    validation = validate(cfg, WED)
    # The reordered tab is read with the others, its findings at its own cells: A7's owner is
    # in column G there (E on the other two tabs).
    assert len(validation.board.actions.records) == 11
    assert not [f for f in validation.report.findings if f.rule.startswith("schema.")
                and f.tab == "Actions"]  # fmt: skip
    owner = where(path, "Housing", "A7", "Owner")
    assert owner == "G5" and ("tor.actions.owner", "Housing", owner) in findings(validation)
    soon = {(a, tab, where(path, tab, a, "Due")) for a, tab in ANSWERED.items()
            if a != "A3"}  # A3 is due in April  # fmt: skip
    assert {("tor.actions.due_soon", tab, cell) for _, tab, cell in soon} <= findings(validation)
    before = cells(path)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 3
    with Proposals(cfg) as book:
        ids = {s.proposal.action_id: s.id for s in book.all()}
    would = app.preview_updates(cfg, validation, NOW)
    assert sorted(w.split(":")[0] for w in would) == [
        f"Would write answer #{ids[a]} into {a}" for a in sorted(ANSWERED)]

    result = app.apply_updates(cfg, validation, NOW)
    assert result is not None and sorted(result.applied) == sorted(ids.values()), result.refused
    after = cells(path)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    expected = {(tab, where(path, tab, a, h)) for a, tab in ANSWERED.items() for h in WRITTEN}
    assert changed == expected  # every other cell of the workbook as it was
    assert (where(path, "Housing", "A5", "Status"), where(path, "Day Opportunities", "A1",
            "Status")) == ("E4", "G2")  # fmt: skip
    for a, tab in ANSWERED.items():
        assert after[(tab, where(path, tab, a, "Status"))] == "Done"
        assert after[(tab, where(path, tab, a, "Completed on"))] == dt.datetime(2024, 3, 6)
        assert "by email] Done" in after[(tab, where(path, tab, a, "Update"))]
    updates = openpyxl.load_workbook(path)[UPDATES_TAB]
    outcomes = {r[3]: r[8] for r in updates.iter_rows(min_row=4, values_only=True)}
    assert outcomes == {a: f"Applied on {WED.isoformat()}" for a in ANSWERED}

    # The check reads the written tabs: the answered actions are done, so their "due soon"
    # findings are gone; every other finding is where it was.
    again = validate(cfg, WED)
    gone = {("tor.actions.due_soon", tab, cell) for _, tab, cell in soon}
    assert findings(again) == findings(validation) - gone
    assert {a.id: a.state for a in again.board.actions.records if a.id in ANSWERED} == {
        a: "done" for a in ANSWERED}


def test_a_cell_changed_by_a_person_on_the_second_tab_is_not_overwritten(
    tmp_path, monkeypatch
) -> None:
    path, cfg = answered_board(tmp_path, monkeypatch)
    assert len(app.read_answers(cfg, validate(cfg, WED), NOW).proposals) == 3
    # After the answers came, a person sets A3's Status on the second tab by hand.
    status = where(path, "Carers Strategy", "A3", "Status")
    wb = openpyxl.load_workbook(path)
    wb["Carers Strategy"][status] = "On hold"
    wb.save(path)
    before = cells(path)
    with Proposals(cfg) as book:
        ids = {s.proposal.action_id: s.id for s in book.all()}
    result = app.apply_updates(cfg, validate(cfg, WED), NOW)
    assert result is not None and sorted(result.applied) == [ids["A1"], ids["A5"]]
    why = "Status was changed by a person since the answer came (it said Open, it says On hold now)"
    assert result.refused == {ids["A3"]: why}
    after = cells(path)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {(tab, where(path, tab, a, h)) for a, tab in ANSWERED.items()
                       if a != "A3" for h in WRITTEN}  # fmt: skip
    assert after[("Carers Strategy", status)] == "On hold"
    updates = openpyxl.load_workbook(path)[UPDATES_TAB]
    outcomes = {r[3]: r[8] for r in updates.iter_rows(min_row=4, values_only=True)}
    assert outcomes["A3"] == f"Not applied: {why}"
    with Proposals(cfg) as book:
        a3 = next(s for s in book.all() if s.id == ids["A3"]).proposal
    assert (a3.state, a3.reason) == ("refused", why)


# ---------------------------------------------------------------- Google Sheets


def google_place(sheet: Any, action_id: str, header: str) -> tuple[int, int]:
    """(row, column), 0-based, of ``header`` on ``action_id``'s row, found by reading the tab."""
    text = {k: v.get("userEnteredValue", {}).get("stringValue") for k, v in sheet.cells.items()}
    head, ids = next(k for k, v in text.items() if v == "Action ID")
    col = next(c for (r, c), v in text.items() if r == head and v == header)
    row = next(r for (r, c), v in text.items() if c == ids and r > head and v == action_id)
    return row, col


def test_google_each_answer_is_written_into_its_own_tab_in_one_batch(
    tmp_path, api, key_file, monkeypatch
) -> None:
    """The same board as a Google Sheet, through the real gspread client and the local Sheets
    API server: the three answers go into their three tabs in one values.batchUpdate."""
    from tests.sheets_api_server import EMAIL, KEY, google_config_data, tabs_from_xlsx

    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    api.add_spreadsheet(KEY, tabs_from_xlsx(write_board(tmp_path / "board.xlsx")),
                        title="Board tracker", shared={EMAIL: "writer"})  # fmt: skip
    google = google_config_data(api, key_file, KEY)
    google["source"]["tabs"] = {"Actions": {"tabs": list(TABS)}}
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED, source=google["source"], google=google["google"],
        updates={"address": "board-updates@example.org", "board": "Test Board", "apply": "auto"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    drop_done_answers(cfg, REPLY, KEY_TEXT, tuple(ANSWERED), WED)
    validation = validate(cfg, WED)
    assert len(validation.board.actions.records) == 11
    assert ("tor.actions.owner", "Housing", "G5") in findings(validation)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 3
    book = api.book(KEY)
    before = {s.title: {k: dict(v) for k, v in s.cells.items()} for s in book.sheets}
    api.reset_counts()
    result = app.apply_updates(cfg, validation, NOW)
    assert result is not None and len(result.applied) == 3, result.refused
    # One write of values for the three tabs, one for the Updates tab.
    assert api.counts["values.batchUpdate"] == 1
    assert api.counts["spreadsheets.batchUpdate"] == 1
    book = api.book(KEY)
    after = {s.title: s.cells for s in book.sheets}
    changed = {(t, k) for t in before for k in before[t].keys() | after[t].keys()
               if t != UPDATES_TAB and before[t].get(k) != after[t].get(k)}  # fmt: skip
    places = {a: {h: google_place(book.sheet(tab), a, h) for h in WRITTEN}
              for a, tab in ANSWERED.items()}  # fmt: skip
    assert changed == {(tab, places[a][h]) for a, tab in ANSWERED.items() for h in WRITTEN}
    assert places["A5"]["Status"] == (3, 4) and places["A1"]["Status"] == (1, 6)  # E4, G2
    for a, tab in ANSWERED.items():
        cells_now = after[tab]
        assert cells_now[places[a]["Status"]]["userEnteredValue"] == {"stringValue": "Done"}
        done = cells_now[places[a]["Completed on"]]["userEnteredValue"]["numberValue"]
        assert done == (dt.date(2024, 3, 6) - dt.date(1899, 12, 30)).days
    assert UPDATES_TAB not in before and book.sheet(UPDATES_TAB).value("I4").startswith("Applied")
    again = validate(cfg, WED)
    assert {a.id: a.state for a in again.board.actions.records if a.id in ANSWERED} == {
        a: "done" for a in ANSWERED}


# ---------------------------------------------------------------- Microsoft 365


def test_microsoft_365_each_answer_is_written_into_its_own_tab(
    tmp_path, graph, monkeypatch
) -> None:
    """The same workbook kept in Microsoft 365 (the local Graph stand-in): the .xlsx writer
    writes the answers into the downloaded copy, which is uploaded once."""
    from tests.m365_server import DRIVE, ITEM, m365_section

    monkeypatch.setenv("COPROD_UPDATES_KEY", KEY_TEXT)
    path = write_board(tmp_path / "board.xlsx")
    graph.add_item(path.read_bytes())
    (tmp_path / "mailbox").mkdir()
    cfg = make_config(
        tmp_path, tmp_path / "unused.xlsx", WED,
        source={"kind": "microsoft365", "drive_id": DRIVE, "item_id": ITEM,
                "tabs": {"Actions": {"tabs": list(TABS)}}},
        microsoft365=m365_section(graph),
        updates={"address": "board-updates@example.org", "board": "Test Board", "apply": "auto"},
        reminders={"officers_copy": "officers@example.org"},
    )  # fmt: skip
    drop_done_answers(cfg, REPLY, KEY_TEXT, tuple(ANSWERED), WED)
    validation = validate(cfg, WED)
    assert len(app.read_answers(cfg, validation, NOW).proposals) == 3
    before = cells(path)
    uploads = graph.counts["upload"]
    result = app.apply_updates(cfg, validation, NOW)
    assert result is not None and len(result.applied) == 3, result.refused
    assert graph.counts["upload"] == uploads + 1
    cloud = tmp_path / "cloud.xlsx"
    cloud.write_bytes(graph.item().content)
    after = cells(cloud)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {(tab, where(path, tab, a, h)) for a, tab in ANSWERED.items()
                       for h in WRITTEN}  # fmt: skip
    assert after[("Housing", "E4")] == "Done" and after[("Day Opportunities", "G2")] == "Done"
    outcomes = {r[3]: r[8] for r in openpyxl.load_workbook(cloud)[UPDATES_TAB].iter_rows(
        min_row=4, values_only=True)}  # fmt: skip
    assert outcomes == {a: f"Applied on {WED.isoformat()}" for a in ANSWERED}


def test_the_reordered_tab_is_marked_at_its_own_cells(tmp_path, monkeypatch) -> None:
    """The marks follow each tab's own columns too: A7's unknown owner is noted at Housing!G5
    (its Owner column there), not at E5 (where the Owner is on the first tab)."""
    path = write_board(tmp_path / "board.xlsx")
    cfg = xlsx_config(tmp_path, path)
    validation = validate(cfg, WED)
    written = app.write_back(cfg, validation, NOW)
    assert written.changed
    housing = openpyxl.load_workbook(path)["Housing"]
    assert housing["G5"].comment is not None and "Nobody We Know" in housing["G5"].comment.text
    assert housing["E5"].comment is None
