"""Browser tests of the console: Playwright (sync API) driving Debian's Chromium against the real app.

Per test process (so per pytest-xdist worker) there is one seeded demo database (SQLite, in the
worker's temporary directory), one application built by ``lianrong.entrypoints.api.app.create_app`` (API and
console) and one uvicorn server on 127.0.0.1 and a free port, running in a background thread. The
server shares the process, so the test moves the business date by setting ``live.clock.day``; the
clock is put back to ``START`` after every test.

Chromium: ``/usr/bin/chromium`` (Playwright cannot download its own browser here). When it is
missing or does not start, the tests are skipped, except on CI (``CI=true``), where they fail.

Every step a test takes is saved as ``test-artifacts/browser/<test>/<nn-step>.png`` (repo root).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: the business date the tests start on (the demo's story ends on 2026-11-20)
START = dt.date(2026, 11, 26)
PASSWORD = "lianrong2026"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
#: Playwright's wait for an element, an assertion or a navigation (pages render in well under a second;
#: a login checks an argon2 hash on purpose, and CI machines are shared)
TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the console in Chromium through Playwright")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    # keep each phase's report on the item, so the page fixture can save a screenshot on failure
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"Chromium is required on CI (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"Chromium unavailable: {reason}")


# --- the browser ---


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, launched once per test process."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} does not exist (apt-get install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc})")
    expect.set_options(timeout=TIMEOUT_MS)
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000)
    except PlaywrightError as exc:
        pw.stop()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        _unavailable(f"{CHROMIUM} failed to launch: {first}")
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


# --- the application ---


@dataclass
class LiveServer:
    """The running application: its address, service context, clock and the demo's ids."""

    url: str
    ctx: Any
    clock: Any
    ids: dict[str, str]

    def count(self, table: str) -> int:
        """Rows in a table (to check that a refused form wrote nothing)."""
        from sqlalchemy import func, select

        from lianrong.adapters.db import tables as t

        with self.ctx.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(getattr(t, table))).scalar() or 0)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole application on a seeded demo database, served by uvicorn in a background thread."""
    import uvicorn

    from lianrong import bootstrap
    from lianrong.entrypoints.api.app import create_app
    from lianrong.entrypoints.demo import seed
    from lianrong.platform.context import FixedClock
    from lianrong.settings import Settings

    path = tmp_path_factory.mktemp("browser-db") / "console.db"
    url = f"sqlite:///{path}"
    clock = FixedClock(START)
    settings = Settings(database_url=url, environment="test", log_level="WARNING", sqlite_synchronous="NORMAL")
    ctx = bootstrap.build(database_url=url, settings=settings, clock=clock)
    ids = seed(ctx)["ids"]
    assert ctx.clock is clock, "seed() must give the context its clock back"
    app = create_app(ctx)

    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}", pytrace=False)
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", ctx=ctx, clock=clock, ids=ids)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ctx.engine.dispose()


@pytest.fixture(autouse=True)
def _business_date(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test starts on START and leaves the shared clock there."""
    if "live" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("live")
    live.clock.day = START
    yield
    live.clock.day = START


# --- a person at the browser ---


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "step"


@dataclass
class Console:
    """One browser tab on the console, with the steps a person takes and a screenshot per step."""

    page: Any
    live: LiveServer
    folder: Path
    step: int = 0
    js_errors: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.live.url

    def url(self, path: str) -> str:
        return self.base + path

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def shot(self, name: str) -> Path:
        """Save the page as <nn-name>.png in this test's folder."""
        self.step += 1
        target = self.folder / f"{self.step:02d}-{_slug(name)}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def wait_path(self, pattern: str) -> None:
        """Wait until the location's path (and query) matches a regular expression."""
        rx = re.compile(re.escape(self.base) + pattern + r"$")
        self.page.wait_for_url(rx)
        self.page.wait_for_load_state("load")

    def choose(self, select: Any, *, url_part: str, **option: str) -> None:
        """Pick an option of a select that posts an HTMX check, and wait for that check's answer.

        The next field's own check then cannot be overtaken by this one's (late) response.
        """
        with self.page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
            select.select_option(**option)

    def login(self, username: str, home: str) -> None:
        """Sign in through the login form and land on the area's home page."""
        self.goto("/login")
        self.by("input-username").fill(username)
        self.by("input-password").fill(PASSWORD)
        self.by("submit-login").click()
        self.wait_path(re.escape(home))
        from playwright.sync_api import expect

        expect(self.by("org-name")).to_be_visible()

    def logout(self) -> None:
        self.by("logout-button").click()
        self.wait_path(r"/login")

    def stat(self, testid: str) -> str:
        """The value shown by a figure (``m.stat``): e.g. ``¥1,000,000.00``."""
        return self.by(testid).locator(".stat-value").inner_text().strip()

    def stat_sub(self, testid: str) -> str:
        return self.by(testid).locator(".stat-sub").inner_text().strip()

    def assert_no_js_errors(self) -> None:
        assert not self.js_errors, f"JavaScript errors on the console's pages: {self.js_errors}"


@pytest.fixture
def ui(browser: Any, live: LiveServer, request: pytest.FixtureRequest) -> Iterator[Console]:
    """A fresh browser context (no cookies: Chinese, signed out) and the screenshot folder of this test."""
    folder = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    console = Console(page=page, live=live, folder=folder)
    page.on("pageerror", lambda exc: console.js_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            console.js_errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    try:
        yield console
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            try:
                page.screenshot(path=str(folder / "99-failure.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - the failure itself is what matters
                print(f"no failure screenshot: {exc}")
        context.close()
