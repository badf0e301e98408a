"""A bad checks.toml is refused when the settings are loaded: exit 2, the file, the check's id
and what to fix are named, and nothing is done (no marks, no digests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import EXIT_FAILED, cli
from tests.builders import tables, write_workbook

GOOD = """
[[check]]
id = "local.actions.due_after_raised"
tab = "Actions"
severity = "error"
message = "Action {Action ID} is due before it was raised."
compare = "Due >= Raised"
"""


def bad(**keys: str) -> str:
    """A second check, with ``keys`` as written in TOML (None drops a key)."""
    base = {"id": '"local.x"', "tab": '"Actions"', "severity": '"warning"',
            "message": '"Look at {Action ID}."', "require": '["Update"]'}
    base.update(keys)
    body = "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)
    return f"{GOOD}\n[[check]]\n{body}\n"


# (what is wrong, the checks file, words the message must hold)
REFUSED = [
    ("unknown key", bad(requires='["Update"]', require=None),
     ["'requires' is not a key of a check; did you mean 'require'?"]),
    ("unknown header", bad(require='["Updates", "Notes"]'),
     ["require: 'Updates' is not a column of the Actions tab. Did you mean 'Update'?"]),
    ("unknown header in when", bad(when='{ Stat = "Open" }'),
     ["when: 'Stat' is not a column of the Actions tab"]),
    ("unknown placeholder", bad(message='"Ask {Owner name}."'),
     ["message placeholder {Owner name}: 'Owner name' is not a column"]),
    ("bad regular expression", bad(require=None, pattern="{ \"Action ID\" = '^A[0-9+$' }"),
     ["pattern 'Action ID': '^A[0-9+$' is not a valid regular expression"]),
    ("compare a date and a text", bad(require=None, compare='"Due > Owner"'),
     ["Due is a date column and Owner is a text column, so they cannot be compared"]),
    ("compare without an operator", bad(require=None, compare='"Due after Raised"'),
     ["compare: write two headers and one of < <= > >= = != between them"]),
    ("duplicate id", bad(id='"local.actions.due_after_raised"'),
     ["check 'local.actions.due_after_raised': the id is used by two checks"]),
    ("missing message", bad(message=None), ["message is missing"]),
    ("id without local.", bad(id='"actions.x"'), ['the id must start with "local."']),
    ("no id", bad(id=None), ["check number 2 (it has no id)", "give it an id"]),
    ("unknown tab", bad(tab='"Action"'), ["tab 'Action' is not a tab of the board"]),
    ("bad severity", bad(severity='"high"'), ["severity must be one of 'error', 'warning'"]),
    ("no test", bad(require=None), ["give exactly one test", "(found: none)"]),
    ("two tests", bad(unique='"Action ID"'), ["(found: require, unique)"]),
    ("a value the column does not allow", bad(when='{ Status = "Blocked" }'),
     ["when 'Status': 'Blocked' is not one of the allowed values", "sheets_schema/actions.toml"]),
    ("a date that is not one", bad(when='{ Due = "soon" }'), ["when 'Due': 'soon' is not a date"]),
    ("pattern on a date column", bad(require=None, pattern='{ Due = "2024.*" }'),
     ["pattern: Due is a date column"]),
    ("one_of not a list", bad(require=None, one_of='{ Status = "Open" }'),
     ["one_of 'Status': give the values as a list"]),
    ("unmatched brace", bad(message='"Look at {Action ID."'), ["'{' or '}' is unmatched"]),
]


def refused(tmp_path: Path, checks: str, *args: str) -> str:
    if not (tmp_path / "board.xlsx").exists():  # once: a rewrite carries a new save time
        write_workbook(tmp_path / "board.xlsx", tables())
    (tmp_path / "checks.toml").write_text(checks, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[source]\npath = "board.xlsx"\n[rules]\nchecks_file = "checks.toml"\n')
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    assert result.exit_code == EXIT_FAILED, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    return result.output


@pytest.mark.parametrize(("checks", "words"), [(c, w) for _, c, w in REFUSED],
                         ids=[what for what, _, _ in REFUSED])
def test_every_bad_definition_exits_2_naming_the_file_and_the_check(tmp_path, checks, words):
    output = " ".join(refused(tmp_path, checks, "validate").split())
    assert str(tmp_path / "checks.toml") in output
    if "no id" not in words[0]:
        expected = "local.actions.due_after_raised" if "duplicate" in words[0] else None
        assert f"check '{expected or _id_of(checks)}'" in output
    for w in words:
        assert w in output, output


def _id_of(checks: str) -> str:
    second = checks.split("[[check]]")[2]
    return next(line.split('"')[1] for line in second.splitlines() if line.startswith("id ="))


def test_nothing_is_half_applied_by_write_back_run_or_digest(tmp_path):
    checks = bad(require='["Updates"]')
    before = None
    for command in (["validate", "--write-back"], ["run", "--once"],
                    ["digest", "--preview", str(tmp_path / "preview")], ["rules"]):
        output = refused(tmp_path, checks, *command)
        assert "'Updates' is not a column" in output
        if before is None:
            before = (tmp_path / "board.xlsx").read_bytes()
    assert (tmp_path / "board.xlsx").read_bytes() == before  # never marked
    assert not (tmp_path / "preview").exists() and not (tmp_path / "outbox").exists()
    assert not (tmp_path / "state").exists()


def test_not_toml_names_the_file_and_line(tmp_path):
    output = refused(tmp_path, GOOD + '\n[[check]]\nid = "local.y\n', "validate")
    assert f"{tmp_path / 'checks.toml'} is not valid TOML" in output and "line 10" in output


def test_a_table_instead_of_a_list_of_checks(tmp_path):
    output = refused(tmp_path, '[check]\nid = "local.x"\n', "validate")
    assert "write each check as a [[check]] table" in output


def test_a_missing_checks_file_named_in_config(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = tmp_path / "config.toml"
    config.write_text('[source]\npath = "board.xlsx"\n[rules]\nchecks_file = "mine.toml"\n')
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == EXIT_FAILED
    assert f"rules.checks_file: there is no checks file at {tmp_path / 'mine.toml'}" in (
        result.output)
