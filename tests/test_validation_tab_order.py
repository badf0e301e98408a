"""The Validation tab as a co-chair reads it, read back with openpyxl after a real write-back of
the sample board: errors first, then warnings, then information, plain words where the rule id
was (the id last), the print setup, and the border (and bold) that marks each severity besides
its fill."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree
from openpyxl import load_workbook
from openpyxl.styles import Border
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from automations.app import write_back
from automations.backends.marks import (
    BORDER,
    HEADER_ROW,
    SEVERITY_LABEL,
    VALIDATION_COLUMNS,
    VALIDATION_HEADER,
    VALIDATION_WIDTHS,
    WRAPPED_COLUMNS,
    rule_severity,
)
from automations.backends.xlsx.package import NS_MAIN
from automations.core.findings import Severity
from automations.pipeline import validate
from automations.rules import catalogue
from tests.digest_setup import SAMPLE_NOW, sample
from tests.marked_workbook import OWNER_CELL, board_with_findings, mark


def test_errors_come_first_and_each_row_says_in_words_what_it_is_about(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    write_back(cfg, validation, now=SAMPLE_NOW)
    assert cfg.source.path is not None
    ws = load_workbook(cfg.source.path)["Validation"]
    assert [c.value for c in ws[HEADER_ROW]][: len(VALIDATION_HEADER)] == list(VALIDATION_HEADER)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1)]
    labels = list(SEVERITY_LABEL.values())
    order = [labels.index(r[0]) for r in rows]
    assert order == sorted(order) and len(set(order)) == 3, order  # all three kinds, in order
    assert rows[0][0] == "Error"
    summaries = {r.summary for r in catalogue()}
    assert all(r[1] in summaries for r in rows), [r[1] for r in rows if r[1] not in summaries]
    assert not any(str(r[1]).startswith(("tor.", "schema.", "access.")) for r in rows)


def test_the_rule_id_is_last_and_the_tab_prints_one_page_wide_with_its_header(
        tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    write_back(cfg, validation, now=SAMPLE_NOW)
    assert cfg.source.path is not None
    ws = load_workbook(cfg.source.path)["Validation"]
    assert [c.value for c in ws[HEADER_ROW]] == list(VALIDATION_COLUMNS)
    ids = {r.id for r in catalogue()}
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1))
    assert all(r[-1].value in ids for r in rows), [r[-1].value for r in rows]
    # Widths, and wrapped text in the columns of words.
    for i, name in enumerate(VALIDATION_COLUMNS, start=1):
        assert ws.column_dimensions[get_column_letter(i)].width == VALIDATION_WIDTHS[name]
        assert bool(rows[0][i - 1].alignment.wrap_text) == (name in WRAPPED_COLUMNS), name
    assert sum(VALIDATION_WIDTHS.values()) <= 150  # about one A4 landscape page wide
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)  # 9: A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"  # the header row repeats
    # Hyperlinks stay on the Link column, which is no longer the last.
    link = VALIDATION_COLUMNS.index("Link")
    assert rows[0][link].hyperlink is not None and rows[0][-1].hyperlink is None


def test_each_severity_is_marked_by_a_border_and_errors_in_bold_too(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    write_back(cfg, validation, now=SAMPLE_NOW)
    assert cfg.source.path is not None
    seen = {}
    for ws in load_workbook(cfg.source.path).worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                severity = rule_severity(rule.formula[0])
                if severity is not None:
                    border = rule.dxf.border
                    sides = {(s.style, s.color.rgb) for s in
                             (border.left, border.right, border.top, border.bottom)}
                    seen.setdefault(severity, set()).add((frozenset(sides), bool(rule.dxf.font.b)))
    assert set(seen) == set(Severity)
    for severity, looks in seen.items():
        cue = BORDER[severity]
        assert looks == {(frozenset({(cue.xlsx_border, f"FF{cue.colour}")}), cue.bold)}
    assert [BORDER[s].bold for s in Severity] == [True, False, False]
    assert len({BORDER[s].xlsx_border for s in Severity}) == 3  # three line styles


def test_a_file_marked_before_the_borders_gets_them_once(tmp_path: Path) -> None:
    """Marks written by the previous release (a dxf with the fill alone) are upgraded by the
    next check even though the same cells are marked; the run after that writes nothing."""
    cfg, validation = sample(tmp_path)
    write_back(cfg, validation, now=SAMPLE_NOW)
    path = cfg.source.path
    assert path is not None
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule_severity(rule.formula[0]) is not None:
                    rule.dxf.border, rule.dxf.font.b = Border(), False
    wb.save(path)
    again = validate(cfg, SAMPLE_NOW.date())
    assert write_back(cfg, again, now=SAMPLE_NOW).changed
    looks = [(r.dxf.border.left.style, bool(r.dxf.font.b))
             for ws in load_workbook(path).worksheets for cf in ws.conditional_formatting
             for r in cf.rules if rule_severity(r.formula[0]) is Severity.ERROR]
    assert looks and set(looks) == {(BORDER[Severity.ERROR].xlsx_border, True)}
    before = path.read_bytes()
    third = validate(cfg, SAMPLE_NOW.date())
    assert not write_back(cfg, third, now=SAMPLE_NOW).changed
    assert path.read_bytes() == before


def _names(path: Path) -> list[tuple[str | None, str | None, str | None]]:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("xl/workbook.xml"))
    return [(n.get("name"), n.get("localSheetId"), n.text)
            for n in root.iter(f"{{{NS_MAIN}}}definedName")]


def test_the_repeated_header_is_the_only_name_the_check_adds_or_changes(tmp_path: Path) -> None:
    board = board_with_findings(tmp_path / "board.xlsx")
    wb = load_workbook(board)
    wb.defined_names["Staff"] = DefinedName("Staff", attr_text="Members!$A$2:$A$9")
    wb["Members"].print_title_rows = "1:1"
    wb.save(board)
    people = _names(board)
    assert ("Staff", None, "Members!$A$2:$A$9") in people
    assert ("_xlnm.Print_Titles", "0", "'Members'!$1:$1") in people
    mark(board)
    tabs = load_workbook(board).sheetnames
    ours = ("_xlnm.Print_Titles", str(tabs.index("Validation")),
            f"'Validation'!${HEADER_ROW}:${HEADER_ROW}")
    assert _names(board) == [*people, ours]
    # A name left pointing at the tab from another place (as if the tab had moved) is put
    # right when the tab is next rewritten; a person's names stay as they were.
    wb = load_workbook(board)
    wb["Actions"][OWNER_CELL] = "Nobody Else"  # a new finding message: the tab is rewritten
    wb.save(board)
    with zipfile.ZipFile(board) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        f'localSheetId="{ours[1]}"'.encode(), b'localSheetId="1"')
    with zipfile.ZipFile(board, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    stale = ("_xlnm.Print_Titles", "1", ours[2])  # another tab's place, whatever the count
    before = _names(board)
    assert stale in before and ours not in before
    assert mark(board).changed
    assert _names(board) == [n for n in before if n != stale] + [ours]


def test_the_dxf_children_follow_the_schema_order(tmp_path: Path) -> None:
    """CT_Dxf (ECMA-376 Part 1, 18.8.14) is a sequence: font, numFmt, fill, alignment,
    protection, border; in another order the styles part is not valid and Excel offers to
    repair the file."""
    order = ("font", "numFmt", "fill", "alignment", "protection", "border", "extLst")
    board = board_with_findings(tmp_path / "board.xlsx")
    mark(board)
    with zipfile.ZipFile(board) as z:
        root = etree.fromstring(z.read("xl/styles.xml"))
    dxfs = list(root.iter(f"{{{NS_MAIN}}}dxf"))
    bordered = [d for d in dxfs if d.find(f"{{{NS_MAIN}}}border") is not None]
    assert len(bordered) >= 2  # the error's and the warning's
    for dxf in bordered:
        names = [etree.QName(c).localname for c in dxf]
        assert names == sorted(names, key=order.index) == ["font", "fill", "border"]
        sides = [etree.QName(c).localname for c in dxf.find(f"{{{NS_MAIN}}}border")]
        assert sides == ["left", "right", "top", "bottom"]  # CT_Border's order
