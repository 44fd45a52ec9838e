"""Real-browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`).

Tests here are marked ``browser`` and skip, with the reason, when
``/usr/bin/chromium`` or the Playwright package is missing. ``.ci/run``
installs Chromium with apt before running the tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

# ISTHMUS_CHROMIUM only serves to check the skip path (point it at a missing file).
CHROMIUM = Path(os.environ.get("ISTHMUS_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):  # noqa: ANN001
    here = Path(__file__).parent
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Recorder:
    """Every request the page makes, and its console errors and uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def remote(self) -> list[str]:
        """Requests that left file:// and the loopback interface."""
        bad = []
        for u in self.requests:
            p = urlparse(u)
            if p.scheme in ("file", "data", "blob", "about"):
                continue
            if p.scheme in ("http", "https", "ws", "wss") and p.hostname in (
                "127.0.0.1",
                "localhost",
            ):
                continue
            bad.append(u)
        return bad


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    rec = Recorder()
    pg.on("request", lambda r: rec.requests.append(r.url))
    pg.on(
        "console", lambda m: rec.errors.append(f"console: {m.text}") if m.type == "error" else None
    )
    pg.on("pageerror", lambda e: rec.errors.append(f"pageerror: {e}"))
    pg.recorder = rec
    try:
        yield pg
    finally:
        ctx.close()
