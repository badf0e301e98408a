"""`coprod adopt WORKBOOK`: onboarding for the tracker an officer already keeps.

It only reads the workbook. It finds the tabs and their header rows and maps each header to a
column of the Board by evidence, its name AND its values (model/mapping.py): a header is used
only when both agree, and every header left out is said with why. It proposes what the values of
choice columns mean, from the column's drop-down list and the table of words trackers commonly
write (sheets_schema/common_values.toml), never from spelling alone. It reads same-shaped tabs
(one per project) together, says why each other tab is not used, and writes for the officer to
review: DIR/config.toml and DIR/schema/ (a copy of sheets_schema with the new header and value
aliases). It then checks the workbook with what it wrote and says what that finds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from automations.backends.marks import VALIDATION_TAB
from automations.backends.xlsx.dropdowns import with_drop_downs
from automations.backends.xlsx.source import read_xlsx
from automations.core.errors import ConfigError, SourceError
from automations.core.findings import Finding
from automations.core.paths import data_path
from automations.core.text import plural
from automations.model.board import find_tab
from automations.model.header import is_hints_row, locate_header, needed
from automations.model.mapping import (
    CUTOFF,
    Context,
    Decision,
    Profile,
    internal_confidential,
    load_meanings,
    map_tab,
    member_keys,
    name_evidence,
    profile,
)
from automations.model.raw import SCAN_ROWS, RawTable, RawWorkbook
from automations.model.schema import (
    Column,
    TableSchema,
    load_schemas,
    load_table_schema,
    normalize,
    split_list,
)

MARK = "# added by coprod adopt: check it"
# A tab of actions already closed, kept apart from the live ones.
ARCHIVE = re.compile(r"\b(archive[ds]?|closed|completed|done|old|previous)\b", re.IGNORECASE)
# The values a column's evidence is judged on: enough to tell, quick on a 100,000-row tracker.
PROFILE_ROWS = 2000
# The order tabs are mapped in: members first, so owners and minute-takers can be matched.
ORDER = ("members", "actions", "meetings", "projects")


@dataclass
class Proposal:
    """A value of a choice column that is not an allowed one, and what it means."""

    column: Column
    typed: str
    rows: int  # 0: offered by the drop-down list, not typed yet
    value: str | None  # the allowed value it means; None: no confident meaning (listed)
    evidence: str = ""


@dataclass
class TabSurvey:
    schema: TableSchema
    title: str | None = None
    found_by: str = ""
    header_row: int = 0
    header_how: str = ""
    hints_row: int | None = None
    decisions: list[Decision] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    table: RawTable | None = None
    profiles: list[Profile] = field(default_factory=list)
    together: list[str] = field(default_factory=list)  # same-shaped tabs read with it
    more_rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)  # their rows
    left_out: dict[str, str] = field(default_factory=dict)  # tab -> why (an archive)

    @property
    def mapped(self) -> list[Decision]:
        return [d for d in self.decisions if d.column is not None]

    @property
    def ignored(self) -> list[str]:
        return [d.header for d in self.decisions if d.column is None]

    @property
    def sheets(self) -> list[str]:
        return [self.title, *self.together] if self.title else []

    def sheet_mappings(self) -> list[tuple[str, list[Decision]]]:
        """(sheet, its mapped headers) for each sheet read as this tab."""
        return [(sheet, self.mapped) for sheet in self.sheets]

    def has(self, field_name: str) -> bool:
        return any(d.column.field == field_name for d in self.mapped if d.column)

    @property
    def missing(self) -> list[Column]:
        return [c for c in self.schema.columns if not self.has(c.field) and c.header_required]


# ---------------------------------------------------------------- finding tabs and header rows


def _name_count(schema: TableSchema, row: object) -> int:
    """How many distinct columns the cells of a row name (exactly or closely): for the row."""
    got = set()
    for cell in row:  # type: ignore[attr-defined]
        if cell is None or not str(cell).strip():
            continue
        scores = [(name_evidence(str(cell).strip(), c, schema)[0], c.field) for c in schema.columns]
        best = max(scores)
        if best[0] >= CUTOFF:
            got.add(best[1])
    return len(got)


def best_row(rt: RawTable, schema: TableSchema) -> tuple[int | None, str]:
    """An Excel table's header row first; else the top row naming most columns (at least 2):
    the lower of two header rows names more (the upper holds group titles)."""
    for t in sorted(rt.excel_tables, key=lambda t: t.header_row or 0):
        row = t.header_row
        if row and row <= len(rt.grid) and _name_count(schema, rt.grid[row - 1]):
            return t.header_row, f"the header of the Excel table {t.name!r}"
    scores = [(_name_count(schema, values), -n, n) for n, values in rt.top()]
    best = max(scores, default=(0, 0, None))
    if best[0] < 2:
        return None, ""
    return best[2], "the row naming most of the columns"


def _profiles(table: RawTable, rt: RawTable, width: int) -> list[Profile]:
    out = []
    for i in range(width):
        values = [v[i] if i < len(v) else None for _, v in table.rows[:PROFILE_ROWS]]
        down = next(
            (
                d
                for d in rt.drop_downs
                if i + 1 in d.columns and d.first_row <= table.header_row + 1 <= d.last_row
            ),
            None,
        )
        out.append(profile(values, down.values if down else (), down.source if down else ""))
    return out


def _read_tab(tab: TabSurvey, rt: RawTable, ctx: Context) -> bool:
    row, how = best_row(rt, tab.schema)
    if row is None:
        return False
    tab.title, tab.header_row, tab.header_how = rt.title, row, how
    tab.hints_row = row + 1 if is_hints_row(rt, tab.schema, row) else None
    tab.table = rt.at(row, [tab.hints_row] if tab.hints_row else [])
    tab.profiles = _profiles(tab.table, rt, len(tab.table.header))
    tab.decisions = map_tab(tab.schema, tab.table.header, tab.profiles, ctx)
    internal_confidential(tab.schema, tab.decisions, tab.profiles)
    return True


def _fit(rt: RawTable, schema: TableSchema, ctx: Context) -> tuple[int, int]:
    """(exact headers, mapped headers) of ``rt`` read as ``schema``'s tab."""
    probe = TabSurvey(schema)
    if not _read_tab(probe, rt, ctx):
        return 0, 0
    mapped = probe.mapped
    return sum(1 for d in mapped if d.evidence and d.evidence.exact), len(mapped)


