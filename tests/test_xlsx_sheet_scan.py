"""The scan of a large sheet's XML (backends/xlsx/source.py): a sheet of more than a megabyte is
searched a block at a time as it is unpacked, while calamine reads the values. An error cell
anywhere in it (even with its mark across two blocks) still sends the workbook to openpyxl,
and an uncalculated formula in it is still found, at its cell. And the garbage collector,
paused while a check reads and builds its board, is left as it was."""

from __future__ import annotations

import gc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from automations.backends.xlsx.source import read_xlsx, scan_sheets
from automations.model.raw import UNCALCULATED

BLOCK = 1 << 20  # the scan's block (source._BLOCK)
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = "</sheetData></worksheet>"


def _row(number: int, text: str) -> str:
    return f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def _workbook(path: Path, sheet_xml: str) -> Path:
    """A real workbook (openpyxl's parts) whose one sheet is ``sheet_xml``, deflated."""
    wb = Workbook()
    wb.active.title = "Actions"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts[SHEET] = sheet_xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _filler(rows: int) -> str:
    return "".join(_row(n, f"Action number {n:07d}") for n in range(1, rows + 1))


def _error_at(offset: int) -> str:
    """A large sheet whose error cell's mark ' t="e"' starts ``offset`` bytes into it."""
    error = '<row r="99999"><c r="A99999" t="e"><v>#N/A</v></c></row>'
    before = HEAD + _filler(10000)
    pad = offset - len(before) - error.index(' t="e"')
    assert pad > 100, "the filler must end before the offset"
    comment = f"<!--{'x' * (pad - 7)}-->"
    return before + comment + error + _filler(200) + TAIL


@pytest.mark.parametrize("shift", range(-6, 2))
def test_an_error_cell_across_two_blocks_is_found(tmp_path: Path, shift: int) -> None:
    xml = _error_at(BLOCK + shift)
    assert xml.index(' t="e"') == BLOCK + shift and len(xml) > BLOCK + 10_000
    path = _workbook(tmp_path / "errors.xlsx", xml)
    errors, uncalculated = scan_sheets(path, {})
    assert errors is True
    assert uncalculated == {}


def test_a_large_sheet_without_errors_is_read_with_calamine(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "clean.xlsx", HEAD + _filler(30000) + TAIL)
    assert zipfile.ZipFile(path).getinfo(SHEET).file_size > BLOCK
    assert scan_sheets(path, {}) == (False, {})
    raw = read_xlsx(path)
    assert raw.tables["Actions"].header == ["Action number 0000001"]
    assert len(raw.tables["Actions"].rows) == 29999


def test_an_uncalculated_formula_in_a_large_sheet_is_found_at_its_cell(tmp_path: Path) -> None:
    formula = '<row r="30001"><c r="A30001" t="inlineStr"><is><t>x</t></is></c><c r="B30001">' \
        "<f>SUM(1,2)</f></c></row>"
    path = _workbook(tmp_path / "formula.xlsx", HEAD + _filler(30000) + formula + TAIL)
    assert zipfile.ZipFile(path).getinfo(SHEET).file_size > BLOCK
    assert scan_sheets(path, {}) == (False, {"Actions": {(30001, 2)}})
    table = read_xlsx(path).tables["Actions"]
    assert table.grid[30000][1] is UNCALCULATED


def test_a_check_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    """validate pauses the collector while it reads and checks (bench/README.md, issue 27):
    on again after a check, after one that fails, and still off for a caller that had it off."""
    from automations.core.errors import SourceError
    from automations.pipeline import validate
    from tests.builders import clean_tables, config_for, write_workbook

    good = write_workbook(tmp_path / "board.xlsx", clean_tables())
    assert validate(config_for(good)).report.findings is not None
    assert gc.isenabled()
    with pytest.raises(SourceError):
        validate(config_for(tmp_path / "missing.xlsx"))
    assert gc.isenabled()
    gc.disable()
    try:
        validate(config_for(good))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_without_a_thread_the_scan_runs_first(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that may start no more threads (RuntimeError from threading, as under a
    process limit) still reads the workbook, and still finds its error cell."""
    import threading

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    clean = _workbook(tmp_path / "clean.xlsx", HEAD + _filler(30) + TAIL)
    assert len(read_xlsx(clean).tables["Actions"].rows) == 29
    broken = _workbook(tmp_path / "errors.xlsx", _error_at(BLOCK + 1))
    table = read_xlsx(broken).tables["Actions"]  # read by openpyxl, which keeps the error text
    assert table.grid[99998][0] == "#N/A"
