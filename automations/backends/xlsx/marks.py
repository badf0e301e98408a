"""Marks in an .xlsx workbook: coloured cells, notes and the Validation tab, written part by part.

Fills are conditional-format rules that the service owns (one per severity, recognised by
``marks.rule_severity``), so a cell's own fill is never changed and removing a mark is removing
a rule. Notes keep a person's text beside ours. The writer edits only what it owns (see
package.py): its conditional formats and their dxf entries, its block of each note, the
Validation tab; every other part of the file is copied byte for byte, so pictures, charts,
pivot tables, threaded comments, Excel 2010 extensions and macros all survive. The workbook is
rewritten only when the marks differ from what it already shows, and only after the new file is
proven to hold everything people made (snapshot.py, safety.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from automations.backends.marks import (
    FILL,
    VALIDATION_COLUMNS,
    VALIDATION_TAB,
    VALIDATION_TITLE,
    CellMark,
    MarkPlan,
    WriteResult,
    check_validation_tab_is_ours,
    counts_line,
    link_label,
    marks_by_sheet,
    our_note,
    rule_formula,
    rule_severity,
    stamp_line,
    validation_table,
    without_stamp,
)
from automations.backends.xlsx.notes import SheetNotes, change_notes, read_notes, write_notes
from automations.backends.xlsx.package import (
    NS_MAIN,
    REL_SHARED_STRINGS,
    REL_STYLES,
    TYPE_STYLES,
    Package,
    parse,
    serialise,
)
from automations.backends.xlsx.safety import (
    REPORT_HINT,
    FileStamp,
    WriteSettings,
    backup,
    real_file,
    refuse_if_open,
    refuse_if_read_only,
    save_verified,
)
from automations.backends.xlsx.seal import put_seal, seal_holds
from automations.backends.xlsx.sheetxml import (
    Chunk,
    SheetXml,
    cells_of,
    column_letter,
    rc,
    read_sheet,
)
from automations.backends.xlsx.snapshot import differences, refuse
from automations.backends.xlsx.styles import Styles
from automations.backends.xlsx.tab import (
    TabRow,
    fingerprint,
    fingerprint_of,
    first_cell,
    print_titles,
    read_tab,
    shared_strings,
    tab_part,
)
from automations.core.collector import collector_paused
from automations.core.errors import SourceError
from automations.core.findings import Severity

if TYPE_CHECKING:
    from automations.core.config import Config

M = f"{{{NS_MAIN}}}"
# Characters XML 1.0 cannot hold: the control characters openpyxl refuses in a cell, and the
# non-characters and lone surrogates a Google Sheet's JSON can carry, which could not be written.
ILLEGAL_CHARACTERS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
THREADED_REASON = (
    " (No note on this cell: it holds a threaded comment, which the check leaves as it is.)"
)


# ---------------------------------------------------------------- entry points


def write_xlsx_marks(
    path: Path, plan: MarkPlan, cfg: Config | None, read_stamp: FileStamp | None = None
) -> WriteResult:
    """Mark the workbook at ``path`` (any local file; a symbolic link is written through) in
    place, safely; leave it byte-for-byte alone when nothing changed. ``read_stamp``: the file
    as it was when the findings were read (default: as it is now)."""
    with collector_paused():
        return _write_xlsx_marks(path, plan, cfg, read_stamp)


def _write_xlsx_marks(
    path: Path, plan: MarkPlan, cfg: Config | None, read_stamp: FileStamp | None
) -> WriteResult:
    settings = WriteSettings.from_config(cfg)
    real = real_file(path)
    stamp = read_stamp or FileStamp.of(real)
    _refuse_if_saved_since(real, stamp)
    with Package(real) as pkg:
        book = Book(pkg)
        sealed = book.tab is not None and seal_holds(pkg, book.tab.part, plan)
        wanted = None if sealed else desired_state(book, plan)
        shown = None if sealed else current_state(book, wanted.tab)
        if sealed or shown == wanted:
            # Reading is harmless while someone has the file open, so this needs no lock check.
            return WriteResult(
                changed=False,
                cells_marked=len(plan.cells),
                message=f"{path.name} already shows these findings, so it was not rewritten.",
            )
        for place in dict.fromkeys((path, real)):
            refuse_if_open(place)
        refuse_if_read_only(real)
        cleared = apply_marks(book, plan, shown)
        kept: list[Path] = []

        def verify_then_backup(tmp: Path) -> None:
            refuse(differences(pkg, tmp, book.people_parts(), book.as_read, book.edited),
                   path.name, REPORT_HINT)
            refuse_if_open(path)
            _refuse_if_saved_since(real, stamp)
            kept.append(backup(path, settings, dt.datetime.now()))

        save_verified(pkg.write, real, verify_then_backup)
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
    """A marked copy of the workbook at ``report``, made by the same writer; the workbook
    itself is only read."""
    suffix = path.suffix.lower() if path.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    if report.suffix.lower() != suffix:
        raise SourceError(
            f"The report file must end in {suffix} like the workbook, got {report.name}."
        )
    if report.resolve() == path.resolve():
        raise SourceError(
            "--report must name a new file, not the workbook itself; use --write-back to mark "
            "the workbook."
        )
    if not report.parent.is_dir():
        raise SourceError(f"The folder {report.parent} for the report file does not exist.")
    refuse_if_open(report)
    with Package(path) as pkg:
        book = Book(pkg)
        apply_marks(book, plan)

        def verify(tmp: Path) -> None:
            refuse(differences(pkg, tmp, book.people_parts(), book.as_read, book.edited),
                   report.name, "")

        save_verified(pkg.write, report, verify)
    return WriteResult(
        changed=True,
        cells_marked=len(plan.cells),
        report=report,
        message=f"Wrote a marked copy to {report}; {path.name} was not changed.",
    )


# ---------------------------------------------------------------- the workbook as written


@dataclass
class Book:
    """The package with its tabs: people's worksheets, and the Validation tab if there is one."""

    pkg: Package
    _sheets: dict[str, SheetXml] = field(default_factory=dict)
    _notes: dict[str, SheetNotes] = field(default_factory=dict)
    _merged: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    as_read: dict[str, SheetXml] = field(default_factory=dict)  # for the proof
    tab_rows: list[TabRow] | None = None  # the Validation tab this run wants
    tab_frozen: tuple[tuple[Any, ...], ...] | None = None  # the same, as _frozen gives it
    wanted: dict[str, dict[str, str]] | None = None  # the notes this run wants (_wanted_notes)

    @cached_property
    def styles(self) -> Styles:
        """styles.xml as read (apply_marks adds to it)."""
        part = _styles_part(self.pkg)
        return Styles(self.pkg.read(part) if part else None)

    @cached_property
    def tabs(self) -> list[Any]:
        return self.pkg.sheets()

    @cached_property
    def worksheets(self) -> list[Any]:
        """People's worksheets (not chart sheets, not the Validation tab)."""
        return [
            t for t in self.tabs if t.kind == "worksheet" and t.part and t.name != VALIDATION_TAB
        ]

    def people_parts(self) -> dict[str, str]:
        return {t.name: t.part for t in self.tabs if t.name != VALIDATION_TAB}

    @cached_property
    def tab(self) -> Any | None:
        return next((t for t in self.tabs if t.name == VALIDATION_TAB), None)

    def sheet(self, part: str) -> SheetXml:
        if part not in self._sheets:
            self._sheets[part] = read_sheet(self.pkg, part)
            read = self._sheets[part]
            self.as_read[part] = SheetXml(read.head, read.root_tag, read.prefix,
                                          list(read.chunks), read.end)
        return self._sheets[part]

    @property
    def edited(self) -> dict[str, SheetXml]:
        return dict(self._sheets)

    def notes(self, part: str) -> SheetNotes:
        if part not in self._notes:
            self._notes[part] = read_notes(self.pkg, part)
        return self._notes[part]

    @cached_property
    def shared(self) -> list[str]:
        found = self.pkg.related(self.pkg.workbook_part, REL_SHARED_STRINGS)
        return shared_strings(self.pkg.read(found[0])) if found and self.pkg.has(found[0]) else []

    def merged(self, part: str) -> list[tuple[int, int, int, int]]:
        if part not in self._merged:
            self._merged[part] = self._read_merged(part)
        return self._merged[part]

    def _read_merged(self, part: str) -> list[tuple[int, int, int, int]]:
        ranges = []
        sheet = self.sheet(part)
        for chunk in sheet.named("mergeCells"):
            for el in sheet.element(chunk).iter(f"{M}mergeCell"):
                first, _, last = (el.get("ref") or "").partition(":")
                if first and last:
                    (r1, c1), (r2, c2) = rc(first), rc(last)
                    ranges.append((r1, c1, r2, c2))
        return ranges

    def anchor(self, part: str, cell: str) -> str:
        """The cell that can hold a note: a merged range's top-left cell stands for all of it."""
        merged = self.merged(part)
        if not merged:
            return cell
        row, col = rc(cell)
        for r1, c1, r2, c2 in merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return f"{column_letter(c1)}{r1}"
        return cell


