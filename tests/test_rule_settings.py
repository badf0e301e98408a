"""[rules] in config.toml: a rule turned off or given another severity, built-in and local
alike, everywhere findings go (validate, its exit status, `coprod rules`); an unknown id is named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import EXIT_FAILED, EXIT_FINDINGS, EXIT_OK, cli
from tests.builders import TODAY, D, edit, tables, write_workbook

CHECKS = """
[[check]]
id = "local.actions.dropped_says_why"
tab = "Actions"
severity = "warning"
message = "Action {Action ID} was dropped: say why in Update."
when = { Status = "Dropped" }
require = ["Update"]
"""


def board(tmp_path: Path, rules: str, **cells: object) -> Path:
    """The clean board with A1 changed by ``cells``, the checks above, and [rules] lines."""
    write_workbook(tmp_path / "board.xlsx", edit(tables(), "actions", 0, **cells))
    (tmp_path / "checks.toml").write_text(CHECKS, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'today = {TODAY.isoformat()}\n[source]\npath = "board.xlsx"\n'
                      f'[rules]\nchecks_file = "checks.toml"\n{rules}\n', encoding="utf-8")
    return config


def coprod(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def findings(config: Path) -> dict[str, list[tuple[str, str]]]:
    code, out = coprod("validate", "--config", str(config), "--format", "json")
    assert code in (EXIT_OK, EXIT_FINDINGS), out
    found: dict[str, list[tuple[str, str]]] = {}
    for f in json.loads(out)["findings"]:
        found.setdefault(f["rule"], []).append((f["severity"], f["cell"]))
    return found


STALE = {"Last_update": D(2023, 12, 1)}  # A1: no update for 91 days


def test_a_built_in_rule_turned_off(tmp_path):
    assert findings(board(tmp_path, "", **STALE))["tor.actions.stale"] == [("warning", "I2")]
    config = board(tmp_path, '"tor.actions.stale" = "off"', **STALE)
    assert "tor.actions.stale" not in findings(config)
    code, out = coprod("rules", "--config", str(config))
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("tor.actions.stale "))
    assert line.split()[1] == "off"


def test_a_built_in_rule_made_an_error_even_where_it_would_warn(tmp_path):
    late = {"Due": D(2024, 2, 28), "Last_update": TODAY}  # one day late: a warning
    assert findings(board(tmp_path, "", **late))["tor.actions.overdue"] == [("warning", "F2")]
    config = board(tmp_path, '"tor.actions.overdue" = "error"', **late)
    assert findings(config)["tor.actions.overdue"] == [("error", "F2")]
    assert coprod("validate", "--config", str(config))[0] == EXIT_FINDINGS


def test_a_reading_rule_made_a_warning_changes_the_exit_status(tmp_path):
    config = board(tmp_path, "", Due="31/02/2024")
    assert findings(config)["schema.type"] == [("error", "F2")]
    assert coprod("validate", "--config", str(config))[0] == EXIT_FINDINGS
    config = board(tmp_path, '"schema.type" = "warning"', Due="31/02/2024")
    assert findings(config)["schema.type"] == [("warning", "F2")]
    assert coprod("validate", "--config", str(config))[0] == EXIT_OK


def test_a_local_check_turned_off_and_given_another_severity(tmp_path):
    rule = "local.actions.dropped_says_why"
    assert findings(board(tmp_path, ""))[rule] == [("warning", "J4")]
    assert rule not in findings(board(tmp_path, f'"{rule}" = "off"'))
    config = board(tmp_path, f'"{rule}" = "error"')
    assert findings(config)[rule] == [("error", "J4")]
    code, out = coprod("rules", "--config", str(config))
    line = next(ln for ln in out.splitlines() if ln.startswith(rule))
    assert code == 0 and line.split()[1] == "error" and f"(from {tmp_path / 'checks.toml'})" in line


def test_an_id_written_without_quotes_works_too(tmp_path):
    # TOML reads tor.actions.stale = "off" as nested tables; it means the same to an officer.
    config = board(tmp_path, 'tor.actions.stale = "off"\ntor.members.one_per_org = "error"',
                   **STALE)
    assert "tor.actions.stale" not in findings(config)


@pytest.mark.parametrize(("line", "words"), [
    ('"tor.actions.stal" = "off"',
     '[rules] "tor.actions.stal": there is no rule with this id (nor in '),
    ('"tor.actions.stal" = "off"', 'Did you mean "tor.actions.stale"?'),
    ('"local.actions.dropped" = "off"', 'Did you mean "local.actions.dropped_says_why"?'),
    ('checks_fil = "x.toml"', '[rules] "checks_fil": there is no rule with this id'),
    ('"tor.actions.stale" = "loud"',
     '[rules] "tor.actions.stale": must be one of "error", "warning", "info", "off"'),
    ('"schema.missing_tab" = "off"', '[rules] "schema.missing_tab": cannot be turned off'),
])
def test_an_unknown_id_or_value_is_refused(tmp_path, line, words):
    config = board(tmp_path, line)
    for command in (["validate"], ["rules"], ["run", "--once"]):
        code, out = coprod(*command, "--config", str(config))
        assert code == EXIT_FAILED, out
        assert words in " ".join(out.split())
    assert "Traceback" not in out


def test_without_a_checks_file_a_local_id_is_still_named(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = tmp_path / "config.toml"
    config.write_text('[source]\npath = "board.xlsx"\n[rules]\n"local.x" = "off"\n')
    code, out = coprod("validate", "--config", str(config))
    assert code == EXIT_FAILED and '[rules] "local.x": there is no rule with this id.' in out


def test_the_default_checks_file_is_in_the_schema_folder(tmp_path):
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    from automations.core.paths import data_path

    for f in data_path("sheets_schema").glob("*.toml"):
        (schema_dir / f.name).write_bytes(f.read_bytes())
    (schema_dir / "checks.toml").write_text(CHECKS, encoding="utf-8")
    write_workbook(tmp_path / "board.xlsx", tables())
    config = tmp_path / "config.toml"
    config.write_text(f'[source]\npath = "board.xlsx"\n[paths]\nschema_dir = "{schema_dir}"\n')
    assert findings(config)["local.actions.dropped_says_why"] == [("warning", "J4")]


def test_the_shipped_checks_file_changes_nothing(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = tmp_path / "config.toml"
    config.write_text(f'today = {TODAY.isoformat()}\n[source]\npath = "board.xlsx"\n')
    assert findings(config) == {}  # the shipped sheets_schema/checks.toml is read, and is empty
