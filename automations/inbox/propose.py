"""An incoming message -> a proposed update for the officers, or the reason it could not be
matched. Nothing here writes anything: the caller records the result and officers decide.

Checks, in order (the first that fails is the reason given):
1. automatic mail (out-of-office, delivery reports, bulk) is ignored with no answer;
2. the receiving server's trusted Authentication-Results must not say DMARC failed;
3. an answer code must be in it, of an action on the Actions tab, signed for this board and the
   action's owner as on the Members tab, not expired;
4. the sender (From) must be that owner, or an officer listed in [updates] officers.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field, replace

from automations.core.errors import ConfigError
from automations.inbox import tokens
from automations.inbox.dates import read_date
from automations.inbox.message import Incoming
from automations.inbox.settings import UpdateSettings
from automations.mail.transport import checked_address
from automations.model.board import Action, Board
from automations.model.schema import display

DONE, IN_PROGRESS = "Done", "In progress"
IGNORED, UNMATCHED, WAITING = "ignored", "unmatched", "waiting"
SEEN_FIELDS = ("status", "due", "completed_on", "last_update", "update")


@dataclass(frozen=True)
class Proposal:
    """What one message asks for. ``state`` is waiting (for an officer), unmatched (a check
    failed: ``reason`` says which) or ignored (automatic mail)."""

    received: dt.datetime
    message_id: str
    sender: str
    sender_name: str
    state: str
    reason: str = ""
    action_id: str = ""
    kind: str = ""
    words: str = ""
    # What would change (None: that cell stays as it is).
    status: str | None = None
    due: dt.date | None = None
    completed_on: dt.date | None = None
    last_update: dt.date | None = None
    note: str = ""  # added to the Update cell, after what it holds
    seen: dict[str, str] = field(default_factory=dict)  # the cells as they were, to compare later


ActionIndex = dict[str, list[Action]]


def action_index(board: Board) -> ActionIndex:
    """The actions by their id's fingerprint, made once per reading (not once per answer)."""
    index: ActionIndex = {}
    for a in board.actions.records:
        if a.id:
            index.setdefault(tokens.fingerprint(a.id), []).append(a)
    return index


def propose(
    msg: Incoming,
    board: Board,
    s: UpdateSettings,
    keys: tokens.Keyring,
    now: dt.datetime,
    index: ActionIndex | None = None,
) -> Proposal:
    base = Proposal(now, msg.message_id, msg.sender, msg.sender_name, UNMATCHED)
    if msg.automatic:
        return _with(base, state=IGNORED, reason=f"automatic mail ({msg.automatic}); no answer")
    if msg.dmarc_fail:
        return _with(
            base,
            reason=f"{s.trusted_auth_host} says the sender's domain did not send it "
            "(DMARC failed): it may be forged",
        )
    if not msg.sender:
        return _with(base, reason="the message has no single sender address (From)")
    if not msg.tokens:
        return _with(base, reason="no answer code in it: a plain email, not an answer button")
    today = now.date()
    reasons = []
    for token in msg.tokens:
        found = (
            _reply(token, msg, board, s, keys, today)
            if token[1:2] == tokens.KIND_CODES["reply"]
            else _match(token, board, s, keys, today, index)
        )
        if isinstance(found, str):
            reasons.append(found)
            continue
        action, owner, answer = found
        if msg.sender != owner and msg.sender not in s.officers:
            return _with(
                base,
                action_id=action.id or "",
                kind=answer.kind,
                reason=f"sent from {msg.sender}, not the action's owner ({owner}) nor an officer",
            )
        return _changes(base, msg, action, answer.kind, today)
    return _with(base, reason="; ".join(dict.fromkeys(reasons)))


def _with(p: Proposal, **changes: object) -> Proposal:
    return replace(p, **changes)  # type: ignore[arg-type]


