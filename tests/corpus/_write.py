"""Small helpers the corpus builders share: rows written from a given row, fills, merges."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

RED, AMBER, GREEN, BLUE = "FFC7CE", "FFEB9C", "C6EFCE", "BDD7EE"
FILLS = {"R": RED, "A": AMBER, "G": GREEN, "C": BLUE}


def rows(ws: Worksheet, first: int, lines: Sequence[Sequence[object]]) -> None:
    """Write ``lines`` from row ``first`` down, column A onwards (None leaves a cell empty)."""
    for n, line in enumerate(lines, start=first):
        for c, value in enumerate(line, start=1):
            if value is not None:
                ws.cell(n, c, value)


def bold(ws: Worksheet, row: int) -> None:
    for cell in ws[row]:
        cell.font = Font(bold=True)


def fill(ws: Worksheet, ref: str, colour: str) -> None:
    ws[ref].fill = PatternFill("solid", start_color=colour, end_color=colour)


def title(ws: Worksheet, text: str, width: int, row: int = 1) -> None:
    """A title merged across the table, as officers put above a tracker."""
    ws.cell(row, 1, text).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
