"""The co-production record's rules (issue 31): each fires on the right cell of a real .xlsx
workbook, and not on the clean board (tests/test_clean_board.py)."""

from __future__ import annotations

import pytest

from tests.builders import D, check, edit, fired, tables, where

SG, EN, YS, RC = "Sub-groups", "Engagement", "You said, we did", "Recognition"


@pytest.mark.parametrize("lead", [None, "M99"])
def test_subgroup_lead_not_an_active_member(tmp_path, lead):
    report = check(tmp_path, edit(tables(), "subgroups", 0, Lead=lead))
    assert where(report, "tor.subgroups.lead") == [("warning", SG, "D2")]


def test_subgroup_lead_who_left_the_board(tmp_path):
    data = edit(tables(), "members", 2, Left=D(2024, 2, 1))  # M03, the lead
    assert where(check(tmp_path, data), "tor.subgroups.lead") == [("warning", SG, "D2")]


def test_subgroup_with_no_resident_or_carer(tmp_path):
    data = edit(tables(), "subgroups", 0, Lead="M10", Members="M10; Lee Officer, 2 staff")
    report = check(tmp_path, data)
    assert where(report, "tor.subgroups.lived_experience") == [("warning", SG, "E2")]
    assert fired(report, "tor.subgroups.member_unknown") == []


def test_unknown_subgroup_member_is_named_with_the_closest_name(tmp_path):
    report = check(tmp_path, edit(tables(), "subgroups", 0, Members="M03; Cara Resdent"))
    [finding] = fired(report, "tor.subgroups.member_unknown")
    assert (finding.cell, finding.sheet) == ("E2", SG)
    assert "'Cara Resdent'" in finding.message and "'Cara Resident'" in finding.message


@pytest.mark.parametrize(
    "members",
    [
        "M03/M10",
        "M03\nFay Carer",
        "Cara Resident and Gus Carer",
        "M03 & M06; 3 residents",
        "Cara Resident, Fay Carer / staff",
        "M10;carers",
    ],
)
def test_list_separators_people_use(tmp_path, members):
    report = check(tmp_path, edit(tables(), "subgroups", 0, Members=members))
    assert fired(report, "tor.subgroups.member_unknown") == []
    assert fired(report, "tor.subgroups.lived_experience") == []


def test_subgroup_not_reported_for_too_long(tmp_path):
    data = edit(tables(), "subgroups", 0, Last_reported=D(2023, 12, 1))  # 91 days
    assert where(check(tmp_path, data), "tor.subgroups.reporting") == [("warning", SG, "G2")]
    relaxed = check(tmp_path, data, subgroup_report_days=100)
    assert fired(relaxed, "tor.subgroups.reporting") == []


def test_subgroup_never_reported_counts_from_set_up(tmp_path):
    data = edit(tables(), "subgroups", 0, Last_reported=None, Set_up_on=D(2023, 11, 1))
    [finding] = fired(check(tmp_path, data), "tor.subgroups.reporting")
    assert finding.cell == "G2" and "set up on 1 November 2023" in finding.message


def test_subgroup_open_after_its_project_closed(tmp_path):
    data = edit(tables(), "projects", 0, Stage="Closed")
    assert where(check(tmp_path, data), "tor.subgroups.open_after_project") == [
        ("warning", SG, "H2")
    ]
    edit(data, "subgroups", 0, Status="Ended", Ended_on=D(2024, 2, 28))
    assert fired(check(tmp_path, data), "tor.subgroups.open_after_project") == []


def test_one_method_only(tmp_path):
    data = tables()
    for i in range(3):
        edit(data, "engagement", i, Method="Survey")
    assert where(check(tmp_path, data), "tor.engagement.one_method") == [("warning", EN, "E4")]


def test_one_group_only(tmp_path):
    data = tables()
    for i in range(3):
        edit(data, "engagement", i, Carers=0, Providers=0, Staff=None)
    assert where(check(tmp_path, data), "tor.engagement.one_group") == [("warning", EN, "G4")]


def test_lived_experience_only_at_the_first_stage(tmp_path):
    data = tables()
    for i in (1, 2):
        edit(data, "engagement", i, Residents=0, Carers=0, Staff=5)
    report = check(tmp_path, data)
    assert where(report, "tor.engagement.first_stage_only") == [("warning", EN, "D2")]
    assert fired(report, "tor.engagement.decision_without_lived_experience") == []


