"""Which way things are going, for the digests: each headline now against the check recorded at
the previous meeting ("7 actions overdue, up from 4"), and overdue and open actions over the last
12 months as table-built bars (no scripts, no images) with the same figures in words.

Its own context key (``trends``) and its own partial templates (``_trends*.j2``), so the digest
context and templates stay as they are. Figures leave out confidential actions, as the digests do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from automations.core.config import Config
from automations.core.store import store_for
from automations.core.text import add_months, plural
from automations.pipeline import Validation
from automations.record import history
from automations.record.history import Snapshot

# A record up to this many days before the previous meeting stands for that meeting (the
# service checks on working days only); an older one would compare with the wrong month.
WINDOW_DAYS = 7
MONTHS = 12


@dataclass(frozen=True)
class Move:
    key: str
    now: int
    before: int | None
    text: str  # "7 actions overdue, up from 4"


@dataclass(frozen=True)
class Bar:
    month: str  # "March 2024"
    recorded: bool
    overdue: int = 0
    open: int = 0
    overdue_width: int = 0  # per cent of the widest bar
    open_width: int = 0


@dataclass(frozen=True)
class Trends:
    previous_meeting: dt.date | None
    compared_with: dt.date | None  # the day of the record the figures are compared with
    moves: tuple[Move, ...]
    bars: tuple[Bar, ...]
    chart_text: str
    easy: tuple[str, ...]


# key, one, many, how to read it, only for audiences that get the "health" section
HEADLINES: tuple[tuple[str, str, str, Callable[[Snapshot], int], bool], ...] = (
    ("overdue", "action overdue", "actions overdue", lambda s: s.overdue, False),
    ("open", "open action", "open actions", lambda s: s.open, False),
    ("errors", "error in the workbook", "errors in the workbook", lambda s: s.errors, True),
    ("warnings", "warning", "warnings", lambda s: s.warnings, True),
    ("members", "active member", "active members", lambda s: s.members, True),
)


def moved(now: int, before: int | None, one: str, many: str) -> str:
    """'7 actions overdue, up from 4'; 'the same as at the previous meeting'; no before: bare."""
    words = plural(now, one, many)
    if before is None:
        return words
    if now > before:
        return f"{words}, up from {before}"
    if now < before:
        return f"{words}, down from {before}"
    return f"{words}, the same as at the previous meeting"


def trends_for(
    cfg: Config, validation: Validation, meeting: dt.date, sections: tuple[str, ...]
) -> Trends | None:
    """None until the service has recorded a check (and never creates the state file)."""
    if not store_for(cfg).has_state():
        return None
    past = history.load(cfg, until=validation.report.today)
    if not past:
        return None
    now = history.snapshot(validation.board, validation.report)
    dates = {m.date for m in validation.board.meetings.records if m.date is not None}
    previous = max((d for d in dates if d < meeting), default=None)
    return build_trends(now, past, previous, "health" in sections)


def build_trends(
    now: Snapshot, past: list[Snapshot], previous: dt.date | None, health: bool
) -> Trends:
    before = _at_meeting(past, previous)
    moves = tuple(
        Move(
            key,
            get(now),
            get(before) if before else None,
            moved(get(now), get(before) if before else None, one, many),
        )
        for key, one, many, get, needs_health in HEADLINES
        if health or not needs_health
    )
    bars = _bars(now, past)
    return Trends(
        previous_meeting=previous,
        compared_with=before.day if before else None,
        moves=moves,
        bars=bars,
        chart_text=chart_words(bars),
        easy=_easy(moves, bars),
    )


def _at_meeting(past: list[Snapshot], meeting: dt.date | None) -> Snapshot | None:
    if meeting is None:
        return None
    found = history.on_or_before(past, meeting)
    if found is None or (meeting - found.day).days > WINDOW_DAYS:
        return None
    return found


def _bars(now: Snapshot, past: list[Snapshot]) -> tuple[Bar, ...]:
    """The last MONTHS months up to today's: each month's last record; this month, today."""
    ends = history.month_ends([s for s in past if s.day < now.day])
    ends[(now.day.year, now.day.month)] = now
    first = add_months(now.day.replace(day=1), 1 - MONTHS)
    months = [add_months(first, k) for k in range(MONTHS)]
    found = [ends.get((m.year, m.month)) for m in months]
    widest = max([max(s.overdue, s.open) for s in found if s] + [1])

    def width(n: int) -> int:
        return max(1, round(100 * n / widest)) if n else 0

    return tuple(
        Bar(f"{m:%B %Y}", True, s.overdue, s.open, width(s.overdue), width(s.open))
        if s
        else Bar(f"{m:%B %Y}", False)
        for m, s in zip(months, found, strict=True)
    )


def chart_words(bars: tuple[Bar, ...]) -> str:
    """The chart's text equivalent: where each line started and ended, and its highest point."""
    shown = [b for b in bars if b.recorded]
    if not shown:
        return "No month has a record yet."
    first, last = shown[0], shown[-1]
    worst = max(shown, key=lambda b: b.overdue)
    missing = len(bars) - len(shown)
    gaps = (
        f" {plural(missing, 'month')} of the last {len(bars)} had no check recorded."
        if (missing)
        else ""
    )
    return (
        f"Overdue actions went from {first.overdue} in {first.month} to {last.overdue} in "
        f"{last.month}; the most was {worst.overdue}, in {worst.month}. Open actions went from "
        f"{first.open} to {last.open}.{gaps}"
    )


def _easy(moves: tuple[Move, ...], bars: tuple[Bar, ...]) -> tuple[str, ...]:
    """The same, in short sentences for the easy-read digest."""
    lines: list[str] = []
    words = {"overdue": ("late", "late"), "open": ("not done yet", "not done yet")}
    for m in moves:
        if m.key not in words:
            continue
        what = words[m.key][0]
        lines.append(f"Now {_are(m.now)} {what}.")
        if m.before is None:
            continue
        lines.append(f"At the last meeting {_were(m.before)} {what}.")
        diff = m.now - m.before
        lines.append(
            "That is the same."
            if diff == 0
            else f"That is {abs(diff)} {'more' if diff > 0 else 'fewer'}."
        )
    shown = [b for b in bars if b.recorded]
    if len(shown) > 1:
        lines.append(f"In {shown[0].month}, {_were(shown[0].overdue)} late.")
    return tuple(lines)


def _are(n: int) -> str:
    return f"{plural(n, 'action')} {'is' if n == 1 else 'are'}"


def _were(n: int) -> str:
    return f"{plural(n, 'action')} {'was' if n == 1 else 'were'}"
