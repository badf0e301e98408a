"""The trackers officers already keep, taken as they are: title rows, an Excel table, a blank
column A, a hints row, a merged title, frozen panes, the members in a workbook of their own, a
board with only Members and Actions. Each gives the findings of the same rows laid out plainly,
at the sheet's own row numbers, and is marked on the right cells with nothing of people's
changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange

from automations.backends.marks import (
    HEADER_ROW,
    NOTE_BEGIN,
    VALIDATION_TAB,
    plan_marks,
    rule_formula,
)
from automations.core.config import parse_config
from automations.core.errors import ConfigError
from automations.core.findings import TAB_ORDER, Report, Severity, sort_findings
from automations.pipeline import validate
from tests.builders import TODAY, config_for, every_rule_tables, tables, write_workbook
from tests.shaped import TITLE, Shape, cell_values, moved, table_parts, table_refs, write_shaped

AT = dt.datetime(2024, 3, 1, 9, 0)
HINTS = {"Member ID": "e.g. M01", "Raised": "e.g. 01/02/2026", "Project ID": "e.g. P01",
         "Date": "dd/mm/yyyy", "Status": "Choose one: Open, In progress, Done, Dropped"}

SHAPES = {
    "title rows, headers on row 3, an Excel table": Shape(title=TITLE, excel_table=True),
    "a blank column A": Shape(blank_columns=1),
    "a hints row under the headers": Shape(hints=HINTS),
    "a merged title across the top": Shape(title=(TITLE[0], ()), merge_title=True),
    "frozen panes under a title": Shape(title=TITLE, freeze=True),
    "all of them at once": Shape(title=(*TITLE, ()), blank_columns=1, hints=HINTS,
                                 excel_table=True, merge_title=True, freeze=True),
}


def plain_and_shaped(tmp_path: Path, data, shape: Shape) -> tuple[Report, Path]:
    plain = validate(config_for(write_workbook(tmp_path / "plain.xlsx", data)), TODAY).report
    return plain, write_shaped(tmp_path / "tracker.xlsx", data, shape)


def expected(plain: Report, shape: Shape) -> list:
    return sort_findings(moved(f, shape) for f in plain.findings)


def marked_cells(path: Path, sheet: str) -> dict[Severity, set[str]]:
    """Cells our conditional-format rules colour, by severity."""
    ws = load_workbook(path)[sheet]
    out: dict[Severity, set[str]] = {}
    for cf in ws.conditional_formatting:
        for r in cf.rules:
            severity = next((s for s in Severity if r.formula == [rule_formula(s)]), None)
            if severity is not None:
                out.setdefault(severity, set()).update(
                    f"{get_column_letter(col)}{row}"
                    for rng in MultiCellRange(str(cf.sqref)).ranges for row, col in rng.cells)
    return out


def planned_cells(findings: list, sheet: str) -> dict[Severity, set[str]]:
    plan = plan_marks(Report(TODAY, "x", tuple(findings)), AT)
    out: dict[Severity, set[str]] = {}
    for mark in plan.cells:
        if mark.sheet == sheet:
            out.setdefault(mark.severity, set()).add(mark.cell)
    return out


def by_severity(findings: list) -> list:
    """The Validation tab's order: errors first, then warnings, then information."""
    return sorted(findings, key=lambda f: f.severity.rank)


def validation_cells(path: Path) -> list[tuple[str, str, str | None]]:
    """(sheet, cell, link target) of each row of the Validation tab."""
    ws = load_workbook(path)[VALIDATION_TAB]
    rows = []
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        link = ws.cell(r, 6).hyperlink
        rows.append((ws.cell(r, 3).value or "", ws.cell(r, 4).value or "",
                     link.location if link else None))
    return rows


def mark(path: Path, cfg_data: dict | None = None):
    cfg = parse_config(cfg_data or {"source": {"kind": "xlsx", "path": str(path)},
                                    "today": TODAY.isoformat()}, None)
    v = validate(cfg, TODAY)
    v.source.write_marks(plan_marks(v.report, AT))
    return v.report


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_findings_are_those_of_the_plain_layout_at_the_sheets_own_rows(tmp_path, shape):
    plain, path = plain_and_shaped(tmp_path, every_rule_tables(), shape)
    assert len(plain.findings) > 30  # every rule fires somewhere: a real comparison
    shaped = validate(config_for(path), TODAY).report
    assert list(shaped.findings) == expected(plain, shape)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_marks_land_on_the_right_cells_and_nothing_of_peoples_changes(tmp_path, shape):
    plain, path = plain_and_shaped(tmp_path, every_rule_tables(), shape)
    values, tables_before, refs = cell_values(path), table_parts(path), table_refs(path)
    merged = load_workbook(path)["Members"].merged_cells.ranges
    report = mark(path)
    want = expected(plain, shape)
    wb = load_workbook(path)
    for sheet in ("Members", "Projects", "Actions", "Meetings"):
        planned = planned_cells(want, sheet)
        assert marked_cells(path, sheet) == planned, sheet
        noted = {c.coordinate for row in wb[sheet].iter_rows() for c in row
                 if c.comment and NOTE_BEGIN in c.comment.text}
        assert noted == set().union(*planned.values()), sheet
    assert cell_values(path) == values
    assert table_parts(path) == tables_before and table_refs(path) == refs
    wb = load_workbook(path)
    assert [str(r) for r in wb["Members"].merged_cells.ranges] == [str(r) for r in merged]
    if shape.freeze:
        first = get_column_letter(shape.blank_columns + 1)
        assert wb["Actions"].freeze_panes == f"{first}{shape.header_row + 1}"
    links = validation_cells(path)
    assert [(s, c) for s, c, _ in links] == [
        (f.sheet or "", f.cell or "") for f in by_severity(want)]
    assert all(c in (loc or "") for _, c, loc in links if c)  # each "Go to" goes to its cell
    assert list(report.findings) == want


