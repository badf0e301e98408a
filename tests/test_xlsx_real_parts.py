"""The part-level writer on workbooks with pictures, charts, Excel 2010 extensions, threaded
comments, macros and LibreOffice's own layout: marked, re-marked after a change and unmarked
when fixed, with every part the check does not own byte-identical after each step."""

from __future__ import annotations

import datetime as dt
import shutil
import warnings
import zipfile

import pytest
from openpyxl import load_workbook

from automations.backends.xlsx.marks import THREADED_REASON
from tests.marked_workbook import EMAIL_CELL, OWNER_CELL, PERSON_NOTE, features, mark, our_rules
from tests.office import convert
from tests.real_parts import (
    PLACEHOLDER,
    VBA,
    board,
    check_owns,
    extension_list,
    parts,
    peoples_conditional_formats,
    retype,
)
from tests.test_libreoffice import tabs_as_csv

# openpyxl's words about the person's own Excel 2010 extensions, when the tests read them back.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
KINDS = ["pictures", "chart", "excel2010", "threaded", "xlsm"]
MARKED_TABS = ("Members", "Actions")


def assert_kept(before, path) -> None:
    """Every part of ``before`` (a copy of the file as it was) that the check does not own, as
    the file had it or has it now, is in ``path`` byte for byte."""
    owned = check_owns(before, MARKED_TABS) | check_owns(path, MARKED_TABS)
    after = parts(path)
    for name, data in parts(before).items():
        if name not in owned:
            assert after.get(name) == data, f"{name} changed"


def copy_of(path):
    kept = path.with_name(f"before-{path.name}")
    shutil.copy(path, kept)
    return kept


def person_view(path) -> dict:
    """What people made, read with openpyxl (whose warnings about Excel 2010 extensions are the
    person's parts, not ours), plus the Excel 2010 extension list as bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = features(path)
    made["Actions extLst"] = extension_list(path, "Actions")
    made["Actions formats"] = peoples_conditional_formats(path, "Actions")
    return made


def openpyxl_warnings(path) -> set[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_workbook(path)
    return {str(w.message) for w in caught}


def steps(path) -> None:
    """Mark; re-mark after a person's change; unmark once everything is fixed."""
    original = copy_of(path)
    made = person_view(path)
    first = mark(path)
    assert first.changed and first.cells_marked == 2
    assert_kept(original, path)
    assert person_view(path) == made
    assert list(our_rules(path, "Members")) and list(our_rules(path, "Actions"))
    assert openpyxl_warnings(path) <= openpyxl_warnings(first.backup)

    retype(path, "m02@example.org", "m02 at example")  # a new mistake
    before, made = copy_of(path), person_view(path)
    second = mark(path)
    assert second.changed and second.cells_marked == 3
    assert_kept(before, path)
    assert person_view(path) == made
    assert our_rules(path, "Members")['"coprod:error"="coprod:error"'][0] == f"C3 {EMAIL_CELL}"

    retype(path, "m02 at example", "m02@example.org")
    retype(path, "amina at example", "amina@example.org")
    retype(path, "Nobody Known", "M03")
    before, made = copy_of(path), person_view(path)
    third = mark(path)
    assert third.changed and third.cells_marked == 0 and third.cells_cleared == 3
    assert_kept(before, path)
    assert person_view(path) == made
    assert our_rules(path, "Members") == our_rules(path, "Actions") == {}
    ws = load_workbook(path)["Members"]
    assert ws[EMAIL_CELL].comment.text == PERSON_NOTE
    assert load_workbook(path)["Validation"]["A5"].value.startswith("Nothing needs attention")
    assert not mark(path).changed


@pytest.mark.parametrize("kind", KINDS)
def test_marked_remarked_and_unmarked_with_every_other_part_kept(tmp_path, kind):
    path = board(tmp_path / "board", kind)
    steps(path)


def test_pictures_and_charts_are_the_same_bytes(tmp_path):
    path = board(tmp_path / "board", "everything")
    media = {n: d for n, d in parts(path).items() if n.startswith(("xl/media/", "xl/charts/",
                                                                   "xl/drawings/drawing"))}
    assert len(media) >= 3  # a picture, a chart and the drawing that places them
    mark(path)
    after = parts(path)
    assert {n: after[n] for n in media} == media


