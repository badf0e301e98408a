"""A MarkPlan -> the Google Sheets batchUpdate requests that make the sheet show it.

Pure: it compares what the sheet already shows (read once, in the metadata call) with what it
should show, and asks only for the difference, so a run that changes nothing writes nothing.
The comparison is by meaning (meaning.py): the API reads formats back in another form than
they were written.
It mirrors the .xlsx design in marks.py:
- fills are conditional-format rules that we own (one per severity per tab, recognised by
  marks.rule_severity, kept first on the tab), so a person's own fills and rules are never
  touched;
- notes keep a person's text and hold ours inside the NOTE_BEGIN ... NOTE_END block;
- the Validation tab is ours: rewritten whole when its content changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from automations.backends.google.meaning import format_meaning, range_meaning, text_meaning
from automations.backends.marks import (
    BORDER,
    FILL,
    HEADER_ROW,
    NOTE_BEGIN,
    TEXT,
    VALIDATION_COLUMNS,
    VALIDATION_TAB,
    VALIDATION_TITLE,
    VALIDATION_WIDTHS,
    WRAPPED_COLUMNS,
    MarkPlan,
    check_validation_tab_is_ours,
    counts_line,
    link_label,
    merge_note,
    our_note,
    person_note,
    rule_formula,
    rule_severity,
    stamp_line,
    validation_table,
    without_stamp,
)
from automations.core.findings import Severity

Json = dict[str, Any]
Cell = tuple[int, int]  # 0-based row, column

# Fields the metadata call asks for: enough to read the tabs and to compare marks, nothing more.
METADATA_FIELDS = (
    "properties.title,"
    "sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,"
    "frozenRowCount)),conditionalFormats,basicFilter.range,data.rowData.values.note)"
)
OWNER_NOTE = "Written by the Co-Production Board check: edits made on this tab are lost."
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_LINK_LABEL = re.compile(r', "((?:[^"]|"")*)"\)$')
# Pixels per character of column width (Arial 10, the Sheets default, is about 7 px a
# character) plus the cell's padding.
PIXELS_PER_CHARACTER, PADDING = 7, 5


@dataclass
class SheetState:
    sheet_id: int
    title: str
    rows: int
    cols: int
    frozen: int
    notes: dict[Cell, str] = field(default_factory=dict)
    rules: list[Json] = field(default_factory=list)
    filter_range: Json | None = None


@dataclass
class BookState:
    title: str
    sheets: dict[str, SheetState]
    validation_values: list[list[object]] | None = None  # as read; None when not read


@dataclass
class Writes:
    requests: list[Json]
    marked: int
    cleared: int
    validation_tab: bool = False  # whether the requests rewrite the Validation tab


def book_state(meta: Json) -> BookState:
    sheets = {}
    for entry in meta.get("sheets", []):
        props = entry.get("properties", {})
        if props.get("sheetType", "GRID") != "GRID":
            continue
        grid = props.get("gridProperties", {})
        sheet = SheetState(
            sheet_id=props.get("sheetId", 0),
            title=props.get("title", ""),
            rows=grid.get("rowCount", 0),
            cols=grid.get("columnCount", 0),
            frozen=grid.get("frozenRowCount", 0),
            rules=list(entry.get("conditionalFormats", [])),
            filter_range=(entry.get("basicFilter") or {}).get("range"),
        )
        for block in entry.get("data", []):
            r0, c0 = block.get("startRow", 0), block.get("startColumn", 0)
            for r, row in enumerate(block.get("rowData", [])):
                for c, value in enumerate(row.get("values", [])):
                    if value.get("note"):
                        sheet.notes[(r0 + r, c0 + c)] = value["note"]
        sheets[sheet.title] = sheet
    return BookState(meta.get("properties", {}).get("title", ""), sheets)


def plan_writes(state: BookState, plan: MarkPlan) -> Writes:
    if VALIDATION_TAB in state.sheets:
        values = state.validation_values or [[]]
        check_validation_tab_is_ours(values[0][0] if values and values[0] else None)
    wanted: dict[str, dict[Cell, tuple[Severity, str]]] = defaultdict(dict)
    for mark in plan.cells:
        if mark.sheet in state.sheets and mark.sheet != VALIDATION_TAB:
            wanted[mark.sheet][(mark.row - 1, mark.column - 1)] = (mark.severity, mark.note)
    requests: list[Json] = []
    cleared: set[tuple[str, Cell]] = set()
    for sheet in state.sheets.values():
        if sheet.title == VALIDATION_TAB:
            continue
        cells = wanted.get(sheet.title, {})
        requests += _fill_requests(sheet, cells, cleared)
        requests += _note_requests(sheet, cells, cleared)
    tab = validation_requests(state, plan)
    return Writes(requests + tab, len(plan.cells), len(cleared), validation_tab=bool(tab))


# ---------------------------------------------------------------- fills


def _fill_requests(sheet: SheetState, cells: dict[Cell, tuple[Severity, str]],
                   cleared: set[tuple[str, Cell]]) -> list[Json]:
    """Our rules, one per severity present, first on the tab in SEVERITY_ORDER (in Google
    Sheets the first matching rule wins, so a person's rule above ours would hide our fill).
    Rules that already say what we want stay as they are; a misplaced one is moved, a changed
    one replaced, a spare one deleted. People's rules are never touched, so they keep their
    order below ours."""
    want: dict[Severity, set[Cell]] = defaultdict(set)
    for cell, (severity, _) in cells.items():
        want[severity].add(cell)
    rules, tags = list(sheet.rules), [_severity_of(rule) for rule in sheet.rules]
    for rule, tag in zip(rules, tags, strict=True):
        if tag is not None:
            cleared.update((sheet.title, c) for c in _cells(rule.get("ranges", []))
                           if c not in cells)
    requests = _delete_spares(sheet.sheet_id, rules, tags, want)
    present = [s for s in SEVERITY_ORDER if want.get(s)]
    for place, severity in enumerate(present):
        requests += _put_in_place(sheet.sheet_id, rules, tags, place,
                                  _rule(sheet.sheet_id, severity, want[severity]))
    return requests


def _delete_spares(sheet_id: int, rules: list[Json], tags: list[Severity | None],
                   want: dict[Severity, set[Cell]]) -> list[Json]:
    """Delete our rules for severities with no mark left, and any second rule of a severity
    (a person copying a marked cell can copy our rule). Updates `rules` and `tags` to match."""
    kept: set[Severity] = set()
    doomed = []
    for i, tag in enumerate(tags):
        if tag is None:
            continue
        if want.get(tag) and tag not in kept:
            kept.add(tag)
        else:
            doomed.append(i)
    requests = []
    for i in reversed(doomed):  # from the end, so earlier indexes stay put
        requests.append({"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}})
        del rules[i], tags[i]
    return requests


def _put_in_place(sheet_id: int, rules: list[Json], tags: list[Severity | None], place: int,
                  rule: Json) -> list[Json]:
    """Requests that make `rule` the one at `place` (the places above it hold ours already),
    applied to `rules` and `tags` too, in the order the API applies them."""
    severity = _severity_of(rule)
    if severity not in tags:
        rules.insert(place, rule)
        tags.insert(place, severity)
        return [{"addConditionalFormatRule": {"index": place, "rule": rule}}]
    requests: list[Json] = []
    i = tags.index(severity)
    if i != place:
        requests.append({"updateConditionalFormatRule": {
            "sheetId": sheet_id, "index": i, "newIndex": place}})
        rules.insert(place, rules.pop(i))
        tags.insert(place, tags.pop(i))
    if not _same_rule(rules[place], rule):
        # `rule` and `newIndex` are two cases of one union field: a move and a change are two
        # requests.
        requests.append({"updateConditionalFormatRule": {
            "sheetId": sheet_id, "index": place, "rule": rule}})
        rules[place] = rule
    return requests


def _severity_of(rule: Json) -> Severity | None:
    condition = (rule.get("booleanRule") or {}).get("condition") or {}
    if condition.get("type") != "CUSTOM_FORMULA":
        return None
    values = condition.get("values") or [{}]
    return rule_severity(values[0].get("userEnteredValue", ""))


def _same_rule(have: Json, want: Json) -> bool:
    """Whether a rule read back means the rule we would write: the same cells (however the
    ranges are cut), the same formula and a format that shows the same."""
    if "gradientRule" in have or _severity_of(have) != _severity_of(want):
        return False
    sheet_id = want["ranges"][0].get("sheetId", 0)
    if any(gr.get("sheetId", 0) != sheet_id for gr in have.get("ranges", [])):
        return False
    if _cells(have.get("ranges", [])) != _cells(want["ranges"]):
        return False
    return format_meaning(have["booleanRule"].get("format")) == \
        format_meaning(want["booleanRule"]["format"])


def _format(severity: Severity) -> Json:
    """The fill, and bold text where the severity's cue asks for it: a Sheets conditional
    format can set neither borders nor line styles, so bold is the cue that does not rest on
    colour (BooleanRule.format in the discovery document: "bold, italic, strikethrough,
    foreground color and background color" only)."""
    text: Json = {"foregroundColorStyle": _colour_style(TEXT)}
    if BORDER[severity].bold:
        text["bold"] = True
    return {"backgroundColorStyle": _colour_style(FILL[severity]), "textFormat": text}


def _colour_style(hex_rgb: str) -> Json:
    """A colour in the ...ColorStyle form: the plain Color fields (backgroundColor,
    foregroundColor) are deprecated in the Sheets API v4 discovery document."""
    return {"rgbColor": {name: round(int(hex_rgb[i:i + 2], 16) / 255, 4)
                         for name, i in (("red", 0), ("green", 2), ("blue", 4))}}


def _rule(sheet_id: int, severity: Severity, cells: Iterable[Cell]) -> Json:
    return {
        "ranges": _ranges(sheet_id, cells),
        "booleanRule": {
            "condition": {"type": "CUSTOM_FORMULA",
                          "values": [{"userEnteredValue": "=" + rule_formula(severity)}]},
            "format": _format(severity),
        },
    }


def _ranges(sheet_id: int, cells: Iterable[Cell]) -> list[Json]:
    """Cells -> grid ranges, joining runs of rows in one column (marks cluster in columns)."""
    by_column: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_column[c].append(r)
    ranges = []
    for c in sorted(by_column):
        rows = sorted(by_column[c])
        start = prev = rows[0]
        for r in [*rows[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            ranges.append({"sheetId": sheet_id, "startRowIndex": start, "endRowIndex": prev + 1,
                           "startColumnIndex": c, "endColumnIndex": c + 1})
            if r is not None:
                start = prev = r
    return ranges


def _cells(ranges: Iterable[Json]) -> set[Cell]:
    """The cells of bounded ranges (ours always are; an unbounded one reads as no cells, so
    a rule a person stretched to a whole column is put back)."""
    out = set()
    for gr in ranges:
        r0, r1, c0, c1 = range_meaning(gr)
        for r in range(r0, r1 or 0):
            for c in range(c0, c1 or 0):
                out.add((r, c))
    return out


# ---------------------------------------------------------------- notes


def _note_requests(sheet: SheetState, cells: dict[Cell, tuple[Severity, str]],
                   cleared: set[tuple[str, Cell]]) -> list[Json]:
    ours_before = {c for c, note in sheet.notes.items() if NOTE_BEGIN in note}
    requests = []
    for cell in sorted(ours_before | set(cells)):
        existing = sheet.notes.get(cell)
        if cell in cells:
            desired = merge_note(existing, cells[cell][1])
        else:
            desired = person_note(existing)
            cleared.add((sheet.title, cell))
        if _note_meaning(desired) == _note_meaning(existing):
            continue
        requests.append({"updateCells": {
            "start": {"sheetId": sheet.sheet_id, "rowIndex": cell[0], "columnIndex": cell[1]},
            "rows": [{"values": [{"note": desired} if desired else {}]}],
            "fields": "note",
        }})
    return requests


# ---------------------------------------------------------------- the Validation tab
# Same words and layout as the .xlsx backend (marks.py): title, counts, stamp, header, findings.


def validation_rows(state: BookState, plan: MarkPlan) -> list[list[Json]]:
    """The tab as CellData rows. Text is always a stringValue, so "=..." stays text."""
    bold = {"textFormat": {"bold": True}}
    header_format = {"backgroundColorStyle": _colour_style("1F4E79"),
                     "textFormat": {"bold": True, "foregroundColorStyle": _colour_style("FFFFFF")}}
    rows = [[_text(VALIDATION_TITLE, {"textFormat": {"bold": True, "fontSize": 14}})],
            [_text(counts_line(plan.counts or {}), bold)],
            [_text(stamp_line(plan.checked_at))],
            [_text(h, header_format) for h in VALIDATION_COLUMNS]]
    wrapped = {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
    for f, row in zip(plan.findings, validation_table(plan), strict=True):
        target = state.sheets.get(row.sheet)
        link = (_link(target.sheet_id, row.cell, row.sheet)
                if target and row.sheet != VALIDATION_TAB else {})
        cells = {"Severity": _text(row.severity,
                                   {"backgroundColorStyle": _colour_style(FILL[f.severity])}),
                 "Link": link}
        for name, value in zip(VALIDATION_COLUMNS, (*row[:5], None, row.rule), strict=True):
            if name not in cells:
                cells[name] = _text(value, wrapped if name in WRAPPED_COLUMNS else None)
        rows.append([cells[name] for name in VALIDATION_COLUMNS])
    if not plan.findings:
        rows.append([_text("Nothing needs attention: every check passed.")])
    return rows


def fingerprint(rows: list[list[Json]]) -> str:
    """A digest of the tab without its stamp row, so a new time alone does not force a write."""
    body = json.dumps(without_stamp(rows), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def validation_requests(state: BookState, plan: MarkPlan) -> list[Json]:
    rows = validation_rows(state, plan)
    note = f"{OWNER_NOTE}\n(version {fingerprint(rows)})"
    rows[0][0] = {**rows[0][0], "note": note}
    needed_rows, width = len(rows), len(VALIDATION_COLUMNS)
    existing = state.sheets.get(VALIDATION_TAB)
    filter_range = {"startRowIndex": HEADER_ROW - 1,
                    "endRowIndex": HEADER_ROW + len(plan.findings),
                    "startColumnIndex": 0, "endColumnIndex": width}
    requests: list[Json] = []
    if existing is None:
        sheet_id = _new_sheet_id(state)
        requests.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": VALIDATION_TAB, "index": len(state.sheets),
            "gridProperties": {"rowCount": max(needed_rows + 50, 200), "columnCount": width,
                               "frozenRowCount": HEADER_ROW}}}})
    else:
        sheet_id = existing.sheet_id
        if _unchanged(existing, state.validation_values, rows, note, filter_range):
            return []
        if existing.rows < needed_rows or existing.cols < width or existing.frozen != HEADER_ROW:
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "gridProperties": {
                    "rowCount": max(existing.rows, needed_rows + 50),
                    "columnCount": max(existing.cols, width), "frozenRowCount": HEADER_ROW}},
                "fields": "gridProperties.rowCount,gridProperties.columnCount,"
                          "gridProperties.frozenRowCount"}})
    requests.append({"updateCells": {
        "range": {"sheetId": sheet_id},  # the whole tab: cells the rows leave out are cleared
        "rows": [{"values": row} for row in rows],
        "fields": "userEnteredValue,note,userEnteredFormat",
    }})
    requests.append({"setBasicFilter": {"filter": {"range": {"sheetId": sheet_id,
                                                            **filter_range}}}})
    return requests + _column_widths(sheet_id)


