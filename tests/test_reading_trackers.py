"""Issue 26, reading a tracker as officers keep it: rows that are not records, two header rows,
open or closed without a Status column, owners as initials and lists, dates in words, columns a
Board may not keep, and meeting dates from an action log. Every workbook is a real .xlsx file
written here; each false alarm the issue quotes gets a test that it no longer appears."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from automations.core.config import parse_config
from automations.core.findings import Finding, Report
from automations.digests import send as digest
from automations.digests.reminder_settings import reminder_settings
from automations.digests.reminders import owners_actions
from automations.digests.settings import digest_settings
from automations.pipeline import Validation, validate
from tests.digest_setup import LONDON, make_config

D = dt.date
TODAY = D(2026, 2, 16)  # a Monday
MEMBERS = [
    ["Name", "Role", "Category", "Email", "Joined", "Agreed ToR"],
    ["Jon Tomlinson", "Resident co-chair", "Resident", "jon@example.org", D(2024, 9, 1), "Yes"],
    [
        "Karen Bell",
        "Commissioner co-chair",
        "Council officer",
        "kb@example.org",
        D(2024, 9, 1),
        "Yes",
    ],
    ["Amina Dar", "Member", "Carer", "amina@example.org", D(2024, 9, 1), "Yes"],
]
ACTION_HEAD = [
    "Action ID",
    "Raised",
    "Action",
    "Owner",
    "Due",
    "Status",
    "Last update",
    "Confidential",
]


def action(
    n: int,
    owner: str = "Jon Tomlinson",
    due: object = D(2026, 3, 31),
    status: object = "Open",
    raised: object = D(2026, 1, 14),
) -> list[object]:
    return [f"A{n:02d}", raised, f"Action number {n}", owner, due, status, D(2026, 2, 10), "No"]


def workbook(path: Path, **tabs: list[list[object]]) -> Path:
    """Each keyword is a tab (underscores for spaces), its rows written as they are."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tabs.items():
        ws = wb.create_sheet(name.replace("_", " "))
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def check(tmp_path: Path, **tabs: list[list[object]]) -> Validation:
    tabs.setdefault("Members", MEMBERS)
    path = workbook(tmp_path / "tracker.xlsx", **tabs)
    cfg = parse_config(
        {"source": {"kind": "xlsx", "path": str(path)}, "today": TODAY.isoformat()}, None
    )
    return validate(cfg, TODAY)


def rules(report: Report, *wanted: str) -> list[tuple[str, int | None]]:
    return [(f.rule, f.row) for f in report.findings if f.rule in wanted]


def one(report: Report, rule: str) -> Finding:
    found = [f for f in report.findings if f.rule == rule]
    assert len(found) == 1, [f.message for f in found]
    return found[0]


def errors_and_warnings(report: Report) -> list[tuple[str, int | None, str]]:
    return [
        (f.rule, f.row, f.message)
        for f in report.findings
        if f.severity.value in ("error", "warning")
    ]


# ---------------------------------------------------------------- rows that are not records


def test_section_titles_vacant_seats_totals_and_notes_are_not_checked_as_records(tmp_path):
    members = [
        MEMBERS[0],
        ["Residents"],  # row 2: a section title
        MEMBERS[1],
        [" Vacant ", None, "Resident"],  # row 4: a seat nobody holds yet
        ["Carers and staff"],  # row 5
        MEMBERS[2],
        MEMBERS[3],
        ["TBC", None, "Carer"],  # row 8
        [],
        ["Total members (excl. vacancies)", None, None, None, None, 3],  # row 10
        ["Note: members are asked to sign the Terms of Reference every year"],  # row 11
    ]
    v = check(tmp_path, Members=members, Actions=[ACTION_HEAD, action(1)])
    listed = one(v.report, "schema.not_records")
    assert listed.severity.value == "info" and listed.sheet == "Members"
    for row, why in (
        (2, "a section title ('Residents')"),
        (4, "a seat marked 'Vacant'"),
        (5, "a section title ('Carers and staff')"),
        (8, "a seat marked 'TBC'"),
        (10, "a totals row"),
        (11, "a note"),
    ):
        assert f"row {row}: {why}" in listed.message
    # None of the false alarms of the issue: blank Role, Email, Joined on a title or a Vacant
    # row, "Vacant has not agreed to follow the Terms of Reference", a totals row as a member.
    assert errors_and_warnings(v.report) == []
    assert [m.name for m in v.board.members.records] == ["Jon Tomlinson", "Karen Bell", "Amina Dar"]


