"""`coprod history` output: a table for people, CSV for a spreadsheet, JSON for programs."""

from __future__ import annotations

import csv
import io
import json

from automations.record.history import Snapshot

# (header, how to get it): the headline counts; CSV and JSON carry every count.
TABLE_COLUMNS = (
    ("Day", lambda s: s.day.isoformat()),
    ("Errors", lambda s: s.errors),
    ("Warnings", lambda s: s.warnings),
    ("Info", lambda s: s.get("findings", "info")),
    ("Open", lambda s: s.open),
    ("Overdue", lambda s: s.overdue),
    ("Done", lambda s: s.done),
    ("Members", lambda s: s.members),
    ("Residents", lambda s: s.voices()[0]),
    ("Carers", lambda s: s.voices()[1]),
    ("Staff", lambda s: s.voices()[2]),
    ("Projects", lambda s: sum(n for st, n in s.counts.get("stage", {}).items() if st != "Closed")),
)
NOTES = (
    "Open, Overdue, Done: actions (confidential ones left out). Members: active members; "
    "Staff: health and social care staff and council officers. Projects: not closed."
)


def render(history: list[Snapshot], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([s.flat() for s in history], indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(history)
    return _table(history)


def _table(history: list[Snapshot]) -> str:
    if not history:
        return "No checks recorded yet: the service records one each day it checks the board."
    rows = [[h for h, _ in TABLE_COLUMNS]]
    rows += [[str(get(s)) for _, get in TABLE_COLUMNS] for s in history]
    widths = [max(len(r[i]) for r in rows) for i in range(len(TABLE_COLUMNS))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join([*lines, "", NOTES])


def _csv(history: list[Snapshot]) -> str:
    flat = [s.flat() for s in history]
    fixed = ["day", "recorded_at", "source"]
    names = fixed + sorted({k for row in flat for k in row} - set(fixed))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, restval=0, lineterminator="\n")
    writer.writeheader()
    for row in flat:
        # Text from the sheet (the source name) must never become a formula in a spreadsheet.
        source = str(row.get("source") or "")
        row["source"] = "'" + source if source.startswith(("=", "+", "-", "@")) else source
        writer.writerow(row)
    return out.getvalue().rstrip("\n")
