"""Action rules. Columns: A Action ID, B Raised, C Project ID, D Action, E Owner, F Due,
G Status, H Completed on, I Last update. Row 2 is an open action (A1)."""

import datetime as dt

import pytest

from tests.builders import TODAY, check, edit, tables, where

DAY = dt.timedelta(days=1)


def _open_action(tmp_path, rule, **cells):
    data = edit(tables(), "actions", 0, **cells)
    return where(check(tmp_path, data), rule)


@pytest.mark.parametrize(("due", "expected"), [
    (TODAY, []),
    (TODAY - DAY, [("warning", "Actions", "F2")]),
    (TODAY - 30 * DAY, [("warning", "Actions", "F2")]),
    (TODAY - 31 * DAY, [("error", "Actions", "F2")]),
])
def test_overdue(tmp_path, due, expected):
    assert _open_action(tmp_path, "tor.actions.overdue", Due=due, Last_update=TODAY) == expected


@pytest.mark.parametrize("status", ["Done", "Dropped", "completed"])
def test_overdue_ignores_finished_actions(tmp_path, status):
    found = _open_action(tmp_path, "tor.actions.overdue", Due=TODAY - DAY, Status=status,
                         Completed_on=TODAY)
    assert found == []


def test_overdue_counts_in_progress_and_status_aliases(tmp_path):
    for status in ("In progress", "Not started", " open "):
        assert _open_action(tmp_path, "tor.actions.overdue", Due=TODAY - DAY,
                            Status=status) == [("warning", "Actions", "F2")]


def test_overdue_error_days_from_config(tmp_path):
    data = edit(tables(), "actions", 0, Due=TODAY - 5 * DAY)
    assert where(check(tmp_path, data, overdue_error_days=4), "tor.actions.overdue") == [
        ("error", "Actions", "F2")]


@pytest.mark.parametrize(("due", "expected"), [
    (TODAY, [("info", "Actions", "F2")]),
    (TODAY + 7 * DAY, [("info", "Actions", "F2")]),
    (TODAY + 8 * DAY, []),
    (TODAY - DAY, []),
])
def test_due_soon(tmp_path, due, expected):
    assert _open_action(tmp_path, "tor.actions.due_soon", Due=due) == expected


@pytest.mark.parametrize(("last_update", "expected"), [
    (TODAY - 45 * DAY, []),
    (TODAY - 46 * DAY, [("warning", "Actions", "I2")]),
])
def test_stale(tmp_path, last_update, expected):
    found = _open_action(tmp_path, "tor.actions.stale", Last_update=last_update,
                         Raised=TODAY - 60 * DAY)
    assert found == expected


def test_stale_falls_back_to_raised(tmp_path):
    found = _open_action(tmp_path, "tor.actions.stale", Last_update=None, Raised=TODAY - 46 * DAY)
    assert found == [("warning", "Actions", "I2")]
    assert _open_action(tmp_path, "tor.actions.stale", Last_update=None,
                        Raised=TODAY - 45 * DAY) == []


@pytest.mark.parametrize(("owner", "expected"), [
    ("Zed Nobody", [("warning", "Actions", "E2")]),
    ("M05", []), ("eve resident", []), ("M05@EXAMPLE.ORG ", []),
])
def test_owner(tmp_path, owner, expected):
    assert _open_action(tmp_path, "tor.actions.owner", Owner=owner) == expected


def test_owner_who_left(tmp_path):
    data = edit(tables(), "members", 4, Left=TODAY - DAY)
    edit(data, "actions", 0, Owner="M05")
    report = check(tmp_path, data)
    assert where(report, "tor.actions.owner") == [("warning", "Actions", "E2")]
    assert "has left" in next(f.message for f in report.findings if f.rule == "tor.actions.owner")


def test_owner_of_finished_action_is_not_checked(tmp_path):
    data = edit(tables(), "actions", 1, Owner="Zed Nobody")
    assert where(check(tmp_path, data), "tor.actions.owner") == []


def test_completed_on(tmp_path):
    data = edit(tables(), "actions", 1, Completed_on=None)
    assert where(check(tmp_path, data), "tor.actions.completed_on") == [
        ("warning", "Actions", "H3")]
    assert where(check(tmp_path, tables()), "tor.actions.completed_on") == []
