"""Synthetic but valid board workbooks of any number of action rows, cached in bench/data/.

"Valid" means every cell reads cleanly (no schema findings): the rules still find what a long
tracker really holds (overdue, stale and due-soon actions), so the marks and digests have work.
Members, projects and meetings grow with the tracker the way they would over years of meetings:
about 15 members are active at any time and the rest have left; one project per 200 actions;
one meeting a month, going back as far as the actions need.

    python bench/generate.py 1000 10000 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from automations.core.paths import data_path
from automations.model.schema import TableSchema, load_schemas

TODAY = dt.date(2024, 3, 1)
DATA_DIR = Path(__file__).resolve().parent / "data"

def _version() -> str:
    """A digest of this generator and the column schemas: a cached workbook made before either
    changed (a new column in sheets_schema, say) is never reused."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for schema in sorted(data_path("sheets_schema").glob("*.toml")):
        digest.update(schema.read_bytes())
    return digest.hexdigest()[:10]


VERSION = _version()
D = dt.timedelta

ACTIVE = [
    # id suffix, role, category, seat, organisation
    ("Co-chair (resident)", "Resident", "Self-representative", ""),
    ("Co-chair (commissioner)", "Council officer", "Commissioner", "ASC Commissioning"),
    ("Member", "Resident", "Self-advocacy group", "Speak Up Haringey"),
    ("Member", "Resident", "Reference group", "Mental Health Reference"),
    ("Member", "Resident", "Self-representative", ""),
    ("Member", "Carer or advocate", "Carer or advocate", ""),
    ("Member", "Carer or advocate", "Carer or advocate", ""),
    ("Member", "Carer or advocate", "JPB representative", "Joint Partnership Board"),
    ("Member", "Carer or advocate", "Carer or advocate", ""),
    ("Member", "Health and social care staff", "Social worker", "LD team"),
    ("Member", "Health and social care staff", "Clinical staff", "MH trust"),
    ("Member", "Council officer", "Council department", "Procurement"),
    ("Member", "Health and social care staff", "ICB", "NCL ICB"),
    ("Member", "Provider", "Provider", "Home Care Ltd"),
    ("Member", "Voluntary sector", "Disability Action Haringey", "Disability Action Haringey"),
]
FIRST = ["Ada", "Ben", "Cara", "Dev", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lee"]
LAST = ["Adebayo", "Okafor", "Shah", "Reilly", "Hassan", "Mensah", "Byrne", "Novak", "Silva"]
VERBS = ["Draft", "Review", "Circulate", "Book", "Chase", "Update", "Share", "Agree", "Check"]
THINGS = ["the survey", "the venue", "the easy-read minutes", "the budget paper",
          "the service specification", "the newsletter", "the provider list", "the EQIA"]


def scale(actions: int) -> dict[str, int]:
    """How many rows each tab has for a tracker of ``actions`` rows."""
    months = max(12, min(240, actions // 100 + 1))  # never before 2004: Excel dates stay easy
    return {
        "members": max(len(ACTIVE), actions // 100),
        "projects": max(3, actions // 200),
        "actions": actions,
        "meetings": months,
    }


def path_for(actions: int, directory: Path = DATA_DIR) -> Path:
    return directory / f"board-{actions}-v{VERSION}.xlsx"


def ensure(actions: int, directory: Path = DATA_DIR) -> Path:
    """The cached workbook for ``actions`` rows, generated the first time it is asked for."""
    path = path_for(actions, directory)
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.xlsx")
        write_board(tmp, actions)
        tmp.replace(path)  # a half-written file is never mistaken for a cached one
    return path


def write_board(path: Path, actions: int, seed: int | None = None) -> Path:
    rng = random.Random(actions if seed is None else seed)
    sizes = scale(actions)
    schemas = load_schemas(data_path("sheets_schema"))
    meetings = _meetings(sizes["meetings"])
    members = _members(sizes["members"], rng)
    projects = _projects(sizes["projects"], schemas["projects"], rng)
    held = [m["Date"] for m in meetings if m["Date"] < TODAY]
    rows = {
        "members": members,
        "projects": projects,
        "actions": _actions(actions, held, projects, rng),
        "meetings": meetings,
    }
    wb = Workbook(write_only=True)  # streams rows: 100,000 rows in seconds, little memory
    for key, schema in schemas.items():
        if key not in rows:  # the co-production record's optional tabs: the bench has none
            continue
        ws = wb.create_sheet(schema.name)
        header = [c.name for c in schema.columns]
        ws.append(header)
        for row in rows[key]:
            ws.append([row.get(h) for h in header])
    wb.save(path)
    return path


def _members(count: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        mid = f"M{i + 1:04d}"
        role, category, seat, org = ACTIVE[i] if i < len(ACTIVE) else ACTIVE[2 + i % 13]
        if i >= len(ACTIVE):
            role = "Member"  # former members: ordinary seats, long gone
        joined = TODAY - D(days=120) if i < len(ACTIVE) else dt.date(2004, 1, 1) + D(days=i % 5000)
        left = None if i < len(ACTIVE) else min(joined + D(days=400 + i % 900), TODAY - D(days=30))
        out.append({
            "Member ID": mid,
            "Name": f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} {mid}",
            "Email": f"{mid.lower()}@example.org",
            "Role": role,
            "Category": category,
            "Seat": seat,
            "Organisation": org,
            "Joined": joined,
            "Left": left,
            "Term start": TODAY - D(days=93) if role.startswith("Co-chair") else None,
            "Term extended": None,
            "Chairs another group": "No" if role == "Co-chair (resident)" else None,
            "Agreed ToR": rng.choice(["Yes", "Y", True]),
            "Easy read": rng.choice(["No", "Yes", "N", False]),
            "Service areas": "LD; MH",
            "Format": rng.choice(["Standard", "Standard", "Large print"]),
        })
    return out


def _projects(count: int, schema: TableSchema, rng: random.Random) -> list[dict[str, Any]]:
    duties = {c.name: "Yes" for c in schema.columns if c.duty}
    out = []
    for i in range(count):
        start = TODAY - D(days=30 + (i * 37) % 4000)
        recent = i < 3
        out.append({
            "Project ID": f"P{i + 1:04d}",
            "Title": f"Project {i + 1}: {rng.choice(THINGS)[4:]}",
            "Lead officer": "M0002",
            "Stage": "During" if recent else "Closed",
            "Cycle phase": "Do" if recent else "Review",
            "Co-production": "Co-design; Co-delivery",
            "Participation level": "Collaborate",
            "Objectives": "Co-design the service with the people who use it",
            "Assigned members": "M0003; M0010",
            "Sub-group": None,
            "Sub-group lead": None,
            "EQIA completed": "Yes",
            "Start": start,
            "Target end": TODAY + D(days=200) if recent else start + D(days=300),
            **duties,
        })
    return out


def _meetings(count: int) -> list[dict[str, Any]]:
    # Monthly, last Wednesday-ish: 28 days apart, the latest one still to come.
    first = TODAY + D(days=26) - D(days=28 * (count - 1))
    out = []
    for i in range(count):
        day = first + D(days=28 * i)
        held = day < TODAY
        yes = "Yes" if held else None
        out.append({
            "Date": day,
            "Length (hours)": 2,
            "Minute-taker": "M0012" if held else None,
            "Resident co-chair present": yes,
            "Commissioner co-chair present": yes,
            "Deputy": None,
            "Actions followed up": yes,
            "Membership reviewed": ("Yes" if i % 12 == 0 else "No") if held else None,
            "Easy-read minutes": yes,
        })
    return out


def _actions(
    count: int, held: list[dt.date], projects: list[dict[str, Any]], rng: random.Random
) -> list[dict[str, Any]]:
    active = [f"M{i + 1:04d}" for i in range(len(ACTIVE))]
    out = []
    for i in range(count):
        # Most actions come from recent meetings' backlog spread over the whole history.
        raised = held[int(len(held) * (1 - rng.random() ** 2)) - 1] if held else TODAY
        age = (TODAY - raised).days
        due = raised + D(days=rng.choice((14, 21, 28, 42)))
        status = _status(age, rng)
        done = status == "Done"
        last = raised + D(days=rng.randint(0, max(0, min(age, 40))))
        out.append({
            "Action ID": f"A{i + 1:06d}",
            "Raised": raised,
            "Project ID": projects[i % len(projects)]["Project ID"] if i % 3 else None,
            "Action": f"{rng.choice(VERBS)} {rng.choice(THINGS)}",
            "Owner": rng.choice(active),
            "Due": None if status == "Dropped" else due,
            "Status": status,
            "Completed on": min(due, TODAY - D(days=1)) if done else None,
            "Last update": last,
            "Update": rng.choice(("", "On track", "Waiting for the provider", "Done")),
            "Confidential": "Yes" if rng.random() < 0.05 else "No",
        })
    return out


def _status(age_days: int, rng: random.Random) -> str:
    r = rng.random()
    if age_days > 120:  # old actions are almost all settled
        return "Done" if r < 0.97 else ("Dropped" if r < 0.995 else "Open")
    for status, share in (("Done", 0.5), ("Open", 0.8), ("In progress", 0.95)):
        if r < share:
            return status
    return "Dropped"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    for size in args.sizes:
        print(ensure(size, args.dir))


if __name__ == "__main__":
    main()
