"""Schema rules: the shape of the workbook and of each cell."""

import datetime as dt

import pytest

from tests.builders import TODAY, check, edit, fired, tables, where, write_workbook


def test_missing_tab_names_tabs_found_and_skips_its_rules(tmp_path):
    data = tables()
    del data["actions"]  # Members and Actions are required: a missing one is an error
    report = check(tmp_path, data)
    missing = fired(report, "schema.missing_tab")
    assert [(f.severity.value, f.sheet, f.row, f.cell) for f in missing] == [
        ("error", "Actions", None, None)]
    assert "'Members', 'Projects', 'Meetings'" in missing[0].message
    assert not [f for f in report.findings if f.rule.startswith("tor.actions")]


def test_missing_optional_tab_is_information_and_skips_its_rules(tmp_path):
    data = tables()
    del data["meetings"]
    report = check(tmp_path, data)
    missing = fired(report, "schema.missing_tab")
    assert [(f.severity.value, f.sheet, f.row, f.cell) for f in missing] == [
        ("info", "Meetings", None, None)]
    assert "the meeting rules were not checked" in missing[0].message
    assert "'Members', 'Projects', 'Actions'" in missing[0].message
    assert not [f for f in report.findings if f.rule.startswith("tor.meetings")]
    assert not report.has_errors


def test_tab_names_match_ignoring_case_and_spaces(tmp_path):
    path = write_workbook(tmp_path / "b.xlsx", tables(),
                          tab_names={"members": " MEMBERS ", "actions": "Action log"})
    from automations.pipeline import validate
    from tests.builders import config_for

    assert validate(config_for(path)).report.findings == ()


def test_missing_column_suggests_closest_header(tmp_path):
    data = tables()
    for row in data["actions"]:
        row["Ownr"] = row.pop("Owner")
    found = fired(check(tmp_path, data), "schema.missing_column")
    assert [(f.sheet, f.column, f.cell) for f in found] == [("Actions", "Owner", None)]
    assert "'Ownr'" in found[0].message


def test_missing_column_skips_rules_that_need_it(tmp_path):
    data = tables()
    data["members"][4]["Agreed ToR"] = "No"  # would fire tor.members.tor_agreed
    headers = {"members": [h for h in data["members"][0] if h != "Agreed ToR"]}
    path = write_workbook(tmp_path / "b.xlsx", data, headers=headers)
    from automations.pipeline import validate
    from tests.builders import config_for

    report = validate(config_for(path)).report
    # Issue 26: a column no row must fill is one information finding, naming the checks left out.
    assert [(f.rule, f.severity.value) for f in report.findings] == [
        ("schema.optional_columns", "info")]
    assert "'Agreed ToR'" in report.findings[0].message
    assert "an active member has not agreed to the Terms of Reference" in report.findings[0].message


@pytest.mark.parametrize(("tab", "old", "alias"), [
    ("members", "Email", "E-mail"), ("actions", "Due", "Due date"),
    ("members", "Agreed ToR", "Agreed Terms of Reference"),
    ("meetings", "Minute-taker", "Minute taker(s)"),
])
def test_header_aliases(tmp_path, tab, old, alias):
    data = tables()
    for row in data[tab]:
        row[alias] = row.pop(old)
    assert check(tmp_path, data).findings == ()


def test_optional_columns_may_be_absent(tmp_path):
    data = tables()
    for row in data["members"]:
        row.pop("Service areas"), row.pop("Easy read")
    assert check(tmp_path, data).findings == ()


def test_required_cell_blank(tmp_path):
    data = edit(tables(), "members", 2, Name="   ")
    assert where(check(tmp_path, data), "schema.required") == [("error", "Members", "B4")]


def test_email_required_only_while_active(tmp_path):
    active = edit(tables(), "members", 2, Email=None)
    assert where(check(tmp_path, active), "schema.required") == [("error", "Members", "C4")]
    left = edit(tables(), "members", 2, Email=None, Left=TODAY - dt.timedelta(days=3))
    assert where(check(tmp_path, left), "schema.required") == []


def test_due_required_unless_dropped(tmp_path):
    assert where(check(tmp_path, tables()), "schema.required") == []  # A3 is Dropped, no Due
    data = edit(tables(), "actions", 2, Status="Open")
    assert where(check(tmp_path, data), "schema.required") == [("error", "Actions", "F4")]


