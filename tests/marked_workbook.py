"""A board workbook with everything people make in a spreadsheet, and two findings to mark.

Shared by the .xlsx marking tests and the LibreOffice tests. ``features()`` reads back, with
plain openpyxl calls, each thing a person made, so a test can prove none of it changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from automations.backends.marks import MarkPlan, plan_marks
from automations.core.config import parse_config
from automations.core.findings import Finding, Report, Severity
from automations.pipeline import validate
from tests.builders import TODAY, tables, write_workbook

EMAIL_CELL = "C6"  # Members, M05's email: made invalid below (an error)
OWNER_CELL = "E2"  # Actions, A1's owner: made unknown below (a warning)
PERSON_NOTE = "Priya says a new address is coming."
OTHER_NOTE = "Chair since November."
AT = dt.datetime(2024, 3, 1, 9, 0)


def board_with_findings(path: Path) -> Path:
    data = tables()
    data["members"][4]["Email"] = "amina at example"
    data["actions"][0]["Owner"] = "Nobody Known"
    data["notes"] = []  # an unrelated tab, filled in below
    write_workbook(path, data, tab_names={"notes": "Notes"})
    decorate(path)
    return path


def decorate(path: Path) -> None:
    """Everything a person might have made, none of it touching the marks' cells' values."""
    wb = load_workbook(path)
    members, actions, notes = wb["Members"], wb["Actions"], wb["Notes"]
    roles = DataValidation(type="list", formula1='"Member,Co-chair (resident),Guest"')
    roles.add("D2:D40")
    members.add_data_validation(roles)
    yellow = PatternFill(fill_type="solid", fgColor="FFFF00")
    members["A3"].fill = yellow
    members[EMAIL_CELL].fill = yellow
    members[EMAIL_CELL].comment = Comment(PERSON_NOTE, "Officer")
    members["B2"].comment = Comment(OTHER_NOTE, "Officer")
    members.freeze_panes = "B2"
    members.column_dimensions["B"].width = 25
    members.column_dimensions["O"].hidden = True
    red = PatternFill(fill_type="solid", bgColor="FFC7CE")
    actions.conditional_formatting.add(
        "F2:F40", CellIsRule(operator="lessThan", formula=["DATE(2024,3,1)"], fill=red)
    )
    actions.conditional_formatting.add("I2:I40", FormulaRule(formula=["ISBLANK($I2)"], fill=red))
    actions.freeze_panes = "A2"
    actions.auto_filter.ref = "A1:K4"
    notes["A1"] = "Board notes (not read by the check)"
    notes.merge_cells("A1:C1")
    notes["A3"] = "Council website"
    notes["A3"].hyperlink = "https://www.haringey.gov.uk/"
    notes["A4"] = "Back to members"
    notes["A4"].hyperlink = Hyperlink(ref="A4", location="'Members'!A1")
    notes["B5"] = "=SUM(B6:B7)"
    notes["B6"], notes["B7"] = 1, 2
    notes["A8"] = "=not a formula"
    notes["A8"].data_type = "s"
    wb.save(path)


def features(path: Path) -> dict[str, Any]:
    """What people made, read back plainly; our marks (rules tagged coprod, our note block
    and the Validation tab) are left out."""
    wb = load_workbook(path)
    out: dict[str, Any] = {"tabs": [t for t in wb.sheetnames if t != "Validation"]}
    for ws in wb.worksheets:
        if ws.title == "Validation":
            continue
        t = ws.title
        out[f"{t} values"] = [[c.value for c in row] for row in ws.iter_rows()]
        out[f"{t} fills"] = {
            c.coordinate: c.fill.fgColor.rgb
            for row in ws.iter_rows()
            for c in row
            if c.fill.fill_type
        }
        notes = {
            c.coordinate: _person_part(c.comment.text)
            for row in ws.iter_rows()
            for c in row
            if c.comment
        }
        out[f"{t} notes"] = {k: v for k, v in notes.items() if v}
        out[f"{t} links"] = {
            c.coordinate: (c.hyperlink.target, c.hyperlink.location)
            for row in ws.iter_rows()
            for c in row
            if c.hyperlink
        }
        out[f"{t} lists"] = [(str(d.sqref), d.formula1) for d in ws.data_validations.dataValidation]
        out[f"{t} rules"] = [
            (str(cf.sqref), r.type, r.operator, r.formula, r.priority)
            for cf in ws.conditional_formatting
            for r in cf.rules
            if "coprod:" not in "".join(r.formula)
        ]
        out[f"{t} merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
        out[f"{t} columns"] = {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()}
        out[f"{t} frozen"] = ws.freeze_panes
        out[f"{t} filter"] = ws.auto_filter.ref
    return out


def _person_part(text: str) -> str:
    start = text.find("[Co-Production Board check]")
    return text if start < 0 else text[:start].strip()


def our_rules(path: Path, sheet: str) -> dict[str, tuple[str, str | None, str | None]]:
    """Our conditional-format rules on a tab: formula -> (cells, fill colour, text colour)."""
    ws = load_workbook(path)[sheet]
    return {
        r.formula[0]: (str(cf.sqref), r.dxf.fill.bgColor.rgb, r.dxf.font.color.rgb)
        for cf in ws.conditional_formatting
        for r in cf.rules
        if "coprod:" in "".join(r.formula)
    }


def mark(path: Path, at: dt.datetime = AT, **marks_settings: Any) -> Any:
    """One pass of the pipeline with write-back, as the CLI does it."""
    v = validate(config(path, **marks_settings), TODAY)
    return v.source.write_marks(plan_marks(v.report, at))


def config(path: Path, **marks_settings: Any) -> Any:
    return parse_config(
        {
            "source": {"kind": "xlsx", "path": str(path)},
            "marks": marks_settings,
            "today": TODAY.isoformat(),
        },
        None,
    )


def plan_with_messages(texts: list[str], at: dt.datetime = AT) -> MarkPlan:
    """A plan whose findings carry these texts (all at EMAIL_CELL), e.g. formula-like text."""
    findings = tuple(
        Finding("schema.email", Severity.ERROR, text, sheet="Members", row=6, column="Email",
                cell=EMAIL_CELL, tab="Members", column_index=3)
        for text in texts
    )
    return plan_marks(Report(TODAY, "board.xlsx", findings), at)
