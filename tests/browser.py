"""Headless Chromium for the digest tests: Debian's /usr/bin/chromium driven by Playwright (the
driver only; no browser is downloaded). Installed by scripts/install-test-deps.sh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

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