RECORD_TABS = list(TAB_ORDER[4:])  # the co-production record's tabs, in every tables()


def test_a_board_with_only_members_and_actions(tmp_path):
    data = tables()
    del data["projects"], data["meetings"]
    for row in data["actions"]:
        row["Project ID"] = None  # nothing to refer to
    shape = Shape(title=TITLE, excel_table=True)
    plain, path = plain_and_shaped(tmp_path, data, shape)
    values, parts = cell_values(path), table_parts(path)
    report = mark(path)
    assert list(report.findings) == expected(plain, shape)
    missing = [(f.rule, f.severity, f.sheet) for f in report.findings]
    assert missing == [("schema.missing_tab", Severity.INFO, "Projects"),
                       ("schema.missing_tab", Severity.INFO, "Meetings")]
    assert "the meeting rules were not checked" in report.findings[1].message
    assert not report.has_errors
    assert cell_values(path) == values and table_parts(path) == parts
    assert load_workbook(path).sheetnames == ["Members", "Actions", *RECORD_TABS, VALIDATION_TAB]


def test_an_excel_tables_header_is_preferred_and_its_totals_row_is_not_a_row(tmp_path):
    data = tables()
    path = write_shaped(tmp_path / "t.xlsx", data, Shape(excel_table=True))
    wb = load_workbook(path)
    ws = wb["Actions"]
    # A line above the table that has headers in it too (a legend), and a totals row.
    ws.insert_rows(1, 2)
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "Action ID", "Raised", "Owner", "Status"
    table = ws.tables["ActionsTable"]
    last = ws.max_row + 1
    ws.cell(last, 1, "Total")
    ws.cell(last, 2, "=SUBTOTAL(103,B4:B6)")
    table.ref, table.totalsRowCount = f"A3:K{last}", 1
    wb.save(path)
    report = validate(config_for(path), TODAY).report
    assert report.findings == ()  # row 3 is the header; "Total" is not an action


def test_header_row_and_tab_settings(tmp_path):
    data = tables()
    # The headers are far down (below the rows looked at) on a tab with an unusual name.
    path = write_shaped(tmp_path / "t.xlsx", data, Shape(title=((),) * 24),
                        tab_names={"actions": "Log"})
    cfg = {"source": {"kind": "xlsx", "path": str(path),
                      "tabs": {"Actions": {"tab": "Log", "header_row": 25},
                               "Members": {"header_row": 25}, "Projects": {"header_row": 25},
                               "Meetings": {"header_row": 25},
                               **{tab: {"header_row": 25} for tab in RECORD_TABS}}}}
    assert validate(parse_config(cfg), TODAY).report.findings == ()
    without = validate(config_for(path), TODAY).report
    assert {(f.rule, f.sheet) for f in without.findings} == {
        ("schema.missing_column", "Members"), ("schema.missing_column", "Projects"),
        ("schema.missing_column", "Meetings"), ("schema.missing_tab", "Actions"),
        *(("schema.missing_column", tab) for tab in RECORD_TABS)}
    no_header = next(f for f in without.findings if f.sheet == "Members")
    assert "No header row was found on the 'Members' tab" in no_header.message
    assert "header_row in [source.tabs.Members]" in no_header.message
    assert len(without.findings) == 4 + len(RECORD_TABS)  # one per tab, not one per column


def test_a_tab_named_in_the_settings_must_exist(tmp_path):
    path = write_workbook(tmp_path / "b.xlsx", tables())
    cfg = parse_config({"source": {"path": str(path), "tabs": {"Actions": {"tab": "Action lg"}}}})
    with pytest.raises(ConfigError, match=r"source\.tabs\.Actions\.tab: b\.xlsx has no tab "
                                          r"called 'Action lg' \(tabs found: 'Members'"):
        validate(cfg, TODAY)


@pytest.mark.parametrize(("tabs", "message"), [
    ({"Memebers": {}}, r"\[source\.tabs\.Memebers\]: not a tab.*\[source\.tabs\.Members\]"),
    ({"Members": {"url": "x"}}, r"source\.tabs\.Members\.url: not a setting with kind = \"xlsx\""),
    ({"Members": {"header_row": 0}}, r"source\.tabs\.Members\.header_row: must be from 1"),
    ({"Members": {"header_rwo": 3}}, r"did you mean 'header_row'"),
    ({"Members": {"tab": " "}}, r"source\.tabs\.Members\.tab: give the tab's name"),
])
def test_tab_settings_are_checked(tmp_path, tabs, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"source": {"path": "b.xlsx", "tabs": tabs}})


