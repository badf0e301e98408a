"""Project rules. P01 is at stage During on row 2, with every duty done."""

import datetime as dt

import pytest

from automations.core.paths import data_path
from automations.model.schema import load_schemas
from tests.builders import TODAY, check, edit, tables, where

PROJECTS = load_schemas(data_path("sheets_schema"))["projects"]
HEADERS = [c.name for c in PROJECTS.columns]


def cell(header: str, row: int = 2) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(HEADERS.index(header) + 1)}{row}"


def project(**cells):
    data = tables()
    data["projects"][0] = {h: data["projects"][0].get(h) for h in HEADERS}
    return edit(data, "projects", 0, **cells)


def test_earlier_stage_duty_not_done(tmp_path):
    data = project(Board_tasks_agreed=None)
    assert where(check(tmp_path, data), "tor.projects.stage_duties") == [
        ("error", "Projects", cell("Board tasks agreed"))]


def test_duty_marked_no_is_not_done(tmp_path):
    data = project(Stakeholders_identified="No")
    assert where(check(tmp_path, data), "tor.projects.stage_duties") == [
        ("error", "Projects", cell("Stakeholders identified"))]


def test_current_stage_duty_is_a_reminder_not_an_error(tmp_path):
    data = project(Agreed_work_complete=None)
    report = check(tmp_path, data)
    assert where(report, "tor.projects.stage_duties") == []
    assert where(report, "tor.projects.current_duties") == [
        ("info", "Projects", cell("Agreed work complete"))]


def test_later_stage_duties_are_not_checked(tmp_path):
    data = project(Lessons_learned_held=None, JPB_information_provided=None)
    report = check(tmp_path, data)
    assert where(report, "tor.projects.stage_duties") == []
    assert where(report, "tor.projects.current_duties") == []


def test_closed_project_needs_every_duty(tmp_path):
    data = project(Stage="Closed", Lessons_learned_held=None, Target_end=TODAY)
    assert where(check(tmp_path, data), "tor.projects.stage_duties") == [
        ("error", "Projects", cell("Lessons learned held"))]


def test_one_finding_per_missing_duty(tmp_path):
    data = project(Stage="Conclusion", Contract_monitoring_and_QA_agreed=None,
                   JPB_information_provided="No")
    assert [c for _, _, c in where(check(tmp_path, data), "tor.projects.stage_duties")] == [
        cell("Contract monitoring and QA agreed"), cell("JPB information provided")]


@pytest.mark.parametrize(("rule", "header", "severity"), [
    ("tor.projects.objectives", "Objectives", "error"),
    ("tor.projects.members_assigned", "Assigned members", "error"),
    ("tor.projects.eqia", "EQIA completed", "warning"),
])
def test_from_initiation_requirements(tmp_path, rule, header, severity):
    blank = project(Stage="Initiation", **{header.replace(" ", "_"): None})
    assert where(check(tmp_path, blank), rule) == [(severity, "Projects", cell(header))]
    early = project(Stage="Pre-initiation", **{header.replace(" ", "_"): None})
    assert where(check(tmp_path, early), rule) == []


def test_lived_experience(tmp_path):
    staff_only = project(Assigned_members="M10; Kim Nurse")
    assert where(check(tmp_path, staff_only), "tor.projects.lived_experience") == [
        ("warning", "Projects", cell("Assigned members"))]
    with_carer = project(Assigned_members="M10, m06")
    assert where(check(tmp_path, with_carer), "tor.projects.lived_experience") == []


def test_lived_experience_not_repeated_when_nobody_is_assigned(tmp_path):
    report = check(tmp_path, project(Assigned_members=None))
    assert where(report, "tor.projects.lived_experience") == []
    assert where(report, "tor.projects.members_assigned") != []


@pytest.mark.parametrize("lead", [None, "Zed Nobody", "M04-left"])
def test_subgroup_lead_must_be_active_member(tmp_path, lead):
    # A sub-group the Sub-groups tab does not keep (one it keeps has its lead checked there).
    data = project(Sub_group="Transport group", Sub_group_lead=lead)
    if lead == "M04-left":
        edit(data, "members", 3, Left=TODAY - dt.timedelta(days=1))
        data["projects"][0]["Sub-group lead"] = "M04"
    report = check(tmp_path, data)
    assert where(report, "tor.projects.subgroup_lead") == [
        ("warning", "Projects", cell("Sub-group lead"))]
    assert where(report, "schema.reference") == []


def test_no_subgroup_needs_no_lead(tmp_path):
    data = project(Sub_group=None, Sub_group_lead=None)
    assert where(check(tmp_path, data), "tor.projects.subgroup_lead") == []


@pytest.mark.parametrize(("stage", "end", "fires"), [
    ("During", TODAY - dt.timedelta(days=1), True),
    ("During", TODAY, False),
    ("Conclusion", TODAY - dt.timedelta(days=1), False),
])
def test_past_end(tmp_path, stage, end, fires):
    data = project(Stage=stage, Target_end=end)
    if stage == "Conclusion":
        data["projects"][0].update({h: "Yes" for h in HEADERS if "complete" in h.lower()})
    found = where(check(tmp_path, data), "tor.projects.past_end")
    assert found == ([("warning", "Projects", cell("Target end"))] if fires else [])
