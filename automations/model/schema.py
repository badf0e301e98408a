"""sheets_schema/*.toml -> table schemas; header matching; cell parsing.

Parsing never changes what a person typed: it returns a typed value or a plain-English problem.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import field
from functools import cached_property, lru_cache
from pathlib import Path

from automations.core.errors import CoprodError, SchemaError
from automations.core.filecache import parsed
from automations.core.paths import data_path, readable_folder
from automations.core.records import record
from automations.core.text import close_matches, compiled_when_used, email_problem
from automations.model.dates import Written, is_quarter, no_date, read_words
from automations.model.raw import UNCALCULATED

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any

KINDS = {
    "text",
    "date",
    "yesno",
    "number",
    "email",
    "choice",
    "choices",
    "member",
    "members",
    "project",
}
REQUIRED_WHEN = {"active", "not_dropped"}
TAB_FILES = ("members", "projects", "actions", "meetings")
# The co-production record's tabs (issue 31): optional, and read from the shipped schema when a
# board's own schema folder (made by `coprod adopt` before these existed) lacks the file.
RECORD_TAB_FILES = ("subgroups", "engagement", "you_said_we_did", "recognition")


_PLURAL_MARK = re.compile(r"\(s\)\s*$")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: object) -> str:
    """Lower case, no spaces or punctuation, no trailing "(s)": "E-mail (s) " -> "email"."""
    return _normalized_text(str(text))


@lru_cache(maxsize=4096)
def _normalized_text(text: str) -> str:
    """normalize's work, once per distinct text: headers and names are matched many times."""
    return _NOT_WORD.sub("", _PLURAL_MARK.sub("", text.strip().lower()))


@record(frozen=True)
class Column:
    """One column of a tab as sheets_schema/<tab>.toml declares it."""

    name: str
    field: str
    kind: str
    required: bool = False
    required_when: str | None = None
    header_required: bool = True
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value_aliases: dict[str, str] = field(default_factory=dict)
    duty: str | None = None
    responsible: str | None = None
    task: str | None = None
    checked_by: str | None = None
    # Fields of other columns that can stand in for this one when the tab lacks it (Status:
    # a Done tick box, a Completed on date or a RAG rating can tell open from closed).
    instead: tuple[str, ...] = ()

    def value_lookup(self) -> dict[str, str]:
        return self._value_lookup

    @cached_property
    def _parsed(self) -> dict[str, Any]:
        return {}  # parse_cell's memo: text as typed -> parsed value

    @cached_property
    def _value_lookup(self) -> dict[str, str]:
        # Built once per column, not once per cell: it was most of the time on a large tracker.
        table = {normalize(v): v for v in self.values}
        table.update({normalize(a): v for a, v in self.value_aliases.items()})
        return table


@record(frozen=True)
class TableSchema:
    """One tab as sheets_schema/<tab>.toml declares it: its name, aliases and columns."""

    key: str  # "members", "projects", ...
    name: str
    id_field: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    required: bool = True  # [tab] required = false: a board may not keep this tab (yet)

    def column(self, field_name: str) -> Column:
        for c in self.columns:
            if c.field == field_name:
                return c
        raise KeyError(field_name)

    def tab_keys(self) -> set[str]:
        return {normalize(n) for n in (self.name, *self.aliases)}

    @property
    def duty_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.duty)