def test_a_full_row_starting_like_a_total_or_a_note_is_a_record(tmp_path):
    actions = [ACTION_HEAD, action(1), [*action(2)[:2], "Key worker rota", *action(2)[3:]]]
    actions[2][0] = actions[2][1] = None  # "Key worker rota" is the first cell filled
    v = check(tmp_path, Actions=actions)
    assert not [f for f in v.report.findings if f.rule == "schema.not_records"]
    assert [a.action for a in v.board.actions.records] == ["Action number 1", "Key worker rota"]


def test_a_second_header_row_is_not_a_record(tmp_path):
    actions = [ACTION_HEAD, action(1), ACTION_HEAD, action(2)]
    v = check(tmp_path, Actions=actions)
    assert "row 3: a second header row" in one(v.report, "schema.not_records").message
    assert errors_and_warnings(v.report) == []
    assert [a.id for a in v.board.actions.records] == ["A01", "A02"]


def test_two_header_rows_with_group_headings_read_as_one(tmp_path):
    path = tmp_path / "log.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Co-Production Board action log"])
    ws.append(["Action", None, "Raised", "Ownership", None, "Progress", None, None])
    ws.append(
        [
            "No.",
            "Action",
            "Meeting date",
            "Owner",
            "Due date",
            "Status",
            "Last update",
            "Confidential",
        ]
    )
    ws.append(
        [
            1,
            "Write to providers",
            D(2026, 1, 14),
            "Amina Dar",
            D(2026, 1, 30),
            "Open",
            D(2026, 2, 10),
            "No",
        ]
    )
    for cells in ("A2:B2", "D2:E2", "F2:H2"):
        ws.merge_cells(cells)
    members = wb.create_sheet("Members")
    for row in MEMBERS:
        members.append(row)
    wb.save(path)
    cfg = parse_config(
        {"source": {"kind": "xlsx", "path": str(path)}, "today": TODAY.isoformat()}, None
    )
    v = validate(cfg, TODAY)
    headers = v.board.actions.match.headers
    assert headers["id"] == "Action / No." and headers["raised"] == "Meeting date"
    assert v.board.actions.header_row == 3
    # Not "Raised: 'Meeting date' is not a date" on the real header row.
    assert rules(v.report, "schema.type") == []
    assert rules(v.report, "tor.actions.overdue") == [("tor.actions.overdue", 4)]


# ---------------------------------------------------------------- open or closed


@pytest.mark.parametrize(
    ("head", "late_open", "late_closed"),
    [
        ("Done", False, True),
        ("Done", "FALSE", "TRUE"),
        ("Done", None, "✓"),
        ("Done", "no", "yes"),
        ("RAG", "Red", "Complete"),
        ("RAG", "Amber", "Complete"),
        ("RAG", "Green", "Complete"),
    ],
)
def test_open_or_closed_without_a_status_column(tmp_path, head, late_open, late_closed):
    header = ["Action ID", "Raised", "Action", "Owner", "Due", head, "Date closed"]
    v = check(
        tmp_path,
        Actions=[
            header,
            ["A01", D(2026, 1, 14), "Late and open", "Amina Dar", D(2026, 1, 30), late_open, None],
            [
                "A02",
                D(2026, 1, 14),
                "Late and closed",
                "Amina Dar",
                D(2026, 1, 30),
                late_closed,
                D(2026, 2, 2),
            ],
            [
                "A03",
                D(2026, 1, 14),
                "Closed by date",
                "Amina Dar",
                D(2026, 1, 30),
                None,
                D(2026, 2, 3),
            ],
        ],
    )
    assert rules(v.report, "tor.actions.overdue") == [("tor.actions.overdue", 2)]
    overdue = one(v.report, "tor.actions.overdue")
    assert "Status" not in overdue.message  # the tracker has no Status column to change
    assert rules(v.report, "schema.missing_column") == []  # no "Add a column headed 'Status'"
    said = next(
        f.message
        for f in v.report.findings
        if f.rule == "schema.optional_columns" and f.sheet == "Actions"
    )
    assert "Whether an action is open or closed is read from" in said and repr(head) in said