# ---------------------------------------------------------------- what the file shows


@dataclass(frozen=True)
class MarksState:
    """The service's marks in a workbook, apart from the time stamp on the Validation tab."""

    rules: frozenset[tuple[str, str, str]]  # sheet, severity, cell
    notes: frozenset[tuple[str, str, str]]  # sheet, cell, our block of the note
    tab: tuple[tuple[Any, ...], ...] | None  # the Validation tab's rows, without the stamp
    # (sheet, severity) of our rules whose format is not the severity's dxf today (an older
    # fill, or no border): rewritten even when they cover the right cells.
    stale: frozenset[tuple[str, str]] = frozenset()


def current_state(book: Book | Path, expected_tab: Frozen | None = None) -> MarksState:
    """``expected_tab``: the Validation tab the plan wants; when the tab part carries the
    fingerprint of exactly those rows (the check wrote it and nothing saved it since), its rows
    need not be read back one by one."""
    if isinstance(book, Path):
        with Package(book) as pkg:
            return current_state(Book(pkg))
    rules, notes, stale = set(), set(), set()
    for ws in book.worksheets:
        for severity, cells in _our_rules(book.sheet(ws.part)).items():
            rules |= {(ws.name, severity.value, c) for c in cells}
        stale |= {(ws.name, s.value) for s in _stale(book.sheet(ws.part), book.styles)}
        for ref, text in book.notes(ws.part).texts().items():
            ours = our_note(text)
            if ours and ref not in book.notes(ws.part).threaded:
                notes.add((ws.name, ref, ours))
    return MarksState(frozenset(rules), frozenset(notes), _tab_now(book, expected_tab),
                      frozenset(stale))