def _enough(schema: TableSchema) -> int:
    """How many headers a tab found by its headers must map: at least 40% of the columns the
    Board expects (a summary tab with a Project and a Lead column is not the Projects list)."""
    return max(needed(schema), round(0.4 * sum(c.header_required for c in schema.columns)))


def survey(raw: RawWorkbook, schemas: dict[str, TableSchema], ctx: Context) -> list[TabSurvey]:
    tabs = {key: TabSurvey(schemas[key]) for key in ORDER if key in schemas}
    free = [t for t in raw.tables.values() if t.title != VALIDATION_TAB]
    found: dict[str, RawTable] = {}
    for key, tab in tabs.items():  # a tab named as the Board's (or an alias) is that tab
        rt = find_tab(raw, tab.schema)
        if rt is not None and rt in free:
            found[key], tab.found_by = rt, "by its name"
            free.remove(rt)
    # Else by its headers: exact headers win (a Contacts tab whose headers are the members'
    # beats a project tab with a "Lead" column), at least as many as the check needs.
    pairs = []
    for key, tab in tabs.items():
        if key in found:
            continue
        for i, rt in enumerate(free):
            exact, mapped = _fit(rt, tab.schema, ctx)
            if mapped >= _enough(tab.schema):
                pairs.append(((exact, mapped, -i), key, rt))
    for (exact, mapped, _), key, rt in sorted(pairs, key=lambda p: p[0], reverse=True):
        if key not in found and rt in free:
            found[key] = rt
            tabs[key].found_by = f"by its headers: {exact} exact, {mapped} mapped"
            free.remove(rt)
    members = tabs["members"]
    if "members" in found and _read_tab(members, found["members"], ctx):
        ctx.members = _members_of(members)  # so owners and minute-takers can be matched
    for key, tab in tabs.items():
        if key in found and key != "members":
            _read_tab(tab, found[key], ctx)
    if tabs["actions"].table is not None:
        _same_shape(tabs["actions"], free)
    for tab in tabs.values():
        tab.proposals = _proposals(tab, ctx)
    return list(tabs.values())


