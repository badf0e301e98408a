"""The sample board's co-production record (issue 31): sub-groups, the conversations held,
"you said, we did" and recognition, dated relative to "today" like the rest of the sample.

These rows are clean on purpose: the sample's planted problems live on the four main tabs (see
sample.py), so its findings and marks stay what the digests and tests expect, while a new
user sees every section of the report and the public page filled in.
"""

from __future__ import annotations

import datetime as dt

D = dt.timedelta

# ref, days ago, project, stage (as typed: seed 002's words), method, level, counts, groups
ENGAGEMENT = [
    (
        "E01",
        180,
        "P01",
        "Analyse",
        "Survey",
        "Consultation",
        (42, 15, 0, 0),
        "Haringey Speaks Up; day centres",
    ),
    (
        "E02",
        120,
        "P01",
        "Plan",
        "Workshop",
        "Co-design",
        (9, 4, 0, 5),
        "Haringey Speaks Up; Carers Reference Group",
    ),
    ("E03", 40, "P01", "Do", "Drop-in", "Co-production", (12, 3, 4, 2), "Day centres"),
    (
        "E04",
        45,
        "P02",
        "Plan",
        "Existing group's meeting",
        "Engagement",
        (0, 11, 0, 2),
        "Carers Reference Group",
    ),
    (
        "E05",
        10,
        "P03",
        "Analyse",
        "Focus group",
        "Consultation",
        (6, 2, 3, 0),
        "Home care users' forum",
    ),
    ("E06", 300, "P04", "Analyse", "One-to-one", "Consultation", (8, 0, 0, 0), "Tenants"),
    ("E07", 250, "P04", "Plan", "Workshop", "Co-design", (6, 0, 0, 3), "Tenants; scheme staff"),
    ("E08", 60, "P04", "Review", "Survey", "Co-production", (14, 2, 0, 0), "Tenants"),
]

# id, project, heard (days ago), source, you said, we did, reason, status, done, told back, how
SAID = [
    (
        "Y01",
        "P01",
        180,
        "E01",
        "Sessions finish too early for people who work.",
        "Two evening sessions a week start in the spring.",
        None,
        "Done",
        120,
        100,
        "Easy-read newsletter and at Haringey Speaks Up",
    ),
    (
        "Y02",
        "P01",
        120,
        "E02",
        "We want to choose our activities, not be given a timetable.",
        "Each centre now plans its month with the people who go there.",
        None,
        "Done",
        60,
        50,
        "At the next co-design workshop",
    ),
    (
        "Y03",
        "P01",
        40,
        "E03",
        "Transport to the centre is hard to book.",
        "We are asking the transport team for one booking line.",
        None,
        "Considering",
        None,
        None,
        None,
    ),
    (
        "Y04",
        "P02",
        45,
        "Carers Reference Group",
        "Breaks need to be bookable at short notice.",
        None,
        None,
        "Heard",
        None,
        None,
        None,
    ),
    (
        "Y05",
        "P04",
        300,
        "E06",
        "Tenants want a say in who supports them.",
        "Tenants now sit on the interview panel for support staff.",
        None,
        "Done",
        200,
        190,
        "Tenants' meeting and letter",
    ),
    (
        "Y06",
        "P04",
        250,
        "E07",
        "A concierge at every scheme.",
        None,
        "The money covers one scheme; a trial starts at the largest and will be reviewed.",
        "Not possible",
        220,
        210,
        "Tenants' meeting",
    ),
]

# days ago, person, taking part as, activity, hours, kind, amount, status, given (days ago)
RECOGNITION = [
    (120, "M04", "Resident", "Day services co-design workshop", 3, "Voucher", 30, "Given", 110),
    (120, "M10", "Resident", "Day services co-design workshop", 3, "Voucher", 30, "Given", 110),
    (
        120,
        "Joan Whitaker",
        "Resident",
        "Day services co-design workshop",
        3,
        "Payment",
        45,
        "Given",
        100,
    ),
    (90, "M10", "Resident", "Easy-read training for members", 2, "Training", None, "Given", 90),
    (60, "M15", "Resident", "Designing the tenants' survey", 4, "Certificate", None, "Given", 50),
    (45, "M05", "Carer", "Carers Reference Group meeting", 2, "Expenses", 8.4, "Given", 30),
    (40, "M04", "Resident", "Day services drop-in", 2, "Thanks", None, "Given", 35),
    (10, "M03", "Carer", "Home care focus group", 2, "Expenses", 6.8, "Owed", None),
    (10, "Marcus Lee", "Carer", "Home care focus group", 2, "Voucher", 20, "Owed", None),
]


def record_rows(today: dt.date, meetings: list[dt.date]) -> dict[str, list[dict[str, object]]]:
    """Rows for the four tabs, by schema key; ``meetings`` as in sample.meeting_dates."""
    last_held = max(d for d in meetings if d < today)

    def ago(days: int | None) -> dt.date | None:
        return today - D(days=days) if days is not None else None

    subgroups = [
        {
            "id": "SG1",
            "name": "Day services task and finish group",
            "project_id": "P01",
            "lead": "M04",
            "members": "M04, M06 and M10; 3 residents / 2 carers",
            "set_up_on": ago(150),
            "last_reported": last_held,
            "status": "Open",
        },
        {
            "id": "SG2",
            "name": "Carers' breaks reference panel",
            "project_id": "P02",
            "lead": "M05",
            "members": "M05; M03; M09\n4 carers",
            "set_up_on": ago(50),
            "last_reported": last_held,
            "status": "Open",
        },
        {
            "id": "SG3",
            "name": "Supported housing review group",
            "project_id": "P04",
            "lead": "M15",
            "members": "M15, M07, tenants' panel: 5 residents",
            "set_up_on": ago(310),
            "last_reported": ago(45),
            "status": "Ended",
            "ended_on": ago(40),
        },
    ]
    engagement = [
        {
            "ref": ref,
            "date": ago(days),
            "project_id": project,
            "stage": stage,
            "method": method,
            "participation_level": level,
            "residents": counts[0],
            "carers": counts[1],
            "providers": counts[2],
            "staff": counts[3],
            "groups_reached": groups,
            "adjustments": "Easy-read invitation; step-free venue; travel paid",
            "heard": "See the write-up",
            "link": f"https://example.org/engagement/{ref.lower()}",
        }
        for ref, days, project, stage, method, level, counts, groups in ENGAGEMENT
    ]
    said = [
        {
            "id": i,
            "project_id": p,
            "date_heard": ago(heard),
            "source": source,
            "you_said": you,
            "we_did": we,
            "reason": reason,
            "status": status,
            "done_on": ago(done),
            "told_back_on": ago(told),
            "how_told_back": how,
        }
        for i, p, heard, source, you, we, reason, status, done, told, how in SAID
    ]
    recognition = [
        {
            "ref": f"R{n:02d}",
            "date": ago(days),
            "person": person,
            "taking_part_as": as_,
            "activity": activity,
            "hours": hours,
            "kind": kind,
            "amount": amount,
            "status": status,
            "given_on": ago(given),
        }
        for n, (days, person, as_, activity, hours, kind, amount, status, given) in enumerate(
            RECOGNITION, start=1
        )
    ]
    return {
        "subgroups": subgroups,
        "engagement": engagement,
        "you_said_we_did": said,
        "recognition": recognition,
    }