def _our_rules(sheet: SheetXml) -> dict[Severity, set[str]]:
    out: dict[Severity, set[str]] = {}
    for chunk in sheet.named("conditionalFormatting"):
        if b"coprod:" not in chunk.data:
            continue
        el = sheet.element(chunk)
        for rule in el.iter(f"{M}cfRule"):
            severity = rule_severity(rule.findtext(f"{M}formula") or "")
            if severity is not None:
                out.setdefault(severity, set()).update(cells_of(el.get("sqref", "")))
    return out


def _our_dxfs(sheet: SheetXml) -> dict[Severity, set[str]]:
    """The dxfId of each of our rules, by severity."""
    out: dict[Severity, set[str]] = {}
    for chunk in sheet.named("conditionalFormatting"):
        if b"coprod:" not in chunk.data:
            continue
        for rule in sheet.element(chunk).iter(f"{M}cfRule"):
            severity = rule_severity(rule.findtext(f"{M}formula") or "")
            if severity is not None:
                out.setdefault(severity, set()).add(rule.get("dxfId", ""))
    return out


def _stale(sheet: SheetXml, styles: Styles) -> set[Severity]:
    """Severities whose rule on this sheet does not point at the severity's dxf of today."""
    return {
        severity for severity, ids in _our_dxfs(sheet).items()
        if not all(i.isdigit() and styles.has_dxf(int(i), severity) for i in ids)
    }


def desired_state(book: Book, plan: MarkPlan) -> MarksState:
    parts = {ws.name: ws.part for ws in book.worksheets}
    rules = {(m.sheet, m.severity.value, m.cell) for m in plan.cells if m.sheet in parts}
    wanted = _wanted_notes(book, plan)
    notes = {(sheet, cell, text) for sheet, part in parts.items()
             for cell, text in wanted[part].items()}
    return MarksState(frozenset(rules), frozenset(notes), _frozen_rows(book, plan))


