"""Headless Chromium for the digest tests: Debian's /usr/bin/chromium driven by Playwright (the
driver only; no browser is downloaded). Installed by scripts/install-test-deps.sh. axe-core
(tests/data/axe-core) checks a page's accessibility inside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = 375  # the narrowest common phone (iPhone SE, mini); its screen shows about 667 px
PHONE_SCREEN = 667
DESKTOP = 800


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


AXE = Path(__file__).resolve().parent / "data" / "axe-core" / "axe.min.js"  # MPL-2.0, vendored


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's accessibility violations on the page open in ``page`` (its default rules:
    WCAG A and AA and its best practices), each as axe reports it (id, impact, nodes)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return list(found)
