"""An action log as a council keeps it: a merged title, a "last updated" line, two header rows
(merged group cells over the real headers), RAG letters with matching fills, a "Date closed"
but no Status column, an "Internal only?" Y/N column instead of Confidential, a row of notes
between the actions, and a plain Members tab with no Member ID."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.corpus._write import FILLS, bold, fill, rows, title

D = dt.date
SHEET = "Action Log 2025-26"
GROUPS = ["Action", None, "Raised", None, "Ownership", None, "Progress", None, None, None]
HEADERS = [
    "No.",
    "Action",
    "Meeting date",
    "Project",
    "Owner",
    "Due date",
    "RAG",
    "Update",
    "Date closed",
    "Internal only?",
]
ACTIONS = [  # rows 5 onwards; row 9 is a note between the actions
    [
        1,
        "Write to providers about day-centre transport",
        D(2025, 11, 12),
        "P01",
        "Jon Tomlinson",
        D(2025, 12, 19),
        "C",
        "Letter sent 15 Dec",
        D(2025, 12, 15),
        "N",
    ],
    [
        2,
        "Set up a carers' focus group",
        D(2026, 1, 14),
        "P02",
        "Amina Dar",
        D(2026, 1, 30),
        "R",
        "Venue not booked yet",
        None,
        "N",
    ],
    [
        3,
        "Report on the respite waiting list",
        D(2026, 1, 14),
        "P02",
        "Priya Kaur",
        D(2026, 3, 20),
        "G",
        "Draft under way",
        None,
        "Y",
    ],
    [
        4,
        "Easy-read version of the day opportunities strategy",
        D(2026, 1, 14),
        "P01",
        "Sam Okafor",
        D(2026, 2, 27),
        "A",
        "Waiting for the designer",
        None,
        "N",
    ],
    [
        "Actions carried forward from the December meeting are above this line",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ],
    [
        5,
        "Invite the ICB lead to the March meeting",
        D(2026, 1, 14),
        None,
        "Jon Tomlinson",
        D(2026, 1, 31),
        "A",
        None,
        None,
        "N",
    ],
    [
        6,
        "Publish the minutes on the website",
        D(2026, 1, 14),
        None,
        "Karen Bell",
        D(2026, 2, 6),
        "C",
        "Done",
        D(2026, 2, 5),
        "N",
    ],
    [
        7,
        "Review the transport policy with members",
        D(2026, 2, 10),
        "P01",
        "Amina Dar",
        D(2026, 4, 30),
        "G",
        None,
        None,
        "N",
    ],
    [
        8,
        "Send the Terms of Reference to new members",
        D(2026, 2, 10),
        None,
        "Karen Bell",
        D(2026, 2, 13),
        "C",
        "Sent",
        None,
        "N",
    ],
]
MEMBERS_HEADERS = ["Name", "Role", "Category", "Organisation", "Email", "Joined", "Agreed ToR"]
MEMBERS = [
    [
        "Jon Tomlinson",
        "Resident co-chair",
        "Resident",
        None,
        "jon.t@example.org",
        D(2024, 9, 1),
        "Yes",
    ],
    [
        "Karen Bell",
        "Commissioner co-chair",
        "Council officer",
        "Adult Social Care",
        "karen.bell@example.org",
        D(2024, 9, 1),
        "Yes",
    ],
    ["Amina Dar", "Member", "Carer", "Carers First", "amina@example.org", D(2024, 9, 1), "Yes"],
    ["Priya Kaur", "Member", "Staff", "LD team", "priya.kaur@example.org", D(2024, 9, 1), "Yes"],
    ["Tom Reed", "Member", "Resident", None, "tom.reed@example.org", D(2025, 3, 1), "No"],
    ["Lena Marsh", "Member", "Carer", None, "lena@example.org", D(2025, 3, 1), "Yes"],
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    title(ws, "Adult Social Care Co-Production Board - Action Log", len(HEADERS))
    ws["A2"] = "Last updated 10/02/2026 by KB"
    rows(ws, 3, [GROUPS, HEADERS])
    for first, last in ((1, 2), (3, 4), (5, 6), (7, 10)):
        ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=last)
    bold(ws, 3)
    bold(ws, 4)
    rows(ws, 5, ACTIONS)
    ws.merge_cells("A9:J9")
    for n, line in enumerate(ACTIONS, start=5):
        if line[6] in FILLS:
            fill(ws, f"G{n}", FILLS[str(line[6])])
    members = wb.create_sheet("Members")
    rows(members, 1, [MEMBERS_HEADERS, *MEMBERS])
    bold(members, 1)
    wb.save(path)
    return path
