"""Findings -> a backend-neutral plan of cell marks and Validation-tab rows.

Backends (xlsx, Google Sheets) turn a MarkPlan into their own writes. Our notes sit inside a
marked block so that a person's own note on the same cell is kept beside ours and survives when
ours is removed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding, Report, Severity

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
    by_cell: dict[tuple[str, int, int, str], list[Finding]] = defaultdict(list)
    for f in report.findings:
        if f.sheet and f.row and f.column_index and f.cell:
            by_cell[(f.sheet, f.row, f.column_index, f.cell)].append(f)
    cells = tuple(
        CellMark(sheet, row, col, ref, _worst(fs), tuple(dict.fromkeys(f.message for f in fs)))
        for (sheet, row, col, ref), fs in sorted(by_cell.items())
    )
    return MarkPlan(report.source, checked_at, cells, report.findings, report.counts)


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
