"""Dates as people write them in a tracker: "w/c 12 Jan", "end of March", "Dec-26", "TBC".

Only what has one reading is read, and every reading is said (model/board.py lists them once per
tab): "w/c 12 Jan" is the week commencing Monday 12 January, so due by its Friday; "end of
March" and "Dec-26" (a month and a two-digit year, as Excel shows mmm-yy) are the last day of
that month. A text with no year takes the year that puts it on or after the row's own earlier
date (Raised), or else the one nearest today: an action raised in December and due "w/c 12 Jan"
is due in the January after. "TBC", "Ongoing", "n/a" and the like mean there is no date. A
quarter ("Q3") is not read: councils count financial quarters (April to March), so Q3 may be
July or October.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from automations.core.records import record
from automations.core.text import MONTH_NAMES, compiled_when_used, days_in_month

MONTHS = (
    {name.lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
    | {name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
    | {"sept": 9}
)

# Words that say there is no date (yet): read as a blank date, never an error.
NO_DATE = {
    "tbc", "tba", "tbd", "tobeconfirmed", "tobeagreed", "ongoing", "na", "none", "nodate",
    "notset", "unknown", "asneeded", "asrequired", "continuous", "rolling", "nottimebound",
}  # fmt: skip
# Compiled when a date is first written in words: most boards type their dates as dates.
_WEEK = compiled_when_used(
    r"^(?:w/?c|w\.c\.|week\s+commencing|week\s+of|week\s+beginning)\s*:?\s*(.+)$"
)
_END = compiled_when_used(
    r"^(?:by\s+)?(?:the\s+)?end\s+(?:of\s+)?([a-z]+)\.?(?:\s+(\d{4}|\d{2}))?$"
)
_MONTH_YEAR = compiled_when_used(r"^([a-z]+)\.?[\s\-/']+(\d{4}|\d{2})$")
_DAY_MONTH = compiled_when_used(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/]*([a-z]+)\.?(?:[\s\-,]+(\d{4}))?$"
)
_DAY_MONTH_NUMERIC = compiled_when_used(r"^(\d{1,2})[/.](\d{1,2})$")
_QUARTER = compiled_when_used(r"^(?:q[1-4]|quarter\s+[1-4]|[1-4](?:st|nd|rd|th)\s+quarter)\b")


@record(frozen=True)
class Written:
    """A date read from words. ``on(reference)`` gives the date: a text without a year takes
    the year that puts it on or after ``reference`` (the row's earlier date), or nearest
    ``reference`` when that is today. ``how`` says how it was read, for the officer."""

    pick: Callable[[int], dt.date | None]  # the date in a given year (None: not in that year)
    how: str
    has_year: bool

    def on(self, reference: dt.date, after: bool) -> dt.date | None:
        if self.has_year:
            return self.pick(0)
        years = (reference.year - 1, reference.year, reference.year + 1)
        dates = [d for d in (self.pick(y) for y in years) if d is not None]
        if after:  # the first on or after the row's earlier date (due after raised)
            return next((d for d in dates if d >= reference), None)
        return min(dates, key=lambda d: abs((d - reference).days), default=None)


def no_date(text: str) -> bool:
    if text.lstrip().startswith("#"):  # "#N/A" is a formula's error, not "n/a" typed
        return False
    return re.sub(r"[\W_]+", "", text.lower()) in NO_DATE or text.strip() in {"-", "–", "—", "?"}


def is_quarter(text: str) -> bool:
    return bool(_QUARTER().match(text.strip().lower()))


def read_words(text: str) -> Written | None:
    """A date written in words, or None when the text is not one of the forms read here."""
    typed = " ".join(text.split())
    t = typed.lower()
    if m := _WEEK().match(t):
        day = _day(m[1])
        if day is None:
            return None
        return Written(
            lambda y: _friday(day.pick(y)),
            f"the week commencing {typed[m.start(1) :]}, so due by its Friday",
            day.has_year,
        )
    if (m := _END().match(t)) and m[1] in MONTHS:
        return _month_end(MONTHS[m[1]], m[2], f"the end of {MONTH_NAMES[MONTHS[m[1]] - 1]}")
    if (m := _MONTH_YEAR().match(t)) and m[1] in MONTHS:
        month = MONTH_NAMES[MONTHS[m[1]] - 1]
        return _month_end(MONTHS[m[1]], m[2], f"the month {month} 20{m[2][-2:]}: its last day")
    return _day(t)


def _day(t: str) -> Written | None:
    """ "12 Jan", "12th January 2026", "12/01": a day and a month (and perhaps a year)."""
    if (m := _DAY_MONTH().match(t)) and m[2] in MONTHS:
        day, month, year = int(m[1]), MONTHS[m[2]], m[3]
    elif m := _DAY_MONTH_NUMERIC().match(t):
        day, month, year = int(m[1]), int(m[2]), None
    else:
        return None
    if year:
        fixed = _date(int(year), month, day)
        return Written(lambda _y: fixed, "", True) if fixed else None
    if not any(_date(y, month, day) for y in (2024, 2025)):  # 29 Feb is in some years
        return None
    return Written(lambda y: _date(y, month, day), "", False)


def _month_end(month: int, year: str | None, how: str) -> Written:
    def last(y: int) -> dt.date:
        return dt.date(y, month, days_in_month(y, month))

    if year:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return Written(lambda _y: last(full), how, True)
    return Written(last, how, False)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _friday(day: dt.date | None) -> dt.date | None:
    # The Friday of the week the day falls in (the day itself when it is a Friday; a week
    # "commencing" on a Saturday or Sunday runs to the Friday after).
    return None if day is None else day + dt.timedelta(days=(4 - day.weekday()) % 7)
