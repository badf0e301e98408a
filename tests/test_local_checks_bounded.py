"""An officer's own pattern check is matched in time linear in the text (RE2), so a pattern like
(a+)+$ cannot stall a pass on hostile cell text; a pattern that cannot be bounded (a
back-reference, a look-ahead) is refused, naming the file and the check (issue 27)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.builders import TODAY, edit, tables, write_workbook

HOSTILE = "a" * 30_000 + "!"  # with Python's re, (a+)+$ would try 2**30000 ways here


def board(tmp_path: Path, pattern: str) -> Path:
    data = edit(tables(), "actions", 0, Update=HOSTILE)
    for row in (1, 2):
        edit(data, "actions", row, Update="aaa")  # text the pattern accepts
    write_workbook(tmp_path / "board.xlsx", data)
    (tmp_path / "checks.toml").write_text(
        f'[[check]]\nid = "local.actions.update_shape"\ntab = "Actions"\nseverity = "warning"\n'
        'message = "Update of {Action ID} looks wrong."\n'
        f"pattern = {{ Update = '{pattern}' }}\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'today = {TODAY}\n[source]\npath = "board.xlsx"\n[rules]\nchecks_file = "checks.toml"\n'
    )
    return config


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    # The timeout only stops a stalled run from hanging the suite: it asserts nothing.
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "automations",
            "validate",
            "--format",
            "json",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_catastrophic_pattern_runs_on_hostile_text_and_finds_it(tmp_path: Path) -> None:
    done = validate(board(tmp_path, "(a+)+$"))
    assert done.returncode in (0, 1), done.stderr
    found = [
        f for f in json.loads(done.stdout)["findings"] if f["rule"] == "local.actions.update_shape"
    ]
    # The hostile cell's action, and only it: the others' updates match.
    hostile = tables()["actions"][0]["Action ID"]
    assert [f["message"] for f in found] == [f"Update of {hostile} looks wrong."]


def test_a_pattern_that_cannot_be_bounded_is_refused_naming_the_check(tmp_path: Path) -> None:
    done = validate(board(tmp_path, r"^(a)\1$"))
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert str(tmp_path / "checks.toml") in said
    assert "check 'local.actions.update_shape'" in said
    assert "cannot be matched in a bounded time" in said
    assert "Traceback" not in said and "unexpected error" not in said and "re2.cc" not in said
