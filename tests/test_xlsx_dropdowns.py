"""The drop-down lists `coprod adopt` reads as evidence (backends/xlsx/dropdowns.py): a list typed
in the rule, a range on a hidden Lists tab, a defined name, and the Excel 2010 form
(<x14:dataValidations> in the sheet's extLst) that Excel writes for a list on another tab."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from automations.backends.xlsx.dropdowns import with_drop_downs
from automations.backends.xlsx.source import read_xlsx
from tests.corpus import build

X14 = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$2:$A$4</xm:f>'
    "</x14:formula1><xm:sqref>C2:C100</xm:sqref></x14:dataValidation></x14:dataValidations>"
    "</ext></extLst>"
)


def test_the_corpus_drop_downs_are_read_with_their_values(tmp_path: Path) -> None:
    path = build("meetings_lists", tmp_path)
    raw = with_drop_downs(path, read_xlsx(path))
    (status,) = raw.tables["Actions"].drop_downs
    assert status.columns == {6} and (status.first_row, status.last_row) == (2, 200)
    assert status.values == ("Not started", "Underway", "Completed", "Withdrawn", "Paused")
    assert status.source == "Lists!$B$2:$B$6"
    (agreed,) = raw.tables["Members"].drop_downs
    assert agreed.values == ("Yes", "No") and agreed.source == "typed in the rule"
    assert raw.tables["Lists"].hidden and not raw.tables["Actions"].hidden
    assert [d.columns for d in raw.tables["Meetings"].drop_downs] == [{2}, {5, 6}]


def _workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Action ID", "Status", "RAG"])
    ws.append(["A1", "Going well", "R"])
    lists = wb.create_sheet("Lists")
    for row in (["RAG", "Status"], ["R", "Going well"], ["A", "Stuck"], ["G", "Finished"]):
        lists.append(row)
    wb.defined_names["StatusWords"] = DefinedName("StatusWords", attr_text="Lists!$B$2:$B$4")
    dv = DataValidation(type="list", formula1="StatusWords")
    dv.add("B2:B100")
    ws.add_data_validation(dv)
    wb.save(path)
    return path


def test_a_defined_name_and_the_excel_2010_form_are_resolved(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx")
    path = tmp_path / "x14.xlsx"
    # The RAG list in the form Excel writes for a list kept on another tab.
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"</worksheet>\s*$", X14.encode() + b"</worksheet>", data)
            out.writestr(item, data)
    raw = with_drop_downs(path, read_xlsx(path))
    by_column = {min(d.columns): d for d in raw.tables["Actions"].drop_downs}
    assert by_column[2].values == ("Going well", "Stuck", "Finished")
    assert by_column[2].source == "Lists!$B$2:$B$4"
    assert by_column[3].values == ("R", "A", "G") and by_column[3].first_row == 2


def test_a_damaged_workbook_leaves_the_values_as_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx")
    raw = read_xlsx(path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert with_drop_downs(broken, raw) is raw
    assert all(not t.drop_downs for t in raw.tables.values())