def test_nothing_above_consultation_while_called_co_production(tmp_path):
    data = tables()
    for i in range(3):
        edit(data, "engagement", i, Participation_level="Consulted")  # a value alias
    assert where(check(tmp_path, data), "tor.engagement.ladder") == [("warning", EN, "F4")]
    edit(data, "projects", 0, **{"Co-production": None})
    assert fired(check(tmp_path, data), "tor.engagement.ladder") == []


def test_decision_stage_with_no_lived_experience_input(tmp_path):
    data = tables()
    for i in (0, 1):
        edit(data, "engagement", i, Residents=0, Carers=None)
    report = check(tmp_path, data)
    assert where(report, "tor.engagement.decision_without_lived_experience") == [
        ("warning", "Projects", "D2")
    ]


@pytest.mark.parametrize("stage", ["Analyse", "Plan", "Do", "Review", "procurement"])
def test_commissioning_cycle_words_are_stages(tmp_path, stage):
    report = check(tmp_path, edit(tables(), "engagement", 0, Stage=stage))
    assert fired(report, "schema.enum") == []


def test_a_count_that_is_not_a_number(tmp_path):
    report = check(tmp_path, edit(tables(), "engagement", 0, Residents="about twenty"))
    [finding] = fired(report, "schema.type")
    assert (finding.sheet, finding.cell) == (EN, "G2") and "not a number" in finding.message


@pytest.mark.parametrize("value", [-3, 2.5])
def test_a_count_below_zero_or_not_whole(tmp_path, value):
    report = check(tmp_path, edit(tables(), "engagement", 2, Staff=value))
    assert where(report, "tor.engagement.count") == [("error", EN, "J4")]


def test_you_said_with_no_we_did_after_n_days(tmp_path):
    data = edit(tables(), "you_said_we_did", 1, Date_heard=D(2023, 12, 1), We_did=None)
    assert where(check(tmp_path, data), "tor.feedback.no_response") == [("warning", YS, "F3")]
    assert (
        fired(check(tmp_path, data, feedback_response_days=120), "tor.feedback.no_response") == []
    )


def test_we_did_not_told_back(tmp_path):
    data = edit(tables(), "you_said_we_did", 0, Told_back_on=None)  # done 20 January
    report = check(tmp_path, data)
    assert where(report, "tor.feedback.not_told_back") == [("warning", YS, "J2")]


def test_not_possible_with_no_reason(tmp_path):
    data = edit(tables(), "you_said_we_did", 2, Reason_if_not_possible=None)
    assert where(check(tmp_path, data), "tor.feedback.no_reason") == [("warning", YS, "G4")]


def test_told_back_before_heard(tmp_path):
    data = edit(tables(), "you_said_we_did", 0, Told_back_on=D(2023, 12, 1))
    assert where(check(tmp_path, data), "tor.feedback.told_back_before_heard") == [
        ("error", YS, "J2")
    ]


@pytest.mark.parametrize(
    "source",
    [
        "Fay Carer",
        "m06@example.org",
        "Mrs Patel",
        "call 07700 900123",
        "E1 and Ada Resident",
        "John Smith",  # on no tab, but a name all the same
    ],
)
def test_a_personal_name_as_source(tmp_path, source):
    data = edit(tables(), "you_said_we_did", 1, Source=source)
    assert where(check(tmp_path, data), "tor.feedback.source_personal") == [("warning", YS, "D3")]


@pytest.mark.parametrize(
    "source",
    [
        "E2",
        "Carers' forum",
        "Speak Up Haringey",
        "Carers Reference Group",
        "survey",
        "Day centre users",
    ],
)
def test_a_group_or_an_engagement_as_source_is_not_personal(tmp_path, source):
    data = edit(tables(), "you_said_we_did", 1, Source=source)
    assert fired(check(tmp_path, data), "tor.feedback.source_personal") == []


def test_time_given_with_no_recognition(tmp_path):
    data = edit(tables(), "recognition", 0, Kind=None, Status=None)  # 10 January, M03
    assert where(check(tmp_path, data), "tor.recognition.missing") == [("warning", RC, "G2")]
    edit(data, "recognition", 0, Taking_part_as="Staff")  # not lived experience
    assert fired(check(tmp_path, data), "tor.recognition.missing") == []


