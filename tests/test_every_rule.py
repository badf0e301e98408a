"""One workbook with something wrong for every rule: each rule fires, once read from .xlsx and
once from a Google Sheet (the real gspread and google-auth clients, the local Sheets API server),
with the same findings both ways."""

from automations.pipeline import validate
from automations.rules import catalogue
from tests.builders import TODAY, config_for, every_rule_tables, write_workbook
from tests.test_google_source import both_ways, comparable


def test_every_rule_fires(tmp_path):
    data = every_rule_tables()
    # A second "Email" column: the one problem a dict of rows cannot hold.
    headers = {"members": [*data["members"][0], "Email"]}
    path = write_workbook(tmp_path / "board.xlsx", data, headers=headers)
    report = validate(config_for(path), TODAY).report
    fired = {f.rule for f in report.findings}
    assert {r.id for r in catalogue()} - fired == {"schema.missing_tab"}


def test_google_gives_the_same_findings_for_every_rule(tmp_path, api, key_file):
    xlsx = write_workbook(tmp_path / "board.xlsx", every_rule_tables())
    from_xlsx, from_google = both_ways(tmp_path, api, key_file, xlsx)
    assert len(from_xlsx.findings) > 40
    assert comparable(from_google) == comparable(from_xlsx)