def test_date_closed_alone_tells_open_from_closed(tmp_path):
    header = ["Action ID", "Raised", "Action", "Owner", "Due", "Date closed"]
    v = check(
        tmp_path,
        Actions=[
            header,
            ["A01", D(2026, 1, 14), "Still open", "Amina Dar", D(2026, 1, 30), None],
            ["A02", D(2026, 1, 14), "Closed", "Amina Dar", D(2026, 1, 30), D(2026, 2, 2)],
        ],
    )
    assert rules(v.report, "tor.actions.overdue") == [("tor.actions.overdue", 2)]
    assert (
        "enter the date it was closed in Date closed"
        in one(v.report, "tor.actions.overdue").message
    )


def test_rag_complete_without_a_closing_date_is_asked_for_one(tmp_path):
    header = ["Action ID", "Raised", "Action", "Owner", "Due", "RAG", "Date closed"]
    v = check(
        tmp_path,
        Actions=[
            header,
            ["A01", D(2026, 1, 14), "Done", "Amina Dar", D(2026, 1, 30), "Complete", None],
        ],
    )
    found = one(v.report, "tor.actions.completed_on")
    assert found.row == 2 and "Date closed is blank" in found.message


@pytest.mark.parametrize("word", ["On track", "At risk", "Overdue", "On hold"])
def test_status_words_of_progress_are_open(tmp_path, word):
    v = check(tmp_path, Actions=[ACTION_HEAD, action(1, due=D(2026, 1, 30), status=word)])
    assert rules(v.report, "tor.actions.overdue", "schema.enum") == [("tor.actions.overdue", 2)]


def test_a_rag_colour_is_not_the_status(tmp_path):
    head = [*ACTION_HEAD, "RAG"]
    v = check(
        tmp_path,
        Actions=[
            head,
            [*action(1, due=D(2026, 1, 30), status="Done"), "Red"],
            [*action(2, due=D(2026, 1, 30), status="Open"), "Green"],
        ],
    )
    # Status decides: a red Done action is done, a green Open one is still late.
    assert rules(v.report, "tor.actions.overdue") == [("tor.actions.overdue", 3)]


# ---------------------------------------------------------------- people


def test_owners_as_initials_lists_and_the_whole_board(tmp_path):
    actions = [
        ACTION_HEAD,
        *(
            action(n, owner=o, due=D(2026, 1, 30))
            for n, o in enumerate(
                ["JT", "JT/AD", "JT & AD", "JT, AD", "All", "Board", "XY", "kb"], start=1
            )
        ),
    ]
    v = check(tmp_path, Actions=actions)
    # Only 'XY' (nobody's initials) is not found; no "'JT' is not on the Members tab".
    assert rules(v.report, "tor.actions.owner") == [("tor.actions.owner", 8)]
    assert "'XY'" in one(v.report, "tor.actions.owner").message
    late = {f.row: f.message for f in v.report.findings if f.rule == "tor.actions.overdue"}
    assert "ask Jon Tomlinson for an update" in late[2]
    assert "ask Jon Tomlinson and Amina Dar for an update" in late[3]
    assert "ask the whole Board for an update" in late[6]
    assert "then set a new Due date or change the Status." in late[2]
    board = v.board
    assert [m.name for m in board.owners("JT, AD").members] == ["Jon Tomlinson", "Amina Dar"]


def test_initials_two_members_share_are_not_guessed(tmp_path):
    members = [
        *MEMBERS,
        ["Jo Tanner", "Member", "Resident", "jo@example.org", D(2024, 9, 1), "Yes"],
    ]
    v = check(tmp_path, Members=members, Actions=[ACTION_HEAD, action(1, owner="JT")])
    assert rules(v.report, "tor.actions.owner") == [("tor.actions.owner", 2)]


def test_each_owner_named_gets_a_reminder_and_all_gets_none(tmp_path):
    actions = [ACTION_HEAD, action(1, owner="JT/AD"), action(2, owner="All")]
    v = check(tmp_path, Actions=actions)
    cfg = parse_config({"source": {"kind": "xlsx", "path": str(tmp_path / "tracker.xlsx")}}, None)
    grouped = owners_actions(v.board, TODAY, reminder_settings(cfg))
    assert sorted((o.name, [a.id for a in acts]) for o, acts in grouped.values()) == [
        ("Amina Dar", ["A01"]),
        ("Jon Tomlinson", ["A01"]),
    ]


