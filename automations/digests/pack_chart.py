"""The co-chairs' pack's small chart: open and overdue actions at each of the last few meetings
and today, from the history of daily checks (record/history.py). In the email it is a PNG
picture (cid:, as Outlook shows no SVG) with the chart in words as its alt text; on the
printable page it is inline SVG; in both, the table of its numbers is right under it. With
fewer than two points there is no chart, one sentence instead. Confidential actions are left
out of the counts, as in the history."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from automations.charts.plot import Chart, Plot, plot
from automations.core.config import Config
from automations.core.store import store_for
from automations.core.text import long_date
from automations.digests.render import Pictures
from automations.digests.trends import WINDOW_DAYS
from automations.pipeline import Validation
from automations.record import history

MEETINGS = 5  # the last few meetings before this one
HEADERS = ("When", "Open actions", "Overdue actions")
CHART = Chart(
    "Open and overdue actions at the last meetings", "lines", 0, (1, 2), "Actions", on="on"
)
NONE_YET = (
    "No daily check has been recorded yet, so there is no chart of open and overdue actions: "
    "the service records one each day it checks the Board."
)


@dataclass(frozen=True)
class PackTrend:
    rows: tuple[tuple[str, int, int], ...]  # (meeting, open, overdue), oldest first
    none_yet: bool = False  # the service has recorded no check at all

    def plot(self) -> Plot:
        return plot(CHART, "pack-trend", HEADERS, self.rows, str)

    @property
    def drawable(self) -> bool:
        return self.plot().drawable

    @property
    def sentence(self) -> str:
        return NONE_YET if self.none_yet else self.plot().sentence()

    @property
    def description(self) -> str:
        return self.plot().description()


def pack_trend(cfg: Config, validation: Validation) -> PackTrend:
    """The record at (or up to a week before) each of the last few meetings, and today's."""
    if not store_for(cfg).has_state():
        return PackTrend((), none_yet=True)  # reading makes no state file
    today = validation.report.today
    past = history.load(cfg, until=today)
    if not past:
        return PackTrend((), none_yet=True)
    rows = []
    for m in validation.board.held_meetings(today)[-MEETINGS:]:
        assert m.date is not None
        found = history.on_or_before(past, m.date)
        if found is not None and (m.date - found.day).days <= WINDOW_DAYS:
            rows.append((long_date(m.date), found.open, found.overdue))
    now = history.snapshot(validation.board, validation.report)
    rows.append((f"{long_date(today)} (today)", now.open, now.overdue))
    return PackTrend(tuple(rows))


def chart_source(trend: PackTrend | None, pictures: Pictures, printable: bool) -> Markup | str:
    """What the template shows as the chart: inline SVG (printable page), the cid: address of
    its PNG (email), or "" when there is nothing to draw. matplotlib loads only here."""
    if trend is None or not trend.drawable:
        return ""
    from automations.charts.draw import png, svg

    if printable:
        return Markup(svg(trend.plot(), width=6.5, height=2.8))
    return pictures.drawn("pack-trend", png(trend.plot()))
