"""Browser tests: one headless Chromium per session, a fresh context (cookies, storage) per test.

The fixtures are deliberately *not* called `browser`, `context` or `page`: those names belong to
pytest-playwright, whose `browser` would launch Playwright's own (not installed) Chromium and whose
`pytest_generate_tests` parametrizes every test that uses them. Ours use Debian's Chromium (`CHROMIUM`).
"""
import importlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an asyncio loop in the main thread; without this Django refuses ORM
# calls from the test body (factories) with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's Chromium: its headless shell (package chromium-headless-shell, the same engine without the browser's window
# and user interface, as Playwright itself runs headless tests; about 40 % less CPU per flow) where it is installed, else
# the browser (package chromium) in its headless mode
CHROMIUM = next((path for path in ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium") if Path(path).exists()),
                "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000

E2E_DIR = Path(__file__).resolve().parent


# Under xdist (`make test-e2e`) the processes finish together when the longest flows (6 to 10 sign-ins each, longest
# first) start first and the short checks of one page each come last, instead of one process running the last long flow
# while the other waits.
LONGEST_FLOWS = ("test_settlement_flow", "test_payment_flow", "test_onboarding_flow", "test_return_flow")
SHORT_CHECKS = ("test_login_navigation",)


def _run_order(item) -> int:
    module = item.module.__name__.rpartition(".")[2]
    if module in LONGEST_FLOWS:
        return LONGEST_FLOWS.index(module)
    return len(LONGEST_FLOWS) + (module in SHORT_CHECKS)


def pytest_collection_modifyitems(config, items):
    """Every test in tests/e2e is a browser test; they run in `_run_order` (file order among equals), in the places the
    browser tests hold among the tests collected."""
    places = [n for n, item in enumerate(items) if E2E_DIR in Path(str(item.fspath)).resolve().parents]
    browser_tests = sorted((items[n] for n in places), key=_run_order)
    for n, item in zip(places, browser_tests):
        item.add_marker(pytest.mark.e2e)
        items[n] = item


@pytest.fixture(scope="session")
def e2e_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _e2e_database(live_server):
    """Every browser test talks to the live server, so it runs on a transactional database.

    The flush after each transactional test also wipes the rows the data migrations created (the
    points programs MemberFactory needs), so put them back before each test. pytest-django's
    `django_db_serialized_rollback` cannot do it here: while Playwright's sync API is running, the
    main thread has a running asyncio loop, so asgiref hands Django's `connections` a context-local
    connection object that lacks the `_test_serialized_contents` made at database setup.
    """
    from django.apps import apps

    importlib.import_module("core.migrations.0002_programs").create_programs(apps, None)


@pytest.fixture
def browser_page(e2e_browser, live_server):
    """A page in a fresh browser context (no cookies carried over from another test)."""
    context = e2e_browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
