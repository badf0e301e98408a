"""`coprod adopt WORKBOOK`: onboarding for the tracker an officer already keeps.

It only reads the workbook. It finds the tabs and their header rows, maps each header to the
schema (names and aliases first, then close names, which it says it guessed), lists the
required columns that are missing, the columns it will ignore and the values of choice columns
that are not allowed ones (proposing value aliases), and writes for the officer to review:
DIR/config.toml and DIR/schema/ (a copy of sheets_schema with the new header and value
aliases). It then checks the workbook with what it wrote and says what that finds.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from automations.backends.marks import VALIDATION_TAB
from automations.backends.xlsx.source import read_xlsx
from automations.core.errors import ConfigError, SourceError
from automations.core.findings import Finding
from automations.core.paths import data_path
from automations.core.text import plural
from automations.model.board import find_tab
from automations.model.header import is_hints_row, locate_header, needed
from automations.model.raw import SCAN_ROWS, RawTable, RawWorkbook
from automations.model.schema import (
    Column,
    TableSchema,
    closest,
    load_schemas,
    load_table_schema,
    normalize,
    split_list,
)

CUTOFF = 0.55  # how alike a header and a schema name must be for a guess (0 to 1)
WORD_MATCH = 0.85  # a header holding every word of a schema name ("Progress / comments")
FILLER = {"the", "of", "a", "an", "and", "or", "to", "for"}
MARK = "# added by coprod adopt: check it"
# Words trackers use for the allowed values of a choice column (taken when the column allows
# that value and nothing closer is found); each use is reported as a guess.
COMMON_WORDS = {
    "Done": ("finished", "resolved", "achieved", "actioned", "complete - closed"),
    "In progress": ("wip", "work in progress", "underway", "in hand", "progressing", "active"),
    "Open": ("not yet started", "pending", "outstanding", "new", "to do", "todo", "raised"),
    "Dropped": ("withdrawn", "no longer needed", "not needed", "abandoned"),
}


@dataclass
class Mapped:
    header: str
    position: int  # 0-based
    column: Column
    guessed: bool


@dataclass
class Proposal:
    """A typed value of a choice column that is not an allowed one."""

    column: Column
    typed: str
    rows: int
    value: str | None  # the allowed value it likely means; None: the officer must choose


@dataclass
class TabSurvey:
    schema: TableSchema
    title: str | None = None
    found_by: str = ""
    header_row: int = 0
    header_how: str = ""
    hints_row: int | None = None
    mapped: list[Mapped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    table: RawTable | None = None

    def sheet_mappings(self) -> list[tuple[str, list[Mapped]]]:
        """(sheet, its mapped headers) for each sheet read as this tab."""
        return [(self.title, self.mapped)] if self.title else []

    @property
    def missing(self) -> list[Column]:
        got = {m.column.field for m in self.mapped}
        return [c for c in self.schema.columns if c.field not in got and c.header_required]


# ---------------------------------------------------------------- matching by likeness


def _words(text: object) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", str(text).lower()) if w not in FILLER}


def likeness(typed: object, column: Column) -> float:
    """1 for the column's name or an alias; else how close the header is to one of them."""
    best = 0.0
    key, words = normalize(typed), _words(typed)
    for name in (column.name, *column.aliases):
        if normalize(name) == key:
            return 1.0
        best = max(best, difflib.SequenceMatcher(None, key, normalize(name)).ratio())
        theirs = _words(name)
        if theirs and theirs <= words:
            best = max(best, WORD_MATCH)
    return best


def map_headers(schema: TableSchema, header: list[object]) -> tuple[list[Mapped], list[str]]:
    """Exact names and aliases first; then the closest pairs left, best first."""
    cells = [(i, str(h).strip()) for i, h in enumerate(header) if h is not None and str(h).strip()]
    pairs = sorted(
        ((likeness(h, c), -i, i, h, c) for i, h in cells for c in schema.columns),
        key=lambda p: (p[0] == 1.0, p[0], p[1]),
        reverse=True,
    )
    mapped: list[Mapped] = []
    used_cells: set[int] = set()
    used_fields: set[str] = set()
    for score, _, i, h, col in pairs:
        if score < CUTOFF or i in used_cells or col.field in used_fields:
            continue
        mapped.append(Mapped(h, i, col, guessed=score < 1.0))
        used_cells.add(i)
        used_fields.add(col.field)
    ignored = [h for i, h in cells if i not in used_cells]
    return sorted(mapped, key=lambda m: m.position), ignored


# ---------------------------------------------------------------- surveying the workbook


