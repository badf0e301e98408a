"""The co-chairs' pack: owners' answers still waiting for an officer's Apply or Reject on the
Updates tab after `[updates] alert_waiting_days` (issue 30), so the meeting can chase them.

Each line names the owner, the action and what they answered; never the words of the message
(the Updates tab has them) nor an address. An answer about a confidential action is marked, so
the printable page (which can leave the room) leaves it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from automations.core.config import Config
from automations.core.text import long_date
from automations.inbox.settings import update_settings
from automations.model.board import Board


@dataclass(frozen=True)
class WaitingAnswer:
    text: str
    confidential: bool


def waiting_answers(cfg: Config, board: Board, today: dt.date) -> tuple[WaitingAnswer, ...]:
    """The answers received more than `alert_waiting_days` before ``today`` and still waiting,
    oldest first. None when answers are off (the state is not even opened)."""
    settings = update_settings(cfg)
    if not settings.enabled:
        return ()
    # The state and its listing, only when answers are on (the help imports no database).
    from automations.inbox.listing import KINDS, clean
    from automations.inbox.proposals import Proposals

    with Proposals(cfg) as book:
        stored = book.all(("waiting",))
    cutoff = today - dt.timedelta(days=settings.alert_waiting_days)
    confidential = {a.id for a in board.actions.records if a.id and a.confidential}
    out = []
    for s in sorted(stored, key=lambda s: s.proposal.received):
        p = s.proposal
        received = p.received.date()
        if received >= cutoff:
            continue
        who = clean(p.sender_name or "An owner", 100)
        what = KINDS.get(p.kind, "an answer")
        out.append(
            WaitingAnswer(
                f"{who} answered about {clean(p.action_id, 40)} ({what}) on "
                f"{long_date(received)}: waiting {(today - received).days} days for Apply or "
                "Reject on the Updates tab.",
                p.action_id in confidential,
            )
        )
    return tuple(out)
