"""Board + findings -> the facts one digest shows. Pure: no files, no clock, no templates.

Two promises are kept here, in one place, so no template can break them: confidential actions
(and findings about their rows) never enter the context, and no email address does either.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass, replace

from automations.core.config import TorConfig
from automations.core.findings import Finding, Report, Severity

# SECTIONS, most urgent first: a digest always shows its sections in that order, whatever order
# the config lists them in, and an action appears only in the first section it belongs to.
from automations.digests.settings import SECTIONS
from automations.model.board import STAGES, Action, Board
from automations.model.schema import is_blank
from automations.model.tor import CHAIR_WORDS, balance_counts, term_end
from automations.rules import catalogue

# The acronyms the Board's papers use, spelled out wherever they appear in a digest.
ACRONYMS = {
    "HBP": "Haringey Borough Partnership",
    "DMT": "Directorate Management Team",
    "ToR": "Terms of Reference",
    "EQIA": "Equality Impact Assessment",
    "ICB": "Integrated Care Board",
    "JPB": "Joint Partnership Board",
    "QA": "Quality Assurance",
}
_ACRONYM = re.compile(r"(?<![(\w])(" + "|".join(ACRONYMS) + r")(?![\w)])")
# Anything with text before an @: valid addresses and mistyped ones ("jo@example", "a@@b.org").
_EMAIL = re.compile(r"""[^\s'"<>()\[\]]+@[^\s'"<>()\[\]]*""")


def spell_out(text: str) -> str:
    """'Ask the ICB' -> 'Ask the Integrated Care Board (ICB)'; already spelled-out text stays."""

    def expand(m: re.Match[str]) -> str:
        words = ACRONYMS[m.group(1)]
        before = text[max(0, m.start() - len(words) - 2) : m.start()]
        return m.group(1) if before.strip().endswith(words) else f"{words} ({m.group(1)})"

    return _ACRONYM.sub(expand, text)


def clean(text: object) -> str:
    """Text from the sheet as a digest may show it: no email addresses, acronyms spelled out."""
    return spell_out(_EMAIL.sub("[email address removed]", " ".join(str(text).split())))


@dataclass(frozen=True)
class ActionLine:
    id: str
    text: str
    owner: str
    due: dt.date | None
    project: str
    status: str
    days_late: int = 0
    completed_on: dt.date | None = None
    new: bool = False  # agreed at this digest's meeting


@dataclass(frozen=True)
class OwnerGroup:
    owner: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class ProjectLine:
    id: str
    title: str
    stage: str
    coproduction: str
    participation: str
    open_duties: tuple[str, ...]


@dataclass(frozen=True)
class TermLine:
    name: str
    role: str
    ends: dt.date
    days_left: int


@dataclass(frozen=True)
class TopFinding:
    severity: str
    where: str
    message: str
    summary: str


@dataclass(frozen=True)
class Health:
    active: int
    cap: int
    residents: int
    carers: int
    staff: int
    others: int
    terms: tuple[TermLine, ...]
    errors: int
    warnings: int
    top: tuple[TopFinding, ...]


@dataclass(frozen=True)
class DigestContext:
    board_name: str
    audience: str
    meeting: dt.date
    previous_meeting: dt.date | None
    next_meeting: dt.date | None
    as_of: dt.date
    sections: tuple[str, ...]
    withheld: int
    raised: tuple[ActionLine, ...] = ()
    overdue: tuple[OwnerGroup, ...] = ()
    due_soon: tuple[ActionLine, ...] = ()
    completed: tuple[ActionLine, ...] = ()
    projects: tuple[ProjectLine, ...] = ()
    health: Health | None = None
    new_count: int = 0  # actions agreed at the meeting, wherever they are shown
    ask: str = ""  # what this audience is asked to do (the summary's second line)
    # Only the acronyms that this digest's text uses, so every word listed appears above it.
    glossary: dict[str, str] = field(default_factory=dict)

    @property
    def overdue_count(self) -> int:
        return sum(len(g.actions) for g in self.overdue)

    @property
    def oldest_late(self) -> int:
        return max((a.days_late for g in self.overdue for a in g.actions), default=0)

    @property
    def new_shown_earlier(self) -> int:
        """New actions listed under overdue or due soon rather than under 'raised'."""
        return self.new_count - len(self.raised)


