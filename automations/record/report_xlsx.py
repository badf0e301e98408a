"""The report as a new .xlsx for officers to edit: one tab per section, figures first (with where
each comes from), then each table under its caption and source."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from automations.charts.plot import MIN_POINTS
from automations.core.errors import SourceError
from automations.core.text import long_date
from automations.record.report import BoardReport, Cell, Grid, Part
from automations.record.report_html import grid_plot

RISKY_START = ("=", "+", "-", "@")
HEADER_FILL = PatternFill(fill_type="solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
CHART_ROWS = 17  # a chart (7.5 cm high) covers about 15 rows: the next table starts below it


def write_xlsx(report: BoardReport, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for part in report.parts:
        _tab(wb.create_sheet(part.tab), report, part)
    try:
        wb.save(path)
    except OSError as exc:
        raise SourceError(f"could not write the report {path}: {exc.strerror or exc}") from None
    return path


def _tab(ws: Worksheet, report: BoardReport, part: Part) -> None:
    row = _line(ws, 1, part.title, Font(bold=True, size=14))
    row = _line(
        ws,
        row,
        f"{report.board_name}: {long_date(report.start)} to {long_date(report.end)}",
        Font(italic=True),
    )
    row = _line(ws, row, part.intro)
    if part.figures:
        row = _header(ws, row + 1, ("Figure", "Value", "Where it comes from"))
        for f in part.figures:
            _row(ws, row, (f.label, f.value, f.source))
            row += 1
    for grid in part.grids:
        top = row + 1
        row = _line(ws, top, grid.caption, Font(bold=True, size=12))
        row = _line(ws, row, f"Source: {grid.source}", Font(italic=True))
        head = row
        row = _header(ws, row, grid.headers)
        if not grid.rows:
            row = _line(ws, row, grid.empty)
        for values in grid.rows:
            _row(ws, row, values)
            row += 1
        if grid.chart is not None:
            row = _chart(ws, part, grid, top, head, row)
    widths = {1: 34, 2: 18, 3: 40}
    for col in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 18)


def _chart(ws: Worksheet, part: Part, grid: Grid, top: int, head: int, row: int) -> int:
    """A native chart beside the table, drawn from its cells; with fewer than two points, the
    sentence the HTML page shows instead."""
    assert grid.chart is not None
    if len(grid.rows) < MIN_POINTS:
        return _line(ws, row, grid_plot(part, grid).sentence())
    from automations.charts.excel import add_chart

    add_chart(
        ws,
        grid.chart,
        head,
        head + len(grid.rows),
        f"{get_column_letter(len(grid.headers) + 2)}{top}",
    )
    return max(row, top + CHART_ROWS)


def _line(ws: Worksheet, row: int, text: str, font: Font | None = None) -> int:
    cell = ws.cell(row, 1)
    _text(cell, text)
    if font:
        cell.font = font
    return row + 1


def _header(ws: Worksheet, row: int, headers: tuple[str, ...]) -> int:
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row, col)
        _text(cell, name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    return row + 1


def _row(ws: Worksheet, row: int, values: tuple[Cell, ...]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col)
        if isinstance(value, dt.date):
            cell.value = value
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(value, str):
            _text(cell, value)
        else:
            cell.value = value
        cell.alignment = Alignment(
            vertical="top", wrap_text=isinstance(value, str) and len(value) > 40
        )


def _text(cell: Any, value: str) -> None:
    """Text that stays text: a typed value starting with = + - @ never becomes a formula."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(RISKY_START):
        cell.quotePrefix = True
