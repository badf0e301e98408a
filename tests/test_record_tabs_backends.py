"""The co-production record's four tabs (issue 31) read back the same through every backend:
the .xlsx file, the local Google Sheets API server and the local Microsoft 365 server, under
their usual names and under names a real tracker uses."""

from __future__ import annotations

from dataclasses import astuple

from automations.pipeline import validate
from tests.builders import TODAY, config_for, edit, tables, write_workbook
from tests.sheets_api_server import EMAIL, KEY, tabs_from_xlsx
from tests.test_google_source import google_cfg
from tests.test_m365_source import comparable, m365_cfg

RECORD_TABS = ("subgroups", "engagement", "you_said_we_did", "recognition")
OTHER_NAMES = {
    "subgroups": "T&F groups",
    "engagement": "Engagement log",
    "you_said_we_did": "YSWD",
    "recognition": "Payments & thanks",
}


def _board_with_problems(tmp_path):
    data = edit(tables(), "recognition", 0, Amount=-30)
    edit(data, "you_said_we_did", 1, Source="Fay Carer")
    edit(data, "engagement", 1, Residents="a dozen")
    return write_workbook(tmp_path / "board.xlsx", data, tab_names=OTHER_NAMES)


def records(validation) -> dict[str, list[tuple[object, ...]]]:
    board = validation.board
    return {key: [astuple(r) for r in getattr(board, key).records] for key in RECORD_TABS}


def test_the_four_tabs_round_trip_through_google_and_microsoft_365(tmp_path, api, key_file, graph):
    xlsx = _board_with_problems(tmp_path)
    local = validate(config_for(xlsx), TODAY)
    api.add_spreadsheet(KEY, tabs_from_xlsx(xlsx), title="Board tracker", shared={EMAIL: "writer"})
    google = validate(google_cfg(api, key_file), TODAY)
    graph.add_item(xlsx.read_bytes())
    m365 = validate(m365_cfg(graph), TODAY)
    expected = records(local)
    assert [len(rows) for rows in expected.values()] == [1, 3, 3, 3]
    assert local.board.engagement.title == "Engagement log"
    # The raw cells differ in type between backends (a Google date is a serial number), so
    # the typed fields are compared, not the raw dicts.
    for other in (google, m365):
        assert {k: [(row[0], *row[2:]) for row in v] for k, v in records(other).items()} == {
            k: [(row[0], *row[2:]) for row in v] for k, v in expected.items()
        }
        assert comparable(other.report) == comparable(local.report)
    rules = {f.rule for f in local.report.findings}
    assert {"tor.recognition.amount", "tor.feedback.source_personal", "schema.type"} <= rules
