"""When each job falls due: `[schedule]` in config -> slots on the wall clock of one time zone.

A slot is a wall-clock time on a local date ("08:00 on 31 March, London time") turned into one
instant. A job is due when the latest slot at or before now has not been done; the state file
records the slot each job last completed. So the clock alone never fires a job: a pass that runs
twice in a minute finds the slot done, and a pass after downtime finds the missed slot and runs it
once. Wall-clock slots are converted with zoneinfo, so 08:00 stays 08:00 in London on both sides
of the BST/GMT changes (07:00 UTC in summer, 08:00 UTC in winter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from automations.core.config import Config, board_timezone
from automations.core.errors import ConfigError
from automations.digests.pack_settings import pack_settings
from automations.digests.reminder_settings import reminder_settings
from automations.record.settings import report_settings

CHECK, DIGESTS, REPORT, REMINDERS, PACK = "check", "digests", "report", "reminders", "pack"
JOBS = (CHECK, DIGESTS, REPORT, REMINDERS, PACK)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KNOWN_KEYS = {
    "timezone",
    "check_every_minutes",
    "working_hours_start",
    "working_hours_end",
    "working_days",
    "digest_time",
}
# Far enough back to find the last slot after a long weekend or a week's holiday downtime.
LOOK_BACK_DAYS = 15


@dataclass(frozen=True)
class Schedule:
    tz: ZoneInfo
    check_every: dt.timedelta
    day_start: dt.time
    day_end: dt.time
    working_days: frozenset[int]  # Monday = 0
    digest_time: dt.time
    report_on: tuple[int, int] | None = None  # (month, day) of the yearly report, at digest_time
    reminder_time: dt.time | None = None  # [reminders] send_time; None when both kinds are off
    pack_time: dt.time | None = None  # [pack] send_time; None when the pack is off

    def local(self, when: dt.datetime) -> dt.datetime:
        return when.astimezone(self.tz)


def load_schedule(cfg: Config) -> Schedule:
    s = cfg.section("schedule")
    s.reject_unknown(KNOWN_KEYS)
    tz = board_timezone(cfg)
    every = s.integer("check_every_minutes", 30, minimum=1, maximum=1440)
    start = s.time("working_hours_start", "08:00")
    end = s.time("working_hours_end", "18:00")
    if end <= start:
        raise ConfigError(
            f"schedule.working_hours_end: {end:%H:%M} must be later than "
            f"working_hours_start {start:%H:%M}"
        )
    return Schedule(
        tz,
        dt.timedelta(minutes=every),
        start,
        end,
        _days(s.items("working_days", ["Mon", "Tue", "Wed", "Thu", "Fri"])),
        s.time("digest_time", "08:00"),
        _report_on(cfg),
        _reminder_time(cfg),
        _pack_time(cfg),
    )


def _pack_time(cfg: Config) -> dt.time | None:
    settings = pack_settings(cfg)
    return settings.send_time if settings.enabled else None


def _reminder_time(cfg: Config) -> dt.time | None:
    settings = reminder_settings(cfg)
    return settings.send_time if settings.enabled else None


def _report_on(cfg: Config) -> tuple[int, int] | None:
    report = report_settings(cfg)
    return (report.month, report.day) if report.schedule == "yearly" else None


def _days(values: list[object]) -> frozenset[int]:
    days = set()
    for value in values:
        key = str(value).strip().lower()[:3]
        if key not in DAY_NAMES:
            raise ConfigError(
                f'schedule.working_days: {value!r} is not a day of the week like "Mon"'
            )
        days.add(DAY_NAMES.index(key))
    if not days:
        raise ConfigError('schedule.working_days: give at least one day, e.g. ["Mon"]')
    return frozenset(days)


def at_local(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The instant (in UTC) of a wall-clock time on a local day.

    A time that does not exist (skipped when clocks go forward) is the instant an hour later on
    the new clock; a time that happens twice (clocks go back) is the first of the two. Either way
    each local day has exactly one instant per slot.
    """
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def _check_slots(day: dt.date, sc: Schedule) -> list[dt.datetime]:
    if day.weekday() not in sc.working_days:
        return []
    slots, wall = [], dt.datetime.combine(day, sc.day_start)
    while wall.time() < sc.day_end and wall.date() == day:
        slots.append(at_local(day, wall.time(), sc.tz))
        wall += sc.check_every
    return slots


def slots_on(job: str, day: dt.date, sc: Schedule) -> list[dt.datetime]:
    if job == CHECK:
        return _check_slots(day, sc)
    if job == REPORT:
        yearly = sc.report_on == (day.month, day.day)
        return [at_local(day, sc.digest_time, sc.tz)] if yearly else []
    if job == REMINDERS:
        # Every day: reminders.py keeps weekends and bank holidays quiet ([reminders] quiet_days).
        return [at_local(day, sc.reminder_time, sc.tz)] if sc.reminder_time else []
    if job == PACK:  # every day: pack.py knows which day before which meeting is the one
        return [at_local(day, sc.pack_time, sc.tz)] if sc.pack_time else []
    return [at_local(day, sc.digest_time, sc.tz)]


def _days_around(now: dt.datetime, sc: Schedule, step: int) -> Iterator[dt.date]:
    day = sc.local(now).date()
    for i in range(LOOK_BACK_DAYS + 1):
        yield day + dt.timedelta(days=i * step)


def latest_slot(job: str, now: dt.datetime, sc: Schedule) -> dt.datetime | None:
    """The most recent slot at or before `now`."""
    for day in _days_around(now, sc, -1):
        past = [s for s in slots_on(job, day, sc) if s <= now]
        if past:
            return past[-1]
    return None


def next_slot(job: str, now: dt.datetime, sc: Schedule) -> dt.datetime | None:
    """The first slot after `now`."""
    if job == REPORT and sc.report_on:  # once a year: further ahead than the days looked at
        month, day = sc.report_on
        year = sc.local(now).year
        for when in (
            at_local(dt.date(y, month, day), sc.digest_time, sc.tz) for y in (year, year + 1)
        ):
            if when > now:
                return when
    for day in _days_around(now, sc, 1):
        future = [s for s in slots_on(job, day, sc) if s > now]
        if future:
            return future[0]
    return None


def due_slot(
    job: str, now: dt.datetime, done: dt.datetime | None, sc: Schedule
) -> dt.datetime | None:
    """The slot to run now, or None when the latest slot is already done."""
    slot = latest_slot(job, now, sc)
    if slot is None or (done is not None and done >= slot):
        return None
    return slot
