"""The officers' own checks (checks.toml): each test kind fires on the right cell with its
message filled in, and not where `when` does not hold or a side is blank.

Every board is a real .xlsx and every config a real file read by the one settings load.
Actions columns: A Action ID, B Raised, C Project ID, D Action, E Owner, F Due, G Status,
H Completed on, I Last update, J Update. Rows: 2 A1 (Open), 3 A2 (Done), 4 A3 (Dropped).
Members: A Member ID, B Name, C Email; M01 on row 2.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from openpyxl.utils import get_column_letter

from automations.core.findings import Report
from automations.core.paths import data_path
from automations.pipeline import validate
from automations.settings import load_settings
from tests.builders import TODAY, Tables, edit, tables, write_workbook

D = dt.date


def run_checks(
    tmp_path: Path, data: Tables, checks: str, rules: str = "", paths: str = ""
) -> Report:
    write_workbook(tmp_path / "board.xlsx", data)
    (tmp_path / "checks.toml").write_text(checks, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'today = {TODAY.isoformat()}\n[source]\npath = "board.xlsx"\n'
        f'[rules]\nchecks_file = "checks.toml"\n{rules}\n{paths}',
        encoding="utf-8",
    )
    return validate(load_settings(config), TODAY).report


def local(report: Report) -> list[tuple[str, str, str | None, str]]:
    return [(f.severity.value, f.sheet or "", f.cell, f.message) for f in report.findings
            if f.rule.startswith("local.")]


def check(test: str, tab: str = "Actions", when: str = "", severity: str = "warning",
          message: str = "Look at {Action ID}.") -> str:
    lines = ["[[check]]", 'id = "local.test"', f'tab = "{tab}"', f'severity = "{severity}"',
             f"message = {message!r}".replace("'", '"'), test]
    if when:
        lines.append(f"when = {when}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- require


def test_require_fires_on_the_blank_cell_only_where_when_holds(tmp_path):
    found = local(run_checks(tmp_path, tables(), check(
        'require = ["Update"]', when='{ Status = "Dropped" }',
        message="Action {Action ID} is {Status}: say why in Update ({Update}).")))
    # A1 (Open) also has a blank Update, but `when` does not hold for it.
    assert found == [("warning", "Actions", "J4", "Action A3 is Dropped: say why in Update "
                      "((blank)).")]


def test_require_with_a_list_in_when_aliases_and_a_tab_alias(tmp_path):
    data = edit(tables(), "actions", 1, Update="  ")  # A2, Done: spaces are blank
    found = local(run_checks(tmp_path, data, check(
        'require = ["Progress", "Completed"]',  # aliases of Update and Completed on
        tab="Action log", when='{ "status" = ["Done", "cancelled"] }')))  # an alias of Dropped
    assert found == [("warning", "Actions", "J3", "Look at A2."),
                     ("warning", "Actions", "H4", "Look at A3."),
                     ("warning", "Actions", "J4", "Look at A3.")]


# ---------------------------------------------------------------- compare


def test_compare_dates_points_at_the_left_side_with_dates_in_words(tmp_path):
    data = edit(tables(), "actions", 0, Due="1/2/2024")  # typed day first: before Raised
    found = local(run_checks(tmp_path, data, check(
        'compare = "Due >= Raised"', severity="error",
        message="Action {Action ID} is due on {Due}, before it was raised on {Raised}.")))
    assert found == [("error", "Actions", "F2",
                      "Action A1 is due on 1 February 2024, before it was raised on "
                      "28 February 2024.")]


def test_compare_does_not_apply_with_a_blank_side_or_when_false(tmp_path):
    data = edit(tables(), "actions", 1, Due=D(2024, 1, 1))  # A2 (Done): before Raised
    # A3 has no Due at all: a blank side, so the check does not apply to it.
    found = local(run_checks(tmp_path, data, check(
        'compare = "Due>=Raised"', when='{ Status = ["Open", "In progress"] }')))
    assert found == []
    found = local(run_checks(tmp_path, data, check('compare = "Due >= Raised"')))
    assert found == [("warning", "Actions", "F3", "Look at A2.")]


def test_compare_text_ignores_case_and_spaces(tmp_path):
    data = edit(tables(), "actions", 0, Owner="m03", Action="M03 ")
    found = local(run_checks(tmp_path, data, check('compare = "Owner != Action"')))
    assert found == [("warning", "Actions", "E2", "Look at A1.")]


def test_compare_numbers_as_numbers_in_a_column_an_officer_added(tmp_path):
    # An officer adds two number columns to the Projects schema, then compares them.
    schema_dir = tmp_path / "schema"
    shutil.copytree(data_path("sheets_schema"), schema_dir)
    with (schema_dir / "projects.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[column]]\nname = "Budget"\nfield = "budget"\nkind = "number"\n'
                'header = "optional"\n'
                '\n[[column]]\nname = "Spent"\nfield = "spent"\nkind = "number"\n'
                'header = "optional"\n')
    data = tables()
    data["projects"][0].update({"Budget": "9", "Spent": 10})
    data["projects"].append({**data["projects"][0], "Project ID": "P02", "Budget": 10,
                             "Spent": "9"})  # as text "9" > "10": numbers must not be text
    found = local(run_checks(tmp_path, data, check(
        'compare = "Spent <= Budget"', tab="Projects",
        message="{Project ID}: {Spent} > {Budget}"),
        paths=f'[paths]\nschema_dir = "{schema_dir}"\n'))
    spent = get_column_letter(list(data["projects"][0]).index("Spent") + 1)
    assert found == [("warning", "Projects", f"{spent}2", "P01: 10 > 9")]


# ---------------------------------------------------------------- unique


def test_unique_points_at_the_later_row_ignoring_case_and_spaces(tmp_path):
    data = edit(tables(), "members", 5, Email="  M01@Example.org ")
    found = local(run_checks(tmp_path, data, check(
        'unique = "E-mail"', tab="Members", severity="error",
        message="{Name} shares an email address with another member.")))
    assert found == [("error", "Members", "C7", "Fay Carer shares an email address with "
                      "another member. (The same Email is on row 2.)")]


def test_unique_only_among_rows_where_when_holds(tmp_path):
    data = edit(tables(), "members", 5, Email="m01@example.org", Left=D(2024, 1, 1))
    found = local(run_checks(tmp_path, data, check(
        'unique = "Email"', tab="Members", message="{Name}",
        when='{ Role = ["Member"] }')))  # M01 is a co-chair: no duplicate among members
    assert found == []


# ---------------------------------------------------------------- pattern


def test_pattern_must_match_the_whole_cell(tmp_path):
    data = edit(tables(), "members", 2, Member_ID="m3")
    edit(data, "members", 3, Member_ID="M04x")
    found = local(run_checks(tmp_path, data, check(
        "pattern = { \"Member ID\" = '^M[0-9]{2,3}' }", tab="Members",
        message="Member ID {Member ID} should look like M07.")))
    assert found == [("warning", "Members", "A4", "Member ID m3 should look like M07."),
                     ("warning", "Members", "A5", "Member ID M04x should look like M07.")]


def test_pattern_skips_blank_cells_and_rows_where_when_fails(tmp_path):
    data = edit(tables(), "members", 2, Organisation="speak up")  # lower case first letter
    found = local(run_checks(tmp_path, data, check(
        'pattern = { Organisation = "[A-Z].*" }', tab="Members", message="{Organisation}",
        when='{ Category = "Resident" }')))
    # Blank organisations and the lower-case one of a non-resident would not fire.
    assert found == [("warning", "Members", "G4", "speak up")]
    edit(data, "members", 2, Category="Provider")
    assert local(run_checks(tmp_path, data, check(
        'pattern = { Organisation = "[A-Z].*" }', tab="Members", message="{Organisation}",
        when='{ Category = "Resident" }'))) == []


# ---------------------------------------------------------------- one_of


def test_one_of_fires_where_when_holds(tmp_path):
    data = edit(tables(), "projects", 0, Participation_level="Consult")
    data["projects"].append({**data["projects"][0], "Project ID": "P02",
                             "Stage": "Initiation", "Participation level": "Inform"})
    found = local(run_checks(tmp_path, data, check(
        'one_of = { "Participation level" = ["Collaborate", "empower"] }', tab="Projects",
        when='{ Stage = "During" }',
        message="{Project ID} is at {Participation level} while {Stage}.")))
    assert found == [("warning", "Projects", "G2", "P01 is at Consult while During.")]


def test_one_of_on_a_list_column_checks_every_item(tmp_path):
    data = edit(tables(), "projects", 0, Co_production="Co-design; Co-evaluation")
    found = local(run_checks(tmp_path, data, check(
        'one_of = { "Co-production" = ["Co-design", "Co-delivery"] }', tab="Projects",
        message="{Co-production}")))
    assert found == [("warning", "Projects", "F2", "Co-design; Co-evaluation")]


def test_when_on_a_yes_no_column_with_a_toml_boolean(tmp_path):
    data = edit(tables(), "actions", 0, Confidential="Yes")
    found = local(run_checks(tmp_path, data, check(
        'one_of = { Status = ["Open"] }', when="{ Confidential = true }",
        message="{Action ID} {Confidential}")))
    assert found == []  # A1 is confidential and Open
    edit(data, "actions", 0, Status="In progress")
    found = local(run_checks(tmp_path, data, check(
        'one_of = { Status = ["Open"] }', when="{ Confidential = true }",
        message="{Action ID} {Confidential}")))
    assert found == [("warning", "Actions", "G2", "A1 Yes")]


def test_an_unreadable_cell_is_left_to_schema_type(tmp_path):
    data = edit(tables(), "actions", 0, Due="31/02/2024")
    report = run_checks(tmp_path, data, check('compare = "Due >= Raised"'))
    assert local(report) == []
    assert [f.cell for f in report.findings if f.rule == "schema.type"] == ["F2"]


def test_when_on_a_text_column_ignores_case_and_braces_stay_braces(tmp_path):
    data = edit(tables(), "actions", 0, Owner="m03 ")
    found = local(run_checks(tmp_path, data, check(
        'require = ["Update"]', when='{ Owner = "M03" }',
        message="{{Update}} is blank for {Action ID} ({Owner}).")))
    assert found == [("warning", "Actions", "J2", "{Update} is blank for A1 (m03).")]


def test_a_summary_is_what_coprod_rules_shows(tmp_path):
    from click.testing import CliRunner

    from automations.cli import cli

    text = check('require = ["Update"]') + 'summary = "An action has no update."\n'
    run_checks(tmp_path, tables(), text)
    result = CliRunner().invoke(cli, ["rules", "--config", str(tmp_path / "config.toml")])
    line = next(ln for ln in result.output.splitlines() if ln.startswith("local.test "))
    assert line.split(None, 2)[2] == f"An action has no update. (from {tmp_path / 'checks.toml'})"
