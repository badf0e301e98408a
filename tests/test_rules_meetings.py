"""Meeting rules. Columns: A Date, B Length (hours), C Minute-taker, D Resident co-chair present,
E Commissioner co-chair present, F Deputy, G Actions followed up, H Membership reviewed,
I Easy-read minutes. Rows 2-5 are held meetings, row 6 the next one (27 March 2024)."""

import datetime as dt

import pytest

from tests.builders import TODAY, D, check, edit, meeting, tables, where


def test_cadence_35_days_is_fine_36_is_not(tmp_path):
    assert where(check(tmp_path, tables()), "tor.meetings.cadence") == []  # 27 Dec -> 31 Jan
    data = edit(tables(), "meetings", 2, Date=D(2024, 2, 1))
    assert where(check(tmp_path, data), "tor.meetings.cadence") == [
        ("warning", "Meetings", "A4")]


def test_cadence_sorts_meetings_by_date(tmp_path):
    data = tables()
    data["meetings"].reverse()
    assert where(check(tmp_path, data), "tor.meetings.cadence") == []


@pytest.mark.parametrize(("days_ahead", "fires"), [(0, False), (35, False), (36, True)])
def test_next_meeting_scheduled(tmp_path, days_ahead, fires):
    data = edit(tables(), "meetings", 4, Date=TODAY + dt.timedelta(days=days_ahead))
    found = where(check(tmp_path, data), "tor.meetings.next_scheduled")
    assert found == ([("warning", "Meetings", "A6")] if fires else [])


def test_no_meetings_at_all(tmp_path):
    report = check(tmp_path, tables(meetings=[]))
    assert where(report, "tor.meetings.next_scheduled") == [("warning", "Meetings", "A1")]


def test_minute_taker_needed_once_held(tmp_path):
    data = edit(tables(), "meetings", 1, Minute_taker=None)
    assert where(check(tmp_path, data), "tor.meetings.minute_taker") == [
        ("error", "Meetings", "C3")]
    # the next meeting has no minute-taker yet, and that is fine
    assert tables()["meetings"][4]["Minute-taker"] is None
    assert where(check(tmp_path, tables()), "tor.meetings.minute_taker") == []


@pytest.mark.parametrize(("present", "deputy", "expected"), [
    ("No", None, [("warning", "Meetings", "D4")]),
    (None, None, [("warning", "Meetings", "D4")]),
    ("No", "M03", []),
    ("Yes", None, []),
])
def test_cochairs_present_or_deputy(tmp_path, present, deputy, expected):
    data = edit(tables(), "meetings", 2, Resident_co_chair_present=present, Deputy=deputy)
    data["meetings"][2]["Resident co-chair present"] = present
    assert where(check(tmp_path, data), "tor.meetings.cochairs_present") == expected


def test_actions_followed_up(tmp_path):
    data = edit(tables(), "meetings", 3, Actions_followed_up="No")
    assert where(check(tmp_path, data), "tor.meetings.actions_followed_up") == [
        ("warning", "Meetings", "G5")]
    assert where(check(tmp_path, tables()), "tor.meetings.actions_followed_up") == []


@pytest.mark.parametrize(("hours", "expected"), [
    (2.5, [("info", "Meetings", "B3")]), (2, []), (None, []), ("2", []),
])
def test_meeting_length(tmp_path, hours, expected):
    data = edit(tables(), "meetings", 1, Length_hours=hours)
    data["meetings"][1]["Length (hours)"] = hours
    assert where(check(tmp_path, data), "tor.meetings.length") == expected


def test_meeting_length_from_config(tmp_path):
    found = where(check(tmp_path, tables(), meeting_hours=1.5), "tor.meetings.length")
    assert len(found) == 5


@pytest.mark.parametrize(("days_ago", "fires"), [(14, False), (15, True)])
def test_easy_read_minutes(tmp_path, days_ago, fires):
    data = tables()
    data["meetings"].insert(4, meeting(TODAY - dt.timedelta(days=days_ago)))
    data["meetings"][4]["Easy-read minutes"] = "No"
    found = where(check(tmp_path, data), "access.minutes_easy_read")
    assert found == ([("warning", "Meetings", "I6")] if fires else [])
