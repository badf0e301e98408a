"""Raw tables -> typed records (Member, Project, Action, Meeting) and the Board that holds them.

Reading collects the schema findings that belong to single cells (missing tab or column, blank
required cell, unreadable value); a cell that cannot be read becomes None in its record, so rules
never see a half-understood value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from automations.core.findings import Finding, Severity
from automations.model.header import locate_header
from automations.model.raw import RawTable, RawWorkbook, column_letter
from automations.model.schema import (
    CellProblem,
    Column,
    HeaderMatch,
    TableSchema,
    display,
    invisible_in_id,
    match_headers,
    normalize,
    parse_cell,
)

RESIDENT_CHAIR = "Co-chair (resident)"
COMMISSIONER_CHAIR = "Co-chair (commissioner)"
OPEN_STATUSES = ("Open", "In progress")
STAGES = ("Pre-initiation", "Initiation", "During", "After completion", "Conclusion", "Closed")


@dataclass
class Record:
    row: int
    raw: dict[str, object] = field(default_factory=dict, repr=False)


@dataclass
class Member(Record):
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


@dataclass
class Project(Record):
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


@dataclass
class Action(Record):
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

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass
class Meeting(Record):
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


@dataclass
class Table:
    """Where one tab's records live in the workbook, so findings can point at cells."""

    schema: TableSchema
    title: str | None  # None when the tab is missing
    match: HeaderMatch | None
    records: list[Any] = field(default_factory=list)
    header_row: int = 1  # the sheet's own row number of the header row
    row_address: str = ""  # RawTable.row_address: a web address with "{row}", or ""

    def address(self, row: int) -> str:
        """The web address that opens ``row`` of this tab, or "" (a file has none)."""
        return self.row_address.replace("{row}", str(row))

    @property
    def present(self) -> bool:
        return self.title is not None

    def has(self, field_name: str) -> bool:
        return self.match is not None and field_name in self.match.positions

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
        index = self.match.positions.get(field_name) if (self.match and field_name) else None
        row = record.row if record is not None else (self.header_row if index is not None else None)
        cell = f"{column_letter(index + 1)}{row}" if index is not None and row else None
        value = display(record.raw.get(field_name)) if record is not None and field_name else None
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            sheet=self.title,
            row=row,
            column=column,
            cell=cell,
            value=value,
            tab=self.schema.name,
            column_index=index + 1 if index is not None else None,
        )


@dataclass
class Board:
    members: Table
    projects: Table
    actions: Table
    meetings: Table
    source: str = ""
    _index: dict[str, Member] = field(default_factory=dict, repr=False)
    _projects: dict[str, Project] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Later rows never shadow earlier ones: duplicates are reported, the first one wins.
        for m in self.members.records:
            for key in (m.id, m.name, m.email):
                if key:
                    self._index.setdefault(_ref_key(key), m)
        for p in self.projects.records:
            if p.id:
                self._projects.setdefault(_ref_key(p.id), p)

    def tables(self) -> tuple[Table, ...]:
        return (self.members, self.projects, self.actions, self.meetings)

    def member(self, ref: str | None) -> Member | None:
        """A member by Member ID, exact name or email, ignoring case and surrounding spaces."""
        return self._index.get(_ref_key(ref)) if ref else None

    def project(self, ref: str | None) -> Project | None:
        return self._projects.get(_ref_key(ref)) if ref else None

    def active_members(self, today: dt.date) -> list[Member]:
        return [m for m in self.members.records if m.active_on(today)]

    def held_meetings(self, today: dt.date) -> list[Meeting]:
        return sorted((m for m in self.meetings.records if m.held_by(today)), key=lambda m: m.date)


def _ref_key(ref: str) -> str:
    return " ".join(ref.split()).casefold()


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
    return ", ".join(repr(t.title) for t in raw.tables.values() if t.workbook == home) or "none"


def build_board(
    raw: RawWorkbook, schemas: dict[str, TableSchema], today: dt.date
) -> tuple[Board, list[Finding]]:
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    for key, schema in schemas.items():
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
        tables[key] = _build_table(choice.table, schema, RECORD_TYPES[key], today, findings)
    return Board(**tables, source=raw.name), findings


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
        rule="schema.missing_tab", severity=severity, sheet=schema.name, tab=schema.name,
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
    for col in match.missing:
        findings.append(_missing_column(table, col.name, match.suggestions.get(col.field)))
    findings.extend(_duplicate_columns(table, rt.header))
    # Where each column sits and what it is, worked out once per tab rather than once per cell.
    found = [(col, match.positions.get(col.field)) for col in schema.columns]
    plan = [(col, pos, col.field, col.duty, col.field == schema.id_field) for col, pos in found]
    required = [c for c, pos in found if pos is not None and (c.required or c.required_when)]
    for number, values in rt.rows:
        table.records.append(
            _build_record(table, record_type, number, values, today, findings, plan, required)
        )
    return table


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


def _missing_column(table: Table, name: str, suggestion: str | None) -> Finding:
    hint = (
        f" The header {suggestion!r} looks close: rename it to {name!r} if that is the one."
        if suggestion
        else f" Add a column headed {name!r} to the header row (row {table.header_row})."
    )
    return Finding(
        rule="schema.missing_column",
        severity=Severity.ERROR,
        sheet=table.title,
        row=None,
        column=name,
        tab=table.schema.name,
        message=(
            f"The {table.title!r} tab has no {name!r} column, so it could not be checked.{hint}"
        ),
    )


def _build_record(
    table: Table,
    record_type: type[Record],
    number: int,
    values: Any,
    today: dt.date,
    findings: list[Finding],
    plan: list[tuple[Column, int | None, str, bool, bool]],
    required: list[Column],
) -> Record:
    record = record_type(row=number)
    raw = record.raw
    width = len(values)
    for col, pos, field_name, duty, is_id in plan:
        value = values[pos] if pos is not None and pos < width else None
        raw[field_name] = value
        if value is None or (type(value) is str and not value.strip()):  # is_blank, inlined
            continue
        if is_id and (problem := invisible_in_id(value)):
            findings.append(
                table.finding(Severity.ERROR, problem, record, field_name, rule="schema.type")
            )
        try:
            parsed = parse_cell(col, value)
        except CellProblem as problem:
            findings.append(
                table.finding(
                    Severity.ERROR,
                    _cell_message(table, col.field, problem.message),
                    record,
                    col.field,
                    rule=problem.rule,
                )
            )
            continue
        if duty:
            record.duties[field_name] = parsed  # type: ignore[attr-defined]
        else:
            setattr(record, field_name, parsed)
    if required:
        findings.extend(_required(table, record, today, required))
    return record


def _cell_message(table: Table, field_name: str, problem: str) -> str:
    return f"{table.header(field_name)}: {problem}"


def _required(table: Table, record: Record, today: dt.date, columns: list[Column]) -> list[Finding]:
    """``columns``: the tab's columns that can be required and are present (worked out once
    per tab: checking every column of every row was a fifth of the time on a large tracker)."""
    out = []
    raw = record.raw
    for col in columns:
        value = raw.get(col.field)
        if value is not None and (type(value) is not str or value.strip()):  # is_blank, inlined
            continue
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
