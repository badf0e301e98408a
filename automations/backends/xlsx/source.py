"""The local .xlsx backend: reading with python-calamine (a Rust parser, about ten times faster
than openpyxl on a large tracker), openpyxl as the fallback reader. Marks are written part by
part (marks.py and package.py), never through openpyxl.

Both readers give the same values (tests/test_xlsx_read_equivalence.py): text, numbers, booleans,
dates as date or datetime, formula cells as the value the spreadsheet last calculated, blank
cells as None, blank rows skipped and every row keeping its spreadsheet row number.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from automations.backends.xlsx.sniff import (
    FORMULA,
    XmlError,
    ZipLimits,
    check_workbook_file,
    our_tabs,
    sheet_parts,
    uncalculated_cells,
    uncalculated_formulas,
    xml_elements,
)
from automations.core.errors import SourceError
from automations.core.text import compiled_when_used
from automations.model.raw import (
    ExcelTable,
    RawTable,
    RawWorkbook,
    mark_uncalculated,
    table_from_grid,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from automations.backends.marks import MarkPlan, WriteResult
    from automations.core.config import Config

    T = TypeVar("T")

try:  # optional at import time so a broken wheel degrades to openpyxl instead of failing
    import python_calamine
except ImportError:  # pragma: no cover - python-calamine is a declared dependency
    python_calamine = None


def read_xlsx(path: Path, limits: ZipLimits | None = None) -> RawWorkbook:
    """Every tab's values. Formula cells give the value the spreadsheet last calculated."""
    check_workbook_file(path, limits)
    ours = our_tabs(path)  # the check's own Validation tab: nothing in it to read
    # The scan unpacks the sheets' XML while calamine parses them, which it does without
    # holding the interpreter's lock: on a 100,000-action tracker the scan took a sixth of the
    # check, and alongside it takes next to none of it (with a second core free).
    scanned = _in_background(scan_sheets, path, ours)
    values = _values_of(path, ours)
    errors, uncalculated = scanned()
    if values is None or errors:
        values = read_xlsx_openpyxl(path, ours)
    raw = with_excel_tables(path, values)
    if uncalculated is None:  # the scan could not read the file: the readers have explained
        uncalculated = uncalculated_formulas(path, ours)
    mark_uncalculated(raw, uncalculated)
    return raw


def _in_background(task: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``task(*args)`` on a thread; the function returned waits for its result (or
    raises what it raised)."""
    import threading  # already loaded (logging uses it): costs nothing at start-up

    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, task(*args)))
        except BaseException as exc:  # handed to the caller, which sees it as its own
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="coprod-sheet-scan", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # no thread to be had (a process limit): the task runs here, first
        run()

    def result() -> T:
        if thread.ident is not None:
            thread.join()
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    return result


def scan_sheets(path: Path, ours: dict[str, str]
                ) -> tuple[bool, dict[str, set[tuple[int, int]]] | None]:
    """(whether any cell holds a formula error, the cells holding an uncalculated formula), from
    one unpacking of each sheet: the two were two unpackings of a large tracker's sheets. On a
    file the scan cannot read: (True, None), and the readers say what is wrong with it."""
    skip = set(ours.values())
    try:
        with zipfile.ZipFile(path) as zf:
            parts = {part: title for title, part in sheet_parts(zf).items() if title not in ours}
            errors, found = False, {}
            for info in zf.infolist():
                name = info.filename
                scanned = name.startswith("xl/worksheets/") and name.endswith(".xml")
                scanned = scanned and name not in skip
                if scanned or name in parts:
                    error, cells = _scan_part(zf, info, name in parts)
                    errors = errors or (scanned and error)
                    if cells:
                        found[parts[name]] = cells
            missing = [part for part in parts if part not in zf.NameToInfo]
    except (zipfile.BadZipFile, OSError, KeyError, XmlError):
        return True, None
    return errors, (None if missing else found)


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, tab: bool
               ) -> tuple[bool, set[tuple[int, int]]]:
    """(whether the part holds an error cell, the cells of a tab's uncalculated formulas). A
    large part is searched block by block as it is unpacked (with ISA-L: deflate.py), and
    unpacked whole only when it holds a formula: a 100,000-action sheet is 55 MB, held beside
    what calamine reads at the same time."""
    if info.file_size < _BLOCK:
        data = zf.read(info)
    else:
        error, formula = _search_unpacked(zf, info)
        if not (formula and tab):
            return error, set()
        from automations.backends.xlsx.deflate import unpacked

        data = b"".join(unpacked(zf, info, info.file_size))
    error = _ERROR.search(data) is not None
    return error, (set(uncalculated_cells(data)) if tab else set())


def _search_unpacked(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bool, bool]:
    """(an error cell, a formula) in a part, a block at a time; its size and checksum are
    checked at the end as zipfile checks them."""
    from automations.backends.xlsx.deflate import unpacked  # ISA-L: loaded for a large part

    error = formula = False
    tail = b""
    for block in unpacked(zf, info, _BLOCK):
        window = tail + block  # a mark may straddle two blocks
        error = error or _ERROR.search(window) is not None
        formula = formula or FORMULA.search(window) is not None
        tail = window[-_OVERLAP:]
    return error, formula


_BLOCK = 1 << 20


def _values_of(path: Path, skip: dict[str, str]) -> RawWorkbook | None:
    """calamine's reading; None when calamine is missing or cannot parse the file (openpyxl then
    reads it or explains what is wrong with it)."""
    if python_calamine is None:
        return None
    try:
        return read_xlsx_calamine(path, skip)
    except Exception:  # anything calamine cannot parse, openpyxl reads or explains
        return None


# ---------------------------------------------------------------- Excel tables (ListObjects)
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def with_excel_tables(path: Path, raw: RawWorkbook) -> RawWorkbook:
    """Each tab's Excel tables (where their header rows are), for finding the header row."""
    try:
        found = excel_tables(path)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, XmlError):
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
        for sheet in xml_elements(zf.read("xl/workbook.xml"), f"{_MAIN}sheet"):
            part = book_rels.get(sheet.get(f"{_REL}id", ""), ("", ""))[1]
            tables = [
                _table(xml_elements(zf.read(target), "", first=True)[0])
                for kind, target in _targets(zf, part, names).values()
                if kind.endswith("/table") and target in names
            ]
            if tables:
                out[sheet.get("name", "")] = tuple(t for t in tables if t is not None)
    return out