def _column(tab: str, data: dict[str, Any]) -> Column:
    where = f"sheets_schema/{tab}.toml column {data.get('name', '?')!r}"
    for key in ("name", "field", "kind"):
        if not isinstance(data.get(key), str):
            raise SchemaError(f"{where}: '{key}' is missing")
    if data["kind"] not in KINDS:
        raise SchemaError(f"{where}: kind {data['kind']!r} is not one of {sorted(KINDS)}")
    when = data.get("required_when")
    if when is not None and when not in REQUIRED_WHEN:
        raise SchemaError(f"{where}: required_when {when!r} is not one of {sorted(REQUIRED_WHEN)}")
    if data["kind"] in ("choice", "choices") and not data.get("values"):
        raise SchemaError(f"{where}: a {data['kind']} column needs 'values'")
    aliases = data.get("value_aliases", {})
    unknown = [v for v in aliases.values() if v not in data.get("values", [])]
    if unknown:
        raise SchemaError(f"{where}: value_aliases point at unknown values {unknown}")
    required = bool(data.get("required", False))
    header = data.get("header", "required")
    if header not in ("required", "optional"):
        raise SchemaError(f"{where}: header must be 'required' or 'optional'")
    return Column(
        name=data["name"],
        field=data["field"],
        kind=data["kind"],
        required=required,
        required_when=when,
        header_required=header == "required",
        aliases=tuple(data.get("aliases", ())),
        values=tuple(data.get("values", ())),
        value_aliases=dict(aliases),
        duty=data.get("duty"),
        responsible=data.get("responsible"),
        task=data.get("task"),
        checked_by=data.get("checked_by"),
        instead=tuple(data.get("instead", ())),
    )


def load_table_schema(path: Path) -> TableSchema:
    data = parsed(path, _read_schema)
    tab = data.get("tab", {})
    columns = tuple(_column(path.stem, c) for c in data.get("column", []))
    fields_ = [c.field for c in columns]
    if len(set(fields_)) != len(fields_):
        raise SchemaError(f"{path}: two columns share a field name")
    for col in columns:
        unknown = [f for f in col.instead if f not in fields_]
        if unknown:
            raise SchemaError(
                f"{path}: column {col.name!r}: instead names unknown fields {unknown}"
            )
    id_field = tab.get("id", "id")
    if id_field not in fields_:
        raise SchemaError(f"{path}: [tab] id {id_field!r} is not a column field")
    return TableSchema(
        key=path.stem,
        name=tab.get("name", path.stem.title()),
        id_field=id_field,
        columns=columns,
        aliases=tuple(tab.get("aliases", ())),
        required=_tab_required(path, tab),
    )


def _read_schema(path: Path) -> dict[str, Any]:
    import tomllib  # only when a file is parsed, not read from the cache (core/filecache.py)

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SchemaError(f"{path}: {exc}") from None


def _tab_required(path: Path, tab: dict[str, Any]) -> bool:
    value = tab.get("required", True)
    if not isinstance(value, bool):
        raise SchemaError(f"{path}: [tab] required must be true or false, got {value!r}")
    return value


def load_schemas(directory: Path) -> dict[str, TableSchema]:
    readable_folder(directory, "[paths] schema_dir")
    missing = [t for t in TAB_FILES if not (directory / f"{t}.toml").exists()]
    if missing:
        raise SchemaError(f"{directory}: missing schema files {', '.join(missing)}")
    schemas = {t: load_table_schema(directory / f"{t}.toml") for t in TAB_FILES}
    for t in RECORD_TAB_FILES:
        own = directory / f"{t}.toml"
        # The shipped copy only when the folder has none (one made before these tabs): a
        # checkout this user cannot enter is no reason to stop a board whose folder has them.
        schemas[t] = load_table_schema(
            own if own.exists() else data_path("sheets_schema") / f"{t}.toml"
        )
    return schemas


# ---------------------------------------------------------------- header matching


@record(frozen=True)
class HeaderMatch:
    """Which column of a tab each header row cell is, and which columns were not found."""

    positions: dict[str, int]  # field -> 0-based column position
    headers: dict[str, str]  # field -> the header text as typed
    missing: tuple[Column, ...]
    suggestions: dict[str, str]  # field -> closest unmatched header


def match_headers(schema: TableSchema, header: list[object]) -> HeaderMatch:
    typed = {
        normalize(h): (i, str(h).strip())
        for i, h in reversed(list(enumerate(header)))
        if h is not None and str(h).strip()
    }
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for col in schema.columns:
        for key in (normalize(col.name), *map(normalize, col.aliases)):
            if key in typed and typed[key][0] not in positions.values():
                positions[col.field], headers[col.field] = typed[key]
                break
    missing = tuple(c for c in schema.columns if c.field not in positions and c.header_required)
    used = set(positions.values())
    unmatched = {v[1]: v[1] for k, v in typed.items() if v[0] not in used}
    suggestions = {}
    for col in missing:
        close = close_matches(col.name, list(unmatched), cutoff=0.5)
        if close:
            suggestions[col.field] = close[0]
    return HeaderMatch(positions, headers, missing, suggestions)


