"""Rules about the shape of the workbook (from sheets_schema/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date
from automations.model.board import Board, Record, Table
from automations.model.raw import tab_title
from automations.model.schema import Column
from automations.rules import Rule, register, rule

E, W = Severity.ERROR, Severity.WARNING

for _id, _summary in (
    # For Projects and Meetings (a board may not keep them yet) a missing tab is information:
    # the rules that need it are skipped.
    (
        "schema.missing_tab",
        "A tab the service needs is not in the workbook (information only "
        "for Projects and Meetings).",
    ),
    # Also one finding for a whole tab whose header row cannot be found. Only for a column
    # every row must fill in and a check cannot run without; the others: schema.optional_columns.
    ("schema.missing_column", "A column the checks need is not on its tab."),
    ("schema.duplicate_column", "Two columns of a tab have the same header."),
    ("schema.required", "A cell that must be filled in is blank."),
    (
        "schema.type",
        "A cell cannot be read (not a date, number or yes/no; a formula not "
        "calculated; a hidden character in an id).",
    ),
    ("schema.enum", "A cell is not one of the values allowed in that column."),
    ("schema.email", "An email address is not valid."),
):
    register(Rule(_id, E, _summary))
# Rows that are not records (a section title, a totals row, a "Vacant" seat, a second header
# row, a note): left out of the checks and listed once per tab (model/rows.py).
register(
    Rule(
        "schema.not_records",
        Severity.INFO,
        "Rows that are not records (section titles, notes, totals, vacant seats) were left out.",
    )
)
# Dates written in words ("w/c 12 Jan", "end of March", "TBC"): read, and said how, once per tab.
register(
    Rule(
        "schema.read_dates",
        Severity.INFO,
        'Dates written in words (such as "w/c 12 Jan" or "TBC") were read; says how.',
    )
)
# Columns a tab lacks that no check needs, or whose checks are then left out: one information
# finding per tab (issue 26: not a wall of errors for columns a Board may simply not keep).
register(
    Rule(
        "schema.optional_columns",
        Severity.INFO,
        "Columns a Board may not keep are not on a tab; the checks that read them are left out.",
    )
)


def _shown(value: object) -> str:
    return long_date(value) if isinstance(value, dt.date) else str(value)


@rule("schema.duplicate_id", E, "The same id (or meeting date) appears on two rows.")
def duplicate_id(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for table in board.tables():
        if not table.present:
            continue
        id_field = table.schema.id_field
        first: dict[str, Record] = {}
        ids = [(rec, value) for rec in table.records if (value := getattr(rec, id_field))
               is not None]
        # Ids compare ignoring case and runs of spaces: each id's text, its words joined by one
        # space, casefolded, a step at a time over them all (a function called for each of
        # 100,000 ids was half of this check on a large tracker).
        keys = map(str.casefold, map(" ".join, map(str.split, map(str, (v for _, v in ids)))))
        for (rec, value), key in zip(ids, keys, strict=True):
            if key in first:
                yield table.finding(E, _twice(table, value, first[key], rec), rec, id_field)
            else:
                first[key] = rec


def _twice(table: Table, value: object, first: Record, again: Record) -> str:
    """Where an id is used twice. On tabs read as one list (one per project), which tabs: their
    rows may have the same numbers, and numbering each tab from 1 is how the ids collide."""
    header = table.header(table.schema.id_field)
    if first.sheet == again.sheet:
        return (f"{header} {_shown(value)} is used on row {first.row} and on row {again.row}. "
                f"Each row needs its own {header}: change one of them.")
    return (
        f"{header} {_shown(value)} is used on row {first.row} of the "
        f"{tab_title(first.sheet or table.title)!r} tab and on row {again.row} of the "
        f"{tab_title(again.sheet or table.title)!r} tab, which are read as one list. Each row "
        f"needs its own {header} across those tabs: change one of them (for example, start "
        "each tab's with letters of its own, such as DO-1 and CS-1)."
    )


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


# ---------------------------------------------------------------- columns the tracker lacks


def missing_columns(board: Board, rules: list[Rule]) -> Iterator[Finding]:
    """Per tab: an error for each missing column every row must fill in (naming the checks
    that could not run without it); one information finding listing the others, with the
    checks they leave out. ``rules``: the rules that would run (not turned off)."""
    for table in board.tables():
        if not table.present or table.match is None:
            continue
        quiet: list[tuple[Column, list[Rule]]] = []
        for col in table.match.missing:
            if table.can_read(col.field):
                continue  # another column stands in for it (Status: a Done tick box, ...)
            need = f"{table.schema.key}.{col.field}"
            skipped = [r for r in rules if need in r.needs]
            if _every_row_has_it(table, col):
                yield _missing_column(table, col, skipped)
            else:
                quiet.append((col, skipped))
        if quiet or _stand_ins(table):
            yield _optional_columns(table, quiet)


def _every_row_has_it(table: Table, col: Column) -> bool:
    # A column the schema wants on every row (Name, Owner, Status, Due, Role...): a tab without
    # it cannot be checked as the Board's list, which is worth an error. A column a Board may
    # simply not keep (Seat, Term start, Deputy) only leaves a check out: said once, as
    # information. The id is not one: records are told apart by their row without it.
    return (col.required or col.required_when is not None) and col.field != table.schema.id_field


def _missing_column(table: Table, col: Column, skipped: list[Rule]) -> Finding:
    suggestion = table.match.suggestions.get(col.field) if table.match else None
    if skipped:
        what = "; ".join(_plain(r.summary) for r in skipped)
        why = f"so {_checks(len(skipped))} could not run ({what})."
    else:
        why = "and every row needs one, so that could not be checked."
    hint = (
        f" The header {suggestion!r} looks close: rename it to {col.name!r} if that is the one."
        if suggestion
        else f" Add a column headed {col.name!r} to the header row (row {table.header_row})."
    )
    return Finding(
        rule="schema.missing_column",
        severity=E,
        sheet=table.title,
        column=col.name,
        tab=table.schema.name,
        message=f"The {table.title!r} tab has no {col.name!r} column, {why}{hint}",
    )


def _checks(n: int) -> str:
    return "this check" if n == 1 else f"these {n} checks"


def _stand_ins(table: Table) -> list[str]:
    """What the tab reads in place of a column it lacks, said once."""
    out = [
        f"{table.schema.column(f).name} is read from {how}." for f, how in table.read_from.items()
    ]
    for col in table.match.missing if table.match else ():
        found = [table.header(f) for f in col.instead if table.has(f)]
        if found and col.field == "status":
            heads = " and ".join(repr(h) for h in found)
            out.append(f"Whether an action is open or closed is read from {heads}.")
        elif found:
            out.append(f"{col.name} is read from {' and '.join(repr(h) for h in found)}.")
    return out


def _optional_columns(table: Table, quiet: list[tuple[Column, list[Rule]]]) -> Finding:
    words = []
    if quiet:
        names = _and([repr(c.name) for c, _ in quiet])
        words.append(
            f"The {table.title!r} tab has no {names} column{'s' if len(quiet) > 1 else ''}."
        )
        skipped = {r.id: r for _, rules in quiet for r in rules}
        if skipped:
            what = "; ".join(_plain(r.summary) for r in skipped.values())
            words.append(f"Not checked without {'them' if len(quiet) > 1 else 'it'}: {what}.")
        words.append("Nothing to do unless the Board wants to keep that information.")
    words += _stand_ins(table)
    return Finding(
        rule="schema.optional_columns",
        severity=Severity.INFO,
        sheet=table.title,
        tab=table.schema.name,
        message=" ".join(words),
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _plain(summary: str) -> str:
    """A rule's summary inside a sentence: "An open action ..." -> "an open action ..."."""
    return summary[:1].lower() + summary[1:].rstrip(".")
