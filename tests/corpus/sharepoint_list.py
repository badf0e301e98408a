"""A Microsoft 365 (SharePoint) list exported to Excel: an Excel table with SharePoint's own
columns ("ID", "Title", "Assigned To", "% Complete", "Priority", "Created", "Modified",
"Created By"), dates with times, and the members in a second list with "Start Date", "End
Date" and a "Co-Chair" Yes/No column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from tests.corpus._write import rows

T = dt.datetime
ACTIONS = [
    [
        "ID",
        "Title",
        "Meeting",
        "Assigned To",
        "Due Date",
        "Status",
        "Priority",
        "% Complete",
        "Created",
        "Modified",
        "Created By",
    ],
    [
        11,
        "Ask the ICB for the waiting list figures",
        T(2026, 1, 14),
        "Priya Kaur",
        T(2026, 2, 6),
        "In Progress",
        "High",
        0.5,
        T(2026, 1, 15, 9, 12),
        T(2026, 2, 2, 16, 40),
        "Karen Bell",
    ],
    [
        12,
        "Book the March meeting room",
        T(2026, 1, 14),
        "Karen Bell",
        T(2026, 2, 20),
        "Completed",
        "Normal",
        1,
        T(2026, 1, 15, 9, 14),
        T(2026, 1, 21, 11, 5),
        "Karen Bell",
    ],
    [
        13,
        "Draft the easy-read leaflet",
        T(2026, 1, 14),
        "Jon Tomlinson",
        T(2026, 3, 13),
        "Not Started",
        "Normal",
        0,
        T(2026, 1, 15, 9, 20),
        T(2026, 1, 15, 9, 20),
        "Karen Bell",
    ],
    [
        14,
        "Share the carers' survey results",
        T(2026, 2, 11),
        "Amina Dar",
        T(2026, 3, 4),
        "In Progress",
        "Low",
        0.2,
        T(2026, 2, 12, 10, 2),
        T(2026, 2, 13, 8, 30),
        "Karen Bell",
    ],
    [
        15,
        "Invite a provider to speak",
        T(2026, 2, 11),
        "Ruth Ngo",
        T(2026, 3, 11),
        "Not Started",
        "Normal",
        0,
        T(2026, 2, 12, 10, 5),
        T(2026, 2, 12, 10, 5),
        "Karen Bell",
    ],
]
MEMBERS = [
    ["ID", "Name", "Email", "Member Type", "Co-Chair", "Start Date", "End Date"],
    [1, "Jon Tomlinson", "jon.t@example.org", "Resident", "Yes", T(2025, 1, 15), None],
    [2, "Karen Bell", "karen.bell@example.org", "Council officer", "Yes", T(2025, 1, 15), None],
    [3, "Amina Dar", "amina@example.org", "Carer", "No", T(2025, 1, 15), None],
    [
        4,
        "Priya Kaur",
        "priya.kaur@example.org",
        "Health and social care staff",
        "No",
        T(2025, 1, 15),
        None,
    ],
    [5, "Ruth Ngo", "ruth.ngo@example.org", "Provider", "No", T(2025, 1, 15), T(2025, 9, 30)],
]


def build(path: Path) -> Path:
    wb = Workbook()
    actions = wb.active
    actions.title = "Board Actions"
    rows(actions, 1, ACTIONS)
    actions.add_table(Table(displayName="BoardActions", ref=f"A1:K{len(ACTIONS)}"))
    members = wb.create_sheet("Board Members")
    rows(members, 1, MEMBERS)
    members.add_table(Table(displayName="BoardMembers", ref=f"A1:G{len(MEMBERS)}"))
    wb.save(path)
    return path
