"""Approved answers written into an .xlsx tracker, and the Updates tab beside them, in one save.

The one writer that changes a person's cell, so it changes as little as it can: only the named
cells of the Actions tab's sheet part (found by the action's row, which the caller found again by
the action id; Actions kept on several tabs read as one list: each on its own tab's part, at its
own columns) and the Updates tab's own part; every other part is copied byte for byte, and the
after-save proof (snapshot.py) checks it, plus every cell of the Actions tab but the named ones.
Text goes in as an inline string (so the shared strings, a part people own, are never touched,
and a leading = + - @ stays text); a date as a number with the format of its column; a change is
refused when the cell holds anything but what the answer saw (a person typed in it meanwhile).
The same lock-file refusal, backup and trial save as the marks (safety.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automations.backends.marks import VALIDATION_TAB
from automations.backends.updates import (
    APPLY_COLUMN,
    CHOICES,
    HEADER_ROW,
    UPDATES_COLUMNS,
    UPDATES_TAB,
    UPDATES_TITLE,
    UPDATES_WIDTHS,
    RowChanges,
    UpdatesPlan,
    UpdatesResult,
    decisions,
    fits_a_cell,
    tab_values,
    with_outcomes,
)
from automations.backends.xlsx.package import (
    NS_MAIN,
    NS_R,
    REL_SHARED_STRINGS,
    XML_DECLARATION,
    Package,
    parse,
    serialise,
)
from automations.backends.xlsx.safety import (
    FileStamp,
    WriteSettings,
    backup,
    real_file,
    refuse_if_open,
    refuse_if_read_only,
    save_verified,
)
from automations.backends.xlsx.sheetxml import column_letter, split_sheet
from automations.backends.xlsx.snapshot import differences, refuse
from automations.backends.xlsx.tab import cell_value, escape, read_tab, shared_strings
from automations.core.errors import SourceError
from automations.core.text import plural

if TYPE_CHECKING:
    from automations.core.config import Config

M = f"{{{NS_MAIN}}}"
MARKER = b"<!--coprod:updates-->"  # read_xlsx skips a tab that starts with <!--coprod:
ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------- reading the Updates tab


def read_updates_tab(path: Path) -> list[list[Any]]:
    """The Updates tab's values as they are now (officers' Apply choices), or [] without one."""
    with Package(real_file(path)) as pkg:
        tab = _tab(pkg)
        if tab is None:
            return []
        return read_tab(pkg.read(tab.part), lambda: _shared(pkg))


def _tab(pkg: Package) -> Any | None:
    return next((t for t in pkg.sheets() if t.name == UPDATES_TAB), None)


def _shared(pkg: Package) -> list[str]:
    found = pkg.related(pkg.workbook_part, REL_SHARED_STRINGS)
    return shared_strings(pkg.read(found[0])) if found and pkg.has(found[0]) else []


# ---------------------------------------------------------------- one sheet's cells


@dataclass
class Cells:
    """The Actions tab's sheet part as bytes, edited one row at a time: a row is found once per
    answer (a quick search for its start tag), its few cells edited in the row's own bytes, and
    the row put back; the rest of the part is never parsed."""

    data: bytes
    prefix: str  # the main namespace's prefix, "" or "x:"
    root_tag: bytes
    shared: list[str]
    date1904: bool
    styles: dict[int, str | None] = field(default_factory=dict)  # column -> a date cell's style
    edited: dict[int, Row] = field(default_factory=dict)  # rows saved, by number

    def row(self, row: int) -> Row | None:
        if row in self.edited:  # a second answer for the same action: from the first's edit
            kept = self.edited[row]
            return Row(self, row, kept.start, kept.end, kept.chunk)
        return self._find(row)

    def finish(self) -> None:
        """Put every saved row into the part, in one pass over it."""
        out, at = [], 0
        for row in sorted(self.edited.values(), key=lambda r: r.start):
            out += [self.data[at : row.start], row.chunk]
            at = row.end
        out.append(self.data[at:])
        self.data, self.edited = b"".join(out), {}

    def _find(self, row: int) -> Row | None:
        p = self.prefix.encode()
        quick = b"<" + p + b'row r="' + str(row).encode() + b'"'
        at = self.data.find(quick)
        if at < 0:  # a row whose r is not its first attribute
            found = re.search(
                rb"<" + re.escape(p) + rb"row\b[^>]*?\sr=\"" + str(row).encode() + rb"\"",
                self.data,
            )
            if found is None:
                return None
            at = found.start()
        head_end = self.data.index(b">", at)
        if self.data[head_end - 1 : head_end] == b"/":  # <row r="5"/>: no cells
            return Row(self, row, at, head_end + 1)
        close = b"</" + p + b"row>"
        return Row(self, row, at, self.data.index(close, head_end) + len(close))

    def column_style(self, column: int) -> str | None:
        """The style of a cell of this column holding a number (a date, in a date column):
        "the column's own number format", as the workbook shows it. Found once per column."""
        if column not in self.styles:
            letter = column_letter(column).encode()
            p = re.escape(self.prefix.encode())
            found = None
            pattern = rb"<" + p + rb"c\b([^>]*?\sr=\"" + letter + rb"\d+\"[^>]*)>\s*<" + p + rb"v>"
            for m in re.finditer(pattern, self.data):
                attrs = m.group(1)
                kind = re.search(rb'\st="(\w+)"', attrs)
                style = re.search(rb'\ss="(\d+)"', attrs)
                if (kind is None or kind.group(1) == b"n") and style and style.group(1) != b"0":
                    found = style.group(1).decode()
                    break
            self.styles[column] = found
        return self.styles[column]


@dataclass
class Row:
    """One row's bytes, edited cell by cell, then kept for the part (Cells.finish)."""

    cells: Cells
    number: int
    start: int  # where the row is in the part as read
    end: int
    chunk: bytes = b""

    def __post_init__(self) -> None:
        self.chunk = self.chunk or self.cells.data[self.start : self.end]

    def _span(self, ref: str) -> tuple[int, int] | None:
        p = re.escape(self.cells.prefix.encode())
        found = re.search(
            rb"<" + p + rb"c\b[^>]*?\sr=\"" + ref.encode() + rb"\"[^>]*?(/>|>.*?</" + p + rb"c>)",
            self.chunk,
            re.S,
        )
        return found.span() if found else None

    def value(self, column: int) -> tuple[Any, str | None, bool]:
        """(value, its style, holds a formula) of a cell; (None, None, False) when absent."""
        span = self._span(f"{column_letter(column)}{self.number}")
        if span is None:
            return None, None, False
        close = f"</{self.cells.prefix}worksheet>".encode()
        el = parse(self.cells.root_tag + self.chunk[span[0] : span[1]] + close)[0]
        return cell_value(el, lambda: self.cells.shared), el.get("s"), el.find(f"{M}f") is not None

    def put(self, column: int, cell: bytes) -> None:
        """Replace the cell, or insert it in column order."""
        span = self._span(f"{column_letter(column)}{self.number}")
        chunk, p = self.chunk, self.cells.prefix.encode()
        if span is not None:
            self.chunk = chunk[: span[0]] + cell + chunk[span[1] :]
            return
        if chunk.endswith(b"/>"):  # an empty row: <row r="5"/>
            self.chunk = chunk[:-2] + b">" + cell + b"</" + p + b"row>"
            return
        at = len(chunk) - len(b"</" + p + b"row>")
        for m in re.finditer(rb"<" + re.escape(p) + rb"c\b[^>]*?\sr=\"([A-Z]+)\d+\"", chunk):
            if _column(m.group(1).decode()) > column:
                at = m.start()
                break
        self.chunk = chunk[:at] + cell + chunk[at:]

    def save(self) -> None:
        self.cells.edited[self.number] = self


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _serial(day: dt.date, date1904: bool) -> int:
    return (day - (dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30))).days