def test_a_threaded_comment_is_left_alone_and_the_tab_says_why(tmp_path):
    path = board(tmp_path / "board", "threaded")
    threaded = {n: d for n, d in parts(path).items() if "threadedComments" in n or "persons" in n}
    assert len(threaded) == 2
    mark(path)
    after = parts(path)
    assert {n: after[n] for n in threaded} == threaded
    wb = load_workbook(path)
    assert wb["Actions"][OWNER_CELL].comment.text == PLACEHOLDER  # not our block
    assert list(our_rules(path, "Actions"))  # the fill is there
    rows = [[c.value for c in r] for r in wb["Validation"].iter_rows(min_row=5)]
    owner_row = next(r for r in rows if r[3] == OWNER_CELL)
    assert owner_row[4].endswith(THREADED_REASON)
    email_row = next(r for r in rows if r[3] == EMAIL_CELL)
    assert not email_row[4].endswith(THREADED_REASON)


def test_excel_2010_lists_and_data_bars_stay_and_our_rules_come_after_them(tmp_path):
    path = board(tmp_path / "board", "excel2010")
    ext = extension_list(path, "Actions")
    assert b"x14:dataValidation" in ext and b"x14:dataBar" in ext
    mark(path)
    assert extension_list(path, "Actions") == ext
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = load_workbook(path)["Actions"]
    ours = [r.priority for cf in ws.conditional_formatting for r in cf.rules
            if "coprod:" in "".join(r.formula)]
    assert ours == [11]  # above the icon set's priority 10, which lives only in extLst


def test_an_xlsm_stays_an_xlsm_with_its_macros(tmp_path):
    path = board(tmp_path / "board", "xlsm")
    assert path.suffix == ".xlsm"
    mark(path)
    assert path.exists() and not path.with_suffix(".xlsx").exists()
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/vbaProject.bin") == VBA
        assert b"macroEnabled.main+xml" in zf.read("[Content_Types].xml")


def test_marked_files_open_in_libreoffice_with_every_value(tmp_path):
    path = board(tmp_path / "board", "everything")
    plain = tmp_path / "plain.xlsx"
    shutil.copy(path, plain)
    mark(path)
    before, after = tabs_as_csv(tmp_path, plain), tabs_as_csv(tmp_path, path)
    assert set(after) == set(before) | {"Validation"}
    assert {t: v for t, v in after.items() if t != "Validation"} == before
    assert after["Validation"][4][:4] == ["Error", "schema.email", "Members", EMAIL_CELL]
    assert after["Validation"][5][4].endswith(THREADED_REASON)


def test_a_workbook_resaved_by_libreoffice_is_marked_and_unmarked(tmp_path):
    made = board(tmp_path / "board", "everything")
    path = convert(made, "xlsx", tmp_path / "lo")  # LibreOffice's own layout of every part
    steps(path)


EXCEL_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft '
    b"Excel</Application><HeadingPairs><vt:vector size=\"4\" baseType=\"variant\"><vt:variant>"
    b"<vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>5</vt:i4></vt:variant>"
    b"<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4>"
    b'</vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="6" '
    b'baseType="lpstr"><vt:lpstr>Members</vt:lpstr><vt:lpstr>Projects</vt:lpstr><vt:lpstr>'
    b"Actions</vt:lpstr><vt:lpstr>Meetings</vt:lpstr><vt:lpstr>Notes</vt:lpstr><vt:lpstr>"
    b"Actions!_FilterDatabase</vt:lpstr></vt:vector></TitlesOfParts></Properties>"
)


def test_the_new_tab_is_listed_where_excel_lists_tabs(tmp_path):
    from lxml import etree

    from tests.real_parts import rewrite

    path = board(tmp_path / "board", "pictures")
    rewrite(path, {"docProps/app.xml": EXCEL_APP})
    mark(path)
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    app = etree.fromstring(parts(path)["docProps/app.xml"])
    titles = [t.text for t in app.iter(f"{vt}lpstr")][2:]  # after the two headings
    assert titles == ["Members", "Projects", "Actions", "Meetings", "Notes", "Validation",
                      "Actions!_FilterDatabase"]
    assert [i.text for i in app.iter(f"{vt}i4")] == ["6", "1"]
    assert app.find(f".//{vt}vector[@baseType='lpstr']").get("size") == "7"


RICH_NOTE = (
    '<text><r><rPr><b/><sz val="9"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/>'
    '</rPr><t>Officer:</t></r><r><rPr><sz val="9"/><color indexed="81"/><rFont val="Tahoma"/>'
    '<family val="2"/></rPr><t xml:space="preserve">\nPriya says a new address is coming.</t>'
    "</r></text>"
)