def _wanted_notes(book: Book, plan: MarkPlan) -> dict[str, dict[str, str]]:
    """Sheet part -> cell -> the check's block of its note (a merged range's note sits on its
    first cell; a cell with a threaded comment gets none), worked out once per run."""
    if book.wanted is None:
        parts = {ws.name: ws.part for ws in book.worksheets}
        book.wanted = {part: {} for part in parts.values()}
        for m in plan.cells:
            part = parts.get(m.sheet)
            if part is not None:
                anchor = book.anchor(part, m.cell)
                if anchor not in book.notes(part).threaded:
                    book.wanted[part][anchor] = _clean(m.note)
    return book.wanted


def _tab_now(book: Book, expected: Frozen | None) -> Frozen | None:
    if book.tab is None or not book.tab.part:
        return None
    data = book.pkg.read(book.tab.part)
    if expected is not None and fingerprint_of(data) == fingerprint(expected):
        return expected
    return _frozen(read_tab(data, lambda: book.shared))


Frozen = tuple[tuple[Any, ...], ...]


def _frozen(rows: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
    """The tab without its stamp row, in a form that compares and hashes."""
    # A blank cell reads back as None however it was written ("" for a finding with no cell).
    return tuple(tuple(None if v == "" else v for v in r) for r in without_stamp(rows))


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] in (None, ""):
        row.pop()
    return row


# ---------------------------------------------------------------- changing the workbook


def apply_marks(book: Book, plan: MarkPlan, before: MarksState | None = None) -> int:
    """Replace the service's marks with the plan's; returns how many cells lost their mark.
    ``before``: current_state(book), when the caller has already worked it out."""
    _check_tab_is_ours(book)
    before = before or current_state(book)
    styles_part = _styles_part(book.pkg)
    styles = book.styles
    by_sheet = marks_by_sheet(plan)
    notes = _wanted_notes(book, plan)
    for ws in book.worksheets:
        _mark_sheet(book, ws.part, by_sheet.get(ws.name, []), styles, notes[ws.part])
    tab = _write_tab(book, plan, styles)
    if styles.changed:
        _store_styles(book.pkg, styles_part, styles)
    put_seal(book.pkg, tab, plan)  # last: it holds the checksum of every other part
    wanted = {(m.sheet, m.cell) for m in plan.cells}
    had = {(s, c) for s, _, c in before.rules} | {(s, c) for s, c, _ in before.notes}
    return len(had - wanted)


def _mark_sheet(book: Book, part: str, marks: list[CellMark], styles: Styles,
                wanted: dict[str, str]) -> None:
    """``wanted``: cell -> the check's block of its note, on this sheet."""
    sheet = book.sheet(part)
    original = [c.data for c in sheet.chunks]
    wanted_rules = {m.severity: set() for m in marks}
    for m in marks:
        wanted_rules[m.severity].add(m.cell)
    if _our_rules(sheet) != wanted_rules or _stale(sheet, styles):
        _replace_rules(sheet, marks, styles)
    notes = book.notes(part)
    changes = change_notes(notes, wanted)
    write_notes(book.pkg, sheet, notes, changes)
    if [c.data for c in sheet.chunks] != original:
        book.pkg.put(part, sheet.pieces())


def _replace_rules(sheet: SheetXml, marks: list[CellMark], styles: Styles) -> None:
    """Drop our conditional-format rules and add one per severity. People's rules keep their
    ranges and priorities; ours come after theirs (Excel 2010 ones included)."""
    kept: list[Chunk] = []
    for chunk in sheet.chunks:
        if chunk.name == "conditionalFormatting" and b"coprod:" in chunk.data:
            el = sheet.element(chunk)
            theirs = [
                r for r in el.iter(f"{M}cfRule")
                if rule_severity(r.findtext(f"{M}formula") or "") is None
            ]
            if not theirs:
                continue
            for rule in list(el.iter(f"{M}cfRule")):
                if rule not in theirs:
                    el.remove(rule)
            chunk = Chunk(chunk.name, etree.tostring(el))
        kept.append(chunk)
    sheet.chunks = kept
    top = sheet.top_priority()
    for severity in Severity:
        cells = [m.cell for m in marks if m.severity is severity]
        if cells:
            top += 1
            dxf = styles.dxf(severity)
            sheet.insert(Chunk("conditionalFormatting", _rule(sheet, cells, severity, dxf, top)))


