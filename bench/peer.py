"""The peer: frictionless-py validating the Actions tab against an equivalent Table Schema.

Equivalent means what a Table Schema can say about the same tab: the types (dates, yes/no as
a boolean, text), the required cells, the Status values, a unique Action ID and Owner as a
foreign key to the Members tab's Member ID. Our rules do more (Terms of Reference checks,
owner by name or email, "Due required unless dropped"); the peer does less, so the comparison
is generous to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from automations.core.paths import data_path
from automations.model.schema import load_schemas

STATUSES = ["Open", "In progress", "Done", "Dropped"]


def _field(name: str, kind: str = "string", required: bool = False, **extra: Any) -> dict:
    constraints = {"required": True} if required else {}
    constraints.update(extra.pop("constraints", {}))
    return {"name": name, "type": kind, **({"constraints": constraints} if constraints else {}),
            **extra}


ACTIONS = {
    "Action ID": _field("Action ID", required=True, constraints={"unique": True}),
    "Raised": _field("Raised", "date", required=True),
    "Project ID": _field("Project ID"),
    "Action": _field("Action", required=True),
    "Owner": _field("Owner", required=True),
    "Due": _field("Due", "date"),
    "Status": _field("Status", required=True, constraints={"enum": STATUSES}),
    "Completed on": _field("Completed on", "date"),
    "Last update": _field("Last update", "date"),
    "Update": _field("Update"),
    "Confidential": _field("Confidential", "boolean", trueValues=["Yes"], falseValues=["No"]),
}
MEMBERS = {"Member ID": _field("Member ID", required=True, constraints={"unique": True})}


def descriptors() -> tuple[dict, dict]:
    """Table Schemas for Members and Actions, columns in the workbook's order."""
    schemas = load_schemas(data_path("sheets_schema"))

    def fields(key: str, typed: dict[str, dict]) -> list[dict]:
        return [typed.get(c.name, {"name": c.name, "type": "any"}) for c in schemas[key].columns]

    members = {"fields": fields("members", MEMBERS), "primaryKey": ["Member ID"]}
    actions = {
        "fields": fields("actions", ACTIONS),
        "primaryKey": ["Action ID"],
        "foreignKeys": [
            {"fields": ["Owner"], "reference": {"resource": "members", "fields": ["Member ID"]}}
        ],
    }
    return members, actions


def frictionless_validate(path: Path) -> tuple[bool, int]:
    """Validate the Actions tab (with Members for the foreign key); (valid, error count)."""
    from frictionless import Package, Resource, Schema, formats

    members, actions = descriptors()

    def resource(name: str, sheet: str, schema: dict) -> Resource:
        return Resource(
            path=path.name,
            basepath=str(path.parent),
            name=name,
            format="xlsx",
            control=formats.ExcelControl(sheet=sheet),
            schema=Schema.from_descriptor(schema),
        )

    package = Package(
        resources=[resource("members", "Members", members), resource("actions", "Actions", actions)]
    )
    report = package.validate()
    return report.valid, report.stats["errors"]


def available() -> bool:
    try:
        import frictionless  # noqa: F401
    except ImportError:
        return False
    return True
