"""Reading real workbooks: every date form, formulas, LibreOffice files, and bad input."""

import datetime as dt
import re
import zipfile

from openpyxl import load_workbook

from automations.backends.xlsx.source import read_xlsx
from automations.core.errors import SourceError
from automations.pipeline import validate
from tests.builders import (
    TAB_NAMES,
    TODAY,
    check,
    config_for,
    edit,
    fired,
    tables,
    where,
    write_workbook,
)
from tests.office import convert


def test_every_date_form_reads_the_same(tmp_path):
    data = tables()
    forms = [dt.datetime(2023, 11, 1, 0, 0), "2023-11-01", "01/11/2023", "1 Nov 2023",
             "1 November 2023", 45231, " 01/11/2023 "]
    for i, form in enumerate(forms):
        data["members"][i]["Joined"] = form
    v = validate(config_for(write_workbook(tmp_path / "b.xlsx", data)))
    assert v.report.findings == ()
    assert {m.joined for m in v.board.members.records} == {dt.date(2023, 11, 1)}


def test_yes_no_forms(tmp_path):
    data = tables()
    for i, form in enumerate(["Yes", "y", "TRUE", True, 1, " yes "]):
        data["members"][i]["Agreed ToR"] = form
    for i, form in enumerate(["No", "n", "False", False, 0]):
        data["members"][6 + i]["Easy read"] = form
    v = validate(config_for(write_workbook(tmp_path / "b.xlsx", data)))
    assert v.report.findings == ()
    assert [m.agreed_tor for m in v.board.members.records[:6]] == [True] * 6
    assert [m.easy_read for m in v.board.members.records[6:11]] == [False] * 5


def test_trailing_spaces_in_headers_and_values(tmp_path):
    data = tables()
    for row in data["actions"]:
        row[" Status  "] = f"{row.pop('Status')}  "
    assert check(tmp_path, data).findings == ()


def test_formula_cells_use_the_value_libreoffice_calculated(tmp_path):
    data = tables()
    data["actions"][0]["Due"] = "=B2-20"  # raised 28 Feb 2024 -> due 8 Feb: overdue
    data["meetings"][1]["Actions followed up"] = '=IF(1=1,"Yes","No")'
    original = write_workbook(tmp_path / "board.xlsx", data)
    resaved = convert(original, "xlsx", tmp_path / "lo")
    report = validate(config_for(resaved)).report
    assert where(report, "tor.actions.overdue") == [("warning", "Actions", "F2")]
    assert "8 February 2024" in fired(report, "tor.actions.overdue")[0].message
    assert [f.rule for f in report.findings] == ["tor.actions.overdue"]


def test_libreoffice_resaved_clean_board_stays_clean(tmp_path):
    original = write_workbook(tmp_path / "board.xlsx", tables())
    resaved = convert(original, "xlsx", tmp_path / "lo")
    assert validate(config_for(resaved)).report.findings == ()


def test_blank_rows_are_skipped_and_row_numbers_kept(tmp_path):
    data = tables()
    blanks = [{h: None for h in data["actions"][0]} for _ in range(500)]
    data["actions"] = [data["actions"][0], *blanks, *data["actions"][1:]]
    edit(data, "actions", 501, Completed_on=None)  # A2, now on row 503
    report = check(tmp_path, data)
    assert where(report, "tor.actions.completed_on") == [("warning", "Actions", "H503")]


def test_merged_cells_read_without_error(tmp_path):
    path = write_workbook(tmp_path / "b.xlsx", tables())
    wb = load_workbook(path)
    wb["Actions"].merge_cells("J2:J3")  # Update column of two rows
    wb["Members"].merge_cells("D3:E3")  # Role and Category of M02
    wb.save(path)
    report = validate(config_for(path)).report
    assert where(report, "schema.required") == [("error", "Members", "E3")]


def test_header_row_only(tmp_path):
    data = {tab: [] for tab in TAB_NAMES}  # every tab, the co-production record's too
    report = check(tmp_path, data)
    assert {f.rule for f in report.findings} == {"tor.cochairs.count",
                                                 "tor.meetings.next_scheduled"}


def test_empty_workbook_reports_every_missing_tab(tmp_path):
    path = write_workbook(tmp_path / "empty.xlsx", {"Sheet1": []})
    report = validate(config_for(path)).report
    assert [f.sheet for f in report.findings] == list(TAB_NAMES.values())
    assert {f.rule for f in report.findings} == {"schema.missing_tab"}
    assert "'Sheet1'" in report.findings[0].message


def _source_error(path) -> str:
    try:
        read_xlsx(path)
    except SourceError as exc:
        return str(exc)
    raise AssertionError("expected a SourceError")


def test_file_that_is_not_xlsx(tmp_path):
    path = tmp_path / "board.xlsx"
    path.write_text("Member ID,Name\nM01,Ada\n")
    assert "looks like a CSV or text file saved with an .xlsx name" in _source_error(path)


def test_damaged_xlsx(tmp_path):
    path = write_workbook(tmp_path / "board.xlsx", tables())
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w") as z:
        for name, body in parts.items():
            z.writestr(name, body[: len(body) // 2] if "sheet1" in name else body)
    message = _source_error(path)
    assert message.startswith("board.xlsx could not be read") and "Re-save it" in message


def test_unreadable_path_and_missing_file(tmp_path):
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert "folder.xlsx" in _source_error(folder)
    assert "does not exist" in _source_error(tmp_path / "nope.xlsx")


def test_reader_keeps_user_values_untouched(tmp_path):
    path = write_workbook(tmp_path / "b.xlsx", tables())
    before = path.read_bytes()
    validate(config_for(path), TODAY)
    assert path.read_bytes() == before


def test_wrong_sheet_size_in_the_file_loses_nothing(tmp_path):
    data = edit(tables(), "actions", 1, Completed_on=None)
    path = write_workbook(tmp_path / "board.xlsx", data)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(path, "w") as z:
        for name, body in parts.items():
            z.writestr(name, re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B2"', body))
    report = validate(config_for(path)).report
    assert where(report, "tor.actions.completed_on") == [("warning", "Actions", "H3")]


def test_a_note_typed_beside_the_table_is_not_a_row(tmp_path):
    data = tables()
    path = write_workbook(tmp_path / "board.xlsx", data)
    wb = load_workbook(path)
    wb["Actions"]["AD10"] = "note to self"  # far right of the table, on an empty row
    wb["Actions"]["AD2"] = "see minutes"  # beside a real row
    wb.save(path)
    assert validate(config_for(path)).report.findings == ()
