"""The easy-read pack's "things to decide": the same items as the standard pack's decisions
(pack.DECISIONS findings, the membership review, members whose first year is up), said again
from the board's own data in short words, one idea per sentence, like the other easy-read
templates. The checks' messages are for officers; these are for a resident co-chair."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from automations.core.config import TorConfig
from automations.core.findings import Finding
from automations.core.text import add_months, plural
from automations.digests.render import easy_date
from automations.model.board import RESIDENT_CHAIR, Board, Member, Project, Table
from automations.model.schema import Column
from automations.model.tor import balance_counts, term_end

# Topics in easy words, in the standard pack's order (pack.DECISIONS, then the joining year).
CHAIRS, REVIEW, BALANCE, DUTIES, YEAR_UP = (
    "Co-chairs whose time is ending",
    "Checking who is on the Board",
    "A fair mix of members",
    "Project jobs not done yet",
    "Members who joined a year ago",
)
RULE_TOPICS = {
    "tor.cochairs.term": CHAIRS,
    "tor.members.review_due": REVIEW,
    "tor.members.balance": BALANCE,
    "tor.projects.stage_duties": DUTIES,
    "tor.projects.current_duties": DUTIES,
}


def easy_decisions(
    board: Board,
    tor: TorConfig,
    findings: Iterable[Finding],
    meeting: dt.date,
    today: dt.date,
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(topic, sentences) for each decision topic; a topic with nothing has no sentences."""
    topics: dict[str, list[str]] = {t: [] for t in (CHAIRS, REVIEW, BALANCE, DUTIES, YEAR_UP)}
    members = {m.row: m for m in board.members.records}
    projects = {p.row: p for p in board.projects.records}
    for f in findings:
        topic = RULE_TOPICS.get(f.rule)
        if topic == CHAIRS and (m := members.get(f.row or 0)) is not None:
            topics[CHAIRS].append(_chair(m, tor, meeting))
        elif topic == DUTIES and (p := projects.get(f.row or 0)) is not None:
            topics[DUTIES].append(_duty(board.projects, p, f))
    if any(f.rule == "tor.members.balance" for f in findings):
        topics[BALANCE].append(_balance(board.active_members(today)))
    topics[REVIEW].append(_review(board, tor, meeting))
    topics[YEAR_UP] = [_year_up(m, tor, meeting) for m in year_ending(board, tor, meeting)]
    return tuple((t, tuple(lines)) for t, lines in topics.items())


def _chair(m: Member, tor: TorConfig, meeting: dt.date) -> str:
    who = "resident co-chair" if m.role == RESIDENT_CHAIR else "co-chair from the council"
    end = term_end(m, tor)
    if end is None:
        return (
            f"{m.label} is the {who}. We do not know when their time ends. "
            "The officers need to add the date they started."
        )
    ends = "ended" if end <= meeting else "ends"
    return (
        f"{m.label} is the {who}. Their time as co-chair {ends} on "
        f"{easy_date(end, meeting)}. The Board needs to vote. "
        "They can stay on, or someone new can take over."
    )


def _duty(table: Table, p: Project, f: Finding) -> str:
    col = _duty_column(table, f)
    job = f' The job is: "{col.task or col.name}".' if col is not None else ""
    name = p.title or p.label
    if f.rule == "tor.projects.stage_duties":
        return f"{name}: a job from an earlier step is not done yet.{job} Please check it."
    return f"{name}: a job for this step is not done yet.{job}"


def _duty_column(table: Table, f: Finding) -> Column | None:
    match = table.match_of(f.sheet)  # the finding's own tab, among tabs read as one list
    if match is None or f.column_index is None:
        return None
    at = {i: name for name, i in match.positions.items()}
    field_name = at.get(f.column_index - 1)
    return next((c for c in table.schema.duty_columns if c.field == field_name), None)


def _balance(active: list[Member]) -> str:
    residents, carers, staff = balance_counts(active)
    fewer = "There are more staff than residents and carers. " if residents + carers < staff else ""
    return (
        f"The Board has {plural(residents, 'resident')}. "
        f"It has {plural(carers, 'carer or advocate', 'carers or advocates')}. "
        "An advocate speaks up for someone. "
        f"It has {plural(staff, 'member')} of staff. {fewer}"
        "We want a fair mix. Think about who to ask to join."
    )


def _review(board: Board, tor: TorConfig, meeting: dt.date) -> str:
    head = "Once a year the Board checks who its members are."
    reviewed = sorted(m.date for m in board.meetings.records if m.membership_reviewed and m.date)
    if not reviewed:
        return f"{head} We have not done this yet. Agree when to do it."
    due = add_months(reviewed[-1], tor.membership_review_months)
    last = f"We last did it on {easy_date(reviewed[-1], meeting)}."
    if due <= meeting:
        return f"{head} {last} It is time to do it at this meeting."
    return f"{head} {last} The next check is by {easy_date(due, meeting)}."


def year_ending(board: Board, tor: TorConfig, meeting: dt.date) -> list[Member]:
    """Members whose minimum period (a year) ends around this meeting: ask if they stay on
    (the standard pack names the same people)."""
    gap = dt.timedelta(days=tor.meeting_gap_days)
    return [
        m
        for m in board.active_members(meeting)
        if m.joined is not None
        and meeting - gap <= add_months(m.joined, tor.minimum_membership_months) <= meeting + gap
    ]


def _year_up(m: Member, tor: TorConfig, meeting: dt.date) -> str:
    assert m.joined is not None
    ends = add_months(m.joined, tor.minimum_membership_months)
    return (
        f"{m.label} joined on {easy_date(m.joined, meeting)}. "
        f"Their first year ends on {easy_date(ends, meeting)}. Ask if they want to stay."
    )
