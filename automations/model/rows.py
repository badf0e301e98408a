"""Rows of a tab that are not records: a second header row, a section title ("Residents"), a
note between the rows, a "Vacant" or "TBC" seat, a totals row. Trackers kept by hand have them;
checked as records they would each raise a handful of false alarms. They are left out and
listed once per tab (one information finding), never changed."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from functools import lru_cache

from automations.core.findings import Finding, Severity
from automations.model.schema import display, normalize

# What a name cell says for a seat nobody holds yet.
EMPTY_SEAT = {"vacant", "vacancy", "vacantseat", "tbc", "tba", "tbd", "totbeconfirmed", "none"}
_TOTAL = re.compile(r"^\s*(grand\s+|sub-?\s*)?totals?\b|^\s*(count|number of|sum)\b", re.I)
_NOTE = re.compile(r"^\s*(notes?\b|nb\b|n\.b\.|key\b|\*|please\b|source\b)", re.I)
_DIGIT = re.compile(r"\d")
# A lone cell longer than this reads as a sentence (a note), not a section title.
TITLE_LENGTH = 40

Rows = list[tuple[int, Sequence[object]]]


def _filled(values: Sequence[object]) -> list[tuple[int, object]]:
    return [
        (i, v) for i, v in enumerate(values) if v is not None and (type(v) is not str or v.strip())
    ]


def _headings(cells: list[tuple[int, object]], header: list[str], keys: Collection[str]) -> bool:
    """Whether the cells (all text) are a header row again: the header's own texts, or the
    tab's column names (a group row read as the header leaves the real header row below it).
    ``header``: the header row normalized."""
    said = [(i, _normalized(v)) for i, v in cells]  # type: ignore[arg-type]
    same = sum(1 for i, n in said if n and i < len(header) and n == header[i])
    named = sum(1 for _, n in said if n in keys)
    return (same >= 2 and 2 * same >= len(cells)) or (named >= 3 and 2 * named >= len(cells))


def why_not_a_record(
    values: Sequence[object],
    header: list[str],
    name_at: int | None,
    typical: float,
    keys: Collection[str] = (),
) -> str | None:
    """Why the row is not a record, in words, or None when it is one. ``header``: the header
    row normalized; ``name_at``: where the tab's name column is (Members), if any; ``typical``:
    how many cells a record usually fills; ``keys``: the tab's column names and aliases,
    normalized. A record with many cells filled is answered after a few cheap tests: the check
    reads 100,000-row trackers."""
    if name_at is not None and name_at < len(values):
        name = values[name_at]
        if type(name) is str and len(name) < 24 and _normalized(name) in EMPTY_SEAT:
            return f"a seat marked {name.strip()!r}"
    full = _rough_count(values) > max(2, typical // 2)
    if full and not _starts_like_a_header(values, header, keys):
        return None
    cells = _filled(values)
    if not cells:
        return None
    if len(cells) >= 2 and all(type(v) is str for _, v in cells) and _headings(cells, header, keys):
        return "a second header row"
    # A totals row or a note fills few cells: a full row that starts "Total …" or "Key …" is a
    # record ("Key worker rota" is an action).
    if len(cells) > max(2, typical // 2):
        return None
    first = str(display(cells[0][1]))
    if _TOTAL.match(first):
        return "a totals row"
    if _NOTE.match(first) and type(cells[0][1]) is str:
        return "a note"
    if len(cells) == 1 and type(cells[0][1]) is str and typical >= 3:
        # One text cell on a tab whose records fill several: a heading or a note.
        text = first.strip()
        return "a note" if len(text) > TITLE_LENGTH else f"a section title ({text!r})"
    return None


def _rough_count(values: Sequence[object]) -> int:
    """How many cells are filled, counted at C speed (a cell of spaces counts as filled)."""
    return len(values) - values.count(None) - values.count("")


def _starts_like_a_header(
    values: Sequence[object], header: list[str], keys: Collection[str]
) -> bool:
    """Whether the row's first filled cell is a header's text (a header row again)."""
    for i, v in enumerate(values):
        if v is None or v == "":
            continue
        if type(v) is not str or _DIGIT.search(v):
            return False  # a date, a number or an id ("A12", "25/14"): headings have no digits
        n = _normalized(v)
        return n in keys or (i < len(header) and n == header[i])
    return False


@lru_cache(maxsize=4096)
def _normalized(text: str) -> str:
    return normalize(text)


def _median(values: list[int]) -> float:
    """statistics.median, without importing statistics (and random, fractions) at every start."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def split_rows(
    rows: Rows, header: Sequence[object], name_at: int | None, keys: Collection[str] = ()
) -> tuple[Rows, list[tuple[int, str]]]:
    """The rows that are records, and (row number, why) for those that are not."""
    # How many cells a record fills, judged on the rows with more than one (titles and notes,
    # one cell each, would pull it down on a short tab); on a long tab, on a sample of rows.
    step = max(1, len(rows) // 1000)
    counts = [n for _, v in rows[::step] if (n := len(_filled(v))) > 1]
    typical = _median(counts) if counts else 0
    heads = [normalize(h) if h is not None else "" for h in header]
    kept: Rows = []
    left: list[tuple[int, str]] = []
    full = max(2, typical // 2)
    search = _DIGIT.search
    for number, values in rows:
        # What why_not_a_record finds first for most rows of a large tracker, without its
        # calls: more than ``full`` cells filled (counted at C speed) and a first cell filled
        # with what no heading holds (a date, a number, a text with a digit such as an id).
        first = values[0] if values else None
        if (
            name_at is None
            and first is not None
            and first != ""
            and (type(first) is not str or search(first) is not None)
            and len(values) - values.count(None) - values.count("") > full
        ):
            kept.append((number, values))
            continue
        why = why_not_a_record(values, heads, name_at, typical, keys)
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
