"""The Board's activity report for the Haringey Borough Partnership (HBP) and the Joint
Partnership Board (JPB): board + findings + history -> sections of figures and tables. Pure.

The Terms of Reference: the Board "reports to the Haringey Borough Partnership on its
co-production activities", is accountable to it "to showcase its work and highlight any limiting
factors of co-production", and gives the JPB information for its annual report to the Adults and
Health Scrutiny Panel. Every figure carries where it comes from: a workbook tab and its columns,
the check, or the history of checks. Confidential actions stay out, as in the digests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from automations.charts.plot import Chart
from automations.core.findings import Report, Severity
from automations.core.text import add_months, long_date, plural
from automations.model.board import STAGES, Action, Board, Member, Project
from automations.model.schema import Column
from automations.model.tor import RESIDENT_VOICES, balance_counts
from automations.record.history import Snapshot, is_confidential, month_ends
from automations.rules import catalogue

ACTIVITIES = ("Co-planning", "Co-design", "Co-delivery", "Co-evaluation")
PHASES = ("Analyse", "Plan", "Do", "Review")
CATEGORIES = (
    "Resident",
    "Carer or advocate",
    "Health and social care staff",
    "Council officer",
    "Provider",
    "Voluntary sector",
    "Elected member",
)
Cell = str | int | float | dt.date | None


@dataclass(frozen=True)
class Figure:
    label: str
    value: Cell
    source: str


@dataclass(frozen=True)
class Grid:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    source: str
    empty: str = "Nothing to list."
    chart: Chart | None = None  # drawn from this table's own columns, above it


@dataclass(frozen=True)
class Part:
    tab: str  # the workbook tab (at most 31 characters)
    title: str
    intro: str
    figures: tuple[Figure, ...] = ()
    grids: tuple[Grid, ...] = ()


@dataclass(frozen=True)
class BoardReport:
    board_name: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    source: str
    parts: tuple[Part, ...]

    def part(self, tab: str) -> Part:
        return next(p for p in self.parts if p.tab == tab)

    def figure(self, tab: str, label: str) -> Cell:
        return next(f.value for f in self.part(tab).figures if f.label == label)


@dataclass(frozen=True)
class Inputs:
    board: Board
    report: Report
    history: list[Snapshot]  # oldest first; only days in the period are used
    start: dt.date
    end: dt.date
    balance_tolerance: int = 2

    @property
    def as_of(self) -> dt.date:
        return self.report.today

    @property
    def until(self) -> dt.date:
        """The last day the workbook can speak for: the period's end, or today if earlier."""
        return min(self.end, self.as_of)

    def tab(self, name: str) -> str:
        title = {t.schema.name: t.title for t in self.board.tables()}.get(name)
        return f"the {title or name} tab of the workbook"

    @property
    def period(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @property
    def in_period(self) -> list[Snapshot]:
        return [s for s in self.history if self.start <= s.day <= self.end]


def build_report(
    board: Board,
    report: Report,
    history: list[Snapshot],
    start: dt.date,
    end: dt.date,
    board_name: str,
    balance_tolerance: int = 2,
) -> BoardReport:
    """``history``: the records up to ``end`` (older ones tell "none in this period" from "none
    yet"); ``balance_tolerance``: [tor] balance_tolerance, shown on the members' chart."""
    from automations.record.report_record import record_parts  # it builds on this module

    i = Inputs(board, report, history, start, end, balance_tolerance)
    parts = tuple(
        _scrubbed(p)
        for p in (
            _about(i),
            _meetings(i),
            _members(i),
            _projects(i),
            _actions(i),
            _duties(i),
            *record_parts(i),  # the co-production record (issue 31)
            _limits(i),
            _history(i),
        )
    )
    return BoardReport(board_name, start, end, i.as_of, report.source, parts)


# As in the digests: anything with text before an @, valid or mistyped, is taken out.
_EMAIL = re.compile(r"""[^\s'"<>()\[\]]+@[^\s'"<>()\[\]]*""")


def _scrub(value: Cell) -> Cell:
    return _EMAIL.sub("[email address removed]", value) if isinstance(value, str) else value


def _scrubbed(part: Part) -> Part:
    """No email address leaves in the report, wherever it was typed in the workbook."""
    figures = tuple(Figure(f.label, _scrub(f.value), f.source) for f in part.figures)
    grids = tuple(
        Grid(
            g.caption,
            g.headers,
            tuple(tuple(_scrub(v) for v in row) for row in g.rows),
            g.source,
            g.empty,
            g.chart,
        )
        for g in part.grids
    )
    return Part(part.tab, part.title, part.intro, figures, grids)


def yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else "Yes" if value else "No"


# ---------------------------------------------------------------- sections


def _about(i: Inputs) -> Part:
    days = i.in_period
    recorded = (
        f"{len(days)} days, {long_date(days[0].day)} to {long_date(days[-1].day)}"
        if days
        else "none in this period"
    )
    return Part(
        "About",
        "About this report",
        (
            "The Commissioning Co-Production Board reports to the Haringey Borough Partnership "
            "on its co-production activities, and gives the Joint Partnership Board information "
            "for its annual report to the Adults and Health Scrutiny Panel. This report covers "
            f"{i.period}. Each figure says where it comes from: a tab of the Board's workbook, the "
            "check of that workbook against the Terms of Reference, or the history of the daily "
            "checks. Confidential actions are left out, as in the digests."
        ),
        (
            Figure("Period", i.period, "coprod report --from and --to"),
            Figure("Workbook", i.report.source, "[source] in the config"),
            Figure("Checked on", long_date(i.as_of), "the check run for this report"),
            Figure("Daily check records", recorded, "the history of checks (coprod history)"),
        ),
    )


def _meetings(i: Inputs) -> Part:
    held = [m for m in i.board.held_meetings(i.as_of) if m.date and i.start <= m.date <= i.end]
    n = len(held)
    src = f"{i.tab('Meetings')}: rows with a Date from {i.period} and before {long_date(i.as_of)}"

    def count(field: str) -> int:
        return sum(getattr(m, field) is True for m in held)

    figures = (
        Figure("Meetings held", n, src),
        Figure(
            "Resident co-chair present",
            f"{count('resident_cochair_present')} of {n}",
            f"{i.tab('Meetings')}, Resident co-chair present",
        ),
        Figure(
            "Commissioner co-chair present",
            f"{count('commissioner_cochair_present')} of {n}",
            f"{i.tab('Meetings')}, Commissioner co-chair present",
        ),
        Figure(
            "A deputy stood in",
            f"{sum(bool(m.deputy) for m in held)} of {n}",
            f"{i.tab('Meetings')}, Deputy",
        ),
        Figure(
            "Actions followed up",
            f"{count('actions_followed_up')} of {n}",
            f"{i.tab('Meetings')}, Actions followed up",
        ),
        Figure(
            "Easy-read minutes",
            f"{count('easy_read_minutes')} of {n}",
            f"{i.tab('Meetings')}, Easy-read minutes",
        ),
    )
    rows = tuple(
        (
            m.date,
            m.row,
            m.length_hours,
            yes_no(m.resident_cochair_present),
            yes_no(m.commissioner_cochair_present),
            _name(i.board, m.deputy),
            _name(i.board, m.minute_taker),
            yes_no(m.actions_followed_up),
            yes_no(m.easy_read_minutes),
        )
        for m in held
    )
    grid = Grid(
        "Meetings held",
        (
            "Date",
            "Workbook row",
            "Length (hours)",
            "Resident co-chair present",
            "Commissioner co-chair present",
            "Deputy",
            "Minute-taker",
            "Actions followed up",
            "Easy-read minutes",
        ),
        rows,
        src,
        "No meeting was held.",
    )
    attendance = Grid(
        "The co-chairs at each meeting (1 present, 0 absent or not recorded)",
        ("Meeting", "Resident co-chair", "Commissioner co-chair"),
        tuple(
            (
                m.date,
                int(m.resident_cochair_present is True),
                int(m.commissioner_cochair_present is True),
            )
            for m in held
        ),
        f"{i.tab('Meetings')}, Resident co-chair present and Commissioner co-chair present",
        "No meeting was held.",
        Chart("The co-chairs at each meeting", "stacked", 0, (1, 2), "Co-chairs present"),
    )
    return Part(
        "Meetings",
        "Meetings held and attendance of the co-chairs",
        (
            "The Terms of Reference ask for monthly meetings of two hours, and for both co-chairs "
            "at every meeting (a deputy is nominated when one cannot come)."
        ),
        figures,
        (attendance, grid),
    )


def _name(board: Board, ref: str | None) -> str:
    return board.owners(ref).label


def _members(i: Inputs) -> Part:
    records = i.board.members.records
    before = [m for m in records if m.active_on(i.start)]
    after = [m for m in records if m.active_on(i.until)]
    src = f"{i.tab('Members')}: Category, Joined and Left"
    joined = [m for m in records if m.joined and i.start < m.joined <= i.until]
    left = [m for m in records if m.left and i.start < m.left <= i.until]
    a, b = Counter(m.category for m in before), Counter(m.category for m in after)
    rows = [(c, a[c], b[c], b[c] - a[c]) for c in CATEGORIES]
    if a[None] or b[None]:  # a blank or unreadable Category (the check reports which)
        rows.append(("Category not recorded", a[None], b[None], b[None] - a[None]))
    rows.append(("Total", len(before), len(after), len(after) - len(before)))
    voices = ("Residents", "Carers or advocates", "Health and social care staff or officers")
    vb, va = balance_counts(before), balance_counts(after)
    figures = (
        Figure(f"Members on {long_date(i.start)}", len(before), src),
        Figure(f"Members on {long_date(i.until)}", len(after), src),
        Figure("Joined during the period", len(joined), f"{i.tab('Members')}: Joined"),
        Figure("Left during the period", len(left), f"{i.tab('Members')}: Left"),
        Figure("Balance at the start (residents / carers / staff)", "/".join(map(str, vb)), src),
        Figure("Balance at the end (residents / carers / staff)", "/".join(map(str, va)), src),
    )
    change = tuple((m.label, m.category, "joined", m.joined, m.row) for m in joined) + tuple(
        (m.label, m.category, "left", m.left, m.row) for m in left
    )
    return Part(
        "Members",
        "Members by group, and how the balance moved",
        (
            "The co-chairs keep a balance between residents, carers and health and social care "
            "staff, so that the voice of the resident is equally represented; the Board has at "
            "most twenty members."
        ),
        figures,
        (
            Grid(
                "Members by group",
                ("Group", long_date(i.start), long_date(i.until), "Change"),
                tuple(rows),
                src,
            ),
            Grid(
                "The three voices",
                ("Voice", long_date(i.start), long_date(i.until), "Change"),
                tuple((v, x, y, y - x) for v, x, y in zip(voices, vb, va, strict=True)),
                src,
            ),
            _voices_by_month(i, records, src),
            Grid(
                "Who joined or left",
                ("Member", "Group", "Change", "On", "Workbook row"),
                change,
                src,
                "Nobody joined or left.",
            ),
        ),
    )


def months_of(i: Inputs) -> list[dt.date]:
    """The last day of each month of the period up to ``until`` (the last one: ``until``)."""
    out, first = [], i.start.replace(day=1)
    while first <= i.until:
        out.append(min(add_months(first, 1) - dt.timedelta(days=1), i.until))
        first = add_months(first, 1)
    return [d for d in out if d >= i.start]


def _voices_by_month(i: Inputs, records: list[Member], src: str) -> Grid:
    """The three voices at each month's end (from Joined and Left), the gap between the
    largest and the smallest, and the most the Terms of Reference's balance rule allows."""
    rows = []
    for day in months_of(i):
        voices = balance_counts([m for m in records if m.active_on(day)])
        rows.append((f"{day:%B %Y}", *voices, max(voices) - min(voices), i.balance_tolerance))
    return Grid(
        "The three voices at the end of each month",
        (
            "Month",
            "Residents",
            "Carers or advocates",
            "Health and social care staff or officers",
            "Gap between the largest and smallest",
            "Largest gap allowed",
        ),
        tuple(rows),
        f"{src}; the largest gap allowed is [tor] balance_tolerance",
        "The period has not started yet.",
        Chart(
            "Members by voice, month by month, and the balance",
            "lines",
            0,
            (1, 2, 3, 4, 5),
            "Members",
            levels=(5,),
        ),
    )


def _projects(i: Inputs) -> Part:
    projects = _period_projects(i)
    src = f"{i.tab('Projects')}: Stage, Cycle phase, Co-production and Assigned members"
    stages = Counter(p.stage for p in projects)
    phases = Counter(p.cycle_phase for p in projects)
    figures = (
        Figure(
            "Projects",
            len(projects),
            f"{i.tab('Projects')}: every row started by {long_date(i.end)} (or with no Start)",
        ),
        *(Figure(f"Stage: {s}", stages[s], f"{i.tab('Projects')}: Stage") for s in STAGES),
        *(
            Figure(f"Cycle phase: {p}", phases[p], f"{i.tab('Projects')}: Cycle phase")
            for p in PHASES
        ),
        *(
            Figure(
                a, sum(a in p.coproduction for p in projects), f"{i.tab('Projects')}: Co-production"
            )
            for a in ACTIVITIES
        ),
        Figure(
            "Residents and carers involved (counted once each)",
            len({m.row for p in projects for m in _voices(i.board, p)}),
            f"{i.tab('Projects')}: Assigned members, with {i.tab('Members')}: Category",
        ),
    )
    rows = tuple(
        (
            p.id,
            p.title,
            p.row,
            p.stage,
            p.cycle_phase,
            *("Yes" if a in p.coproduction else "No" for a in ACTIVITIES),
            p.participation_level,
            len(_voices(i.board, p)),
            "; ".join(m.label for m in _voices(i.board, p)),
        )
        for p in projects
    )
    headers = (
        "Project ID",
        "Title",
        "Workbook row",
        "Stage",
        "Cycle phase",
        *ACTIVITIES,
        "Participation level",
        "Residents and carers",
        "Who",
    )
    return Part(
        "Projects",
        "Projects, co-production activities and who took part",
        (
            "The Board co-produces through co-planning, co-design, co-delivery and co-evaluation, "
            "across the commissioning cycle (analyse, plan, do, review)."
        ),
        figures,
        (Grid("Projects", headers, rows, src, "No project is in the workbook."),),
    )


def _period_projects(i: Inputs) -> list[Project]:
    return [p for p in i.board.projects.records if p.start is None or p.start <= i.end]


def _voices(board: Board, p: Project) -> list[Member]:
    found = (board.member(ref) for ref in p.assigned_members)
    return [m for m in found if m is not None and m.category in RESIDENT_VOICES]


def _actions(i: Inputs) -> Part:
    records = i.board.actions.records
    shared = [a for a in records if not is_confidential(a)]
    raised = [a for a in shared if a.raised and i.start <= a.raised <= i.end]
    done = [
        a for a in shared if a.is_done and a.completed_on and i.start <= a.completed_on <= i.end
    ]
    still_open = [a for a in shared if a.is_open]
    late = [a for a in still_open if a.due and a.due < i.as_of]
    src = f"{i.tab('Actions')}: Raised, Status, Completed on and Due"
    figures = [
        Figure("Actions raised", len(raised), f"{i.tab('Actions')}: Raised in the period"),
        Figure(
            "Actions completed",
            len(done),
            f"{i.tab('Actions')}: Status Done, Completed on in the period",
        ),
        Figure(
            f"Open on {long_date(i.as_of)}",
            len(still_open),
            f"{i.tab('Actions')}: Status Open or In progress",
        ),
        Figure(
            f"Overdue on {long_date(i.as_of)}",
            len(late),
            f"{i.tab('Actions')}: open, with Due before {long_date(i.as_of)}",
        ),
        Figure(
            "Confidential actions left out",
            len(records) - len(shared),
            f"{i.tab('Actions')}: Confidential",
        ),
    ]
    days = i.in_period
    if days:
        h = "the history of checks"
        figures += [
            Figure(
                f"Open on {long_date(days[0].day)} (first check in the period)", days[0].open, h
            ),
            Figure(
                f"Open on {long_date(days[-1].day)} (last check in the period)", days[-1].open, h
            ),
            Figure(
                f"Overdue on {long_date(days[-1].day)} (last check in the period)",
                days[-1].overdue,
                h,
            ),
        ]
    by_project = Counter(a.project_id or "(no project)" for a in raised)
    completed = Counter(a.project_id or "(no project)" for a in done)
    keys = sorted(set(by_project) | set(completed))
    rows = tuple(
        (
            a.id,
            a.raised,
            a.project_id,
            a.action,
            _name(i.board, a.owner),
            a.status,
            a.due,
            a.completed_on,
            a.row,
        )
        for a in sorted(raised, key=lambda a: (a.raised, a.id or ""))
    )
    return Part(
        "Actions",
        "Actions raised and completed",
        (
            "Every meeting is minuted and its actions recorded; the co-chairs follow up on all "
            "actions at each meeting."
        ),
        tuple(figures),
        (
            _actions_by_month(i, raised, done, src),
            Grid(
                "Actions by project",
                ("Project", "Raised", "Completed"),
                tuple((k, by_project[k], completed[k]) for k in keys),
                src,
                "No action was raised or completed.",
            ),
            Grid(
                "Actions raised in the period",
                (
                    "Action ID",
                    "Raised",
                    "Project",
                    "Action",
                    "Owner",
                    "Status",
                    "Due",
                    "Completed on",
                    "Workbook row",
                ),
                rows,
                src,
                "No action was raised.",
            ),
        ),
    )


def _actions_by_month(i: Inputs, raised: list[Action], done: list[Action], src: str) -> Grid:
    def key(d: dt.date | None) -> tuple[int, int]:
        return (d.year, d.month) if d else (0, 0)

    up = Counter(key(a.raised) for a in raised)
    down = Counter(key(a.completed_on) for a in done)
    return Grid(
        "Actions raised and completed each month",
        ("Month", "Raised", "Completed"),
        tuple((f"{d:%B %Y}", up[key(d)], down[key(d)]) for d in months_of(i)),
        src,
        "The period has not started yet.",
        Chart("Actions raised and completed each month", "bars", 0, (1, 2), "Actions"),
    )


# The duties the report to HBP and the JPB names first; every duty column is listed below.
KEY_DUTIES = (
    "duty_stakeholders_identified",
    "duty_advertised_website",
    "duty_advertised_groups",
    "duty_lessons_learned_held",
    "duty_work_transferred",
    "duty_jpb_information_provided",
)


def _duties(i: Inputs) -> Part:
    columns = i.board.projects.schema.duty_columns
    projects = _period_projects(i)
    figures = []
    for c in sorted(columns, key=lambda c: c.field not in KEY_DUTIES):
        due = [p for p in projects if _due(p, c)]
        done = sum(p.duties.get(c.field) is True for p in due)
        figures.append(
            Figure(
                f"{c.name}: done",
                f"{done} of {plural(len(due), 'project')} at or past {c.duty}",
                f"{i.tab('Projects')}: {_header(i, c)}, and Stage",
            )
        )
    rows = []
    for p in projects:
        for c in columns:
            value = (
                _DUTY_WORDS[p.duties.get(c.field)]
                if i.board.projects.has(c.field)
                else "column missing"
            )
            rows.append(
                (
                    p.id,
                    p.stage,
                    c.task or c.name,
                    c.duty,
                    c.responsible,
                    "Yes" if _due(p, c) else "Not yet",
                    value,
                    p.row,
                )
            )
    return Part(
        "ToR duties",
        "Terms of Reference duties done per project",
        (
            "The Terms of Reference give the Board duties at each stage of a commissioning "
            "project: "
            "identify stakeholders and advertise the activity before it starts, agree the work at "
            "initiation, and at the end give the Joint Partnership Board information, agree "
            "handing the work to the regular team and hold a lessons learned session. A duty is "
            "due once the project has reached its stage."
        ),
        tuple(figures),
        (
            _duties_by_project(i, projects, columns),
            Grid(
                "Each duty of each project",
                (
                    "Project ID",
                    "Stage",
                    "Duty",
                    "ToR stage",
                    "Responsible",
                    "Due at this stage",
                    "Recorded",
                    "Workbook row",
                ),
                tuple(rows),
                f"{i.tab('Projects')}: the duty columns (Yes or No) and Stage",
                "No project is in the workbook.",
            ),
        ),
    )


_DUTY_WORDS = {True: "Done", False: "Not done", None: "not recorded"}


def _duties_by_project(i: Inputs, projects: list[Project], columns: tuple[Column, ...]) -> Grid:
    rows = []
    for p in projects:
        due = [c for c in columns if _due(p, c)]
        done = sum(p.duties.get(c.field) is True for c in due)
        rows.append((p.id or f"row {p.row}", done, len(due) - done))
    return Grid(
        "Duties due so far, done and not done, per project",
        ("Project", "Done", "Due but not done or not recorded"),
        tuple(rows),
        f"{i.tab('Projects')}: the duty columns and Stage",
        "No project is in the workbook.",
        Chart("Terms of Reference duties done per project", "stacked", 0, (1, 2), "Duties"),
    )


def _due(p: Project, c: Column) -> bool:
    return p.stage_index is not None and c.duty in STAGES and STAGES.index(c.duty) <= p.stage_index


def _header(i: Inputs, c: Column) -> str:
    return i.board.projects.header(c.field)


def _limits(i: Inputs) -> Part:
    secret = {a.row for a in i.board.actions.records if is_confidential(a)}
    shown = [
        f
        for f in i.report.findings
        if f.severity is not Severity.INFO and not (f.tab == "Actions" and f.row in secret)
    ]
    summaries = {r.id: r.summary for r in catalogue()}
    by_rule = Counter((f.rule, f.severity.value) for f in shown)
    src = f"the check of {long_date(i.as_of)} against the Terms of Reference"
    figures = [
        Figure("Errors", sum(f.severity is Severity.ERROR for f in shown), src),
        Figure("Warnings", sum(f.severity is Severity.WARNING for f in shown), src),
    ]
    days = i.in_period
    if days:
        figures += [
            Figure(f"Errors on {long_date(s.day)} ({when})", s.errors, "the history of checks")
            for s, when in (
                (days[0], "first check in the period"),
                (days[-1], "last check in the period"),
            )
        ]
    rule_rows = tuple(
        (summaries.get(rule, rule), severity, n, rule)
        for (rule, severity), n in sorted(by_rule.items(), key=lambda kv: (kv[0][1], -kv[1]))
    )
    detail = tuple((f.severity.value, f.sheet, f.cell or "", f.message) for f in shown)
    return Part(
        "Limiting factors",
        "Limiting factors: open problems the check found",
        (
            "The Board is accountable to the Haringey Borough Partnership to showcase its work and "
            "highlight any limiting factors of co-production. These are the problems the check "
            "found in the workbook: each is something the Terms of Reference ask for that is not "
            "yet recorded as done."
        ),
        tuple(figures),
        (
            Grid(
                "Problems by rule",
                ("What the rule checks", "Level", "How many", "Rule"),
                rule_rows,
                src,
                "The check found no problem.",
            ),
            Grid(
                "Each problem",
                ("Level", "Tab", "Cell", "What to do"),
                detail,
                src,
                "The check found no problem.",
            ),
        ),
    )


def _history(i: Inputs) -> Part:
    months = month_ends(i.in_period)
    rows = tuple(
        (
            f"{dt.date(y, m, 1):%B %Y}",
            s.day,
            s.open,
            s.overdue,
            s.done,
            s.errors,
            s.warnings,
            s.members,
            *s.voices(),
        )
        for (y, m), s in sorted(months.items())
    )
    src = "the history of checks: the last check recorded in each month (coprod history)"
    return Part(
        "History",
        "How things moved, month by month",
        (
            "The service records what the first check of each day found. This is the last record "
            "of each month in the period."
        ),
        (Figure("Months with a record", len(rows), src),),
        (
            Grid(
                "The last check of each month",
                (
                    "Month",
                    "Checked on",
                    "Open actions",
                    "Overdue actions",
                    "Done actions",
                    "Errors",
                    "Warnings",
                    "Members",
                    "Residents",
                    "Carers or advocates",
                    "Staff",
                ),
                rows,
                src,
                "No check was recorded in this period.",
                Chart(
                    "Open and overdue actions, month by month",
                    "lines",
                    0,
                    (2, 3),
                    "Actions",
                    empty=_no_history(i),
                ),
            ),
        ),
    )


def _no_history(i: Inputs) -> str:
    if not i.history:
        return (
            "No daily check has been recorded yet, so there is no chart of how open and overdue "
            "actions moved: the service records one each day it checks the Board."
        )
    return "No daily check was recorded in this period, so there is no chart of it."
