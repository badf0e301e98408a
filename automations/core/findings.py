"""The Finding record: one problem, at one place, in words a resident co-chair understands."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from enum import StrEnum

from automations.core.records import record


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]  # looked up by member: the value property is slow for a hot sort


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

# The tab the check writes its findings into (backends/marks.py); reading leaves it out.
VALIDATION_TAB = "Validation"
# The tab the owners' answers are listed on for officers to approve (backends/updates.py), and
# the title in its first cell that tells it from a tab of the board called "Updates".
UPDATES_TAB = "Updates"
UPDATES_TITLE = "Answers from action owners (written by the Co-Production Board check)"

# Findings sort in the order of the tabs in the workbook, not alphabetically.
TAB_ORDER = (
    "Members", "Projects", "Actions", "Meetings",
    # The co-production record's optional tabs (issue 31).
    "Sub-groups", "Engagement", "You said, we did", "Recognition",
)


@record(frozen=True)
class Finding:
    """One thing found: the rule, how serious, the plain-English message and the cell it is about.
    """

    rule: str
    severity: Severity
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    value: str | None = None
    tab: str | None = None  # the canonical tab (Members, ...) whatever the sheet is called
    column_index: int | None = None  # 1-based, for sorting and for marking the cell

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        for private in ("tab", "column_index"):
            data.pop(private)
        return data


def sort_key(f: Finding) -> tuple[object, ...]:
    tab = f.tab or f.sheet or ""
    order = TAB_ORDER.index(tab) if tab in TAB_ORDER else len(TAB_ORDER)
    return (order, f.sheet or "", f.row or 0, f.column_index or 0, f.column or "", f.rule)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=sort_key)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    c = Counter(f.severity.value for f in findings)
    return {s.value: c.get(s.value, 0) for s in Severity}


@record(frozen=True)
class Report:
    """The outcome of one validation pass."""

    today: dt.date
    source: str
    findings: tuple[Finding, ...]

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "source": self.source,
            "counts": self.counts,
            "findings": [f.to_json() for f in self.findings],
        }

    def dumps(self) -> str:
        import json  # only for --format json

        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)
