"""The quick door for `coprod validate` (automations/launch.py) says exactly what the full
command line says: the same output, messages and exit status, run as a person runs them. Whatever
it does not handle goes to the full command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from automations.launch import QuickValidate, quick_validate
from automations.starter.folder import init_directory

QUICK = [sys.executable, "-m", "automations"]  # what `coprod` runs (pyproject's entry point)
FULL = [sys.executable, "-c", "from automations.cli import main; main()"]  # click, every time


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("board")
    init_directory(folder, force=False, today=dt.date(2026, 3, 2))
    broken = folder / "broken"
    broken.mkdir()
    (broken / "board.xlsx").write_bytes(b"this is not a workbook")
    text = (folder / "config.toml").read_text(encoding="utf-8")
    (broken / "config.toml").write_text(text, encoding="utf-8")
    (folder / "typo.toml").write_text(text.replace("[tor]", "[tor]\nmax_memberz = 3"), "utf-8")
    return folder


def both(folder: Path, args: list[str], env: dict[str, str] | None = None) -> tuple:
    runs = []
    for command in (QUICK, FULL):
        done = subprocess.run(
            [*command, *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **(env or {})},
            check=False,
        )
        runs.append((done.returncode, done.stdout, done.stderr))
    return tuple(runs)


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["validate"], 1),  # config.toml in the folder
        (["validate", "--config", "config.toml", "--today", "2026-04-01"], 1),
        (["validate", "--config=config.toml", "--format=json", "--today=2026-04-01"], 1),
        (["validate", "--format", "table", "--config", "broken/config.toml"], 2),
        (["validate", "--config", "missing.toml"], 2),
        (["validate", "--config", "typo.toml"], 2),
    ],
)
def test_the_quick_door_says_what_the_full_command_line_says(
    board: Path, args: list[str], status: int
) -> None:
    quick, full = both(board, args)
    assert quick == full
    assert quick[0] == status
    assert (quick[1] if status == 1 else quick[2]).strip()  # something was said


def test_the_config_from_the_environment(board: Path, tmp_path: Path) -> None:
    quick, full = both(tmp_path, ["validate"], {"COPROD_CONFIG": str(board / "config.toml")})
    assert quick == full and quick[0] == 1 and "error" in quick[1]


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["digest"],
        ["validate", "--help"],
        ["validate", "-h"],
        ["validate", "--write-back"],
        ["validate", "--report", "copy.xlsx"],
        ["validate", "--today", "2026-13-01"],  # click names the bad value
        ["validate", "--format", "csv"],
        ["validate", "--config"],
        ["validate", "--config="],
        ["validate", "--config", "--today", "2026-01-01"],
        ["validate", "--config", "a.toml", "--config", "b.toml"],
        ["validate", "extra"],
        ["validate", "--conf", "a.toml"],
    ],
)
def test_anything_else_goes_to_the_full_command_line(args: list[str]) -> None:
    assert quick_validate(args) is None


def test_the_options_the_quick_door_reads() -> None:
    assert quick_validate(["validate", "--today=2026-01-05", "--config", "b.toml"]) == (
        QuickValidate(Path("b.toml"), dt.date(2026, 1, 5), "table")
    )


def test_a_bad_date_is_named_by_the_full_command_line(board: Path) -> None:
    quick, full = both(board, ["validate", "--today", "2026-13-01"])
    assert quick == full
    assert quick[0] == 2 and "'2026-13-01' is not a date" in quick[2]
