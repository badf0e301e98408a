"""Where a tab's header row is: officers' trackers often have a title, a "last updated" line or
an Excel table lower down, and a row of hints ("e.g. 01/02/2026") under the headers.

The rule, in order: the row set in [source.tabs.<Tab>] header_row; else the header row of an
Excel table on the tab whose headers are the tab's; else the first of the top SCAN_ROWS rows
where at least ENOUGH cells (or every column of a smaller tab) are the tab's headers or their
aliases; else the first row with any of them. A row just under it that holds only text and at
least one hint ("e.g. …", "dd/mm/yyyy", "(optional)"…) is a hints row and is not read as data.

Two header rows (group cells such as "Action" or "Progress", often merged, over the real
headers): when the row under the one found names more of the tab's columns, it is the header
row; the group row above is read into it, "Action / No." where that names a column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from automations.core.records import record
from automations.core.text import compiled_when_used
from automations.model.raw import RawTable
from automations.model.schema import TableSchema, normalize

ENOUGH = 3

_HINT = compiled_when_used(
    r"^\s*(e\.?\s?g\b|for example|example|format\b|i\.e\b|dd\s*/|d\s*/\s*m|mm\s*/|yyyy|"
    r"\(|\[|enter\b|type\b|choose\b|select\b|pick\b|one of\b|yes\s*/\s*no|leave blank|"
    r"optional\b|required\b|mandatory\b)",
    re.IGNORECASE,
)


@record(frozen=True)
class HeaderChoice:
    """The row taken as a tab's header row, and how it was found (said to people)."""

    table: RawTable  # the tab read with its header on the row found
    how: str  # for people: "row 3 (the Excel table 'Actions')", ...
    found: bool = True  # False: no row in the top SCAN_ROWS has any of the tab's headers
    hints_row: int | None = None


def header_keys(schema: TableSchema) -> dict[str, str]:
    """Normalized header or alias -> column field."""
    keys: dict[str, str] = {}
    for col in schema.columns:
        for name in (col.name, *col.aliases):
            keys.setdefault(normalize(name), col.field)
    return keys


def score(keys: dict[str, str], row: Sequence[object]) -> int:
    """How many of the tab's columns this row names."""
    return len({keys[k] for v in row if v is not None and (k := normalize(v)) in keys})


def needed(schema: TableSchema) -> int:
    return min(ENOUGH, len(schema.columns))


def locate_header(rt: RawTable, schema: TableSchema) -> HeaderChoice:
    keys = header_keys(schema)
    top = rt.top()
    skip: set[int] = set()
    row, how = _chosen_row(rt, keys, top, needed(schema), skip)
    if row is None:
        return HeaderChoice(rt, "not found", found=False)
    header = None
    if not any(t.header_row == row for t in rt.excel_tables):
        if not rt.forced_header_row and _better_below(rt, keys, row):
            row, how = row + 1, f"row {row + 1} (under a row of group headings)"
        header = _with_groups(rt, keys, row)
    hints = row + 1 if is_hints_row(rt, schema, row) else None
    if hints:
        skip.add(hints)
    table = rt.at(row, skip)
    if header is not None:
        table = replace(table, header=header)
    return HeaderChoice(table, how, hints_row=hints)


def _texts(values: Sequence[object]) -> list[str | None]:
    return [v.strip() if isinstance(v, str) and v.strip() else None for v in values]


def _filled(values: Sequence[object]) -> int:
    return sum(v is not None and not (isinstance(v, str) and not v.strip()) for v in values)


def _all_text(values: Sequence[object]) -> bool:
    return all(v is None or isinstance(v, str) for v in values)


def _better_below(rt: RawTable, keys: dict[str, str], row: int) -> bool:
    """Whether the row under ``row`` is the real header row (``row`` holding group headings)."""
    if row >= len(rt.grid):
        return False
    here, below = rt.grid[row - 1], rt.grid[row]
    return (
        _all_text(below)
        and score(keys, below) > score(keys, here)
        and _filled(below) > _filled(here)
    )


def _with_groups(rt: RawTable, keys: dict[str, str], row: int) -> list[object] | None:
    """The header row with the group row above it read in, or None when there is none. A group
    heading covers the columns to its right up to the next one (as a merged cell does)."""
    if row < 2:
        return None
    above, header = rt.grid[row - 2], list(rt.grid[row - 1])
    if not _all_text(above) or not 2 <= _filled(above) < _filled(header):
        return None  # a title (one cell) or a row of data, not group headings
    group: str | None = None
    out: list[object] = []
    for i, sub in enumerate(header):
        top = _texts(above[i : i + 1])[0] if i < len(above) else None
        group = top or group
        both = f"{group} / {str(sub).strip()}" if group and sub is not None else None
        if both and normalize(both) in keys and normalize(sub) not in keys:
            out.append(both)
        elif sub is None or (isinstance(sub, str) and not sub.strip()):
            out.append(top)  # a heading over a column with none of its own
        else:
            out.append(sub)
    return out


def _chosen_row(
    rt: RawTable,
    keys: dict[str, str],
    top: list[tuple[int, Sequence[object]]],
    enough: int,
    skip: set[int],
) -> tuple[int | None, str]:
    if rt.forced_header_row:
        return rt.forced_header_row, f"row {rt.forced_header_row} (set in the config)"
    for t in sorted(rt.excel_tables, key=lambda t: t.header_row or 0):
        if t.header_row and t.header_row <= len(rt.grid) and score(keys, rt.grid[t.header_row - 1]):
            # A totals row is a sum, not a row of the list.
            skip.update(range(t.last_row - t.totals_rows + 1, t.last_row + 1))
            return t.header_row, f"row {t.header_row} (the header of the Excel table {t.name!r})"
    scores = [(n, score(keys, values)) for n, values in top]
    for n, s in scores:
        if s >= enough:
            return n, f"row {n}"
    best = max((s for _, s in scores), default=0)
    if best:
        n = next(n for n, s in scores if s == best)
        return n, f"row {n} (the row with most of the headers)"
    return None, ""


def is_hints_row(rt: RawTable, schema: TableSchema, row: int) -> bool:
    """Whether the row under the header row ``row`` is a row of hints, not data."""
    if len(rt.grid) <= row:
        return False
    values = rt.grid[row]
    filled = [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]
    if not filled or not all(isinstance(v, str) for v in filled):
        return False
    if not any(_HINT().match(v) for v in filled):  # type: ignore[arg-type]
        return False
    id_pos = _id_position(rt.grid[row - 1], schema)
    id_cell = values[id_pos] if id_pos is not None and id_pos < len(values) else None
    # A real row has its id; a hints row has none, or a hint in its place.
    return id_cell is None or (
        isinstance(id_cell, str) and (not id_cell.strip() or bool(_HINT().match(id_cell)))
    )


def _id_position(header: Sequence[object], schema: TableSchema) -> int | None:
    col = schema.column(schema.id_field)
    names = {normalize(n) for n in (col.name, *col.aliases)}
    for i, h in enumerate(header):
        if h is not None and normalize(h) in names:
            return i
    return None
