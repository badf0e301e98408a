"""Findings -> a backend-neutral plan of cell marks and Validation-tab rows.

Backends (xlsx, Google Sheets) turn a MarkPlan into their own writes. Our notes sit inside a
marked block so that a person's own note on the same cell is kept beside ours and survives when
ours is removed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from automations.core.errors import SourceError
from automations.core.findings import VALIDATION_TAB, Finding, Report, Severity
from automations.core.findings import counts as severity_counts
from automations.core.text import plural, shown_time

NOTE_BEGIN = "[Co-Production Board check]"
NOTE_END = "[end of check]"

# Fills with near-black text (contrast at least 7:1). The three stay far apart (CIELAB distance
# over 30) under simulated red-, green- and blue-blindness as well as normal vision (Machado et al.
# 2009; tests/colour_vision.py checks it), so salmon, yellow and blue never read as each other.
FILL = {Severity.ERROR: "FF8C8C", Severity.WARNING: "FFF940", Severity.INFO: "66B0FF"}
TEXT = "1F1F1F"


@dataclass(frozen=True)
class Cue:
    """What marks a cell besides its fill, so severity never rests on colour alone."""

    colour: str  # border colour, at least 3:1 against white (a non-text contrast)
    xlsx_border: str  # openpyxl Side(style=...)
    google_border: str  # Sheets API Border.style (cell borders; Sheets rules cannot draw borders)
    bold: bool  # also bold text: the one cue a Sheets conditional-format rule can carry


# A line pattern per severity: solid (and bold text) for errors, dashes, dots. Thin lines only:
# Excel draws a conditional format's border in the thin styles alone (its Format Cells dialog
# for a rule offers no thick or medium line), so a heavier weight would not show there.
BORDER = {
    Severity.ERROR: Cue("9C0006", "thin", "SOLID_MEDIUM", bold=True),
    Severity.WARNING: Cue("7F6000", "dashed", "DASHED", bold=False),
    Severity.INFO: Cue("1F4E79", "dotted", "DOTTED", bold=False),
}
# Fills are drawn by conditional-format rules that the service owns, never by changing a cell's
# own fill. Each rule's formula is always true and carries this tag, so any backend can tell our
# rules from a person's and remove only ours.
RULE_TAG = "coprod:{severity}"
AUTHOR = "Co-Production Board check"


def rule_formula(severity: Severity) -> str:
    """An always-true formula that names the service and the severity: "x"="x"."""
    tag = RULE_TAG.format(severity=severity.value)
    return f'"{tag}"="{tag}"'


def rule_severity(formula: str) -> Severity | None:
    """The severity of one of our conditional-format rules, or None for a person's rule."""
    for severity in Severity:
        if formula.lstrip("=").strip() == rule_formula(severity):
            return severity
    return None


@dataclass(frozen=True)
class CellMark:
    sheet: str
    row: int
    column: int  # 1-based
    cell: str  # A1 reference
    severity: Severity
    messages: tuple[str, ...]

    @cached_property  # asked for several times per mark by the writers
    def note(self) -> str:
        return our_block("\n".join(f"• {m}" for m in self.messages))


@dataclass(frozen=True)
class MarkPlan:
    source: str
    checked_at: dt.datetime
    cells: tuple[CellMark, ...]
    findings: tuple[Finding, ...]  # every finding, errors first, for the Validation tab
    counts: dict[str, int] = field(default_factory=dict)
    about: Mapping[str, str] = field(default_factory=dict)  # rule id -> its plain-words summary


@dataclass
class WriteResult:
    changed: bool
    cells_marked: int = 0
    cells_cleared: int = 0
    backup: Path | None = None
    report: Path | None = None
    message: str = ""


def plan_marks(
    report: Report, checked_at: dt.datetime, about: Mapping[str, str] | None = None
) -> MarkPlan:
    """``about``: each rule's one-line summary (the rule catalogue, passed down by the caller
    because backends do not import rules), shown in place of the rule id."""
    return _plan(report.source, checked_at, report.findings, dict(about or {}))


def plan_for(plan: MarkPlan, source: str, keep: Callable[[Finding], bool]) -> MarkPlan:
    """The part of a plan for one workbook of a board kept in several: only the findings
    ``keep`` accepts, their marks and their counts (each workbook's Validation tab lists its
    own findings only)."""
    kept = tuple(f for f in plan.findings if keep(f))
    return _plan(source, plan.checked_at, kept, plan.about)


