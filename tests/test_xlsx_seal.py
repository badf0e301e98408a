"""The seal a marked workbook carries: a run with nothing new trusts it only while the file is
exactly as the check wrote it, and otherwise the full comparison decides."""

import re
import zipfile

import pytest
from openpyxl import load_workbook

from automations.backends.xlsx.marks import write_xlsx_marks
from automations.backends.xlsx.package import Package
from automations.backends.xlsx.seal import SEAL
from tests.marked_workbook import (
    EMAIL_CELL,
    board_with_findings,
    config,
    features,
    mark,
    our_rules,
    plan_with_messages,
)

OUR_RULES = re.compile(rb'<conditionalFormatting sqref="[^"]*"><cfRule[^>]*>'
                       rb"<formula>[^<]*coprod:[^<]*</formula></cfRule></conditionalFormatting>")


@pytest.fixture
def board(tmp_path):
    return board_with_findings(tmp_path / "board.xlsx")


def parts(path):
    with Package(path) as pkg:
        tabs = {s.name: s.part for s in pkg.sheets()}
    with zipfile.ZipFile(path) as zf:
        return tabs, {i.filename: zf.read(i) for i in zf.infolist()}


def rewrite(path, changed):
    """Another program edits parts of the zip in place and leaves every other part alone."""
    _, data = parts(path)
    data.update(changed)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in data.items():
            zf.writestr(name, content)


def seal_in(path):
    tabs, data = parts(path)
    found = SEAL.search(data[tabs["Validation"]][:512])
    return found.group(1) if found else None


def test_a_marked_file_is_sealed_and_a_run_with_nothing_new_leaves_it_alone(board):
    assert mark(board).changed
    assert seal_in(board) is not None
    before = board.read_bytes()
    assert not mark(board).changed
    assert board.read_bytes() == before


def test_a_part_edited_behind_the_checks_back_breaks_the_seal(board):
    """Our highlight removed from the Members sheet by a tool that kept the Validation tab (and
    its seal) as it was: the checksum of the sheet no longer matches, so the marks come back."""
    mark(board)
    tabs, data = parts(board)
    members = data[tabs["Members"]]
    stripped = OUR_RULES.sub(b"", members)
    assert stripped != members
    rewrite(board, {tabs["Members"]: stripped})
    assert seal_in(board) is not None and our_rules(board, "Members") == {}

    again = mark(board)
    assert again.changed
    assert EMAIL_CELL in next(iter(our_rules(board, "Members").values()))[0]


def test_new_words_for_the_same_cells_break_the_seal(board):
    """Same cells, same severity, new text (an action a day more overdue reads differently)."""
    cfg = config(board)
    assert write_xlsx_marks(board, plan_with_messages(["Old words."]), cfg).changed
    assert not write_xlsx_marks(board, plan_with_messages(["Old words."]), cfg).changed
    assert write_xlsx_marks(board, plan_with_messages(["New words."]), cfg).changed
    note = load_workbook(board)["Members"][EMAIL_CELL].comment.text
    assert "New words." in note and "Old words." not in note


def test_a_file_saved_by_another_program_has_no_seal_and_is_compared_in_full(board):
    mark(board)
    made = features(board)
    wb = load_workbook(board)
    wb.save(board)  # openpyxl rewrites every part, as Excel and LibreOffice do
    assert seal_in(board) is None
    before = board.read_bytes()
    assert not mark(board).changed  # the marks are still right, so nothing is written
    assert board.read_bytes() == before
    assert features(board) == made


def test_a_wrong_seal_is_never_trusted(board):
    mark(board)
    tabs, data = parts(board)
    tab = data[tabs["Validation"]]
    forged = SEAL.sub(b"<!--coprod-seal:" + b"0" * 64 + b"-->", tab, count=1)
    members = OUR_RULES.sub(b"", data[tabs["Members"]])
    rewrite(board, {tabs["Validation"]: forged, tabs["Members"]: members})
    assert mark(board).changed
    assert our_rules(board, "Members")



def test_the_bytes_hashed_are_the_same_for_equal_values_however_they_are_shared():
    import datetime as dt

    from automations.backends.xlsx.digest import plain_bytes

    word = "".join(["Over", "due"])  # a string object of its own
    shared = [(word, 1), (word, 2)]
    separate = [("".join(["Over", "due"]), 1), ("".join(["Ov", "erdue"]), 2)]
    assert plain_bytes(shared) == plain_bytes(separate)
    assert plain_bytes(shared) != plain_bytes([(word, 1), (word, 3)])
    # A value marshal cannot write (a date) is still told apart by its words.
    assert plain_bytes((dt.date(2024, 3, 1),)) != plain_bytes((dt.date(2024, 3, 2),))


def test_a_new_severity_for_the_same_words_changes_what_is_sealed():
    import dataclasses

    from automations.backends.xlsx.seal import _plan
    from automations.core.findings import Severity
    from tests.marked_workbook import plan_with_messages

    plan = plan_with_messages(["Check this email address"])
    lower = dataclasses.replace(
        plan,
        cells=tuple(dataclasses.replace(m, severity=Severity.WARNING) for m in plan.cells),
        findings=tuple(dataclasses.replace(f, severity=Severity.WARNING) for f in plan.findings),
    )
    assert _plan(plan) != _plan(lower)
    assert _plan(plan) == _plan(plan_with_messages(["Check this email address"]))