def _as_text(value: Any, date_column: bool, date1904: bool) -> str:
    """A cell's value in the form the answer recorded it: ISO for a date, else the text."""
    if value is None:
        return ""
    if date_column and isinstance(value, int | float) and not isinstance(value, bool):
        start = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
        return (start + dt.timedelta(days=int(value))).isoformat()
    return str(value)


# ---------------------------------------------------------------- applying the changes


def _apply_row(cells: Cells, rc: RowChanges, sheet: str) -> str | list[tuple[str, str, str]]:
    """Every change of one answer, or why none was made (then nothing of it is written)."""
    row = cells.row(rc.row)
    if row is None:
        return f"row {rc.row} of the {sheet!r} tab is empty now"
    done: list[tuple[str, str, str]] = []
    for ch in rc.cells:
        date = isinstance(ch.value, dt.date)
        current, style, formula = row.value(ch.column)
        if formula:
            return f"{ch.header} holds a formula now; change it by hand"
        now_text = _as_text(current, date, cells.date1904)
        if now_text.strip() not in {e.strip() for e in ch.expected}:
            return (
                f"{ch.header} was changed by a person since the answer came "
                f"(it said {ch.expected[0] or 'nothing'}, it says {now_text or 'nothing'} now)"
            )
        ref = f"{column_letter(ch.column)}{rc.row}"
        p = cells.prefix
        if isinstance(ch.value, dt.date):
            style = style if style not in (None, "0") else cells.column_style(ch.column)
            if style is None:
                return f"{ch.header} has no date format to copy; type the date by hand"
            new_text = ch.value.isoformat()
            serial = _serial(ch.value, cells.date1904)
            xml = f'<{p}c r="{ref}" s="{style}"><{p}v>{serial}</{p}v></{p}c>'
        else:
            text = str(ch.value)
            if ch.append and now_text.strip():
                text = f"{now_text.rstrip()}\n{text}"
            new_text = fits_a_cell(ILLEGAL.sub("", text))
            s = f' s="{style}"' if style else ""
            xml = (
                f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">'
                f"{escape(new_text)}</{p}t></{p}is></{p}c>"
            )
        row.put(ch.column, xml.encode())  # in the row's own bytes until every check passed
        done.append((ch.header, now_text, new_text))
    row.save()
    return done


