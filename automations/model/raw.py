"""Raw tables: what a backend reads, before any column has a meaning. Every backend builds its
tables with table_from_grid, so they agree cell for cell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class RawTable:
    """One tab as typed values: row 1 is the header, each row keeps its spreadsheet row number."""

    title: str
    header: list[object]
    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    name: str  # shown to people: a file name or a spreadsheet title
    tables: dict[str, RawTable]  # keyed by the tab's title as it is in the workbook


def is_blank_row(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def table_from_grid(title: str, grid: Iterable[Sequence[object]]) -> RawTable:
    """Row 1 is the header; data rows keep their spreadsheet numbers and are cut to the header's
    width, and rows blank within that width are skipped (a note typed beside the table is not
    a row). Every backend builds its tables here, so they agree cell for cell."""
    rows = iter(grid)
    header = list(next(rows, []))
    while header and is_blank_row(header[-1:]):  # readers differ on how far a row's end goes
        header.pop()
    width = len(header)
    data = []
    for number, values in enumerate(rows, start=2):
        cut = values[:width] if len(values) > width else values
        if _filled_first(cut) or not is_blank_row(cut):
            data.append((number, cut))
    return RawTable(title=title, header=header, rows=data)


def _filled_first(values: Sequence[object]) -> bool:
    # Most rows start with an id: a quick answer that spares the full blank-row check.
    first = values[0] if values else None
    return first is not None and (type(first) is not str or bool(first.strip()))



class Uncalculated:
    """A formula cell that holds no calculated value (a workbook written by a script and never
    opened in a spreadsheet program). Not blank: the check says what it is instead."""

    __slots__ = ()

    def __str__(self) -> str:
        return "(a formula that has not been calculated)"

    __repr__ = __str__


UNCALCULATED = Uncalculated()


def mark_uncalculated(raw: RawWorkbook, cells: dict[str, set[tuple[int, int]]]) -> None:
    """Put UNCALCULATED in each (row, column) of ``cells`` that the reader gave as blank."""
    for title, positions in cells.items():
        table = raw.tables.get(title)
        if table is None:
            continue
        by_row: dict[int, list[int]] = {}
        for row, column in positions:
            by_row.setdefault(row, []).append(column)
        rows = dict(table.rows)
        for number, columns in by_row.items():
            values = list(rows.get(number, ()))
            for column in columns:
                if column <= len(table.header):
                    values += [None] * (column - len(values))
                    if values[column - 1] is None or values[column - 1] == "":
                        values[column - 1] = UNCALCULATED
            rows[number] = values
        table.rows = sorted(rows.items())
