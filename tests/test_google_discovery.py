"""Every call the Google backend makes is valid against the Sheets API v4 discovery document.

The document is the one google-api-python-client ships; tests/sheets_discovery.py checks field
names, types, enum values and field masks, and flags deprecated and output-only fields.
"""

from __future__ import annotations

import datetime as dt

import gspread
import pytest

from automations.app import check_access, write_back
from automations.backends.google.source import GoogleSheetSource
from automations.backends.marks import VALIDATION_TAB
from automations.core.config import parse_config
from automations.pipeline import validate
from tests.builders import TODAY, D
from tests.sheets_api_server import EMAIL, KEY, google_config_data
from tests.sheets_discovery import check_call, document, document_path, mask_problems
from tests.test_google_rewrites import busy_board

NOW = dt.datetime(2024, 3, 1, 9, 0)


def test_the_discovery_document_is_installed():
    assert document_path().is_file()
    doc = document()
    assert doc["name"] == "sheets" and doc["version"] == "v4"
    assert doc["schemas"]["CellFormat"]["properties"]["backgroundColor"]["deprecated"] is True


@pytest.mark.parametrize(("body", "kind", "where"), [
    ({"requests": [{"addConditionalFormatRule": {"index": 0, "rule": {"rangez": []}}}]},
     "unknown", "requests[0].addConditionalFormatRule.rule.rangez"),
    ({"requests": [{"deleteConditionalFormatRule": {"sheetId": "7", "index": 0}}]},
     "type", "requests[0].deleteConditionalFormatRule.sheetId"),
    ({"requests": [{"addConditionalFormatRule": {"rule": {"booleanRule": {"condition": {
        "type": "CUSTOM_FORMULAE"}}}}}]},
     "enum", "requests[0].addConditionalFormatRule.rule.booleanRule.condition.type"),
    ({"requests": [{"repeatCell": {"cell": {"userEnteredFormat": {"backgroundColor": {}}},
                                   "fields": "userEnteredFormat.backgroundColor"}}]},
     "deprecated", "requests[0].repeatCell.cell.userEnteredFormat.backgroundColor"),
    ({"requests": [{"updateCells": {"fields": "note,userEnteredFormat(bold)", "rows": []}}]},
     "mask", "requests[0].updateCells.fields"),
    ({"requests": [{"updateCells": {"rows": [{"values": [{"dataSourceFormula": {}}]}],
                                    "fields": "note"}}]},
     "read-only", "requests[0].updateCells.rows[0].values[0].dataSourceFormula"),
])
def test_the_checker_finds_each_kind_of_problem(body, kind, where):
    problems = check_call("spreadsheets.batchUpdate", body, {})
    assert [(p.kind, p.where) for p in problems] == [(kind, where)]


def test_field_masks_are_checked_against_the_right_schema():
    assert mask_problems("gridProperties.rowCount,gridProperties.frozenRowCount",
                         "SheetProperties") == []
    assert mask_problems("gridProperties.rowCount", "CellData") != []
    assert mask_problems("userEnteredFormat(backgroundColorStyle,textFormat.bold)",
                         "CellData") == []


def test_query_parameters_are_checked():
    good = {"ranges": ["'Actions'"], "valueRenderOption": ["UNFORMATTED_VALUE"]}
    assert check_call("values.batchGet", None, good) == []
    bad = check_call("values.batchGet", None, {"valueRenderOption": ["RAW"]})
    assert [p.kind for p in bad] == ["enum"]


def test_the_server_refuses_what_the_real_api_refuses(api, key_file):
    api.add_spreadsheet(KEY, {"Members": [["Name"]]}, shared={EMAIL: "writer"})
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    http = GoogleSheetSource.from_config(cfg).http  # the real gspread client, sent here
    with pytest.raises(gspread.exceptions.APIError) as caught:
        http.batch_update(KEY, {"requests": [{"repeatCell": {
            "range": {"sheetId": 0}, "cell": {"note": "x"}, "feilds": "note"}}]})
    assert caught.value.code == 400
    assert 'Unknown name "feilds"' in str(caught.value)
    assert api.book(KEY).sheet("Members").note("A1") is None  # refused whole


def test_every_call_the_service_makes_is_valid(api, key_file):
    """Every kind of write the service makes: a new Validation tab, unchanged runs, a fix,
    a person's rule moved above ours together with a change, a tab grown, the access check."""
    book = busy_board(api)
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)

    def again(hours: int) -> None:
        write_back(cfg, validate(cfg, TODAY), NOW + dt.timedelta(hours=hours))

    again(0)
    again(1)
    actions = api.book(KEY).sheet("Actions")
    actions.cells[(1, 5)]["userEnteredValue"] = {"numberValue": (D(2024, 3, 20)
                                                                 - D(1899, 12, 30)).days}
    actions.conditional_formats.insert(0, actions.conditional_formats.pop())
    again(2)
    tab = api.book(KEY).sheet(VALIDATION_TAB)
    tab.rows, tab.frozen_rows, tab.basic_filter = 4, 0, None
    again(3)
    check_access(cfg)
    kinds = {next(iter(r)) for name, body in api.requests if name == "spreadsheets.batchUpdate"
             for r in body["requests"]}
    assert {"addSheet", "addConditionalFormatRule", "updateConditionalFormatRule",
            "updateCells", "setBasicFilter", "updateSheetProperties",
            "updateSpreadsheetProperties", "updateDimensionProperties"} <= kinds
    updates = [r["updateConditionalFormatRule"] for name, body in api.requests
               if name == "spreadsheets.batchUpdate" for r in body["requests"]
               if "updateConditionalFormatRule" in r]
    assert any("newIndex" in u for u in updates) and any("rule" in u for u in updates)
    assert book is not api.book(KEY)
    calls = list(zip(api.requests, api.queries, strict=True))
    assert {name for (name, _), _ in calls} >= {"spreadsheets.get", "values.batchGet",
                                               "spreadsheets.batchUpdate"}
    problems = [f"{name}: {p}" for (name, body), (_, query) in calls
                for p in check_call(name, body if name.endswith("batchUpdate") else None,
                                    query)]
    assert problems == []
