"""The answer buttons as an owner sees them, in headless Chromium on a 375 px phone: no
sideways scrolling in either format, every button at least 44 px tall (WCAG 2.5.5's target
size) in easy read, with its picture shown, and each button a mailto: link to the update
address."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from automations.digests import reminders
from automations.pipeline import validate
from tests.browser import PHONE, PHONE_SCREEN, browser
from tests.builders import write_workbook
from tests.digest_setup import make_config
from tests.test_reminders import OFFICERS, WED, at, board_tables

__all__ = ["browser"]  # the fixture


@pytest.mark.parametrize(("owner", "easy"), [("m03", False), ("m04", True)])
def test_buttons_fit_a_phone_and_are_big_enough_to_press(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, owner: str, easy: bool
) -> None:
    monkeypatch.setenv("COPROD_UPDATES_KEY", secrets.token_urlsafe(32))
    book = write_workbook(tmp_path / "board.xlsx", board_tables())
    cfg = make_config(tmp_path, book, WED, reminders={"officers_copy": OFFICERS},
                      updates={"address": "board-updates@example.org"})  # fmt: skip
    written = reminders.preview(cfg, validate(cfg, WED), tmp_path / "out", at(WED), everyone=True)
    html = next(p for p in written if p.name == f"reminder-{WED.isoformat()}-{owner}.html")
    page = browser.new_page(viewport={"width": PHONE, "height": PHONE_SCREEN})
    page.goto(html.as_uri())
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client == PHONE, (scroll, client)
    buttons = page.eval_on_selector_all(
        "a[href^='mailto:board-updates+']",
        "es => es.map(e => [e.getBoundingClientRect().height, e.innerText,"
        " e.querySelector('img') ? e.querySelector('img').naturalWidth : -1])",
    )
    assert len(buttons) >= 4
    assert all(h >= 40 for h, _, _ in buttons), buttons  # a finger's width, in both formats
    if easy:
        assert all(h >= 44 for h, _, _ in buttons), buttons
        assert all(width > 0 for _, _, width in buttons)  # the picture loaded
        assert {t.strip() for _, t, _ in buttons} >= {"I did it", "I need help"}
    else:
        assert {t.strip() for _, t, _ in buttons} >= {"Done", "I need more time"}
    page.screenshot(path=str(tmp_path / f"{owner}.png"), full_page=True)
    page.close()