def is_confidential(action: Action) -> bool:
    # A Confidential cell that could not be read counts as confidential: when unsure, keep it in.
    if action.confidential is None:
        return not is_blank(action.raw.get("confidential"))
    return action.confidential


def build_context(
    board: Board,
    report: Report,
    tor: TorConfig,
    *,
    board_name: str,
    audience: str,
    meeting: dt.date,
    sections: tuple[str, ...],
    top_findings: int = 5,
    ask: str = "",
) -> DigestContext:
    as_of = report.today
    dates = sorted({m.date for m in board.meetings.records if m.date is not None})
    previous = max((d for d in dates if d < meeting), default=None)
    upcoming = min((d for d in dates if d > meeting and d >= as_of), default=None)
    actions = [a for a in board.actions.records if not is_confidential(a)]
    withheld = len(board.actions.records) - len(actions)
    horizon = upcoming or as_of + dt.timedelta(days=tor.meeting_gap_days)
    ordered = tuple(s for s in SECTIONS if s in sections)
    shown: set[int] = set()  # rows already in an earlier section: no action is shown twice

    def lines(chosen: list[Action]) -> tuple[ActionLine, ...]:
        fresh = [a for a in chosen if a.row not in shown]
        shown.update(a.row for a in fresh)
        return tuple(_line(board, a, as_of, meeting) for a in fresh)

    parts: dict[str, object] = {}
    for section in ordered:
        if section == "overdue":
            late = [a for a in sorted(_open_due(actions), key=_due_key) if a.due and a.due < as_of]
            parts["overdue"] = _overdue(lines(late))
        elif section == "due_soon":
            soon = [
                a
                for a in sorted(_open_due(actions), key=_due_key)
                if a.due is not None and as_of <= a.due < horizon
            ]
            parts["due_soon"] = lines(soon)
        elif section == "raised":
            parts["raised"] = lines([a for a in actions if a.raised == meeting])
        elif section == "completed":
            done = [
                a
                for a in sorted(actions, key=lambda a: (a.completed_on or as_of, a.id or ""))
                if a.is_done
                and a.completed_on is not None
                and (previous is None or a.completed_on > previous)
                and a.completed_on <= as_of
            ]
            parts["completed"] = lines(done)
        elif section == "projects":
            parts["projects"] = _projects(board)
        elif section == "health":
            parts["health"] = _health(board, report, tor, top_findings)
    context = DigestContext(
        board_name=board_name,
        audience=audience,
        meeting=meeting,
        previous_meeting=previous,
        next_meeting=upcoming,
        as_of=as_of,
        sections=ordered,
        withheld=withheld,
        new_count=sum(1 for a in actions if a.raised == meeting) if "raised" in ordered else 0,
        ask=clean(ask),
        **parts,  # type: ignore[arg-type]
    )
    return replace(context, glossary=used_acronyms(context))


def used_acronyms(context: DigestContext) -> dict[str, str]:
    """The acronyms that appear in the digest's own words, in the order ACRONYMS lists them."""
    words = " ".join(_strings(context))
    return {short: long for short, long in ACRONYMS.items() if re.search(rf"\b{short}\b", words)}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _strings(v)]
    if is_dataclass(value) and not isinstance(value, type):
        return [
            s
            for f in fields(value)
            if f.name != "glossary"
            for s in _strings(getattr(value, f.name))
        ]
    return []


def _open_due(actions: list[Action]) -> list[Action]:
    return [a for a in actions if a.is_open and a.due is not None]


def _due_key(a: Action) -> tuple[dt.date, str]:
    return (a.due or dt.date.max, a.id or "")


