"""Project rules (Terms of Reference: Duties and Functions table; seeds 002 and 004)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date
from automations.model.board import STAGES, Board, Project
from automations.model.record_tabs import subgroup_named
from automations.model.schema import is_blank
from automations.model.tor import RESIDENT_VOICES, lead_problem
from automations.rules import rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
INITIATION = STAGES.index("Initiation")


def _from_initiation(board: Board) -> Iterator[Project]:
    for p in board.projects.records:
        if p.stage_index is not None and p.stage_index >= INITIATION:
            yield p


def _duties(board: Board) -> list[tuple[str, str, str, str]]:
    """(field, stage, task, responsible) for each duty column present on the tab."""
    return [
        (col.field, col.duty or "", col.task or col.name, col.responsible or "")
        for col in board.projects.schema.duty_columns
        if board.projects.has(col.field)
    ]


@rule(
    "tor.projects.stage_duties",
    E,
    "A duty of an earlier stage of a project is not done.",
    needs=("projects.stage",),
)
def stage_duties(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    duties = _duties(board)
    for p in board.projects.records:
        if p.stage_index is None:
            continue
        closed = p.stage == "Closed"
        for field_name, stage, task, who in duties:
            earlier = STAGES.index(stage) < p.stage_index or closed
            if earlier and not p.duties.get(field_name) and _unparsed_ok(p, field_name):
                yield board.projects.finding(
                    E,
                    f"{p.label} is at stage {p.stage!r}, but the {stage} duty "
                    f'"{task}" ({who}) is not marked done. The Terms of Reference list it '
                    "for every project. Do it, or mark it Yes if it was done.",
                    p,
                    field_name,
                )


@rule(
    "tor.projects.current_duties",
    INFO,
    "A duty of a project's current stage is still open (a reminder).",
    needs=("projects.stage",),
)
def current_duties(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    duties = _duties(board)
    for p in board.projects.records:
        for field_name, stage, task, who in duties:
            if stage == p.stage and not p.duties.get(field_name) and _unparsed_ok(p, field_name):
                yield board.projects.finding(
                    INFO,
                    f'Still to do at stage {stage!r} for {p.label}: "{task}" ({who}). '
                    "A reminder only.",
                    p,
                    field_name,
                )


def _unparsed_ok(p: Project, field_name: str) -> bool:
    # A cell that could not be read is reported by schema.type; do not report it twice.
    return field_name in p.duties or is_blank(p.raw.get(field_name))


@rule(
    "tor.projects.objectives",
    E,
    "A project from Initiation on has no objectives.",
    needs=("projects.stage", "projects.objectives"),
)
def objectives(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in _from_initiation(board):
        if not p.objectives:
            yield board.projects.finding(
                E,
                f"{p.label} is at stage {p.stage!r} but has no Objectives. The Terms of "
                "Reference say the Board defines specific objectives for each project. Write "
                "them here.",
                p,
                "objectives",
            )


@rule(
    "tor.projects.members_assigned",
    E,
    "A project from Initiation on has no Board members assigned.",
    needs=("projects.stage", "projects.assigned_members"),
)
def members_assigned(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in _from_initiation(board):
        if not p.assigned_members:
            yield board.projects.finding(
                E,
                f"{p.label} is at stage {p.stage!r} but no Board members are assigned. At "
                "Initiation the Terms of Reference say the Board agrees the work and assigns "
                "members to it. List them here, separated by ;",
                p,
                "assigned_members",
            )


@rule(
    "tor.projects.lived_experience",
    W,
    "No resident, carer or advocate is assigned to a project.",
    needs=("projects.stage", "projects.assigned_members", "members.category"),
)
def lived_experience(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in _from_initiation(board):
        assigned = [board.member(ref) for ref in p.assigned_members]
        if p.assigned_members and not any(m and m.category in RESIDENT_VOICES for m in assigned):
            yield board.projects.finding(
                W,
                f"None of the members assigned to {p.label} is a resident, carer or advocate. "
                "Co-production means people with lived experience shape the work, not just "
                "hear about it. Assign at least one.",
                p,
                "assigned_members",
            )


@rule(
    "tor.projects.eqia",
    W,
    "A project from Initiation on has no completed Equality Impact Assessment.",
    needs=("projects.stage", "projects.eqia_completed"),
)
def eqia(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in _from_initiation(board):
        if not p.eqia_completed:
            yield board.projects.finding(
                W,
                f"{p.label} is at stage {p.stage!r} and its Equality Impact Assessment (EQIA) is "
                "not marked complete. The assessment checks the project is fair to everyone "
                "it affects. Complete it, then put Yes.",
                p,
                "eqia_completed",
            )


@rule(
    "tor.projects.subgroup_lead",
    W,
    "A sub-group has no lead who is an active Board member.",
    needs=("projects.sub_group", "projects.sub_group_lead", "members"),
)
def subgroup_lead(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in board.projects.records:
        if not p.sub_group or subgroup_named(board, p.sub_group) is not None:
            continue  # kept on the Sub-groups tab: tor.subgroups.lead speaks for its lead, once
        problem = lead_problem(board, p.sub_group_lead, today, "has no Sub-group lead")
        if problem is None:
            continue
        yield board.projects.finding(
            W,
            f"The sub-group {p.sub_group!r} of {p.label} {problem}. Sub-groups are set up by "
            "the Board and answer to it, so an active Board member should lead each one.",
            p,
            "sub_group_lead",
        )


@rule(
    "tor.projects.subgroup_lead_differs",
    W,
    "A project and the Sub-groups tab name different leads for the same sub-group.",
    needs=("projects.sub_group", "projects.sub_group_lead", "subgroups.lead", "members"),
)
def subgroup_lead_differs(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in board.projects.records:
        group = subgroup_named(board, p.sub_group)
        if group is None or not p.sub_group_lead or not group.lead:
            continue  # one place names the lead, or the Sub-groups tab does not keep it
        if _same_person(board, p.sub_group_lead, group.lead):
            continue
        yield board.projects.finding(
            W,
            f"{p.label} names {p.sub_group_lead!r} as the lead of its sub-group {group.label}, "
            f"but the Sub-groups tab (row {group.row}) names {group.lead!r}. Make the two "
            "agree, so everyone knows who leads it.",
            p,
            "sub_group_lead",
        )


def _same_person(board: Board, one: str, other: str) -> bool:
    """The same member however each is written (Member ID, name or initials), or, for a person
    not on the Members tab, the same words."""
    first, second = board.member(one), board.member(other)
    if first is not None and second is not None:
        return first is second
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


@rule(
    "tor.projects.past_end",
    W,
    "A project's target end date has passed but it is not closing.",
    needs=("projects.stage", "projects.target_end"),
)
def past_end(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for p in board.projects.records:
        if p.target_end and p.target_end < today and p.stage not in ("Conclusion", "Closed", None):
            yield board.projects.finding(
                W,
                f"{p.label} was due to end on {long_date(p.target_end)} but is still at stage "
                f"{p.stage!r}. Agree a new Target end, or move the project on.",
                p,
                "target_end",
            )
