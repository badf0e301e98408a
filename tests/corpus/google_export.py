"""A Google Sheets tracker downloaded as .xlsx: plain cells, checkboxes saved as TRUE/FALSE, and
headers of its own ("Job title / role", "Member type", "Co-chair", "Co-chair term ends",
"Location", "Minutes" links, "Done" beside "Done date")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.corpus._write import rows

D = dt.date
J = D(2025, 1, 15)
MEMBERS = [
    [
        "Full name",
        "Email address",
        "Job title / role",
        "Member type",
        "Co-chair",
        "Co-chair term ends",
        "Organisation",
        "Joined",
        "Left",
    ],
    [
        "Jon Tomlinson",
        "jon.t@example.org",
        "Self-advocate",
        "Resident",
        True,
        D(2026, 9, 1),
        None,
        J,
        None,
    ],
    [
        "Karen Bell",
        "karen.bell@example.org",
        "Commissioning Manager",
        "Council officer",
        True,
        D(2027, 1, 15),
        "Adult Social Care",
        J,
        None,
    ],
    [
        "Amina Dar",
        "amina@example.org",
        "Parent carer",
        "Carer",
        False,
        None,
        "Carers First",
        J,
        None,
    ],
    ["Lena Marsh", "lena@example.org", "Carer", "Carer", False, None, None, J, None],
    ["Tom Reed", "tom.reed@example.org", "Self-advocate", "Resident", False, None, None, J, None],
    [
        "Priya Kaur",
        "priya.kaur@example.org",
        "Commissioning Manager",
        "Health and social care staff",
        False,
        None,
        "LD team",
        J,
        None,
    ],
    [
        "Ravi Shah",
        "ravi.shah@example.org",
        "Service manager",
        "Health and social care staff",
        False,
        None,
        "NCL ICB",
        J,
        D(2025, 6, 30),
    ],
]
MEETINGS = [
    ["Meeting date", "Location", "Minutes", "Chair", "Attendees"],
    [
        D(2025, 12, 17),
        "Civic Centre",
        "https://docs.google.com/document/d/abc123/edit",
        "Jon Tomlinson",
        11,
    ],
    [
        D(2026, 1, 14),
        "Civic Centre",
        "https://docs.google.com/document/d/def456/edit",
        "Karen Bell",
        9,
    ],
    [
        D(2026, 2, 11),
        "Online (Teams)",
        "https://docs.google.com/document/d/ghi789/edit",
        "Jon Tomlinson",
        12,
    ],
    [D(2026, 3, 11), "Civic Centre", None, None, None],
]
ACTIONS = [
    ["#", "Meeting", "Action", "Owner", "Due", "Done", "Done date", "Notes"],
    [
        1,
        D(2026, 1, 14),
        "Book the Civic Centre for March",
        "Karen Bell",
        D(2026, 2, 1),
        True,
        D(2026, 1, 20),
        None,
    ],
    [
        2,
        D(2026, 1, 14),
        "Send the survey link to carers",
        "Amina Dar",
        D(2026, 2, 4),
        False,
        None,
        "Link not ready",
    ],
    [
        3,
        D(2026, 1, 14),
        "Check the Teams link works for all",
        "Tom Reed",
        D(2026, 2, 10),
        True,
        None,
        None,
    ],
    [
        4,
        D(2026, 2, 11),
        "Draft the easy-read newsletter",
        "Jon Tomlinson",
        D(2026, 3, 6),
        False,
        None,
        None,
    ],
    [
        5,
        D(2026, 2, 11),
        "Ask the ICB about the waiting list",
        "Ravi Shah",
        D(2026, 3, 6),
        False,
        None,
        "Ravi has left: who now?",
    ],
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Members"
    rows(ws, 1, MEMBERS)
    rows(wb.create_sheet("Meetings"), 1, MEETINGS)
    rows(wb.create_sheet("Actions"), 1, ACTIONS)
    wb.save(path)
    return path
