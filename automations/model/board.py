"""Raw tables -> typed records (Member, Project, Action, Meeting) and the Board that holds them.

Reading collects the schema findings that belong to single cells (missing tab or column, blank
required cell, unreadable value); a cell that cannot be read becomes None in its record, so rules
never see a half-understood value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field, replace

from automations.core.findings import Finding, Severity
from automations.core.records import record
from automations.core.text import long_date
from automations.model.header import header_keys, locate_header
from automations.model.people import (
    could_be_initials,
    initials,
    is_whole_board,
    split_people,
    without_role,
)
from automations.model.raw import RawTable, RawWorkbook, column_letter, the_checks_own
from automations.model.rows import not_records_finding, split_rows
from automations.model.schema import (
    CELL_LIMIT,
    DATE_HELP,
    CellProblem,
    Column,
    HeaderMatch,
    NoDate,
    ReadInWords,
    TableSchema,
    display,
    invisible_in_id,
    match_headers,
    normalize,
    parse_cell,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any

RESIDENT_CHAIR = "Co-chair (resident)"
COMMISSIONER_CHAIR = "Co-chair (commissioner)"
RESIDENT_VOICES = ("Resident", "Carer or advocate")
STAFF = ("Health and social care staff", "Council officer")
OPEN_STATUSES = ("Open", "In progress")
STAGES = ("Pre-initiation", "Initiation", "During", "After completion", "Conclusion", "Closed")


@record
class Record:
    """A row of a tab, typed: where it is, and its cells as read (for messages)."""

    row: int
    raw: dict[str, object] = field(default_factory=dict, repr=False)
    # The tab the row is on, when its list is read from several tabs ([source.tabs] tabs);
    # None: the table's own tab.
    sheet: str | None = field(default=None, repr=False)


@record
class Member(Record):
    """A row of the Members tab."""

    id: str | None = None
    name: str | None = None
    email: str | None = None
    role: str | None = None
    category: str | None = None
    seat: str | None = None
    organisation: str | None = None
    joined: dt.date | None = None
    left: dt.date | None = None
    term_start: dt.date | None = None
    term_extended: bool | None = None
    chairs_other_group: bool | None = None
    agreed_tor: bool | None = None
    easy_read: bool | None = None
    service_areas: str | None = None
    format: str | None = None  # Standard, Easy read, Large print, No email (blank: see easy_read)

    def active_on(self, day: dt.date) -> bool:
        joined = self.joined is None or self.joined <= day
        return joined and (self.left is None or self.left > day)

    @property
    def is_cochair(self) -> bool:
        return self.role in (RESIDENT_CHAIR, COMMISSIONER_CHAIR)

    @property
    def label(self) -> str:
        return self.name or self.id or f"row {self.row}"


@record
class Project(Record):
    """A row of the Projects tab, with the Terms of Reference duties done or not."""

    id: str | None = None
    title: str | None = None
    lead_officer: str | None = None
    stage: str | None = None
    cycle_phase: str | None = None
    coproduction: tuple[str, ...] = ()
    participation_level: str | None = None
    objectives: str | None = None
    assigned_members: tuple[str, ...] = ()
    sub_group: str | None = None
    sub_group_lead: str | None = None
    eqia_completed: bool | None = None
    start: dt.date | None = None
    target_end: dt.date | None = None
    duties: dict[str, bool | None] = field(default_factory=dict)  # field -> done?

    @property
    def stage_index(self) -> int | None:
        return STAGES.index(self.stage) if self.stage in STAGES else None

    @property
    def label(self) -> str:
        return f"{self.id} {self.title}".strip() if self.title else (self.id or f"row {self.row}")


@record
class Action(Record):
    """A row of the action log (the Actions tab, or the tabs read as one list)."""

    id: str | None = None
    raised: dt.date | None = None
    project_id: str | None = None
    action: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    status: str | None = None
    completed_on: dt.date | None = None
    last_update: dt.date | None = None
    update: str | None = None
    confidential: bool | None = None
    rag: str | None = None  # how it is going (Red, Amber, Green), or Complete
    done: bool | None = None  # a Done tick box
    # Set when the tab has no Status column: an action nothing marks closed is open.
    open_unless_closed: bool = False

    @property
    def state(self) -> str | None:
        """Open, done or dropped (None when nothing tells). A filled Status cell decides; else a
        Done tick box, then a RAG rating (only "Complete" closes: Red, Amber and Green say how
        an open action is going), then a Completed on date."""
        if self.status is not None:
            if self.status in OPEN_STATUSES:
                return "open"
            return "dropped" if self.status == "Dropped" else "done"
        if self.done is not None:
            return "done" if self.done else "open"
        if self.rag is not None:
            return "done" if self.rag == "Complete" else "open"
        if self.completed_on is not None:
            return "done"
        return "open" if self.open_unless_closed else None

    @property
    def is_open(self) -> bool:
        if self.status is not None:  # state's first test, without the call: rules ask often
            return self.status in OPEN_STATUSES
        return self.state == "open"

    @property
    def is_done(self) -> bool:
        return self.state == "done"


@record
class Meeting(Record):
    """A row of the Meetings tab."""

    date: dt.date | None = None
    length_hours: float | None = None
    minute_taker: str | None = None
    resident_cochair_present: bool | None = None
    commissioner_cochair_present: bool | None = None
    deputy: str | None = None
    actions_followed_up: bool | None = None
    membership_reviewed: bool | None = None
    easy_read_minutes: bool | None = None

    def held_by(self, today: dt.date) -> bool:
        return self.date is not None and self.date < today


RECORD_TYPES: dict[str, type[Record]] = {
    "members": Member,
    "projects": Project,
    "actions": Action,
    "meetings": Meeting,
}


@record
class Table:
    """Where one tab's records live in the workbook, so findings can point at cells."""

    schema: TableSchema
    title: str | None  # None when the tab is missing
    match: HeaderMatch | None
    records: list[Any] = field(default_factory=list)
    header_row: int = 1  # the sheet's own row number of the header row
    row_address: str = ""  # RawTable.row_address: a web address with "{row}", or ""
    # With no Meetings tab: where the meeting dates came from ("the 'Meeting date' column of
    # the 'Action log' tab"), else "".
    derived_from: str = ""
    # How dates written in words were read ("w/c 12 Jan", "TBC"): one finding per tab says so.
    read_notes: list[str] = field(default_factory=list, repr=False)
    # Fields read from another column when the tab has none of their own, with how ("role":
    # "the names, such as 'Jon Tomlinson (Co-Chair)'").
    read_from: dict[str, str] = field(default_factory=dict, repr=False)
    # Same-shaped tabs read as one list (_build_together): the header match of each tab whose
    # columns sit elsewhere than the first's, by the tab's key (Record.sheet). Its records'
    # cells are pointed at, and answers written, in that tab's own columns.
    places: dict[str, HeaderMatch] = field(default_factory=dict, repr=False)

    def address(self, row: int) -> str:
        """The web address that opens ``row`` of this tab, or "" (a file has none)."""
        return self.row_address.replace("{row}", str(row))

    @property
    def present(self) -> bool:
        return self.title is not None

    def has(self, field_name: str) -> bool:
        return self.match is not None and field_name in self.match.positions

    def can_read(self, field_name: str) -> bool:
        """Whether the tab has the column, or one that stands in for it (Column.instead)."""
        if self.has(field_name) or field_name in self.read_from:
            return True
        col = next((c for c in self.schema.columns if c.field == field_name), None)
        return col is not None and any(self.has(f) for f in col.instead)

    def match_of(self, sheet: str | None) -> HeaderMatch | None:
        """The header match of the tab ``sheet`` (a record's own tab, Record.sheet), which may
        place the columns elsewhere than this table's first tab does."""
        return self.places.get(sheet or "", self.match)

    def position(self, field_name: str, record: Record | None = None) -> int | None:
        """The 0-based column of ``field_name`` on ``record``'s own tab (else the first)."""
        match = self.match_of(record.sheet if record is not None else None)
        return match.positions.get(field_name) if match is not None else None

    def header(self, field_name: str) -> str:
        if self.match and field_name in self.match.headers:
            return self.match.headers[field_name]
        return self.schema.column(field_name).name

    def finding(
        self,
        severity: Severity,
        message: str,
        record: Record | None = None,
        field_name: str | None = None,
        rule: str = "",
    ) -> Finding:
        """A finding at a record's cell; with no record, at the column's header cell. A rule
        function leaves ``rule`` out: its decorator fills in the rule's id."""
        column = self.header(field_name) if field_name else None
        index = self.position(field_name, record) if field_name else None
        row = record.row if record is not None else (self.header_row if index is not None else None)
        cell = f"{column_letter(index + 1)}{row}" if index is not None and row else None
        value = display(record.raw.get(field_name)) if record is not None and field_name else None
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            sheet=record.sheet if record is not None and record.sheet else self.title,
            row=row,
            column=column,
            cell=cell,
            value=value,
            tab=self.schema.name,
            column_index=index + 1 if index is not None else None,
        )


