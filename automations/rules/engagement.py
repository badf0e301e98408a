"""Engagement rules: co-production at every stage and with a range of people, not "one service
user forum or one paid representative" (seed 004; seed 002's commissioning cycle). The
Engagement tab is optional (issue 31)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.model.board import STAGES, Board, Project
from automations.model.record_tabs import (
    GROUPS,
    LADDER,
    Engagement,
    engagement_by_project,
)
from automations.rules import rule

E, W = Severity.ERROR, Severity.WARNING
INITIATION = STAGES.index("Initiation")  # "Plan" in the commissioning cycle: decisions are made
CONSULTATION = LADDER.index("Consultation")


def _past_initiation(board: Board) -> Iterator[tuple[Project, list[Engagement]]]:
    """Projects beyond Initiation with the conversations recorded for them, oldest first."""
    rows = engagement_by_project(board)
    for p in board.projects.records:
        if p.id and p.stage_index is not None and p.stage_index > INITIATION:
            found = sorted(rows.get(p.id, []), key=lambda e: (e.date or dt.date.min, e.row))
            if found:
                yield p, found


@rule(
    "tor.engagement.one_method",
    W,
    "A project past Initiation has heard people in one way only.",
    needs=("engagement.method", "projects.stage"),
)
def one_method(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p, rows in _past_initiation(board):
        methods = {e.method for e in rows if e.method}
        if len(methods) == 1:
            yield board.engagement.finding(
                W,
                f"Every conversation recorded for {p.label} was a {next(iter(methods)).lower()}. "
                "Co-production needs a range of conversations with different people: add "
                "another way in (a drop-in, a workshop, visiting a group's own meeting).",
                rows[-1],
                "method",
            )


@rule(
    "tor.engagement.one_group",
    W,
    "A project past Initiation has heard one group of people only.",
    needs=("engagement", "projects.stage"),
)
def one_group(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p, rows in _past_initiation(board):
        groups = {g for e in rows for g in e.groups}
        if len(groups) == 1:
            field_name = next(iter(groups))
            if board.engagement.has(field_name):
                yield board.engagement.finding(
                    W,
                    f"Only {field_name} have taken part in the conversations recorded for "
                    f"{p.label}. Hear {_others(field_name)} too, so no one group speaks for "
                    "everyone.",
                    rows[-1],
                    field_name,
                )


def _others(group: str) -> str:
    others = [g for g in GROUPS if g != group]
    return ", ".join(others[:-1]) + " and " + others[-1]


@rule(
    "tor.engagement.first_stage_only",
    W,
    "People with lived experience were heard at a project's first stage only.",
    needs=("engagement.stage", "projects.stage"),
)
def first_stage_only(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p, rows in _past_initiation(board):
        lived = [e for e in rows if e.lived_experience and e.stage_index is not None]
        stages = {e.stage_index for e in lived}
        if stages and stages == {min(stages)} and min(stages) < p.stage_index:  # type: ignore[operator]
            first = lived[-1]
            yield board.engagement.finding(
                W,
                f"Residents and carers were heard about {p.label} only at stage "
                f"{first.stage!r}, and the project is now at stage {p.stage!r}. Co-production "
                "includes people at every stage: plan how they take part in this one.",
                first,
                "stage",
            )


@rule(
    "tor.engagement.ladder",
    W,
    "A project called co-production has gone no higher than consultation.",
    needs=("engagement.participation_level", "projects.stage", "projects.coproduction"),
)
def ladder(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p, rows in _past_initiation(board):
        rungs = [e.rung for e in rows if e.rung is not None]
        if p.coproduction and rungs and max(rungs) <= CONSULTATION:
            yield board.engagement.finding(
                W,
                f"{p.label} is called co-production ({', '.join(p.coproduction)}), but no "
                f"conversation recorded for it went beyond {LADDER[max(rungs)].lower()}. "
                "Co-production means people design and decide with us, not only give views.",
                rows[-1],
                "participation_level",
            )


@rule(
    "tor.engagement.decision_without_lived_experience",
    W,
    "A project reached its decision stage with no resident or carer input recorded.",
    needs=("engagement", "projects.stage"),
)
def decision_without_lived_experience(
    board: Board, tor: TorConfig, today: dt.date
) -> Iterator[Finding]:
    rows = engagement_by_project(board)
    for p in board.projects.records:
        if not p.id or p.stage_index is None or p.stage_index < INITIATION:
            continue
        before = [
            e
            for e in rows.get(p.id, [])
            if e.lived_experience and e.stage_index is not None and e.stage_index <= INITIATION
        ]
        if not before:
            yield board.projects.finding(
                W,
                f"{p.label} has reached stage {p.stage!r}, where decisions are made (Plan in the "
                "commissioning cycle), but the Engagement tab records no resident or carer "
                "taking part before or at that stage. Record the conversations held, or hold one.",
                p,
                "stage",
            )


@rule(
    "tor.engagement.count",
    E,
    "A number of people taking part is below zero or not a whole number.",
    needs=("engagement",),
)
def count(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for e in board.engagement.records:
        for group in GROUPS:
            value = getattr(e, group)
            if value is not None and (value < 0 or not float(value).is_integer()):
                yield board.engagement.finding(
                    E,
                    f"{board.engagement.header(group)}: {value:g} is not a number of people. "
                    "Write how many took part, as a whole number (0 if none).",
                    e,
                    group,
                )
