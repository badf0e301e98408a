"""Sub-group rules (Terms of Reference "Members": task-and-finish groups are set up per project
and answer to the Board; seed 001 §2.5). The Sub-groups tab is optional (issue 31)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date, plural
from automations.model.board import Board
from automations.model.record_tabs import SubGroup, category_of
from automations.model.schema import closest
from automations.model.tor import RESIDENT_VOICES, lead_problem
from automations.rules import rule

E, W = Severity.ERROR, Severity.WARNING


def _open(board: Board) -> Iterator[SubGroup]:
    return (g for g in board.subgroups.records if g.is_open)


@rule(
    "tor.subgroups.lead",
    W,
    "An open sub-group has no lead who is an active Board member.",
    needs=("subgroups.lead", "members"),
)
def lead(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for g in _open(board):
        problem = lead_problem(board, g.lead, today, "has no lead")
        if problem is None:
            continue
        yield board.subgroups.finding(
            W,
            f"The sub-group {g.label} {problem}. Sub-groups answer to the Board, so an active "
            "Board member should lead each one. Name the lead by Member ID or name.",
            g,
            "lead",
        )


@rule(
    "tor.subgroups.lived_experience",
    W,
    "An open sub-group has no resident or carer among its members.",
    needs=("subgroups.members", "members"),
)
def lived_experience(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for g in _open(board):
        if any(_lived(board, p) for p in [*g.people, g.lead or ""]):
            continue
        yield board.subgroups.finding(
            W,
            f"No resident or carer is listed among the members of the sub-group {g.label}. "
            "Co-production means people with lived experience do the work with us. Add them "
            'by Member ID or name, or by group (for example "2 residents, carer").',
            g,
            "members",
        )


def _lived(board: Board, item: str) -> bool:
    category = category_of(item)
    if category is not None:
        return category in ("Resident", "Carer")
    member = board.member(item)
    return member is not None and member.category in RESIDENT_VOICES


@rule(
    "tor.subgroups.member_unknown",
    W,
    "A sub-group lists someone who is neither on the Members tab nor a group of people.",
    needs=("subgroups.members", "members"),
)
def member_unknown(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    names = [m.name for m in board.members.records if m.name]
    for g in board.subgroups.records:
        for item in g.people:
            if category_of(item) is not None or board.member(item) is not None:
                continue
            near = closest(item, names)
            hint = f" The closest name there is {near!r}." if near else ""
            yield board.subgroups.finding(
                W,
                f"{item!r}, a member of the sub-group {g.label}, is not on the Members tab.{hint} "
                "Write a Board member's Member ID or name, and other people by group "
                '("resident", "carer", "provider" or "staff", with a number if you like).',
                g,
                "members",
            )


@rule(
    "tor.subgroups.reporting",
    W,
    "An open sub-group has not reported to the Board for too long.",
    needs=("subgroups.last_reported",),
)
def reporting(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for g in _open(board):
        since = g.last_reported or g.set_up_on
        if since is None or (today - since).days <= tor.subgroup_report_days:
            continue
        days = (today - since).days
        when = (
            f"last reported on {long_date(since)}"
            if g.last_reported
            else f"was set up on {long_date(since)} and has not reported since"
        )
        yield board.subgroups.finding(
            W,
            f"The sub-group {g.label} {when}, {plural(days, 'day')} ago. Sub-groups report to "
            f"the Board at least every {plural(tor.subgroup_report_days, 'day')} (two "
            "meetings). Ask the lead for an update at the next meeting, then put its date here.",
            g,
            "last_reported",
        )


@rule(
    "tor.subgroups.open_after_project",
    W,
    "A sub-group is still open after its project closed.",
    needs=("subgroups.status", "subgroups.project_id", "projects.stage"),
)
def open_after_project(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for g in _open(board):
        project = board.project(g.project_id)
        if project is not None and project.stage == "Closed":
            yield board.subgroups.finding(
                W,
                f"The sub-group {g.label} is still open, but its project {project.label} is "
                "closed. Thank its members, then set its Status to Ended.",
                g,
                "status",
            )
