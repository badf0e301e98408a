"""Action rules (Terms of Reference: minute all meetings and record actions; follow up all
actions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from automations.core.config import TorConfig
from automations.core.findings import Finding, Severity
from automations.core.text import long_date, plural
from automations.model.board import Board, Owners
from automations.model.schema import is_blank
from automations.rules import rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _what(a) -> str:
    return f"Action {a.id}" if a.id else f"The action on row {a.row}"


def _due_words(board: Board) -> str:
    """ "Due date", "Target date", "By when date": the due column as a date in words."""
    header = board.actions.header("due")
    return header if "date" in header.casefold() else f"{header} date"


def _close_it(board: Board) -> str:
    """How this tracker marks an action closed: only a column it has (issue 26)."""
    t = board.actions
    if t.has("status"):
        return f"change the {t.header('status')}"
    if t.has("done"):
        return f"tick {t.header('done')}"
    if t.has("rag"):
        return f"set {t.header('rag')} to Complete"
    return f"enter the date it was closed in {t.header('completed_on')}"


def _done_word(board: Board, a) -> str:
    if a.status is not None:
        return a.status
    if a.done:
        return f"done ({board.actions.header('done')} is ticked)"
    return f"complete ({board.actions.header('rag')})"


@rule(
    "tor.actions.overdue",
    W,
    "An open action is past its due date (error when it is very late).",
    needs=("actions.due", "actions.status"),
)
def overdue(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    who_is: dict[str | None, str] = {}  # an Owner cell's words, looked up once per text
    for a in board.actions.records:
        if a.due and a.due < today and a.is_open:  # the cheap tests first: 100,000 rows
            late = (today - a.due).days
            severity = E if late > tor.overdue_error_days else W
            if a.owner not in who_is:
                who_is[a.owner] = board.owners(a.owner).label or "its owner"
            who = who_is[a.owner]
            yield board.actions.finding(
                severity,
                f"{_what(a)} was due on {long_date(a.due)} and is {plural(late, 'day')} late. "
                f"The co-chairs follow up every action at each meeting: ask {who} for an update, "
                f"then set a new {_due_words(board)} or {_close_it(board)}.",
                a,
                "due",
            )


@rule(
    "tor.actions.due_soon",
    INFO,
    "An open action is due in the next few days.",
    needs=("actions.due", "actions.status"),
)
def due_soon(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    horizon = today + dt.timedelta(days=tor.due_soon_days)
    for a in board.actions.records:
        if a.due and today <= a.due <= horizon and a.is_open:
            when = "today" if a.due == today else f"on {long_date(a.due)}"
            yield board.actions.finding(
                INFO,
                f"{_what(a)} is due {when}. A reminder only: nothing is wrong yet.",
                a,
                "due",
            )


@rule(
    "tor.actions.stale",
    W,
    "An open action has had no update for a long time.",
    # Without a Last update column the tracker keeps no date of news, so "no update since"
    # would not be true: the rule is not run (and the information finding says so).
    needs=("actions.status", "actions.last_update"),
)
def stale(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    column = board.actions.header("last_update")
    for a in board.actions.records:
        since = a.last_update or a.raised
        if since and (today - since).days > tor.stale_days and a.is_open:
            yield board.actions.finding(
                W,
                f"{_what(a)} has had no update since {long_date(since)} "
                f"({plural((today - since).days, 'day')}). Members progress actions between "
                f"meetings: ask the owner for news and put today's date in {column}.",
                a,
                "last_update",
            )


@rule(
    "tor.actions.owner",
    W,
    "An open action's owner is not an active Board member.",
    needs=("actions.owner", "actions.status", "members"),
)
def owner(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    found: dict[str, Owners] = {}  # an Owner cell's people, looked up once per text
    for a in board.actions.records:
        if not (a.owner and a.is_open):
            continue
        if a.owner not in found:  # "All" / "Board": the whole Board, nobody to look up
            found[a.owner] = board.owners(a.owner)
        owners = found[a.owner]
        if owners.unknown:
            names = " and ".join(repr(u) for u in owners.unknown)
            who = "who is" if len(owners.unknown) == 1 else "who are"
            yield board.actions.finding(
                W,
                f"{_what(a)} is owned by {names}, {who} not on the Members tab. That is fine "
                "for an officer outside the Board, but a Board member should follow it up. "
                "Otherwise check the spelling of the name.",
                a,
                "owner",
            )
        for member in owners.members:
            if not member.active_on(today):
                yield board.actions.finding(
                    W,
                    f"{_what(a)} is owned by {member.label}, who has left the Board. Give the "
                    "action to an active member.",
                    a,
                    "owner",
                )


@rule(
    "tor.actions.completed_on",
    W,
    "An action marked Done has no completion date.",
    needs=("actions.status", "actions.completed_on"),
)
def completed_on(board: Board, tor: TorConfig, today: dt.date) -> Iterator[Finding]:
    for a in board.actions.records:
        # An unreadable date is reported by schema.type, not again here. (A blank cell
        # leaves completed_on None: that cheap test first.)
        if a.completed_on is None and a.is_done and is_blank(a.raw.get("completed_on")):
            yield board.actions.finding(
                W,
                f"{_what(a)} is marked {_done_word(board, a)} but "
                f"{board.actions.header('completed_on')} is blank. "
                "Enter the date it was finished, so the digest can report it.",
                a,
                "completed_on",
            )
