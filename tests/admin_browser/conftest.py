"""A real browser on a real server: Debian's chromium driven by Playwright, the admin served by waitress.

Playwright's own browser download is never used (``playwright install``
cannot run here, and CI must test what Debian ships): the tests launch
``/usr/bin/chromium`` through ``executable_path``. A missing chromium or
Playwright is a skip on a laptop (saying ``apt-get install chromium``) and a
failure in CI.

The browser tests run on SQLite only: what they check is the page in the
browser, which is the same on both backends; the SQL behind every route runs
on both in tests/admin.

Screenshots of the main pages go to ``var/screenshots/`` at the top of the
checkout (or ``$APLUS_SCREENSHOTS_DIR``), for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support.components import missing_component
from tests.support.databases import fresh_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("APLUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("APLUS_SCREENSHOTS_DIR", ROOT / "var" / "screenshots"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def database(tmp_path):
    with fresh_database("sqlite", tmp_path) as database:
        yield database


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module, closed after it.

    Not per session: Playwright's synchronous API keeps an asyncio loop
    running in the main thread while it is open, and later tests that call
    ``asyncio.run`` (the SMTP receiver's) would find it.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_component("Playwright", "pip install -e '.[test]' (the pip package playwright)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing_component("Chromium", "apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(settings, database):
    """The admin served by waitress on a free port, in a thread of the test process."""
    from admin.server import AdminServer

    server = AdminServer(settings, database, host="127.0.0.1", port=0).start()
    yield server
    server.stop()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, *, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core (from the npm package) on the page; the serious and critical violations, described."""
    if not AXE.is_file():
        missing_component("axe-core", "make install (npm ci installs node_modules/axe-core)")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if v["impact"] in impacts
    ]
