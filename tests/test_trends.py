"""Trends in the digests: "up from" / "down from" at the boundaries, the 12-month chart and its
text equivalent, the easy-read words, and no horizontal scroll at 375 px in real Chromium."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from automations.core.text import add_months
from automations.digests import send as digest
from automations.digests.trends import WINDOW_DAYS, build_trends, moved
from automations.record import history
from automations.record.history import Snapshot
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, parts, sample
from tests.test_digest import ColourPairs, contrast

PREVIOUS_MEETING = dt.date(2024, 2, 7)  # the sample's meeting before 6 March 2024


def snap(day: dt.date, overdue: int = 0, open_: int = 0, errors: int = 0) -> Snapshot:
    return Snapshot(day, "board.xlsx", None, {
        "actions": {"overdue": overdue, "open": open_},
        "findings": {"error": errors, "warning": 0, "info": 0},
        "members": {"active": 10},
    })


def test_moved_says_up_down_or_the_same_at_the_boundaries() -> None:
    one, many = "action overdue", "actions overdue"
    assert moved(7, 4, one, many) == "7 actions overdue, up from 4"
    assert moved(5, 4, one, many) == "5 actions overdue, up from 4"  # one more
    assert moved(4, 4, one, many) == "4 actions overdue, the same as at the previous meeting"
    assert moved(3, 4, one, many) == "3 actions overdue, down from 4"  # one fewer
    assert moved(0, 1, one, many) == "0 actions overdue, down from 1"
    assert moved(1, 0, one, many) == "1 action overdue, up from 0"
    assert moved(7, None, one, many) == "7 actions overdue"  # nothing to compare with


@pytest.mark.parametrize(
    ("recorded", "compared"),
    [
        (PREVIOUS_MEETING, PREVIOUS_MEETING),  # the meeting day itself
        (PREVIOUS_MEETING - dt.timedelta(days=WINDOW_DAYS), True),  # the oldest that counts
        (PREVIOUS_MEETING - dt.timedelta(days=WINDOW_DAYS + 1), None),  # one day too old
        (PREVIOUS_MEETING + dt.timedelta(days=1), None),  # after the meeting: not "at" it
    ],
)
def test_which_record_stands_for_the_previous_meeting(recorded: dt.date, compared: object) -> None:
    now = snap(dt.date(2024, 3, 7), overdue=7, open_=9)
    t = build_trends(now, [snap(recorded, overdue=4, open_=9)], PREVIOUS_MEETING, health=False)
    overdue = next(m for m in t.moves if m.key == "overdue")
    if compared is None:
        assert t.compared_with is None and overdue.text == "7 actions overdue"
    else:
        assert t.compared_with == recorded and overdue.text == "7 actions overdue, up from 4"
        assert next(m for m in t.moves if m.key == "open").text.endswith("the same as at the "
                                                                           "previous meeting")
    assert [m.key for m in t.moves] == ["overdue", "open"]  # no health section: no check counts


def test_the_chart_covers_twelve_months_with_gaps_said_in_words() -> None:
    now = snap(dt.date(2024, 3, 7), overdue=6, open_=12)
    past = [snap(dt.date(2023, 4, 28), overdue=2, open_=8),
            snap(dt.date(2023, 10, 2), overdue=9, open_=11),
            snap(dt.date(2023, 10, 30), overdue=3, open_=10),  # the month's last record wins
            snap(dt.date(2024, 3, 1), overdue=1, open_=1)]  # this month: today's figures win
    t = build_trends(now, past, None, health=True)
    assert t.bars[0].month == "April 2023" and t.bars[-1].month == "March 2024"
    assert len(t.bars) == 12
    shown = {b.month: (b.overdue, b.open) for b in t.bars if b.recorded}
    assert shown == {"April 2023": (2, 8), "October 2023": (3, 10), "March 2024": (6, 12)}
    assert next(b for b in t.bars if b.month == "March 2024").open_width == 100
    assert next(b for b in t.bars if b.month == "April 2023").overdue_width == round(100 * 2 / 12)
    assert t.chart_text == (
        "Overdue actions went from 2 in April 2023 to 6 in March 2024; the most was 6, in March "
        "2024. Open actions went from 8 to 12. 9 months of the last 12 had no check recorded.")
    assert t.compared_with is None
    assert all(not m.text.count("from") for m in t.moves)


# ---------------------------------------------------------------- in the digests


def history_year(cfg, now: Snapshot) -> dict[str, int]:
    """A year of records before the sample's meeting; the previous meeting's record is set so
    that overdue went up, open went down and errors stayed the same."""
    before = {"overdue": max(now.overdue - 3, 0), "open": now.open + 2, "errors": now.errors}
    conn = history.connect(cfg)
    for k in range(11):  # April 2023 to February 2024, on the 10th
        day = add_months(dt.date(2023, 4, 10), k)
        if day == dt.date(2024, 2, 10):
            day = PREVIOUS_MEETING
            s = snap(day, before["overdue"], before["open"], before["errors"])
        else:
            s = snap(day, overdue=k, open_=10 + k, errors=3)
        history.write(conn, s, dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    conn.close()
    return before


def test_senior_head_digest_says_which_way_things_went(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    now = history.snapshot(validation.board, validation.report)
    assert now.overdue > 3  # the sample's late actions, so "up from" has room below
    before = history_year(cfg, now)
    audience = digest.digest_settings(cfg).audience("Senior Head")
    rendered = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    text, html = parts(rendered.message)
    for part in (text, html):
        assert f"{now.overdue} actions overdue, up from {before['overdue']}" in part
        assert f"{now.open} open actions, down from {before['open']}" in part
        assert (f"{now.errors} errors in the workbook, the same as at the previous meeting"
                in part)
    assert "Compared with the check on the day of the previous meeting, 7 February 2024:" in text
    # The chart: a table with a header per column, the month as a row header, the figures as
    # text beside each bar, and the whole chart in words.
    chart = html[html.index("Overdue and open actions over the last 12 months"):]
    chart = chart[: chart.index("The chart in words")]
    months = re.findall(r'<th scope="row"[^>]*>([^<]*)</th>', chart)
    assert len(months) == 12 and months[0] == "April 2023" and months[-1] == "March 2024"
    assert chart.count('<th scope="col"') == 3
    # Each bar is a presentation table hidden from screen readers; its figure is text before it.
    assert chart.count('aria-hidden="true"') == 2 * 12
    assert f">{now.overdue}<table role=\"presentation\"" in chart
    words = re.search(r"The chart in words: (.*?)</p>", html, re.S).group(1)
    assert f"Overdue actions went from 0 in April 2023 to {now.overdue} in March 2024" in words
    assert f"Open actions went from 10 to {now.open}" in words
    assert "- March 2024: " in text and f"{now.overdue} overdue, {now.open} open" in text
    # The digest's accessibility basics still hold with the chart in it.
    assert "<script" not in html and "<img" not in html and "<style" not in html
    for fg, bg in ColourPairs.of(html):
        assert contrast(fg, bg) >= 4.5, (fg, bg)


def test_the_easy_read_says_it_in_words(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    now = history.snapshot(validation.board, validation.report)
    before = history_year(cfg, now)
    audience = digest.digest_settings(cfg).audience("HBP")
    text, html = parts(digest.render_digest(cfg, validation, audience, SAMPLE_MEETING,
                                            SAMPLE_NOW).message)
    for part in (text, html):
        assert f"Now {now.overdue} actions are late." in part
        assert f"At the last meeting {before['overdue']} actions were late." in part
        assert f"That is {now.overdue - before['overdue']} more." in part
        assert "errors in the workbook" not in part  # HBP does not get the check's counts
    assert "Is it getting better?" in html
    assert "Overdue and open actions over the last 12" not in html  # words, not a chart


def test_no_history_no_trends_and_no_state_file_made(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    audience = digest.digest_settings(cfg).audience("Senior Head")
    rendered = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW)
    assert "Which way things are going" not in rendered.html
    assert "WHICH WAY" not in rendered.text
    assert not (cfg.state_dir / "coprod.sqlite3").exists()


def test_no_horizontal_scroll_at_375_px_with_the_chart(tmp_path: Path) -> None:
    cfg, validation = sample(tmp_path)
    senior = digest.digest_settings(cfg).audience("Senior Head")
    bare = dataclasses.replace(senior, sections=())  # the digest's frame and the trends only

    def width(audience: object) -> tuple[int, int]:
        html = digest.render_digest(cfg, validation, audience, SAMPLE_MEETING, SAMPLE_NOW).html
        return page_width(tmp_path, html, 375)

    without = width(senior)
    history_year(cfg, history.snapshot(validation.board, validation.report))
    scroll, client = width(bare)
    assert 340 <= client <= 375  # less a scroll bar, when one shows
    assert scroll <= client, "the chart is wider than a 375 px phone screen"
    # ...and adds no width to the whole digest (making the rest of it fit a phone is issue 15).
    assert width(senior)[0] <= max(without[0], client)


def page_width(tmp_path: Path, html: str, width: int) -> tuple[int, int]:
    """(scrollWidth, clientWidth) of ``html`` in a ``width``-pixel frame of real Chromium.
    Headless Chromium's window is never narrower than 500 px, so the page goes in an iframe."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Chromium is needed for this test (/usr/bin/chromium)"
    page = tmp_path / "frame.html"
    page.write_text(
        f'<html><body style="margin:0"><iframe id="f" style="width:{width}px;height:900px;'
        f'border:0" srcdoc="{html_lib.escape(html, quote=True)}"></iframe><script>'
        "window.addEventListener('load', function () { var d = document.getElementById('f')"
        ".contentDocument.documentElement; document.body.setAttribute('data-w', d.scrollWidth"
        " + ' ' + d.clientWidth); });</script></body></html>", encoding="utf-8")
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'data-w="(\d+) (\d+)"', done.stdout)
    assert found, done.stderr[-2000:]
    return int(found.group(1)), int(found.group(2))


def test_the_easy_read_text_keeps_its_trends_when_no_word_needs_explaining(
    tmp_path: Path,
) -> None:
    """The plain-text part once showed the trends only inside the "Words we use" block, so an
    email whose words needed no explaining lost them."""
    cfg, validation = sample(tmp_path)
    now = history.snapshot(validation.board, validation.report)
    before = history_year(cfg, now)
    for table in validation.board.tables():  # the board's own words, with no acronym
        for record in table.records:
            for name, value in vars(record).items():
                if isinstance(value, str):
                    setattr(record, name, re.sub(r"\b[A-Z]{2,}s?\b", "board", value))
    audience = digest.digest_settings(cfg).audience("HBP")
    text, html = parts(digest.render_digest(cfg, validation, audience, SAMPLE_MEETING,
                                            SAMPLE_NOW).message)
    assert "WORDS WE USE" not in text and "Words we use" not in html  # nothing to explain
    assert "IS IT GETTING BETTER?" in text and "Is it getting better?" in html
    assert f"At the last meeting {before['overdue']} actions were late." in text