def _members_of(tab: TabSurvey) -> set[str]:
    names: list[object] = []
    others: list[object] = []
    assert tab.table is not None
    for d in tab.decisions:
        values = [v[d.position] if d.position < len(v) else None for _, v in tab.table.rows]
        if d.column is not None and d.column.field == "name":
            names += values
        elif (d.column is not None and d.column.field in ("id", "email")) or normalize(
            d.header
        ) == "initials":
            others += values
    return member_keys(names, others)


def _shape(header: Sequence[object]) -> list[str]:
    """A header row as compared between tabs: each cell in its place, trailing blanks cut."""
    out = ["" if h is None else normalize(h) for h in header]
    while out and not out[-1]:
        out.pop()
    return out


def _same_shape(actions: TabSurvey, free: list[RawTable]) -> None:
    """Tabs with the Actions tab's very headers (one per project) are read with it; an archive
    of closed actions is left out, and said so."""
    assert actions.table is not None
    shape = _shape(actions.table.header)
    for rt in list(free):
        if actions.header_row > len(rt.grid):
            continue
        if _shape(rt.grid[actions.header_row - 1]) != shape:
            continue
        free.remove(rt)
        if ARCHIVE.search(rt.title):
            actions.left_out[rt.title] = (
                "the same columns as the Actions tab, but its name says it keeps closed actions: "
                "left out (the digests report actions closed since the last meeting from the "
                "live tabs). To check it too, add it to tabs in [source.tabs.Actions]"
            )
        else:
            actions.together.append(rt.title)
            actions.more_rows += rt.at(actions.header_row).rows


def unused_tabs(raw: RawWorkbook, tabs: list[TabSurvey]) -> dict[str, str]:
    """Every tab adopt does not read, with why."""
    used = {s for t in tabs for s in t.sheets} | {s for t in tabs for s in t.left_out}
    feeds = {d.source.partition("!")[0] for t in raw.tables.values() for d in t.drop_downs}
    out = {}
    for title, rt in raw.tables.items():
        if title in used or title == VALIDATION_TAB:
            continue
        if title in feeds:
            hidden = "hidden; " if rt.hidden else ""
            out[title] = f"{hidden}it holds the lists the drop-downs offer (read for their values)"
        elif not any(v is not None for row in rt.grid for v in row):
            out[title] = "empty"
        else:
            out[title] = (
                "its headers are not those of a list the Board keeps (members, "
                "actions, meetings, projects), so it is not checked"
            )
    return out


# ---------------------------------------------------------------- what values mean


def _proposals(tab: TabSurvey, ctx: Context) -> list[Proposal]:
    if tab.table is None:
        return []
    out = []
    for d in tab.mapped:
        col = d.column
        assert col is not None
        if col.kind not in ("choice", "choices"):
            continue
        counts: dict[str, int] = {}
        for _, values in [*tab.table.rows, *tab.more_rows]:
            cell = values[d.position] if d.position < len(values) else None
            if cell is None or not str(cell).strip():
                continue
            for text in split_list(cell) if col.kind == "choices" else [str(cell).strip()]:
                if normalize(text) not in col.value_lookup():
                    counts[text] = counts.get(text, 0) + 1
        p = tab.profiles[d.position]
        for text in p.offered:
            if normalize(text) not in col.value_lookup():
                counts.setdefault(text, 0)
        for text, n in counts.items():
            out.append(_proposal(tab.schema, col, text, n, p, ctx))
    return out


