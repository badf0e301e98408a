"""checks.toml -> the officers' own row checks, each checked against the column schemas.

A check is data, not code: an id, a tab, a severity, a message with ``{Header}`` placeholders,
an optional ``when`` and exactly one test (require, compare, unique, pattern, one_of). Every
header is matched like the schema's (name or any alias), and every value in ``when`` and
``one_of`` is read the way the column reads a cell, so a typo is refused here, once, rather than
silently never matching. Any problem refuses the whole file (ConfigError naming the file, the
check's id and what to fix): nothing is half-applied.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automations.core.errors import ConfigError
from automations.core.filecache import parsed, read_checks_file
from automations.core.findings import Severity
from automations.core.text import close_matches
from automations.model.schema import (
    CellProblem,
    Column,
    TableSchema,
    normalize,
    parse_cell,
)

TESTS = ("require", "compare", "unique", "pattern", "one_of")
KEYS = {"id", "tab", "severity", "message", "summary", "when", *TESTS}
ID = re.compile(r"^local\.[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
OPERATORS = ("<=", ">=", "!=", "==", "=", "<", ">")
_COMPARE = re.compile(r"^\s*(.+?)\s*(<=|>=|!=|==|=|<|>)\s*(.+?)\s*$")
TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")  # in a message: {{, }} or a {Header}
# How each column kind compares: columns compare only within one family.
FAMILY = {
    "date": "date",
    "number": "number",
    "yesno": "yes/no",
    "text": "text",
    "email": "text",
    "choice": "text",
    "member": "text",
    "project": "text",
    "choices": "list",
    "members": "list",
}


@dataclass(frozen=True)
class Compare:
    left: Column
    op: str  # one of < <= > >= = !=
    right: Column
    family: str  # "date", "number", "text" or "yes/no"


@dataclass(frozen=True)
class LocalCheck:
    """One officer's check, ready to run: every header already resolved to its column."""

    id: str
    tab: str  # the schema key: members, projects, actions, meetings
    severity: Severity
    message: str
    summary: str
    source: Path
    when: tuple[tuple[Column, frozenset[Any]], ...] = ()  # all must hold; any of each set
    require: tuple[Column, ...] = ()
    compare: Compare | None = None
    unique: Column | None = None
    pattern: tuple[tuple[Column, Any], ...] = ()  # RE2 patterns (re2.compile)
    one_of: tuple[tuple[Column, frozenset[Any]], ...] = ()
    placeholders: tuple[tuple[str, Column], ...] = ()  # text in braces -> its column

    @property
    def kind(self) -> str:
        return next(t for t in TESTS if getattr(self, t))

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column the check reads: it is skipped when the workbook lacks one."""
        cols = [c for c, _ in self.when] + list(self.require)
        if self.compare:
            cols += [self.compare.left, self.compare.right]
        cols += [self.unique] if self.unique else []
        cols += [c for c, _ in self.pattern] + [c for c, _ in self.one_of]
        cols += [c for _, c in self.placeholders]
        return _distinct(cols)


def _distinct(columns: list[Column]) -> tuple[Column, ...]:
    # A Column holds a dict, so it cannot be hashed: keep the first of each field, in order.
    seen: dict[str, Column] = {}
    for c in columns:
        seen.setdefault(c.field, c)
    return tuple(seen.values())


# Columns whose typed values are already canonical ("Complete" reads as "Done"): compared as
# they are. Free text (and references typed by hand) ignores case and runs of spaces.
EXACT_KINDS = {"choice", "choices", "yesno", "date", "number"}


def match_key(column: Column, value: Any) -> Any:
    return value if column.kind in EXACT_KINDS else value_key(value)


def value_key(value: Any) -> Any:
    """How two values are told equal: text ignores case and runs of spaces."""
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, tuple):
        return tuple(value_key(v) for v in value)
    return value


# ---------------------------------------------------------------- loading


def load_checks(path: Path, schemas: dict[str, TableSchema]) -> tuple[LocalCheck, ...]:
    """Every check in ``path``, or ConfigError for the first problem (nothing half-loaded)."""
    data = parsed(path, read_checks_file)
    extra = sorted(set(data) - {"check"})
    if extra:
        raise ConfigError(
            f"{path}: {extra[0]!r} is not allowed at the top of the file; every check starts "
            "with a [[check]] line"
        )
    entries = data.get("check", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: write each check as a [[check]] table (two square brackets)")
    checks: list[LocalCheck] = []
    seen: set[str] = set()
    headers = {key: _headers(schema) for key, schema in schemas.items()}
    for number, entry in enumerate(entries, start=1):
        check = _Loader(path, number, entry, schemas, headers).load()
        if check.id in seen:
            raise ConfigError(
                f"{path}: check {check.id!r}: the id is used by two checks; give each its own"
            )
        seen.add(check.id)
        checks.append(check)
    return tuple(checks)


def _headers(schema: TableSchema) -> dict[str, Column]:
    """Every way a header of the tab may be written (name or alias), normalized -> column."""
    out: dict[str, Column] = {}
    for col in schema.columns:
        for name in (col.name, *col.aliases):
            out.setdefault(normalize(name), col)
    return out


class _Loader:
    """Reads one [[check]] table; every error names the file and the check."""

    schema: TableSchema  # the check's tab, once known

    def __init__(
        self,
        path: Path,
        number: int,
        data: Any,
        schemas: dict[str, TableSchema],
        headers: dict[str, dict[str, Column]],
    ) -> None:
        self.path, self.number, self.schemas, self.headers = path, number, schemas, headers
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        raw_id = self.data.get("id")
        self.id = raw_id if isinstance(raw_id, str) else None

    def fail(self, problem: str) -> ConfigError:
        who = f"check {self.id!r}" if self.id else f"check number {self.number} (it has no id)"
        return ConfigError(f"{self.path}: {who}: {problem}")

    def load(self) -> LocalCheck:
        if not self.data:
            raise self.fail("is empty; give it an id, tab, severity, message and one test")
        self._keys()
        check_id = self._id()
        schema = self.schema = self._tab()
        message = self._text("message", "the plain words shown in the sheet and the digest")
        summary = self.data.get("summary", message)
        if not isinstance(summary, str) or not summary.strip():
            raise self.fail("summary: give it as text in quotes, or leave it out")
        tests = [t for t in TESTS if t in self.data]
        if len(tests) != 1:
            found = ", ".join(tests) if tests else "none"
            raise self.fail(f"give exactly one test of {', '.join(TESTS)} (found: {found})")
        parts = {tests[0]: getattr(self, f"_{tests[0]}")(self.data[tests[0]])}
        return LocalCheck(
            id=check_id,
            tab=schema.key,
            severity=self._severity(),
            message=message.strip(),
            summary=" ".join(summary.split()),
            source=self.path,
            when=self._when(),
            placeholders=self._placeholders(message),
            **parts,
        )

    # ---------------------------------------------------------------- the common keys

    def _keys(self) -> None:
        for key in self.data:
            if key not in KEYS:
                close = close_matches(key, sorted(KEYS))
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.fail(f"{key!r} is not a key of a check{hint}")

    def _id(self) -> str:
        if self.id is None:
            raise self.fail('give it an id starting with "local.", e.g. id = "local.actions.x"')
        if not ID.match(self.id):
            raise self.fail(
                'the id must start with "local." followed by letters, digits, dots, "_" or "-" '
                '(e.g. "local.actions.due_after_raised")'
            )
        return self.id

    def _text(self, key: str, what: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key} is missing: give {what}, in quotes")
        return value

    def _tab(self) -> TableSchema:
        tab = self._text("tab", "the tab it checks, e.g. tab = \"Actions\"")
        for schema in self.schemas.values():
            if normalize(tab) in schema.tab_keys():
                return schema
        names = ", ".join(s.name for s in self.schemas.values())
        raise self.fail(f"tab {tab!r} is not a tab of the board; use one of {names}")

    def _severity(self) -> Severity:
        value = self.data.get("severity")
        choices = ", ".join(repr(s.value) for s in Severity)
        if value not in {s.value for s in Severity}:
            raise self.fail(f"severity must be one of {choices}, got {value!r}")
        return Severity(value)

    def column(self, header: object, where: str) -> Column:
        if not isinstance(header, str) or not header.strip():
            raise self.fail(f"{where}: give a header in quotes, got {header!r}")
        found = self.headers[self.schema.key].get(normalize(header))
        if found is not None:
            return found
        names = [c.name for c in self.schema.columns]
        close = close_matches(header, names, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else f" Its columns: {', '.join(names)}."
        raise self.fail(f"{where}: {header!r} is not a column of the {self.schema.name} tab.{hint}")

    def _values(self, col: Column, value: Any, where: str) -> frozenset[Any]:
        """The values a cell may match, read as the column reads a cell."""
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.fail(f"{where}: give at least one value")
        out = set()
        for item in items:
            if not isinstance(item, str | int | float | bool | dt.date):
                raise self.fail(f"{where}: {item!r} is not a value a cell can hold")
            try:
                parsed = parse_cell(col, item)
            except CellProblem as problem:
                extra = (
                    f" If the Board uses it, first add it to the column's values in "
                    f"sheets_schema/{self.schema.key}.toml."
                    if col.kind in ("choice", "choices")
                    else ""
                )
                raise self.fail(f"{where}: {problem.message}{extra}") from None
            parsed = parsed if isinstance(parsed, tuple) else (parsed,)
            out.update(match_key(col, p) for p in parsed)
        return frozenset(out)

    def _table(self, key: str, value: Any, example: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise self.fail(f"{key}: write it as {example}")
        return value

    def _when(self) -> tuple[tuple[Column, frozenset[Any]], ...]:
        if "when" not in self.data:
            return ()
        table = self._table("when", self.data["when"], 'when = { Status = "Open" }')
        return tuple(
            (col, self._values(col, v, f"when {h!r}"))
            for h, v in table.items()
            for col in (self.column(h, "when"),)
        )

    def _placeholders(self, message: str) -> tuple[tuple[str, Column], ...]:
        if "{" in TOKEN.sub("", message) or "}" in TOKEN.sub("", message):
            raise self.fail("message: a '{' or '}' is unmatched; write {Header}, or {{ for a '{'")
        names = [m[1] for m in TOKEN.finditer(message) if m[1] is not None]
        return tuple(
            (name, self.column(name, f"message placeholder {{{name}}}"))
            for name in dict.fromkeys(names)
        )

    # ---------------------------------------------------------------- the tests

    def _require(self, value: Any) -> tuple[Column, ...]:
        headers = [value] if isinstance(value, str) else value
        if not isinstance(headers, list) or not headers:
            raise self.fail('require: give the headers as a list, e.g. require = ["Update"]')
        return _distinct([self.column(h, "require") for h in headers])

    def _compare(self, value: Any) -> Compare:
        m = _COMPARE.match(value) if isinstance(value, str) else None
        if not m:
            raise self.fail(
                'compare: write two headers and one of < <= > >= = != between them, '
                'e.g. compare = "Due >= Raised"'
            )
        left, right = self.column(m[1], "compare"), self.column(m[3], "compare")
        op = "=" if m[2] == "==" else m[2]
        kinds = FAMILY[left.kind], FAMILY[right.kind]
        if kinds[0] != kinds[1]:
            raise self.fail(
                f"compare: {left.name} is a {kinds[0]} column and {right.name} is a {kinds[1]} "
                "column, so they cannot be compared; compare two dates, two numbers or two texts"
            )
        if kinds[0] == "list":
            raise self.fail(f"compare: {left.name} holds a list, which cannot be compared")
        if kinds[0] == "yes/no" and op not in ("=", "!="):
            raise self.fail(f"compare: yes/no columns can only be compared with = or !=, not {op}")
        if left == right:
            raise self.fail(f"compare: both sides are {left.name}; compare two different columns")
        return Compare(left, op, right, kinds[0])

    def _unique(self, value: Any) -> Column:
        if not isinstance(value, str):
            raise self.fail('unique: give one header in quotes, e.g. unique = "Email"')
        return self.column(value, "unique")

    def _pattern(self, value: Any) -> tuple[tuple[Column, Any], ...]:
        table = self._table("pattern", value, 'pattern = { "Member ID" = "^M[0-9]{2}$" }')
        out = []
        for header, regex in table.items():
            col = self.column(header, "pattern")
            if FAMILY[col.kind] in ("date", "yes/no"):
                raise self.fail(
                    f"pattern: {col.name} is a {FAMILY[col.kind]} column; a pattern checks text "
                    "(use compare or one_of for this column)"
                )
            if not isinstance(regex, str) or not regex:
                raise self.fail(f"pattern {header!r}: give the regular expression in quotes")
            out.append((col, self._bounded(header, regex)))
        return tuple(out)

    def _bounded(self, header: str, regex: str) -> Any:
        """The pattern compiled by RE2, which matches in time linear in the text: a pattern like
        (a+)+$ would otherwise let one hostile cell stall a pass. A pattern RE2 cannot run
        (a back-reference, a look-ahead) is refused, naming the check."""
        import re2  # on first use: only a Board with pattern checks needs it

        try:
            re.compile(regex)
        except re.error as exc:
            raise self.fail(
                f"pattern {header!r}: {regex!r} is not a valid regular expression ({exc}). "
                "Tip: write it in single quotes ('...') so that a backslash stays a backslash."
            ) from None
        quiet = re2.Options()
        quiet.log_errors = False  # the refusal below says it; RE2 would also print to stderr
        try:
            return re2.compile(regex, quiet)
        except re2.error:
            raise self.fail(
                f"pattern {header!r}: {regex!r} uses something (such as a back-reference \\1 or "
                "a look-ahead (?=...)) that cannot be matched in a bounded time, so a cell's text "
                "could stall the check. Write the pattern without it."
            ) from None

    def _one_of(self, value: Any) -> tuple[tuple[Column, frozenset[Any]], ...]:
        table = self._table("one_of", value, 'one_of = { Stage = ["During", "Closed"] }')
        out = []
        for header, values in table.items():
            col = self.column(header, "one_of")
            if not isinstance(values, list):
                raise self.fail(f'one_of {header!r}: give the values as a list: ["A", "B"]')
            out.append((col, self._values(col, values, f"one_of {header!r}")))
        return tuple(out)
