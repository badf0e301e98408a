"""One pass and the loop around it: each digest once in a simulated week, once after downtime,
a failing job never stops the loop, and `coprod status` tells what happened."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import time_machine
from click.testing import CliRunner

from automations.cli import cli
from automations.service.loop import build_scheduler, run_once
from automations.service.state import open_state
from tests.test_service_support import Inbox, london, make_board, smtp_fixture  # noqa: F401

MEETING = dt.date(2024, 2, 28)  # a Wednesday: its digests fall due on Thursday 29 February
AUDIENCES = 2


def _week_schedule() -> str:
    return 'check_every_minutes = 240\ndigest_time = "08:00"\n'


def test_a_week_of_simulated_time_sends_each_digest_exactly_once(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    cfg = make_board(tmp_path, MEETING, port=port, schedule=_week_schedule())
    start = london(2024, 2, 26, 7, 0)  # Monday, two days before the meeting
    with time_machine.travel(start, tick=False) as clock:
        scheduler = build_scheduler(cfg)
        for half_hour in range(1, 7 * 24 * 2):  # a tick every half hour for a week
            clock.move_to(start + dt.timedelta(minutes=30 * half_hour))
            scheduler.run_pending()
    subjects = inbox.subjects()
    assert len(subjects) == AUDIENCES
    assert sorted(str(m["To"]) for m in inbox.messages) == [
        "hbp@example.org",
        "senior.head@example.org",
    ]
    assert all(s.startswith("28 Feb ") for s in subjects)
    with open_state(cfg) as state:
        passes = state.passes()
    sent = [p for p in passes if p.summary.get("digests", {}).get("counts", {}).get("sent")]
    assert len(sent) == 1
    # ...and it went at the first digest time after the digest fell due: Thursday 08:00.
    assert sent[0].started_at == london(2024, 2, 29, 8, 0)
    assert all(p.outcome == "ok" for p in passes)


def test_a_digest_that_fell_due_during_downtime_is_sent_once_on_restart(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    cfg = make_board(tmp_path, MEETING, port=port)
    assert run_once(cfg, london(2024, 2, 28, 20, 0)).ok  # the evening of the meeting
    assert inbox.subjects() == []
    # Stopped from then until Friday afternoon: Thursday's 08:00 came and went.
    first = run_once(cfg, london(2024, 3, 1, 14, 5))
    assert first.ok and [j.job for j in first.jobs] == ["check", "digests"]
    assert len(inbox.subjects()) == AUDIENCES
    again = [run_once(cfg, london(2024, 3, 1, 14, 5 + m)) for m in (0, 1, 30)]
    assert [r.outcome for r in again] == ["nothing due", "nothing due", "ok"]  # 14:30: a check
    # Saturday 08:00: the day's digest look (nothing new), and Friday's missed 17:30 check.
    nextday = run_once(cfg, london(2024, 3, 2, 8, 0))
    assert [j.job for j in nextday.jobs] == ["check", "digests"] and nextday.ok
    assert nextday.jobs[0].slot == london(2024, 3, 1, 17, 30)
    assert len(inbox.subjects()) == AUDIENCES


def test_a_failing_job_is_retried_on_the_next_pass_and_status_tells(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    cfg = make_board(tmp_path, MEETING, port=port)
    workbook = tmp_path / "board.xlsx"
    hidden = workbook.rename(tmp_path / "elsewhere.xlsx")
    failed = run_once(cfg, london(2024, 2, 29, 9, 0))
    assert failed.outcome == "failed"
    assert all("does not exist" in (j.error or "") for j in failed.jobs)
    status = _status(tmp_path)
    assert status["last_pass"]["result"] == "failed"
    assert status["jobs"]["digests"]["due_now"] is True
    assert "does not exist" in status["last_error"]
    assert status["failures_in_a_row"] == 1
    hidden.rename(workbook)
    retried = run_once(cfg, london(2024, 2, 29, 9, 1))  # the next tick, not the next slot
    assert retried.ok and [j.job for j in retried.jobs] == ["check", "digests"]
    assert len(inbox.subjects()) == AUDIENCES
    status = _status(tmp_path)
    assert status["last_pass"]["result"] == "ok"
    assert status["last_pass"]["jobs"]["digests"]["counts"] == {"sent": 2, "failed": 0}
    assert status["failures_in_a_row"] == 0
    assert status["jobs"]["check"]["next"] == "2024-02-29T09:30:00+00:00"
    assert status["jobs"]["digests"]["next"] == "2024-03-01T08:00:00+00:00"
    assert status["lock"] == {"held": False, "holder": None}


def test_status_as_text_reads_plainly(tmp_path: Path) -> None:
    cfg = make_board(tmp_path, MEETING)
    run_once(cfg, london(2024, 2, 29, 9, 0))
    result = CliRunner().invoke(cli, ["status", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 0, result.output
    assert "Last pass:" in result.output and "result: ok" in result.output
    assert "Lock: free" in result.output and "Last error: none." in result.output


def _status(folder: Path) -> dict:  # type: ignore[type-arg]
    # now is pinned by the pass times above: status only reads the state file and the schedule
    with time_machine.travel(london(2024, 2, 29, 9, 2), tick=False):
        result = CliRunner().invoke(
            cli, ["status", "--format", "json", "--config", str(folder / "config.toml")]
        )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)
