"""Marks in a Google Sheet: conditional-format fills, merged notes, the Validation tab.

A person's own fills, rules and notes survive marking and un-marking; a run that finds the same
makes no write call; writes take one call whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from automations.app import write_back
from automations.backends.marks import (
    FILL,
    HEADER_ROW,
    NOTE_BEGIN,
    NOTE_END,
    VALIDATION_COLUMNS,
    VALIDATION_TAB,
    VALIDATION_TITLE,
    VALIDATION_WIDTHS,
    rule_severity,
)
from automations.core.config import parse_config
from automations.core.errors import SourceError
from automations.core.findings import Severity
from automations.pipeline import validate
from tests.builders import TODAY, D, edit, tables
from tests.sheets_api_server import (
    EMAIL,
    KEY,
    SheetsServer,
    google_config_data,
    tabs_from_tables,
)

NOW = dt.datetime(2024, 3, 1, 9, 0)
PERSON_FILL = {"backgroundColor": {"red": 0.2, "green": 0.8, "blue": 0.2}}
PERSON_NOTE = "Ada asked to keep this date: see the minutes of 28 Feb."
PERSON_RULE = {
    "ranges": [{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 100,
                "startColumnIndex": 6, "endColumnIndex": 7}],
    "booleanRule": {"condition": {"type": "CUSTOM_FORMULA", "values": [
        {"userEnteredValue": '=$G2="Done"'}]}, "format": {"textFormat": {"bold": True}}},
}


def run(api: SheetsServer, key_file: Path, now: dt.datetime = NOW):
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    result = validate(cfg, TODAY)
    return result, write_back(cfg, result, now)


def overdue_board(api: SheetsServer, role: str = "writer"):
    """Action A1 (row 2) is overdue: its Due cell F2 gets a warning mark."""
    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20))
    book = api.add_spreadsheet(KEY, tabs_from_tables(data), title="Board tracker",
                               shared={EMAIL: role})
    actions = book.sheet("Actions")
    actions.cells[(1, 5)]["note"] = PERSON_NOTE  # F2: a person's note on the marked cell
    actions.cells[(1, 5)]["userEnteredFormat"] = {**actions.cells[(1, 5)]["userEnteredFormat"],
                                                  **PERSON_FILL}
    actions.conditional_formats.append(
        {**PERSON_RULE, "ranges": [{**PERSON_RULE["ranges"][0], "sheetId": actions.sheet_id}]})
    return book


def ours(sheet) -> list[tuple[Severity, list[dict]]]:
    out = []
    for rule in sheet.conditional_formats:
        formula = rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        if (severity := rule_severity(formula)) is not None:
            out.append((severity, rule["ranges"]))
    return out


def persons(sheet) -> list[dict]:
    return [r for r in sheet.conditional_formats
            if rule_severity(r["booleanRule"]["condition"]["values"][0]["userEnteredValue"])
            is None]


def test_marks_round_trip_keeps_a_persons_format_rule_and_note(api, key_file):
    book = overdue_board(api)
    result, written = run(api, key_file)
    assert written.changed and written.cells_marked >= 1
    actions = api.book(KEY).sheet("Actions")
    f2 = actions.cell("F2")
    # Our fill is a rule over F2 (warning), placed before the person's rule.
    (_, ranges), = [(s, r) for s, r in ours(actions) if s is Severity.WARNING]
    assert {"startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 5,
            "endColumnIndex": 6}.items() <= ranges[0].items()
    assert actions.conditional_formats[-1]["booleanRule"] == PERSON_RULE["booleanRule"]
    rule = next(r for r in actions.conditional_formats if r["ranges"] == ranges)
    red, green, blue = (int(FILL[Severity.WARNING][i:i + 2], 16) for i in (0, 2, 4))
    assert rule["booleanRule"]["format"]["backgroundColorStyle"]["rgbColor"] == pytest.approx(
        {"red": red / 255, "green": green / 255, "blue": blue / 255}, abs=1e-3)
    # Sent in the ...ColorStyle form only (the plain fields are deprecated).
    added = [r["addConditionalFormatRule"]["rule"]["booleanRule"]["format"]
             for name, body in api.requests if name == "spreadsheets.batchUpdate"
             for r in body["requests"] if "addConditionalFormatRule" in r]
    assert added and all(set(f) == {"backgroundColorStyle", "textFormat"} for f in added)
    assert all(set(f["textFormat"]) == {"foregroundColorStyle"} for f in added)
    # The cell's own format and value are untouched; the note is the person's, then ours.
    assert f2["userEnteredFormat"]["backgroundColor"] == PERSON_FILL["backgroundColor"]
    assert actions.value("F2") == (D(2024, 2, 20) - D(1899, 12, 30)).days
    assert f2["note"].startswith(PERSON_NOTE + "\n\n" + NOTE_BEGIN)
    assert f2["note"].endswith(NOTE_END)
    overdue = [f for f in result.report.findings if f.rule == "tor.actions.overdue"]
    assert overdue and overdue[0].message in f2["note"]

    # The officer fixes the date: our rule and our note go, the person's stay.
    actions.cells[(1, 5)]["userEnteredValue"] = {"numberValue": (D(2024, 3, 20)
                                                                 - D(1899, 12, 30)).days}
    result, written = run(api, key_file, NOW + dt.timedelta(days=1))
    actions = api.book(KEY).sheet("Actions")
    assert written.changed and written.cells_cleared >= 1
    assert result.report.findings == ()
    assert ours(actions) == []
    assert persons(actions)[0]["booleanRule"] == PERSON_RULE["booleanRule"]
    assert actions.note("F2") == PERSON_NOTE
    assert actions.cell("F2")["userEnteredFormat"]["backgroundColor"] == \
        PERSON_FILL["backgroundColor"]
    tab = api.book(KEY).sheet(VALIDATION_TAB)
    assert tab.value(f"A{HEADER_ROW + 1}") == "Nothing needs attention: every check passed."
    assert book is not api.book(KEY)  # the server applied a real batch update


def test_validation_tab_layout_links_and_text_kept_as_text(api, key_file):
    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20))
    edit(data, "members", 4, Name="=HYPERLINK(\"http://evil\")", Email="=not an email")
    api.add_spreadsheet(KEY, tabs_from_tables(data), shared={EMAIL: "writer"})
    result, _ = run(api, key_file)
    book = api.book(KEY)
    tab = book.sheet(VALIDATION_TAB)
    assert [s.title for s in book.sheets][-1] == VALIDATION_TAB
    assert tab.value("A1") == VALIDATION_TITLE
    assert "error" in tab.value("A2") and "warning" in tab.value("A2")
    assert tab.value("A3").startswith("Marks last changed on Friday 1 March 2024 at 09:00")
    assert [tab.value(f"{c}{HEADER_ROW}") for c in "ABCDEFG"] == list(VALIDATION_COLUMNS)
    assert tab.frozen_rows == HEADER_ROW
    n = len(result.report.findings)
    assert tab.basic_filter["range"] == {"sheetId": tab.sheet_id, "startRowIndex": HEADER_ROW - 1,
                                         "endRowIndex": HEADER_ROW + n, "startColumnIndex": 0,
                                         "endColumnIndex": 7}
    # The rule id in the last column, for officers; the columns as wide as in the .xlsx tab.
    assert {tab.value(f"G{r}") for r in range(HEADER_ROW + 1, HEADER_ROW + n + 1)} >= \
        {"tor.actions.overdue", "schema.email"}
    widths = [tab.column_pixels.get(c) for c in range(len(VALIDATION_COLUMNS))]
    # About 7 pixels a character of the default font, plus 5 of padding.
    assert [round((w - 5) / 7) for w in widths] == \
        [VALIDATION_WIDTHS[c] for c in VALIDATION_COLUMNS]
    rows = {(tab.value(f"C{r}"), tab.value(f"D{r}"), tab.value(f"B{r}")): r
            for r in range(HEADER_ROW + 1, HEADER_ROW + n + 1)}
    # Column B holds the rule's plain words (the catalogue's summary), not its id.
    r = rows[("Actions", "F2", "An open action is past its due date (error when it is very late).")]
    link = tab.cell(f"F{r}")["userEnteredValue"]["formulaValue"]
    assert link == f'=HYPERLINK("#gid={book.sheet("Actions").sheet_id}&range=F2", "Go to F2")'
    email_row = rows[("Members", "C6", "An email address is not valid.")]
    message = tab.cell(f"E{email_row}")["userEnteredValue"]
    assert set(message) == {"stringValue"} and "=not an email" in message["stringValue"]
    # Every cell but the links is plain text: nothing a person typed can become a formula.
    kinds = {next(iter(d["userEnteredValue"])) for (_, c), d in tab.cells.items()
             if d.get("userEnteredValue") and c != 5}
    assert kinds == {"stringValue"}


def test_second_run_with_same_findings_makes_no_write_call(api, key_file):
    overdue_board(api)
    run(api, key_file)
    stamp = api.book(KEY).sheet(VALIDATION_TAB).value("A3")
    api.reset_counts()
    _, written = run(api, key_file, NOW + dt.timedelta(hours=3))
    assert not written.changed
    assert dict(api.counts) == {"token": 1, "spreadsheets.get": 1, "values.batchGet": 1}
    assert api.book(KEY).sheet(VALIDATION_TAB).value("A3") == stamp


def test_edits_to_our_tab_or_a_removed_rule_are_put_right(api, key_file):
    overdue_board(api)
    run(api, key_file)
    book = api.book(KEY)
    book.sheet(VALIDATION_TAB).cells[(HEADER_ROW, 4)] = {"userEnteredValue": {
        "stringValue": "someone typed here"}}
    actions = book.sheet("Actions")
    actions.conditional_formats = persons(actions)
    api.reset_counts()
    _, written = run(api, key_file, NOW + dt.timedelta(hours=1))
    assert written.changed and api.counts["spreadsheets.batchUpdate"] == 1
    actions = api.book(KEY).sheet("Actions")
    assert [s for s, _ in ours(actions)] == [Severity.WARNING]
    assert len(persons(actions)) == 1
    assert api.book(KEY).sheet(VALIDATION_TAB).value(f"E{HEADER_ROW + 1}") != "someone typed here"


@pytest.mark.parametrize("rows", [10, 5000])
def test_write_calls_do_not_grow_with_rows(api, key_file, rows):
    data = tables()
    template = data["actions"][0]
    # Every action is overdue and owned by nobody: two marks per row.
    data["actions"] = [{**template, "Action ID": f"A{i}", "Due": D(2024, 2, 1), "Owner": "Zed"}
                       for i in range(rows)]
    api.add_spreadsheet(KEY, tabs_from_tables(data), shared={EMAIL: "writer"})
    _, written = run(api, key_file)
    assert written.cells_marked >= 2 * rows
    assert dict(api.counts) == {"token": 1, "spreadsheets.get": 1, "values.batchGet": 1,
                                "spreadsheets.batchUpdate": 1}
    actions = api.book(KEY).sheet("Actions")
    # Marks in a column are joined into runs: a few ranges, not one per cell.
    assert all(len(ranges) <= 3 for _, ranges in ours(actions))
    assert NOTE_BEGIN in actions.note(f"F{rows + 1}")


def test_read_only_access_says_to_share_as_editor(api, key_file):
    overdue_board(api, role="reader")
    with pytest.raises(SourceError, match=re.escape(f"share the sheet with {EMAIL} as Editor")):
        run(api, key_file)


def google_marks_state(book) -> tuple[set, set, list]:
    """(rules, notes, Validation rows without the stamp) in the shape xlsx_marks reports."""
    from automations.backends.marks import our_note
    from tests.sheets_api_server import column_letter

    rules, notes = set(), set()
    for sheet in book.sheets:
        if sheet.title == VALIDATION_TAB:
            continue
        for severity, ranges in ours(sheet):
            for gr in ranges:
                for r in range(gr["startRowIndex"], gr["endRowIndex"]):
                    for c in range(gr["startColumnIndex"], gr["endColumnIndex"]):
                        rules.add((sheet.title, severity.value, f"{column_letter(c)}{r + 1}"))
        for (r, c), data in sheet.cells.items():
            if block := our_note(data.get("note")):
                notes.add((sheet.title, f"{column_letter(c)}{r + 1}", block))
    tab = book.sheet(VALIDATION_TAB)
    rows_used, cols_used = tab.extent()
    rows = []
    for r in range(rows_used):
        row = [tab.value(f"{column_letter(c)}{r + 1}") for c in range(cols_used)]
        while row and row[-1] in (None, ""):
            row.pop()
        rows.append(tuple(row))
    return rules, notes, [row for i, row in enumerate(rows, start=1) if i != 3]


def test_same_marks_as_the_xlsx_backend(tmp_path, api, key_file):
    from automations.backends.xlsx.marks import current_state
    from tests.builders import config_for, write_workbook
    from tests.sheets_api_server import tabs_from_xlsx

    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20), Owner="Nobody")
    edit(data, "members", 3, Joined="31/02/2023", Email="not an email")
    edit(data, "meetings", 1, **{"Minute-taker": None})
    xlsx = write_workbook(tmp_path / "board.xlsx", data)
    api.add_spreadsheet(KEY, tabs_from_xlsx(xlsx), shared={EMAIL: "writer"})
    xlsx_cfg = config_for(xlsx)
    write_back(xlsx_cfg, validate(xlsx_cfg, TODAY), NOW)
    run(api, key_file)
    expected = current_state(xlsx)
    rules, notes, rows = google_marks_state(api.book(KEY))
    assert len(rules) >= 4
    assert rules == set(expected.rules)
    assert notes == set(expected.notes)
    assert rows == list(expected.tab)


def test_a_persons_own_validation_tab_is_never_overwritten(api, key_file):
    data = edit(tables(), "actions", 0, Due=D(2024, 2, 20))
    tabs = {**tabs_from_tables(data), VALIDATION_TAB: [["Status"], ["Open"], ["Done"]]}
    api.add_spreadsheet(KEY, tabs, shared={EMAIL: "writer"})
    with pytest.raises(SourceError, match="rename your tab"):
        run(api, key_file)
    assert "spreadsheets.batchUpdate" not in api.counts
    assert api.book(KEY).sheet(VALIDATION_TAB).value("A2") == "Open"


def test_a_board_without_the_record_tabs_is_not_rewritten_on_its_second_run(api, key_file):
    """The "no such tab" notes list the tabs found; the check's own Validation tab, there from
    the first run on, is not one of them, so the second run finds nothing new to write."""
    data = {k: v for k, v in edit(tables(), "actions", 0, Due=D(2024, 2, 20)).items()
            if k in ("members", "projects", "actions", "meetings")}
    api.add_spreadsheet(KEY, tabs_from_tables(data), title="Board tracker",
                        shared={EMAIL: "writer"})
    first, _ = run(api, key_file)
    missing = [f for f in first.report.findings if f.rule == "schema.missing_tab"]
    assert missing and all("'Validation'" not in f.message for f in missing)
    api.reset_counts()
    again, written = run(api, key_file, NOW + dt.timedelta(hours=3))
    assert all("'Validation'" not in f.message for f in again.report.findings)
    assert not written.changed
    assert dict(api.counts) == {"token": 1, "spreadsheets.get": 1, "values.batchGet": 1}