def _column_widths(sheet_id: int) -> list[Json]:
    """The tab's column widths, sent with each rewrite of the tab (never on their own, so a
    run that changes nothing still writes nothing)."""
    return [{"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": i,
                  "endIndex": i + 1},
        "properties": {"pixelSize": VALIDATION_WIDTHS[name] * PIXELS_PER_CHARACTER + PADDING},
        "fields": "pixelSize"}} for i, name in enumerate(VALIDATION_COLUMNS)]


def _unchanged(sheet: SheetState, values: list[list[object]] | None, rows: list[list[Json]],
               note: str, filter_range: Json) -> bool:
    """Whether the tab already shows `rows`: compared as shown, not as serialised."""
    notes = {cell: text_meaning(text) for cell, text in sheet.notes.items()}
    if notes != {(0, 0): text_meaning(note)} or sheet.frozen != HEADER_ROW:
        return False
    if sheet.filter_range is None or range_meaning(sheet.filter_range) != \
            range_meaning(filter_range):
        return False
    if values is None:  # not read this time: the version in the note is all we have
        return True
    shown = [[text_meaning(_shown(cell)) for cell in row] for row in rows]
    now = [[text_meaning(v) for v in row] for row in values]
    return without_stamp(_trim(shown)) == without_stamp(_trim(now))


