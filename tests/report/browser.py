"""Headless Chromium (Debian's, driven by playwright) for the HTML report tests and the bench.

`make test` installs Debian's chromium where it is missing, so these tests always run; a missing
browser is a failure with a hint, never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = os.environ.get("CLOUDWARDEN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        raise AssertionError(f"{CHROMIUM} not found: run `make test` (it installs Debian's chromium) "
                             "or `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page that records console errors and every request it makes."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 900) -> None:
        # CSP bypassed so that the test can evaluate script; any request the page makes is still seen.
        self.page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']")
        return self.page
