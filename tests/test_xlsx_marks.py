"""Marks in a real .xlsx: fills as our own conditional formats, notes beside people's, the
Validation tab, and nothing a person made ever lost."""

import copy
import datetime as dt
import zipfile

import pytest
from openpyxl import load_workbook

from automations.backends.marks import (
    FILL,
    NOTE_BEGIN,
    TEXT,
    VALIDATION_COLUMNS,
    VALIDATION_TITLE,
    plan_marks,
    rule_formula,
)
from automations.backends.xlsx.marks import Book, apply_marks, write_xlsx_marks, write_xlsx_report
from automations.backends.xlsx.package import Package
from automations.backends.xlsx.snapshot import differences
from automations.core.errors import ConfigError, SourceError
from automations.core.findings import Severity
from tests.marked_workbook import (
    EMAIL_CELL,
    OTHER_NOTE,
    OWNER_CELL,
    PERSON_NOTE,
    board_with_findings,
    config,
    features,
    mark,
    our_rules,
    plan_with_messages,
)

ERROR, WARNING = rule_formula(Severity.ERROR), rule_formula(Severity.WARNING)


@pytest.fixture
def board(tmp_path):
    return board_with_findings(tmp_path / "board.xlsx")


def fix(path, sheet, cell, value):
    """A person corrects a cell (in whatever program: here openpyxl, which keeps our marks)."""
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def test_round_trip_keeps_everything_people_made(board):
    made = features(board)

    first = mark(board)
    assert first.changed and first.cells_marked == 2
    assert features(board) == made
    assert our_rules(board, "Members") == {
        ERROR: (EMAIL_CELL, "00" + FILL[Severity.ERROR], "00" + TEXT)
    }
    assert our_rules(board, "Actions")[WARNING][0] == OWNER_CELL
    note = load_workbook(board)["Members"][EMAIL_CELL].comment.text
    assert note.startswith(PERSON_NOTE + "\n\n" + NOTE_BEGIN)
    assert "not a valid" in note or "email" in note.lower()

    second = mark(board, at=dt.datetime(2024, 3, 2, 9, 0))
    assert not second.changed
    assert features(board) == made

    # The email is fixed: its mark goes, the owner's stays, and the person's note is as it was.
    fix(board, "Members", EMAIL_CELL, "amina@example.org")
    made_after_fix = features(board)
    third = mark(board)
    assert third.changed and third.cells_cleared == 1
    assert features(board) == made_after_fix
    ws = load_workbook(board)["Members"]
    assert ws[EMAIL_CELL].comment.text == PERSON_NOTE
    assert ws["B2"].comment.text == OTHER_NOTE
    assert our_rules(board, "Members") == {}
    assert list(our_rules(board, "Actions")) == [WARNING]

    fix(board, "Actions", OWNER_CELL, "M03")
    assert mark(board).cells_cleared == 1
    assert our_rules(board, "Actions") == {}
    assert load_workbook(board)["Actions"][OWNER_CELL].comment is None
    expected = copy.deepcopy(made)
    expected["Members values"][5][2] = "amina@example.org"
    expected["Actions values"][1][4] = "M03"
    assert features(board) == expected
    assert load_workbook(board)["Validation"]["A5"].value.startswith("Nothing needs attention")


def test_validation_tab_lists_findings_with_links_frozen_and_filtered(board):
    mark(board)
    wb = load_workbook(board)
    ws = wb["Validation"]
    assert wb.sheetnames[-1] == "Validation"
    assert ws["A1"].value == VALIDATION_TITLE
    assert ws["A2"].value == "1 error, 1 warning, 0 for information"
    assert ws["A3"].value.startswith("Marks last changed on Friday 1 March 2024 at 09:00")
    assert [c.value for c in ws[4]] == list(VALIDATION_COLUMNS)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    # No catalogue passed here, so column B falls back to the rule id; the id is also last.
    assert [r[:4] + r[-1:] for r in rows] == [
        ["Error", "schema.email", "Members", EMAIL_CELL, "schema.email"],
        ["Warning", "tor.actions.owner", "Actions", OWNER_CELL, "tor.actions.owner"],
    ]
    assert ws["F5"].hyperlink.location == f"'Members'!{EMAIL_CELL}"
    assert ws["F5"].value == f"Go to {EMAIL_CELL}"
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:G6"


def test_no_change_leaves_the_file_alone(board):
    mark(board)
    before = (board.read_bytes(), board.stat().st_mtime_ns)
    backups = sorted((board.parent / "backups").iterdir())
    result = mark(board, at=dt.datetime(2024, 3, 9, 12, 0))
    assert not result.changed and "not rewritten" in result.message
    assert (board.read_bytes(), board.stat().st_mtime_ns) == before
    assert sorted((board.parent / "backups").iterdir()) == backups


def test_backups_keep_the_configured_number(board):
    original = board.read_bytes()
    first = mark(board, backups=2)
    assert first.backup is not None and first.backup.read_bytes() == original
    for value in ("a@example.org", "b@example.org", "c@example.org"):
        fix(board, "Members", "C7", value)  # a change that keeps the findings: still rewritten
        fix(board, "Members", EMAIL_CELL, "bad " + value)
        assert mark(board, backups=2).changed
    assert len(list((board.parent / "backups").iterdir())) == 2


@pytest.mark.parametrize("lock", [".~lock.board.xlsx#", "~$board.xlsx"])
def test_refuses_while_open_in_excel_or_libreoffice(board, lock):
    (board.parent / lock).write_text("someone,host")
    before = board.read_bytes()
    with pytest.raises(SourceError, match=r"open in Excel or LibreOffice.*--report FILE\.xlsx"):
        mark(board)
    assert board.read_bytes() == before
    assert not (board.parent / "backups").exists()


