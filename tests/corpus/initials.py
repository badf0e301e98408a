"""A small office's own action list: owners as initials ("JT", "JT/AD", "JT & AD", "All"),
due dates as people write them ("w/c 12 Jan", "end of March", "TBC"), a Done tick and a
"Date closed" but no Status column, private notes headed "do not circulate", no Confidential
column, and the members on a tab called Board with an Initials column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from tests.corpus._write import bold, rows

D = dt.date
J = D(2025, 1, 15)
TICK = "\u2713"
ACTIONS = [
    ["Ref", "Meeting", "What", "Who", "When", "Done", "Date closed", "Notes (do not circulate)"],
    ["Carried forward from 2025"],
    [
        "25/14",
        D(2025, 12, 17),
        "Write to the ICB about the waiting list",
        "JT",
        "w/c 12 Jan",
        None,
        None,
        "Chair unhappy with ICB reply",
    ],
    [
        "25/15",
        D(2025, 12, 17),
        "Agree the budget for easy-read papers",
        "KB",
        D(2026, 1, 9),
        TICK,
        D(2026, 1, 8),
        None,
    ],
    ["26/01", D(2026, 1, 14), "Plan the carers' event", "JT/AD", "end of March", None, None, None],
    [
        "26/02",
        D(2026, 1, 14),
        "Find a venue with a hearing loop",
        "XY",
        D(2026, 3, 6),
        None,
        None,
        "XY = new officer, not on the Board",
    ],
    [
        "26/03",
        D(2026, 1, 14),
        "Read the draft strategy before February",
        "All",
        D(2026, 2, 11),
        TICK,
        D(2026, 2, 11),
        None,
    ],
    ["26/04", D(2026, 2, 11), "Decide on the survey questions", "JT & AD", "TBC", None, None, None],
]
BOARD = [
    ["Name", "Initials", "Email", "Role", "Organisation", "Joined"],
    ["Jon Tomlinson (Co-Chair)", "JT", "jon.t@example.org", "Resident co-chair", None, J],
    ["Karen Bell", "KB", "karen.bell@example.org", "Commissioner co-chair", "Adult Social Care", J],
    ["Amina Dar", "AD", "amina@example.org", "Member", "Carers First", J],
    ["Priya Kaur", "PK", "priya.kaur@example.org", "Member", "LD team", J],
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    rows(ws, 1, ACTIONS)
    bold(ws, 1)
    ws.merge_cells("A2:H2")
    board = wb.create_sheet("Board")
    rows(board, 1, BOARD)
    bold(board, 1)
    wb.save(path)
    return path
