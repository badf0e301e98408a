"""A realistic sample board workbook for a fictional board, dated relative to "today".

It is generated, not committed, so that its findings stay typical whatever the date: a co-chair
term ending soon, overdue and stale actions, an unbalanced membership, a missed project duty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from automations.core.paths import data_path
from automations.model.board import STAGES
from automations.model.schema import TableSchema, load_schemas
from automations.starter.sample_record import record_rows

D = dt.timedelta
YES, NO = "Yes", "No"

# id, name, role, category, seat, organisation, joined (days ago), left (days ago), flags
MEMBERS = [
    (
        "M01",
        "Grace Adebayo",
        "Co-chair (resident)",
        "Resident",
        "Self-representative",
        "",
        330,
        None,
        {"term": 320},
    ),
    (
        "M02",
        "Daniel Okafor",
        "Co-chair (commissioner)",
        "Council officer",
        "Commissioner",
        "Haringey Council Commissioning",
        420,
        None,
        {"term": 400},
    ),
    ("M03", "Priya Shah", "Member", "Carer or advocate", "Carer or advocate", "", 330, None, {}),
    (
        "M04",
        "Tom Reilly",
        "Member",
        "Resident",
        "Self-advocacy group",
        "Haringey Speaks Up",
        330,
        None,
        {},
    ),
    (
        "M05",
        "Amina Hassan",
        "Member",
        "Carer or advocate",
        "Reference group",
        "Carers Reference Group",
        330,
        None,
        {},
    ),
    (
        "M06",
        "Kwame Mensah",
        "Member",
        "Health and social care staff",
        "Social worker",
        "Learning Disabilities Team",
        330,
        None,
        {},
    ),
    (
        "M07",
        "Helen Fraser",
        "Member",
        "Health and social care staff",
        "Clinical staff",
        "Older People's Mental Health",
        300,
        None,
        {},
    ),
    (
        "M08",
        "Cllr Maria Costa",
        "Member",
        "Elected member",
        "Elected member",
        "Haringey Council",
        330,
        None,
        {},
    ),
    (
        "M09",
        "Joseph Nwosu",
        "Member",
        "Council officer",
        "Council department",
        "Procurement",
        280,
        None,
        {},
    ),
    (
        "M10",
        "Fatima Begum",
        "Member",
        "Resident",
        "Self-representative",
        "",
        250,
        None,
        {"easy_read": True},
    ),
    (
        "M11",
        "Lucy Bennett",
        "Member",
        "Voluntary sector",
        "Disability Action Haringey",
        "Disability Action Haringey",
        330,
        None,
        {},
    ),
    (
        "M12",
        "Samuel Adeyemi",
        "Member",
        "Provider",
        "Provider",
        "Northside Home Care",
        200,
        None,
        {},
    ),
    (
        "M13",
        "Rosa Martinez",
        "Member",
        "Carer or advocate",
        "Self-advocacy group",
        "Haringey Speaks Up",
        90,
        None,
        {},
    ),
    (
        "M14",
        "Ian McDonald",
        "Member",
        "Health and social care staff",
        "ICB",
        "North Central London ICB",
        330,
        None,
        {},
    ),
    (
        "M15",
        "Chloe Evans",
        "Member",
        "Resident",
        "JPB representative",
        "Joint Partnership Board",
        330,
        None,
        {},
    ),
    (
        "M16",
        "Ahmed Ali",
        "Member",
        "Council officer",
        "Commissioner",
        "Haringey Council Commissioning",
        330,
        None,
        {},
    ),
    ("M17", "Patricia Lewis", "Member", "Resident", "Self-representative", "", 300, 150, {}),
    (
        "M18",
        "Noah Green",
        "Member",
        "Resident",
        "Self-representative",
        "",
        40,
        None,
        {"agreed": None, "easy_read": True},
    ),
]

PROJECTS = [
    (
        "P01",
        "Day opportunities for adults with learning disabilities",
        "Ahmed Ali",
        "During",
        "Do",
        "Co-design; Co-delivery",
        "Collaborate",
        "Co-design a new day opportunities offer with the people who use it",
        "M04; M06; M10",
        "Day services task and finish group",
        "M04",
        YES,
        -200,
        120,
        "During",
    ),
    (
        "P02",
        "Carers' breaks and respite",
        "Daniel Okafor",
        "Initiation",
        "Plan",
        "Co-planning",
        "Involve",
        "Agree what a good short break looks like for carers",
        "M03; M05; M09",
        "",
        "",
        NO,
        -60,
        240,
        "Initiation-missing",
    ),
    (
        "P03",
        "Home care re-commissioning",
        "Joseph Nwosu",
        "Pre-initiation",
        "Analyse",
        "",
        "Consult",
        "",
        "",
        "",
        "",
        None,
        -20,
        400,
        "Pre-initiation",
    ),
    (
        "P04",
        "Mental health supported housing review",
        "Ahmed Ali",
        "Closed",
        "Review",
        "Co-evaluation",
        "Involve",
        "Review supported housing outcomes with tenants",
        "M10; M07; M15",
        "",
        "",
        YES,
        -320,
        -40,
        "Closed",
    ),
]

ACTIONS = [  # meeting index (0 = oldest), text, owner, project, due after raise, status, flags
    (0, "Share the draft Terms of Reference in easy read", "M02", "", 14, "Done", {}),
    (0, "Invite the Carers Reference Group to nominate a member", "M16", "", 21, "Done", {}),
    (0, "Set up a shared folder for Board papers", "M09", "", 14, "Done", {}),
    (1, "Map day services currently commissioned", "M06", "P01", 28, "Done", {}),
    (1, "Draft an easy-read survey for day service users", "M10", "P01", 28, "Done", {}),
    (1, "Confirm meeting venue is step-free", "M02", "", 7, "Done", {"no_completed": True}),
    (2, "Agree the sub-group membership for day services", "M04", "P01", 21, "Done", {}),
    (2, "Check budget envelope for respite with finance", "M09", "P02", 28, "Dropped", {}),
    (
        2,
        "Discuss a named provider's quality concerns with QA",
        "M02",
        "",
        14,
        "Done",
        {"confidential": True},
    ),
    (3, "Run two listening events on day opportunities", "M04", "P01", 35, "Done", {}),
    (3, "Write the communications plan for carers' breaks", "M16", "P02", 42, "In progress", {}),
    (3, "Send lessons learned notes from supported housing", "M07", "P04", 21, "Done", {}),
    (
        3,
        "Collect carers' stories for the respite review",
        "M05",
        "P02",
        30,
        "Open",
        {"stale": True},
    ),
    (4, "Report survey findings to the Board", "M10", "P01", 28, "Done", {}),
    (4, "Provide information for the JPB annual report", "M15", "P04", 28, "Done", {}),
    (4, "Review complaints data for home care", "Sarah Whitfield", "P03", 21, "Open", {}),
    (4, "Agree a date for the membership review", "M01", "", 21, "In progress", {}),
    (5, "Draft the day opportunities service specification", "M06", "P01", 35, "In progress", {}),
    (5, "Identify stakeholders for home care re-commissioning", "M09", "P03", 21, "Open", {}),
    (5, "Arrange easy-read training for members", "M02", "", 28, "Open", {}),
    (
        5,
        "Staffing matter at a provider to raise with the Senior Head",
        "M16",
        "",
        14,
        "Done",
        {"confidential": True},
    ),
    (5, "Share carers' survey results", "M03", "P02", 21, "Done", {}),
    (6, "Advertise home care project on the Council website", "M09", "P03", 14, "Open", {}),
    (6, "Ask self-advocacy groups about respite experiences", "M13", "P02", 21, "Open", {}),
    (6, "Prepare papers for the next Board meeting", "M02", "", 7, "Open", {}),
    (6, "Update the Board on the provider market position", "M14", "", 10, "In progress", {}),
    (6, "Write up the day opportunities co-design workshop", "M04", "P01", 3, "Open", {}),
    (6, "Confirm the contract monitoring approach for day services", "M16", "P01", 28, "Open", {}),
    (6, "Circulate the easy-read minutes of this meeting", "M01", "", 10, "Open", {}),
    (6, "Check with the ICB about joint funding for respite", "M14", "P02", 35, "Open", {}),
]


def meeting_dates(today: dt.date) -> list[dt.date]:
    """Seven held meetings four weeks apart on Wednesdays, then the next one."""
    last = today - D(days=(today.weekday() - 2) % 7 or 7)
    held = [last - D(weeks=4 * i) for i in range(6, -1, -1)]
    return [*held, last + D(weeks=4)]


def build_sample(path: Path, today: dt.date) -> Path:
    schemas = load_schemas(data_path("sheets_schema"))
    wb = Workbook()
    wb.remove(wb.active)
    meetings = meeting_dates(today)
    _sheet(wb, schemas["members"], [_member(m, today) for m in MEMBERS])
    _sheet(wb, schemas["projects"], [_project(p, schemas["projects"], today) for p in PROJECTS])
    _sheet(
        wb,
        schemas["actions"],
        [_action(i, a, meetings, today) for i, a in enumerate(ACTIONS, start=1)],
    )
    _sheet(wb, schemas["meetings"], [_meeting(i, d, today) for i, d in enumerate(meetings)])
    for key, rows in record_rows(today, meetings).items():  # the co-production record
        _sheet(wb, schemas[key], rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _member(m: tuple, today: dt.date) -> dict[str, object]:
    mid, name, role, category, seat, org, joined, left, flags = m
    email = name.lower().replace("cllr ", "").replace(" ", ".") + "@example.org"
    return {
        "id": mid,
        "name": name,
        "email": email,
        "role": role,
        "category": category,
        "seat": seat,
        "organisation": org,
        "joined": today - D(days=joined),
        "left": today - D(days=left) if left is not None else None,
        "term_start": today - D(days=flags["term"]) if "term" in flags else None,
        "term_extended": NO if "term" in flags else None,
        "chairs_other_group": NO if role == "Co-chair (resident)" else None,
        "agreed_tor": flags.get("agreed", YES),
        "easy_read": YES if flags.get("easy_read") else NO,
        "service_areas": "LD; MH; OP",
    }


def _project(p: tuple, schema: TableSchema, today: dt.date) -> dict[str, object]:
    (
        pid,
        title,
        lead,
        stage,
        phase,
        copro,
        level,
        objectives,
        assigned,
        sub_group,
        sub_lead,
        eqia,
        start,
        end,
        duty_state,
    ) = p
    row: dict[str, object] = {
        "id": pid,
        "title": title,
        "lead_officer": lead,
        "stage": stage,
        "cycle_phase": phase,
        "coproduction": copro,
        "participation_level": level,
        "objectives": objectives,
        "assigned_members": assigned,
        "sub_group": sub_group,
        "sub_group_lead": sub_lead,
        "eqia_completed": eqia,
        "start": today + D(days=start),
        "target_end": today + D(days=end),
    }
    reached = STAGES.index(stage)
    for col in schema.duty_columns:
        done = STAGES.index(col.duty) < reached or stage == "Closed"
        row[col.field] = YES if done else None
    if duty_state == "Initiation-missing":
        row["duty_advertised_groups"] = NO
    if duty_state == "During":
        row["duty_board_tasks_agreed"] = YES
    return row


def _action(number: int, a: tuple, meetings: list[dt.date], today: dt.date) -> dict[str, object]:
    index, text, owner, project, due_after, status, flags = a
    raised = meetings[index]
    due = raised + D(days=due_after)
    done = status == "Done"
    completed = None if flags.get("no_completed") or not done else min(due, today - D(days=1))
    last_update = None if flags.get("stale") else (completed or min(today, raised + D(days=10)))
    return {
        "id": f"A{number:03d}",
        "raised": raised,
        "project_id": project,
        "action": text,
        "owner": owner,
        "due": due,
        "status": status,
        "completed_on": completed,
        "last_update": last_update,
        "update": "Done, see minutes" if done else "",
        "confidential": YES if flags.get("confidential") else NO,
    }


def _meeting(index: int, day: dt.date, today: dt.date) -> dict[str, object]:
    held = day < today
    second_last = index == 5
    return {
        "date": day,
        "length_hours": 2.5 if index == 3 else 2,
        "minute_taker": ["M03", "M09", "M16", "M05", "M09", "M16", "M03", None][index],
        "resident_cochair_present": YES if held else None,
        "commissioner_cochair_present": (NO if index == 4 else YES) if held else None,
        "deputy": "M16" if index == 4 else None,
        "actions_followed_up": YES if held else None,
        "membership_reviewed": YES if index == 0 else (NO if held else None),
        "easy_read_minutes": (NO if second_last else YES) if held else None,
    }


HEADER_FILL = PatternFill("solid", start_color="1F4E79")


LONG_TEXT = {"action", "title", "objectives", "update", "assigned_members"}


def _width(field: str, kind: str) -> int:
    if field in LONG_TEXT:
        return 44
    return 14 if kind in ("date", "yesno") else 22


STAND_INS = frozenset({"rag", "done"})


def _sheet(wb: Workbook, schema: TableSchema, rows: list[dict[str, object]]) -> None:
    ws = wb.create_sheet(schema.name)
    # The columns that stand in for Status in trackers without one (RAG, Done) are left out:
    # a Board that keeps Status would not keep them. Every other column is there to be filled.
    columns = [c for c in schema.columns if not (schema.key == "actions" and c.field in STAND_INS)]
    ws.append([c.name for c in columns])
    for row in rows:
        ws.append([row.get(c.field) for c in columns])
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=1, column=i)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = _width(col.field, col.kind)
        cells = f"{letter}2:{letter}{max(len(rows) + 50, 100)}"
        if col.kind == "date":
            for r in range(2, len(rows) + 2):
                ws.cell(row=r, column=i).number_format = "DD/MM/YYYY"
        options = ["Yes", "No"] if col.kind == "yesno" else list(col.values)
        if col.kind in ("yesno", "choice") and len(",".join(options)) < 250:
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=True,
                showErrorMessage=False,
            )
            dv.add(cells)
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 48  # room for the wrapped headers
    ws.freeze_panes = "B2"
