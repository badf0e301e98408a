"""Quiet days: weekends and the bank holidays of England and Wales, from the `holidays` package
(kept up to date by its maintainers, so no hand list here goes stale)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

# England and Wales share their bank holidays; "ENG" is the package's name for that calendar.
COUNTRY, SUBDIVISION = "GB", "ENG"
# Far enough to step over Christmas, Boxing Day and a weekend together.
MOST_STEPS = 14


@lru_cache(maxsize=8)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # on first use: a run that schedules nothing does not load its calendars

    return frozenset(holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year))


def bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_quiet(day: dt.date) -> bool:
    return day.weekday() >= 5 or bank_holiday(day)


def working_day_before(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the working day before it."""
    for _ in range(MOST_STEPS):
        if not is_quiet(day):
            return day
        day -= dt.timedelta(days=1)
    return day


def working_day_after(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the next working day."""
    for _ in range(MOST_STEPS):
        if not is_quiet(day):
            return day
        day += dt.timedelta(days=1)
    return day


def working_days_before(day: dt.date, count: int) -> dt.date:
    """The working day ``count`` working days before ``day`` (``day`` itself not counted)."""
    found = day
    for _ in range(count):
        found = working_day_before(found - dt.timedelta(days=1))
    return found
