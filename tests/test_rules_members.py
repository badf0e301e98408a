"""Membership rules: each fires at the right cell with the right severity, and the corrected
data does not fire. Columns: A ID, B Name, C Email, D Role, E Category, F Seat, G Organisation,
H Joined, I Left, J Term start, K Term extended, L Chairs another group, M Agreed ToR."""

import datetime as dt

import pytest

from automations.core.text import add_months
from tests.builders import TODAY, D, check, edit, member, tables, where


def providers(n: int) -> list[dict]:
    return [member(f"X{i:02d}", f"Provider {i}", "Provider", "Provider", f"Care Co {i}")
            for i in range(n)]


def test_cap_exactly_twenty_is_fine(tmp_path):
    data = tables()
    data["members"] += providers(5)  # 15 + 5 = 20
    assert where(check(tmp_path, data), "tor.members.cap") == []


def test_cap_twenty_one_points_at_the_21st_role_cell(tmp_path):
    data = tables()
    data["members"] += providers(6)
    report = check(tmp_path, data)
    assert where(report, "tor.members.cap") == [("error", "Members", "D22")]
    msg = report.findings[[f.rule for f in report.findings].index("tor.members.cap")].message
    assert "21 active members" in msg and "allow 20" in msg


def test_cap_counts_only_active_members(tmp_path):
    data = tables()
    data["members"] += providers(6)
    edit(data, "members", 20, Left=D(2024, 2, 1))
    assert where(check(tmp_path, data), "tor.members.cap") == []


def test_cap_reads_max_members_from_config(tmp_path):
    assert where(check(tmp_path, tables(), max_members=14), "tor.members.cap") == [
        ("error", "Members", "D16")]


def test_missing_resident_cochair_points_at_role_header(tmp_path):
    data = edit(tables(), "members", 0, Role="Member")
    assert where(check(tmp_path, data), "tor.cochairs.count") == [("error", "Members", "D1")]


def test_two_commissioner_cochairs(tmp_path):
    data = edit(tables(), "members", 11, Role="Co-chair (commissioner)",
                Term_start=D(2023, 11, 29))
    assert where(check(tmp_path, data), "tor.cochairs.count") == [("error", "Members", "D13")]


def test_former_cochair_who_left_does_not_count(tmp_path):
    data = tables()
    data["members"].append(member("M99", "Old Chair", "Resident", "Self-representative",
                                  role="Co-chair (resident)", Left=D(2023, 12, 1),
                                  **{"Term start": D(2022, 11, 1)}))
    assert where(check(tmp_path, data), "tor.cochairs.count") == []


@pytest.mark.parametrize(("index", "category", "rule", "cell"), [
    (0, "Council officer", "tor.cochairs.resident_eligibility", "E2"),
    (1, "Resident", "tor.cochairs.commissioner_eligibility", "E3"),
])
def test_cochair_eligibility(tmp_path, index, category, rule, cell):
    report = check(tmp_path, edit(tables(), "members", index, Category=category))
    assert where(report, rule) == [("error", "Members", cell)]


@pytest.mark.parametrize(("index", "category"), [(0, "Carer or advocate"),
                                                 (1, "Health and social care staff")])
def test_cochair_eligibility_other_allowed_category(tmp_path, index, category):
    report = check(tmp_path, edit(tables(), "members", index, Category=category))
    assert [f for f in report.findings if "eligibility" in f.rule] == []


def test_resident_cochair_chairing_another_group(tmp_path):
    data = edit(tables(), "members", 0, Chairs_another_group="Yes")
    assert where(check(tmp_path, data), "tor.cochairs.chairs_other_group") == [
        ("error", "Members", "L2")]
    data = edit(tables(), "members", 0, Chairs_another_group="No")
    assert where(check(tmp_path, data), "tor.cochairs.chairs_other_group") == []


def _term(tmp_path, index, start, extended=None):
    data = edit(tables(), "members", index, Term_start=start, Term_extended=extended)
    return where(check(tmp_path, data), "tor.cochairs.term")


def test_resident_term_ending_in_60_days_warns(tmp_path):
    start = add_months(TODAY + dt.timedelta(days=60), -12)
    assert _term(tmp_path, 0, start) == [("warning", "Members", "J2")]


def test_resident_term_ending_in_61_days_is_fine(tmp_path):
    start = add_months(TODAY + dt.timedelta(days=61), -12)
    assert _term(tmp_path, 0, start) == []


def test_resident_term_ended_is_an_error(tmp_path):
    assert _term(tmp_path, 0, add_months(TODAY, -12)) == [("error", "Members", "J2")]
    assert _term(tmp_path, 0, add_months(TODAY, -12) + dt.timedelta(days=1)) == [
        ("warning", "Members", "J2")]


def test_resident_term_extension_adds_a_year(tmp_path):
    start = add_months(TODAY + dt.timedelta(days=61), -24)
    assert _term(tmp_path, 0, start, "Yes") == []
    assert _term(tmp_path, 0, start, "No") == [("error", "Members", "J2")]