def test_a_note_with_excels_formatted_runs_keeps_them(tmp_path):
    """Excel writes a note as runs (the author's name in bold, then the words): ours is added
    as a run of its own and taken away again, leaving the person's runs exactly as they were."""
    from lxml import etree

    from automations.backends.marks import plan_marks
    from automations.backends.xlsx.marks import write_xlsx_marks
    from automations.core.findings import Report
    from tests.builders import TODAY
    from tests.marked_workbook import config, plan_with_messages
    from tests.real_parts import MAIN, rewrite

    path = board(tmp_path / "board", "pictures")
    part = "xl/comments/comment1.xml"
    root = etree.fromstring(parts(path)[part])
    comment = next(c for c in root.iter(f"{{{MAIN}}}comment") if c.get("ref") == EMAIL_CELL)
    comment.remove(comment.find(f"{{{MAIN}}}text"))
    comment.append(etree.fromstring(RICH_NOTE.replace("<text>", f'<text xmlns="{MAIN}">', 1)))
    rewrite(path, {part: etree.tostring(root)})

    def runs() -> list[bytes]:
        tree = etree.fromstring(parts(path)[part])
        note = next(c for c in tree.iter(f"{{{MAIN}}}comment") if c.get("ref") == EMAIL_CELL)
        return [etree.tostring(r) for r in note.iter(f"{{{MAIN}}}r")]

    theirs = runs()
    assert len(theirs) == 2
    write_xlsx_marks(path, plan_with_messages(["First message."]), config(path))
    assert runs()[:2] == theirs and len(runs()) == 3
    write_xlsx_marks(path, plan_with_messages(["Second message."]), config(path))
    assert runs()[:2] == theirs and b"Second message." in runs()[2]
    nothing = plan_marks(Report(TODAY, "board.xlsx", ()), dt.datetime(2024, 3, 1, 9, 0))
    write_xlsx_marks(path, nothing, config(path))
    assert runs() == theirs
    assert load_workbook(path)["Members"][EMAIL_CELL].comment.text == (
        "Officer:\nPriya says a new address is coming."
    )


def test_large_sheets_are_streamed_and_marked_the_same(tmp_path, monkeypatch):
    """Above STREAMED_SHEET a sheet's cells are left in the zip and streamed in blocks; with tiny
    thresholds every sheet here takes that path, with blocks that cut tags in two."""
    from automations.backends.xlsx import package, sheetxml, snapshot

    for module in (package, sheetxml, snapshot):
        monkeypatch.setattr(module, "BLOCK", 97, raising=False)
    monkeypatch.setattr(package, "LARGE_PART", 1000)
    monkeypatch.setattr(sheetxml, "STREAMED_SHEET", 1000)
    path = board(tmp_path / "board", "everything")
    steps(path)


def test_note_shapes_get_ids_no_other_drawing_uses(tmp_path):
    """Each drawing of notes claims its own blocks of shape ids (Excel's idmap, 1,024 ids each),
    also when one run gives two tabs their first notes and one tab more notes than a block."""
    import re

    from automations.backends.marks import plan_marks
    from automations.backends.xlsx.marks import write_xlsx_marks
    from automations.core.findings import Finding, Report, Severity
    from tests.builders import TODAY
    from tests.marked_workbook import config

    path = board(tmp_path / "board", "pictures")
    findings = [
        Finding("demo", Severity.INFO, f"Note {n}.", sheet=tab, row=n, column="A",
                cell=f"A{n}", tab=tab, column_index=1)
        for tab, count in (("Projects", 1100), ("Meetings", 3), ("Members", 2))
        for n in range(2, count + 2)
    ]
    write_xlsx_marks(path, plan_marks(Report(TODAY, "board.xlsx", tuple(findings)),
                                      dt.datetime(2024, 3, 1, 9, 0)), config(path))
    drawings = {n: d for n, d in parts(path).items() if n.endswith(".vml")}
    assert len(drawings) == 3
    blocks = [re.search(rb'idmap [^>]*data="([\d,]+)"', d).group(1).split(b",")
              for d in drawings.values()]
    flat = [int(b) for bs in blocks for b in bs]
    assert len(flat) == len(set(flat)) == 4  # 1,100 notes need two blocks
    ids = [int(i) for d in drawings.values() for i in re.findall(rb'id="_x0000_s(\d+)"', d)]
    assert len(ids) == len(set(ids)) >= 1100 + 3 + 2
    for data, listed in zip(drawings.values(), blocks, strict=True):
        mine = [int(i) for i in re.findall(rb'id="_x0000_s(\d+)"', data)]
        assert {i // 1024 for i in mine} <= {int(b) for b in listed}
    wb = load_workbook(path)
    assert wb["Projects"]["A1101"].comment.text.endswith("Note 1101.\n[end of check]")
