"""Drawing a Plot with matplotlib (the Agg backend, no display, no browser): SVG for a page,
text kept as text, every id made unique on the page, a title and a description for screen
readers, each series' numbers on its group (``data-values``); or PNG for an email. The same plot
always gives the same bytes, so a resent email is recognised as the same email.

matplotlib is imported here only, inside the functions, so a run that draws no chart never
loads it."""

from __future__ import annotations

import io
import json
from typing import Any

from lxml import etree

from automations.charts.plot import Plot

SVG_NS = "http://www.w3.org/2000/svg"
XLINK = "{http://www.w3.org/1999/xlink}href"
# Dark enough for 3:1 (in fact over 6:1) against white, and each series also has its own
# marker and line style (lines) or hatching (bars), so colour is never the only difference.
COLOURS = ("#1f4e79", "#a4262c", "#2d6a2d", "#5c2d91", "#7a5c00")
LEVEL_COLOUR = "#404040"
MARKERS = ("o", "s", "^", "D", "v")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
HATCHES = ("", "///", "...", "xxx", "\\\\\\")
TEXT = "#1b1b1b"
RC = {
    "svg.fonttype": "none",  # text stays text: readable, searchable, and read back by the tests
    "svg.hashsalt": "coprod-charts",  # ids from a fixed salt: the same plot, the same bytes
    "font.family": "DejaVu Sans",  # ships with matplotlib, so every machine draws the same
    "font.size": 10,
    "hatch.linewidth": 1.0,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.edgecolor": "#595959",
}


def svg(p: Plot, width: float = 7.5, height: float = 3.4) -> str:
    """The plot as an <svg> element to put inside an HTML page (no XML declaration, no script,
    nothing remote)."""
    out = io.BytesIO()
    fig = _figure(p, width, height)
    with _rc():
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    return _tidy(out.getvalue(), p, width)


def png(p: Plot, width: float = 5.6, height: float = 2.6, dpi: int = 150) -> bytes:
    """The plot as a PNG picture for an email (Outlook shows PNG, never SVG)."""
    out = io.BytesIO()
    fig = _figure(p, width, height)
    with _rc():
        fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None})
    return out.getvalue()


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(RC)


def _figure(p: Plot, width: float, height: float) -> Any:
    if not p.drawable:
        raise ValueError(f"{p.title}: fewer than two points, nothing to draw")
    with _rc():
        from matplotlib.figure import Figure  # no pyplot: no global state, no display

        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        if p.kind == "lines":
            _lines(ax, p)
        else:
            _bars(ax, p)
        ax.set_ylabel(p.y_label)
        top = max((max(s.values) for s in p.series), default=0.0)
        ax.set_ylim(0, max(top, 1) * 1.12)  # room above the highest point and its label
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", color="#d0d0d0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(axis="x", labelrotation=30 if len(p.labels) > 4 else 0)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right" if len(p.labels) > 4 else "center")
        fig.legend(
            loc="outside lower center",
            ncols=len(p.series) if len(p.series) < 4 else 2,
            frameon=False,
        )
    return fig


def _lines(ax: Any, p: Plot) -> None:
    xs = range(len(p.labels))
    for i, s in enumerate(p.series):
        if s.level:
            (line,) = ax.plot(
                xs, s.values, color=LEVEL_COLOUR, linestyle="--", linewidth=1.5, label=s.name
            )
        else:
            (line,) = ax.plot(
                xs,
                s.values,
                color=COLOURS[i % 5],
                marker=MARKERS[i % 5],
                linestyle=LINESTYLES[i % 5],
                linewidth=2,
                markersize=6,
                label=s.name,
            )
        line.set_gid(f"series-{i}")
    ax.set_xticks(list(xs), p.labels)


def _bars(ax: Any, p: Plot) -> None:
    drawn = p.series  # levels are drawn over lines only (plot.py)
    n = len(p.labels)
    width = 0.8 if p.kind == "stacked" else 0.8 / max(len(drawn), 1)
    base = [0.0] * n
    for i, s in enumerate(p.series):
        k = i
        offset = 0.0 if p.kind == "stacked" else (k - (len(drawn) - 1) / 2) * width
        colour = COLOURS[k % 5]
        bars = ax.bar(
            [x + offset for x in range(n)],
            s.values,
            width,
            bottom=base if p.kind == "stacked" else None,
            label=s.name,
            color="#ffffff" if HATCHES[k % 5] else colour,
            edgecolor=colour,
            hatch=HATCHES[k % 5],
            linewidth=1.2,
        )
        for j, patch in enumerate(bars.patches):
            patch.set_gid(f"series-{i}-{j}")
        if p.kind == "stacked":
            base = [b + v for b, v in zip(base, s.values, strict=True)]
        else:
            ax.bar_label(
                bars, labels=[f"{v:g}" if v else "" for v in s.values], padding=2, fontsize=8
            )
    ax.set_xticks(list(range(n)), p.labels)


def _tidy(data: bytes, p: Plot, width: float) -> str:
    """matplotlib's SVG made fit to sit inside a page: no metadata or style sheet, ids
    prefixed with the plot's key, sized by its viewBox, named and described for screen readers,
    and each series' numbers on its group."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for el in root.iter(f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
        el.getparent().remove(el)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        _prefix(el, p.key, ids)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{p.key}-title {p.key}-desc")
    root.set("style", f"width: 100%; max-width: {round(width * 96)}px; height: auto;")
    title = etree.Element(f"{{{SVG_NS}}}title", id=f"{p.key}-title")
    title.text = p.title
    desc = etree.Element(f"{{{SVG_NS}}}desc", id=f"{p.key}-desc")
    desc.text = p.description()
    root.insert(0, desc)
    root.insert(0, title)
    root.set("data-labels", json.dumps(p.labels, ensure_ascii=False))
    for i, s in enumerate(p.series):
        group = root.find(f".//*[@id='{p.key}-series-{i}']")
        if group is None:  # bars: one group per bar; the first carries the series
            group = root.find(f".//*[@id='{p.key}-series-{i}-0']")
        assert group is not None, f"series {i} was not drawn"
        group.set("data-series", s.name)
        group.set("data-values", json.dumps(s.values))
    text = etree.tostring(root, encoding="unicode")
    # Inside an HTML page the parser puts <svg> and xlink:href in their namespaces itself.
    return text.replace(f' xmlns:xlink="{XLINK[1:].split("}")[0]}"', "").replace(
        f' xmlns="{SVG_NS}"', ""
    )


def _prefix(el: Any, key: str, ids: set[str | None]) -> None:
    if el.get("id"):
        el.set("id", f"{key}-{el.get('id')}")
    for name, value in el.attrib.items():
        if name == XLINK and value.startswith("#") and value[1:] in ids:
            el.set(name, f"#{key}-{value[1:]}")
        elif "url(#" in value:
            for old in ids:
                value = value.replace(f"url(#{old})", f"url(#{key}-{old})")
            el.set(name, value)
