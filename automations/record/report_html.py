"""The report as an accessible HTML page: the templates folder's report.html.j2, autoescaped,
with its styles inlined (as the digests are) so it reads the same when mailed or opened."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import css_inline
import jinja2
from markupsafe import Markup

from automations.charts.plot import Plot, plot
from automations.core.errors import DigestError, SourceError
from automations.core.paths import readable_folder
from automations.core.text import long_date
from automations.record.report import BoardReport, Cell, Grid, Part

TEMPLATE = "report.html.j2"


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return long_date(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def grid_plot(part: Part, grid: Grid) -> Plot:
    """The chart of ``grid`` (which has one), its points named as the table names them."""
    assert grid.chart is not None
    return plot(grid.chart, f"{part.tab} {grid.caption}", grid.headers, grid.rows, cell_text)


def chart_html(part: Part, grid: Grid) -> Markup:
    """The chart as inline SVG, or the one sentence that stands in for it."""
    p = grid_plot(part, grid)
    if not p.drawable:
        return Markup('<p class="nochart">{}</p>').format(p.sentence())
    from automations.charts.draw import svg  # matplotlib: only when a chart is drawn

    return Markup('<div class="chart">{}</div>').format(Markup(svg(p)))


def render_html(report: BoardReport, templates_dir: Path) -> str:
    readable_folder(templates_dir, "[paths] templates_dir")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every value from the sheet arrives as text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell_text
    env.filters["long_date"] = long_date
    env.globals["chart"] = chart_html
    try:
        html = env.get_template(TEMPLATE).render(r=report)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{TEMPLATE}, line {line}" if line else TEMPLATE
        raise DigestError(f"could not render the report ({where}): {exc}") from None
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    return inliner.inline(html)


def write_html(report: BoardReport, templates_dir: Path, path: Path) -> Path:
    try:
        path.write_text(render_html(report, templates_dir), encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"could not write the report {path}: {exc.strerror or exc}") from None
    return path