def _plan(
    source: str, checked_at: dt.datetime, findings: tuple[Finding, ...], about: dict[str, str]
) -> MarkPlan:
    by_cell: dict[tuple[str, int, int, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.row and f.column_index and f.cell:
            by_cell[(f.sheet, f.row, f.column_index, f.cell)].append(f)
    cells = tuple(
        CellMark(sheet, row, col, ref, _worst(fs), tuple(dict.fromkeys(f.message for f in fs)))
        for (sheet, row, col, ref), fs in sorted(by_cell.items())
    )
    # Errors first, then warnings, then information; within each, the report's tab-and-row order.
    ordered = tuple(sorted(findings, key=lambda f: f.severity.rank))
    return MarkPlan(source, checked_at, cells, ordered, severity_counts(findings), about)


def _worst(findings: list[Finding]) -> Severity:
    if len(findings) == 1:  # most cells: one finding each
        return findings[0].severity
    return min((f.severity for f in findings), key=lambda s: s.rank)


def person_note(note: str | None) -> str | None:
    """The part of a cell note that a person wrote (our block removed)."""
    if not note:
        return None
    start = note.find(NOTE_BEGIN)
    if start < 0:
        return note
    end = note.find(NOTE_END, start)
    end = len(note) if end < 0 else end + len(NOTE_END)
    rest = (note[:start].rstrip() + "\n\n" + note[end:].lstrip()).strip()
    return rest or None


# Excel holds at most 32,767 characters in a cell (and a note); more, and it reports the whole
# file as damaged. Counted as Excel counts them: UTF-16 code units.
MAX_CELL_TEXT = 32_767
ELLIPSIS = "…"


def excel_length(text: str) -> int:
    if len(text) * 2 <= MAX_CELL_TEXT or text.isascii():
        return len(text)  # quick: no character outside the Basic Multilingual Plane matters
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut_text(text: str, limit: int = MAX_CELL_TEXT) -> str:
    """``text`` whole when it fits in ``limit`` characters, else cut with "…" at the end."""
    if excel_length(text) <= limit:
        return text
    # Cut in UTF-16 units; a character split in two there is left out whole.
    cut = text.encode("utf-16-le", "surrogatepass")[: 2 * (limit - 1)].decode("utf-16-le", "ignore")
    return cut + ELLIPSIS


def our_block(body: str, limit: int = MAX_CELL_TEXT) -> str:
    """Our marked block of a note around ``body``, cut to fit ``limit`` with the end marker
    kept (so the next check still finds where our block ends)."""
    room = limit - len(NOTE_BEGIN) - len(NOTE_END) - 2
    return f"{NOTE_BEGIN}\n{cut_text(body, room)}\n{NOTE_END}"


def merge_note(existing: str | None, ours: str | None) -> str | None:
    """The person's note, then ours; None when nothing is left. Ours is cut, never the
    person's, when both would not fit in a cell's 32,767 characters."""
    mine = person_note(existing)
    if mine and ours and excel_length(mine) + 2 + excel_length(ours) > MAX_CELL_TEXT:
        room = MAX_CELL_TEXT - excel_length(mine) - 2
        inside = ours[len(NOTE_BEGIN) + 1 : -(len(NOTE_END) + 1)]
        ours = our_block(inside, room) if room > len(NOTE_BEGIN) + len(NOTE_END) + 3 else None
    parts = [p for p in (mine, ours) if p]
    return "\n\n".join(parts) if parts else None


# ---------------------------------------------------------------- the Validation tab
# The same words and layout for every backend. Row 1 names the service (how a backend knows the
# tab is its own), row 2 the counts, row 3 when the marks last changed, row 4 the header.
VALIDATION_TITLE = "Co-Production Board check: what needs attention"
# Plain words where the rule id was; the id moves to a narrow last column for officers.
# VALIDATION_COLUMNS is what both writers lay out; VALIDATION_HEADER is every column but the id.
VALIDATION_HEADER = ("Severity", "What it is about", "Sheet", "Cell", "Message", "Link")
RULE_ID_COLUMN = "Rule id"
VALIDATION_COLUMNS = (*VALIDATION_HEADER, RULE_ID_COLUMN)
STAMP_ROW = 3  # the only row of the tab that changes with the clock
HEADER_ROW = 4  # the frozen header; findings start on the row below
SEVERITY_LABEL = {
    Severity.ERROR: "Error",
    Severity.WARNING: "Warning",
    Severity.INFO: "For information",
}

# Column widths in characters, for a page that fits one A4 landscape width (about 150).
VALIDATION_WIDTHS = {
    "Severity": 14,
    "What it is about": 34,
    "Sheet": 10,
    "Cell": 6,
    "Message": 60,
    "Link": 10,
    RULE_ID_COLUMN: 12,
}
WRAPPED_COLUMNS = ("What it is about", "Message", RULE_ID_COLUMN)


@dataclass(frozen=True)
class PrintSetup:
    """How the Validation tab prints: one page wide, the header row on every page."""

    landscape: bool = True
    fit_to_width: int = 1  # pages across
    fit_to_height: int = 0  # 0: as many pages down as it takes
    repeat_rows: tuple[int, int] = (HEADER_ROW, HEADER_ROW)
    paper: str = "A4"


VALIDATION_PRINT = PrintSetup()


def check_validation_tab_is_ours(title: object) -> None:
    """Refuse to overwrite a tab called Validation that the check did not write (its A1 is not
    our title): people often keep drop-down lists on a tab of that name."""
    if title != VALIDATION_TITLE:
        raise SourceError(
            f"The workbook already has a tab called {VALIDATION_TAB!r} that the check did not "
            "write, so nothing was changed. The check lists its findings on a tab of that "
            "name: rename your tab (for example to 'Lists') and run again."
        )


def without_stamp(rows: list[list[object]]) -> list[list[object]]:
    """The tab's rows but the stamp: what decides whether the tab must be rewritten."""
    return [r for i, r in enumerate(rows, start=1) if i != STAMP_ROW]


def link_label(sheet: str, cell: str) -> str:
    return f"Go to {cell}" if cell else f"Go to {sheet}"


def counts_line(counts: dict[str, int]) -> str:
    return (
        f"{plural(counts.get('error', 0), 'error')}, "
        f"{plural(counts.get('warning', 0), 'warning')}, {counts.get('info', 0)} for information"
    )


def stamp_line(checked_at: dt.datetime) -> str:
    """Row 3. A later check that finds exactly the same leaves the tab (and file) as it is, so
    this is when the marks last changed; `coprod status` shows the last check."""
    when = shown_time(checked_at)
    return (
        f"Marks last changed on {when}. This tab is rewritten by the check: "
        "edit the other tabs, not this one."
    )


def validation_rows(plan: MarkPlan) -> list[tuple[str, str, str, str, str]]:
    """One row per finding, errors first: severity, what it is about, sheet, cell, message (the
    backend adds the link). validation_table adds the rule id for the last column."""
    return [(r.severity, r.about, r.sheet, r.cell, r.message) for r in validation_table(plan)]


class ValidationRow(NamedTuple):
    severity: str
    about: str
    sheet: str
    cell: str
    message: str
    rule: str


def validation_table(plan: MarkPlan) -> list[ValidationRow]:
    """Every column of VALIDATION_COLUMNS but the link, which each backend makes its own way."""
    return [
        ValidationRow(
            SEVERITY_LABEL[f.severity],
            plan.about.get(f.rule, "") or f.rule,
            f.sheet or "",
            f.cell or "",
            cut_text(f.message),  # a message may quote a whole cell
            f.rule,
        )
        for f in plan.findings
    ]


def marks_by_sheet(plan: MarkPlan) -> dict[str, list[CellMark]]:
    sheets: dict[str, list[CellMark]] = defaultdict(list)
    for mark in plan.cells:
        sheets[mark.sheet].append(mark)
    return dict(sheets)


def our_note(note: str | None) -> str | None:
    """Our block of a cell note (NOTE_BEGIN…NOTE_END), or None when the note has none."""
    if not note:
        return None
    start = note.find(NOTE_BEGIN)
    if start < 0:
        return None
    end = note.find(NOTE_END, start)
    return note[start:] if end < 0 else note[start : end + len(NOTE_END)]
