"""The same chart as a native Excel chart (openpyxl's chart module), drawn from the table's own
cells, so an officer can copy it into their papers and restyle it; series told apart by
hatching (bars) or marker and dash (lines) as well as colour."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.fill import ColorChoice, PatternFillProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.worksheet.worksheet import Worksheet

from automations.charts.plot import Chart

COLOURS = ("1F4E79", "A4262C", "2D6A2D", "5C2D91", "7A5C00")  # as draw.py
LEVEL_COLOUR = "404040"
PATTERNS = (None, "wdUpDiag", "pct20", "diagCross", "wdDnDiag")  # as draw.py's hatches
MARKERS = ("circle", "square", "triangle", "diamond", "x")
DASHES = ("solid", "dash", "dashDot", "sysDot", "lgDashDot")


def add_chart(ws: Worksheet, chart: Chart, header_row: int, last_row: int, anchor: str) -> None:
    """``chart`` drawn from the table whose header is on ``header_row`` and whose last row is
    ``last_row`` (columns counted from A), placed with its top left corner at ``anchor``."""
    made: BarChart | LineChart = LineChart() if chart.kind == "lines" else BarChart()
    made.title = chart.title
    made.y_axis.title = chart.y_label
    made.y_axis.delete = False  # openpyxl 3.1 hides axes unless told (LibreOffice and Excel)
    made.x_axis.delete = False
    made.height, made.width = 7.5, 16
    if isinstance(made, BarChart):
        made.type = "col"
        if chart.kind == "stacked":
            made.grouping, made.overlap = "stacked", 100
    cats = Reference(ws, min_col=chart.x + 1, min_row=header_row + 1, max_row=last_row)
    bars = [c for c in chart.ys if c not in chart.levels]
    for col in chart.ys:
        ref = Reference(ws, min_col=col + 1, min_row=header_row, max_row=last_row)
        made.add_data(ref, titles_from_data=True)
        series = made.series[-1]
        k = bars.index(col) if col in bars else None
        if isinstance(made, LineChart):
            _line(series, k)
        else:  # levels are drawn over lines only (plot.py)
            _bar(series, k or 0)
    made.set_categories(cats)
    ws.add_chart(made, anchor)


def _line(series: object, k: int | None) -> None:
    colour = LEVEL_COLOUR if k is None else COLOURS[k % 5]
    series.graphicalProperties.line.solidFill = colour  # type: ignore[attr-defined]
    series.graphicalProperties.line.dashStyle = "dash" if k is None else DASHES[k % 5]  # type: ignore[attr-defined]
    series.graphicalProperties.line.width = 28575  # EMU: 2.25 pt  # type: ignore[attr-defined]
    series.smooth = False  # type: ignore[attr-defined]
    if k is None:
        series.marker.symbol = "none"  # type: ignore[attr-defined]
    else:
        series.marker.symbol = MARKERS[k % 5]  # type: ignore[attr-defined]
        series.marker.size = 7  # type: ignore[attr-defined]
        series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)  # type: ignore[attr-defined]
        series.marker.graphicalProperties.line.solidFill = colour  # type: ignore[attr-defined]


def _bar(series: object, k: int) -> None:
    colour, pattern = COLOURS[k % 5], PATTERNS[k % 5]
    props = GraphicalProperties(ln=LineProperties(solidFill=colour))
    if pattern:
        props.pattFill = PatternFillProperties(
            prst=pattern, fgClr=ColorChoice(srgbClr=colour), bgClr=ColorChoice(srgbClr="FFFFFF")
        )
    else:
        props.solidFill = colour
    series.graphicalProperties = props  # type: ignore[attr-defined]
