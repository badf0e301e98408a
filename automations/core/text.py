"""Dates, times and counts in words: the one way each is shown to people."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import cache


def close_matches(word: str, options: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """The one option most like ``word``, as a list (empty when none is close), for a "did you
    mean" hint. difflib is loaded here, only when a hint is wanted: a check that goes well never
    needs one."""
    import difflib

    return difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)


def compiled_when_used(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled the first time it is used, not when its module loads: a
    check pays only for the patterns its board needs (a board with no dates written in words
    compiles none of those). Call it for the pattern: ``_WEEK().match(text)``."""
    return cache(lambda: re.compile(source, flags))


# English, whatever the machine's locale: officers write dates in English (calendar.month_name
# would follow the locale, and load it).
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (31 Jan + 1 month = 28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, days_in_month(year, month)))


def days_in_month(year: int, month: int) -> int:
    """28 to 31 (calendar.monthrange would load the calendar and locale modules)."""
    if month == 12:
        return 31  # and no 1 January of year 10,000 to count back from
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day


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


# An address of plain ASCII words (letters, digits, _ + - in the local part, dot-separated
# labels and a letter-only top-level domain): every one of these email_validator accepts,
# lower-casing only the domain (tests/test_imports.py compares the two). Anything else is left
# to email_validator, so that a config or a sheet of ordinary addresses does not import it
# (a twentieth of a second).
_PLAIN_ADDRESS = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]{1,64}(?:\.[A-Za-z0-9_+-]{1,64})*)@"
    r"(?P<domain>(?:[A-Za-z0-9]{1,63}(?:-[A-Za-z0-9]{1,63})*\.){1,8}(?P<tld>[A-Za-z]{2,24}))"
)
# email_validator's SPECIAL_USE_DOMAIN_NAMES: addresses there go to it, which refuses them.
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}


def plain_address(addr: str) -> str | None:
    """``addr`` as email_validator normalises it, when it is a plain ASCII address; None when
    it is anything else (then ask email_validator)."""
    m = _PLAIN_ADDRESS.fullmatch(addr)
    if (
        m is None
        or len(addr) > 254
        or len(m["local"]) > 64
        or len(m["domain"]) > 253
        or m["tld"].lower() in _SPECIAL_USE
        or any(len(label) > 63 for label in m["domain"].split("."))
    ):
        return None
    return f"{m['local']}@{m['domain'].lower()}"


def email_problem(addr: str) -> tuple[str | None, str | None]:
    """(the normalised address, None) or (None, why it is not an email address)."""
    if (plain := plain_address(addr)) is not None:
        return plain, None
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(addr, check_deliverability=False).normalized, None
    except EmailNotValidError as exc:
        return None, str(exc)
