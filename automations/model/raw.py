"""Raw tables: what a backend reads, before any column has a meaning. Every backend builds its
tables with table_from_grid, so they agree cell for cell."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import field, replace
from itertools import islice

from automations.core.findings import UPDATES_TAB, UPDATES_TITLE, VALIDATION_TAB
from automations.core.records import record

# The header row is looked for in this many rows at the top of a tab (model/header.py).
SCAN_ROWS = 20


@record(frozen=True)
class ExcelTable:
    """An Excel table (ListObject) on a tab: where its header row is, and its totals rows."""

    name: str
    header_row: int | None  # None: the table was made without a header row
    first_column: int  # 1-based
    last_row: int
    totals_rows: int = 0


@record(frozen=True)
class DropDown:
    """A drop-down list (list data validation) on a tab: the cells it covers and what it offers.
    ``values`` is empty when the list could not be worked out (a formula such as INDIRECT)."""

    columns: frozenset[int]  # 1-based column numbers it covers
    first_row: int
    last_row: int
    values: tuple[str, ...]
    source: str  # for people: "Lists!$B$2:$B$6", or "typed in the rule"


@record
class RawTable:
    """One tab as typed values. ``header`` is the row at ``header_row`` (1 until the board has
    found the real one: see at()); each data row keeps its spreadsheet row number."""

    title: str
    header: list[object]
    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)
    header_row: int = 1
    # The grid as read (row n is grid[n - 1]), kept so the header can be moved down.
    grid: list[Sequence[object]] = field(default_factory=list, repr=False)
    excel_tables: tuple[ExcelTable, ...] = ()
    forced_header_row: int | None = None  # [source.tabs.<Tab>] header_row
    workbook: str = ""  # which workbook the tab is in, when the board spans several ("": main)
    # A web address that opens one of the tab's rows, "{row}" standing for its number (the
    # Google backend builds it from the spreadsheet's and the tab's ids); "": no address.
    row_address: str = ""
    # Read only by `coprod adopt` (backends/xlsx/dropdowns.py): a tab's drop-down lists, and
    # whether the tab is hidden (a "Lists" tab that feeds them).
    drop_downs: tuple[DropDown, ...] = ()
    hidden: bool = False

    def top(self) -> list[tuple[int, Sequence[object]]]:
        """The first SCAN_ROWS rows with their numbers (where the header row can be)."""
        return list(enumerate(self.grid[:SCAN_ROWS], start=1))

    def at(self, header_row: int, skip: Iterable[int] = ()) -> RawTable:
        """The same tab read with its header on ``header_row``; rows above it are ignored and
        the rows numbered in ``skip`` (a hints row, an Excel table's totals row) left out."""
        if header_row == self.header_row and not skip:
            return self
        header, rows = _cut(self.grid, header_row, set(skip))
        return replace(self, header=header, rows=rows, header_row=header_row)


@record
class RawWorkbook:
    """Every tab of a workbook as read, before any column is given a meaning."""

    name: str  # shown to people: a file name or a spreadsheet title
    tables: dict[str, RawTable]  # keyed by the tab's title as it is in the workbook
    # Set from [source.tabs.<Tab>], by canonical tab (Members, ...): the key in ``tables`` of
    # the tab chosen by name, the workbook a tab lives in (RawTable.workbook), its header row.
    chosen: dict[str, str] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    # [source.tabs.<Tab>] tabs: same-shaped tabs (keys in ``tables``) read as one list.
    together: dict[str, list[str]] = field(default_factory=dict)


def is_blank_row(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def table_from_grid(
    title: str, grid: Iterable[Sequence[object]], row_address: str = ""
) -> RawTable:
    """Read with row 1 as the header (the board moves it when the real one is lower down:
    RawTable.at). Data rows keep their spreadsheet numbers and are cut to the header's width,
    and rows blank within that width are skipped (a note typed beside the table is not a row).
    Every backend builds its tables here, so they agree cell for cell."""
    lines = grid if isinstance(grid, list) else list(grid)
    header, rows = _cut(lines, 1, set())
    return RawTable(title=title, header=header, rows=rows, grid=lines, row_address=row_address)


def _cut(
    grid: list[Sequence[object]], header_row: int, skip: set[int]
) -> tuple[list[object], list[tuple[int, Sequence[object]]]]:
    header = list(grid[header_row - 1]) if len(grid) >= header_row else []
    while header and is_blank_row(header[-1:]):  # readers differ on how far a row's end goes
        header.pop()
    width = len(header)
    data = []
    for number, values in enumerate(islice(grid, header_row, None), start=header_row + 1):
        cut = values[:width] if len(values) > width else values
        # Most rows start with an id: a quick answer that spares the full blank-row check.
        first = cut[0] if cut else None
        filled = first is not None and (type(first) is not str or bool(first.strip()))
        if filled or not is_blank_row(cut):
            data.append((number, cut))
    if skip:
        data = [(n, v) for n, v in data if n not in skip]
    return header, data



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
        grid = table.grid
        for row, column in positions:
            if row > len(grid):
                continue
            values = list(grid[row - 1])
            values += [None] * (column - len(values))
            if values[column - 1] is None or values[column - 1] == "":
                values[column - 1] = UNCALCULATED
                grid[row - 1] = values
        table.header, table.rows = _cut(grid, table.header_row, set())


def column_letter(number: int) -> str:
    """A column's letters from its 1-based number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def the_checks_own(table: RawTable) -> bool:
    """The check's own Validation tab, or the Updates tab the answers add beside the Actions
    tab (its title row says so): neither is a tab of the board, so neither is offered as one
    ("Tabs found: …"), and a workbook of its own holding the Actions still has its one tab once
    the check has written there."""
    if table.title == VALIDATION_TAB:
        return True
    first = table.grid[0][0] if table.grid and table.grid[0] else None
    return table.title == UPDATES_TAB and first == UPDATES_TITLE


def tab_title(key: str) -> str:
    """A tab's own title from its key among a board's tables: "workbook 2: Log" -> "Log" (the
    tabs of the other workbooks are keyed by their workbook, in backends/workbooks.py)."""
    return re.sub(r"^workbook \d+: ", "", key)
