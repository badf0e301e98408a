"""A date a person wrote when asking for more time: "by 20 January", "20/01/2027", "end of Feb",
"2027-01-20", "January 20th", "20th Jan". British order (day first) for numbers, as the Board is in
London. A date without a year is the next one on or after the day of the message. Nothing read
means None: the words are kept as the update note and no date is applied."""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
        # "Sept" is common in Britain; calendar knows only "Sep".
        *(["sept"] if number == 9 else []),
    )
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{2}|\d{4}))?\b"),
    # With dots or dashes only with a year: "2.5 weeks" is not the 2nd of May.
    re.compile(r"\b(?P<day>\d{1,2})[.-](?P<month>\d{1,2})[.-](?P<year>\d{4})\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY}{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b(?P<end>end)\s+of\s+{_MONTH}{_YEAR}\b", re.IGNORECASE),
]


def read_date(text: str, today: dt.date) -> dt.date | None:
    """The first date in ``text`` that is a real day, on or after ``today``; else None."""
    found: list[tuple[int, dt.date]] = []
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            day = _day(m, today)
            if day is not None and day >= today:
                found.append((m.start(), day))
    return min(found)[1] if found else None


def _day(m: re.Match[str], today: dt.date) -> dt.date | None:
    parts = m.groupdict()
    month_text = parts["month"].lower().rstrip(".")
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text)
    if month is None or not 1 <= month <= 12:
        return None
    year_text = parts.get("year")
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _make(year, month, parts)
    # No year: this year's, or next year's when this year's has passed.
    for year in (today.year, today.year + 1):
        day = _make(year, month, parts)
        if day is not None and day >= today:
            return day
    return None


def _make(year: int, month: int, parts: dict[str, str | None]) -> dt.date | None:
    if parts.get("end"):
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    try:
        return dt.date(year, month, int(parts["day"] or 0))
    except ValueError:
        return None
