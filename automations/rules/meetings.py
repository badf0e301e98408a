"""Meeting rules (Terms of Reference: Commissioning Co-Production Board Meetings)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date, plural
from automations.model.board import Board
from automations.rules import rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _dated(board: Board) -> list:
    return sorted((m for m in board.meetings.records if m.date), key=lambda m: (m.date, m.row))


@rule(
    "tor.meetings.cadence",
    W,
    "Too long a gap between two meetings (the Board meets monthly).",
    needs=("meetings",),
)
def cadence(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    meetings = _dated(board)
    for before, after in itertools.pairwise(meetings):
        gap = (after.date - before.date).days
        if gap > tor.meeting_gap_days:
            yield board.meetings.finding(
                W,
                f"There are {plural(gap, 'day')} between the meeting on "
                f"{long_date(before.date)} and this one. The Terms of Reference say the Board "
                f"meets monthly (at most {plural(tor.meeting_gap_days, 'day')} apart). "
                "Add the missing meeting, or note why it did not happen.",
                after,
                "date",
            )


@rule(
    "tor.meetings.next_scheduled",
    W,
    "No meeting is planned in the coming weeks.",
    needs=("meetings",),
)
def next_scheduled(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    meetings = _dated(board)
    horizon = today + dt.timedelta(days=tor.meeting_gap_days)
    if any(today <= m.date <= horizon for m in meetings):
        return
    latest = meetings[-1] if meetings else None
    yield board.meetings.finding(
        W,
        f"No meeting is planned between {long_date(today)} and {long_date(horizon)}. The Board "
        "meets monthly: add the date of the next meeting on a new row.",
        latest,
        "date",
    )


@rule(
    "tor.meetings.minute_taker",
    E,
    "A meeting that has taken place has no minute-taker.",
    needs=("meetings.minute_taker",),
)
def minute_taker(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.held_meetings(today):
        if not m.minute_taker:
            yield board.meetings.finding(
                E,
                f"The meeting on {long_date(m.date)} has no minute-taker. The Terms of "
                "Reference say every meeting is minuted by a nominated Board member. Enter who "
                "took the minutes.",
                m,
                "minute_taker",
            )


@rule(
    "tor.meetings.cochairs_present",
    W,
    "A co-chair missed a meeting and no deputy was named.",
    needs=(
        "meetings.resident_cochair_present",
        "meetings.commissioner_cochair_present",
        "meetings.deputy",
    ),
)
def cochairs_present(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.held_meetings(today):
        if m.deputy:
            continue
        for name, who in (
            ("resident_cochair_present", "resident co-chair"),
            ("commissioner_cochair_present", "commissioner co-chair"),
        ):
            present = getattr(m, name)
            if present:
                continue
            state = "was not there" if present is False else "is not recorded as present"
            yield board.meetings.finding(
                W,
                f"At the meeting on {long_date(m.date)} the {who} {state} and no deputy is "
                "named. The Terms of Reference say co-chairs attend every meeting, or a deputy "
                "is nominated. Enter Yes if they were there, or name the deputy.",
                m,
                name,
            )


@rule(
    "tor.meetings.actions_followed_up",
    W,
    "A meeting did not record that the actions were followed up.",
    needs=("meetings.actions_followed_up",),
)
def actions_followed_up(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.held_meetings(today):
        if not m.actions_followed_up:
            yield board.meetings.finding(
                W,
                f"The meeting on {long_date(m.date)} does not record that the actions were "
                "followed up. The Terms of Reference say the co-chairs follow up all actions "
                "at each meeting. Enter Yes if they were.",
                m,
                "actions_followed_up",
            )


@rule(
    "tor.meetings.length",
    INFO,
    "A meeting's length differs from the usual two hours.",
    needs=("meetings.length_hours",),
)
def length(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.meetings.records:
        if m.length_hours is not None and m.length_hours != tor.meeting_hours:
            yield board.meetings.finding(
                INFO,
                f"This meeting is set at {plural(float(m.length_hours), 'hour')}. The Terms of "
                f"Reference say meetings last {plural(float(tor.meeting_hours), 'hour')}. "
                "Nothing to do if the Board agreed it.",
                m,
                "length_hours",
            )


@rule(
    "access.minutes_easy_read",
    W,
    "Minutes are not available in easy read some time after the meeting.",
    needs=("meetings.easy_read_minutes",),
)
def minutes_easy_read(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for m in board.held_meetings(today):
        days = (today - m.date).days
        if days > tor.easy_read_minutes_days and not m.easy_read_minutes:
            yield board.meetings.finding(
                W,
                f"The minutes of the meeting on {long_date(m.date)} are not marked as available "
                f"in easy read, {plural(days, 'day')} later. The Terms of Reference promise "
                "accessible minutes for every member. Share an easy-read version, then put Yes.",
                m,
                "easy_read_minutes",
            )
