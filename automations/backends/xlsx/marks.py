"""Marks in an .xlsx workbook: coloured cells, notes and the Validation tab.

Fills are conditional-format rules that the service owns (one per severity, recognised by
``marks.rule_severity``), so a cell's own fill is never changed and removing a mark is removing
a rule. Notes keep a person's text beside ours. The workbook is rewritten only when the marks
differ from what it already shows, and only after the new file is proven to hold everything
people made (see xlsx_snapshot and xlsx_safety).
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from automations.backends.marks import (
    AUTHOR,
    FILL,
    HEADER_ROW,
    TEXT,
    VALIDATION_HEADER,
    VALIDATION_TAB,
    VALIDATION_TITLE,
    CellMark,
    MarkPlan,
    WriteResult,
    check_validation_tab_is_ours,
    counts_line,
    link_label,
    marks_by_sheet,
    merge_note,
    our_note,
    person_note,
    rule_formula,
    rule_severity,
    stamp_line,
    validation_rows,
    without_stamp,
)
from automations.backends.xlsx.safety import (
    REPORT_HINT,
    FileStamp,
    WriteSettings,
    backup,
    parts_at_risk,
    refuse_if_at_risk,
    refuse_if_open,
    save_verified,
)
from automations.backends.xlsx.snapshot import differences, snapshot
from automations.core.errors import SourceError
from automations.core.findings import Severity

if TYPE_CHECKING:
    from automations.core.config import Config

NOTE_WIDTH_PX = 320
NOTE_CHARS_PER_LINE = 46
NOTE_LINE_PX = 16
TAB_WIDTHS = {"A": 16, "B": 34, "C": 12, "D": 8, "E": 90, "F": 16}
RISKY_START = ("=", "+", "-", "@")


# ---------------------------------------------------------------- entry points


def write_xlsx_marks(
    path: Path, plan: MarkPlan, cfg: Config | None, read_stamp: FileStamp | None = None
) -> WriteResult:
    """Mark the workbook in place, safely; leave it byte-for-byte alone when nothing changed.
    ``read_stamp``: the file as it was when the findings were read (default: as it is now)."""
    settings = WriteSettings.from_config(cfg)
    stamp = read_stamp or FileStamp.of(path)
    _refuse_if_saved_since(path, stamp)
    wb = _load(path, settings.keep_vba)
    shown = current_state(wb)
    if shown == desired_state(wb, plan):
        # Reading is harmless while someone has the file open, so this needs no lock check.
        return WriteResult(
            changed=False,
            cells_marked=len(plan.cells),
            message=f"{path.name} already shows these findings, so it was not rewritten.",
        )
    refuse_if_open(path)
    refuse_if_at_risk(path, settings.keep_vba)
    before = snapshot(wb)
    cleared = apply_marks(wb, plan, shown)
    kept: list[Path] = []

    def verify_then_backup(tmp: Path) -> None:
        _verify(tmp, before, settings.keep_vba, path.name)
        refuse_if_open(path)
        _refuse_if_saved_since(path, stamp)
        kept.append(backup(path, settings, dt.datetime.now()))

    save_verified(wb, path, verify_then_backup)
    return WriteResult(
        changed=True,
        cells_marked=len(plan.cells),
        cells_cleared=cleared,
        backup=kept[0],
        message=(
            f"Marked {len(plan.cells)} cells in {path.name}, cleared {cleared}, and rewrote the "
            f"{VALIDATION_TAB} tab. The previous version is kept as {kept[0]}."
        ),
    )


def _refuse_if_saved_since(path: Path, stamp: FileStamp) -> None:
    if FileStamp.of(path) != stamp:
        raise SourceError(
            f"{path.name} was saved by someone else while it was being checked, so the "
            "marks were not written. Run the check again."
        )


def write_xlsx_report(path: Path, report: Path, plan: MarkPlan, cfg: Config | None) -> WriteResult:
    """A marked copy of the workbook at ``report``; the workbook itself is only read."""
    if report.suffix.lower() != ".xlsx":
        raise SourceError(f"The report file must end in .xlsx, got {report.name}.")
    if report.resolve() == path.resolve():
        raise SourceError(
            "--report must name a new file, not the workbook itself; use --write-back to mark "
            "the workbook."
        )
    if not report.parent.is_dir():
        raise SourceError(f"The folder {report.parent} for the report file does not exist.")
    refuse_if_open(report)
    lost = parts_at_risk(path, keep_vba=False)
    wb = _load(path, keep_vba=False)
    before = snapshot(wb)
    apply_marks(wb, plan)
    save_verified(wb, report, lambda tmp: _verify(tmp, before, False, report.name))
    missing = f" The copy does not have the workbook's {', '.join(lost)}." if lost else ""
    return WriteResult(
        changed=True,
        cells_marked=len(plan.cells),
        report=report,
        message=f"Wrote a marked copy to {report}; {path.name} was not changed.{missing}",
    )


def _load(path: Path, keep_vba: bool) -> Workbook:
    # Not data_only: formulas must survive the save.
    try:
        return load_workbook(path, keep_vba=keep_vba and path.suffix.lower() == ".xlsm")
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(f"{path.name} could not be opened for marking: {exc}") from None


def _verify(saved: Path, before: dict[str, Any], keep_vba: bool, name: str) -> None:
    after = snapshot(_load(saved, keep_vba))
    changed = differences(before, after)
    if changed:
        raise SourceError(
            f"{name} was NOT changed: a trial save would have altered "
            f"{'; '.join(changed[:5])}. Please report this. {REPORT_HINT}"
        )


# ---------------------------------------------------------------- what the file shows


@dataclass(frozen=True)
class MarksState:
    """The service's marks in a workbook, apart from the time stamp on the Validation tab."""

    rules: frozenset[tuple[str, str, str]]  # sheet, severity, cell
    notes: frozenset[tuple[str, str, str]]  # sheet, cell, our block of the note
    tab: tuple[tuple[Any, ...], ...] | None  # the Validation tab's rows, without the stamp


