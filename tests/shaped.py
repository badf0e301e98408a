"""Trackers shaped the way officers keep them (title rows, an Excel table, a blank column A, a
hints row, a merged title, frozen panes), built from the same rows as tests/builders.py, and
the arithmetic that moves a plain workbook's findings to where they are in the shaped one."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from automations.core.findings import Finding
from tests.builders import TAB_NAMES, Tables, _schema_headers


@dataclass(frozen=True)
class Shape:
    title: tuple[tuple[Any, ...], ...] = ()  # rows above the header row
    blank_columns: int = 0  # empty columns before the list (a blank column A)
    hints: dict[str, str] = field(default_factory=dict)  # header -> hint, in a row under it
    excel_table: bool = False
    merge_title: bool = False
    freeze: bool = False

    @property
    def header_row(self) -> int:
        return len(self.title) + 1

    @property
    def row_shift(self) -> int:
        """How far a data row moves down from a plain tab (header on row 1)."""
        return len(self.title) + (1 if self.hints else 0)


TITLE = (("Commissioning Co-Production Board - Action Log",),
         ("Last updated 28/02/2024 by the Board officer",))


def write_shaped(path: Path, data: Tables, shape: Shape,
                 tab_names: dict[str, str] | None = None,
                 headers: dict[str, list[str]] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    names = {**TAB_NAMES, **(tab_names or {})}
    for key, rows in data.items():
        ws = wb.create_sheet(names.get(key, key))
        header = (headers or {}).get(key) or (list(rows[0]) if rows else _schema_headers(key))
        pad = [None] * shape.blank_columns
        for line in shape.title:
            ws.append([*pad, *line])
        ws.append([*pad, *header])
        if shape.hints:
            ws.append([*pad, *(shape.hints.get(h) for h in header)])
        for row in rows:
            ws.append([*pad, *(row.get(h) for h in header)])
        first = get_column_letter(shape.blank_columns + 1)
        last = get_column_letter(shape.blank_columns + len(header))
        if shape.merge_title and shape.title:
            ws.merge_cells(f"{first}1:{last}1")
        if shape.freeze:
            ws.freeze_panes = f"{first}{shape.header_row + 1}"
        if shape.excel_table:
            end = max(ws.max_row, shape.header_row + 1)
            table = Table(displayName=f"{key.title()}Table",
                          ref=f"{first}{shape.header_row}:{last}{end}")
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            ws.add_table(table)
    wb.save(path)
    return path


_ROW = re.compile(r"\brow (\d+)\b")
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def moved(f: Finding, shape: Shape) -> Finding:
    """Where a finding of the plain workbook is in the shaped one: the same rule, value and
    words, at the shaped sheet's own row and column numbers."""
    def row(n: int) -> int:
        return shape.header_row if n == 1 else n + shape.row_shift

    column = f.column_index + shape.blank_columns if f.column_index else None
    new_row = row(f.row) if f.row else None
    cell = f"{get_column_letter(column)}{new_row}" if column and new_row else None
    message = _ROW.sub(lambda m: f"row {row(int(m[1]))}", f.message)
    return replace(f, row=new_row, column_index=column, cell=cell, message=message)


def cell_values(path: Path) -> dict[str, list[list[Any]]]:
    wb = load_workbook(path)
    return {ws.title: [[c.value for c in r] for r in ws.iter_rows()]
            for ws in wb.worksheets if ws.title != "Validation"}


def table_parts(path: Path) -> dict[str, bytes]:
    """The Excel tables' own definitions, byte for byte."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/tables/")}


def table_refs(path: Path) -> dict[str, dict[str, str]]:
    wb = load_workbook(path)
    return {ws.title: {t.displayName: t.ref for t in ws.tables.values()}
            for ws in wb.worksheets if ws.title != "Validation"}