@pytest.mark.parametrize(("tab", "index", "column", "value", "cell", "words"), [
    ("members", 3, "Joined", "31/02/2023", "H5", "not a real date"),
    ("members", 3, "Joined", "11/29/2023", "H5", "US-style"),
    ("members", 3, "Joined", "soon", "H5", "not a date"),
    ("members", 3, "Agreed ToR", "maybe", "M5", "Yes or No"),
    ("meetings", 1, "Length (hours)", "two", "B3", "not a number"),
])
def test_unreadable_values(tmp_path, tab, index, column, value, cell, words):
    data = tables()
    data[tab][index][column] = value
    found = fired(check(tmp_path, data), "schema.type")
    assert [(f.severity.value, f.cell, f.value) for f in found] == [("error", cell, value)]
    assert words in found[0].message


def test_unreadable_value_is_not_reported_twice(tmp_path):
    data = edit(tables(), "actions", 1, Completed_on="yesterday-ish")
    report = check(tmp_path, data)
    assert where(report, "schema.type") == [("error", "Actions", "H3")]
    assert where(report, "tor.actions.completed_on") == []


def test_enum_suggests_closest_value(tmp_path):
    data = edit(tables(), "members", 5, Category="Carer or advocat")
    found = fired(check(tmp_path, data), "schema.enum")
    assert [(f.cell, f.value) for f in found] == [("E7", "Carer or advocat")]
    assert "Did you mean 'Carer or advocate'?" in found[0].message


def test_enum_value_aliases_and_spacing(tmp_path):
    data = edit(tables(), "actions", 1, Status=" completed ")
    edit(data, "members", 5, Category="carer")
    assert check(tmp_path, data).findings == ()


def test_bad_email(tmp_path):
    data = edit(tables(), "members", 6, Email="gus at example")
    assert where(check(tmp_path, data), "schema.email") == [("error", "Members", "C8")]


def test_duplicate_ids_name_both_rows(tmp_path):
    data = edit(tables(), "members", 5, Member_ID=" m03 ")
    found = fired(check(tmp_path, data), "schema.duplicate_id")
    assert [(f.cell, f.severity.value) for f in found] == [("A7", "error")]
    assert "row 4" in found[0].message and "row 7" in found[0].message


def test_duplicate_meeting_dates(tmp_path):
    data = edit(tables(), "meetings", 2, Date=tables()["meetings"][1]["Date"])
    assert where(check(tmp_path, data), "schema.duplicate_id") == [
        ("error", "Meetings", "A4")]


@pytest.mark.parametrize(("tab", "index", "column", "value", "cell"), [
    ("actions", 0, "Project ID", "P99", "C2"),
    ("meetings", 0, "Minute-taker", "Nobody Known", "C2"),
    ("meetings", 0, "Deputy", "M77", "F2"),
    ("projects", 0, "Assigned members", "M03; Mystery Person", "I2"),
])
def test_references(tmp_path, tab, index, column, value, cell):
    data = tables()
    data[tab][index][column] = value
    assert where(check(tmp_path, data), "schema.reference") == [("warning", tab.title(), cell)]


def test_references_by_id_name_or_email_ignore_case(tmp_path):
    data = tables()
    data["meetings"][0]["Minute-taker"] = "  LEE officer "
    data["meetings"][1]["Minute-taker"] = "m12@example.org"
    data["actions"][0]["Project ID"] = " p01"
    assert check(tmp_path, data).findings == ()


def test_duplicate_meeting_date_is_shown_as_a_date(tmp_path):
    data = edit(tables(), "meetings", 2, Date=tables()["meetings"][1]["Date"])
    message = fired(check(tmp_path, data), "schema.duplicate_id")[0].message
    assert message.startswith("Date 27 December 2023 is used on row 3 and on row 4")


@pytest.mark.parametrize("value", ["31/12/9999", "1 Jan 1066", "2024-01-01 "])
def test_dates_outside_any_plausible_year_are_reported_not_a_crash(tmp_path, value):
    data = edit(tables(), "members", 0, Term_start=value)
    found = where(check(tmp_path, data), "schema.type")
    assert found == ([] if value.startswith("2024") else [("error", "Members", "J2")])


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_not_a_number_is_not_a_number(tmp_path, value):
    data = edit(tables(), "meetings", 1, Length_hours=value)
    assert where(check(tmp_path, data), "schema.type") == [("error", "Meetings", "B3")]
