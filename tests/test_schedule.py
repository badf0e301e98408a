"""Jobs fire at 08:00 London time on both sides of the clock changes, never twice, never early.

The clock is controlled with time-machine and the real `schedule` scheduler from `coprod serve`
is driven minute by minute; what ran, and for which slot, is read back from the state file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from automations.core.config import Config, parse_config
from automations.core.errors import ConfigError
from automations.service.due import CHECK, DIGESTS, latest_slot, load_schedule, next_slot, slots_on
from automations.service.loop import build_scheduler
from automations.service.state import open_state
from tests.test_service_support import ALL_DAYS, london, make_board

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
# The last Sundays of March and October 2024 are the 31st and the 27th.
DAYS = [
    (dt.date(2024, 3, 30), 8),  # Saturday, still GMT: 08:00 London is 08:00 UTC
    (dt.date(2024, 3, 31), 7),  # the Sunday the clocks go forward: BST, 07:00 UTC
    (dt.date(2024, 4, 1), 7),
    (dt.date(2024, 10, 26), 7),  # Saturday, still BST
    (dt.date(2024, 10, 27), 8),  # the Sunday the clocks go back: GMT again
    (dt.date(2024, 10, 28), 8),
]


@pytest.mark.parametrize(("day", "utc_hour"), DAYS, ids=[str(d) for d, _ in DAYS])
def test_jobs_fire_at_eight_london_time(tmp_path: Path, day: dt.date, utc_hour: int) -> None:
    cfg = make_board(
        tmp_path,
        schedule=f"""
working_days = {ALL_DAYS}
working_hours_start = "08:00"
working_hours_end = "18:00"
check_every_minutes = 600
digest_time = "08:00"
""",
    )
    eight = dt.datetime.combine(day, dt.time(utc_hour), tzinfo=UTC)
    assert eight == london(day.year, day.month, day.day, 8, 0)
    with time_machine.travel(eight - dt.timedelta(minutes=2, seconds=30), tick=False) as clock:
        scheduler = build_scheduler(cfg)
        clock.move_to(eight - dt.timedelta(minutes=1))
        scheduler.run_pending()  # 07:59: catches up yesterday's slots, nothing of today's
        prev = day - dt.timedelta(days=1)
        yesterday_eight = london(prev.year, prev.month, prev.day, 8, 0)
        assert _done(cfg) == {CHECK: yesterday_eight, DIGESTS: yesterday_eight}
        clock.move_to(eight)
        scheduler.run_pending()  # 08:00 London time: both jobs, for today's 08:00 slot
        assert _done(cfg) == {CHECK: eight, DIGESTS: eight}
        with open_state(cfg) as state:
            last = state.last_pass(with_work=True)
        assert last is not None and last.started_at == eight
        clock.move_to(eight + dt.timedelta(minutes=1))
        scheduler.run_pending()  # 08:01: the slot is done, nothing runs again
        with open_state(cfg) as state:
            assert state.last_pass(with_work=True) == last
            assert [p.started_at for p in state.passes()] == [
                eight - dt.timedelta(minutes=1),
                eight,
            ]


def _done(cfg: Config) -> dict[str, dt.datetime | None]:
    with open_state(cfg) as state:
        return {job: state.job(job).done_slot for job in (CHECK, DIGESTS)}


def _schedule(**values: object) -> object:
    return load_schedule(parse_config({"source": {"path": "b.xlsx"}, "schedule": values}))


@pytest.mark.parametrize("day", [d for d, _ in DAYS])
def test_every_check_slot_is_on_the_london_wall_clock(day: dt.date) -> None:
    sc = _schedule(
        working_days=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], check_every_minutes=30
    )
    slots = [s.astimezone(LONDON) for s in slots_on(CHECK, day, sc)]  # type: ignore[arg-type]
    assert [f"{s:%H:%M}" for s in slots][:3] == ["08:00", "08:30", "09:00"]
    assert f"{slots[-1]:%H:%M}" == "17:30" and len(slots) == 20
    assert all(s.date() == day for s in slots)


def test_times_the_clock_change_skips_or_repeats_happen_once() -> None:
    # 01:30 does not exist on 31 March (01:00 GMT -> 02:00 BST) and happens twice on 27 October.
    sc = _schedule(digest_time="01:30")
    spring = slots_on(DIGESTS, dt.date(2024, 3, 31), sc)  # type: ignore[arg-type]
    autumn = slots_on(DIGESTS, dt.date(2024, 10, 27), sc)  # type: ignore[arg-type]
    assert spring == [dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)]  # 02:30 BST, after the jump
    assert autumn == [dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)]  # the first 01:30 (BST)
    # Walking through the repeated hour minute by minute, the slot is due exactly once.
    start = dt.datetime(2024, 10, 27, 0, 0, tzinfo=UTC)
    latest = {
        latest_slot(DIGESTS, start + dt.timedelta(minutes=m), sc)  # type: ignore[arg-type]
        for m in range(0, 150)
    }
    assert autumn[0] in latest and len(latest) == 2  # the day before's, then this one


def test_weekends_have_no_check_and_friday_evening_leads_to_monday() -> None:
    sc = _schedule(check_every_minutes=60)
    saturday_noon = london(2024, 3, 30, 12, 0)
    assert latest_slot(CHECK, saturday_noon, sc) == london(2024, 3, 29, 17, 0)  # type: ignore[arg-type]
    assert next_slot(CHECK, saturday_noon, sc) == london(2024, 4, 1, 8, 0)  # type: ignore[arg-type]
    assert next_slot(DIGESTS, saturday_noon, sc) == london(2024, 3, 31, 8, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timezone": "Europe/Londn"}, "schedule.timezone"),
        ({"digest_time": "8am"}, "schedule.digest_time"),
        ({"working_days": ["Funday"]}, "schedule.working_days"),
        (
            {"working_hours_start": "18:00", "working_hours_end": "08:00"},
            "schedule.working_hours_end",
        ),
        ({"check_every_minutes": 0}, "schedule.check_every_minutes"),
        ({"check_evry_minutes": 5}, "did you mean 'check_every_minutes'"),
    ],
)
def test_bad_schedule_settings_name_the_key(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _schedule(**values)
