"""Every digest as its readers see it, in headless Chromium at a 375 px phone and an 800 px
desktop: no sideways scrolling (also with a 200-character address pasted into an action), the
summary and the overdue heading in the first 600 px on a phone, pasted addresses made into
safe links, and the easy read about five phone screens long."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page

from automations.digests import send as digest
from automations.digests.render import RenderedDigest, links
from automations.pipeline import validate
from tests.browser import DESKTOP, PHONE, PHONE_SCREEN, browser
from tests.digest_setup import SAMPLE_MEETING, SAMPLE_NOW, SAMPLE_TODAY, example_config_data, sample

__all__ = ["browser"]  # the fixture

# A SharePoint-style address of exactly 200 characters, as officers paste them.
LONG_URL = (
    "https://haringey.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/"
    "Co-Production%20Board/2024/Respite%20review/Carers-stories-collection-plan-final-v3.docx"
    "?d=w4f1c2a9b8e7d6c5b4a&csf=1&web=1&e=Xy"
)
assert len(LONG_URL) == 200, len(LONG_URL)


def digests(tmp_path: Path, long_url: bool = False) -> dict[str, RenderedDigest]:
    """Every audience's digest of the sample board (DMT switched on too)."""
    data = example_config_data()["digest"]
    data["audiences"][1]["enabled"] = True
    cfg, validation = sample(tmp_path, digest=data)
    if long_url:
        assert cfg.source.path is not None
        wb = load_workbook(cfg.source.path)
        ws = wb["Actions"]
        column = next(c.column for c in ws[1] if c.value == "Action")
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "A013")
        ws.cell(row, column).value = f"Collect carers' stories (plan: {LONG_URL}) javascript:x()"
        wb.save(cfg.source.path)
        validation = validate(cfg, SAMPLE_TODAY)
    return {
        a.slug: digest.render_digest(cfg, validation, a, SAMPLE_MEETING, SAMPLE_NOW)
        for a in digest.digest_settings(cfg).audiences
    }


def open_page(browser: Browser, folder: Path, name: str, d: RenderedDigest, width: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": PHONE_SCREEN})
    path = folder / f"{name}.html"
    path.write_text(d.browser_html, encoding="utf-8")
    page.goto(path.as_uri())
    return page


def widths(page: Page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def top_of(page: Page, selector: str) -> dict[str, float]:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


@pytest.mark.parametrize("long_url", [False, True], ids=["sample", "with-a-200-character-url"])
def test_no_digest_scrolls_sideways_on_a_phone_or_a_desktop(
    browser: Browser, tmp_path: Path, long_url: bool
) -> None:
    rendered = digests(tmp_path, long_url)
    assert sorted(rendered) == ["dmt", "hbp", "senior-head"]
    for name, d in rendered.items():
        for width in (PHONE, DESKTOP):
            page = open_page(browser, tmp_path, name, d, width)
            scroll, client = widths(page)
            assert scroll <= client == width, (name, width, scroll)
            if width == PHONE:
                page.screenshot(path=str(tmp_path / f"{name}-{width}.png"))
            if long_url:
                # The address is a link to the whole address, shown shortened; javascript:
                # stays words.
                hrefs = page.eval_on_selector_all("a.link", "es => es.map(e => e.href)")
                assert LONG_URL in hrefs, (name, hrefs)
                assert page.locator("a[href^='javascript']").count() == 0
                assert "javascript:x()" in page.inner_text("body")
            page.close()


def test_a_phone_shows_the_summary_and_the_overdue_heading_first(
    browser: Browser, tmp_path: Path
) -> None:
    for name, d in digests(tmp_path).items():
        page = open_page(browser, tmp_path, name, d, PHONE)
        summary, overdue = top_of(page, "#summary"), top_of(page, "#overdue")
        assert summary["top"] < overdue["top"], name
        assert summary["bottom"] <= 600 and overdue["bottom"] <= 600, (name, summary, overdue)
        first = page.inner_text("#summary")
        assert "6" in first and "late" in first and "Please" in first, first
        page.close()


def test_the_easy_read_is_about_five_phone_screens(browser: Browser, tmp_path: Path) -> None:
    d = digests(tmp_path)["hbp"]
    page = open_page(browser, tmp_path, "hbp", d, PHONE)
    height = page.evaluate("document.documentElement.scrollHeight")
    # 5.3 screens when written (3,508 px); the old easy read was 16. Room for a little growth.
    assert height <= 6 * PHONE_SCREEN, height / PHONE_SCREEN
    # Every picture loaded (it is inside the email, not fetched) and has alt text.
    images = page.eval_on_selector_all(
        "img", "es => es.map(e => [e.naturalWidth, e.alt, e.getBoundingClientRect().width])"
    )
    assert images and all(w == 96 and alt and shown == 40 for w, alt, shown in images), images
    page.close()


def test_links_in_action_text_are_escaped_and_only_web_or_mail() -> None:
    made = str(links('See https://example.org/a?b=1&c="2" <b>now</b>.'))
    assert made == (
        'See <a href="https://example.org/a?b=1&amp;c=" class="link">example.org/a?b=1&amp;c=</a>'
        "&#34;2&#34; &lt;b&gt;now&lt;/b&gt;."
    )
    assert str(links("javascript:alert(1) file:///etc/passwd data:text/html,x")) == (
        "javascript:alert(1) file:///etc/passwd data:text/html,x"
    )
    assert 'href="mailto:officers@example.org"' in str(links("mailto:officers@example.org"))
    # A trailing full stop or bracket is the sentence's, not the address's.
    assert 'href="https://example.org/x"' in str(links("(see https://example.org/x).")), "x"
    long = str(links(f"plan: {'https://example.org/' + 'a' * 180}"))
    assert long.count("a" * 180) == 1 and "…</a>" in long  # whole in the href, short on screen


def test_an_action_date_in_another_year_keeps_its_year() -> None:
    from automations.digests.render import easy_date

    assert easy_date(dt.date(2024, 4, 10), SAMPLE_MEETING) == "10 April"
    assert easy_date(dt.date(2025, 1, 9), SAMPLE_MEETING) == "9 January 2025"