# ---------------------------------------------------------------- the Updates tab part


def updates_part(rows: list[list[str]]) -> bytes:
    all_rows = tab_values(rows)
    xml = [
        XML_DECLARATION.decode(),
        MARKER.decode(),
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">',
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{HEADER_ROW}" '
        f'topLeftCell="A{HEADER_ROW + 1}" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>",
        '<sheetFormatPr defaultRowHeight="15"/><cols>',
    ]
    xml += [
        f'<col min="{i}" max="{i}" width="{UPDATES_WIDTHS[name]}" customWidth="1"/>'
        for i, name in enumerate(UPDATES_COLUMNS, start=1)
    ]
    xml.append("</cols><sheetData>")
    for r, row in enumerate(all_rows, start=1):
        cells = "".join(
            f'<c r="{column_letter(c)}{r}" t="inlineStr"><is><t xml:space="preserve">'
            f"{escape(ILLEGAL.sub('', str(v)))}</t></is></c>"
            for c, v in enumerate(row, start=1)
            if v not in (None, "")
        )
        xml.append(f'<row r="{r}">{cells}</row>')
    xml.append("</sheetData>")
    if rows:
        letter = column_letter(APPLY_COLUMN)
        sqref = f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + len(rows)}"
        xml.append(
            f'<dataValidations count="1"><dataValidation type="list" allowBlank="1" '
            f'showErrorMessage="1" errorTitle="Apply or Reject" error="Choose Apply or Reject, '
            f'or leave it blank." sqref="{sqref}"><formula1>"{",".join(CHOICES)}"</formula1>'
            "</dataValidation></dataValidations>"
        )
    xml.append(
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        "</worksheet>"
    )
    return "".join(xml).encode("utf-8")