def test_a_role_in_the_name_cell(tmp_path):
    members = [
        ["Name", "Role", "Category", "Email", "Joined", "Agreed ToR"],
        ["Jon Tomlinson (Co-Chair)", None, "Resident", "jon@example.org", D(2024, 9, 1), "Yes"],
        ["Karen Bell (co-chair)", None, "Council officer", "kb@example.org", D(2024, 9, 1), "Yes"],
        ["Amina Dar", "Member", "Carer", "amina@example.org", D(2024, 9, 1), "Yes"],
    ]
    v = check(tmp_path, Members=members, Actions=[ACTION_HEAD, action(1, owner="JT")])
    roles = {m.name: m.role for m in v.board.members.records}
    assert roles == {
        "Jon Tomlinson": "Co-chair (resident)",
        "Karen Bell": "Co-chair (commissioner)",
        "Amina Dar": "Member",
    }
    # No "Role is blank", no "there is no active resident co-chair", and JT is found.
    assert errors_and_warnings(v.report) == []


def test_roles_from_the_names_when_there_is_no_role_column(tmp_path):
    members = [
        ["Name", "Category", "Email", "Joined", "Agreed ToR"],
        ["Jon Tomlinson (Co-Chair)", "Resident", "jon@example.org", D(2024, 9, 1), "Yes"],
        ["Karen Bell", "Council officer", "kb@example.org", D(2024, 9, 1), "Yes"],
        ["Amina Dar", "Carer", "amina@example.org", D(2024, 9, 1), "Yes"],
    ]
    v = check(tmp_path, Members=members, Actions=[ACTION_HEAD, action(1)])
    roles = {m.name: m.role for m in v.board.members.records}
    assert roles == {
        "Jon Tomlinson": "Co-chair (resident)",
        "Karen Bell": "Member",
        "Amina Dar": "Member",
    }
    # No "no 'Role' column" error: the co-chair checks run on the roles the names give, and
    # find that nobody is named the commissioner co-chair.
    assert rules(v.report, "schema.missing_column") == []
    assert "There is no active commissioner co-chair" in one(v.report, "tor.cochairs.count").message
    said = next(
        f.message
        for f in v.report.findings
        if f.rule == "schema.optional_columns" and f.sheet == "Members"
    )
    assert "Role is read from the names, such as 'Jon Tomlinson (Co-Chair)'." in said


# ---------------------------------------------------------------- dates people write


def test_dates_in_words_are_read_and_said_how(tmp_path):
    actions = [
        ACTION_HEAD,
        action(1, due="w/c 12 Jan", raised=D(2025, 12, 17)),  # Friday 16 Jan 2026
        action(2, due="end of March"),
        action(3, due="Dec-26"),
        action(4, due="TBC"),
        action(5, due="Ongoing"),
        action(6, due="n/a"),
    ]
    v = check(tmp_path, Actions=actions)
    dues = [a.due for a in v.board.actions.records]
    assert dues == [D(2026, 1, 16), D(2026, 3, 31), D(2026, 12, 31), None, None, None]
    # The one planted problem: w/c 12 Jan is past; nothing else, and no "'TBC' is not a date".
    assert errors_and_warnings(v.report) == [
        ("tor.actions.overdue", 2, one(v.report, "tor.actions.overdue").message)
    ]
    said = one(v.report, "schema.read_dates")
    assert said.severity.value == "info"
    assert (
        "row 2 Due 'w/c 12 Jan': Friday 16 January 2026, the week commencing 12 Jan, so "
        "due by its Friday, the year after Raised"
    ) in said.message
    assert "row 5 Due 'TBC': no date" in said.message


def test_a_yearless_date_takes_the_year_after_raised(tmp_path):
    v = check(tmp_path, Actions=[ACTION_HEAD, action(1, due="3 Feb", raised=D(2026, 2, 10))])
    assert v.board.actions.records[0].due == D(2027, 2, 3)


def test_a_quarter_is_not_read(tmp_path):
    v = check(tmp_path, Actions=[ACTION_HEAD, action(1, due="Q3")])
    found = one(v.report, "schema.type")
    assert found.row == 2 and "financial quarters" in found.message
    assert v.board.actions.records[0].due is None


# ---------------------------------------------------------------- quiet structure


