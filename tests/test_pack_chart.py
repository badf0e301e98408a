"""The co-chairs' pack's small chart of open and overdue actions at the last meetings, for the
sample board: a PNG inline picture in the email (cid:, alt text, no SVG or data: pictures) with
the table of its numbers, inline SVG on the printable page whose numbers are that table's; the
numbers are the history's; fewer than two points, or no history yet, say so in one sentence."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import lxml.html
from PIL import Image

from automations.core.config import Config
from automations.digests import pack
from automations.pipeline import validate
from automations.record import history
from tests.digest_setup import LONDON, parse, parts, sample

PACK_DAY = dt.date(2024, 3, 25)  # five working days before the meeting of 3 April 2024
NOW = dt.datetime(2024, 3, 25, 9, 30, tzinfo=LONDON)
CID = "pack-trend.png@coprod-digest"


def recorded(tmp_path: Path, days: tuple[dt.date, ...]) -> Config:
    cfg, _ = sample(tmp_path, pack={"days_before": 5})
    for d in days:  # the service's daily records
        v = validate(cfg, d)
        history.record_check(cfg, v.board, v.report)
    return cfg


def previewed(cfg: Config, folder: Path) -> tuple[list[Path], str]:
    written = pack.preview(cfg, validate(cfg, PACK_DAY), folder, NOW)
    page = next(p for p in written if p.suffix == ".html").read_text(encoding="utf-8")
    return [p for p in written if p.suffix == ".eml"], page


def table_after(heading_id: str, html: str) -> list[list[str]]:
    doc = lxml.html.fromstring(html)
    table = doc.get_element_by_id(heading_id).getparent().find(".//table[@class='data']")
    return [[c.text_content() for c in tr] for tr in table.iter("tr")][1:]


def test_the_email_carries_the_chart_as_a_png_with_its_numbers(tmp_path: Path) -> None:
    meetings = (dt.date(2024, 1, 10), dt.date(2024, 2, 7), dt.date(2024, 3, 6))
    cfg = recorded(tmp_path, (dt.date(2023, 12, 1), *meetings))
    emails, _ = previewed(cfg, tmp_path / "preview")
    assert len(emails) == 2  # both co-chairs
    msg = parse(emails[0].read_bytes())
    text, html = parts(msg)
    # The picture: a real PNG, inline, named by the HTML's cid: address, with the chart in words.
    pictures = {p["Content-ID"]: p for p in msg.walk() if p.get_content_type() == "image/png"}
    png = pictures[f"<{CID}>"].get_content()
    assert Image.open(io.BytesIO(png)).format == "PNG"
    img = lxml.html.fromstring(html).xpath(f"//img[@src='cid:{CID}']")[0]
    assert img.get("alt").startswith("Chart: Open actions: ")
    assert "<svg" not in html and "data:" not in html
    # The table under it holds the history's numbers at each meeting with a record, then today.
    past = {s.day: s for s in history.load(cfg)}
    now = history.snapshot(validate(cfg, PACK_DAY).board, validate(cfg, PACK_DAY).report)
    expected = [[f"{d.day} {d:%B %Y}", str(past[d].open), str(past[d].overdue)] for d in meetings]
    expected.append(["25 March 2024 (today)", str(now.open), str(now.overdue)])
    assert table_after("trend", html) == expected
    assert now.overdue > 0 and past[meetings[0]].overdue != now.overdue  # a chart that moves
    for label, open_, late in expected:
        assert f"- {label}: {open_} open, {late} overdue" in text
    # The alt text names the highest point, as the table has it.
    top = max(expected, key=lambda r: int(r[2]))
    assert f"the most was {top[2]}, on {top[0]}" in img.get("alt")


def test_the_printable_page_draws_the_same_numbers_in_svg(tmp_path: Path) -> None:
    cfg = recorded(tmp_path, (dt.date(2024, 2, 7), dt.date(2024, 3, 6)))
    _, page = previewed(cfg, tmp_path / "preview")
    doc = lxml.html.fromstring(page)
    svg = doc.find_class("chart")[0].find("svg")
    assert svg.get("role") == "img" and "<img" not in page
    rows = table_after("trend", page)
    assert json.loads(svg.get("data-labels")) == [r[0] for r in rows]
    drawn = {
        g.get("data-series"): json.loads(g.get("data-values"))
        for g in svg.iter()
        if g.get("data-series")
    }
    assert drawn == {
        "Open actions": [float(r[1]) for r in rows],
        "Overdue actions": [float(r[2]) for r in rows],
    }


def test_the_same_pack_is_the_same_email(tmp_path: Path) -> None:
    """The PNG is drawn the same each time, so the ledger recognises a resend as the same."""
    cfg = recorded(tmp_path, (dt.date(2024, 2, 7), dt.date(2024, 3, 6)))
    v = validate(cfg, PACK_DAY)
    made = pack.build_pack(cfg, v, dt.date(2024, 4, 3), "The Board", 10)
    first = pack.render(cfg, made, None, (), NOW)
    again = pack.render(cfg, made, None, (), NOW)
    assert first[2] == again[2] and CID in first[1]


def test_one_point_or_no_history_is_one_sentence(tmp_path: Path) -> None:
    none = recorded(tmp_path / "none", ())
    emails, page = previewed(none, tmp_path / "none" / "preview")
    text, html = parts(parse(emails[0].read_bytes()))
    for shown in (text, html, page):
        assert "No daily check has been recorded yet, so there is no chart" in shown
    assert "cid:" + CID not in html and "<svg" not in page
    one = recorded(tmp_path / "one", (dt.date(2023, 12, 1),))  # near no meeting: today only
    emails, page = previewed(one, tmp_path / "one" / "preview")
    text, html = parts(parse(emails[0].read_bytes()))
    for shown in (text, html, page):
        assert "only one point so far, 25 March 2024 (today), so there is no chart yet" in shown
    assert not [p for p in parse(emails[0].read_bytes()).walk() if p["Content-ID"] == f"<{CID}>"]


def test_the_chart_reads_a_history_kept_in_postgresql(tmp_path: Path, pg_url: str) -> None:
    """With `[state] url` there is no state file: the chart asks the store, not the folder."""
    from automations.core.store import STATE_FILE
    from automations.digests.pack_chart import pack_trend
    from tests.conftest import PG_PASSWORD_ENV

    state = {"url": pg_url, "password_env": PG_PASSWORD_ENV, "board": "cpb"}
    cfg, _ = sample(tmp_path, pack={"days_before": 5}, state=state)
    meetings = (dt.date(2024, 1, 10), dt.date(2024, 2, 7), dt.date(2024, 3, 6))
    for d in meetings:
        v = validate(cfg, d)
        history.record_check(cfg, v.board, v.report)
    trend = pack_trend(cfg, validate(cfg, PACK_DAY))
    assert not trend.none_yet and [r[0] for r in trend.rows] == [
        *(f"{d.day} {d:%B %Y}" for d in meetings),
        "25 March 2024 (today)",
    ]
    assert not (cfg.state_dir / STATE_FILE).exists()
