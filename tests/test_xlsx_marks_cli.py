"""`coprod validate --write-back` and `--report FILE.xlsx`, run as a person runs them."""

import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from tests.marked_workbook import board_with_findings


@pytest.fixture
def folder(tmp_path):
    board_with_findings(tmp_path / "board.xlsx")
    (tmp_path / "config.toml").write_text(
        'today = 2024-03-01\n[source]\nkind = "xlsx"\npath = "board.xlsx"\n[marks]\nbackups = 3\n',
        encoding="utf-8",
    )
    return tmp_path


def coprod(folder, *args):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from automations.cli import main; main()",
            "validate",
            "--config",
            str(folder / "config.toml"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_write_back_marks_the_workbook_and_keeps_json_output_clean(folder):
    first = coprod(folder, "--write-back", "--format", "json")
    assert first.returncode == 1  # one error finding, as without --write-back
    assert json.loads(first.stdout)["counts"] == {"error": 1, "warning": 1, "info": 0}
    assert "Marked 2 cells in board.xlsx" in first.stderr
    assert "Validation" in load_workbook(folder / "board.xlsx").sheetnames
    assert len(list((folder / "backups").iterdir())) == 1

    second = coprod(folder, "--write-back")
    assert second.returncode == 1
    assert "already shows these findings, so it was not rewritten" in second.stderr


def test_report_writes_a_marked_copy_only(folder):
    board = folder / "board.xlsx"
    before = board.read_bytes()
    result = coprod(folder, "--report", str(folder / "marked.xlsx"))
    assert result.returncode == 1
    assert "board.xlsx was not changed" in result.stderr
    assert board.read_bytes() == before
    assert load_workbook(folder / "marked.xlsx").sheetnames[-1] == "Validation"


def test_refusals_are_one_clear_line_and_exit_2(folder):
    both = coprod(folder, "--write-back", "--report", str(folder / "x.xlsx"))
    assert both.returncode == 2 and "not both" in both.stderr

    (folder / ".~lock.board.xlsx#").write_text("someone")
    locked = coprod(folder, "--write-back")
    assert locked.returncode == 2
    assert locked.stderr.startswith("coprod: board.xlsx is open in Excel or LibreOffice")
    assert "Traceback" not in locked.stderr


def test_a_report_that_cannot_be_written_is_a_clear_message(folder):
    before = (folder / "board.xlsx").read_bytes()
    # /sys refuses new files even to root: the same as a folder the user may not write to.
    result = coprod(folder, "--report", "/sys/marked.xlsx")
    assert result.returncode == 2
    assert "marked.xlsx could not be written in" in result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
    assert (folder / "board.xlsx").read_bytes() == before
