"""The Google Sheets backend reads the same board as the .xlsx backend and finds the same.

Real gspread and google-auth clients talk HTTP to tests/sheets_api_server.py on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from automations.backends.google.source import GoogleSheetSource, raw_table, spreadsheet_key
from automations.core.config import parse_config
from automations.core.errors import SourceError
from automations.pipeline import validate
from automations.starter.sample import build_sample
from tests.builders import TODAY, D, Tables, config_for, edit, tables, write_workbook
from tests.sheets_api_server import (
    EMAIL,
    KEY,
    SheetsServer,
    google_config_data,
    tabs_from_tables,
    tabs_from_xlsx,
)


def google_cfg(api: SheetsServer, key_file: Path, spreadsheet: str = KEY, **google: object):
    return parse_config(google_config_data(api, key_file, spreadsheet, TODAY, **google), None)


def both_ways(tmp_path: Path, api: SheetsServer, key_file: Path, xlsx: Path):
    """Findings from the .xlsx file and from a Google Sheet holding the same cells."""
    api.add_spreadsheet(KEY, tabs_from_xlsx(xlsx), title="Board tracker",
                        shared={EMAIL: "writer"})
    from_xlsx = validate(config_for(xlsx), TODAY).report
    from_google = validate(google_cfg(api, key_file), TODAY).report
    return from_xlsx, from_google


def comparable(report) -> list[tuple[object, ...]]:
    return [(f.rule, f.severity, f.sheet, f.row, f.column, f.cell, f.message)
            for f in report.findings]


def _missing_tab(data: Tables) -> Tables:
    del data["meetings"]
    return data


def _renamed_column(data: Tables) -> Tables:
    for row in data["actions"]:
        row["Ownr"] = row.pop("Owner")
    return data


def _many_problems(data: Tables) -> Tables:
    edit(data, "members", 3, Joined="31/02/2023", Agreed_ToR="maybe", Email="not-an-email")
    edit(data, "members", 4, Role="Co-chair (resident)")
    edit(data, "actions", 0, Due=D(2024, 1, 2), Owner="Nobody")
    edit(data, "actions", 1, Status="Done", Completed_on=None)
    edit(data, "meetings", 1, **{"Length (hours)": 3.5, "Minute-taker": None})
    edit(data, "projects", 0, Objectives="", EQIA_completed=False)
    data["members"].insert(6, {k: None for k in data["members"][0]})  # a blank row
    data["actions"].append({**data["actions"][0], "Action ID": "A1", "Due": D(2024, 3, 30)})
    return data


SCENARIOS: dict[str, Callable[[Tables], Tables]] = {
    "clean": lambda data: data,
    "missing tab": _missing_tab,
    "renamed column": _renamed_column,
    "many problems": _many_problems,
    "overdue and due soon": lambda data: edit(edit(data, "actions", 0, Due=D(2024, 3, 4)),
                                               "actions", 1, Status="Open"),
    "booleans and text dates": lambda data: edit(
        edit(data, "members", 2, Agreed_ToR=True, Joined="1 November 2023"),
        "meetings", 0, **{"Actions followed up": False}),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_same_findings_as_xlsx(tmp_path, api, key_file, scenario):
    xlsx = write_workbook(tmp_path / "board.xlsx", SCENARIOS[scenario](tables()))
    from_xlsx, from_google = both_ways(tmp_path, api, key_file, xlsx)
    assert comparable(from_google) == comparable(from_xlsx)
    if scenario != "clean":
        assert from_google.findings  # the scenario really does break rules
    assert from_google.source == "Board tracker"


def test_sample_board_same_findings_as_xlsx(tmp_path, api, key_file):
    xlsx = build_sample(tmp_path / "sample.xlsx", TODAY)
    from_xlsx, from_google = both_ways(tmp_path, api, key_file, xlsx)
    assert len(from_google.findings) > 5
    assert comparable(from_google) == comparable(from_xlsx)


def test_reads_unformatted_values_with_serial_dates(api, key_file):
    api.add_spreadsheet(KEY, {"Members": [["Name", "Joined", "Agreed ToR", "Length"],
                                          ["Ada", dt.date(2024, 3, 1), True, 2.5],
                                          [None, None, None, None],
                                          ["=not a formula", None, False, 2]]},
                        shared={EMAIL: "reader"})
    raw = GoogleSheetSource.from_config(google_cfg(api, key_file)).read()
    table = raw.tables["Members"]
    assert table.header == ["Name", "Joined", "Agreed ToR", "Length"]
    assert table.rows == [(2, ("Ada", 45352, True, 2.5)), (4, ("=not a formula", None, False, 2))]
    assert api.counts["values.batchGet"] == 1 and api.counts["spreadsheets.get"] == 1


def test_raw_table_matches_xlsx_shape():
    table = raw_table("T", [["A", "B", "C"], ["x"], [], ["", "", ""], ["y", "", 3, "extra"]])
    assert table.header == ["A", "B", "C"]
    assert table.rows == [(2, ("x",)), (5, ("y", None, 3))]  # cut to the header's width


@pytest.mark.parametrize("rows", [10, 5000])
def test_read_calls_do_not_grow_with_rows(tmp_path, api, key_file, rows):
    data = tables()
    template = data["actions"][0]
    data["actions"] = [{**template, "Action ID": f"A{i}"} for i in range(rows)]
    api.add_spreadsheet(KEY, tabs_from_tables(data), shared={EMAIL: "writer"})
    api.reset_counts()
    validate(google_cfg(api, key_file), TODAY)
    assert dict(api.counts) == {"token": 1, "spreadsheets.get": 1, "values.batchGet": 1}


def test_spreadsheet_key_from_address_or_key():
    url = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
    assert spreadsheet_key(url) == KEY
    assert spreadsheet_key(f"  {KEY} ") == KEY
    from automations.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"source\.spreadsheet: 'my board' is not a Google"):
        spreadsheet_key("my board")


# ---------------------------------------------------------------- clear messages


def read_error(cfg) -> str:
    with pytest.raises(SourceError) as err:
        GoogleSheetSource.from_config(cfg).read()
    return str(err.value)


def test_not_shared_says_which_address_to_share_with(api, key_file):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={"someone@example.org": "writer"})
    message = read_error(google_cfg(api, key_file))
    assert f"share the sheet with {EMAIL} as Editor" in message


def test_wrong_key_or_address(api, key_file):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={EMAIL: "writer"})
    message = read_error(google_cfg(api, key_file, spreadsheet="1SomeOtherKey_0123456789"))
    assert "There is no Google Sheet with the key 1SomeOtherKey_0123456789" in message
    assert "[source] spreadsheet" in message


def test_missing_key_file(api, tmp_path):
    cfg = google_cfg(api, tmp_path / "nowhere.json")
    message = read_error(cfg)
    assert f"The Google key file {tmp_path / 'nowhere.json'} does not exist" in message


def test_key_from_environment_variable(api, key_file, monkeypatch):
    api.add_spreadsheet(KEY, {"Members": [["Name"], ["Ada"]]}, shared={EMAIL: "reader"})
    data = google_config_data(api, key_file, KEY)
    data["source"]["credentials"] = "env:COPROD_TEST_KEY"
    monkeypatch.setenv("COPROD_TEST_KEY", str(key_file))
    raw = GoogleSheetSource.from_config(parse_config(data, None)).read()
    assert raw.tables["Members"].rows == [(2, ("Ada",))]
    monkeypatch.delenv("COPROD_TEST_KEY")
    from automations.core.errors import ConfigError

    with pytest.raises(ConfigError, match="COPROD_TEST_KEY is not set"):
        GoogleSheetSource.from_config(parse_config(data, None))


def test_key_file_that_is_not_a_key(api, tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "service_account", "client_email": "x@y"}', encoding="utf-8")
    message = read_error(google_cfg(api, bad))
    assert "is not a service account key file" in message


def test_key_the_token_service_does_not_know(api, tmp_path):
    other = SheetsServer()  # a key made elsewhere: this server has never seen it
    other.url = api.url
    stranger = other.add_account(tmp_path, "stranger@board-test.iam.gserviceaccount.com")
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={EMAIL: "writer"})
    message = read_error(google_cfg(api, stranger))
    assert "Google did not accept the service account key" in message
    assert "stranger@board-test.iam.gserviceaccount.com" in message
    assert "PRIVATE KEY" not in message


def test_missing_tab_and_column_are_findings_not_crashes(api, key_file):
    data = _renamed_column(_missing_tab(tables()))
    api.add_spreadsheet(KEY, tabs_from_tables(data), shared={EMAIL: "writer"})
    report = validate(google_cfg(api, key_file), TODAY).report
    rules = {(f.rule, f.sheet, f.column) for f in report.findings if f.rule.startswith("schema.")}
    assert ("schema.missing_tab", "Meetings", None) in rules
    assert ("schema.missing_column", "Actions", "Owner") in rules
    missing = next(f for f in report.findings if f.rule == "schema.missing_tab")
    assert "'Members', 'Projects', 'Actions'" in missing.message
