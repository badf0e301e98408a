"""The digests' short "You said, we did" section (issue 31): the items done or told back since
the previous meeting, as the public page shows them (no names, emails or amounts). An audience
gets it by listing "you_said_we_did" in its sections."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from automations.pipeline import Validation
from automations.record.publish import PublicItem, public_items

SECTION = "you_said_we_did"


@dataclass(frozen=True)
class Said:
    since: dt.date | None  # the previous meeting, or None: everything so far
    items: tuple[PublicItem, ...]


def said_for(validation: Validation, meeting: dt.date, sections: tuple[str, ...]) -> Said | None:
    """None when the audience does not take the section or the workbook has no such tab, or
    nothing was done or told back since the previous meeting."""
    board = validation.board
    if SECTION not in sections or not board.you_said_we_did.present:
        return None
    today = validation.report.today
    dates = {m.date for m in board.meetings.records if m.date is not None}
    since = max((d for d in dates if d < meeting), default=None)

    def recent(day: dt.date | None) -> bool:
        return day is not None and day <= today and (since is None or day > since)

    rows = [f for f in board.you_said_we_did.records if recent(f.done_on) or recent(f.told_back_on)]
    items = public_items(board, rows)
    return Said(since, items) if items else None
