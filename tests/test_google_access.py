"""`coprod check-access`: one line saying whether the service can read and write the sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from automations.cli import cli
from tests.builders import tables, write_workbook
from tests.sheets_api_server import EMAIL, FAST_RETRY, KEY, SheetsServer


def google_config(tmp_path: Path, api: SheetsServer) -> Path:
    key_file = api.add_account(tmp_path, EMAIL)
    retry = "\n".join(f"{k} = {v}" for k, v in FAST_RETRY.items())
    path = tmp_path / "config.toml"
    path.write_text(
        f'[source]\nkind = "google"\nspreadsheet = "https://docs.google.com/spreadsheets/d/{KEY}/edit"'
        f'\ncredentials = "{key_file.name}"\n\n[google]\napi_base = "{api.url}"\n{retry}\n',
        encoding="utf-8",
    )
    return path


def check_access(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check-access", "--config", str(config)])
    return result.exit_code, result.output.strip()


@pytest.mark.parametrize(("role", "code", "line"), [
    ("writer", 0, f"Can read and write 'Board tracker' as {EMAIL}."),
    ("reader", 5, f"Can read 'Board tracker' but cannot write to it: share it with {EMAIL} "
                  "as Editor."),
])
def test_one_line_for_editor_and_viewer(tmp_path, api, role, code, line):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, title="Board tracker",
                        shared={EMAIL: role})
    assert check_access(google_config(tmp_path, api)) == (code, line)
    assert api.book(KEY).title == "Board tracker"
    assert api.counts["spreadsheets.batchUpdate"] == 1


def test_not_shared_names_the_address_to_share_with(tmp_path, api):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={})
    code, output = check_access(google_config(tmp_path, api))
    assert code == 2
    assert output == (f"coprod: The service account cannot use the Google Sheet {KEY}: share "
                      f"the sheet with {EMAIL} as Editor (Share button in Google Sheets).")


def test_xlsx_workbook(tmp_path):
    write_workbook(tmp_path / "board.xlsx", tables())
    config = tmp_path / "config.toml"
    config.write_text('[source]\nkind = "xlsx"\npath = "board.xlsx"\n', encoding="utf-8")
    assert check_access(config) == (0, "Can read and write board.xlsx.")
    (tmp_path / "board.xlsx").unlink()
    code, output = check_access(config)
    assert code == 2 and "does not exist" in output
