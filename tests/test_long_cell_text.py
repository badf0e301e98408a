"""A value longer than a cell can hold (Excel: 32,767 characters, counted in UTF-16 units) is
cut with "…" where the check writes it, in the Validation tab and in notes, so Excel never
reports the marked file as damaged (issue 27); the person's cells themselves are never cut."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from automations.app import write_back
from automations.backends.marks import MAX_CELL_TEXT, NOTE_BEGIN, NOTE_END, VALIDATION_TAB
from automations.cli import cli
from automations.core.config import parse_config
from automations.pipeline import validate
from tests.builders import TODAY, edit, tables, write_workbook
from tests.sheets_api_server import EMAIL, KEY, google_config_data, tabs_from_tables

LONG_ASCII = "x" * 40_000  # no @: an email finding quotes it whole
LONG_WIDE = "\U0001f600" * 20_000  # 20,000 characters, 40,000 UTF-16 units for Excel


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def long_board() -> dict:
    data = edit(tables(), "members", 2, Email=LONG_ASCII)
    return edit(data, "members", 3, Email=LONG_WIDE)


def assert_cut(text: str) -> None:
    assert units(text) <= MAX_CELL_TEXT
    assert "…" in text


def test_the_validation_tab_and_notes_of_an_xlsx_stay_within_a_cell(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "board.xlsx", long_board())
    before = [c.value for c in load_workbook(path)["Members"]["C"]]
    config = tmp_path / "config.toml"
    config.write_text(f'today = {TODAY}\n[source]\nkind = "xlsx"\npath = "board.xlsx"\n')
    result = CliRunner().invoke(cli, ["validate", "--write-back", "--config", str(config)])
    assert result.exit_code in (0, 1), result.output
    wb = load_workbook(path)
    texts = [
        c.value for row in wb[VALIDATION_TAB].iter_rows() for c in row if isinstance(c.value, str)
    ]
    quoting = [t for t in texts if "xxxxxxxxxx" in t or "\U0001f600" in t]
    assert len(quoting) == 2
    for text in quoting:
        assert_cut(text)
    assert all(units(t) <= MAX_CELL_TEXT for t in texts)
    members = wb["Members"]
    notes = [c.comment.text for row in members.iter_rows() for c in row if c.comment]
    long_notes = [n for n in notes if units(n) > 30_000]
    assert len(long_notes) == 2
    for note in long_notes:
        assert_cut(note)
        assert note.startswith(NOTE_BEGIN) and note.endswith(NOTE_END)
    # The person's own values are as they were.
    assert [c.value for c in members["C"]] == before


def test_the_validation_tab_and_notes_of_a_google_sheet_stay_within_a_cell(api, key_file) -> None:
    api.add_spreadsheet(KEY, tabs_from_tables(long_board()), shared={EMAIL: "writer"})
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    write_back(cfg, validate(cfg, TODAY), dt.datetime(2024, 3, 1, 9, 0))
    book = api.book(KEY)
    tab = book.sheet(VALIDATION_TAB)
    texts = [v for v in (tab.value(f"E{r}") for r in range(1, 60)) if isinstance(v, str)]
    # Google reads the 40,000 x's as too long for a cell (schema.type, not quoted); the
    # emoji address is quoted whole in its finding: 40,000 UTF-16 units.
    quoting = [t for t in texts if "\U0001f600" in t]
    assert len(quoting) == 1
    for text in quoting:
        assert_cut(text)
    members = book.sheet("Members")
    long_notes = [n for n in (members.note(f"C{r}") for r in range(2, 30)) if n and len(n) > 15_000]
    assert len(long_notes) == 1
    for note in long_notes:
        assert_cut(note)
        assert note.endswith(NOTE_END)
