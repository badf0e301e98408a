"""Real .xlsx workbooks for tests: a clean board (no findings at all) that tests then change.

Rows are dicts keyed by the canonical header (as in sheets_schema/); values are what a person
would type or what a spreadsheet stores (real dates, text, numbers, booleans).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from automations.core.config import parse_config
from automations.core.findings import Finding, Report
from automations.core.paths import data_path
from automations.model.schema import load_schemas, normalize
from automations.pipeline import validate

TODAY = dt.date(2024, 3, 1)
D = dt.date
Tables = dict[str, list[dict[str, Any]]]
TAB_NAMES = {"members": "Members", "projects": "Projects", "actions": "Actions",
             "meetings": "Meetings", "subgroups": "Sub-groups", "engagement": "Engagement",
             "you_said_we_did": "You said, we did", "recognition": "Recognition"}


def member(mid: str, name: str, category: str, seat: str, org: str = "",
            role: str = "Member", **extra: Any) -> dict[str, Any]:
    row = {"Member ID": mid, "Name": name, "Email": f"{mid.lower()}@example.org", "Role": role,
           "Category": category, "Seat": seat, "Organisation": org, "Joined": D(2023, 11, 1),
           "Left": None, "Term start": None, "Term extended": None,
           "Chairs another group": None, "Agreed ToR": "Yes", "Easy read": "No",
           "Service areas": "LD; MH"}
    row.update(extra)
    return row


def clean_tables() -> Tables:
    """A board that breaks no rule on TODAY (2024-03-01)."""
    members = [
        member("M01", "Ada Resident", "Resident", "Self-representative",
                role="Co-chair (resident)", **{"Term start": D(2023, 11, 29),
                                                "Chairs another group": "No"}),
        member("M02", "Ben Commissioner", "Council officer", "Commissioner", "ASC Commissioning",
                role="Co-chair (commissioner)", **{"Term start": D(2023, 11, 29)}),
        member("M03", "Cara Resident", "Resident", "Self-advocacy group", "Speak Up Haringey"),
        member("M04", "Dev Resident", "Resident", "Reference group", "Mental Health Reference"),
        member("M05", "Eve Resident", "Resident", "Self-representative"),
        member("M06", "Fay Carer", "Carer or advocate", "Carer or advocate"),
        member("M07", "Gus Carer", "Carer or advocate", "Carer or advocate"),
        member("M08", "Hal Carer", "Carer or advocate", "JPB representative",
                "Joint Partnership Board"),
        member("M09", "Ivy Carer", "Carer or advocate", "Carer or advocate"),
        member("M10", "Jon Worker", "Health and social care staff", "Social worker", "LD team"),
        member("M11", "Kim Nurse", "Health and social care staff", "Clinical staff", "MH trust"),
        member("M12", "Lee Officer", "Council officer", "Council department", "Procurement"),
        member("M13", "Mo ICB", "Health and social care staff", "ICB", "NCL ICB"),
        member("M14", "Nia Provider", "Provider", "Provider", "Home Care Ltd"),
        member("M15", "Oli DAH", "Voluntary sector", "Disability Action Haringey",
                "Disability Action Haringey"),
    ]
    duties = {c.name: "Yes" for c in load_schemas(data_path("sheets_schema"))["projects"].columns
              if c.duty}
    projects = [{
        "Project ID": "P01", "Title": "Day opportunities", "Lead officer": "Ben Commissioner",
        "Stage": "During", "Cycle phase": "Do", "Co-production": "Co-design; Co-delivery",
        "Participation level": "Collaborate", "Objectives": "Co-design day services",
        "Assigned members": "M03; M10", "Sub-group": "Day services group",
        "Sub-group lead": "M03", "EQIA completed": "Yes", "Start": D(2023, 12, 1),
        "Target end": D(2024, 9, 30), **duties,
    }]
    actions = [
        {"Action ID": "A1", "Raised": D(2024, 2, 28), "Project ID": "P01",
         "Action": "Draft the survey", "Owner": "M03", "Due": D(2024, 3, 20), "Status": "Open",
         "Completed on": None, "Last update": D(2024, 2, 28), "Update": "",
         "Confidential": "No"},
        {"Action ID": "A2", "Raised": D(2024, 1, 31), "Project ID": "P01",
         "Action": "Book the venue", "Owner": "Ben Commissioner", "Due": D(2024, 2, 20),
         "Status": "Done", "Completed on": D(2024, 2, 15), "Last update": D(2024, 2, 15),
         "Update": "Booked", "Confidential": "No"},
        {"Action ID": "A3", "Raised": D(2024, 1, 31), "Project ID": "",
         "Action": "Idea we chose not to do", "Owner": "m05@example.org", "Due": None,
         "Status": "Dropped", "Completed on": None, "Last update": None, "Update": "",
         "Confidential": "No"},
    ]
    meetings = [meeting(D(2023, 11, 29), reviewed="Yes"), meeting(D(2023, 12, 27)),
                meeting(D(2024, 1, 31)), meeting(D(2024, 2, 28)),
                meeting(D(2024, 3, 27), held=False)]
    return {"members": members, "projects": projects, "actions": actions, "meetings": meetings,
            **record_tabs()}


def record_tabs() -> Tables:
    """The co-production record's four tabs (issue 31), clean on TODAY and for two months after
    (the sub-group next needs to report by 8 May 2024)."""
    subgroups = [
        {"Sub-group ID": "SG1", "Name": "Day services group", "Project ID": "P01",
         "Lead": "M03", "Members": "M03; M10, 2 residents and carer", "Set up on": D(2023, 12, 1),
         "Last reported": D(2024, 2, 28), "Status": "Open", "Ended on": None},
    ]
    engagement = [
        engagement_row("E1", D(2023, 12, 5), "Analyse", "Survey", "Consultation", 24, 9, 0, 0),
        engagement_row("E2", D(2024, 1, 10), "Plan", "Workshop", "Co-design", 8, 3, 0, 4),
        engagement_row("E3", D(2024, 2, 14), "During", "Focus group", "Co-production", 6, 0, 3,
                       2),
    ]
    said = [
        {"ID": "Y1", "Project ID": "P01", "Date heard": D(2023, 12, 5), "Source": "E1",
         "You said": "Sessions end too early for people who work",
         "We did": "Two evening sessions a week from April", "Reason if not possible": None,
         "Status": "Done", "Done on": D(2024, 1, 20), "Told back on": D(2024, 2, 1),
         "How told back": "Easy-read newsletter"},
        {"ID": "Y2", "Project ID": "P01", "Date heard": D(2024, 2, 14), "Source": "Carers' forum",
         "You said": "Transport to the centre is hard to book",
         "We did": "We are asking the transport team for one booking line",
         "Reason if not possible": None, "Status": "Considering", "Done on": None,
         "Told back on": None, "How told back": None},
        {"ID": "Y3", "Project ID": "P01", "Date heard": D(2024, 1, 10), "Source": "E2",
         "You said": "A sensory room at every centre", "We did": None,
         "Reason if not possible": "Two centres have no room; the largest gets one",
         "Status": "Not possible", "Done on": D(2024, 2, 10), "Told back on": D(2024, 2, 28),
         "How told back": "At the carers' forum"},
    ]
    recognition = [
        recognition_row("M03", D(2024, 1, 10), "Resident", "Workshop", 3, "Voucher", 30, "Given",
                        D(2024, 1, 20)),
        recognition_row("M06", D(2024, 2, 14), "Carer", "Focus group", 2, "Expenses", 12.5,
                        "Given", D(2024, 2, 28)),
        recognition_row("M10", D(2024, 2, 14), "Staff", "Focus group", 2, None, None, None, None),
    ]
    return {"subgroups": subgroups, "engagement": engagement, "you_said_we_did": said,
            "recognition": recognition}


def engagement_row(ref: str, day: dt.date, stage: str, method: str, level: str, residents: int,
                   carers: int, providers: int, staff: int) -> dict[str, Any]:
    return {"Ref": ref, "Date": day, "Project ID": "P01", "Stage": stage, "Method": method,
            "Participation level": level, "Residents": residents, "Carers": carers,
            "Providers": providers, "Staff": staff, "Groups reached": "Speak Up Haringey",
            "Reasonable adjustments": "Easy-read invitation", "What we heard": "Notes",
            "Link": None}


def recognition_row(person: str, day: dt.date, as_: str, activity: str, hours: float,
                    kind: str | None, amount: float | None, status: str | None,
                    given: dt.date | None) -> dict[str, Any]:
    return {"Ref": None, "Date": day, "Person": person, "Taking part as": as_,
            "Activity": activity, "Hours": hours, "Kind": kind, "Amount": amount,
            "Status": status, "Given on": given}


def meeting(day: dt.date, reviewed: str = "No", held: bool = True) -> dict[str, Any]:
    yes = "Yes" if held else None
    return {"Date": day, "Length (hours)": 2, "Minute-taker": "M12" if held else None,
            "Resident co-chair present": yes, "Commissioner co-chair present": yes,
            "Deputy": None, "Actions followed up": yes,
            "Membership reviewed": reviewed if held else None, "Easy-read minutes": yes}


def tables(**changes: Any) -> Tables:
    """clean_tables() deep-copied; keyword arguments replace whole tabs."""
    data = copy.deepcopy(clean_tables())
    data.update(changes)
    return data


def write_workbook(path: Path, data: Tables, tab_names: dict[str, str] | None = None,
                   headers: dict[str, list[str]] | None = None) -> Path:
    """Write tabs in order; each tab's header is its rows' keys (or ``headers[tab]``)."""
    wb = Workbook()
    wb.remove(wb.active)
    names = {**TAB_NAMES, **(tab_names or {})}
    for key, rows in data.items():
        ws = wb.create_sheet(names.get(key, key))
        header = (headers or {}).get(key) or (list(rows[0]) if rows else _schema_headers(key))
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
    wb.save(path)
    return path


def _schema_headers(tab: str) -> list[str]:
    schemas = load_schemas(data_path("sheets_schema"))
    return [c.name for c in schemas[tab].columns] if tab in schemas else []


def config_for(path: Path, today: dt.date = TODAY, **tor: Any) -> Any:
    return parse_config({"source": {"kind": "xlsx", "path": str(path)}, "tor": tor,
                         "today": today.isoformat()}, None)


def check(tmp_path: Path, data: Tables, today: dt.date = TODAY, **tor: Any) -> Report:
    """Write ``data`` as a real .xlsx and validate it."""
    path = write_workbook(tmp_path / "board.xlsx", data)
    return validate(config_for(path, today, **tor), today).report


def fired(report: Report, rule: str) -> list[Finding]:
    return [f for f in report.findings if f.rule == rule]


def edit(data: Tables, tab: str, index: int, **cells: Any) -> Tables:
    """Change cells of one row; keyword names use _ for spaces (Term_start -> "Term start")."""
    row = data[tab][index]
    for key, value in cells.items():
        header = next((h for h in row if normalize(h) == normalize(key)), key.replace("_", " "))
        row[header] = value
    return data


def where(report: Report, rule: str) -> list[tuple[str, str | None, str | None]]:
    """(severity, sheet, cell) of each finding of one rule: what most rule tests assert."""
    return [(f.severity.value, f.sheet, f.cell) for f in fired(report, rule)]


def every_rule_tables() -> Tables:
    """The clean board with one thing wrong for every rule but schema.missing_tab (which would
    switch off a whole tab's rules): tests/test_every_rule.py checks each rule fires."""
    data = tables()
    extra = [member(f"X{i:02d}", f"Provider {i}", "Provider", "Provider", f"Care Co {i}")
             for i in range(6)]
    extra[5]["Member ID"] = "X04"  # schema.duplicate_id
    extra.append(member("X10", "Second Rep", "Resident", "Self-advocacy group",
                        "Speak Up Haringey"))  # one_per_org (with M03)
    data["members"] += extra  # more than 20 active: cap
    for row in data["members"]:
        row.pop("Name")  # schema.missing_column (every row needs a name)
        row.pop("Term extended")  # schema.optional_columns (no rule needs it)
    data["members"].append({"Member ID": "Total members"})  # schema.not_records
    edit(data, "members", 0, Category="Council officer", Chairs_another_group="Yes")
    edit(data, "members", 1, Term_start=None)  # term
    edit(data, "members", 4, Category="Council officer")  # balance
    edit(data, "members", 5, Agreed_ToR="No", Email="fay at example")  # tor_agreed, email
    edit(data, "members", 7, Role="Co-chair (resident)", **{"Term start": D(2024, 1, 1)})
    edit(data, "members", 8, Left=D(2024, 2, 1))  # minimum_period
    edit(data, "members", 9, Left="n/a")  # schema.read_dates: no date
    edit(data, "members", 11, Role="Co-chair (commissioner)", Category="Provider",
         **{"Term start": D(2023, 12, 1)})  # count, commissioner_eligibility
    edit(data, "members", 13, Joined="31/02/2023")  # schema.type
    meetings = data["meetings"]
    meetings.insert(0, meeting(D(2023, 1, 25)))  # cadence; no review for a year: review_due
    meetings[1]["Membership reviewed"] = "No"
    edit(data, "meetings", 1, Length_hours=3, Easy_read_minutes="No")
    edit(data, "meetings", 2, Minute_taker=None, Deputy="Nobody Known")
    edit(data, "meetings", 3, Resident_co_chair_present="No", Actions_followed_up="No")
    edit(data, "meetings", 5, Date=D(2024, 5, 1))  # next_scheduled
    edit(data, "actions", 0, Due=D(2024, 2, 1), Last_update=D(2024, 1, 1), Project_ID="P99")
    edit(data, "actions", 1, Completed_on=None)
    edit(data, "actions", 2, Status="Open")  # schema.required: Due
    data["actions"].append({**data["actions"][0], "Action ID": "A4", "Due": D(2024, 3, 5),
                            "Owner": "Outside Officer", "Project ID": "P01",
                            "Last update": D(2024, 2, 28)})
    edit(data, "projects", 0, Board_tasks_agreed="No", Agreed_work_complete=None,
         Assigned_members="M10; M11", Sub_group_lead="M10", Target_end=D(2024, 2, 1),
         Cycle_phase="Analysis")
    data["projects"].append({**data["projects"][0], "Project ID": "P02", "Stage": "Initiation",
                             "Objectives": None, "Assigned members": None,
                             "EQIA completed": "No", "Sub-group": None})
    _break_record_tabs(data)
    return data


def _break_record_tabs(data: Tables) -> None:
    """One thing wrong for each rule of the co-production record (issue 31)."""
    # P01 names M10 as its sub-group's lead, the Sub-groups tab M03 (subgroup_lead_differs);
    # P03's sub-group is not on that tab and has no lead (subgroup_lead).
    data["projects"].append({**data["projects"][0], "Project ID": "P03", "Stage": "Closed",
                             "Sub-group": "Transport group", "Sub-group lead": None})
    data["subgroups"].append({**data["subgroups"][0], "Sub-group ID": "SG2", "Lead": None,
                              "Project ID": "P03", "Members": "Nobody Here",
                              "Last reported": D(2023, 10, 1)})
    for i, row in enumerate(data["engagement"]):  # P01: one method, one group, one rung
        row.update(Method="Survey", **{"Participation level": "Consultation"}, Carers=0,
                   Providers=0, Staff=-1 if i == 2 else 0, Residents=5 if i == 0 else 0)
    edit(data, "you_said_we_did", 0, Told_back_on=None)
    edit(data, "you_said_we_did", 1, Date_heard=D(2023, 12, 1), We_did=None)
    edit(data, "you_said_we_did", 2, Reason_if_not_possible=None)
    data["you_said_we_did"].append({**data["you_said_we_did"][0], "ID": "Y4",
                                    "Told back on": D(2023, 11, 1),
                                    "Source": "m06@example.org"})
    edit(data, "recognition", 0, Kind=None, Amount=-5)
    edit(data, "recognition", 1, Date=D(2024, 1, 10), Status="Owed", Given_on=None)