def _targets(zf: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, the target's name in the zip)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if not part or rels not in names:
        return {}
    out = {}
    for rel in xml_elements(zf.read(rels), f"{_PKG}Relationship"):
        target = rel.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(full))
    return out


def _table(root: dict[str, str]) -> ExcelTable | None:
    ref = root.get("ref")
    if not ref:
        return None
    first_col, first_row, last_row = _boundaries(ref)
    headers = int(root.get("headerRowCount", "1"))
    return ExcelTable(
        name=root.get("displayName") or root.get("name") or "",
        header_row=first_row if headers else None,
        first_column=first_col or 1,
        last_row=last_row or first_row or 1,
        totals_rows=int(root.get("totalsRowCount", "0")),
    )


_CELL = compiled_when_used(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def _boundaries(ref: str) -> tuple[int, int, int]:
    """(first column, first row, last row) of a table's "A3:F20"; ValueError for anything else
    (openpyxl's range_boundaries did this, but importing openpyxl costs a read a tenth of a
    second)."""
    first, _, last = ref.partition(":")
    a, b = _CELL().fullmatch(first), _CELL().fullmatch(last or first)
    if a is None or b is None:
        raise ValueError(f"{ref!r} is not a range of cells")
    col = 0
    for ch in a[1].upper():
        col = col * 26 + ord(ch) - 64
    return col, int(a[2]), int(b[2])


# How a cell holding an error is marked in the sheet's XML (both quote styles are legal). A
# cell holding a formula error (#N/A, #DIV/0!...) makes scan_sheets say so: calamine reads
# those as blank, which would hide them, so such a workbook is read with openpyxl, which keeps
# the error text for the checks to report. One search for both quote styles (its literal start
# " t=" is looked for as quickly as a plain byte search, and there is one pass, not two); a
# false alarm (the text in a cell) only means reading with openpyxl, which is still right.
_ERROR = re.compile(rb""" t=(?:"e"|'e')""")
_OVERLAP = 8  # longer than the marks searched for: a block keeps this much of the one before


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
            tables[name] = table_from_grid(name, _blanks_as_none(grid))
    finally:
        wb.close()
    return RawWorkbook(name=path.name, tables=tables)


def _blanks_as_none(grid: list[list[object]]) -> list[list[object]]:
    """calamine gives "" for an empty cell, openpyxl None; None is what the rest expects. Found
    with list.index and replaced in place (the rows are calamine's own new lists): a third of
    the time of building a new row for each of a large tracker's rows."""
    for row in grid:
        if "" in row:
            at = row.index("")
            with suppress(ValueError):  # no "" left
                while True:
                    row[at] = None
                    at = row.index("", at + 1)
    return grid


def read_xlsx_openpyxl(path: Path, skip: Collection[str] = ()) -> RawWorkbook:
    # Imported here: most workbooks are read by calamine, and openpyxl takes a tenth of a second.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

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
        return read_xlsx(self.path, ZipLimits.from_config(self.cfg))

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from automations.backends.xlsx.marks import write_xlsx_marks

        return write_xlsx_marks(self.path, plan, self.cfg, getattr(self, "read_stamp", None))