def survey(raw: RawWorkbook, schemas: dict[str, TableSchema]) -> list[TabSurvey]:
    tabs = [TabSurvey(schema) for schema in schemas.values()]
    found: dict[str, RawTable] = {}
    # By name everywhere first, so a close name or likely headers never takes a named tab.
    for finder in (_by_name, _by_close_name, _by_headers):
        for tab in tabs:
            if tab.schema.key in found:
                continue
            free = [
                t
                for t in raw.tables.values()
                if t.title != VALIDATION_TAB and t not in found.values()
            ]
            rt = finder(raw, tab.schema, free)
            if rt is not None:
                found[tab.schema.key] = rt
                tab.found_by = FOUND_BY[finder.__name__]
    for tab in tabs:
        if tab.schema.key in found:
            tab.title = found[tab.schema.key].title
            _read_tab(tab, found[tab.schema.key])
    return tabs


def _by_name(raw: RawWorkbook, schema: TableSchema, free: list[RawTable]) -> RawTable | None:
    rt = find_tab(raw, schema)
    return rt if rt in free else None


def _by_close_name(raw: RawWorkbook, schema: TableSchema, free: list[RawTable]) -> RawTable | None:
    names = [normalize(n) for n in (schema.name, *schema.aliases)]
    for t in free:
        if difflib.get_close_matches(normalize(t.title), names, n=1, cutoff=0.75):
            return t
    return None


def _by_headers(raw: RawWorkbook, schema: TableSchema, free: list[RawTable]) -> RawTable | None:
    """The free tab whose headers map most of this tab's columns (at least 40% of them)."""
    enough = max(needed(schema), round(0.4 * sum(c.header_required for c in schema.columns)))
    scored = [(_best_row(t, schema)[1], -i, t) for i, t in enumerate(free)]
    best = max(scored, key=lambda s: (s[0], s[1]), default=None)
    return best[2] if best and best[0] >= enough else None


FOUND_BY = {
    "_by_name": "by its name",
    "_by_close_name": "by a close name",
    "_by_headers": "by its headers",
}


def _row_score(schema: TableSchema, row: object) -> int:
    return len(map_headers(schema, list(row))[0])  # type: ignore[call-overload]


def _best_row(rt: RawTable, schema: TableSchema) -> tuple[int | None, int, str]:
    """(row, how many headers it maps, how it was found): an Excel table's header row first,
    else the first of the top rows that maps enough headers, else the one that maps most."""
    for t in sorted(rt.excel_tables, key=lambda t: t.header_row or 0):
        if t.header_row and t.header_row <= len(rt.grid):
            score = _row_score(schema, rt.grid[t.header_row - 1])
            if score:
                return t.header_row, score, f"the header of the Excel table {t.name!r}"
    scores = [(n, _row_score(schema, values)) for n, values in rt.top()]
    for n, score in scores:
        if score >= needed(schema):
            return n, score, "the first row with enough of the headers"
    n, score = max(scores, key=lambda s: (s[1], -s[0]), default=(None, 0))
    return (n, score, "the row with most of the headers") if score >= 2 else (None, score, "")


def _read_tab(tab: TabSurvey, rt: RawTable) -> None:
    row, _, how = _best_row(rt, tab.schema)
    if row is None:
        examples = ", ".join(repr(c.name) for c in tab.schema.columns[:4])
        raise SourceError(
            f"adopt could not map the {rt.title!r} tab (used as the {tab.schema.name} tab): no "
            f"header row was found in its first {SCAN_ROWS} rows. Put the column headings "
            f"(such as {examples}) in one row above the list and run adopt again."
        )
    tab.header_row, tab.header_how = row, how
    tab.mapped, tab.ignored = map_headers(tab.schema, list(rt.grid[row - 1]))
    tab.hints_row = row + 1 if is_hints_row(rt, tab.schema, row) else None
    tab.table = rt.at(row, [tab.hints_row] if tab.hints_row else [])
    tab.proposals = _proposals(tab)


def _proposals(tab: TabSurvey) -> list[Proposal]:
    assert tab.table is not None
    out = []
    for m in tab.mapped:
        if m.column.kind not in ("choice", "choices"):
            continue
        counts: dict[str, int] = {}
        for _, values in tab.table.rows:
            cell = values[m.position] if m.position < len(values) else None
            if cell is None or not str(cell).strip():
                continue
            texts = split_list(cell) if m.column.kind == "choices" else [str(cell).strip()]
            for text in texts:
                if normalize(text) not in m.column.value_lookup():
                    counts[text] = counts.get(text, 0) + 1
        for text, n in sorted(counts.items()):
            out.append(Proposal(m.column, text, n, _meaning(text, m.column)))
    return out


def _meaning(text: str, column: Column) -> str | None:
    close = closest(text, column.values)
    if close:
        return close
    key = normalize(text)
    for value, words in COMMON_WORDS.items():
        if value in column.values and key in {normalize(w) for w in words}:
            return value
    return None


