"""Rules about the shape of the workbook (from sheets_schema/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date
from automations.model.board import Board, Table
from automations.rules import Rule, register, rule

E, W = Severity.ERROR, Severity.WARNING

for _id, _summary in (
    # For Projects and Meetings (a board may not keep them yet) a missing tab is information:
    # the rules that need it are skipped.
    ("schema.missing_tab", "A tab the service needs is not in the workbook (information only "
     "for Projects and Meetings)."),
    # Also one finding for a whole tab whose header row cannot be found.
    ("schema.missing_column", "A column the service needs is not on its tab."),
    ("schema.duplicate_column", "Two columns of a tab have the same header."),
    ("schema.required", "A cell that must be filled in is blank."),
    ("schema.type", "A cell cannot be read (not a date, number or yes/no; a formula not "
     "calculated; a hidden character in an id)."),
    ("schema.enum", "A cell is not one of the values allowed in that column."),
    ("schema.email", "An email address is not valid."),
):
    register(Rule(_id, E, _summary))


def _shown(value: object) -> str:
    return long_date(value) if isinstance(value, dt.date) else str(value)


def _key(value: object) -> str:
    return " ".join(str(value).split()).casefold()


@rule("schema.duplicate_id", E, "The same id (or meeting date) appears on two rows.")
def duplicate_id(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for table in board.tables():
        if not table.present:
            continue
        id_field = table.schema.id_field
        first: dict[str, int] = {}
        for rec in table.records:
            value = getattr(rec, id_field)
            if value is None:
                continue
            key = _key(value)
            if key in first:
                header = table.header(id_field)
                yield table.finding(
                    E,
                    f"{header} {_shown(value)} is used on row {first[key]} and on row "
                    f"{rec.row}. Each row needs its own {header}: change one of them.",
                    rec,
                    id_field,
                )
            else:
                first[key] = rec.row


def _member_refs(
    board: Board, table: Table, field_name: str, refs: tuple[str, ...], rec: object
) -> Iterator[Finding]:
    unknown = [r for r in refs if board.member(r) is None]
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        yield table.finding(
            W,
            f"{table.header(field_name)}: {names} is not on the Members tab (looked up by "
            "Member ID, name and email). Check the spelling, or add the person to Members.",
            rec,
            field_name,
        )  # type: ignore[arg-type]


@rule("schema.reference", W, "A cell refers to a member or project that does not exist.")
def reference(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    # Owner and Sub-group lead are checked by their own rules, which can say more.
    if board.actions.present and board.projects.present:
        for a in board.actions.records:
            if a.project_id and board.project(a.project_id) is None:
                yield board.actions.finding(
                    W,
                    f"Project ID {a.project_id!r} is not on the Projects tab. Check the "
                    "spelling, or add the project to Projects.",
                    a,
                    "project_id",
                )
    if not board.members.present:
        return
    for p in board.projects.records:
        yield from _member_refs(board, board.projects, "assigned_members", p.assigned_members, p)
    for m in board.meetings.records:
        for name in ("minute_taker", "deputy"):
            ref = getattr(m, name)
            if ref:
                yield from _member_refs(board, board.meetings, name, (ref,), m)