def current_state(wb: Workbook) -> MarksState:
    rules, notes = set(), set()
    for ws in _marked_sheets(wb):
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                severity = rule_severity(rule.formula[0]) if rule.formula else None
                if severity is not None:
                    rules |= {(ws.title, severity.value, c) for c in _cells_of(cf.sqref)}
        for cell in _noted_cells(ws):
            ours = our_note(cell.comment.text)
            if ours:
                notes.add((ws.title, cell.coordinate, ours))
    return MarksState(frozenset(rules), frozenset(notes), _tab_now(wb))


def desired_state(wb: Workbook, plan: MarkPlan) -> MarksState:
    present = set(wb.sheetnames)
    marks = [m for m in plan.cells if m.sheet in present and m.sheet != VALIDATION_TAB]
    rules = {(m.sheet, m.severity.value, m.cell) for m in marks}
    notes = {(m.sheet, _anchor(wb[m.sheet], m.cell).coordinate, _clean(m.note)) for m in marks}
    rows = tab_rows(plan, present)
    return MarksState(frozenset(rules), frozenset(notes), _frozen(rows))


def _tab_now(wb: Workbook) -> tuple[tuple[Any, ...], ...] | None:
    if VALIDATION_TAB not in wb.sheetnames:
        return None
    rows = [list(r) for r in wb[VALIDATION_TAB].iter_rows(values_only=True)]
    return _frozen([_trim(r) for r in rows])


def _frozen(rows: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
    """The tab without its stamp row, in a form that compares and hashes."""
    # A blank cell reads back as None however it was written ("" for a finding with no cell).
    return tuple(tuple(None if v == "" else v for v in r) for r in without_stamp(rows))


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] in (None, ""):
        row.pop()
    return row


def _cells_of(sqref: MultiCellRange) -> set[str]:
    return {
        f"{get_column_letter(col)}{row}"
        for r in sqref.ranges
        for row in range(r.min_row, r.max_row + 1)
        for col in range(r.min_col, r.max_col + 1)
    }


# ---------------------------------------------------------------- changing the workbook


def apply_marks(wb: Workbook, plan: MarkPlan, before: MarksState | None = None) -> int:
    """Replace the service's marks with the plan's; returns how many cells lost their mark.
    ``before``: current_state(wb), when the caller has already worked it out."""
    _check_tab_is_ours(wb)
    by_sheet = marks_by_sheet(plan)
    before = before or current_state(wb)
    for ws in _marked_sheets(wb):
        marks = by_sheet.get(ws.title, [])
        _replace_rules(ws, marks)
        _replace_notes(ws, marks)
    _write_tab(wb, plan)
    wanted = {(m.sheet, m.cell) for m in plan.cells}
    had = {(s, c) for s, _, c in before.rules} | {(s, c) for s, c, _ in before.notes}
    return len(had - wanted)


def _marked_sheets(wb: Workbook) -> list[Worksheet]:
    return [ws for ws in wb.worksheets if ws.title != VALIDATION_TAB]


def _check_tab_is_ours(wb: Workbook) -> None:
    if VALIDATION_TAB in wb.sheetnames:
        check_validation_tab_is_ours(wb[VALIDATION_TAB]["A1"].value)


def _replace_rules(ws: Worksheet, marks: list[CellMark]) -> None:
    """Drop our conditional-format rules and add one per severity. People's rules keep their
    ranges and priorities; ours come after theirs."""
    kept = ConditionalFormattingList()
    top = 0
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            formula = rule.formula[0] if rule.formula else ""
            if rule_severity(formula) is None:
                kept.add(str(cf.sqref), rule)
                top = max(top, rule.priority or 0)
    for severity in Severity:
        cells = [m.cell for m in marks if m.severity is severity]
        if cells:
            top += 1
            kept.add(" ".join(cells), _rule(severity, top))
    kept.max_priority = top
    ws.conditional_formatting = kept


