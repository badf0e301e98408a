"""One settings load for every command: an unknown section, an unknown key or a wrong type is
named before any work is done, and the command exits 2. `coprod validate` checks the keys of the
sections a check reads (settings.CHECK_SECTIONS) and every section's name; the others are named
by the commands that use them (issue 27: a check starts without the digests, mail or service)."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import EXIT_FAILED, cli
from automations.settings import CHECK_SECTIONS
from automations.starter.folder import init_directory

# One wrong type per section: (section, key, value written in TOML).
WRONG_TYPES = [
    ("source", "path", "5"),
    ("tor", "max_members", '"twenty"'),
    ("paths", "state_dir", "5"),
    ("schedule", "check_every_minutes", '"often"'),
    ("digest", "board_name", "5"),
    ("mail", "retries", '"three"'),
    ("alerts", "alert_after_failures", "true"),
    ("google", "retry_attempts", '"six"'),
    ("marks", "backups", '"five"'),
    ("logging", "level", "5"),
]
SECTIONS = [section for section, _, _ in WRONG_TYPES]
COMMANDS = [
    ["validate"],
    ["run", "--once"],
    ["digest", "--preview", "preview"],
    ["status"],
]


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("board")
    init_directory(folder, force=True, today=dt.date(2024, 3, 1))
    return folder


def with_line(
    board: Path, tmp_path: Path, section: str | None, line: str, drop: str | None = None
) -> Path:
    """The example config with ``line`` added to ``[section]`` (None: at the top), and the
    lines setting ``drop`` removed (so TOML does not see a key twice)."""
    text = (board / "config.toml").read_text(encoding="utf-8")
    if drop:
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(f"{drop} ="))
    if section is None:
        text = f"{line}\n{text}"
    elif f"\n[{section}]\n" in text:
        text = text.replace(f"\n[{section}]\n", f"\n[{section}]\n{line}\n", 1)
    else:
        text += f"\n[{section}]\n{line}\n"
    tomllib.loads(text)  # the test's own config must be valid TOML
    (tmp_path / "board.xlsx").write_bytes((board / "board.xlsx").read_bytes())
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def checks_keys(command: list[str], section: str) -> bool:
    """Whether ``command`` checks the keys of ``section`` before it starts."""
    return command != ["validate"] or section in CHECK_SECTIONS


def coprod(config: Path, command: list[str]) -> tuple[int, str]:
    args = [a if a != "preview" else str(config.parent / "preview") for a in command]
    result = CliRunner().invoke(cli, [*args, "--config", str(config)])
    return result.exit_code, result.output


def test_the_example_config_passes_for_every_command(board: Path, tmp_path: Path) -> None:
    config = with_line(board, tmp_path, None, "")
    for command in COMMANDS:
        status, output = coprod(config, command)
        assert status in (0, 1), (command, output)  # 1: the sample board has error findings


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_unknown_section_is_named_with_a_suggestion(
    board: Path, tmp_path: Path, command: list[str]
) -> None:
    config = with_line(board, tmp_path, "mial", 'smtp_host = "x"')
    status, output = coprod(config, command)
    assert status == EXIT_FAILED
    assert "[mial]: not a section; did you mean [mail]?" in output
    assert not (tmp_path / "preview").exists()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_unknown_top_level_key_is_named(board: Path, tmp_path: Path, command: list[str]) -> None:
    status, output = coprod(with_line(board, tmp_path, None, "todya = 2024-03-01"), command)
    assert status == EXIT_FAILED and "todya: not a setting at the top of the file" in output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("section", SECTIONS)
def test_an_unknown_key_in_any_section_is_named(
    board: Path, tmp_path: Path, section: str, command: list[str]
) -> None:
    config = with_line(board, tmp_path, section, "smtp_hots = 1")
    status, output = coprod(config, command)
    if not checks_keys(command, section):  # the check ran without reading that section
        assert status in (0, 1) and "Summary:" in output, output
        return
    assert status == EXIT_FAILED, output
    assert f"{section}.smtp_hots: not a setting" in output
    assert "Traceback" not in output and "unexpected" not in output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("section", "key", "value"), WRONG_TYPES, ids=SECTIONS)
def test_a_wrong_type_in_any_section_is_named(
    board: Path, tmp_path: Path, section: str, key: str, value: str, command: list[str]
) -> None:
    config = with_line(board, tmp_path, section, f"{key} = {value}", drop=key)
    status, output = coprod(config, command)
    if not checks_keys(command, section):
        assert status in (0, 1) and "Summary:" in output, output
        return
    assert status == EXIT_FAILED, output
    assert f"{section}.{key}: expected" in output


def test_validate_on_a_google_sheet_checks_the_google_section(board: Path, tmp_path: Path) -> None:
    """`coprod validate` skips the keys of sections a check does not read, but a Google
    source's connection settings are read: a wrong key there is named before anything runs."""
    text = (board / "config.toml").read_text(encoding="utf-8")
    text = text.replace(
        'kind = "xlsx"\npath = "board.xlsx"\n', 'kind = "google"\nspreadsheet = "k"\n'
    )
    text = text.replace("\n[google]\n", "\n[google]\nretry_atempts = 3\n", 1)
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    status, output = coprod(config, ["validate"])
    assert status == EXIT_FAILED, output
    assert "google.retry_atempts: not a setting" in output