def _rule(sheet: SheetXml, cells: list[str], severity: Severity, dxf: int, priority: int) -> bytes:
    cf, rule, formula = (sheet.tag(n) for n in ("conditionalFormatting", "cfRule", "formula"))
    text = rule_formula(severity).replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<{cf} sqref="{" ".join(cells)}"><{rule} type="expression" dxfId="{dxf}" '
        f'priority="{priority}"><{formula}>{text}</{formula}></{rule}></{cf}>'
    ).encode()


def _styles_part(pkg: Package) -> str | None:
    found = [p for p in pkg.related(pkg.workbook_part, REL_STYLES) if pkg.has(p)]
    return found[0] if found else None


def _store_styles(pkg: Package, part: str | None, styles: Styles) -> None:
    if part is None:
        part = "xl/styles.xml" if not pkg.has("xl/styles.xml") else pkg.free_name("xl/styles{}.xml")
        pkg.add_rel(pkg.workbook_part, REL_STYLES, part)
        pkg.declare(part, TYPE_STYLES)
    pkg.put(part, styles.to_bytes())


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS.sub("", text)


# ---------------------------------------------------------------- the Validation tab


def _check_tab_is_ours(book: Book) -> None:
    if book.tab is None:
        return
    if book.tab.kind != "worksheet" or not book.tab.part:
        check_validation_tab_is_ours(None)
    check_validation_tab_is_ours(first_cell(book.pkg.read(book.tab.part), lambda: book.shared))


def tab_rows(plan: MarkPlan, sheets: set[str], unnoted: set[tuple[str, str]] = frozenset()
             ) -> list[list[Any]]:
    """The tab's values, row by row (what _write_tab writes and _tab_now reads back).
    ``unnoted``: (sheet, cell) of marks that could not get a note (threaded comments)."""
    return [row.values for row in _tab_rows(plan, sheets, unnoted)]


def _tab_rows(plan: MarkPlan, sheets: set[str], unnoted: set[tuple[str, str]]) -> list[TabRow]:
    rows = [TabRow([VALIDATION_TITLE]), TabRow([counts_line(plan.counts)]),
            TabRow([stamp_line(plan.checked_at)]), TabRow(list(VALIDATION_COLUMNS))]
    for f, row in zip(plan.findings, validation_table(plan), strict=True):
        sheet, cell, message = row.sheet, row.cell, row.message
        linked = sheet in sheets and sheet != VALIDATION_TAB
        if (sheet, cell) in unnoted:
            message += THREADED_REASON
        # In VALIDATION_COLUMNS order: the link before the rule id, which comes last.
        values = [row.severity, row.about, sheet, cell, message,
                  link_label(sheet, cell) if linked else "", row.rule]
        # One search of the whole row: a row that needs cleaning is rare.
        if ILLEGAL_CHARACTERS.search("".join(values)) is not None:
            values = [_clean(v) for v in values]
        if not values[-1]:
            _trim(values)
        target = f"{_quote(sheet)}!{cell or 'A1'}" if linked else None
        rows.append(TabRow(values, FILL[f.severity], target))
    if not plan.findings:
        rows.append(TabRow(["Nothing needs attention: every check passed."]))
    return rows


def _quote(sheet: str) -> str:
    return "'{}'".format(sheet.replace("'", "''"))


def _unnoted(book: Book, plan: MarkPlan) -> set[tuple[str, str]]:
    parts = {ws.name: ws.part for ws in book.worksheets}
    return {
        (m.sheet, m.cell)
        for m in plan.cells
        if m.sheet in parts
        and book.anchor(parts[m.sheet], m.cell) in book.notes(parts[m.sheet]).threaded
    }


def _rows(book: Book, plan: MarkPlan) -> list[list[Any]]:
    return [row.values for row in _book_rows(book, plan)]


def _book_rows(book: Book, plan: MarkPlan) -> list[TabRow]:
    """The tab's rows for this workbook, worked out once per run."""
    if book.tab_rows is None:
        book.tab_rows = _tab_rows(plan, {t.name for t in book.tabs}, _unnoted(book, plan))
    return book.tab_rows


