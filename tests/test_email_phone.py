"""Every kind of email on a 375 px phone in headless Chromium (tests/browser.py): no sideways
scrolling, the large-print pack and reminder included, on the sample board and on a board with
300 more open actions; the pack is one block per action, each fact on its own line, in large
print at its full size."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import DESKTOP, PHONE, PHONE_SCREEN, browser
from tests.email_kinds import KINDS, Email, every_email

__all__ = ["browser"]  # the fixture


def open_page(browser: Browser, folder: Path, email: Email, width: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": PHONE_SCREEN})
    path = folder / f"{email.kind}-{width}.html"
    path.write_text(email.browser_html, encoding="utf-8")
    page.goto(path.as_uri())
    return page


def scroll_widths(page: Page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


@pytest.mark.parametrize("actions", [0, 300], ids=["sample", "300-more-open-actions"])
def test_no_email_scrolls_sideways_on_a_phone(
    browser: Browser, tmp_path: Path, actions: int
) -> None:
    emails = every_email(tmp_path, actions)
    assert sorted(emails) == sorted(KINDS)
    for email in emails.values():
        for width in (PHONE, DESKTOP):
            page = open_page(browser, tmp_path, email, width)
            scroll, client = scroll_widths(page)
            assert scroll <= client == width, (email.kind, width, scroll)
            # Nothing is wider than the screen either (a wide table inside a clipped box).
            widest = page.evaluate(
                "Math.max(...[...document.querySelectorAll('body *')]"
                ".map(e => e.getBoundingClientRect().right))"
            )
            assert widest <= width, (email.kind, width, widest)
            page.close()


def test_the_large_print_pack_is_one_block_per_action_on_a_phone(
    browser: Browser, tmp_path: Path
) -> None:
    email = every_email(tmp_path)["pack-large-print"]
    page = open_page(browser, tmp_path, email, PHONE)
    cards = page.eval_on_selector_all(
        "td.card",
        """cs => cs.map(c => {
            const box = c.getBoundingClientRect();
            const facts = c.querySelector('p.facts');
            const lines = facts ? facts.innerText.split('\\n').filter(l => l.trim()) : [];
            return {left: box.left, right: box.right, lines: lines,
                    size: facts ? getComputedStyle(facts).fontSize : ''};
        })""",
    )
    actions = [c for c in cards if c["lines"]]
    assert len(actions) == 15, len(actions)  # the sample's open actions, one block each
    for card in actions:
        assert card["left"] >= 0 and card["right"] <= PHONE, card
        assert card["size"] == "22px", card  # large print stays large on a phone
        heads = [line.split(":")[0] for line in card["lines"] if ":" in line]
        assert heads[:3] == ["Status", "Raised", "Due"], card  # each fact on its own line
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontSize") == "30px"
    page.close()
