"""Dates, times and counts in words: the one way each is shown to people."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (31 Jan + 1 month = 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def long_date(day: dt.date) -> str:
    """29 November 2023: the way people in the UK write dates in a sentence."""
    return f"{day.day} {day:%B %Y}"


def plural(n: int | float, word: str, many: str | None = None) -> str:
    n_text = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{n_text} {word if n == 1 else (many or word + 's')}"


def shown_time(when: dt.datetime, tz: dt.tzinfo | None = None) -> str:
    """Tuesday 1 December 2026 at 21:08: the one way a time is shown (in ``tz`` if given)."""
    local = when.astimezone(tz) if tz is not None else when
    return f"{local:%A} {long_date(local.date())} at {local:%H:%M}"
