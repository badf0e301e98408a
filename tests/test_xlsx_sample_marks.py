"""The sample board is marked exactly as the openpyxl writer marked it before the part-level
writer: the same cells, colours and notes, and the same Validation tab.

tests/data/sample_board_marks.json was recorded by running the previous writer (commit 080f5a0,
which saved the workbook through openpyxl) on the same sample board, then reading its marks
back with openpyxl as ``marks_of`` does here."""

import datetime as dt
import json
from pathlib import Path

from openpyxl import load_workbook

from automations.backends.marks import plan_marks
from automations.core.config import parse_config
from automations.pipeline import validate
from automations.starter.sample import build_sample

TODAY = dt.date(2024, 3, 1)
RECORDED = Path(__file__).parent / "data" / "sample_board_marks.json"


def marks_of(path: Path) -> dict:
    wb = load_workbook(path)
    out: dict = {}
    for ws in wb.worksheets:
        if ws.title == "Validation":
            out["Validation"] = [[c.value for c in r] for r in ws.iter_rows()]
            continue
        rules = sorted(
            [str(cf.sqref), r.formula[0], r.dxf.fill.bgColor.rgb, r.dxf.fill.fgColor.rgb,
             r.dxf.font.color.rgb]
            for cf in ws.conditional_formatting
            for r in cf.rules
            if "coprod:" in "".join(r.formula)
        )
        notes = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
        out[ws.title] = {"rules": rules, "notes": notes}
    return out


def test_the_sample_board_gets_the_same_marks_as_before(tmp_path):
    path = build_sample(tmp_path / "sample.xlsx", TODAY)
    cfg = parse_config({"source": {"kind": "xlsx", "path": str(path)},
                        "today": TODAY.isoformat()}, None)
    v = validate(cfg, TODAY)
    result = v.source.write_marks(plan_marks(v.report, dt.datetime(2024, 3, 1, 9, 0)))
    assert result.changed and result.cells_marked == 32
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert marks_of(path) == recorded