# ---------------------------------------------------------------- writing what it found


def write_schema(tabs: list[TabSurvey], folder: Path) -> None:
    """A copy of sheets_schema with the guessed headers and proposed values as aliases."""
    source = data_path("sheets_schema")
    folder.mkdir(parents=True)
    shutil.copy(source / "README.md", folder / "README.md")
    for tab in tabs:
        text = (source / f"{tab.schema.key}.toml").read_text(encoding="utf-8")
        for m in tab.mapped:
            if m.guessed:
                text = _add_to_column(text, m.column.field, header=m.header)
        for p in tab.proposals:
            text = _add_to_column(text, p.column.field, value=p)
        (folder / f"{tab.schema.key}.toml").write_text(text, encoding="utf-8")
        load_table_schema(folder / f"{tab.schema.key}.toml")  # what it wrote must load


def _add_to_column(
    text: str, field_name: str, header: str = "", value: Proposal | None = None
) -> str:
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.strip() == f"field = {json.dumps(field_name)}"
    )
    begin = max(i for i in range(start + 1) if lines[i].strip() == "[[column]]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[[")), len(lines))
    block = lines[begin:end]
    if header:
        block = _with_alias(block, header)
    if value is not None:
        block = _with_value_alias(block, value)
    return "\n".join([*lines[:begin], *block, *lines[end:]]) + "\n"


def _with_alias(block: list[str], header: str) -> list[str]:
    for i, line in enumerate(block):
        if line.startswith("aliases = ["):
            aliases = [*tomllib.loads(line)["aliases"], header]
            return [
                *block[:i],
                MARK,
                f"aliases = {json.dumps(aliases, ensure_ascii=False)}",
                *block[i + 1 :],
            ]
    at = next(i for i, line in enumerate(block) if line.startswith("field = ")) + 1
    return [*block[:at], MARK, f"aliases = {json.dumps([header], ensure_ascii=False)}", *block[at:]]


def _with_value_alias(block: list[str], p: Proposal) -> list[str]:
    key = json.dumps(p.typed, ensure_ascii=False)
    if p.value is None:
        allowed = ", ".join(p.column.values)
        entry = [
            f"# coprod adopt: {key} is typed in {plural(p.rows, 'row')}; write the allowed "
            f"value it means ({allowed}) and remove the #:",
            f'# {key} = ""',
        ]
    else:
        entry = [MARK, f"{key} = {json.dumps(p.value, ensure_ascii=False)}"]
    for i, line in enumerate(block):
        if line.strip() == "[column.value_aliases]":
            return [*block[: i + 1], *entry, *block[i + 1 :]]
    while block and not block[-1].strip():
        block = block[:-1]
    return [*block, "[column.value_aliases]", *entry, ""]


def write_config(
    tabs: list[TabSurvey], workbook: Path, folder: Path, schemas: dict[str, TableSchema]
) -> Path:
    lines = [
        f"# Written by `coprod adopt` from {workbook.name} on {dt.date.today().isoformat()}.",
        "# Review it and schema/ (the lines marked 'added by coprod adopt'), then run:",
        f"#   coprod validate --config {folder / 'config.toml'}",
        "[source]",
        'kind = "xlsx"',
        f"path = {json.dumps(str(workbook.resolve()), ensure_ascii=False)}",
        "",
        "[paths]",
        'schema_dir = "schema"',
    ]
    for tab in tabs:
        lines += _tab_settings(tab, schemas[tab.schema.key])
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tab_settings(tab: TabSurvey, written: TableSchema) -> list[str]:
    if tab.table is None:
        return []
    out = []
    if tab.found_by != "by its name":
        out.append(f"tab = {json.dumps(tab.title, ensure_ascii=False)}")
    # Only when the check would not find the row on its own with the aliases written.
    if locate_header(tab.table, written).table.header_row != tab.header_row:
        out.append(f"header_row = {tab.header_row}")
    return ["", f"[source.tabs.{tab.schema.name}]", *out] if out else []


# ---------------------------------------------------------------- what it says