def _trim(rows: list[list[object]]) -> list[list[object]]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _shown(cell: Json) -> object:
    """What the sheet displays for a cell we write (a link shows its label)."""
    value = cell.get("userEnteredValue") or {}
    if "stringValue" in value:
        return value["stringValue"] or None
    if "formulaValue" in value and (m := _LINK_LABEL.search(value["formulaValue"])):
        return m[1].replace('""', '"')
    return None


def _note_meaning(note: str | None) -> tuple[object, object]:
    """(the person's part, our block) of a note: a person's text after our block, or spaces
    round it, mean the same as the note we would write, so they do not force a write."""
    mine = person_note(note)
    person = text_meaning("\n".join(line.rstrip() for line in mine.splitlines()).strip()
                          if isinstance(mine, str) else None)
    return person, text_meaning(our_note(note))


def _text(value: str, fmt: Json | None = None) -> Json:
    data: Json = {"userEnteredValue": {"stringValue": value}} if value else {}
    return {**data, "userEnteredFormat": fmt} if fmt else data


def _link(sheet_id: int, cell: str, sheet: str) -> Json:
    """A link to the cell (or the tab) that shows the same words as the .xlsx backend's."""
    label = link_label(sheet, cell)
    target = f"#gid={sheet_id}" + (f"&range={cell}" if cell else "")
    formula = f'=HYPERLINK("{target}", "{label.replace(chr(34), chr(34) * 2)}")'
    return {"userEnteredValue": {"formulaValue": formula},
            "userEnteredFormat": {"textFormat": {"underline": True,
                                                 "foregroundColorStyle":
                                                     _colour_style("0563C1")}}}


def _new_sheet_id(state: BookState) -> int:
    used = {s.sheet_id for s in state.sheets.values()}
    candidate = 7_000_001  # any unused id; fixed so that tests and logs are predictable
    while candidate in used:
        candidate += 1
    return candidate