def _proposal(
    schema: TableSchema, col: Column, text: str, rows: int, p: Profile, ctx: Context
) -> Proposal:
    meaning = ctx.meaning(schema, col, text)
    offered = f"in the column's drop-down list ({p.offered_from})" if text in p.offered else ""
    if meaning:
        evidence = (
            f"{offered}{'; ' if offered else ''}trackers commonly write {text!r} for "
            f"{meaning!r} (sheets_schema/common_values.toml)"
        )
    else:  # shown after "has no known meaning"
        evidence = f" (though it is {offered})" if offered else ""
    return Proposal(col, text, rows, meaning, evidence)


# ---------------------------------------------------------------- writing what it found


def write_schema(tabs: list[TabSurvey], folder: Path) -> None:
    """A copy of sheets_schema with the guessed headers and the values' meanings as aliases,
    and without an alias that would make the check read a header adopt left out."""
    source = data_path("sheets_schema")
    folder.mkdir(parents=True)
    shutil.copy(source / "README.md", folder / "README.md")
    for name in ("checks.toml", "common_values.toml"):
        if (source / name).exists():
            shutil.copy(source / name, folder / name)
    for tab in tabs:
        path = folder / f"{tab.schema.key}.toml"
        text = (source / f"{tab.schema.key}.toml").read_text(encoding="utf-8")
        for d in tab.mapped:
            if d.guessed and d.column is not None:
                text = _add_to_column(text, d.column.field, header=d.header)
        for p in tab.proposals:
            text = _add_to_column(text, p.column.field, value=p)
        text = _without_unwanted(text, tab)
        path.write_text(text, encoding="utf-8")
        load_table_schema(path)  # what it wrote must load


def _without_unwanted(text: str, tab: TabSurvey) -> str:
    """Remove the aliases by which the check would read a header adopt decided against
    ("Minutes" holding links is not the Minute-taker)."""
    if tab.table is None:
        return text
    left = {normalize(d.header) for d in tab.decisions if d.column is None}
    for col in tab.schema.columns:
        for alias in col.aliases:
            if normalize(alias) in left:
                text = _drop_alias(text, col.field, alias)
    return text


def _block(lines: list[str], field_name: str) -> tuple[int, int]:
    start = next(
        i for i, line in enumerate(lines) if line.strip() == f"field = {json.dumps(field_name)}"
    )
    begin = max(i for i in range(start + 1) if lines[i].strip() == "[[column]]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[[")), len(lines))
    return begin, end


def _drop_alias(text: str, field_name: str, alias: str) -> str:
    lines = text.splitlines()
    begin, end = _block(lines, field_name)
    for i in range(begin, end):
        if lines[i].startswith("aliases = ["):
            aliases = [a for a in tomllib.loads(lines[i])["aliases"] if a != alias]
            lines[i : i + 1] = [
                f"# coprod adopt removed the alias {json.dumps(alias)}: that "
                "header holds something else in this workbook",
                f"aliases = {json.dumps(aliases, ensure_ascii=False)}",
            ]
            break
    return "\n".join(lines) + "\n"