def test_columns_a_board_may_not_keep_are_one_information_finding(tmp_path):
    members = [["Name", "Role", "Category", "Email", "Joined"], *(r[:5] for r in MEMBERS[1:])]
    actions = [
        ["Action ID", "Raised", "Action", "Owner", "Due", "Status"],
        *(action(n, due=D(2026, 1, 30))[:6] for n in (1, 2)),
    ]
    v = check(tmp_path, Members=members, Actions=actions)
    assert rules(v.report, "schema.missing_column") == []  # no "Add a column headed" wall
    by_tab = {f.sheet: f.message for f in v.report.findings if f.rule == "schema.optional_columns"}
    assert set(by_tab) == {"Members", "Actions"}
    assert "'Agreed ToR'" in by_tab["Members"] and "'Seat'" in by_tab["Members"]
    assert "'Last update'" in by_tab["Actions"]
    assert "an open action has had no update for a long time" in by_tab["Actions"]
    # The stale rule does not run without a Last update column, so no warning asks the
    # officer to fill one in.
    assert not [
        f for f in v.report.findings if "Last update" in f.message and f.severity.value != "info"
    ]
    assert rules(v.report, "tor.actions.overdue") == [
        ("tor.actions.overdue", 2),
        ("tor.actions.overdue", 3),
    ]


def test_a_column_every_row_needs_is_an_error_naming_the_checks_skipped(tmp_path):
    actions = [
        ["Action ID", "Raised", "Action", "Due", "Status"],
        ["A01", D(2026, 1, 14), "Something", D(2026, 3, 1), "Open"],
    ]
    v = check(tmp_path, Actions=actions)
    found = one(v.report, "schema.missing_column")
    assert found.severity.value == "error" and found.column == "Owner"
    assert "an open action's owner is not an active Board member" in found.message


# ---------------------------------------------------------------- meetings from the action log


def test_meeting_dates_from_an_action_log_and_digests_after_them(tmp_path):
    head = [
        "Action ID",
        "Meeting date",
        "Action",
        "Owner",
        "Due",
        "Status",
        "Last update",
        "Confidential",
    ]
    rows = [
        head,
        *(
            [f"A{n}", day, f"Action {n}", "Amina Dar", D(2026, 3, 31), "Open", day, "No"]
            for n, day in enumerate(
                [D(2025, 12, 17), D(2026, 1, 14), D(2026, 1, 14), D(2026, 2, 11)], start=1
            )
        ),
    ]
    path = workbook(tmp_path / "tracker.xlsx", Members=MEMBERS, Action_log=rows)
    cfg = make_config(tmp_path, path, TODAY)
    v = validate(cfg, TODAY)
    assert [m.date for m in v.board.meetings.records] == [
        D(2025, 12, 17),
        D(2026, 1, 14),
        D(2026, 2, 11),
    ]
    said = [f for f in v.report.findings if f.rule == "schema.missing_tab"]
    assert any(
        "meeting dates were taken from the 'Meeting date' column of the 'Action log' "
        "tab: 3 meetings, the latest on 11 February 2026" in f.message
        for f in said
    )
    # The meeting rules still need a Meetings tab: none of them ran.
    assert not [f for f in v.report.findings if f.rule.startswith("tor.meetings")]
    settings = digest_settings(cfg)
    due = digest.due_at(settings, D(2026, 2, 11))
    assert digest.due_digests(cfg, v, due - dt.timedelta(minutes=1)) == []
    jobs = digest.due_digests(cfg, v, due.astimezone(LONDON))
    assert jobs and {j.meeting for j in jobs} == {D(2026, 2, 11)}


def test_raised_dates_are_meetings_only_when_actions_share_them(tmp_path):
    scattered = [ACTION_HEAD, *(action(n, raised=D(2026, 1, n)) for n in range(1, 6))]
    assert check(tmp_path, Actions=scattered).board.meetings.records == []
    days = [D(2026, 1, 14)] * 3 + [D(2026, 2, 11)] * 2
    shared = [ACTION_HEAD, *(action(n, raised=day) for n, day in enumerate(days, start=1))]
    v = check(tmp_path, Actions=shared)
    assert [m.date for m in v.board.meetings.records] == [D(2026, 1, 14), D(2026, 2, 11)]
    assert any(
        "taken from the 'Raised' column of the 'Actions' tab (5 actions were raised on 2 days)"
        in f.message
        for f in v.report.findings
    )
