"""The coprod command as a user runs it: exit codes, JSON shape, clear messages."""

import json
import subprocess
import sys

from click.testing import CliRunner

from automations.cli import cli
from tests.builders import TODAY, tables, write_workbook


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_config(tmp_path, body: str):
    path = tmp_path / "config.toml"
    path.write_text(body)
    return path


def clean_config(tmp_path) -> str:
    write_workbook(tmp_path / "board.xlsx", tables())
    return str(write_config(tmp_path, '[source]\nkind = "xlsx"\npath = "board.xlsx"\n'))


def test_init_then_validate_in_a_fresh_folder(tmp_path):
    coprod = [sys.executable, "-m", "automations"]
    init = subprocess.run([*coprod, "init", str(tmp_path / "demo")], capture_output=True,
                          text=True, check=True)
    assert "board.xlsx" in init.stdout
    result = subprocess.run([*coprod, "validate", "--config", str(tmp_path / "demo/config.toml")],
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "Summary:" in result.stdout and "Traceback" not in result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_init_again_keeps_a_persons_files(tmp_path):
    assert run("init", str(tmp_path))[0] == 0
    (tmp_path / "config.toml").write_text("# my edits\n")
    before = (tmp_path / "board.xlsx").read_bytes()
    code, out, _ = run("init", str(tmp_path))
    assert code == 0 and out.count("Kept the existing") == 2
    assert (tmp_path / "config.toml").read_text() == "# my edits\n"
    assert (tmp_path / "board.xlsx").read_bytes() == before
    assert run("init", "--force", str(tmp_path))[0] == 0
    assert (tmp_path / "config.toml").read_text() != "# my edits\n"


def test_json_output_shape(tmp_path):
    config = clean_config(tmp_path)
    code, out, _ = run("validate", "--config", config, "--today", TODAY.isoformat(),
                       "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data == {"today": "2024-03-01", "source": "board.xlsx",
                    "counts": {"error": 0, "warning": 0, "info": 0}, "findings": []}


def test_json_findings_and_exit_status_one(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = write_config(tmp_path, '[source]\npath = "board.xlsx"\n[tor]\nmax_members = 14\n')
    code, out, _ = run("validate", "--config", str(config), "--today", "2024-03-01",
                       "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["counts"] == {"error": 1, "warning": 0, "info": 0}
    assert data["findings"][0] | {"message": ""} == {
        "rule": "tor.members.cap", "severity": "error", "sheet": "Members", "row": 16,
        "column": "Role", "cell": "D16", "value": "Member", "message": ""}


def test_warnings_only_exit_zero(tmp_path):
    config = clean_config(tmp_path)
    code, out, _ = run("validate", "--config", config, "--today", "2024-03-26")
    assert code == 0 and "[tor.actions.overdue]" in out and "Summary: 0 errors, 1 warning" in out


def test_today_from_config(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = write_config(tmp_path, 'today = 2024-03-01\n[source]\npath = "board.xlsx"\n')
    code, out, _ = run("validate", "--config", str(config), "--format", "json")
    assert json.loads(out)["today"] == "2024-03-01" and code == 0


def test_missing_config_is_exit_two_with_advice(tmp_path):
    code, _, err = run("validate", "--config", str(tmp_path / "nope.toml"))
    assert code == 2 and "coprod init" in err and "Traceback" not in err


def test_missing_workbook_is_exit_two(tmp_path):
    config = write_config(tmp_path, '[source]\npath = "gone.xlsx"\n')
    code, _, err = run("validate", "--config", str(config))
    assert code == 2 and "gone.xlsx does not exist" in err


def test_config_errors_name_the_key(tmp_path):
    cases = {
        '[source]\npath = "b.xlsx"\n[tor]\nmax_members = "20"\n': "tor.max_members",
        '[source]\npath = "b.xlsx"\n[tor]\nmax_member = 20\n': "did you mean 'max_members'",
        '[source]\nkind = "excel"\n': "source.kind",
        '[source]\nkind = "xlsx"\n': "source.path",
        'today = "tomorrow"\n[source]\npath = "b.xlsx"\n': "today:",
        '[source\npath = 1': "not valid TOML",
    }
    for body, words in cases.items():
        code, _, err = run("validate", "--config", str(write_config(tmp_path, body)))
        assert code == 2 and words in err, (body, err)


def test_bad_today_option(tmp_path):
    code, _, err = run("validate", "--config", clean_config(tmp_path), "--today", "01/03/2024")
    assert code == 2 and "2024-03-01" in err


def test_rules_command_lists_every_rule():
    from automations.rules import catalogue

    code, out, _ = run("rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [r.id for r in catalogue()]


def test_broken_schema_file_is_exit_two_naming_the_file(tmp_path):
    import shutil

    from automations.core.paths import data_path

    schemas = tmp_path / "schemas"
    shutil.copytree(data_path("sheets_schema"), schemas)
    (schemas / "actions.toml").write_text(
        (schemas / "actions.toml").read_text().replace('kind = "date"', 'kind = "when"', 1))
    write_workbook(tmp_path / "board.xlsx", tables())
    config = write_config(tmp_path, '[source]\npath = "board.xlsx"\n'
                                    '[paths]\nschema_dir = "schemas"\n')
    code, _, err = run("validate", "--config", str(config))
    assert code == 2 and "actions.toml" in err and "'when'" in err


def test_paths_that_is_not_a_table_names_the_key(tmp_path):
    config = write_config(tmp_path, 'paths = 5\n[source]\npath = "b.xlsx"\n')
    code, _, err = run("validate", "--config", str(config))
    assert code == 2 and "paths: expected a [paths] table" in err