def _frozen_rows(book: Book, plan: MarkPlan) -> tuple[tuple[Any, ...], ...]:
    """The tab's rows as compared and fingerprinted, worked out once per run."""
    if book.tab_frozen is None:
        book.tab_frozen = _frozen(_rows(book, plan))
    return book.tab_frozen


def _write_tab(book: Book, plan: MarkPlan, styles: Styles) -> str:
    """Returns the tab's part."""
    rows = _book_rows(book, plan)
    data = tab_part(rows, styles, fingerprint(_frozen_rows(book, plan)))
    pkg = book.pkg
    if book.tab is not None:
        pkg.put(book.tab.part, data)
        _repeat_header_row(pkg)
        return book.tab.part
    part = pkg.add_worksheet(VALIDATION_TAB, data)
    _repeat_header_row(pkg, changed=True)
    _list_in_app_properties(pkg)
    return part


# The order of a workbook's children (ECMA-376 Part 1, CT_Workbook) up to definedNames.
BEFORE_DEFINED_NAMES = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection",
                        "bookViews", "sheets", "functionGroups", "externalReferences")
PRINT_TITLES = "_xlnm.Print_Titles"


def _repeat_header_row(pkg: Package, changed: bool = False) -> None:
    """Give the Validation tab the header row on every printed page: a Print_Titles name local
    to the tab (localSheetId is its place among the tabs). Only that one name is the check's:
    a person's names stay as they are, and workbook.xml is rewritten only when ours is not
    already right (or ``changed``: the caller changed the workbook part already)."""
    book = pkg.workbook
    sheets = list(book.find(f"{M}sheets").iter(f"{M}sheet"))
    place = str(next(i for i, s in enumerate(sheets) if s.get("name") == VALIDATION_TAB))
    wanted = [(place, print_titles(VALIDATION_TAB))]
    names = book.find(f"{M}definedNames")
    ours = [] if names is None else [
        n for n in names.iter(f"{M}definedName")
        if n.get("name") == PRINT_TITLES and _is_ours(n, place)
    ]
    if [(n.get("localSheetId"), n.text) for n in ours] != wanted:
        for n in ours:
            names.remove(n)
        if names is None:
            names = etree.Element(f"{M}definedNames")
            at = max((i + 1 for i, c in enumerate(book)
                      if etree.QName(c).localname in BEFORE_DEFINED_NAMES), default=0)
            book.insert(at, names)
        name = etree.SubElement(names, f"{M}definedName", name=PRINT_TITLES,
                                localSheetId=place)
        name.text = wanted[0][1]
        changed = True
    if changed:
        pkg.put(pkg.workbook_part, serialise(book))


def _is_ours(name: etree._Element, place: str) -> bool:
    """A Print_Titles name of the Validation tab: local to its place, or pointing at it (left
    over from when the tab stood at another place)."""
    text = name.text or ""
    return name.get("localSheetId") == place or text.startswith(
        (f"{VALIDATION_TAB}!", f"'{VALIDATION_TAB}'!"))


def _list_in_app_properties(pkg: Package) -> None:
    """docProps/app.xml lists the tabs by name (Excel shows it in File > Info); add ours to the
    worksheets there. A file without that list (LibreOffice writes none) is left as it is."""
    part = "docProps/app.xml"
    if not pkg.has(part):
        return
    root = parse(pkg.read(part))
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    pairs = root.find(f"{{*}}HeadingPairs/{vt}vector")
    titles = root.find(f"{{*}}TitlesOfParts/{vt}vector")
    if pairs is None or titles is None:
        return
    variants = [v[0] for v in pairs.iter(f"{vt}variant") if len(v)]
    offset = 0
    for name, count in zip(variants[::2], variants[1::2], strict=False):
        n = int(count.text or 0)
        offset += n
        if name.text in ("Worksheets", "Arbeitsblätter", "Feuilles de calcul"):
            count.text = str(n + 1)
            title = etree.Element(f"{vt}lpstr")
            title.text = VALIDATION_TAB
            if offset > len(titles):
                return
            titles.insert(offset, title)
            titles.set("size", str(len(titles)))
            pkg.put(part, serialise(root))
            return