def _owner(board: Board, ref: str | None) -> str:
    owners = board.owners(ref)
    if not owners.people:
        return "no owner recorded"
    if owners.whole_board:
        return owners.label
    names = [
        m.label if m is not None else ("someone not on the members list" if "@" in typed else typed)
        for typed, m in owners.people
    ]
    return clean(" and ".join(names))


def _project(board: Board, ref: str | None) -> str:
    if not ref:
        return ""
    project = board.project(ref)
    return clean(project.label if project else ref)


def _line(board: Board, a: Action, as_of: dt.date, meeting: dt.date) -> ActionLine:
    late = (as_of - a.due).days if a.is_open and a.due and a.due < as_of else 0
    return ActionLine(
        id=clean(a.id or f"row {a.row}"),
        text=clean(a.action or "(no description)"),
        owner=_owner(board, a.owner),
        due=a.due,
        project=_project(board, a.project_id),
        status=a.status or "unknown",
        days_late=late,
        completed_on=a.completed_on,
        new=a.raised == meeting,
    )


def _overdue(late: tuple[ActionLine, ...]) -> tuple[OwnerGroup, ...]:
    groups: dict[str, list[ActionLine]] = defaultdict(list)
    for line in late:
        groups[line.owner].append(line)
    # The owner with the most late work first, so the biggest backlog is read first.
    ordered = sorted(groups.items(), key=lambda kv: (-max(x.days_late for x in kv[1]), kv[0]))
    return tuple(OwnerGroup(owner, tuple(lines)) for owner, lines in ordered)


def _projects(board: Board) -> tuple[ProjectLine, ...]:
    duties = board.projects.schema.duty_columns
    out = []
    for p in board.projects.records:
        if p.stage == "Closed" or p.stage_index is None:
            continue
        open_duties = tuple(
            clean(c.name)
            for c in duties
            if c.duty in STAGES
            and STAGES.index(c.duty) <= p.stage_index
            and p.duties.get(c.field) is not True
        )
        out.append(
            ProjectLine(
                id=clean(p.id or f"row {p.row}"),
                title=clean(p.title or ""),
                stage=p.stage or "",
                coproduction=", ".join(p.coproduction) or "none recorded",
                participation=p.participation_level or "not recorded",
                open_duties=open_duties,
            )
        )
    return tuple(out)


def _health(board: Board, report: Report, tor: TorConfig, top_n: int) -> Health:
    today = report.today
    active = board.active_members(today)
    residents, carers, staff = balance_counts(active)
    terms = []
    for m in active:
        end = term_end(m, tor) if m.is_cochair else None
        if end is not None and (end - today).days <= tor.term_warning_days:
            role = CHAIR_WORDS[m.role]  # type: ignore[index]
            terms.append(TermLine(clean(m.label), role, end, (end - today).days))
    shown = _shareable_findings(board, report)
    counts = report.counts
    return Health(
        active=len(active),
        cap=tor.max_members,
        residents=residents,
        carers=carers,
        staff=staff,
        others=len(active) - residents - carers - staff,
        terms=tuple(sorted(terms, key=lambda t: t.ends)),
        errors=counts["error"],
        warnings=counts["warning"],
        top=tuple(_top(f) for f in shown[:top_n]),
    )


def _shareable_findings(board: Board, report: Report) -> list[Finding]:
    """Errors, then warnings, leaving out anything about a confidential action's row."""
    secret_rows = {a.row for a in board.actions.records if is_confidential(a)}
    keep = [
        f
        for f in report.findings
        if f.severity is not Severity.INFO and not (f.tab == "Actions" and f.row in secret_rows)
    ]
    return sorted(keep, key=lambda f: f.severity.rank)


def _top(f: Finding) -> TopFinding:
    summaries = {r.id: r.summary for r in catalogue()}
    where = f"{f.sheet} {f.cell}" if f.sheet and f.cell else (f.sheet or "Workbook")
    return TopFinding(
        severity=f.severity.value,
        where=where,
        message=clean(f.message),
        summary=clean(summaries.get(f.rule, f.message)),
    )