@record
class Board:
    """The whole board, typed: every tab's records, and members found by id, name or initials."""

    members: Table
    projects: Table
    actions: Table
    meetings: Table
    # The co-production record's optional tabs (model/record_tabs.py, issue 31).
    subgroups: Table
    engagement: Table
    you_said_we_did: Table
    recognition: Table
    source: str = ""
    _index: dict[str, Member] = field(default_factory=dict, repr=False)
    _projects: dict[str, Project] = field(default_factory=dict, repr=False)
    _initials: dict[str, Member | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Later rows never shadow earlier ones: duplicates are reported, the first one wins.
        for m in self.members.records:
            for key in (m.id, m.name, m.email):
                if key:
                    self._index.setdefault(_ref_key(key), m)
            # Initials stand for a member only when nobody else has them (None: shared).
            for short in initials(m.name or ""):
                self._initials[short] = None if short in self._initials else m
        for p in self.projects.records:
            if p.id:
                self._projects.setdefault(_ref_key(p.id), p)

    def tables(self) -> tuple[Table, ...]:
        return (
            self.members, self.projects, self.actions, self.meetings,
            self.subgroups, self.engagement, self.you_said_we_did, self.recognition,
        )

    def member(self, ref: str | None) -> Member | None:
        """A member by Member ID, exact name or email, ignoring case and surrounding spaces;
        else by initials ("JT" for Jon Tomlinson) when they are nobody else's."""
        if not ref:
            return None
        found = self._index.get(_ref_key(ref))
        if found is None and could_be_initials(ref):
            found = self._initials.get(_ref_key(ref))
        return found

    def owners(self, ref: str | None) -> Owners:
        """Who a cell names: one member, several ("JT/AD", "JT & AD", "JT, AD"), or the whole
        Board ("All", "Board"). The one resolver rules, digests and reminders share."""
        if not ref or not ref.strip():
            return Owners(())
        if is_whole_board(ref):
            return Owners(((ref.strip(), None),), whole_board=True)
        whole = self.member(ref)
        parts = [ref.strip()] if whole is not None else split_people(ref)
        return Owners(tuple((p, self.member(p)) for p in parts))

    def project(self, ref: str | None) -> Project | None:
        return self._projects.get(_ref_key(ref)) if ref else None

    def active_members(self, today: dt.date) -> list[Member]:
        return [m for m in self.members.records if m.active_on(today)]

    def held_meetings(self, today: dt.date) -> list[Meeting]:
        return sorted((m for m in self.meetings.records if m.held_by(today)), key=lambda m: m.date)


def _ref_key(ref: str) -> str:
    return " ".join(ref.split()).casefold()


@record(frozen=True)
class Owners:
    """The people one Owner cell names, each as typed with the member found (or None)."""

    people: tuple[tuple[str, Member | None], ...]
    whole_board: bool = False

    @property
    def members(self) -> list[Member]:
        return [m for _, m in self.people if m is not None]

    @property
    def unknown(self) -> list[str]:
        return [] if self.whole_board else [typed for typed, m in self.people if m is None]

    @property
    def label(self) -> str:
        """For people: "the whole Board", "Jon Tomlinson and Amina Dar", or the text typed."""
        if self.whole_board:
            return "the whole Board"
        names = [m.label if m is not None else typed for typed, m in self.people]
        return (
            " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
        )


# ---------------------------------------------------------------- building


def find_tab(raw: RawWorkbook, schema: TableSchema) -> RawTable | None:
    if schema.name in raw.chosen:  # [source.tabs.<Tab>] named it, or put it in another workbook
        return raw.tables.get(raw.chosen[schema.name])
    home = raw.homes.get(schema.name, "")
    keys = schema.tab_keys()
    for table in raw.tables.values():
        if table.workbook == home and normalize(table.title) in keys:
            return table
    return None


def _tabs_found(raw: RawWorkbook, schema: TableSchema) -> str:
    home = raw.homes.get(schema.name, "")
    return ", ".join(
        repr(t.title) for t in raw.tables.values() if t.workbook == home and not the_checks_own(t)
    ) or "none"


def build_board(
    raw: RawWorkbook, schemas: dict[str, TableSchema], today: dt.date
) -> tuple[Board, list[Finding]]:
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    for key, schema in schemas.items():
        if len(raw.together.get(schema.name, ())) > 1:
            tables[key] = _build_together(raw, schema, _record_type(key), today, findings)
            continue
        rt = find_tab(raw, schema)
        if rt is None:
            findings.append((_missing_tab if schema.required else _optional_tab)(raw, schema))
            tables[key] = Table(schema, None, None)
            continue
        if schema.name in raw.header_rows:
            rt = replace(rt, forced_header_row=raw.header_rows[schema.name])
        choice = locate_header(rt, schema)
        if not choice.found:
            findings.append(_no_header_row(rt, schema))
            tables[key] = Table(schema, rt.title, None)  # present, but no rule can read it
            continue
        tables[key] = _build_table(choice.table, schema, _record_type(key), today, findings)
    _settle_actions(tables["actions"])
    _roles_from_names(tables["members"])
    _meetings_from_actions(tables["meetings"], tables["actions"], findings)
    return Board(**tables, source=raw.name), findings


# What the Raised column's header says when its dates are the Board's meetings.
MEETING_WORDS = ("meeting", "raisedat", "board")


def _meetings_from_actions(meetings: Table, actions: Table, findings: list[Finding]) -> None:
    """No Meetings tab, but an action log whose Raised column says when the Board met: headed
    "Meeting date" or "Raised at", or its dates falling on a few days that several actions share
    (action points are raised at meetings). They become the meeting dates the digests and packs
    follow; the tab stays missing, so the meeting rules (which need the tab's columns) are still
    skipped, and one information finding says where the dates came from."""
    if meetings.present or not actions.has("raised"):
        return
    header = actions.header("raised")
    dated = [a for a in actions.records if a.raised is not None]
    first: dict[dt.date, int] = {}
    for a in dated:
        first.setdefault(a.raised, a.row)  # type: ignore[arg-type]
    said = any(word in normalize(header) for word in MEETING_WORDS)
    # Without words to say so, dates shared by at least two actions each on average.
    shared = len(dated) >= 4 and 2 * len(first) <= len(dated)
    if not first or not (said or shared):
        return
    meetings.records = [Meeting(row=row, date=day) for day, row in sorted(first.items())]
    meetings.derived_from = f"the {header!r} column of the {actions.title!r} tab"
    why = "" if said else f" ({len(dated)} actions were raised on {len(first)} days)"
    findings.append(
        Finding(
            rule="schema.missing_tab",
            severity=Severity.INFO,
            sheet=actions.title,
            column=header,
            tab=meetings.schema.name,
            message=(
                f"The Board's meeting dates were taken from {meetings.derived_from}{why}: "
                f"{len(first)} meeting{'s' if len(first) > 1 else ''}, the latest on "
                f"{long_date(max(first))}. Digests are sent after these meetings."
            ),
        )
    )


def _settle_actions(table: Table) -> None:
    """With no Status column, an action is open until a Done tick, a RAG "Complete" or a
    Completed on date closes it (Action.state)."""
    if table.match is not None and not table.has("status") and table.can_read("status"):
        for a in table.records:
            a.open_unless_closed = True


def _build_together(
    raw: RawWorkbook,
    schema: TableSchema,
    record_type: type[Record],
    today: dt.date,
    findings: list[Finding],
) -> Table:
    """Same-shaped tabs (one per project) read as one list: each row keeps its own tab, and
    without a Project ID column its project is its tab's name. A tab may place the columns
    elsewhere, or its header on another row (Table.places keeps its own match); a tab headed
    differently is not read, and said so."""
    first: Table | None = None
    records: list[Record] = []
    for title in raw.together[schema.name]:
        rt = raw.tables[title]
        if schema.name in raw.header_rows:
            rt = replace(rt, forced_header_row=raw.header_rows[schema.name])
        choice = locate_header(rt, schema)
        if not choice.found:
            findings.append(_no_header_row(rt, schema))
            continue
        own: list[Finding] = []
        part = _build_table(choice.table, schema, record_type, today, own)
        if first is not None and first.match and not _same_shape(part.match, first.match):
            findings.append(_other_places(rt.title, first, schema))
            continue
        if first is not None and part.match != first.match:
            first.places[title] = part.match  # type: ignore[assignment]
        # A missing column is said once, for the first tab.
        findings.extend(f for f in own if first is None or f.rule != "schema.missing_column")
        for r in part.records:
            r.sheet = title
            if schema.key == "actions" and not part.has("project_id"):
                r.project_id = rt.title  # type: ignore[attr-defined]
        records += part.records
        first = first or part
    if first is None:
        return Table(schema, raw.together[schema.name][0], None)
    first.records = records
    return first


def _same_shape(a: HeaderMatch | None, b: HeaderMatch) -> bool:
    """The same headers for the same fields (each tab's columns may sit in other places, and
    its header on another row: each record keeps its tab, Table.places)."""
    return a is not None and a.headers == b.headers and a.missing == b.missing


def _other_places(title: str, first: Table, schema: TableSchema) -> Finding:
    return Finding(
        rule="schema.missing_column",
        severity=Severity.ERROR,
        sheet=title,
        tab=schema.name,
        message=(
            f"The {title!r} tab is read with {first.title!r} as one {schema.name} list, but its "
            "columns are headed differently, so it was not checked. Give it the same headers "
            f"as {first.title!r} (in any order), or remove it from tabs in "
            f"[source.tabs.{schema.name}]."
        ),
    )


def _record_type(key: str) -> type[Record]:
    if key in RECORD_TYPES:
        return RECORD_TYPES[key]
    # The co-production record's types subclass Record, so they live in a module that imports
    # this one; looked up here when a workbook has one of their tabs.
    from automations.model.record_tabs import RECORD_TYPES as RECORD_TAB_TYPES

    return RECORD_TAB_TYPES[key]


def _missing_tab(raw: RawWorkbook, schema: TableSchema) -> Finding:
    return _no_tab(
        schema,
        Severity.ERROR,
        f"The workbook has no {schema.name!r} tab, so nothing on it could be checked. "
        f"Tabs found: {_tabs_found(raw, schema)}. Add a tab called {schema.name!r} with its "
        "header row, or rename the tab that holds this list.",
    )


def _optional_tab(raw: RawWorkbook, schema: TableSchema) -> Finding:
    topic = schema.name.lower().removesuffix("s")
    return _no_tab(
        schema,
        Severity.INFO,
        f"The workbook has no {schema.name!r} tab, so the {topic} rules were not checked. "
        f"Add a tab called {schema.name!r} (with its header row) to check them. Tabs "
        f"found: {_tabs_found(raw, schema)}; if one of them holds this list, set tab in "
        f"[source.tabs.{schema.name}] of the config.",
    )


def _no_tab(schema: TableSchema, severity: Severity, message: str) -> Finding:
    return Finding(
        rule="schema.missing_tab",
        severity=severity,
        sheet=schema.name,
        tab=schema.name,
        message=message,
    )


def _no_header_row(rt: RawTable, schema: TableSchema) -> Finding:
    examples = ", ".join(repr(c.name) for c in schema.columns[:3])
    tab = f"[source.tabs.{schema.name}]"
    return Finding(
        rule="schema.missing_column",
        severity=Severity.ERROR,
        sheet=rt.title,
        tab=schema.name,
        message=(
            f"No header row was found on the {rt.title!r} tab, so nothing on it could be "
            f"checked: none of its first 20 rows has the column headings (such as {examples}). "
            f"Put the headings in one row above the list, or set header_row in {tab} "
            "of the config."
        ),
    )


def _build_table(
    rt: RawTable,
    schema: TableSchema,
    record_type: type[Record],
    today: dt.date,
    findings: list[Finding],
) -> Table:
    match = match_headers(schema, rt.header)
    table = Table(schema, rt.title, match, header_row=rt.header_row, row_address=rt.row_address)
    # A missing column is reported by the rules layer (rules/schema.py missing_columns), which
    # knows which checks cannot run without it.
    findings.extend(_duplicate_columns(table, rt.header))
    # Where each column sits and what it is, worked out once per tab rather than once per cell.
    found = [(col, match.positions.get(col.field)) for col in schema.columns]
    required = [c for c, pos in found if pos is not None and (c.required or c.required_when)]
    plan = [
        (col, pos, col.field, col.duty, col.field == schema.id_field, col in required,
         col.kind == "date", col.kind == "text")
        for col, pos in found
    ]
    keys = header_keys(schema)
    rows, left = split_rows(rt.rows, rt.header, match.positions.get("name"), keys)
    if left:
        findings.append(not_records_finding(rt.title, schema.name, left))
    for number, values in rows:
        table.records.append(
            _build_record(table, record_type, number, values, today, findings, plan, required)
        )
    if table.read_notes:
        findings.append(_dates_read(table))
    return table


def _dates_read(table: Table) -> Finding:
    return Finding(
        rule="schema.read_dates",
        severity=Severity.INFO,
        sheet=table.title,
        tab=table.schema.name,
        message=(
            f"Dates written in words on the {table.title!r} tab were read so: "
            f"{'; '.join(table.read_notes)}. If one is not what was meant, type the date."
        ),
    )


def _duplicate_columns(table: Table, header: list[object]) -> list[Finding]:
    """Two columns headed alike (after spaces and case): the check reads the first only, so
    the person must be told which one it ignores."""
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(header):
        if name is None or not str(name).strip():
            continue
        key = normalize(name)
        if key not in seen:
            seen[key] = index
            continue
        first, second = column_letter(seen[key] + 1), column_letter(index + 1)
        out.append(
            Finding(
                rule="schema.duplicate_column",
                severity=Severity.ERROR,
                sheet=table.title,
                row=1,
                column=str(name).strip(),
                cell=f"{second}1",
                tab=table.schema.name,
                column_index=index + 1,
                message=(
                    f"The {table.title!r} tab has two columns headed {str(name).strip()!r} "
                    f"(columns {first} and {second}). The check reads column {first} only: "
                    "rename or remove one of them."
                ),
            )
        )
    return out


def _build_record(
    table: Table,
    record_type: type[Record],
    number: int,
    values: Any,
    today: dt.date,
    findings: list[Finding],
    plan: list[tuple[Column, int | None, str, bool, bool, bool, bool, bool]],
    required: list[Column],
) -> Record:
    record = record_type(row=number)
    raw = record.raw
    pending: list[tuple[Column, ReadInWords]] = []
    width = len(values)
    blank_required = False
    for col, pos, field_name, duty, is_id, needed, dates, text in plan:
        value = values[pos] if pos is not None and pos < width else None
        raw[field_name] = value
        if value is None or (type(value) is str and not value.strip()):  # is_blank, inlined
            blank_required = blank_required or needed
            continue
        if is_id and (problem := invisible_in_id(value)):
            findings.append(
                table.finding(Severity.ERROR, problem, record, field_name, rule="schema.type")
            )
        # parse_cell's answers for a typed date and for free text, without the call (most of a
        # large tracker's cells): the same as its own short cuts.
        if dates and type(value) is dt.date:
            parsed = value
        elif text and type(value) is str and len(value) <= CELL_LIMIT:
            parsed = value.strip()
        else:
            try:
                parsed = parse_cell(col, value)
            except CellProblem as problem:
                _unread(table, record, col, value, problem, findings, pending)
                continue
        if duty:
            record.duties[field_name] = parsed  # type: ignore[attr-defined]
        else:
            setattr(record, field_name, parsed)
    for col, words in pending:
        _read_in_words(table, record, col, words, today, findings)
    if isinstance(record, Member) and record.name:
        _role_in_name(table, record)
    if blank_required:  # only a blank cell can be a required one left blank
        findings.extend(_required(table, record, today, required))
    return record


def _unread(
    table: Table,
    record: Record,
    col: Column,
    value: object,
    problem: CellProblem,
    findings: list[Finding],
    pending: list[tuple[Column, ReadInWords]],
) -> None:
    """A cell parse_cell gives no value for: a note for a date said not to exist ("TBC"), a
    date in words set aside in ``pending`` (read once the row's other dates are known), or a
    finding for a value that cannot be read."""
    if isinstance(problem, NoDate):
        header = table.header(col.field)
        table.read_notes.append(f"row {record.row} {header} {value!r}: no date")
    elif isinstance(problem, ReadInWords):
        pending.append((col, problem))
    else:
        findings.append(
            table.finding(
                Severity.ERROR,
                _cell_message(table, col.field, problem.message),
                record,
                col.field,
                rule=problem.rule,
            )
        )


def _roles_from_names(table: Table) -> None:
    """No Role column, but names that say who chairs ("Jon Tomlinson (Co-Chair)"): the roles
    are read from the names, every other member being a Member, so the co-chair checks run."""
    if table.match is None or table.has("role") or not table.has("name"):
        return
    chairs = {}
    for m in table.records:
        said = without_role(str(m.raw.get("name") or ""))[1]
        if said is not None:
            chairs[m.row] = _chair_role(table, m, said)
    if not any(chairs.values()):
        return
    for m in table.records:
        m.role = chairs.get(m.row) or "Member"
    table.read_from["role"] = "the names, such as " + repr(
        next(str(m.raw.get("name")) for m in table.records if chairs.get(m.row))
    )


def _chair_role(table: Table, m: Member, said: str) -> str | None:
    """The role words in brackets say: "Resident co-chair" is read as the Role column reads
    it; "Co-Chair" alone is told by the member's voice (a resident or carer chairs for the
    residents, staff and council officers for the commissioners)."""
    try:
        return parse_cell(table.schema.column("role"), said)
    except CellProblem:
        if m.category in RESIDENT_VOICES:
            return RESIDENT_CHAIR
        return COMMISSIONER_CHAIR if m.category in STAFF else None


def _role_in_name(table: Table, m: Member) -> None:
    """ "Jon Tomlinson (Co-Chair)": the name is Jon Tomlinson (so owners and initials find
    him), and the words in brackets are his role when the Role cell does not say it."""
    name, said = without_role(m.name or "")
    if said is None:
        return
    m.name = name
    if m.role is None and table.has("role"):
        m.role = _chair_role(table, m, said)


def _read_in_words(
    table: Table,
    record: Record,
    col: Column,
    words: ReadInWords,
    today: dt.date,
    findings: list[Finding],
) -> None:
    """A date written in words, read once the row's other dates are known: a yearless due
    date falls on or after the row's Raised date; with none, the year nearest today."""
    raised = getattr(record, "raised", None) if col.field != "raised" else None
    day = words.written.on(raised or today, after=raised is not None)
    typed = record.raw.get(col.field)
    if day is None:
        message = f"{typed!r} is not a date. {DATE_HELP}"
        findings.append(
            table.finding(
                Severity.ERROR,
                _cell_message(table, col.field, message),
                record,
                col.field,
                rule="schema.type",
            )
        )
        return
    how = f", {words.written.how}" if words.written.how else ""
    if not words.written.has_year:
        how += f", the year {'after ' + table.header('raised') if raised else 'nearest today'}"
    table.read_notes.append(
        f"row {record.row} {table.header(col.field)} {typed!r}: {day:%A} {long_date(day)}{how}"
    )
    setattr(record, col.field, day)


def _cell_message(table: Table, field_name: str, problem: str) -> str:
    return f"{table.header(field_name)}: {problem}"


def _required(table: Table, record: Record, today: dt.date, columns: list[Column]) -> list[Finding]:
    """``columns``: the tab's columns that can be required and are present (worked out once
    per tab: checking every column of every row was a fifth of the time on a large tracker)."""
    out = []
    raw = record.raw
    for col in columns:
        value = raw.get(col.field)
        if (value is not None and (type(value) is not str or value.strip())) or getattr(
            record, col.field, None
        ):
            continue  # filled, or read from elsewhere (a role in the name cell)
        needed = col.required or _required_when(col.required_when, record, today)
        if needed:
            why = _REQUIRED_WHY.get(col.required_when or "", "")
            out.append(
                table.finding(
                    Severity.ERROR,
                    f"{col.name} is blank{why}. Please fill it in.",
                    record,
                    col.field,
                    rule="schema.required",
                )
            )
    return out


_REQUIRED_WHY = {
    "active": " for a member who is still on the Board",
    "not_dropped": " for an action that has not been dropped",
}


def _required_when(condition: str | None, record: Record, today: dt.date) -> bool:
    if condition == "active":
        return isinstance(record, Member) and record.active_on(today)
    if condition == "not_dropped":
        return isinstance(record, Action) and record.status not in (None, "Dropped")
    return False
