"""The report's co-production record sections (issue 31), from the sample board: engagement by
stage, method and group, the ladder per project, "you said, we did", and recognition totals
with no name beside an amount."""

from __future__ import annotations

import datetime as dt

from automations.pipeline import validate
from automations.record.report import build_report
from automations.starter.sample import build_sample
from automations.starter.sample_record import ENGAGEMENT, RECOGNITION
from tests.builders import config_for

TODAY = dt.date(2026, 12, 7)
START, END = dt.date(2026, 7, 1), dt.date(2026, 11, 30)


def _report(tmp_path):
    path = build_sample(tmp_path / "board.xlsx", TODAY)
    v = validate(config_for(path, TODAY), TODAY)
    return v.board, build_report(v.board, v.report, [], START, END, "The Board")


def test_engagement_by_stage_method_and_group(tmp_path):
    board, r = _report(tmp_path)
    held = [e for e in board.engagement.records if START <= e.date <= END]
    assert 0 < len(held) < len(ENGAGEMENT)  # the older conversations are before the period
    assert r.figure("Engagement", "Conversations") == len(held)
    assert r.figure("Engagement", "Residents taking part") == sum(e.residents for e in held)
    by_stage, by_method, ladder = r.part("Engagement").grids
    assert sum(row[1] for row in by_stage.rows) == len(held)
    assert {row[0] for row in by_stage.rows} <= {
        "Pre-initiation",
        "Initiation",
        "During",
        "After completion",
    }  # Analyse etc. as stages
    assert sum(row[1] for row in by_method.rows) == len(held)
    day_services = next(row for row in ladder.rows if str(row[0]).startswith("P01"))
    assert day_services[-1] == "Co-production"


def test_you_said_we_did_in_the_period(tmp_path):
    _, r = _report(tmp_path)
    [grid] = r.part("You said we did").grids
    ids = [row[0] for row in grid.rows]
    assert "Y01" in ids and "Y05" not in ids  # Y05 was heard, done and told back before
    assert r.figure("You said we did", "Items") == len(ids)


def test_recognition_totals_never_name_anyone(tmp_path):
    board, r = _report(tmp_path)
    part = r.part("Recognition")
    in_period = [row for row in RECOGNITION if START <= TODAY - dt.timedelta(days=row[0]) <= END]
    assert r.figure("Recognition", "Hours given") == sum(row[4] for row in in_period)
    names = {m.name for m in board.members.records} | {m.id for m in board.members.records}
    names |= {row[1] for row in RECOGNITION}
    cells = [str(v) for g in part.grids for row in g.rows for v in row]
    cells += [str(f.value) for f in part.figures]
    assert not names & set(cells)
    by_kind = part.grids[0]
    assert ("Voucher", 3, 8, 80) in by_kind.rows  # two members and a carer: £30 + £30 + £20