def _reply(
    token: str,
    msg: Incoming,
    board: Board,
    s: UpdateSettings,
    keys: tokens.Keyring,
    today: dt.date,
) -> tuple[Action, str, tokens.Token] | str:
    """A plain reply to a reminder: its code is the owner's (no action), so the action is the
    owner's only open one, or the one of theirs the reply names by its id; else the officers
    read it (the words are kept on the unmatched entry)."""
    try:
        checked = tokens.verify(keys, token, s.board, "", msg.sender, today, s.expiry_days)
    except tokens.TokenError as exc:
        return f"a reply to a reminder: {exc}"
    theirs = [a for a in board.actions.records if a.is_open and a.id
              and owner_address(board, a) == msg.sender]  # fmt: skip
    if len(theirs) == 1:
        return theirs[0], msg.sender, checked
    text = f"{msg.subject}\n{msg.words}"
    named = [a for a in theirs if re.search(rf"(?<!\w){re.escape(a.id or '')}(?!\w)", text, re.I)]
    if len(named) == 1:
        return named[0], msg.sender, checked
    return (
        f"a reply to a reminder that names {'none' if not named else 'several'} of the "
        f"sender's {len(theirs)} open actions; the officers should read it: {msg.words[:300]}"
    )


def _match(
    token: str,
    board: Board,
    s: UpdateSettings,
    keys: tokens.Keyring,
    today: dt.date,
    index: ActionIndex | None,
) -> tuple[Action, str, tokens.Token] | str:
    """The action, its owner's address and the checked token; or why not, in plain words."""
    try:
        shape = tokens.read_token(token)
    except tokens.TokenError as exc:
        return str(exc)
    actions = (index if index is not None else action_index(board)).get(shape.fingerprint, [])
    if not actions:
        return "the answer code is for an action no longer on the Actions tab"
    why = ""
    for action in actions:
        owner = owner_address(board, action)
        if not owner:
            why = f"{action.id} has no owner with an email address on the Members tab now"
            continue
        try:
            checked = tokens.verify(
                keys, token, s.board, action.id or "", owner, today, s.expiry_days
            )
            return action, owner, checked
        except tokens.TokenError as exc:
            why = f"{action.id}: {exc}"
    return why


def owner_address(board: Board, action: Action) -> str:
    """The owner's address as the reminder wrote it (normalised the same way), or ""."""
    member = board.member(action.owner)
    if member is None or not member.email:
        return ""
    return _normal_address(member.email)


@functools.lru_cache(maxsize=4096)
def _normal_address(text: str) -> str:
    """An address as the reminders write it (checked once per address, not per answer)."""
    try:
        return checked_address(text, "Members tab, Email").addr_spec.lower()
    except ConfigError:
        return ""


def _changes(base: Proposal, msg: Incoming, action: Action, kind: str, today: dt.date) -> Proposal:
    """What the answer would change, with the cells as they are now (compared before writing)."""
    words = msg.words.strip()
    # The cells as the sheet holds them (not as the check reads them: "Complete" stays
    # "Complete"), so that the writer can tell whether a person changed one meanwhile.
    seen = {f: display(action.raw.get(f)) or "" for f in SEEN_FIELDS}
    # Dates as the day they mean (a Google Sheet stores a serial number, a workbook a date).
    for f in ("due", "completed_on", "last_update"):
        day = getattr(action, f)
        seen[f] = day.isoformat() if day else seen[f]
    seen["row"] = str(action.row)
    p = _with(
        base,
        state=WAITING,
        action_id=action.id or "",
        kind=kind,
        words=words,
        last_update=today,
        seen=seen,
    )
    said = {
        "done": "Done",
        "started": "Started, on track",
        "more_time": "Needs more time",
        "help": "Needs help",
        "reply": "Replied",
    }[kind]
    note = f"{said}: {words}" if words else said
    if kind == "done":
        return _with(p, status=DONE, completed_on=today, note=note)
    if kind == "started":
        return _with(p, status=IN_PROGRESS if action.status != IN_PROGRESS else None, note=note)
    if kind == "more_time":
        new_due = read_date(words, today)
        if new_due is None:
            return _with(
                p,
                note=note,
                reason="no date could be read from the words; the words are kept, no new due date",
            )
        return _with(p, due=new_due, note=note)
    if kind == "reply":  # words only: an officer reads them and adds the note, or not
        return _with(p, note=note, reason="a reply to the reminder: read it before applying")
    return _with(p, note=note, reason="asks for help: an officer should get in touch")
