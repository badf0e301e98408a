"""The officers' own checks (sheets_schema/checks.toml), run like any built-in rule.

Each check becomes a Rule whose function walks one tab. A check reads the values the board
already parsed: a cell that could not be read is reported by schema.type and is neither a match
nor a mismatch here, so one typo is never reported twice.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterator
from typing import Any

from automations.core.config import TorConfig
from automations.core.findings import Finding
from automations.core.text import long_date
from automations.model.board import Board, Record, Table
from automations.model.checks import PLACEHOLDER, LocalCheck, value_key
from automations.model.schema import Column, display, is_blank
from automations.rules import Rule, stamped

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}
_UNREAD = object()  # a cell that is blank or could not be read


def as_rule(check: LocalCheck) -> Rule:
    def run(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
        return findings(check, getattr(board, check.tab))

    return Rule(
        id=check.id,
        severity=check.severity,
        summary=check.summary,
        needs=(check.tab, *(f"{check.tab}.{c.field}" for c in check.columns)),
        fn=stamped(check.id, run),
        module="local",
        source=check.source,
    )


def findings(check: LocalCheck, table: Table) -> Iterator[Finding]:
    rows = (r for r in table.records if _applies(check, r))
    test = _TESTS[check.kind]
    for record, column, extra in test(check, rows):
        yield table.finding(check.severity, fill(check, record) + extra, record, column.field)


def _applies(check: LocalCheck, record: Record) -> bool:
    for column, allowed in check.when:
        value = parsed(record, column)
        if value is _UNREAD:
            return False
        values = value if isinstance(value, tuple) else (value,)
        if not any(value_key(v) in allowed for v in values):
            return False
    return True


def parsed(record: Record, column: Column) -> Any:
    """The cell's typed value, or _UNREAD when it is blank or could not be read."""
    duties = record.duties if column.duty else None  # type: ignore[attr-defined]
    value = duties.get(column.field) if duties is not None else getattr(record, column.field, None)
    return _UNREAD if value is None or value == () else value


def fill(check: LocalCheck, record: Record) -> str:
    """The message with each {Header} replaced by what the row shows in that column."""
    columns = dict(check.placeholders)

    def shown(m: Any) -> str:
        column = columns[m[1]]
        value = parsed(record, column)
        if isinstance(value, dt.date):
            return long_date(value)
        raw = record.raw.get(column.field)
        return "(blank)" if is_blank(raw) else " ".join(str(display(raw)).split())

    text = check.message.replace("{{", "\0").replace("}}", "\1")
    return PLACEHOLDER.sub(shown, text).replace("\0", "{").replace("\1", "}")


Hit = tuple[Record, Column, str]  # the row, the cell that must change, words added to the message


def _require(check: LocalCheck, rows: Iterator[Record]) -> Iterator[Hit]:
    for record in rows:
        for column in check.require:
            if is_blank(record.raw.get(column.field)):
                yield record, column, ""


def _compare(check: LocalCheck, rows: Iterator[Record]) -> Iterator[Hit]:
    c = check.compare
    assert c is not None
    test = OPS[c.op]
    for record in rows:
        left, right = parsed(record, c.left), parsed(record, c.right)
        if left is _UNREAD or right is _UNREAD:
            continue  # a blank side: the check does not apply
        if not test(value_key(left), value_key(right)):
            yield record, c.left, ""


def _unique(check: LocalCheck, rows: Iterator[Record]) -> Iterator[Hit]:
    column = check.unique
    assert column is not None
    first: dict[Any, int] = {}
    for record in rows:
        value = parsed(record, column)
        if value is _UNREAD:
            continue
        key = value_key(value)
        if key in first:
            yield record, column, f" (The same {column.name} is on row {first[key]}.)"
        else:
            first[key] = record.row


def _pattern(check: LocalCheck, rows: Iterator[Record]) -> Iterator[Hit]:
    for record in rows:
        for column, regex in check.pattern:
            raw = record.raw.get(column.field)
            if is_blank(raw):
                continue
            if not regex.fullmatch(str(display(raw)).strip()):
                yield record, column, ""


def _one_of(check: LocalCheck, rows: Iterator[Record]) -> Iterator[Hit]:
    for record in rows:
        for column, allowed in check.one_of:
            value = parsed(record, column)
            if value is _UNREAD:
                continue
            values = value if isinstance(value, tuple) else (value,)
            if not all(value_key(v) in allowed for v in values):
                yield record, column, ""


_TESTS: dict[str, Callable[[LocalCheck, Iterator[Record]], Iterator[Hit]]] = {
    "require": _require,
    "compare": _compare,
    "unique": _unique,
    "pattern": _pattern,
    "one_of": _one_of,
}
