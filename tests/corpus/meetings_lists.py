"""A tracker whose drop-downs (data validation) are fed from a hidden Lists tab: the meeting
type, the action status in the office's own words ("Not started", "Underway", "Completed",
"Withdrawn", "Paused") and Yes/No lists typed into the rule itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from tests.corpus._write import bold, rows

D = dt.date
J = D(2025, 1, 15)
LISTS = [
    ["Meeting type", "Status", "Yes/No"],
    ["Board", "Not started", "Yes"],
    ["Sub-group", "Underway", "No"],
    [None, "Completed", None],
    [None, "Withdrawn", None],
    [None, "Paused", None],
]
MEETINGS = [
    [
        "Date",
        "Type",
        "Duration (hrs)",
        "Minutes taken by",
        "Actions reviewed",
        "Easy read minutes sent",
    ],
    [D(2025, 12, 17), "Board", 2, "Priya Kaur", "Yes", "Yes"],
    [D(2026, 1, 14), "Board", 2, "Sue Grant", "Yes", "Yes"],
    [D(2026, 1, 28), "Sub-group", 1, "Amina Dar", "Yes", "Yes"],
    [D(2026, 2, 11), "Board", 2, "Priya Kaur", "No", "Yes"],
    [D(2026, 3, 11), "Board", None, None, None, None],
]
ACTIONS = [
    [
        "Action ID",
        "Raised",
        "Action",
        "Owner",
        "Due",
        "Status",
        "Completed on",
        "Last update",
        "Update",
    ],
    [
        "A1",
        D(2026, 1, 14),
        "Draft the easy-read leaflet",
        "Jon Tomlinson",
        D(2026, 2, 20),
        "Underway",
        None,
        D(2026, 2, 11),
        "First draft shared",
    ],
    [
        "A2",
        D(2026, 1, 14),
        "Book the room for the sub-group",
        "Priya Kaur",
        D(2026, 1, 21),
        "Completed",
        D(2026, 1, 20),
        D(2026, 1, 20),
        None,
    ],
    [
        "A3",
        D(2026, 1, 14),
        "Ask the provider forum for a member",
        "Karen Bell",
        D(2026, 2, 6),
        "Not started",
        None,
        D(2026, 1, 14),
        None,
    ],
    [
        "A4",
        D(2026, 1, 28),
        "Cost the transport options",
        "Karen Bell",
        D(2026, 3, 31),
        "Paused",
        None,
        D(2026, 2, 11),
        "Budget not set",
    ],
    [
        "A5",
        D(2026, 1, 28),
        "Visit the new day centre",
        "Amina Dar",
        D(2026, 2, 28),
        "Withdrawn",
        None,
        D(2026, 2, 11),
        "Centre closed",
    ],
]
MEMBERS = [
    ["Member ID", "Name", "Email", "Role", "Category", "Joined", "Agreed ToR"],
    ["M01", "Jon Tomlinson", "jon.t@example.org", "Co-chair (resident)", "Resident", J, "Yes"],
    [
        "M02",
        "Karen Bell",
        "karen.bell@example.org",
        "Co-chair (commissioner)",
        "Council officer",
        J,
        "Yes",
    ],
    ["M03", "Amina Dar", "amina@example.org", "Member", "Carer or advocate", J, "Yes"],
    [
        "M04",
        "Priya Kaur",
        "priya.kaur@example.org",
        "Member",
        "Health and social care staff",
        J,
        "Yes",
    ],
    ["M05", "Tom Reed", "tom.reed@example.org", "Member", "Resident", J, "No"],
]


def build(path: Path) -> Path:
    wb = Workbook()
    meetings = wb.active
    meetings.title = "Meetings"
    rows(meetings, 1, MEETINGS)
    actions = wb.create_sheet("Actions")
    rows(actions, 1, ACTIONS)
    members = wb.create_sheet("Members")
    rows(members, 1, MEMBERS)
    lists = wb.create_sheet("Lists")
    rows(lists, 1, LISTS)
    lists.sheet_state = "hidden"
    for ws in (meetings, actions, members):
        bold(ws, 1)
    _drop_down(meetings, "=Lists!$A$2:$A$3", "B2:B50")
    _drop_down(meetings, "=Lists!$C$2:$C$3", "E2:F50")
    _drop_down(actions, "=Lists!$B$2:$B$6", "F2:F200")
    _drop_down(members, '"Yes,No"', "G2:G50")
    wb.save(path)
    return path


def _drop_down(ws: object, formula: str, cells: str) -> None:
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    dv.add(cells)
    ws.add_data_validation(dv)  # type: ignore[attr-defined]