def _add_to_column(
    text: str, field_name: str, header: str = "", value: Proposal | None = None
) -> str:
    lines = text.splitlines()
    begin, end = _block(lines, field_name)
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
    where = f"typed in {plural(p.rows, 'row')}" if p.rows else "offered by the drop-down list"
    if p.value is None:
        allowed = ", ".join(p.column.values)
        entry = [
            f"# coprod adopt: {key} is {where} and has no known meaning; write the "
            f"allowed value it means ({allowed}) and remove the #:",
            f'# {key} = ""',
        ]
    else:
        entry = [f"{MARK} ({p.evidence})", f"{key} = {json.dumps(p.value, ensure_ascii=False)}"]
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
    lines += _digest_settings(next(t for t in tabs if t.schema.key == "actions"))
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tab_settings(tab: TabSurvey, written: TableSchema) -> list[str]:
    if tab.table is None:
        return []
    out = []
    if tab.found_by != "by its name" or tab.together:
        out.append(f"tab = {json.dumps(tab.title, ensure_ascii=False)}")
    if tab.together:
        out.append("# Read together as one list; each row's project is its tab's name.")
        out.append(f"tabs = {json.dumps(tab.sheets, ensure_ascii=False)}")
    # Only when the check would not find the row on its own with the aliases written.
    if locate_header(tab.table, written).table.header_row != tab.header_row:
        out.append(f"header_row = {tab.header_row}")
    return ["", f"[source.tabs.{tab.schema.name}]", *out] if out else []


def _digest_settings(actions: TabSurvey) -> list[str]:
    lines = ["", "[digest]"]
    internal = [d.header for d in actions.decisions if d.internal and d.column is None]
    if not actions.has("confidential"):
        lines += [
            "# The tracker has no Confidential column (nor an internal yes/no column), so",
            "# every action may appear in digests. To keep some actions within the Board,",
            "# add a Confidential column (Yes on those rows) and remove this line.",
            *(
                f"# {h!r} says it is not for circulation: it is never shown in a digest."
                for h in internal
            ),
            'confidential_column = "none"',
        ]
    lines += [
        "",
        "# Who receives a digest after each meeting: remove the # signs from an",
        '# audience and write its addresses (see "Digests" in the README).',
    ]
    return lines + [f"# {line}" if line.strip() else "#" for line in _sample_audiences()]