def _add_tab(pkg: Package, data: bytes) -> str:
    part = pkg.add_worksheet(UPDATES_TAB, data)
    pkg.put(pkg.workbook_part, serialise(pkg.workbook))
    return part


# ---------------------------------------------------------------- the write


def write_updates(
    path: Path, plan: UpdatesPlan, cfg: Config | None, today: dt.date | None = None
) -> UpdatesResult:
    """Make the plan's approved changes and write the Updates tab (with each answer's outcome)
    in one save; nothing is written when both are already as planned."""
    settings = WriteSettings.from_config(cfg)
    real = real_file(path)
    stamp = FileStamp.of(real)
    result = UpdatesResult()
    today = today or dt.date.today()
    with Package(real) as pkg:
        tabs = {t.name: t for t in pkg.sheets()}
        tab = tabs.get(UPDATES_TAB)
        if tab is not None and not _is_ours(pkg, tab.part):
            raise SourceError(
                f"{path.name} has a tab called {UPDATES_TAB} that the check did not write, so "
                "answers were not written. Rename that tab, and the check will add its own."
            )
        if tab is not None and decisions(read_tab(pkg.read(tab.part), lambda: _shared(pkg))) != (
            plan.choices
        ):
            result.message = (
                f"{path.name}: the {UPDATES_TAB} tab was saved by someone while the answers were "
                "being worked out, so nothing was written; the next check writes them."
            )
            result.stale = True
            return result
        # Each tab an answer is written into (Actions on several tabs read as one list: each
        # action's own), edited in its own sheet part.
        sheets = {
            name: _cells(pkg, tabs[name].part)
            for name in dict.fromkeys(rc.tab(plan) for rc in plan.changes)
            if name in tabs
        }
        for rc in plan.changes:
            cells = sheets.get(rc.tab(plan))
            done = f"the {rc.tab(plan)!r} tab was not found" if cells is None else (
                _apply_row(cells, rc, rc.tab(plan))
            )  # fmt: skip
            if isinstance(done, str):
                result.refused[rc.answer] = done
            else:
                result.applied[rc.answer] = done
        written = {rc.tab(plan) for rc in plan.changes if rc.answer in result.applied}
        for cells in sheets.values():
            cells.finish()
        rows = with_outcomes(plan, result, today)
        data = updates_part(rows)
        same_tab = tab is not None and pkg.read(tab.part) == data
        if not result.applied and same_tab:
            result.message = f"{path.name}: the {UPDATES_TAB} tab already shows every answer."
            return result
        for place in dict.fromkeys((path, real)):
            refuse_if_open(place)
        refuse_if_read_only(real)
        for name in written:
            pkg.put(tabs[name].part, sheets[name].data)
        if tab is None:
            _add_tab(pkg, data)
        elif not same_tab:
            pkg.put(tab.part, data)
        kept: list[Path] = []

        def verify_then_backup(tmp: Path) -> None:
            people = {
                t.name: t.part
                for t in pkg.sheets()
                if t.name not in (VALIDATION_TAB, UPDATES_TAB) and t.name not in written
            }
            problems = differences(pkg, tmp, people)
            for name in sorted(written):
                mine = [rc for rc in plan.changes if rc.tab(plan) == name]
                problems += _only_named_cells(
                    pkg, tmp, tabs[name].part, name, mine, result, sheets[name]
                )
            refuse(problems, path.name, "")
            if FileStamp.of(real) != stamp:
                raise SourceError(
                    f"{path.name} was saved by someone else meanwhile, so the answers were not "
                    "written. They are written on the next check."
                )
            kept.append(backup(path, settings, dt.datetime.now()))

        save_verified(pkg.write, real, verify_then_backup)
    result.changed, result.backup = True, kept[0]
    done = (
        f"Wrote {plural(len(result.applied), 'approved answer')} into {path.name} and"
        if result.applied
        else f"Listed the answers on {path.name}'s"
    )
    result.message = f"{done} {UPDATES_TAB} tab; the previous version is kept as {kept[0]}."
    return result


