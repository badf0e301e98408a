"""The check's notes as the file holds them: every character of the words kept, in cell order,
whether a sheet gets its first notes (written as one part) or more notes beside a person's."""

import datetime as dt
import re
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from automations.backends.marks import NOTE_BEGIN, NOTE_END, plan_marks
from automations.backends.xlsx.marks import write_xlsx_marks
from automations.core.findings import Finding, Report, Severity

AT = dt.datetime(2024, 3, 1, 9, 0)
# Out of cell order on purpose, with columns past Z and rows past 9 (A10 sorts after B9).
CELLS = {
    "AA2": "Ampersand & angle <b>brackets</b> and \"quotes\"",
    "B10": "  Starts and ends with spaces  ",
    "Z2": "A carriage\rreturn and a\ttab",
    "B9": "Plain words",
    "A10": "Café, naïve, 日本語 and an emoji 🙂",
}


def _workbook(path, person_note=None):
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    for r in range(1, 12):
        for c in range(1, 30):
            ws.cell(r, c, f"r{r}c{c}")
    if person_note:
        ws["C3"].comment = Comment(person_note, "Priya")
    wb.save(path)
    return path


def _plan(cells):
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    findings = []
    for ref, text in cells.items():
        letters, row = coordinate_from_string(ref)
        findings.append(Finding("schema.text", Severity.WARNING, text, sheet="Actions", row=row,
                                column="X", cell=ref, tab="Actions",
                                column_index=column_index_from_string(letters)))
    return plan_marks(Report(AT.date(), "board.xlsx", tuple(findings)), AT)


def _notes(path):
    ws = load_workbook(path)["Actions"]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def _order(path):
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if re.fullmatch(r"xl/(comments/)?comments?\d*\.xml", n))
        return re.findall(r'<comment ref="([A-Z]+\d+)"', z.read(name).decode())


def _ours(text):
    return f"{NOTE_BEGIN}\n• {text}\n{NOTE_END}"


def test_a_sheets_first_notes_keep_every_character_in_cell_order(tmp_path):
    path = _workbook(tmp_path / "board.xlsx")
    result = write_xlsx_marks(path, _plan(CELLS), None)
    assert result.changed
    assert _notes(path) == {ref: _ours(text) for ref, text in CELLS.items()}
    assert _order(path) == ["Z2", "AA2", "B9", "A10", "B10"]
    # The same findings again: the file already shows them, nothing is written.
    assert not write_xlsx_marks(path, _plan(CELLS), None).changed


def test_notes_added_beside_a_persons_note_keep_it_and_the_order(tmp_path):
    path = _workbook(tmp_path / "board.xlsx", person_note="Priya: ask about the budget.")
    write_xlsx_marks(path, _plan(CELLS), None)
    notes = _notes(path)
    assert notes.pop("C3") == "Priya: ask about the budget."
    assert notes == {ref: _ours(text) for ref, text in CELLS.items()}
    assert _order(path) == ["Z2", "AA2", "C3", "B9", "A10", "B10"]


def test_notes_that_change_are_rewritten_with_their_new_words(tmp_path):
    path = _workbook(tmp_path / "board.xlsx")
    write_xlsx_marks(path, _plan(CELLS), None)
    changed = {**CELLS, "B9": "New words & more", "AB11": "A new one <here>"}
    del changed["Z2"]
    assert write_xlsx_marks(path, _plan(changed), None).changed
    assert _notes(path) == {ref: _ours(text) for ref, text in changed.items()}
    assert _order(path) == ["AA2", "B9", "A10", "B10", "AB11"]


def test_a_merged_range_gets_its_note_on_its_first_cell_in_cell_order(tmp_path):
    """A mark inside a merged range is noted on the range's first cell, which can come before
    cells marked earlier in the plan's order."""
    path = _workbook(tmp_path / "board.xlsx")
    wb = load_workbook(path)
    wb["Actions"].merge_cells("C1:C5")
    wb.save(path)
    write_xlsx_marks(path, _plan({"B2": "Before the range", "C5": "In the range"}), None)
    assert _notes(path) == {"C1": _ours("In the range"), "B2": _ours("Before the range")}
    assert _order(path) == ["C1", "B2"]


def test_characters_xml_cannot_hold_are_left_out_not_a_failure(tmp_path):
    """A control character, a non-character or a lone surrogate (which a Google Sheet's JSON can
    carry) in a finding's words: the mark is written without it."""
    path = _workbook(tmp_path / "board.xlsx")
    words = {"B2": "bad \uffff char", "C3": "lone \ud800 half", "D4": "bell \x07 and 🙂"}
    assert write_xlsx_marks(path, _plan(words), None).changed
    assert _notes(path) == {"B2": _ours("bad  char"), "C3": _ours("lone  half"),
                            "D4": _ours("bell  and 🙂")}
    tab = load_workbook(path)["Validation"]
    assert sorted(tab.cell(r, 5).value for r in range(5, 8)) == [
        "bad  char", "bell  and 🙂", "lone  half"]