def closest(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    found = close_matches(word, list(options), cutoff=0.5)
    if found:
        return found[0]
    by_key = {normalize(o): o for o in options}
    found = close_matches(normalize(word), list(by_key), cutoff=0.5)
    return by_key[found[0]] if found else None


# ---------------------------------------------------------------- cell parsing


class CellProblem(CoprodError):
    """A cell could not be read; ``rule`` is schema.type, schema.enum or schema.email."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def display(value: object) -> str | None:
    """How a raw cell value is shown back to people."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def parse_text(value: object) -> str:
    if type(value) is str:  # the common case, without display()'s type checks
        return value.strip()
    return display(value).strip()  # type: ignore[union-attr]


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
# Compiled when a date is first typed as text (most are typed as dates).
_ISO = compiled_when_used(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_NUMERIC = compiled_when_used(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_WORDS = compiled_when_used(
    r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]+)\.?,?[\s\-]+(\d{4})$"
)
DATE_HELP = "Write it as 29/11/2023, 29 Nov 2023 or 2023-11-29."


def _make_date(year: int, month: int, day: int, raw: str) -> dt.date:
    if not 1900 <= year <= 2200:  # "31/12/9999" as "never" would break date arithmetic
        raise CellProblem(
            "schema.type",
            f"{raw!r} is not a date the Board could mean (year {year}). "
            "Leave the cell blank if there is no date.",
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellProblem("schema.type", f"{raw!r} is not a real date. {DATE_HELP}") from None


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 110000:  # spreadsheet serial numbers up to the year 2200
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellProblem("schema.type", f"{display(value)!r} is not a date. {DATE_HELP}")
    raw = str(value).strip()
    text = raw.lower()
    if m := _ISO().match(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), raw)
    if m := _NUMERIC().match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        year += 2000 if year < 100 else 0
        if month > 12 and day <= 12:
            raise CellProblem(
                "schema.type",
                f"{raw!r} looks like a US-style date (month first). Dates here are day first: "
                f"write {month:02d}/{day:02d}/{year}.",
            )
        return _make_date(year, month, day, raw)
    if (m := _WORDS().match(text)) and m[2] in _MONTHS:
        return _make_date(int(m[3]), _MONTHS[m[2]], int(m[1]), raw)
    if no_date(raw):
        raise NoDate("schema.read_dates", "read as no date")
    if is_quarter(raw):
        raise CellProblem(
            "schema.type",
            f"{raw!r} is a quarter, and which months it means depends on whether the Board "
            "counts calendar or financial quarters (April to March). Write the date it is due.",
        )
    if written := read_words(raw):
        raise ReadInWords(written)
    raise CellProblem("schema.type", f"{raw!r} is not a date. {DATE_HELP}")


class NoDate(CellProblem):
    """A word that says there is no date ("TBC", "Ongoing", "n/a"): a blank date, said once."""


class ReadInWords(CellProblem):
    """A date written in words ("w/c 12 Jan", "end of March", "Dec-26"): the board reads it
    with the row's other dates (the year) and says how (model/dates.py)."""

    def __init__(self, written: Written) -> None:
        super().__init__("schema.read_dates", written.how)
        self.written = written


_YES = {"yes", "y", "true", "1", "✓", "✔", "☑", "done"}
_NO = {"no", "n", "false", "0", "✗", "✘", "☐"}


def parse_yesno(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = display(value).strip().lower()  # type: ignore[union-attr]
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellProblem("schema.type", f"{display(value)!r} is not a yes or no. Write Yes or No.")


def parse_number(value: object) -> float:
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        else:
            number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # float() also reads "nan" and "inf"
        raise CellProblem("schema.type", f"{display(value)!r} is not a number.")
    return number


@lru_cache(maxsize=4096)
def _normalized(text: str) -> str:
    # A choice column holds a handful of distinct texts typed again and again.
    return normalize(text)


def parse_choice(column: Column, value: object) -> str:
    text = parse_text(value)
    found = column.value_lookup().get(_normalized(text))
    if found:
        return found
    allowed = ", ".join(column.values)
    hint = closest(text, column.values)
    advice = f" Did you mean {hint!r}?" if hint else ""
    raise CellProblem(
        "schema.enum", f"{text!r} is not one of the allowed values ({allowed}).{advice}"
    )


def split_list(value: object) -> list[str]:
    return [p.strip() for p in re.split(r"[;,\n]", parse_text(value)) if p.strip()]


def parse_email(value: object) -> str:
    text = parse_text(value)
    _, problem = email_problem(text)
    if problem is not None:
        raise CellProblem("schema.email", f"{text!r} is not a valid email address ({problem}).")
    return text


def parse_cell(column: Column, value: object) -> Any:
    """A typed value for a non-blank cell, or CellProblem."""
    # A tracker repeats the same few texts (statuses, owners, Yes/No, typed dates) down a
    # column: each distinct text is parsed once. Only successes are kept (results are
    # immutable); free text is not cached, as it rarely repeats and parses cheaply.
    kind = type(value)
    if kind is not str:
        if column.kind == "date":  # a typed date: parse_date's answer
            if kind is dt.datetime:
                return value.date()  # type: ignore[attr-defined]
            if kind is dt.date:
                return value
        return _parse_cell(column, value)
    if column.kind == "text":  # free text that fits in a cell: parse_text's answer
        return value.strip() if len(value) <= CELL_LIMIT else _parse_cell(column, value)
    cache = column._parsed
    found = cache.get(value)
    if found is None:
        found = _parse_cell(column, value)
        if len(cache) < _CACHE_LIMIT:
            cache[value] = found
    return found


_CACHE_LIMIT = 10_000


UNCALCULATED_MESSAGE = (
    "this cell holds a formula that has not been calculated: open and save the workbook in "
    "Excel or LibreOffice, then check again"
)


# The most a spreadsheet cell holds (Excel's limit, which Google Sheets and LibreOffice share).
CELL_LIMIT = 32_767
# Characters that cannot be seen: in an id they make two ids that look the same differ.
_INVISIBLE = {
    "\u00ad": "soft hyphen",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    **{chr(c): "text-direction control" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
}


def invisible_in_id(value: object) -> str | None:
    """A message when an id holds a character nobody can see, else None."""
    if not isinstance(value, str) or value.isascii():  # every invisible one is outside ASCII
        return None
    for ch in value:
        if ch in _INVISIBLE:
            return (
                f"This id holds an invisible character ({_INVISIBLE[ch]}, U+{ord(ch):04X}), so "
                "it will not match the same id typed elsewhere. Delete the cell's text and "
                "type the id again."
            )
    return None


def _parse_cell(column: Column, value: object) -> Any:
    if value is UNCALCULATED:
        raise CellProblem("schema.type", UNCALCULATED_MESSAGE)
    if type(value) is str and len(value) > CELL_LIMIT:
        raise CellProblem(
            "schema.type",
            f"this cell holds {len(value):,} characters, more than a spreadsheet cell keeps "
            f"({CELL_LIMIT:,}): Excel would cut it off. Shorten it, or put the long text in a "
            "document and link to it.",
        )
    kind = column.kind
    if kind == "date":
        return parse_date(value)
    if kind == "yesno":
        return parse_yesno(value)
    if kind == "number":
        return parse_number(value)
    if kind == "email":
        return parse_email(value)
    if kind == "choice":
        return parse_choice(column, value)
    if kind == "choices":
        return tuple(parse_choice(column, v) for v in split_list(value))
    if kind == "members":
        return tuple(split_list(value))
    return parse_text(value)
