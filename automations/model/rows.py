"""Rows of a tab that are not records: a second header row, a section title ("Residents"), a
note between the rows, a "Vacant" or "TBC" seat, a totals row. Trackers kept by hand have them;
checked as records they would each raise a handful of false alarms. They are left out and
listed once per tab (one information finding), never changed."""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Sequence

from automations.core.findings import Finding, Severity
from automations.model.schema import display, normalize

# What a name cell says for a seat nobody holds yet.
EMPTY_SEAT = {"vacant", "vacancy", "vacantseat", "tbc", "tba", "tbd", "totbeconfirmed", "none"}
_TOTAL = re.compile(r"^\s*(grand\s+|sub-?\s*)?totals?\b|^\s*(count|number of|sum)\b", re.I)
_NOTE = re.compile(r"^\s*(notes?\b|nb\b|n\.b\.|key\b|\*|please\b|source\b)", re.I)
# A lone cell longer than this reads as a sentence (a note), not a section title.
TITLE_LENGTH = 40

Rows = list[tuple[int, Sequence[object]]]


def _filled(values: Sequence[object]) -> list[tuple[int, object]]:
    return [
        (i, v)
        for i, v in enumerate(values)
        if v is not None and not (isinstance(v, str) and not v.strip())
    ]


def _headings(
    cells: list[tuple[int, object]], header: Sequence[object], keys: Collection[str]
) -> bool:
    """Whether the cells are a header row again: the header's own texts, or the tab's column
    names (a group row read as the header leaves the real header row below it)."""
    same = sum(
        1
        for i, v in cells
        if i < len(header)
        and header[i] is not None
        and normalize(v)
        and normalize(v) == normalize(header[i])
    )
    named = sum(1 for _, v in cells if isinstance(v, str) and normalize(v) in keys)
    texts = all(isinstance(v, str) for _, v in cells)
    return (same >= 2 and 2 * same >= len(cells)) or (
        texts and named >= 3 and 2 * named >= len(cells)
    )


def why_not_a_record(
    values: Sequence[object],
    header: Sequence[object],
    name_at: int | None,
    typical: float,
    keys: Collection[str] = (),
) -> str | None:
    """Why the row is not a record, in words, or None when it is one. ``name_at``: where the
    tab's name column is (Members), if any; ``typical``: how many cells a record usually fills;
    ``keys``: the tab's column names and aliases, normalized."""
    cells = _filled(values)
    if not cells:
        return None
    if _headings(cells, header, keys):
        return "a second header row"
    first = str(display(cells[0][1]))
    # A totals row or a note fills few cells: a full row that starts "Total …" or "Key …" is a
    # record ("Key worker rota" is an action).
    sparse = len(cells) <= max(2, typical // 2)
    if sparse and _TOTAL.match(first):
        return "a totals row"
    if name_at is not None and name_at < len(values):
        name = values[name_at]
        if isinstance(name, str) and normalize(name) in EMPTY_SEAT:
            return f"a seat marked {name.strip()!r}"
    if sparse and _NOTE.match(first) and isinstance(cells[0][1], str):
        return "a note"
    if len(cells) == 1 and isinstance(cells[0][1], str) and typical >= 3:
        # One text cell on a tab whose records fill several: a heading or a note.
        text = first.strip()
        return "a note" if len(text) > TITLE_LENGTH else f"a section title ({text!r})"
    return None


def split_rows(
    rows: Rows, header: Sequence[object], name_at: int | None, keys: Collection[str] = ()
) -> tuple[Rows, list[tuple[int, str]]]:
    """The rows that are records, and (row number, why) for those that are not."""
    # How many cells a record fills, judged on the rows with more than one (titles and notes,
    # one cell each, would pull it down on a short tab).
    counts = [n for _, v in rows if (n := len(_filled(v))) > 1]
    typical = statistics.median(counts) if counts else 0
    kept: Rows = []
    left: list[tuple[int, str]] = []
    for number, values in rows:
        why = why_not_a_record(values, header, name_at, typical, keys)
        if why is None:
            kept.append((number, values))
        else:
            left.append((number, why))
    return kept, left


def not_records_finding(sheet: str, tab: str, left: list[tuple[int, str]]) -> Finding:
    listed = "; ".join(f"row {n}: {why}" for n, why in left)
    return Finding(
        rule="schema.not_records",
        severity=Severity.INFO,
        sheet=sheet,
        tab=tab,
        message=(
            f"Not read as records on the {sheet!r} tab, so not checked: {listed}. Nothing to "
            "do, unless one of them is a real record."
        ),
    )
