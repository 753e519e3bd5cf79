"""Browser tests against a running Kepu server (started by scripts/e2e.sh, `make e2e`).

KEPU_E2E_URL is the server's address; without it every test here is skipped. The browser is
the system's Chromium (KEPU_E2E_CHROMIUM, default /usr/bin/chromium): Playwright never downloads
one. Screenshots and, for a failed test, the page's HTML go to KEPU_E2E_RESULTS (default
test-results/e2e/).

Every page a test opens is watched: a console message of type "error", an uncaught page error,
or an HTTP response >= 500 from the app fails the test, whatever the test itself checked.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("KEPU_E2E_URL", "").strip().rstrip("/")
CHROMIUM = os.environ.get("KEPU_E2E_CHROMIUM", "/usr/bin/chromium")
RESULTS = Path(os.environ.get("KEPU_E2E_RESULTS", ROOT / "test-results" / "e2e"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "Kepu-demo-2026"
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    if BASE_URL:
        return
    skip = pytest.mark.skip(
        reason="KEPU_E2E_URL is not set: run `make e2e` (scripts/e2e.sh), which starts a server "
        "and sets it, or point KEPU_E2E_URL at a running Kepu with the demo data"
    )
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


class Watch:
    """What went wrong in the browser while a test ran."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.pages: list[Page] = []

    def attach(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(
            f"page error on {page.url}: {error.name}: {error.message}\n{error.stack or ''}".rstrip()
        ))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        where = message.location or {}
        at = f" (at {where.get('url', '?')}:{where.get('lineNumber', 0)})" if where.get("url") else ""
        self.problems.append(f"console error: {message.text}{at}")

    def _response(self, response) -> None:
        if response.status >= 500 and response.url.startswith(BASE_URL):
            self.problems.append(
                f"HTTP {response.status} from {response.request.method} {response.url}"
            )

    def settle(self) -> None:
        """Let events that are still on their way arrive before the problems are read."""
        for page in self.pages:
            if not page.is_closed():
                # If the page or browser is gone, nothing more will come.
                with contextlib.suppress(Exception):
                    page.wait_for_timeout(100)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test (in its call phase, not as a teardown error) on any browser problem."""
    __tracebackhide__ = True
    watch: Watch | None = getattr(item, "_kepu_watch", None)
    try:
        result = yield
    except BaseException:
        if watch is not None and watch.problems:
            item.add_report_section("call", "browser problems", "\n".join(watch.problems))
        raise
    if watch is not None:
        watch.settle()
        if watch.problems:
            raise AssertionError(
                "the browser saw problems:\n  " + "\n  ".join(watch.problems)
            )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_kepu_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def base_url() -> str:
    return BASE_URL


@pytest.fixture(scope="session")
def results_dir() -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install the Debian package `chromium` "
            "(scripts/e2e.sh does) or set KEPU_E2E_CHROMIUM"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(request, browser: Browser, results_dir: Path) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (own cookies); keyword arguments go to new_context.

    A Chinese-speaking user by default: locale zh-CN, Shanghai time, a desktop window.
    """
    watch = Watch()
    request.node._kepu_watch = watch
    contexts: list[BrowserContext] = []

    def make(**options) -> Page:
        settings = {
            "base_url": BASE_URL,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        return page

    yield make

    report = getattr(request.node, "_kepu_report_call", None)
    failed = report is None or report.failed
    for n, page in enumerate(watch.pages):
        if failed and not page.is_closed():
            stem = results_dir / f"FAILED-{_slug(request.node.name)}-{n}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # keep the real failure visible, not this one
                print(f"could not save {stem}: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def log_in() -> Callable[..., None]:
    """log_in(page, username, password=DEMO_PASSWORD): submit the login form, wait for the result."""

    def submit(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(username)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("form button[type=submit]").click()

    return submit
