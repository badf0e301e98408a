"""The local .xlsx backend: reading with python-calamine (a Rust parser, about ten times faster
than openpyxl on a large tracker), openpyxl as the fallback reader. Marks are written part by
part (marks.py and package.py), never through openpyxl.

Both readers give the same values (tests/test_xlsx_read_equivalence.py): text, numbers, booleans,
dates as date or datetime, formula cells as the value the spreadsheet last calculated, blank
cells as None, blank rows skipped and every row keeping its spreadsheet row number.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree  # expat >= 2.4.1 refuses entity bombs; no external entities

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from automations.backends.xlsx.sniff import check_workbook_file, our_tabs, uncalculated_formulas
from automations.core.errors import SourceError
from automations.model.raw import (
    ExcelTable,
    RawTable,
    RawWorkbook,
    mark_uncalculated,
    table_from_grid,
)

if TYPE_CHECKING:
    from automations.backends.marks import MarkPlan, WriteResult
    from automations.core.config import Config

try:  # optional at import time so a broken wheel degrades to openpyxl instead of failing
    import python_calamine
except ImportError:  # pragma: no cover - python-calamine is a declared dependency
    python_calamine = None


def read_xlsx(path: Path) -> RawWorkbook:
    """Every tab's values. Formula cells give the value the spreadsheet last calculated."""
    check_workbook_file(path)
    ours = our_tabs(path)  # the check's own Validation tab: nothing in it to read
    raw = with_excel_tables(path, _read_values(path, ours))
    mark_uncalculated(raw, uncalculated_formulas(path, ours))
    return raw


def _read_values(path: Path, skip: dict[str, str]) -> RawWorkbook:
    if python_calamine is not None and not has_error_cells(path, set(skip.values())):
        try:
            return read_xlsx_calamine(path, skip)
        except Exception:  # anything calamine cannot parse, openpyxl reads or explains
            pass
    return read_xlsx_openpyxl(path, skip)


# ---------------------------------------------------------------- Excel tables (ListObjects)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def with_excel_tables(path: Path, raw: RawWorkbook) -> RawWorkbook:
    """Each tab's Excel tables (where their header rows are), for finding the header row."""
    try:
        found = excel_tables(path)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, ElementTree.ParseError):
        return raw  # the values were read; the tables only help to find the header row
    for title, tables in found.items():
        if title in raw.tables:
            raw.tables[title] = replace(raw.tables[title], excel_tables=tables)
    return raw


def excel_tables(path: Path) -> dict[str, tuple[ExcelTable, ...]]:
    """Tab title -> its tables, read from xl/tables/*.xml through the sheets' relationships."""
    out: dict[str, tuple[ExcelTable, ...]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        book_rels = _targets(zf, "xl/workbook.xml", names)
        for sheet in _xml(zf, "xl/workbook.xml").iter(f"{_MAIN}sheet"):
            part = book_rels.get(sheet.get(f"{_REL}id", ""), ("", ""))[1]
            tables = [
                _table(_xml(zf, target))
                for kind, target in _targets(zf, part, names).values()
                if kind.endswith("/table") and target in names
            ]
            if tables:
                out[sheet.get("name", "")] = tuple(t for t in tables if t is not None)
    return out


def _xml(zf: zipfile.ZipFile, name: str) -> ElementTree.Element:
    with zf.open(name) as stream:
        return ElementTree.parse(stream).getroot()


def _targets(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, the target's name in the zip)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if not part or rels not in names:
        return {}
    out = {}
    for rel in _xml(zf, rels).iter(f"{_PKG}Relationship"):
        target = rel.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(full))
    return out


def _table(root: ElementTree.Element) -> ExcelTable | None:
    ref = root.get("ref")
    if not ref:
        return None
    first_col, first_row, _, last_row = range_boundaries(ref)
    headers = int(root.get("headerRowCount", "1"))
    return ExcelTable(
        name=root.get("displayName") or root.get("name") or "",
        header_row=first_row if headers else None,
        first_column=first_col or 1,
        last_row=last_row or first_row or 1,
        totals_rows=int(root.get("totalsRowCount", "0")),
    )


# How a cell holding an error is marked in the sheet's XML (both quote styles are legal).
_ERROR_MARKS = (b' t="e"', b" t='e'")


def has_error_cells(path: Path, skip: Collection[str] = ()) -> bool:
    """Whether any cell holds a formula error (#N/A, #DIV/0!...). calamine reads those as
    blank, which would hide them, so such a workbook is read with openpyxl, which keeps the
    error text for the checks to report. Scanning costs a tenth of calamine's own time."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(
                _member_has_error(zf, info)
                for info in zf.infolist()
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
                and info.filename not in skip
            )
    except (zipfile.BadZipFile, OSError, KeyError):
        return True  # let openpyxl explain what is wrong with the file


def _member_has_error(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    # Plain byte search, not a regular expression: five times quicker on a large sheet. A
    # false alarm (the text in a cell) only means reading with openpyxl, which is still right.
    tail = b""
    with zf.open(info) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if any(mark in window for mark in _ERROR_MARKS):
                return True
            tail = chunk[-8:]  # a mark split across two chunks is still found
    return False


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"The workbook {path} does not exist. Check [source] path in the config.")


def read_xlsx_calamine(path: Path, skip: Collection[str] = ()) -> RawWorkbook:
    """The fast reader. Raises whatever calamine raises: read_xlsx then falls back to openpyxl,
    whose messages about damaged files are the ones people see."""
    assert python_calamine is not None
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        tables = {}
        for name in (n for n in wb.sheet_names if n not in skip):
            # skip_empty_area=False: the grid starts at A1, so list index + 1 is the row number.
            grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            tables[name] = table_from_grid(name, map(_blank_as_none, grid))
    finally:
        wb.close()
    return RawWorkbook(name=path.name, tables=tables)


def _blank_as_none(row: list[object]) -> list[object]:
    # calamine gives "" for an empty cell, openpyxl None; None is what the rest expects.
    return [None if v == "" else v for v in row] if "" in row else row


def read_xlsx_openpyxl(path: Path, skip: Collection[str] = ()) -> RawWorkbook:
    _check_exists(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        raise SourceError(f"The workbook {path} cannot be opened: permission denied.") from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(
            f"{path.name} is not a readable Excel workbook (.xlsx): {exc}. "
            "Save it from Excel or LibreOffice as .xlsx and try again."
        ) from None
    try:
        tables = {ws.title: _openpyxl_table(ws) for ws in wb.worksheets if ws.title not in skip}
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise SourceError(
            f"{path.name} could not be read: {exc}. Re-save it and try again."
        ) from None
    finally:
        wb.close()
    return RawWorkbook(name=path.name, tables=tables)


def _openpyxl_table(ws: object) -> RawTable:
    # Some programs store a wrong sheet size; trusting it would silently drop cells.
    ws.reset_dimensions()  # type: ignore[attr-defined]
    return table_from_grid(ws.title, ws.iter_rows(values_only=True))  # type: ignore[attr-defined]


class XlsxSource:
    def __init__(self, path: Path, cfg: Config | None = None) -> None:
        self.path = path
        self.cfg = cfg
        self.name = path.name

    def read(self) -> RawWorkbook:
        from automations.backends.xlsx.safety import FileStamp

        # Taken before reading: marks made from this read must not land on a newer save.
        self.read_stamp = FileStamp.of(self.path) if self.path.is_file() else None
        return read_xlsx(self.path)

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from automations.backends.xlsx.marks import write_xlsx_marks

        return write_xlsx_marks(self.path, plan, self.cfg, getattr(self, "read_stamp", None))
