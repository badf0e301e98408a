"""The charts of the report for HBP and the JPB, for the sample board: each chart's numbers read
back from the page's SVG (its series' data and the drawn geometry) and from the .xlsx chart's
cell references equal the table beside it; the page passes the W3C Nu HTML checker and axe-core
in headless Chromium; LibreOffice opens the charts; and a check or a digest never loads the
charting library."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from playwright.sync_api import Browser

from automations.cli import cli
from automations.pipeline import validate
from automations.record import history
from tests.browser import axe_violations, browser  # noqa: F401 (a fixture)
from tests.digest_setup import SAMPLE_TODAY, sample
from tests.nu_checker import assert_valid_html
from tests.office import convert
from tests.test_digest import config_toml, contrast

START, END = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
CHECK_DAYS = (dt.date(2024, 1, 10), dt.date(2024, 2, 7), dt.date(2024, 3, 6))
# tab -> the caption of the table its chart draws
CHARTED = {
    "Meetings": "The co-chairs at each meeting (1 present, 0 absent or not recorded)",
    "Members": "The three voices at the end of each month",
    "Actions": "Actions raised and completed each month",
    "ToR duties": "Duties due so far, done and not done, per project",
    "History": "The last check of each month",
}
CHARTING = ("matplotlib", "vl_convert")


def report(folder: Path, start: dt.date, end: dt.date, days: tuple[dt.date, ...]) -> Path:
    cfg, _ = sample(folder)
    for d in days:  # the service's daily records
        v = validate(cfg, d)
        history.record_check(cfg, v.board, v.report)
    (folder / "config.toml").write_text(config_toml(folder), encoding="utf-8")
    out = folder / "report.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(folder / "config.toml"),
            "--today",
            SAMPLE_TODAY.isoformat(),
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report(tmp_path_factory.mktemp("charts"), START, END, CHECK_DAYS)


def page_of(out: Path) -> Any:
    return lxml.html.fromstring(out.with_suffix(".html").read_bytes())


def charts_with_tables(out: Path) -> list[tuple[Any, list[str], list[list[str]]]]:
    """(the <svg>, the headers and the rows of the table right under it) for each chart."""
    found = []
    for div in page_of(out).find_class("chart"):
        table = div.getnext().find("table")
        headers = [th.text_content() for th in table.iterfind("thead/tr/th")]
        rows = [[td.text_content() for td in tr] for tr in table.iterfind("tbody/tr")]
        found.append((div.find("svg"), headers, rows))
    return found


def series_of(svg: Any) -> list[tuple[Any, str, list[float]]]:
    return [
        (g, g.get("data-series"), json.loads(g.get("data-values")))
        for g in svg.iter()
        if g.get("data-series")
    ]


def test_each_chart_sits_over_the_table_it_draws(made: Path) -> None:
    page = page_of(made)
    charted = [
        h.text_content()
        for h in page.iter("caption")
        if h.getparent().getparent().getprevious() is not None
        and "chart" in (h.getparent().getparent().getprevious().get("class") or "")
    ]
    assert charted == list(CHARTED.values())
    for svg, headers, rows in charts_with_tables(made):
        assert json.loads(svg.get("data-labels")) == [r[0] for r in rows]
        drawn = series_of(svg)
        assert drawn
        for _, name, values in drawn:
            column = headers.index(name)
            assert values == [float(r[column]) for r in rows], name


def test_the_drawing_itself_matches_the_numbers(made: Path) -> None:
    """Not only the series' data: bar heights are proportional to the values, and each line's
    markers sit at heights in step with them."""
    kinds = set()
    for svg, _, _ in charts_with_tables(made):
        for group, _, values in series_of(svg):
            key = group.get("id")
            if re.search(r"-series-\d+-0$", key):  # bars: one group per bar
                kinds.add("bars")
                stem = key.removesuffix("-0")
                heights = [_height(svg, f"{stem}-{j}") for j in range(len(values))]
                scale = max(h / v for h, v in zip(heights, values, strict=True) if v)
                for h, v in zip(heights, values, strict=True):
                    assert h == pytest.approx(scale * v, abs=0.01), (key, heights, values)
            else:
                ys = [float(u.get("y")) for u in group.iter("use")]
                if not ys:
                    continue  # a level: a plain dashed line
                kinds.add("lines")
                assert len(ys) == len(values)
                a, b = _fit(values, ys)
                for v, y in zip(values, ys, strict=True):
                    assert y == pytest.approx(a + b * v, abs=0.01), (key, ys, values)
    assert kinds == {"bars", "lines"}


def _height(svg: Any, gid: str) -> float:
    path = next(e for e in svg.iter() if e.get("id") == gid).find(".//path")
    ys = [float(y) for y in re.findall(r"[ML] [-\d.]+ ([-\d.]+)", path.get("d"))]
    return max(ys) - min(ys)


def _fit(values: list[float], ys: list[float]) -> tuple[float, float]:
    """y = a + b·value through two points with different values (a line's y-axis)."""
    pairs = sorted(set(zip(values, ys, strict=True)))
    if len(pairs) < 2 or pairs[0][0] == pairs[-1][0]:
        return ys[0], 0.0
    (v0, y0), (v1, y1) = pairs[0], pairs[-1]
    b = (y1 - y0) / (v1 - v0)
    return y0 - b * v0, b


def test_each_chart_has_a_title_a_description_and_strong_colours(made: Path) -> None:
    for svg, _, rows in charts_with_tables(made):
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        ids = {e.get("id"): e for e in svg.iter() if e.get("id")}
        assert ids[title_id].tag == "title" and ids[title_id].text
        desc = ids[desc_id].text
        assert desc.endswith("The table under the chart gives every figure.")
        # each series' highest point is named in words, with where it is
        for _, name, values in series_of(svg):
            top = max(range(len(values)), key=lambda k: values[k])
            assert f"{name}: " in desc or name.lower() in desc
            assert f"{values[top]:g}" in desc and rows[top][0] in desc, (name, desc)
        for group, _, _ in series_of(svg):
            for colour in re.findall(
                r"(?:fill|stroke): (#[0-9a-f]{6})", lxml.html.tostring(group).decode()
            ):
                if colour != "#ffffff":  # a hatched bar's white ground
                    assert contrast(colour, "#ffffff") >= 3, colour
        assert not svg.findall(".//script") and not svg.findall(".//image")
        assert not re.search(r"https?://|url\((?!#)", lxml.html.tostring(svg).decode())


def test_the_excel_charts_draw_the_cells_beside_them(made: Path) -> None:
    wb = load_workbook(made)
    html = {headers[1]: (headers, rows) for _, headers, rows in charts_with_tables(made)}
    for tab in wb.sheetnames:
        ws = wb[tab]
        assert len(ws._charts) == (1 if tab in CHARTED else 0), tab
        for chart in ws._charts:
            header_row = None
            for s in chart.series:
                title = _cells(wb, s.tx.strRef.f)[0]
                values = _cells(wb, s.val.numRef.f)
                labels = _cells(wb, s.cat.strRef.f if s.cat.strRef else s.cat.numRef.f)
                col, row, _, last = range_boundaries(s.val.numRef.f.split("!")[1])
                header_row = header_row or row - 1
                assert ws.cell(header_row, col).value == title
                assert ws.cell(header_row - 2, 1).value == CHARTED[tab]  # the table's caption
                headers, rows = next(v for v in html.values() if title in v[0])
                assert values == [float(r[headers.index(title)]) for r in rows], title
                assert len(labels) == len(rows) == last - row + 1
            # beside the table: to the right of its last column, level with its caption
            anchor = chart.anchor._from
            assert anchor.col >= max(c for c in range(1, 20) if ws.cell(header_row, c).value)
            assert anchor.row + 1 == header_row - 2


def _cells(wb: Any, ref: str) -> list[Any]:
    sheet, cells = ref.rsplit("!", 1)
    low, top, high, bottom = range_boundaries(cells.replace("$", ""))
    found = wb[sheet.strip("'")].iter_rows(top, bottom, low, high, values_only=True)
    return [float(v) if isinstance(v, int) else v for row in found for v in row]


def test_libreoffice_opens_the_charts(made: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    pdf = convert(made, "pdf", tmp_path / "pdf")
    pages = PdfReader(pdf).pages
    assert len(pages) >= len(CHARTED)
    # LibreOffice drew the charts: the attendance chart's axis title is in no cell
    assert "Co-chairs present" in "\n".join(p.extract_text() for p in pages)
    assert load_workbook(made).sheetnames[-1] == "History"


def test_the_page_passes_the_w3c_nu_checker(made: Path) -> None:
    assert_valid_html(made.with_suffix(".html"))


def test_axe_finds_nothing_to_fix(made: Path, browser: Browser) -> None:  # noqa: F811
    page = browser.new_page()
    try:
        page.goto(made.with_suffix(".html").as_uri())
        assert page.locator("svg[role=img]").count() == len(CHARTED)
        assert axe_violations(page) == []
    finally:
        page.close()


def test_too_few_points_give_a_sentence_and_no_history_says_so(tmp_path: Path) -> None:
    out = report(tmp_path, dt.date(2024, 3, 1), dt.date(2024, 3, 31), ())
    page = page_of(out)
    # one month, one meeting, no history: only the projects (four of them) make a chart
    ((_, headers, _),) = charts_with_tables(out)
    assert headers[0] == "Project"
    said = [p.text_content() for p in page.find_class("nochart")]
    assert len(said) == len(CHARTED) - 1
    assert "No daily check has been recorded yet, so there is no chart" in said[-1]
    assert sum("only one point so far, March 2024," in s for s in said) == 2
    assert any("only one point so far, 6 March 2024," in s for s in said)
    ws = load_workbook(out)
    assert [t for t in ws.sheetnames if ws[t]._charts] == ["ToR duties"]
    texts = [c.value for c in ws["History"]["A"] if c.value]
    assert any(str(t).startswith("No daily check has been recorded yet") for t in texts)


def _loaded_after(args: list[str], folder: Path) -> list[str]:
    """The charting modules a fresh interpreter has loaded after `coprod ARGS`."""
    code = textwrap.dedent(f"""
        import sys
        from automations.cli import cli
        try:
            cli.main({args!r}, standalone_mode=False)
        except SystemExit:
            pass
        print(sorted(m for m in sys.modules if m.split(".")[0] in {CHARTING!r}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=folder, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_a_check_and_a_digest_never_load_the_charting_library(made: Path, tmp_path: Path) -> None:
    folder = made.parent
    config = ["--config", str(folder / "config.toml"), "--today", SAMPLE_TODAY.isoformat()]
    assert _loaded_after(["validate", *config], folder) == []
    assert _loaded_after(["digest", *config, "--preview", str(tmp_path / "digests")], folder) == []
    assert list((tmp_path / "digests").glob("*.eml"))  # the digests were made
    # ...while the report draws its charts with it
    drawn = _loaded_after(
        [
            "report",
            *config,
            "--from",
            START.isoformat(),
            "--to",
            END.isoformat(),
            "--out",
            str(tmp_path / "r.xlsx"),
        ],
        folder,
    )
    assert "matplotlib" in drawn


def test_text_from_the_workbook_stays_text_in_a_chart() -> None:
    """Project IDs and the like are typed by people: never maths, markup or a script."""
    from automations.charts.draw import png, svg
    from automations.charts.plot import Chart, plot

    typed = ("$\\frac{1}{0}$", "<script>alert(1)</script>", "=1+1 & co", "$unclosed")
    chart = Chart("Duties", "stacked", 0, (1, 2), "Duties")
    drawn = plot(chart, "typed", ("Project", "Done", "Not done"), [(t, 1, 2) for t in typed])
    page = svg(drawn)
    doc = lxml.html.fromstring(f"<div>{page}</div>")
    assert not doc.findall(".//script")
    shown = [t.text_content() for t in doc.iter("text")]
    for t in typed:
        assert t in shown, t
    assert png(drawn).startswith(b"\x89PNG")
