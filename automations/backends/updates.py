"""Owners' answers in the sheet, backend-neutral: the Updates tab (every answer, what it would
change, an Apply column the officers fill in) and the cell changes an approved answer makes on
the Actions tab. Backends turn these into their own writes, as they do the Validation tab's plan
(marks.py); app.py builds them from the recorded proposals.

The one place where the service changes a person's cell, so each change carries the value the
cell held when the answer was read: a backend refuses a change when the cell holds anything else
now (a person typed in it meanwhile), and says so on the Updates row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from automations.core.findings import UPDATES_TAB, UPDATES_TITLE  # noqa: F401 (named here too)

UPDATES_COLUMNS = (
    "Answer",  # the proposal's number in the state file
    "Received",
    "From",
    "Action",
    "Answer given",
    "What they said",
    "What would change",
    "Apply",  # the officers' choice: Apply, Reject, or blank (waiting)
    "Outcome",
)
UPDATES_WIDTHS = {
    "Answer": 8,
    "Received": 17,
    "From": 28,
    "Action": 10,
    "Answer given": 18,
    "What they said": 50,
    "What would change": 40,
    "Apply": 10,
    "Outcome": 45,
}
APPLY, REJECT = "Apply", "Reject"
CHOICES = (APPLY, REJECT)
HEADER_ROW = 3  # title, a line saying how to use it, then the header
HOW_TO = (
    "Choose Apply or Reject in the Apply column; the next check writes the approved answers "
    "into the Actions tab. Blank: still waiting."
)
MAX_CELL_CHARS = 32_767  # Excel's limit for the text of one cell
APPLY_COLUMN = UPDATES_COLUMNS.index("Apply") + 1  # 1-based


@dataclass(frozen=True)
class CellChange:
    """One cell of the Actions tab an approved answer changes."""

    column: int  # 1-based
    header: str  # the column's name as in the sheet, for messages
    value: dt.date | str
    expected: tuple[str, ...]  # what the cell may hold now: as seen, or as we last wrote it
    append: bool = False  # text added after what the cell holds (the Update note)


@dataclass(frozen=True)
class RowChanges:
    """What one approved answer changes, on the row of its action (found again by id), on the
    tab its action is on: Actions kept on several same-shaped tabs read as one list
    ([source.tabs.Actions] tabs) are each written on their own tab, row and columns."""

    answer: int
    action_id: str
    row: int
    cells: tuple[CellChange, ...]
    sheet: str = ""  # the tab's title in its workbook; "" for UpdatesPlan.sheet

    def tab(self, plan: UpdatesPlan) -> str:
        return self.sheet or plan.sheet


@dataclass(frozen=True)
class UpdatesPlan:
    """The Updates tab to write and the approved changes to make, in one save."""

    sheet: str  # the Actions tab's name in the workbook (the first, of tabs read as one list)
    rows: tuple[tuple[str, ...], ...]  # the Updates tab's answer rows, in UPDATES_COLUMNS order
    changes: tuple[RowChanges, ...] = ()
    written_at: dt.datetime | None = None
    # The officers' choices the plan was made from: when the tab says otherwise by the time it
    # is written (an officer saved meanwhile), nothing is written and the next check does it.
    choices: dict[int, str] = field(default_factory=dict)


@dataclass
class UpdatesResult:
    applied: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)  # col, old, new
    refused: dict[int, str] = field(default_factory=dict)  # answer -> why, in plain words
    changed: bool = False
    stale: bool = False  # the officers' choices changed meanwhile: nothing was written
    backup: object = None
    message: str = ""


def decisions(rows: list[list[object]]) -> dict[int, str]:
    """Answer number -> Apply / Reject, from the Updates tab as read back (what officers
    chose). Anything else in the Apply column (blank, a typo) is "waiting"."""
    out: dict[int, str] = {}
    for row in rows[HEADER_ROW:]:
        if len(row) < APPLY_COLUMN or row[0] in (None, ""):
            continue
        try:
            number = int(str(row[0]).strip())
        except ValueError:
            continue
        choice = str(row[APPLY_COLUMN - 1] or "").strip().casefold()
        for word in CHOICES:
            if choice == word.casefold():
                out[number] = word
    return out


def fits_a_cell(text: str) -> str:
    """Text cut to what one cell holds, saying so when it was cut."""
    if len(text) <= MAX_CELL_CHARS:
        return text
    tail = " […cut: too long for one cell]"
    return text[: MAX_CELL_CHARS - len(tail)] + tail


def tab_values(rows: list[list[str]]) -> list[list[str]]:
    """The whole tab, row by row: the title, how to use it, the header, then the answers."""
    return [[UPDATES_TITLE], [HOW_TO], list(UPDATES_COLUMNS), *rows]


def with_outcomes(plan: UpdatesPlan, result: UpdatesResult, today: dt.date) -> list[list[str]]:
    """The plan's rows with the outcome of each answer written or refused in this save."""
    rows = [list(r) for r in plan.rows]
    for row in rows:
        answer = int(row[0]) if row and str(row[0]).isdigit() else -1
        if answer in result.applied:
            row[-1] = f"Applied on {today.isoformat()}"
        elif answer in result.refused:
            row[-1] = f"Not applied: {result.refused[answer]}"
    return rows