def _rule(severity: Severity, priority: int) -> Rule:
    colour = FILL[severity]
    fill = PatternFill(fill_type="solid", fgColor=colour, bgColor=colour)
    dxf = DifferentialStyle(fill=fill, font=Font(color=TEXT))
    return Rule(type="expression", formula=[rule_formula(severity)], dxf=dxf, priority=priority)


def _replace_notes(ws: Worksheet, marks: list[CellMark]) -> None:
    wanted = {_anchor(ws, m.cell).coordinate: _clean(m.note) for m in marks}
    for cell in _noted_cells(ws):
        if cell.coordinate not in wanted and our_note(cell.comment.text):
            _set_note(cell, person_note(cell.comment.text), cell.comment.author)
    for coordinate, note in wanted.items():
        cell = ws[coordinate]
        existing = cell.comment.text if cell.comment else None
        merged = merge_note(existing, note)
        if merged != existing:
            author = cell.comment.author if person_note(existing) else AUTHOR
            _set_note(cell, merged, author)


def _set_note(cell: Any, text: str | None, author: str | None) -> None:
    if not text:
        cell.comment = None
        return
    lines = sum(max(1, math.ceil(len(line) / NOTE_CHARS_PER_LINE)) for line in text.split("\n"))
    height = min(400, 12 + NOTE_LINE_PX * lines)
    cell.comment = Comment(text, author or AUTHOR, height=height, width=NOTE_WIDTH_PX)


def _noted_cells(ws: Worksheet) -> list[Any]:
    return [c for c in list(ws._cells.values()) if c.comment is not None]


def _anchor(ws: Worksheet, coordinate: str) -> Any:
    """The cell that can hold a note: a merged range's top-left cell stands for all of it."""
    cell = ws[coordinate]
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if coordinate in merged:
                return ws.cell(merged.min_row, merged.min_col)
    return cell


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# ---------------------------------------------------------------- the Validation tab


def tab_rows(plan: MarkPlan, sheets: set[str]) -> list[list[Any]]:
    """The tab's values, row by row (what _write_tab writes and _tab_now reads back)."""
    rows: list[list[Any]] = [
        [VALIDATION_TITLE],
        [counts_line(plan.counts)],
        [stamp_line(plan.checked_at)],
        list(VALIDATION_HEADER),
    ]
    for severity, rule, sheet, cell, message in validation_rows(plan):
        link = link_label(sheet, cell) if sheet in sheets and sheet != VALIDATION_TAB else ""
        rows.append(_trim([_clean(v) for v in (severity, rule, sheet, cell, message, link)]))
    if not plan.findings:
        rows.append(["Nothing needs attention: every check passed."])
    return rows


def _write_tab(wb: Workbook, plan: MarkPlan) -> None:
    index = None
    if VALIDATION_TAB in wb.sheetnames:
        old = wb[VALIDATION_TAB]
        index = wb.index(old)
        wb.remove(old)
    ws = wb.create_sheet(VALIDATION_TAB, index)
    rows = tab_rows(plan, set(wb.sheetnames))
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            _text(ws.cell(r, c), value)
    findings = plan.findings
    for r, f in enumerate(findings, start=HEADER_ROW + 1):
        link = ws.cell(r, len(VALIDATION_HEADER))
        if link.value:
            target = f"{quote_sheetname(f.sheet or '')}!{f.cell or 'A1'}"
            link.hyperlink = Hyperlink(ref=link.coordinate, location=target, display=link.value)
            link.font = Font(color="0563C1", underline="single")
        ws.cell(r, 1).fill = PatternFill(fill_type="solid", fgColor=FILL[f.severity])
    _style_tab(ws, len(findings))


def _text(cell: Any, value: Any) -> None:
    """Write text that stays text: a message starting with = + - @ must never become a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(RISKY_START):
            cell.quotePrefix = True


def _style_tab(ws: Worksheet, findings: int) -> None:
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"].font = Font(bold=True)
    header = ws[HEADER_ROW]
    for cell in header:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill(fill_type="solid", fgColor="1F4E79")
    per_line = TAB_WIDTHS["E"] * 1.1  # characters per line at the default font, roughly
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=1, max_col=len(VALIDATION_HEADER)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column == 5, vertical="top")
        lines = math.ceil(len(str(row[4].value or "")) / per_line)
        # Set heights: LibreOffice does not grow rows for wrapped text in a file it opens.
        ws.row_dimensions[row[0].row].height = 15 * max(1, lines)
    for letter, width in TAB_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    last_column = get_column_letter(len(VALIDATION_HEADER))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{HEADER_ROW + findings}"
