"""Recorded answers + the officers' choices + the board as read now -> the Updates tab's rows and
the cell changes to make (backends/updates.py). Pure: nothing is read or written here.

An answer is applied only when an officer chose Apply on its row (or [updates] apply = "auto"),
it is still waiting, its action is still on the Actions tab (found by id: rows move) with the
same owner, and each cell it changes still holds what the answer saw (or what the service itself
last wrote there: two answers for one action, approved in order, both go in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from automations.backends.updates import APPLY, REJECT, CellChange, RowChanges
from automations.inbox.listing import KINDS, clean
from automations.inbox.proposals import Stored
from automations.inbox.propose import IGNORED, UNMATCHED, WAITING, owner_address
from automations.inbox.settings import UpdateSettings
from automations.model.board import Action, Board
from automations.model.raw import tab_title

SHOWN = "shown"
OUTCOMES = {
    "applied": "Applied",
    "rejected": "Rejected by an officer",
    "refused": "Not applied",
    UNMATCHED: "Could not be matched",
    SHOWN: "Shown only ([updates] apply = show): not written",
    WAITING: "",
}


@dataclass(frozen=True)
class Decided:
    """What this pass does with the answers."""

    changes: tuple[RowChanges, ...]
    rejected: tuple[int, ...]
    refused: dict[int, str]  # refused before any writing (action gone, owner changed)


def tab_rows(stored: list[Stored], choices: dict[int, str]) -> tuple[tuple[str, ...], ...]:
    """One row per answer a person sent (automatic mail is left out), newest last."""
    rows = []
    for s in stored:
        p = s.proposal
        if p.state == IGNORED:
            continue
        would = "; ".join(
            f"{name}: {value}"
            for name, value in (("Status", p.status), ("Due", p.due), ("Completed", p.completed_on))
            if value is not None
        )
        apply = choices.get(s.id, "") if p.state == WAITING else _done_choice(p.state)
        outcome = OUTCOMES.get(p.state, p.state)
        if p.state == "applied":  # as the writer words it the day it applies (values.py)
            outcome = f"Applied on {(s.decided_at or '')[:10]}"
        if p.state in ("refused", UNMATCHED) and p.reason:
            outcome = f"{outcome}: {p.reason}"
        rows.append((
            str(s.id),
            f"{p.received:%Y-%m-%d %H:%M}",
            clean(f"{p.sender_name} <{p.sender}>" if p.sender_name else p.sender, 120),
            clean(p.action_id, 40),
            KINDS.get(p.kind, ""),
            clean(p.words, 2000),
            would or ("Update note only" if p.state == WAITING else ""),
            apply,
            outcome,
        ))  # fmt: skip
    return tuple(rows)


def _done_choice(state: str) -> str:
    return {"applied": APPLY, "rejected": REJECT, "refused": APPLY}.get(state, "")


def decide(
    stored: list[Stored],
    choices: dict[int, str],
    board: Board,
    s: UpdateSettings,
    today: dt.date,
    last_written: Callable[[str, str], str | None],
) -> Decided:
    changes, rejected, refused = [], [], {}
    # What this pass is about to write, by (action, column): a later answer for the same action,
    # approved too, may find the cell holding it (the later one wins, in order).
    pending: dict[tuple[str, str], str] = {}
    by_id: dict[str, list[Action]] = {}
    for a in board.actions.records:
        if a.id:
            by_id.setdefault(a.id, []).append(a)
    for item in stored:
        p = item.proposal
        if p.state != WAITING:
            continue
        choice = APPLY if s.apply == "auto" else choices.get(item.id, "")
        if choice == REJECT:
            rejected.append(item.id)
        if choice != APPLY:
            continue
        found = _action(by_id.get(p.action_id, []), p.action_id)
        if isinstance(found, str):
            refused[item.id] = found
            continue
        owner = owner_address(board, found)
        if p.sender != owner and p.sender not in s.officers:
            refused[item.id] = "the action's owner has changed since the answer came"
            continue
        cells = _cells(item, found, board, today, last_written, pending)
        if not cells:
            refused[item.id] = "the Actions tab has none of the columns this answer changes"
            continue
        sheet = tab_title(found.sheet) if found.sheet else ""  # its own tab, of several
        changes.append(RowChanges(item.id, p.action_id, found.row, tuple(cells), sheet))
    return Decided(tuple(changes), tuple(rejected), refused)


def _action(rows: list[Action], action_id: str) -> Action | str:
    if not rows:
        return f"{action_id} is no longer on the Actions tab"
    if len(rows) > 1:
        return f"{action_id} is on {len(rows)} rows of the Actions tab; make it one"
    return rows[0]


def _cells(
    item: Stored,
    action: Action,
    board: Board,
    today: dt.date,
    last_written: Callable[[str, str], str | None],
    pending: dict[tuple[str, str], str],
) -> list[CellChange]:
    p = item.proposal
    who = p.sender_name or p.sender
    note = f"[{today:%d %b %Y}, {who}, by email] {p.note}"
    wanted: list[tuple[str, object, bool]] = [
        ("status", p.status, False),
        ("due", p.due, False),
        ("completed_on", p.completed_on, False),
        ("last_update", p.last_update, False),
        ("update", note, True),
    ]
    table = board.actions
    out = []
    for field, value, append in wanted:
        if value is None or not table.has(field):
            continue
        header = table.header(field)
        seen = p.seen.get(field, "")
        ours = last_written(p.action_id, header)
        now = pending.get((p.action_id, header))
        expected = tuple(dict.fromkeys(v for v in (seen, ours, now) if v is not None))
        at = table.position(field, action)  # on the action's own tab, of several read as one
        assert at is not None  # table.has(field): every tab read as one list has the column
        column = at + 1
        out.append(CellChange(column, header, value, expected, append))  # type: ignore[arg-type]
        latest = now if now is not None else ours if ours is not None else seen
        pending[(p.action_id, header)] = _written(value, append, latest)
    return out


def _written(value: object, append: bool, before: str) -> str:
    """The cell's text once this change is made (as values.py writes it)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return f"{before.rstrip()}\n{text}" if append and before.strip() else text