def test_commissioner_term_is_two_years(tmp_path):
    assert _term(tmp_path, 1, add_months(TODAY + dt.timedelta(days=60), -24)) == [
        ("warning", "Members", "J3")]
    assert _term(tmp_path, 1, add_months(TODAY + dt.timedelta(days=61), -24)) == []


def test_blank_term_start_is_an_error(tmp_path):
    assert _term(tmp_path, 1, None) == [("error", "Members", "J3")]


def test_term_numbers_come_from_config(tmp_path):
    data = tables()
    assert where(check(tmp_path, data, term_warning_days=300), "tor.cochairs.term") == [
        ("warning", "Members", "J2")]


def test_balance_within_tolerance(tmp_path):
    # residents 4, carers 3, staff 5: spread 2
    data = edit(tables(), "members", 8, Category="Provider")
    assert where(check(tmp_path, data), "tor.members.balance") == []


def test_balance_spread_over_tolerance_warns_at_category_header(tmp_path):
    data = edit(tables(), "members", 8, Category="Provider")
    edit(data, "members", 7, Category="Provider", Seat="Provider")  # carers 2: spread 3
    assert where(check(tmp_path, data), "tor.members.balance") == [
        ("warning", "Members", "E1")]


def test_balance_error_when_staff_outnumber_residents_and_carers(tmp_path):
    data = tables()
    for i in (2, 3, 4):
        edit(data, "members", i, Category="Council officer")
    report = check(tmp_path, data)
    assert where(report, "tor.members.balance") == [("error", "Members", "E1")]
    assert "voice of the resident" in next(
        f.message for f in report.findings if f.rule == "tor.members.balance")


def test_one_per_org(tmp_path):
    data = tables()
    data["members"].append(member("M16", "Second Rep", "Resident", "Self-advocacy group",
                                  "  speak up HARINGEY "))
    assert where(check(tmp_path, data), "tor.members.one_per_org") == [
        ("warning", "Members", "G17")]
    data["members"][-1]["Organisation"] = "Another Self-Advocacy Group"
    assert where(check(tmp_path, data), "tor.members.one_per_org") == []


def test_one_per_org_ignores_multi_holder_seats(tmp_path):
    data = tables()
    data["members"].append(member("M16", "Another Worker", "Health and social care staff",
                                  "Social worker", "LD team"))
    assert where(check(tmp_path, data), "tor.members.one_per_org") == []


def test_jpb_representative_who_is_cochair(tmp_path):
    data = edit(tables(), "members", 0, Seat="JPB representative")
    edit(data, "members", 7, Seat="Carer or advocate")
    assert where(check(tmp_path, data), "tor.members.jpb_overlap") == [
        ("error", "Members", "F2")]
    assert where(check(tmp_path, tables()), "tor.members.jpb_overlap") == []


@pytest.mark.parametrize(("value", "expected"), [
    ("No", [("warning", "Members", "M6")]), (None, [("warning", "Members", "M6")]),
    ("Yes", []), ("y", []), (True, []),
])
def test_tor_agreed(tmp_path, value, expected):
    data = edit(tables(), "members", 4, Agreed_ToR=value)
    assert where(check(tmp_path, data), "tor.members.tor_agreed") == expected


def test_tor_agreed_ignores_members_who_left(tmp_path):
    data = edit(tables(), "members", 4, Agreed_ToR="No", Left=D(2024, 1, 1))
    assert where(check(tmp_path, data), "tor.members.tor_agreed") == []


def test_minimum_period(tmp_path):
    joined = D(2023, 11, 1)
    short = edit(tables(), "members", 13, Left=add_months(joined, 12) - dt.timedelta(days=1))
    assert where(check(tmp_path, short), "tor.members.minimum_period") == [
        ("info", "Members", "I15")]
    full = edit(tables(), "members", 13, Left=add_months(joined, 12))
    assert where(check(tmp_path, full), "tor.members.minimum_period") == []


def _meetings_from(first: dt.date, reviewed_on: dt.date | None) -> list[dict]:
    from tests.builders import meeting

    days = [first + dt.timedelta(weeks=4 * i) for i in range(20)]
    rows = [meeting(d, reviewed="Yes" if d == reviewed_on else "No", held=d < TODAY)
            for d in days if d <= TODAY + dt.timedelta(days=30)]
    return rows


def test_membership_review_due_after_twelve_months(tmp_path):
    first = D(2023, 3, 1)
    data = tables(meetings=_meetings_from(first, first))
    report = check(tmp_path, data)
    held = [m for m in data["meetings"] if m["Date"] < TODAY]
    assert where(report, "tor.members.review_due") == [
        ("warning", "Meetings", f"H{len(held) + 1}")]


def test_membership_review_within_twelve_months(tmp_path):
    first = D(2023, 3, 29)
    data = tables(meetings=_meetings_from(first, first))
    assert where(check(tmp_path, data), "tor.members.review_due") == []


def test_membership_review_never_recorded_counts_from_first_meeting(tmp_path):
    assert where(check(tmp_path, tables(meetings=_meetings_from(D(2023, 2, 1), None))),
                 "tor.members.review_due") != []
    assert where(check(tmp_path, tables(meetings=_meetings_from(D(2023, 9, 6), None))),
                 "tor.members.review_due") == []
