"""The officers' own checks (sheets_schema/checks.toml), run like any built-in rule.

Each check becomes a Rule whose function walks one tab. A check reads the values the board
already parsed: a cell that could not be read is reported by schema.type and is neither a match
nor a mismatch here, so one typo is never reported twice.

A board may run twenty such checks over ten thousand rows on every pass, so each check is
turned into plain getters and sets once, when the rule is made, and the loops below do no more
than one attribute read and one set lookup per cell (bench/run.py measures it).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterator
from dataclasses import fields
from functools import lru_cache
from typing import Any

from automations.core.config import TorConfig
from automations.core.findings import Finding
from automations.core.text import long_date
from automations.model.board import RECORD_TYPES, Board, Record, Table
from automations.model.checks import EXACT_KINDS, TOKEN, LocalCheck, value_key
from automations.model.schema import Column, display
from automations.rules import Rule

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}
Getter = Callable[[Record], Any]
Hit = tuple[Record, Column, str]  # the row, the cell that must change, words added to the message
# Owners, project ids and other typed texts repeat down a column: each is keyed once.
_key = lru_cache(maxsize=1 << 14)(value_key)
LIST_KINDS = {"choices", "members"}
_FIELDS = {tab: {f.name for f in fields(kind)} for tab, kind in RECORD_TYPES.items()}


def as_rule(check: LocalCheck) -> Rule:
    test = _TESTS[check.kind]
    holds = _when(check)
    message = _message(check)

    def run(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
        table: Table = getattr(board, check.tab)
        rows = table.records if holds is None else holds(table.records)
        for record, column, extra in test(check, rows):
            text = message(record) + extra
            yield table.finding(check.severity, text, record, column.field, rule=check.id)

    return Rule(
        id=check.id,
        severity=check.severity,
        summary=check.summary,
        needs=(check.tab, *(f"{check.tab}.{c.field}" for c in check.columns)),
        fn=run,  # its findings carry the check's id already: no stamping needed
        module="local",
        source=check.source,
    )


def getter(tab: str, column: Column) -> Getter:
    """The cell's typed value; None when it is blank or could not be read."""
    name = column.field
    if column.duty:
        return lambda r: r.duties.get(name)  # type: ignore[attr-defined]
    if name in _FIELDS[tab]:
        return operator.attrgetter(name)
    return lambda r: getattr(r, name, None)  # a column an officer added to the schema


def _blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _member_of(column: Column, allowed: frozenset[Any], every: bool) -> Callable[[Any], bool]:
    """Whether a typed value (not None) is one of ``allowed``; in a list column, whether any
    item is (``every``: every item is)."""
    if column.kind in LIST_KINDS:
        key = (lambda v: v) if column.kind in EXACT_KINDS else _key
        test = all if every else any
        return lambda value: bool(value) and test(key(v) in allowed for v in value)
    if column.kind in EXACT_KINDS:
        return allowed.__contains__
    return lambda value: _key(value) in allowed


def _when(check: LocalCheck) -> Callable[[list[Record]], list[Record]] | None:
    """The rows where every condition of ``when`` holds, or None when there is no ``when``."""
    if not check.when:
        return None
    conditions = []
    for column, allowed in check.when:
        get = getter(check.tab, column)
        if column.kind in EXACT_KINDS and column.kind not in LIST_KINDS:
            # The common case (a status, a yes/no): one C-level lookup per row.
            conditions.append((get, allowed.__contains__))
        else:
            member = _member_of(column, allowed, every=False)
            conditions.append((get, lambda v, m=member: v is not None and m(v)))

    def rows(records: list[Record]) -> list[Record]:
        for get, ok in conditions:
            records = [r for r in records if ok(get(r))]
        return records

    return rows


def _message(check: LocalCheck) -> Callable[[Record], str]:
    """A function giving the message for a row: each {Header} replaced by what the row shows
    in that column (a date in words, a blank cell as "(blank)"); {{ and }} are braces."""
    if not check.placeholders:
        plain = check.message.replace("{{", "{").replace("}}", "}")
        return lambda record: plain
    columns = {name: (getter(check.tab, c), c.field) for name, c in check.placeholders}

    def fill(record: Record) -> str:
        def shown(m: Any) -> str:
            if m[1] is None:
                return m[0][0]
            get, name = columns[m[1]]
            value = get(record)
            if isinstance(value, dt.date):
                return long_date(value)
            raw = record.raw.get(name)
            return "(blank)" if _blank(raw) else " ".join(str(display(raw)).split())

        return TOKEN.sub(shown, check.message)

    return fill


# ---------------------------------------------------------------- the five tests


def _require(check: LocalCheck, rows: list[Record]) -> Iterator[Hit]:
    for record in rows:
        raw = record.raw
        for column in check.require:
            value = raw.get(column.field)
            if value is None or (type(value) is str and not value.strip()):
                yield record, column, ""


def _compare(check: LocalCheck, rows: list[Record]) -> Iterator[Hit]:
    c = check.compare
    assert c is not None
    test, left, right = OPS[c.op], getter(check.tab, c.left), getter(check.tab, c.right)
    text = c.family == "text"
    for record in rows:
        a, b = left(record), right(record)
        if a is None or b is None:
            continue  # a blank side: the check does not apply
        if text:
            a, b = _key(a), _key(b)
        if not test(a, b):
            yield record, c.left, ""


def _unique(check: LocalCheck, rows: list[Record]) -> Iterator[Hit]:
    column = check.unique
    assert column is not None
    get = getter(check.tab, column)
    exact = column.kind in EXACT_KINDS
    first: dict[Any, int] = {}
    for record in rows:
        value = get(record)
        if value is None or value == ():
            continue
        if not exact:  # value_key, inlined for text: the values are mostly distinct
            value = " ".join(value.split()).casefold() if type(value) is str else value_key(value)
        seen = first.setdefault(value, record.row)
        if seen != record.row:
            yield record, column, f" (The same {column.name} is on row {seen}.)"


def _pattern(check: LocalCheck, rows: list[Record]) -> Iterator[Hit]:
    for column, regex in check.pattern:
        # RE2 (model/checks.py) is given the UTF-8 bytes it matches anyway: its wrapper then
        # skips working out character offsets we never ask for (2.4 times quicker per cell).
        name, match = column.field, regex.fullmatch
        # References and choices repeat down a column, so each text is matched once; ids and
        # free text rarely repeat, and remembering them would only cost time.
        memo: dict[str, bool] | None = {} if column.kind in _REPEATING else None
        for record in rows:
            value = record.raw.get(name)
            if value is None:
                continue
            text = value.strip() if type(value) is str else str(display(value)).strip()
            if memo is None:
                ok = not text or match(text.encode()) is not None
            else:
                known = memo.get(text)
                if known is None:
                    known = memo[text] = not text or match(text.encode()) is not None
                ok = known
            if not ok:
                yield record, column, ""


_REPEATING = {"member", "members", "project", "choice", "choices"}


def _one_of(check: LocalCheck, rows: list[Record]) -> Iterator[Hit]:
    cells = [
        (getter(check.tab, c), _member_of(c, allowed, every=True), c) for c, allowed in check.one_of
    ]
    for record in rows:
        for get, ok, column in cells:
            value = get(record)
            if value is not None and value != () and not ok(value):
                yield record, column, ""


_TESTS: dict[str, Callable[[LocalCheck, list[Record]], Iterator[Hit]]] = {
    "require": _require,
    "compare": _compare,
    "unique": _unique,
    "pattern": _pattern,
    "one_of": _one_of,
}