def describe(tabs: list[TabSurvey]) -> list[str]:
    lines = []
    for tab in tabs:
        name = tab.schema.name
        if tab.title is None:
            what = (
                "a tab the check needs"
                if tab.schema.required
                else f"the {name.lower().removesuffix('s')} rules will be skipped"
            )
            lines.append(f"{name}: no tab found ({what}).")
            continue
        hints = f"; row {tab.hints_row} holds hints and is skipped" if tab.hints_row else ""
        lines.append(
            f"{name}: the tab {tab.title!r} (found {tab.found_by}), headers on row "
            f"{tab.header_row} ({tab.header_how}){hints}."
        )
        for m in tab.mapped:
            guess = "  (guessed: a close name; check it)" if m.guessed else ""
            lines.append(f"  {m.header!r} -> {m.column.name}{guess}")
        if tab.missing:
            lines.append(
                "  required columns missing (the checks that need them are skipped): "
                + ", ".join(repr(c.name) for c in tab.missing)
            )
        if tab.ignored:
            lines.append("  columns it will ignore: " + ", ".join(map(repr, tab.ignored)))
        for p in tab.proposals:
            rows = plural(p.rows, "row")
            if p.value:
                lines.append(
                    f"  {p.column.name}: {p.typed!r} ({rows}) is not an allowed value; "
                    f"proposed alias {p.typed!r} = {p.value!r} (guessed; check it)"
                )
            else:
                lines.append(
                    f"  {p.column.name}: {p.typed!r} ({rows}) is not an allowed value "
                    f"and is not close to one; choose one of "
                    f"{', '.join(p.column.values)} in schema/{tab.schema.key}.toml"
                )
    return lines


def expected(tabs: list[TabSurvey]) -> set[tuple[str, str | None, str | None]]:
    """The schema findings adopt has already told the officer about: (rule, tab, column).
    Anything else the check finds about the workbook's shape would be a surprise."""
    out: set[tuple[str, str | None, str | None]] = set()
    for tab in tabs:
        if tab.title is None:
            out.add(("schema.missing_tab", tab.schema.name, None))
        out |= {("schema.missing_column", tab.schema.name, c.name) for c in tab.missing}
        out |= {
            ("schema.enum", tab.schema.name, p.column.name)
            for p in tab.proposals
            if p.value is None
        }
    return out


def check_written(config: Path, tabs: list[TabSurvey]) -> tuple[list[str], list[Finding]]:
    """Validate with what adopt wrote: the counts, and any shape finding it did not expect."""
    from automations.pipeline import validate
    from automations.settings import load_settings

    report = validate(load_settings(config)).report
    told = expected(tabs)
    surprises = [
        f
        for f in report.findings
        if f.rule in SHAPE_RULES and (f.rule, f.tab, _canonical(f, tabs)) not in told
    ]
    c = report.counts
    lines = [
        f"Checked with these settings: {c['error']} errors, {c['warning']} warnings, "
        f"{c['info']} for information."
    ]
    if surprises:
        lines += [
            "Findings about the workbook's shape that adopt did not expect:",
            *(f"  {f.sheet} {f.cell or ''}: {f.message}" for f in surprises),
        ]
    else:
        lines.append("No finding about the workbook's shape other than those listed above.")
    return lines, surprises


SHAPE_RULES = {"schema.missing_tab", "schema.missing_column", "schema.enum"}


def _canonical(f: Finding, tabs: list[TabSurvey]) -> str | None:
    """A finding's column by its schema name (a finding shows the header as typed)."""
    for tab in tabs:
        for m in tab.mapped:
            if tab.schema.name == f.tab and m.header == f.column:
                return m.column.name
    return f.column


# ---------------------------------------------------------------- the command


def adopt(workbook: Path, folder: Path) -> tuple[list[str], list[TabSurvey]]:
    """Survey ``workbook`` (read only) and write DIR/config.toml and DIR/schema/."""
    if workbook.suffix.lower() not in (".xlsx", ".xlsm"):
        raise SourceError(f"adopt reads an Excel workbook (.xlsx); {workbook.name} is not one.")
    for existing in (folder / "config.toml", folder / "schema"):
        if existing.exists():
            raise ConfigError(
                f"{existing} already exists, and adopt does not overwrite files. Choose another "
                "folder with --out, or move it away."
            )
    schemas = load_schemas(data_path("sheets_schema"))
    raw = read_xlsx(workbook)
    tabs = survey(raw, schemas)
    unmapped = [t.schema.name for t in tabs if t.title is None and t.schema.required]
    if unmapped:
        found = ", ".join(repr(t) for t in raw.tables) or "none"
        raise SourceError(
            f"adopt found no tab for {' and '.join(unmapped)} in {workbook.name} (tabs found: "
            f"{found}). Rename the tab that holds the list, or give it column headings like "
            "those in sheets_schema/."
        )
    folder.mkdir(parents=True, exist_ok=True)
    write_schema(tabs, folder / "schema")
    written = load_schemas(folder / "schema")
    config = write_config(tabs, workbook, folder, written)
    lines = [
        f"Read {workbook} (only read: nothing in it was changed).",
        *describe(tabs),
        f"Wrote {config} and {folder / 'schema'}/ for you to review (the lines marked "
        "'added by coprod adopt').",
    ]
    checked, _ = check_written(config, tabs)
    lines += [*checked, f"Next: review them, then coprod validate --config {config}"]
    return lines, tabs