# ---------------------------------------------------------------- members kept apart


def split_board(tmp_path: Path, shape: Shape) -> tuple[Path, Path, dict]:
    data = every_rule_tables()
    members = {"members": data.pop("members")}
    main = write_shaped(tmp_path / "action log.xlsx", data, shape)
    people = write_shaped(tmp_path / "people.xlsx", members, shape, tab_names={"members": "Sheet1"})
    cfg = {"source": {"kind": "xlsx", "path": str(main),
                      "tabs": {"Members": {"path": str(people)}}}, "today": TODAY.isoformat()}
    return main, people, cfg


def test_members_in_a_workbook_of_their_own(tmp_path):
    shape = Shape(title=TITLE, excel_table=True)
    plain = validate(config_for(write_workbook(tmp_path / "plain.xlsx", every_rule_tables())),
                     TODAY).report
    main, people, cfg = split_board(tmp_path, shape)
    values = {p: cell_values(p) for p in (main, people)}
    parts = {p: table_parts(p) for p in (main, people)}
    report = mark(main, cfg)
    # The same findings; the members' are on the other workbook's only tab.
    want = [f if f.tab != "Members" else replace(
                f, sheet="Sheet1", message=f.message.replace("'Members' tab", "'Sheet1' tab"))
            for f in expected(plain, shape)]
    assert list(report.findings) == want
    on_members = [f for f in want if f.tab == "Members"]
    on_main = [f for f in want if f.tab != "Members"]
    assert on_members and on_main
    # Each workbook: its own marks and a Validation tab listing only its own findings.
    assert [(s, c) for s, c, _ in validation_cells(people)] == [
        (f.sheet, f.cell or "") for f in by_severity(on_members)]
    assert [(s, c) for s, c, _ in validation_cells(main)] == [
        (f.sheet or "", f.cell or "") for f in by_severity(on_main)]
    assert marked_cells(people, "Sheet1") == planned_cells(on_members, "Sheet1")
    assert marked_cells(main, "Actions") == planned_cells(on_main, "Actions")
    # Nothing of one workbook went into the other; people's cells and tables are as they were.
    assert load_workbook(people).sheetnames == ["Sheet1", VALIDATION_TAB]
    assert load_workbook(main).sheetnames == ["Projects", "Actions", "Meetings", *RECORD_TABS,
                                              VALIDATION_TAB]
    for p in (main, people):
        assert cell_values(p) == values[p] and table_parts(p) == parts[p]
    text = " ".join(str(c.value) for row in load_workbook(main)[VALIDATION_TAB].iter_rows()
                    for c in row)
    assert "@example.org" not in text and "Sheet1" not in text


def test_a_second_run_with_members_apart_changes_neither_workbook(tmp_path):
    main, people, cfg = split_board(tmp_path, Shape())
    mark(main, cfg)
    stamps = {p: p.read_bytes() for p in (main, people)}
    mark(main, cfg)
    assert {p: p.read_bytes() for p in (main, people)} == stamps


def test_check_access_answers_for_each_workbook(tmp_path):
    from automations.app import check_access
    from automations.core.errors import SourceError

    _, people, cfg = split_board(tmp_path, Shape())
    ok, line = check_access(parse_config(cfg))
    assert ok and line == "Can read and write action log.xlsx.\nCan read and write people.xlsx."
    people.rename(tmp_path / "moved.xlsx")
    with pytest.raises(SourceError, match=r"people\.xlsx does not exist"):
        check_access(parse_config(cfg))


def test_a_tracker_saved_by_libreoffice_keeps_its_table_and_findings(tmp_path):
    from tests.office import convert

    shape = SHAPES["all of them at once"]
    plain, path = plain_and_shaped(tmp_path, every_rule_tables(), shape)
    saved = convert(path, "xlsx", tmp_path / "lo")
    from automations.backends.xlsx.source import excel_tables

    # LibreOffice wrote the Excel table back, and its header row is read from it.
    assert [t.header_row for t in excel_tables(saved)["Actions"]] == [shape.header_row]
    report = validate(config_for(saved), TODAY).report
    assert list(report.findings) == expected(plain, shape)


def test_a_report_copy_of_a_split_board_holds_the_main_workbooks_findings_only(tmp_path):
    from automations.app import write_back

    main, people, cfg_data = split_board(tmp_path, Shape())
    before = {p: p.read_bytes() for p in (main, people)}
    cfg = parse_config(cfg_data)
    result = validate(cfg, TODAY)
    copy = tmp_path / "report.xlsx"
    write_back(cfg, result, AT, report=copy)
    assert {p: p.read_bytes() for p in (main, people)} == before  # both only read
    on_main = [f for f in result.report.findings if f.tab != "Members"]
    assert [(s, c) for s, c, _ in validation_cells(copy)] == [
        (f.sheet or "", f.cell or "") for f in by_severity(on_main)]
