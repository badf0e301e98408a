"""Findings -> a backend-neutral plan of cell marks and Validation-tab rows.

Backends (xlsx, Google Sheets) turn a MarkPlan into their own writes. Our notes sit inside a
marked block so that a person's own note on the same cell is kept beside ours and survives when
ours is removed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from automations.core.errors import SourceError
from automations.core.findings import Finding, Report, Severity
from automations.core.findings import counts as severity_counts
from automations.core.text import plural, shown_time

VALIDATION_TAB = "Validation"
NOTE_BEGIN = "[Co-Production Board check]"
NOTE_END = "[end of check]"

# Light fills with near-black text: every pair has a contrast ratio well above 4.5:1.
FILL = {Severity.ERROR: "F4CCCC", Severity.WARNING: "FFE599", Severity.INFO: "CFE2F3"}
TEXT = "1F1F1F"
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

    @property
    def note(self) -> str:
        lines = [NOTE_BEGIN, *(f"• {m}" for m in self.messages), NOTE_END]
        return "\n".join(lines)


@dataclass(frozen=True)
class MarkPlan:
    source: str
    checked_at: dt.datetime
    cells: tuple[CellMark, ...]
    findings: tuple[Finding, ...]  # every finding, for the Validation tab
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class WriteResult:
    changed: bool
    cells_marked: int = 0
    cells_cleared: int = 0
    backup: Path | None = None
    report: Path | None = None
    message: str = ""


def plan_marks(report: Report, checked_at: dt.datetime) -> MarkPlan:
    return _plan(report.source, checked_at, report.findings)


def plan_for(plan: MarkPlan, source: str, keep: Callable[[Finding], bool]) -> MarkPlan:
    """The part of a plan for one workbook of a board kept in several: only the findings
    ``keep`` accepts, their marks and their counts (each workbook's Validation tab lists its
    own findings only)."""
    return _plan(source, plan.checked_at, tuple(f for f in plan.findings if keep(f)))


def _plan(source: str, checked_at: dt.datetime, findings: tuple[Finding, ...]) -> MarkPlan:
    by_cell: dict[tuple[str, int, int, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.sheet and f.row and f.column_index and f.cell:
            by_cell[(f.sheet, f.row, f.column_index, f.cell)].append(f)
    cells = tuple(
        CellMark(sheet, row, col, ref, _worst(fs), tuple(dict.fromkeys(f.message for f in fs)))
        for (sheet, row, col, ref), fs in sorted(by_cell.items())
    )
    return MarkPlan(source, checked_at, cells, findings, severity_counts(findings))


def _worst(findings: Iterable[Finding]) -> Severity:
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


def merge_note(existing: str | None, ours: str | None) -> str | None:
    """The person's note, then ours; None when nothing is left."""
    mine = person_note(existing)
    parts = [p for p in (mine, ours) if p]
    return "\n\n".join(parts) if parts else None


# ---------------------------------------------------------------- the Validation tab
# The same words and layout for every backend. Row 1 names the service (how a backend knows the
# tab is its own), row 2 the counts, row 3 when the marks last changed, row 4 the header.
VALIDATION_TITLE = "Co-Production Board check: what needs attention"
VALIDATION_HEADER = ("Severity", "Rule", "Sheet", "Cell", "Message", "Link")
STAMP_ROW = 3  # the only row of the tab that changes with the clock
HEADER_ROW = 4  # the frozen header; findings start on the row below
SEVERITY_LABEL = {
    Severity.ERROR: "Error",
    Severity.WARNING: "Warning",
    Severity.INFO: "For information",
}


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
    """One row per finding: severity, rule, sheet, cell, message (the backend adds the link)."""
    return [
        (SEVERITY_LABEL[f.severity], f.rule, f.sheet or "", f.cell or "", f.message)
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
