"""What a chart shows, as plain data: a view on the columns of a table (so the chart and the
table beside it are one set of numbers), and the words that describe it. No drawing library."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from automations.core.text import plural

Kind = Literal["lines", "bars", "stacked"]
MIN_POINTS = 2  # one point shows no movement: a sentence says so instead


@dataclass(frozen=True)
class Chart:
    """Which columns of a table to draw: ``x`` names each point, each of ``ys`` is a series.
    ``levels`` (a subset of ``ys``, for lines only) are levels to compare with, drawn as a
    plain dashed line."""

    title: str
    kind: Kind
    x: int
    ys: tuple[int, ...]
    y_label: str
    levels: tuple[int, ...] = ()
    empty: str = ""  # the sentence when there is nothing at all to draw (e.g. no history yet)
    on: str = "in"  # the word before a point's label in the chart in words ("in March 2024")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    level: bool = False


@dataclass(frozen=True)
class Plot:
    key: str  # unique on the page: every id in the drawing starts with it
    title: str
    kind: Kind
    labels: tuple[str, ...]  # one per point, as the table shows it
    series: tuple[Series, ...]
    y_label: str
    empty: str = ""
    on: str = "in"

    @property
    def drawable(self) -> bool:
        return len(self.labels) >= MIN_POINTS

    def sentence(self) -> str:
        """What stands in for the chart when there are fewer than two points."""
        if not self.labels:
            return self.empty or f"{self.title}: nothing to draw yet, so there is no chart."
        return (
            f"{self.title}: only one point so far, {self.labels[0]}, so there is no chart yet; "
            "the table gives the figures."
        )

    def description(self) -> str:
        """The chart in words, for screen readers and anyone who cannot see it."""
        out = []
        for s in self.series:
            if s.level:
                out.append(f"The dashed line marks {_lower(s.name)}: {_num(s.values[0])}.")
            elif self.kind == "lines":
                out.append(_over_time(s, self.labels, self.on))
            else:
                out.append(_across(s, self.labels))
        return " ".join([*out, "The table under the chart gives every figure."])


def plot(
    chart: Chart,
    key: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    label: object = str,
) -> Plot:
    """``chart`` applied to a table; ``label`` turns a cell of the ``x`` column into words."""
    series = tuple(
        Series(headers[c], tuple(_value(r[c]) for r in rows), c in chart.levels) for c in chart.ys
    )
    return Plot(
        key=slug(key),
        title=chart.title,
        kind=chart.kind,
        labels=tuple(label(r[chart.x]) for r in rows),  # type: ignore[operator]
        series=series,
        y_label=chart.y_label,
        empty=chart.empty,
        on=chart.on,
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "chart"


def _value(cell: object) -> float:
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else 0.0


def _num(v: float) -> str:
    return f"{v:g}"


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _over_time(s: Series, labels: tuple[str, ...], on: str) -> str:
    top = max(range(len(s.values)), key=lambda k: s.values[k])
    return (
        f"{s.name}: {_num(s.values[0])} {on} {labels[0]}, {_num(s.values[-1])} {on} "
        f"{labels[-1]}; the most was {_num(s.values[top])}, {on} {labels[top]}."
    )


def _across(s: Series, labels: tuple[str, ...]) -> str:
    top = max(range(len(s.values)), key=lambda k: s.values[k])
    low = min(range(len(s.values)), key=lambda k: s.values[k])
    return (
        f"{s.name}: {_num(sum(s.values))} across {plural(len(labels), 'bar')}; the most "
        f"{_num(s.values[top])} ({labels[top]}), the fewest {_num(s.values[low])} "
        f"({labels[low]})."
    )
