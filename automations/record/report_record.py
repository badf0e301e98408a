"""The report's sections on the co-production record (issue 31): sub-groups, engagement by
stage, method and group, the participation ladder per project, "you said, we did", and
recognition totals. Pure, like report.py, whose sections these sit among.

No person's name is shown beside an amount: recognition is counted by kind and by group only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from automations.model.board import STAGES
from automations.model.record_tabs import GROUPS, LADDER, Engagement, Feedback
from automations.record.report import Cell, Figure, Grid, Inputs, Part

METHODS = (
    "Survey",
    "Focus group",
    "Workshop",
    "Drop-in",
    "One-to-one",
    "Reference group",
    "Existing group's meeting",
    "Other",
)
KINDS = ("Thanks", "Certificate", "Training", "Expenses", "Voucher", "Payment")


def record_parts(i: Inputs) -> tuple[Part, ...]:
    """The sections for the tabs the workbook keeps (none for a tab it does not)."""
    board = i.board
    makers = (
        (board.subgroups, _subgroups),
        (board.engagement, _engagement),
        (board.you_said_we_did, _said),
        (board.recognition, _recognition),
    )
    return tuple(make(i) for table, make in makers if table.present)


def _within(i: Inputs, day: dt.date | None) -> bool:
    return day is not None and i.start <= day <= i.until


def _subgroups(i: Inputs) -> Part:
    groups = [g for g in i.board.subgroups.records if g.set_up_on is None or g.set_up_on <= i.end]
    src = f"{i.tab('Sub-groups')}: Status, Set up on, Last reported and Ended on"
    rows = tuple(
        (g.label, _project(i, g.project_id), g.status, g.set_up_on, g.last_reported, g.ended_on)
        for g in groups
    )
    return Part(
        "Sub-groups",
        "Sub-groups",
        "The task-and-finish groups the Board set up for its projects, which report to it.",
        (
            Figure("Open sub-groups", sum(g.is_open for g in groups), src),
            Figure(
                "Reported to the Board in the period",
                sum(_within(i, g.last_reported) for g in groups),
                src,
            ),
            Figure("Ended in the period", sum(_within(i, g.ended_on) for g in groups), src),
        ),
        (
            Grid(
                "Sub-groups",
                ("Sub-group", "Project", "Status", "Set up on", "Last reported", "Ended on"),
                rows,
                src,
                "No sub-groups recorded.",
            ),
        ),
    )


def _project(i: Inputs, ref: str | None) -> str:
    project = i.board.project(ref)
    return project.label if project is not None else (ref or "")


def _held(i: Inputs) -> list[Engagement]:
    return [e for e in i.board.engagement.records if _within(i, e.date)]


def _engagement(i: Inputs) -> Part:
    held = _held(i)
    src = f"{i.tab('Engagement')}: rows dated in the period"
    totals = {g: int(sum(e.count(g) for e in held)) for g in GROUPS}
    return Part(
        "Engagement",
        "Engagement: the conversations held",
        "Who the Board and its projects heard, at which stage of the commissioning cycle, how, "
        "and how far up the ladder of participation (informing, consultation, engagement, "
        "co-design, co-production).",
        (
            Figure("Conversations", len(held), src),
            *(Figure(f"{g.title()} taking part", totals[g], f"{src}: {g.title()}") for g in GROUPS),
            Figure(
                "With reasonable adjustments recorded",
                sum(bool(e.adjustments) for e in held),
                f"{src}: Reasonable adjustments",
            ),
        ),
        (
            _by(held, "Stage", [s for s in STAGES if s != "Closed"], lambda e: e.stage, src),
            _by(held, "Method", list(METHODS), lambda e: e.method, src),
            _ladder(i, held, src),
        ),
    )


def _by(held: list[Engagement], what: str, keys: list[str], key, src: str) -> Grid:  # type: ignore[no-untyped-def]
    rows: list[tuple[Cell, ...]] = []
    for k in keys:
        mine = [e for e in held if key(e) == k]
        if mine:
            rows.append((k, len(mine), *(int(sum(e.count(g) for e in mine)) for g in GROUPS)))
    headers = (what, "Conversations", *(g.title() for g in GROUPS))
    return Grid(f"Engagement by {what.lower()}", headers, tuple(rows), f"{src}: {what}")


def _ladder(i: Inputs, held: list[Engagement], src: str) -> Grid:
    rows: list[tuple[Cell, ...]] = []
    for p in i.board.projects.records:
        mine = [e for e in held if i.board.project(e.project_id) is p]
        if not mine:
            continue
        rungs = Counter(e.participation_level for e in mine)
        highest = max((e.rung for e in mine if e.rung is not None), default=None)
        rows.append(
            (p.label, *(rungs[r] for r in LADDER), LADDER[highest] if highest is not None else "")
        )
    return Grid(
        "The ladder of participation per project (conversations at each level)",
        ("Project", *LADDER, "Highest"),
        tuple(rows),
        f"{src}: Project ID and Participation level",
    )


def _said_in_period(i: Inputs, f: Feedback) -> bool:
    return any(_within(i, d) for d in (f.date_heard, f.done_on, f.told_back_on))


def _said(i: Inputs) -> Part:
    items = [f for f in i.board.you_said_we_did.records if _said_in_period(i, f)]
    src = f"{i.tab('You said, we did')}: rows heard, done or told back in the period"
    statuses = Counter(f.status for f in items)
    rows = tuple(
        (
            f.id,
            _project(i, f.project_id),
            f.date_heard,
            f.you_said,
            f.status,
            (f.reason or f.we_did) if f.status == "Not possible" else f.we_did,
            f.told_back_on,
        )
        for f in items
    )
    return Part(
        "You said we did",
        "You said, we did",
        "What people told the Board, what it did about it, and when they were told.",
        (
            Figure("Items", len(items), src),
            *(
                Figure(s, statuses[s], f"{src}: Status")
                for s in ("Heard", "Considering", "Done", "Not possible")
            ),
            Figure("Told back", sum(f.told_back_on is not None for f in items), src),
        ),
        (
            Grid(
                "You said, we did",
                (
                    "ID",
                    "Project",
                    "Heard",
                    "You said",
                    "Status",
                    "We did (or why not)",
                    "Told back",
                ),
                rows,
                src,
            ),
        ),
    )


def _recognition(i: Inputs) -> Part:
    rows_ = [r for r in i.board.recognition.records if _within(i, r.date)]
    src = f"{i.tab('Recognition')}: rows dated in the period"
    by_kind: list[tuple[Cell, ...]] = []
    for kind in KINDS:
        mine = [r for r in rows_ if r.kind == kind]
        if mine:
            by_kind.append(
                (
                    kind,
                    len({_who(r.person) for r in mine}),
                    sum(r.hours or 0 for r in mine),
                    sum(r.amount or 0 for r in mine if r.amount and r.amount > 0),
                )
            )
    by_group: list[tuple[Cell, ...]] = []
    for group in ("Resident", "Carer", "Provider", "Staff"):
        mine = [r for r in rows_ if r.taking_part_as == group]
        if mine:
            by_group.append(
                (group, len({_who(r.person) for r in mine}), sum(r.hours or 0 for r in mine))
            )
    return Part(
        "Recognition",
        "Recognition: getting something back for putting something in",
        "The time people gave and what they got back (Reciprocity in the Terms of Reference). "
        "Totals only: no amount is shown beside anyone's name.",
        (
            Figure("People", len({_who(r.person) for r in rows_}), f"{src}: Person"),
            Figure("Hours given", sum(r.hours or 0 for r in rows_), f"{src}: Hours"),
            Figure(
                "Still owed",
                sum(r.status == "Owed" for r in rows_),
                f"{src}: Status",
            ),
        ),
        (
            Grid(
                "Recognition by kind",
                ("Kind", "People", "Hours", "Amount (£)"),
                tuple(by_kind),
                f"{src}: Kind, Hours and Amount",
            ),
            Grid(
                "Recognition by group",
                ("Taking part as", "People", "Hours"),
                tuple(by_group),
                f"{src}: Taking part as and Hours",
            ),
        ),
    )


def _who(person: str | None) -> str:
    return " ".join((person or "").split()).casefold()
