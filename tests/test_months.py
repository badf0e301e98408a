"""Months added the way the Terms of Reference count terms (core/text.add_months), checked
against the standard library's calendar for every month of four centuries' edges."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from automations.core.text import MONTH_NAMES, add_months


@pytest.mark.parametrize("year", [1, 1900, 2000, 2023, 2024, 2100, 9998])
def test_the_last_day_of_every_month_is_the_calendars(year: int) -> None:
    start = dt.date(year, 1, 31)
    for months in range(24):
        got = add_months(start, months)
        index = months
        want_year, want_month = year + index // 12, index % 12 + 1
        last = calendar.monthrange(want_year, want_month)[1]
        assert got == dt.date(want_year, want_month, min(31, last))


def test_the_last_month_there_is_and_its_name() -> None:
    assert add_months(dt.date(9999, 11, 30), 1) == dt.date(9999, 12, 30)
    assert add_months(dt.date(9999, 1, 31), 11) == dt.date(9999, 12, 31)
    assert tuple(calendar.month_name[1:]) == MONTH_NAMES  # in English, under the C locale
