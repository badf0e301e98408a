"""The local .xlsx backend: reading with openpyxl (values as last calculated)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from . import RawTable, RawWorkbook, SourceError, is_blank_row

if TYPE_CHECKING:
    from ..config import Config
    from ..marks import MarkPlan, WriteResult


def read_xlsx(path: Path) -> RawWorkbook:
    """Every tab's values. Formula cells give the value the spreadsheet last calculated."""
    if not path.exists():
        raise SourceError(f"The workbook {path} does not exist. Check [source] path in the config.")
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
        tables = {ws.title: _table(ws) for ws in wb.worksheets}
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise SourceError(
            f"{path.name} could not be read: {exc}. Re-save it and try again."
        ) from None
    finally:
        wb.close()
    return RawWorkbook(name=path.name, tables=tables)


def _table(ws: object) -> RawTable:
    # Some programs store a wrong sheet size; trusting it would silently drop cells.
    ws.reset_dimensions()  # type: ignore[attr-defined]
    rows = ws.iter_rows(values_only=True)  # type: ignore[attr-defined]
    header: list[object] = []
    for header_row in rows:
        header = list(header_row)
        break
    width = len(header)
    data = []
    for number, values in enumerate(rows, start=2):
        if not is_blank_row(values):
            data.append((number, values[:width] if len(values) > width else values))
    return RawTable(title=ws.title, header=header, rows=data)  # type: ignore[attr-defined]


class XlsxSource:
    def __init__(self, path: Path, cfg: Config | None = None) -> None:
        self.path = path
        self.cfg = cfg
        self.name = path.name

    def read(self) -> RawWorkbook:
        return read_xlsx(self.path)

    def write_marks(self, plan: MarkPlan) -> WriteResult:
        from ..xlsx_marks import write_xlsx_marks

        return write_xlsx_marks(self.path, plan, self.cfg)