def _sample_audiences() -> list[str]:
    text = data_path("config.example.toml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(text) if line.strip() == "[[digest.audiences]]")
    end = next(
        i
        for i in range(start, len(text))
        if text[i].startswith("[") and not text[i].startswith("[[digest.audiences")
    )
    return text[start:end]


# ---------------------------------------------------------------- what it says


def describe(tabs: list[TabSurvey], unused: dict[str, str], explain: bool = False) -> list[str]:
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
        sheets = ", ".join(map(repr, tab.sheets))
        lines.append(
            f"{name}: the tab{'s' if tab.together else ''} {sheets} (found "
            f"{tab.found_by}), headers on row {tab.header_row} ({tab.header_how})"
            f"{hints}."
        )
        if tab.together:
            lines.append(
                "  read together as one list, each row's project taken from its tab's name"
            )
        lines += _table(tab)
        if explain:
            lines += _scores(tab)
        if tab.missing:
            lines.append(
                "  columns the tracker does not have (the checks that need them are "
                "skipped): " + ", ".join(repr(c.name) for c in tab.missing)
            )
        lines += _left_out_lines(tab)
        lines += _proposal_lines(tab)
    if unused:
        lines.append("Tabs not used:")
        lines += [f"  {title!r}: {why}" for title, why in unused.items()]
    return lines


def _table(tab: TabSurvey) -> list[str]:
    rows = [("tab", "header", "column", "evidence", "confidence")]
    for d in tab.mapped:
        assert d.evidence is not None and d.column is not None
        rows.append(
            (
                str(tab.title),
                repr(d.header),
                d.column.name,
                d.evidence.evidence,
                d.evidence.confidence,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return [
        f"  {r[0]:{widths[0]}}  {r[1]:{widths[1]}} -> {r[2]:{widths[2]}}  "
        f"{r[3]:{widths[3]}}  {r[4]}".rstrip()
        for r in rows
    ]


def _scores(tab: TabSurvey) -> list[str]:
    lines = ["  scores (name, values, together) of every candidate:"]
    for d in tab.decisions:
        if not d.candidates:
            lines.append(f"    {d.header!r}: no column has a close name")
        for ev in sorted(d.candidates, key=lambda e: -e.score):
            fit = "-" if ev.fit is None else f"{ev.fit:.2f}"
            chosen = "  <- used" if d.evidence is ev else ""
            why = f"  ({ev.rejected})" if ev.rejected else ""
            lines.append(
                f"    {d.header!r} -> {ev.column.name}: {ev.name:.2f}, {fit}, "
                f"{ev.score:.2f}{chosen}{why}"
            )
    return lines


def _left_out_lines(tab: TabSurvey) -> list[str]:
    lines = [
        f"  left out: {d.why_not}{_used_for(tab, d)}" for d in tab.decisions if d.column is None
    ]
    return lines + [f"  tab {title!r} left out: {why}" for title, why in tab.left_out.items()]


def _used_for(tab: TabSurvey, d: Decision) -> str:
    if tab.schema.key == "members" and normalize(d.header) == "initials":
        return " (adopt read it to recognise owners written as initials)"
    return ""


def _proposal_lines(tab: TabSurvey) -> list[str]:
    lines = []
    for p in tab.proposals:
        where = f"{plural(p.rows, 'row')}" if p.rows else "in the drop-down, not typed yet"
        if p.value:
            lines.append(
                f"  {p.column.name}: {p.typed!r} ({where}) read as {p.value!r}: {p.evidence}"
            )
        else:
            lines.append(
                f"  {p.column.name}: {p.typed!r} ({where}) has no known meaning"
                f"{p.evidence}; choose one of {', '.join(p.column.values)} in "
                f"schema/{tab.schema.key}.toml"
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
        for d in tab.mapped:
            if tab.schema.name == f.tab and d.header == f.column and d.column is not None:
                return d.column.name
    return f.column


# ---------------------------------------------------------------- the command


def adopt(workbook: Path, folder: Path, explain: bool = False) -> tuple[list[str], list[TabSurvey]]:
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
    raw = with_drop_downs(workbook, read_xlsx(workbook))
    ctx = Context(meanings=load_meanings(data_path("sheets_schema") / "common_values.toml"))
    tabs = survey(raw, schemas, ctx)
    _refuse_unmapped(raw, tabs, workbook)
    folder.mkdir(parents=True, exist_ok=True)
    write_schema(tabs, folder / "schema")
    written = load_schemas(folder / "schema")
    config = write_config(tabs, workbook, folder, written)
    lines = [
        f"Read {workbook} (only read: nothing in it was changed).",
        *describe(tabs, unused_tabs(raw, tabs), explain),
        f"Wrote {config} and {folder / 'schema'}/ for you to review (the lines marked "
        "'added by coprod adopt').",
    ]
    checked, _ = check_written(config, tabs)
    lines += [*checked, f"Next: review them, then coprod validate --config {config}"]
    return lines, tabs


def _refuse_unmapped(raw: RawWorkbook, tabs: list[TabSurvey], workbook: Path) -> None:
    for tab in tabs:
        if tab.title is None and tab.schema.required:
            rt = find_tab(raw, tab.schema)
            if rt is not None:  # named as the Board's tab, but no header row in it
                examples = ", ".join(repr(c.name) for c in tab.schema.columns[:4])
                raise SourceError(
                    f"adopt could not map the {rt.title!r} tab (used as the {tab.schema.name} "
                    f"tab): no header row was found in its first {SCAN_ROWS} rows. Put the "
                    f"column headings (such as {examples}) in one row above the list and run "
                    "adopt again."
                )
    unmapped = [t.schema.name for t in tabs if t.title is None and t.schema.required]
    if unmapped:
        found = ", ".join(repr(t) for t in raw.tables) or "none"
        raise SourceError(
            f"adopt found no tab for {' and '.join(unmapped)} in {workbook.name} (tabs found: "
            f"{found}). Rename the tab that holds the list, or give it column headings like "
            "those in sheets_schema/."
        )
