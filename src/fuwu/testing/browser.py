"""Browser tests: a real Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright's sync API.

Fixtures (exposed to every app through ``fuwu/conftest.py``):

- ``chromium_browser``: one headless Chromium for the whole session.
- ``browser_page``: a fresh context and page per test, closed afterwards.
- ``browser_login``: ``browser_login(page, live_server, "admin")`` signs in through the real
  ``/login/`` form.

Tests using them are marked ``@pytest.mark.browser`` and take pytest-django's ``live_server``, which
makes them transactional (tables are emptied afterwards; request ``django_db_serialized_rollback``
to get migration-seeded rows back for later tests). Without ``/usr/bin/chromium`` they are skipped,
unless ``FUWU_REQUIRE_BROWSER=1`` makes that a failure (CI).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("FUWU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEST_PASSWORD = "test12345"  # the cast's password (fuwu.testing.cast)
DEFAULT_TIMEOUT_MS = 15_000


def require_chromium() -> Path:
    """The Chromium executable; skips the test when it is missing (fails with FUWU_REQUIRE_BROWSER=1)."""
    if CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("FUWU_REQUIRE_BROWSER", "").strip() in {"1", "true", "yes"}:
        pytest.fail(f"FUWU_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    executable = require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("browser tests need the playwright package (pip install -e '.[test]')")
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # database access from it ("You cannot call this from an async context").
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with tempfile.TemporaryDirectory(prefix="fuwu-chromium-") as home:
        env: dict[str, str | float | bool] = {
            **os.environ,
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
            "XDG_CACHE_HOME": str(Path(home) / "cache"),
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(executable),
                args=CHROMIUM_ARGS,
                headless=True,
                env=env,
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def browser_page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def login(page: Page, live_server: Any, username: str, password: str = TEST_PASSWORD) -> Page:
    """Sign in through the real login form and wait until the login page is left."""
    base = live_server.url.rstrip("/")
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


@pytest.fixture
def browser_login() -> Callable[..., Page]:
    """``browser_login(page, live_server, username, password="test12345")``."""
    return login


# --- shared by the end-to-end tests of every process -------------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def new_page(
    browser: Browser, live_server: Any, login: Callable[..., Any], username: str, options: dict[str, Any]
) -> Any:
    """A signed-in page in a context of its own (zh-CN, Shanghai time), phone or desktop."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return login(context.new_page(), live_server, username)


def fits(page: Any, width: int = 390) -> bool:
    """Nothing on the page is wider than the screen."""
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


def overflowing(page: Any, width: int = 390) -> list[str]:
    """The elements reaching past the screen's right edge (for the failure message)."""
    return list(
        page.evaluate(
            """(width) => Array.from(document.querySelectorAll("body *"))
                .filter((e) => e.getBoundingClientRect().right > width)
                .slice(0, 8)
                .map((e) => `${e.tagName}.${e.className} ${(e.innerText || "").slice(0, 60)}`)""",
            width,
        )
    )
