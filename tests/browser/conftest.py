"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against the live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be allowed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
# Kept in the repository, unlike SCREENSHOTS: viewport-sized captures, so each stays small.
# A plain test run writes them beside SCREENSHOTS, so it leaves the work tree clean;
# `make screenshots` (UPDATE_SCREENSHOTS=1) refreshes the repository's copies.
DOC_SCREENSHOTS = Path(settings.BASE_DIR) / (
    "docs/screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else "artifacts/doc-screenshots"
)
PASSWORD = "demo-pass-2026"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def compiled_messages() -> None:
    """The English catalogue compiled (make run/test do this; direct pytest runs too)."""
    locale = Path(settings.BASE_DIR) / "locale"
    for po in locale.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=[po.parent.parent.name], verbosity=0)


@pytest.fixture(scope="session")
def browser(compiled_messages) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def plain_http(settings) -> None:
    """The live server speaks plain HTTP, whatever the deployment's security settings say."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture
def reference_data(transactional_db) -> None:
    """Reference rows and the coordinator group (transactional tests start from empty tables)."""
    from django.contrib.auth.models import Group

    from apps.accounts.models import COORDINATOR_GROUP
    from apps.matching import loader

    call_command("load_reference", verbosity=0)
    Group.objects.get_or_create(name=COORDINATOR_GROUP)
    # Matching keeps a per-process market index; earlier tests' rows must not linger in it.
    loader.forget_market()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) per call: one per person in a journey."""
    contexts = []

    def open_page(*, width: int = 1280, height: int = 900, language: str = "zh-CN"):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=language,
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to artifacts/screenshots/ (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Headless Chromium's full-page capture from a scrolled position leaves mouse input
    # mapped to unscrolled coordinates (the next click lands elsewhere); capture from the top.
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def doc_screenshot(page, name: str, at=None) -> Path:
    """Save a viewport screenshot to DOC_SCREENSHOTS/<name>.png (docs/screenshots/ with
    UPDATE_SCREENSHOTS set), from
    the top of the page or with the locator `at` at the top of the window."""
    path = DOC_SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if at is None:
        page.evaluate("() => window.scrollTo(0, 0)")
    else:
        at.evaluate("node => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(path))
    return path


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def words_broken_across_lines(page, selector: str) -> list[str]:
    """Latin words inside the elements matching `selector` that the layout split over two
    lines ("Municip|al"): a word whose glyphs sit on more than one line."""
    return page.evaluate(
        """selector => {
            const broken = [];
            for (const element of document.querySelectorAll(selector)) {
                const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    for (const word of node.data.matchAll(/[A-Za-z]{2,}/g)) {
                        const range = document.createRange();
                        range.setStart(node, word.index);
                        range.setEnd(node, word.index + word[0].length);
                        const lines = new Set(
                            [...range.getClientRects()].map(rect => Math.round(rect.top))
                        );
                        if (lines.size > 1) broken.push(word[0]);
                    }
                }
            }
            return broken;
        }""",
        selector,
    )


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, in whichever language the page is."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


class Worker:
    """A real `celery worker` subprocess against the test database and this run's Redis db."""

    READY_TIMEOUT = 60

    def __init__(self, log: Path) -> None:
        import subprocess
        import sys
        import time

        from django.db import connection

        db = connection.settings_dict
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DJANGO_DEBUG": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                "--without-gossip", "--without-mingle", "--loglevel=INFO",
                "-n", f"browser-test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + self.READY_TIMEOUT
        while "ready." not in log.read_text():
            assert self.process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "worker did not start:\n" + log.read_text()
            time.sleep(0.1)

    def stop(self) -> None:
        import signal
        import subprocess

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture
def worker(transactional_db, tmp_path) -> Iterator[Worker]:
    """A Celery worker running while the test runs (queued leftovers purged before and after)."""
    from config.celery import app

    app.control.purge()
    running = Worker(tmp_path / "worker.log")
    yield running
    running.stop()
    app.control.purge()