def test_expenses_owed_too_long(tmp_path):
    data = edit(tables(), "recognition", 1, Date=D(2024, 1, 10), Status="Owed", Given_on=None)
    assert where(check(tmp_path, data), "tor.recognition.expenses_owed") == [("warning", RC, "I3")]


def test_a_negative_amount(tmp_path):
    data = edit(tables(), "recognition", 0, Amount=-30)
    assert where(check(tmp_path, data), "tor.recognition.amount") == [("error", RC, "H2")]


def test_absent_tabs_cost_one_information_finding_each(tmp_path):
    data = tables()
    for key in ("subgroups", "engagement", "you_said_we_did", "recognition"):
        del data[key]
    report = check(tmp_path, data)
    assert sorted((f.rule, f.severity.value, f.sheet) for f in report.findings) == sorted(
        ("schema.missing_tab", "info", tab) for tab in (SG, EN, YS, RC)
    )


def test_the_tabs_found_by_their_other_names(tmp_path):
    from automations.pipeline import validate
    from tests.builders import config_for, write_workbook

    names = {
        "subgroups": "T&F groups",
        "engagement": "Engagement log",
        "you_said_we_did": "YSWD",
        "recognition": "Payments & thanks",
    }
    path = write_workbook(
        tmp_path / "board.xlsx", edit(tables(), "recognition", 0, Amount=-1), tab_names=names
    )
    result = validate(config_for(path))
    assert [len(t.records) for t in result.board.tables()][4:] == [1, 3, 3, 3]
    assert where(result.report, "tor.recognition.amount") == [("error", "Payments & thanks", "H2")]


@pytest.mark.parametrize("today", [D(2024, 3, 1), D(2026, 12, 7)])
def test_the_sample_board_fills_the_four_tabs_cleanly(tmp_path, today):
    from automations.pipeline import validate
    from automations.starter.sample import build_sample
    from tests.builders import config_for

    path = build_sample(tmp_path / "sample.xlsx", today)
    result = validate(config_for(path, today), today)
    assert [len(t.records) for t in result.board.tables()][4:] == [3, 8, 6, 9]
    record = {
        f.rule
        for f in result.report.findings
        if f.tab in (SG, EN, YS, RC)
        or f.rule.split(".")[1] in ("subgroups", "engagement", "feedback", "recognition")
    }
    assert record == set()


def test_a_subgroup_kept_on_both_tabs_has_its_missing_lead_said_once(tmp_path):
    """The Projects tab's Sub-group lead and the Sub-groups tab's Lead name the same sub-group:
    one finding, on the Sub-groups tab, not the same problem twice."""
    data = edit(tables(), "subgroups", 0, Lead=None)
    data = edit(data, "projects", 0, **{"Sub-group lead": None})
    report = check(tmp_path, data)
    assert where(report, "tor.subgroups.lead") == [("warning", SG, "D2")]
    assert fired(report, "tor.projects.subgroup_lead") == []
    assert fired(report, "tor.projects.subgroup_lead_differs") == []


def test_a_subgroup_not_on_the_subgroups_tab_still_needs_a_lead_on_the_projects_tab(tmp_path):
    data = edit(tables(), "projects", 0, **{"Sub-group": "Transport group",
                                            "Sub-group lead": None})
    report = check(tmp_path, data)
    [finding] = fired(report, "tor.projects.subgroup_lead")
    assert finding.sheet == "Projects" and "'Transport group'" in finding.message


@pytest.mark.parametrize("named", ["SG1", "  day SERVICES group "])
def test_two_different_leads_for_one_subgroup_are_said(tmp_path, named):
    data = edit(tables(), "projects", 0, **{"Sub-group": named, "Sub-group lead": "M10"})
    report = check(tmp_path, data)
    [finding] = fired(report, "tor.projects.subgroup_lead_differs")
    assert finding.sheet == "Projects" and finding.severity.value == "warning"
    assert "'M10'" in finding.message and "'M03'" in finding.message
    assert "row 2" in finding.message
    assert fired(report, "tor.subgroups.lead") == fired(report, "tor.projects.subgroup_lead") == []


def test_the_same_lead_written_two_ways_is_the_same_person(tmp_path):
    members = tables()["members"]
    lead = next(m for m in members if m["Member ID"] == "M03")["Name"]
    data = edit(tables(), "projects", 0, **{"Sub-group lead": lead})  # the tab has "M03"
    assert fired(check(tmp_path, data), "tor.projects.subgroup_lead_differs") == []