def test_a_run_with_nothing_new_is_fine_while_the_workbook_is_open(board):
    mark(board)
    (board.parent / ".~lock.board.xlsx#").write_text("someone,host")
    before = board.read_bytes()
    assert not mark(board).changed
    assert board.read_bytes() == before


def add_part(path, name, data=b"x"):
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(name, data)


@pytest.mark.parametrize(
    "part",
    ["xl/media/image1.png", "xl/charts/chart1.xml", "xl/pivotTables/pivotTable1.xml",
     "xl/drawings/drawing1.xml", "xl/printerSettings/printerSettings1.bin",
     "docProps/thumbnail.jpeg", "xl/calcChain.xml"],
)
def test_parts_openpyxl_would_drop_are_kept_byte_for_byte(board, tmp_path, part):
    """Once refused (openpyxl would drop them); the part-level writer copies them across."""
    data = b"<xdr:wsDr><xdr:twoCellAnchor/></xdr:wsDr>" if "drawing" in part else b"\x89 bytes"
    add_part(board, part, data)
    assert mark(board).changed
    with zipfile.ZipFile(board) as zf:
        assert zf.read(part) == data
    assert our_rules(board, "Members")

    copy = tmp_path / "marked.xlsx"
    plan = plan_marks(_report(board), dt.datetime(2024, 3, 1, 9, 0))
    result = write_xlsx_report(board, copy, plan, config(board))
    assert "was not changed" in result.message
    with zipfile.ZipFile(copy) as zf:
        assert zf.read(part) == data


def test_report_copy_never_touches_the_workbook(board, tmp_path):
    before = (board.read_bytes(), board.stat().st_mtime_ns)
    copy = tmp_path / "out" / "marked.xlsx"
    copy.parent.mkdir()
    plan = plan_marks(_report(board), dt.datetime(2024, 3, 1, 9, 0))
    result = write_xlsx_report(board, copy, plan, config(board))
    assert result.report == copy and "was not changed" in result.message
    assert (board.read_bytes(), board.stat().st_mtime_ns) == before
    assert features(copy) == features(board)
    assert list(our_rules(copy, "Members")) == [ERROR]
    with pytest.raises(SourceError, match="new file"):
        write_xlsx_report(board, board, plan, config(board))


def test_text_that_looks_like_a_formula_stays_text(board):
    risky = ["=1+2", "+44 20 8489 0000", "-5 days", "@chair", '=HYPERLINK("http://x","y")']
    plan = plan_with_messages(risky)
    write_xlsx_marks(board, plan, config(board))
    for data_only in (False, True):
        ws = load_workbook(board, data_only=data_only)["Validation"]
        assert [ws.cell(r, 5).value for r in range(5, 10)] == risky
        assert {ws.cell(r, 5).data_type for r in range(5, 10)} == {"s"}


def test_a_persons_own_validation_tab_is_never_replaced(board):
    wb = load_workbook(board)
    wb.create_sheet("Validation")["A1"] = "Roles"
    wb.save(board)
    before = board.read_bytes()
    with pytest.raises(SourceError, match="rename your tab"):
        mark(board)
    assert board.read_bytes() == before


def test_the_proof_names_what_a_save_would_change(board, tmp_path):
    plan = plan_marks(_report(board), dt.datetime(2024, 3, 1, 9, 0))
    with Package(board) as pkg:
        book = Book(pkg)
        apply_marks(book, plan)
        good = tmp_path / "good.xlsx"
        pkg.write(good)
        assert differences(pkg, good, book.people_parts()) == []

        members = book.people_parts()["Members"]
        actions = book.people_parts()["Actions"]
        with zipfile.ZipFile(good) as zf:
            members_xml = zf.read(members)
            actions_xml = zf.read(actions)
            core = zf.read("docProps/core.xml")
        bad = tmp_path / "bad.xlsx"
        assert b"<sheetData>" in members_xml and b'<autoFilter ref="A1:K4"' in actions_xml
        old_filter, new_filter = b'<autoFilter ref="A1:K4"', b'<autoFilter ref="A1:K9"'
        with Package(good) as again:  # the marked file, then changed where it must not be
            again.put(members, members_xml.replace(b"<sheetData>", b'<sheetData><row r="99"/>'))
            again.put(actions, actions_xml.replace(old_filter, new_filter))
            again.put("docProps/core.xml", core + b" ")
            again.write(bad)
        changed = differences(pkg, bad, book.people_parts())
    assert changed == [
        "docProps/core.xml",
        "Members: cells",
        "Actions: conditional formats, lists, links or layout",
    ]


def test_marks_settings_are_checked(board):
    with pytest.raises(ConfigError, match=r"marks\.backups: must be from 1 to 1000, got 0"):
        mark(board, backups=0)
    with pytest.raises(ConfigError, match=r"marks\.backup: not a setting; did you mean"):
        mark(board, backup=3)


def _report(path):
    from automations.pipeline import validate
    from tests.builders import TODAY

    return validate(config(path), TODAY).report


def test_marks_never_land_on_a_version_saved_after_the_check_read_it(tmp_path):
    import os

    from automations.backends.marks import plan_marks
    from automations.pipeline import validate

    path = board_with_findings(tmp_path / "board.xlsx")
    result = validate(config(path), dt.date(2024, 3, 1))
    wb = load_workbook(path)
    wb["Actions"]["D2"] = "Edited by an officer after the check read the file"
    wb.save(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    edited = path.read_bytes()
    with pytest.raises(SourceError, match="saved by someone else"):
        result.source.write_marks(plan_marks(result.report, dt.datetime(2024, 3, 1, 9)))
    assert path.read_bytes() == edited
