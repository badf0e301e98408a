"""The fast reader (python-calamine) and openpyxl give the same values from the same files.

Two differences are allowed and harmless, because every parser and display treat them alike:
a date-only cell may come back as a date or as a datetime at midnight, and a whole number as
2 or 2.0 (equal in Python). Everything else must match exactly: text, booleans, times, formula
results, blanks as None, blank rows skipped and spreadsheet row numbers kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from automations.backends.xlsx.source import read_xlsx, read_xlsx_calamine, read_xlsx_openpyxl
from automations.model.raw import RawWorkbook
from bench.generate import write_board
from tests.builders import tables, write_workbook
from tests.office import convert

D, DT = dt.date, dt.datetime


def _canon(value: object) -> object:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _rows(raw: RawWorkbook) -> dict[str, tuple[list[object], list[tuple[int, list[object]]]]]:
    out = {}
    for title, table in raw.tables.items():
        width = len(table.header)
        rows = [
            (number, [_canon(v) for v in [*values, *[None] * (width - len(values))]])
            for number, values in table.rows
        ]
        out[title] = ([_canon(h) for h in table.header], rows)
    return out


def _assert_same(path: Path) -> RawWorkbook:
    fast, slow = read_xlsx_calamine(path), read_xlsx_openpyxl(path)
    assert fast.name == slow.name
    assert list(fast.tables) == list(slow.tables)  # same tabs, same order
    fast_rows, slow_rows = _rows(fast), _rows(slow)
    for title in slow_rows:
        assert fast_rows[title] == slow_rows[title], title
        # Not only equal but of the same kind (a yes/no is never read as the number 1).
        for (_, a), (_, b) in zip(fast_rows[title][1], slow_rows[title][1], strict=True):
            assert [_kind(x) for x in a] == [_kind(y) for y in b], title
    return fast


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _awkward_workbook(path: Path, errors: bool) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Odd cells"
    ws.append(["Text", "Number", "Flag", "When", "At", "Time", "Formula", "Error", None, "Last"])
    ws.append(["  spaced  ", 2, True, D(2024, 2, 29), DT(2024, 3, 1, 14, 30), dt.time(9, 15),
               "=B2*3", "=1/0" if errors else "=B2>1", None, "x"])
    ws.append([None] * 10)  # a blank row in the middle: skipped, numbering kept
    ws.append(["   ", None, None, None, None, None, None, None, None, None])  # only spaces
    ws.append(["Déjà vu ✓", 2.5, False, "29/11/2023", None, None, '=A5&"!"',
               "=NA()" if errors else None, None, 0])
    ws.append(["wider", 1, None, None, None, None, None, None, None, None, "beyond the header"])
    ws.append([])
    ws.append(["after a gap", -7, None, D(1999, 12, 31)])
    other = wb.create_sheet("Second")
    other.append(["Only", "Header"])
    wb.create_sheet("Empty")
    wb.save(path)
    return path


def test_awkward_cells_read_the_same_after_libreoffice_calculates_them(tmp_path):
    source = _awkward_workbook(tmp_path / "odd.xlsx", errors=False)
    saved = convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    raw = _assert_same(saved)
    header, rows = _rows(raw)["Odd cells"]
    assert [n for n, _ in rows] == [2, 5, 6, 8]
    first = dict(zip(header, rows[0][1], strict=True))
    assert first["Text"] == "  spaced  " and first["Flag"] is True and first["Formula"] == 6
    assert first["When"] == D(2024, 2, 29) and first["At"] == DT(2024, 3, 1, 14, 30)
    assert first["Time"] == dt.time(9, 15) and first["Error"] is True
    assert _rows(raw)["Second"] == (["Only", "Header"], [])


def test_formula_errors_are_kept_as_their_text(tmp_path):
    # calamine reads an error cell as blank, so such a workbook is read with openpyxl.
    source = _awkward_workbook(tmp_path / "odd.xlsx", errors=True)
    saved = convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    header, rows = _rows(read_xlsx(saved))["Odd cells"]
    assert [r[header.index("Error")] for _, r in rows] == ["#DIV/0!", "#N/A", None, None]
    assert _rows(read_xlsx(saved)) == _rows(read_xlsx_openpyxl(saved))


def test_openpyxl_written_board_reads_the_same(tmp_path):
    _assert_same(write_workbook(tmp_path / "board.xlsx", tables()))


def test_bench_board_reads_the_same(tmp_path):
    raw = _assert_same(write_board(tmp_path / "bench.xlsx", 300))
    assert len(raw.tables["Actions"].rows) == 300


def test_read_xlsx_uses_the_fast_reader(tmp_path):
    path = write_workbook(tmp_path / "board.xlsx", tables())
    raised = read_xlsx(path).tables["Actions"].rows[0][1][1]
    # calamine gives a plain date for a date cell; openpyxl would give a datetime.
    assert type(raised) is dt.date and raised == D(2024, 2, 28)