def _is_ours(pkg: Package, part: str) -> bool:
    rows = read_tab(pkg.read(part), lambda: _shared(pkg))
    return bool(rows and rows[0] and rows[0][0] == UPDATES_TITLE)


def _cells(pkg: Package, part: str) -> Cells:
    data = pkg.read(part)
    sheet = split_sheet(data, part)
    book = pkg.workbook
    pr = book.find(f"{M}workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    return Cells(data, sheet.prefix, sheet.root_tag, _shared(pkg), date1904)


def _only_named_cells(
    pkg: Package,
    written: Path,
    part: str,
    sheet: str,
    changes: list[RowChanges],
    result: UpdatesResult,
    cells: Cells,
) -> list[str]:
    """The written sheet part of ``sheet`` is the one meant, byte for byte; and the one meant
    differs from the part as read only in the cells an applied answer names there: every row
    but theirs is the same bytes, and in their rows every other cell is the same bytes."""
    named: dict[int, set[str]] = {}
    for rc in changes:
        if rc.answer in result.applied:
            named.setdefault(rc.row, set()).update(
                f"{column_letter(ch.column)}{rc.row}" for ch in rc.cells
            )
    with Package(pkg.path) as before, Package(written) as after:
        if after.read(part) != cells.data:
            return [f"{sheet}: the sheet as written is not the one meant"]
        old = before.read(part)
    was = Cells(old, cells.prefix, cells.root_tag, cells.shared, cells.date1904)
    old_rows, new_rows = _row_spans(was, named), _row_spans(cells, named)
    problems = []
    if not _same_outside(was.data, old_rows, cells.data, new_rows):
        problems.append(f"{sheet}: rows no answer names")
    for number in named:
        a, b = old_rows.get(number), new_rows.get(number)
        old_cells = _all_cells(was.data[a[0] : a[1]]) if a else {}
        new_cells = _all_cells(cells.data[b[0] : b[1]]) if b else {}
        problems += [
            f"{sheet}: cell {ref}"
            for ref in sorted(set(old_cells) | set(new_cells))
            if ref not in named[number] and old_cells.get(ref) != new_cells.get(ref)
        ]
    return problems


def _row_spans(cells: Cells, rows: dict[int, set[str]]) -> dict[int, tuple[int, int]]:
    found = {}
    for number in rows:
        row = cells.row(number)
        if row is not None:
            found[number] = (row.start, row.end)
    return found


def _same_outside(
    a: bytes, a_rows: dict[int, tuple[int, int]], b: bytes, b_rows: dict[int, tuple[int, int]]
) -> bool:
    """Whether two parts are the same bytes once the given rows are left out of each, compared
    piece by piece in place (a large sheet is never copied for it)."""
    if sorted(a_rows) != sorted(b_rows):
        return False
    va, vb = memoryview(a), memoryview(b)
    at_a = at_b = 0
    for number in sorted(a_rows, key=lambda n: a_rows[n][0]):
        (sa, ea), (sb, eb) = a_rows[number], b_rows[number]
        if va[at_a:sa] != vb[at_b:sb]:
            return False
        at_a, at_b = ea, eb
    return va[at_a:] == vb[at_b:]


def _all_cells(data: bytes) -> dict[str, bytes]:
    out = {}
    for m in re.finditer(
        rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]+\d+)\"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", data, re.S
    ):
        out[m.group(1).decode()] = m.group(0)
    return out
