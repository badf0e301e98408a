"""Terms of Reference words and sums that the rules and the digests share: the three voices to
balance, the co-chairs' names for their seats, when a co-chair's term ends."""

from __future__ import annotations

import datetime as dt

from automations.core.config import TorConfig
from automations.core.text import add_months
from automations.model.board import (  # noqa: F401 (RESIDENT_VOICES, STAFF: rules import them from here)
    COMMISSIONER_CHAIR,
    RESIDENT_CHAIR,
    RESIDENT_VOICES,
    STAFF,
    Board,
    Member,
)

CHAIR_WORDS = {RESIDENT_CHAIR: "resident co-chair", COMMISSIONER_CHAIR: "commissioner co-chair"}


def term_end(m: Member, tor: TorConfig) -> dt.date | None:
    if m.term_start is None:
        return None
    if m.role == RESIDENT_CHAIR:
        months = tor.resident_term_months + (
            tor.resident_extension_months if m.term_extended else 0
        )
    else:
        months = tor.commissioner_term_months
    return add_months(m.term_start, months)


def balance_counts(active: list[Member]) -> tuple[int, int, int]:
    """Residents, carers or advocates, and staff (health and social care staff or council
    officers) among ``active``: the three voices the Terms of Reference ask to balance."""
    residents = sum(m.category == "Resident" for m in active)
    carers = sum(m.category == "Carer or advocate" for m in active)
    return residents, carers, sum(m.category in STAFF for m in active)


def lead_problem(board: Board, ref: str | None, today: dt.date, missing: str) -> str | None:
    """What is wrong with a sub-group's lead (the ToR: an active Board member leads each one),
    or None: `missing` says the empty case ("has no lead")."""
    member = board.member(ref)
    if member is not None and member.active_on(today):
        return None
    if not ref:
        return missing
    if member is None:
        return f"has {ref!r} as lead, who is not on the Members tab"
    return f"is led by {member.label}, who has left the Board"
