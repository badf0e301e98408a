"""A membership list kept in sections: a title, section rows ("Residents", "Carers",
"Professionals"), "Vacant" seats, a blank line and a totals row; beside it a plain Actions tab
and a Meetings tab with the Board's own headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.corpus._write import bold, rows, title

D = dt.date
HEADERS = [
    "Ref",
    "Name",
    "Organisation / group",
    "Email address",
    "Role on Board",
    "Category / voice",
    "Date joined",
    "Date left",
    "ToR signed",
    "Notes",
]
J = D(2025, 1, 15)
MEMBERS = [  # rows 4 onwards
    ["Residents"],
    [
        "R1",
        "Jon Tomlinson",
        None,
        "jon.t@example.org",
        "Resident co-chair",
        "Resident",
        J,
        None,
        "Y",
        None,
    ],
    ["R2", "Tom Reed", None, "tom.reed@example.org", "Member", "Resident", J, None, "Y", None],
    [
        "R3",
        "Bev Long",
        "Speak Up",
        "bev@example.org",
        "Member",
        "Resident",
        J,
        None,
        "N",
        "Chased for signed ToR",
    ],
    [None, "Vacant", None, None, None, "Resident", None, None, None, "Advertised Jan 2026"],
    ["Carers"],
    ["C1", "Amina Dar", "Carers First", "amina@example.org", "Member", "Carer", J, None, "Y", None],
    ["C2", "Lena Marsh", None, "lena@example.org", "Member", "Carer", J, None, "Y", None],
    ["C3", "Ola Ade", None, "ola.ade@example.org", "Member", "Carer", J, None, "Y", None],
    ["Professionals"],
    [
        "P1",
        "Karen Bell",
        "Adult Social Care",
        "karen.bell@example.org",
        "Commissioner co-chair",
        "Council officer",
        J,
        None,
        "Y",
        None,
    ],
    [
        "P2",
        "Priya Kaur",
        "LD team",
        "priya.kaur@example.org",
        "Member",
        "Staff",
        J,
        None,
        "Y",
        None,
    ],
    ["P2", "Ravi Shah", "NCL ICB", "ravi.shah@example.org", "Member", "Staff", J, None, "Y", None],
    [None, "Vacant", None, None, None, "Provider", None, None, None, None],
    [],
    [None, "Total members (excl. vacancies)", None, None, None, None, None, None, None, None],
]
ACTIONS_HEADERS = [
    "Action ID",
    "Raised",
    "Action",
    "Owner",
    "Due",
    "Status",
    "Completed on",
    "Update",
]
ACTIONS = [
    [
        "A01",
        D(2026, 1, 14),
        "Advertise the vacant resident seat",
        "Karen Bell",
        D(2026, 1, 30),
        "Open",
        None,
        None,
    ],
    [
        "A02",
        D(2026, 1, 14),
        "Post the papers to members without email",
        "Priya Kaur",
        D(2026, 2, 9),
        "Done",
        D(2026, 2, 9),
        "Posted",
    ],
    [
        "A03",
        D(2026, 2, 11),
        "Plan the carers' away day",
        "Amina Dar",
        D(2026, 3, 31),
        "In progress",
        None,
        None,
    ],
]
MEETINGS_HEADERS = [
    "Date",
    "Length (hours)",
    "Minute-taker",
    "Resident co-chair present",
    "Commissioner co-chair present",
    "Actions followed up",
]
MEETINGS = [
    [D(2025, 12, 17), 2, "Priya Kaur", "Yes", "Yes", "Yes"],
    [D(2026, 1, 14), 2, "Priya Kaur", "Yes", "Yes", "Yes"],
    [D(2026, 2, 11), 3.5, "Priya Kaur", "Yes", "Yes", "Yes"],
    [D(2026, 3, 11), None, None, None, None, None],
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Membership"
    title(ws, "Co-Production Board membership 2025/26", len(HEADERS))
    rows(ws, 3, [HEADERS, *MEMBERS])
    bold(ws, 3)
    for n, line in enumerate(MEMBERS, start=4):
        if len(line) == 1:
            ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=len(HEADERS))
            bold(ws, n)
    total = 4 + len(MEMBERS) - 1
    ws.cell(total, 3, 9)  # the count an officer typed (or a formula showed)
    actions = wb.create_sheet("Actions")
    rows(actions, 1, [ACTIONS_HEADERS, *ACTIONS])
    meetings = wb.create_sheet("Meetings")
    rows(meetings, 1, [MEETINGS_HEADERS, *MEETINGS])
    wb.save(path)
    return path
