"""The sample board is marked exactly as the openpyxl writer marked it before the part-level
writer: the same cells, colours and notes, and the same Validation tab. Two things changed on
purpose since that recording (issue 15), and are mapped here: the fills (now distinct under the
common colour-vision deficiencies, with a border in the severity's line style and bold text for
errors) and the Validation tab (errors first, plain words in place of the rule id in column B,
the id in a last column of its own).

tests/data/sample_board_marks.json was recorded by running the previous writer (commit 080f5a0,
which saved the workbook through openpyxl) on the same sample board, then reading its marks
back with openpyxl as ``marks_of`` does here."""

import datetime as dt
import json
from pathlib import Path

from openpyxl import load_workbook

from automations.backends.marks import BORDER, FILL, HEADER_ROW, VALIDATION_COLUMNS, plan_marks
from automations.core.config import parse_config
from automations.core.findings import Severity
from automations.pipeline import validate
from automations.rules import catalogue
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
             r.dxf.font.color.rgb, bool(r.dxf.font.b),
             [(side.style, side.color.rgb) for side in
              (r.dxf.border.left, r.dxf.border.right, r.dxf.border.top, r.dxf.border.bottom)]]
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
    about = {r.id: r.summary for r in catalogue()}
    result = v.source.write_marks(plan_marks(v.report, dt.datetime(2024, 3, 1, 9, 0), about))
    assert result.changed and result.cells_marked == 32
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    now = marks_of(path)
    recorded_tab, now_tab = recorded.pop("Validation"), now.pop("Validation")
    # The co-production record's tabs (issue 31), added after the recording, are clean.
    record_tabs = ("Sub-groups", "Engagement", "You said, we did", "Recognition")
    assert [now.pop(tab) for tab in record_tabs] == [{"rules": [], "notes": {}}] * 4
    assert now == {tab: {"rules": [_new_fill(r) for r in marks["rules"]], "notes": marks["notes"]}
                   for tab, marks in recorded.items()}
    head = HEADER_ROW - 1
    # The title and counts rows, one column wider now.
    assert now_tab[:head - 1] == [[*r, None] for r in recorded_tab[:head - 1]]
    assert now_tab[head] == list(VALIDATION_COLUMNS)
    assert recorded_tab[head][1] == "Rule"  # the recording's column B held the rule id
    # Each recorded row: errors first, column B in words, the rule id moved to the end.
    assert now_tab[HEADER_ROW:] == [
        [r[0], about[r[1]], *r[2:], r[1]]
        for r in sorted(recorded_tab[HEADER_ROW:], key=lambda r: SEVERITY_ORDER.index(r[0]))]


# The fills the recording was made with, by severity; now FILL in backends/marks.py.
OLD_FILL = {"F4CCCC": Severity.ERROR, "FFE599": Severity.WARNING, "CFE2F3": Severity.INFO}
SEVERITY_ORDER = ["Error", "Warning", "For information"]


def _new_fill(rule: list) -> list:
    """A recorded rule with today's fill, and the border and bold its severity now adds."""
    sqref, formula, bg, fg, font = rule
    new = {f"00{old}": f"00{FILL[sev]}" for old, sev in OLD_FILL.items()}
    cue = BORDER[OLD_FILL[bg[2:]]]
    side = (cue.xlsx_border, f"FF{cue.colour}")
    return [sqref, formula, new.get(bg, bg), new.get(fg, fg), font, cue.bold, [side] * 4]
