"""A run with nothing new writes nothing, against a server that reads back like the real API.

tests/sheets_api_server.py hands back formats with colour twins, zero components left out,
32-bit floats and no sheetId for sheet 0 (its docstring has the evidence), so a byte-for-byte
comparison would see a change on every run. These tests pin the promises that depend on
comparing by meaning: no write when nothing changed, one small batchUpdate for one fix, and our
rules kept first on each tab.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from automations.app import write_back
from automations.backends.google.meaning import format_meaning
from automations.backends.marks import (
    NOTE_BEGIN,
    VALIDATION_TAB,
    rule_severity,
)
from automations.core.config import parse_config
from automations.core.findings import Severity
from automations.pipeline import validate
from tests.builders import TODAY, D, edit, tables
from tests.sheets_api_server import (
    EMAIL,
    KEY,
    SheetsServer,
    column_letter,
    format_as_read,
    google_config_data,
    range_as_read,
    tabs_from_tables,
)

NOW = dt.datetime(2024, 3, 1, 9, 0)
READS = {"token": 1, "spreadsheets.get": 1, "values.batchGet": 1}
SEVERITY_ORDER = [Severity.ERROR, Severity.WARNING, Severity.INFO]


def person_rule(sheet_id: int, column: int, text: str) -> dict:
    return {"ranges": [{"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": 50,
                        "startColumnIndex": column, "endColumnIndex": column + 1}],
            "booleanRule": {"condition": {"type": "TEXT_EQ", "values": [
                {"userEnteredValue": text}]},
                "format": {"textFormat": {"bold": True}}}}


def run(api: SheetsServer, key_file: Path, now: dt.datetime = NOW):
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    return write_back(cfg, validate(cfg, TODAY), now)


def busy_board(api: SheetsServer):
    """Marks of several severities on the first tab (sheetId 0) and on Actions, and a person's
    own rules on Actions."""
    data = tables()
    template = data["actions"][0]
    # Three overdue actions owned by nobody on the board: marks in two columns, rows 2-4.
    data["actions"] = [{**template, "Action ID": f"A{i}", "Due": D(2024, 2, 1), "Owner": "Zed"}
                       for i in range(3)] + data["actions"][1:]
    edit(data, "members", 3, Joined="31/02/2023", Email="not-an-email")
    book = api.add_spreadsheet(KEY, tabs_from_tables(data), title="Board tracker",
                               shared={EMAIL: "writer"})
    actions = book.sheet("Actions")
    actions.conditional_formats += [person_rule(actions.sheet_id, 7, "Done"),
                                    person_rule(actions.sheet_id, 8, "Late")]
    return book


def ours(sheet) -> list[tuple[Severity, set[str]]]:
    out = []
    for rule in sheet.conditional_formats:
        severity = rule_severity(rule["booleanRule"]["condition"]["values"][0]
                                 ["userEnteredValue"])
        if severity is not None:
            cells = {f"{column_letter(c)}{r + 1}" for gr in rule["ranges"]
                     for r in range(gr["startRowIndex"], gr["endRowIndex"])
                     for c in range(gr["startColumnIndex"], gr["endColumnIndex"])}
            out.append((severity, cells))
    return out


def persons(sheet) -> list[str]:
    return [r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
            for r in sheet.conditional_formats
            if r["booleanRule"]["condition"]["type"] != "CUSTOM_FORMULA"]


def sent(api: SheetsServer) -> list[dict]:
    """Every request of every batchUpdate since the counts were reset."""
    return [req for name, body in api.requests if name == "spreadsheets.batchUpdate"
            for req in body["requests"]]


def test_the_server_reads_formats_back_like_the_real_api():
    written = {"backgroundColorStyle": {"rgbColor": {"red": 1, "green": 0, "blue": 66 / 255}},
               "textFormat": {"bold": True, "foregroundColor": {"red": 0, "green": 0,
                                                                 "blue": 0}}}
    assert format_as_read(written) == {
        "backgroundColor": {"red": 1, "blue": 0.25882354},
        "backgroundColorStyle": {"rgbColor": {"red": 1, "blue": 0.25882354}},
        "textFormat": {"bold": True, "foregroundColor": {}, "foregroundColorStyle":
                       {"rgbColor": {}}},
    }
    # A range on sheet 0 comes back without its sheetId; its 0 indexes stay.
    assert range_as_read({"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2}) == {
        "startRowIndex": 0, "endRowIndex": 2}
    assert range_as_read({"sheetId": 7, "startRowIndex": 0})["sheetId"] == 7
    # What it means is what was written.
    assert format_meaning(format_as_read(written)) == format_meaning(written) == {
        "backgroundColorStyle": "#FF0042",
        "textFormat": {"bold": True, "foregroundColorStyle": "#000000"}}


def test_first_run_writes_and_a_second_run_with_the_same_findings_writes_nothing(api, key_file):
    busy_board(api)
    first = run(api, key_file)
    assert first.changed and api.counts["spreadsheets.batchUpdate"] == 1
    members = api.book(KEY).sheet("Members")
    assert members.sheet_id == 0 and ours(members)
    # What the server reads back is not what was sent: a byte comparison would see a change.
    added = [r["addConditionalFormatRule"]["rule"] for r in sent(api)
             if "addConditionalFormatRule" in r]
    stored = [r for s in api.book(KEY).sheets for r in s.conditional_formats
              if r["booleanRule"]["condition"]["type"] == "CUSTOM_FORMULA"]
    assert len(added) == len(stored) >= 3
    assert all(a != s for a, s in zip(added, stored, strict=True))
    assert all("backgroundColor" in s["booleanRule"]["format"] for s in stored)
    assert all("sheetId" not in gr for r in members.conditional_formats for gr in r["ranges"])

    api.reset_counts()
    again = run(api, key_file, NOW + dt.timedelta(minutes=30))
    assert dict(api.counts) == READS  # no write call at all
    assert not again.changed and "no change" in again.message


def test_one_fix_makes_one_batch_update_that_removes_only_that_mark(api, key_file):
    busy_board(api)
    run(api, key_file)
    before = api.book(KEY)
    actions = before.sheet("Actions")
    marks_before = {s.title: ours(s) for s in before.sheets}
    notes_before = {(s.title, rc): d["note"] for s in before.sheets for rc, d in s.cells.items()
                    if NOTE_BEGIN in d.get("note", "")}
    (_, cells), = [(s, c) for s, c in ours(actions) if "F2" in c]
    assert len(cells) > 1  # the fix leaves other marks of that severity on the tab

    # The officer fixes A0's due date (F2).
    actions.cells[(1, 5)]["userEnteredValue"] = {"numberValue": (D(2024, 3, 20)
                                                                 - D(1899, 12, 30)).days}
    api.reset_counts()
    result = run(api, key_file, NOW + dt.timedelta(hours=1))
    assert dict(api.counts) == {**READS, "spreadsheets.batchUpdate": 1}
    assert result.changed and result.cells_cleared == 1

    requests = sent(api)
    rule_requests = [r for r in requests if "ConditionalFormatRule" in next(iter(r))]
    (update,) = rule_requests  # one rule changed: no delete and re-add of the others
    body = update["updateConditionalFormatRule"]
    assert body["sheetId"] == actions.sheet_id and "newIndex" not in body
    after = api.book(KEY)
    assert ours(after.sheet("Actions")) == [
        (s, c - {"F2"}) for s, c in marks_before["Actions"]]
    assert all(ours(s) == marks_before[s.title] for s in after.sheets if s.title != "Actions")
    # Only F2's note changed on the tabs people edit; the Validation tab was rewritten.
    notes = [r["updateCells"] for r in requests if "updateCells" in r
             and "start" in r["updateCells"]]
    assert [n["start"] for n in notes] == [{"sheetId": actions.sheet_id, "rowIndex": 1,
                                            "columnIndex": 5}]
    notes_after = {(s.title, rc): d["note"] for s in after.sheets for rc, d in s.cells.items()
                   if NOTE_BEGIN in d.get("note", "")}
    assert notes_after == {k: v for k, v in notes_before.items() if k != ("Actions", (1, 5))}
    assert "updated the Validation tab" in result.message


def test_a_persons_rule_moved_above_ours_goes_back_below_them(api, key_file):
    busy_board(api)
    run(api, key_file)
    actions = api.book(KEY).sheet("Actions")
    assert persons(actions) == ["Done", "Late"]
    # The person drags their two rules to the top (first matching rule wins in Sheets).
    theirs = [r for r in actions.conditional_formats
              if r["booleanRule"]["condition"]["type"] != "CUSTOM_FORMULA"]
    mine = [r for r in actions.conditional_formats if r not in theirs]
    actions.conditional_formats = [theirs[0], mine[0], theirs[1], *mine[1:]]
    marks = ours(actions)

    api.reset_counts()
    result = run(api, key_file, NOW + dt.timedelta(hours=1))
    assert dict(api.counts) == {**READS, "spreadsheets.batchUpdate": 1}
    requests = sent(api)
    # Moves only: nothing deleted or added, the Validation tab and notes untouched.
    assert requests and all(set(r) == {"updateConditionalFormatRule"}
                            and "newIndex" in r["updateConditionalFormatRule"]
                            for r in requests)
    actions = api.book(KEY).sheet("Actions")
    n = len(marks)
    assert ours(actions) == marks
    assert [s for s, _ in ours(actions)] == [s for s in SEVERITY_ORDER
                                             if s in {s for s, _ in marks}]
    tags = [rule_severity(r["booleanRule"]["condition"]["values"][0]["userEnteredValue"])
            for r in actions.conditional_formats]
    assert all(t is not None for t in tags[:n]) and all(t is None for t in tags[n:])
    assert persons(actions) == ["Done", "Late"]  # kept, in their order
    assert "Validation tab already showed" in result.message

    api.reset_counts()
    run(api, key_file, NOW + dt.timedelta(hours=2))
    assert dict(api.counts) == READS


def test_marks_in_an_older_form_or_a_reworded_note_are_left_alone(api, key_file):
    busy_board(api)
    run(api, key_file)
    book = api.book(KEY)
    actions = book.sheet("Actions")
    # An earlier version wrote colours with the deprecated fields, rounded to 4 places.
    for rule in actions.conditional_formats:
        fmt = rule["booleanRule"]["format"]
        if "backgroundColorStyle" in fmt:
            rgb = fmt.pop("backgroundColorStyle")["rgbColor"]
            fmt["backgroundColor"] = {k: round(v, 4) for k, v in rgb.items()}
            fmt["textFormat"].pop("foregroundColorStyle")
    # The note's own text after our block, with trailing spaces: the same note to a reader.
    f2 = actions.cells[(1, 5)]
    f2["note"] = f2["note"] + "\n\nAda: chasing this  \r\n"
    api.reset_counts()
    assert not run(api, key_file, NOW + dt.timedelta(hours=1)).changed
    assert dict(api.counts) == READS


def test_a_validation_tab_edited_by_hand_is_rewritten_alone(api, key_file):
    busy_board(api)
    run(api, key_file)
    tab = api.book(KEY).sheet(VALIDATION_TAB)
    tab.cells[(4, 4)] = {"userEnteredValue": {"stringValue": "someone typed here"}}
    api.reset_counts()
    result = run(api, key_file, NOW + dt.timedelta(hours=1))
    assert api.counts["spreadsheets.batchUpdate"] == 1
    kinds = {next(iter(r)) for r in sent(api)}
    assert kinds == {"updateCells", "setBasicFilter", "updateDimensionProperties"}
    assert all(r["updateCells"]["range"]["sheetId"] == tab.sheet_id
               for r in sent(api) if "updateCells" in r)
    assert all(r["updateDimensionProperties"]["range"]["sheetId"] == tab.sheet_id
               for r in sent(api) if "updateDimensionProperties" in r)  # widths of the tab
    assert result.cells_cleared == 0


def test_error_marks_are_bold_and_a_rule_without_bold_is_brought_up_to_date(api, key_file):
    """Bold text is the non-colour cue a Sheets rule can carry (rules cannot draw borders):
    errors only. Rules written before it are updated once, in place; then nothing is written."""
    busy_board(api)
    run(api, key_file)
    actions = api.book(KEY).sheet("Actions")
    looks = {rule_severity(r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]):
             bool(r["booleanRule"]["format"].get("textFormat", {}).get("bold"))
             for r in actions.conditional_formats}
    assert looks[Severity.ERROR] is True and looks[Severity.WARNING] is False
    error = next(i for i, r in enumerate(actions.conditional_formats)
                 if rule_severity(r["booleanRule"]["condition"]["values"][0]
                                  ["userEnteredValue"]) is Severity.ERROR)
    del actions.conditional_formats[error]["booleanRule"]["format"]["textFormat"]["bold"]
    api.reset_counts()
    run(api, key_file, NOW + dt.timedelta(hours=1))
    assert [next(iter(r)) for r in sent(api)] == ["updateConditionalFormatRule"]
    rule = api.book(KEY).sheet("Actions").conditional_formats[error]["booleanRule"]
    assert rule["format"]["textFormat"]["bold"] is True
    api.reset_counts()
    run(api, key_file, NOW + dt.timedelta(hours=2))
    assert dict(api.counts) == READS
