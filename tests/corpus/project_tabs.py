"""One tab per project (same headers on each, the project's name as a title above them), a
Summary tab of counts, an Archive tab of closed actions, and the members on a Contacts tab whose
headers are the Board's own. Status words are the office's: On track, At risk, Overdue, On hold,
Complete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.corpus._write import bold, rows, title

D = dt.date
HEADERS = ["Ref", "Action", "Lead", "Date raised", "Target date", "Status", "Comments"]
PROJECTS = {
    "Day Opportunities": [
        [
            "DO-1",
            "Map the day centres' opening hours",
            "Jon Tomlinson",
            D(2026, 1, 14),
            D(2026, 3, 1),
            "On track",
            "Half done",
        ],
        [
            "DO-2",
            "Ask members about transport",
            "Amina Dar",
            D(2026, 1, 14),
            D(2026, 2, 27),
            "On track",
            None,
        ],
    ],
    "Carers Strategy": [
        [
            "CS-1",
            "Draft the carers' survey",
            "Amina Dar",
            D(2026, 1, 14),
            D(2026, 2, 2),
            "Overdue",
            "Needs the co-chairs' comments",
        ],
        [
            "CS-2",
            "Book the carers' event",
            "Lena Marsh",
            D(2026, 2, 11),
            D(2026, 4, 15),
            "On hold",
            "Waiting for the budget",
        ],
    ],
    "Supported Living": [
        [
            "SL-1",
            "Visit two schemes with residents",
            "Tom Reed",
            D(2026, 1, 14),
            D(2026, 3, 31),
            "On track",
            None,
        ],
        [
            "SL-2",
            "Collect tenants' views on the new contract",
            "Dan Frost",
            D(2026, 1, 14),
            D(2026, 3, 31),
            "At risk",
            "No provider contact yet",
        ],
        [
            "SL-3",
            "Share the scheme list with members",
            "Karen Bell",
            D(2026, 1, 14),
            D(2026, 2, 5),
            "At risk",
            "Still waiting for provider list",
        ],
    ],
}
ARCHIVE = [
    [
        "DO-0",
        "Agree the project's scope",
        "Karen Bell",
        D(2025, 11, 12),
        D(2025, 12, 10),
        "Complete",
        "Agreed at the December meeting",
    ],
    [
        "CS-0",
        "Find a carers' lead",
        "Karen Bell",
        D(2025, 11, 12),
        D(2025, 12, 10),
        "Complete",
        "Amina Dar",
    ],
]
CONTACTS_HEADERS = ["Member ID", "Name", "Email", "Role", "Category", "Joined", "Agreed ToR"]
J = D(2025, 1, 15)
CONTACTS = [
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
    ["M04", "Lena Marsh", "lena@example.org", "Member", "Carer or advocate", J, "Yes"],
    ["M05", "Tom Reed", "tom.reed@example.org", "Member", "Resident", J, "Yes"],
    [
        "M06",
        "Priya Kaur",
        "priya.kaur@example.org",
        "Member",
        "Health and social care staff",
        J,
        "Yes",
    ],
]


def build(path: Path) -> Path:
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    rows(
        summary,
        1,
        [
            ["Project", "Lead", "Open actions", "Overall RAG"],
            *([name, "Karen Bell", len(lines), "Amber"] for name, lines in PROJECTS.items()),
        ],
    )
    for name, lines in PROJECTS.items():
        ws = wb.create_sheet(name)
        title(ws, f"{name}: actions", len(HEADERS))
        rows(ws, 2, [HEADERS, *lines])
        bold(ws, 2)
    archive = wb.create_sheet("Archive")
    title(archive, "Closed actions", len(HEADERS))
    rows(archive, 2, [HEADERS, *ARCHIVE])
    contacts = wb.create_sheet("Contacts")
    rows(contacts, 1, [CONTACTS_HEADERS, *CONTACTS])
    wb.save(path)
    return path
