"""The co-chairs' pack on the co-production record (issue 31): the "You said, we did" items
answered but not yet told back, and the open sub-groups due to report at the meeting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from automations.core.config import TorConfig
from automations.core.text import long_date, plural
from automations.pipeline import Validation

_LATE = " (longer than the Terms of Reference allow)"


@dataclass(frozen=True)
class PackRecord:
    tell_back: tuple[str, ...]  # one line per item to tell back
    to_report: tuple[str, ...]  # one line per sub-group due to report

    def __bool__(self) -> bool:
        return bool(self.tell_back or self.to_report)


def pack_record(validation: Validation, meeting: dt.date, tor: TorConfig) -> PackRecord:
    board = validation.board
    tell_back = tuple(
        f"{f.id}: {(f.you_said or '').rstrip('.')}. {f.status}"
        + (f" since {long_date(f.done_on)}" if f.done_on else "")
        + ", not yet told back."
        for f in board.you_said_we_did.records
        if f.answered and f.told_back_on is None
    )
    to_report = []
    for g in board.subgroups.records:
        since = g.last_reported or g.set_up_on
        if not g.is_open or since is None:
            continue
        days = (meeting - since).days  # counted to the meeting: it reports there
        if days > tor.meeting_gap_days:
            late = (
                " (later than the Terms of Reference allow)"
                if days > tor.subgroup_report_days
                else ""
            )
            when = (
                f"last reported on {long_date(g.last_reported)}"
                if g.last_reported
                else "not reported yet"
            )
            to_report.append(
                f"{g.label}: {when}, {plural(days, 'day')} by the meeting{_LATE if late else ''}."
            )
    return PackRecord(tell_back, tuple(to_report))
