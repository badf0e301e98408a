"""The same tracker shapes in Google Sheets (through the real gspread against the local Sheets
API server): the header row found the same way, and the members kept in a spreadsheet of their
own, read once and marked with only their own findings."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from automations.app import write_back
from automations.core.config import parse_config
from automations.pipeline import validate
from tests.builders import TODAY, config_for, every_rule_tables, write_workbook
from tests.shaped import TITLE, Shape, moved, write_shaped
from tests.sheets_api_server import EMAIL, KEY, google_config_data, tabs_from_xlsx
from tests.test_tracker_shapes import HINTS, expected

NOW = dt.datetime(2024, 3, 1, 9, 0)
PEOPLE = "PeopleSheetKey0123456789"
SHAPE = Shape(title=(*TITLE, ()), blank_columns=1, hints=HINTS)


def test_a_shaped_google_sheet_gives_the_plain_findings_at_its_own_rows(tmp_path, api, key_file):
    data = every_rule_tables()
    plain = validate(config_for(write_workbook(tmp_path / "plain.xlsx", data)), TODAY).report
    shaped = write_shaped(tmp_path / "shaped.xlsx", data, SHAPE)
    api.add_spreadsheet(KEY, tabs_from_xlsx(shaped), shared={EMAIL: "writer"})
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    report = validate(cfg, TODAY).report
    assert len(report.findings) > 30
    assert same(report.findings) == same(expected(plain, SHAPE))


def same(findings) -> list:
    """Findings but their ``value``: Google gives a date cell as its serial number (the
    Sheets API's SERIAL_NUMBER rendering), which the rules read as the same date."""
    return [replace(f, value=None) for f in findings]


def validation_sheets(api, key: str) -> list[str]:
    """The Sheet column of a spreadsheet's Validation tab, one entry per finding."""
    sheet = api.book(key).sheet("Validation")
    out, row = [], 5
    while sheet.value(f"B{row}") not in (None, ""):
        out.append(sheet.value(f"C{row}"))
        row += 1
    return out


def test_members_in_a_spreadsheet_of_their_own(tmp_path, api, key_file):
    data = every_rule_tables()
    plain = validate(config_for(write_workbook(tmp_path / "plain.xlsx", data)), TODAY).report
    members = {"members": data.pop("members")}
    api.add_spreadsheet(KEY, tabs_from_xlsx(write_shaped(tmp_path / "log.xlsx", data, SHAPE)),
                        title="Action log", shared={EMAIL: "writer"})
    api.add_spreadsheet(PEOPLE, tabs_from_xlsx(write_shaped(tmp_path / "m.xlsx", members, SHAPE)),
                        title="Members (restricted)", shared={EMAIL: "writer"})
    settings = google_config_data(api, key_file, KEY, TODAY)
    url = f"https://docs.google.com/spreadsheets/d/{PEOPLE}/edit#gid=0"
    settings["source"]["tabs"] = {"Members": {"url": url}}
    cfg = parse_config(settings, None)
    api.reset_counts()
    result = validate(cfg, TODAY)
    # Each spreadsheet read once: one metadata call and one values call each.
    assert (api.counts["spreadsheets.get"], api.counts["values.batchGet"]) == (2, 2)
    assert same(result.report.findings) == same(moved(f, SHAPE) for f in plain.findings)
    write_back(cfg, result, NOW)
    errors_first = sorted(result.report.findings, key=lambda f: f.severity.rank)
    own = [f.sheet for f in errors_first if f.tab == "Members"]
    others = [f.sheet for f in errors_first if f.tab != "Members"]
    assert own and others
    assert validation_sheets(api, PEOPLE) == own
    assert validation_sheets(api, KEY) == others
    assert [s.title for s in api.book(PEOPLE).sheets] == ["Members", "Validation"]
    assert "Members" not in [s.title for s in api.book(KEY).sheets]
    # A second pass finds the same and writes nothing to either spreadsheet.
    api.reset_counts()
    again = validate(cfg, TODAY)
    write_back(cfg, again, NOW + dt.timedelta(hours=1))
    assert api.counts["spreadsheets.batchUpdate"] == 0


def test_a_tab_url_that_is_not_a_google_sheet_names_the_key(tmp_path, api, key_file):
    import pytest

    from automations.core.errors import ConfigError

    settings = google_config_data(api, key_file, KEY, TODAY)
    settings["source"]["tabs"] = {"Members": {"url": "not a sheet"}}
    with pytest.raises(ConfigError, match=r"source\.tabs\.Members\.url: 'not a sheet' is not"):
        validate(parse_config(settings, None), TODAY)


def test_a_shaped_google_sheet_is_marked_on_the_same_cells_as_the_xlsx(tmp_path, api, key_file):

    from automations.backends.xlsx.marks import current_state
    from tests.test_google_marks import google_marks_state

    shaped = write_shaped(tmp_path / "shaped.xlsx", every_rule_tables(), SHAPE)
    api.add_spreadsheet(KEY, tabs_from_xlsx(shaped), shared={EMAIL: "writer"})
    xlsx_cfg = config_for(shaped)
    write_back(xlsx_cfg, validate(xlsx_cfg, TODAY), NOW)
    cfg = parse_config(google_config_data(api, key_file, KEY, TODAY), None)
    write_back(cfg, validate(cfg, TODAY), NOW)
    want = current_state(shaped)
    rules, notes, _ = google_marks_state(api.book(KEY))
    assert len(rules) > 30
    assert rules == set(want.rules) and notes == set(want.notes)
    rows = {int(re.sub(r"^[A-Z]+", "", cell)) for _, _, cell in rules}
    assert min(rows) == SHAPE.header_row  # board-wide findings at their column's header
    assert SHAPE.header_row + 1 not in rows  # nothing on the hints row
