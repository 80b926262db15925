"""Browser fixtures: Debian's Chromium driven by Playwright, a local dashboard server, reports.

Chromium comes from the system (``scripts/install_browser.sh`` installs it with apt); the
tests fail, with that advice, when it is missing. ``DEALLOOP_CHROMIUM`` names another binary.
Set ``DEALLOOP_SCREENSHOTS`` to a folder (e.g. ``docs/screenshots``) to keep the screenshots.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
XSS = HERE / "data" / "xss"
CHROMIUM = os.environ.get("DEALLOOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NAVIGATION_TIMEOUT_MS = 180_000


@pytest.fixture(scope="session")
def chromium() -> str:
    path = Path(CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/install_browser.sh (as "
                    "root, or with sudo) to install Debian's chromium, or set "
                    "DEALLOOP_CHROMIUM to a Chromium binary.", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the session, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
        # A liveness bound, not a speed check: the dashboard computes its stress results on
        # the first request, which took over Playwright's default 30 s when CI shared the
        # machine with other suites. Speed is measured in benchmarks/.
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@dataclass
class Watched:
    """A page with everything it reported: console errors, page errors, dialogs, requests."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def wait_until(self, expression: str, arg: Any = None, timeout: float = 15.0) -> Any:
        """Poll ``expression`` (a JavaScript function) until it returns something truthy.

        Playwright's ``wait_for_function`` evaluates its predicate with ``eval``, which the
        pages' Content-Security-Policy forbids; ``evaluate`` is not affected.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(expression, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            self.page.wait_for_timeout(50)

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.dialogs, f"a script ran: {self.dialogs}"


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    page = browser.new_page()
    w = Watched(page)
    page.on("console", lambda m: w.errors.append(f"console: {m.text}") if m.type == "error"
            else None)
    page.on("pageerror", lambda e: w.errors.append(f"pageerror: {e}"))

    def dialog(d: Any) -> None:
        w.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.on("request", lambda r: w.requests.append(r.url))
    try:
        yield w
    finally:
        page.close()


# ------------------------------------------------------------------------------ data
@pytest.fixture(scope="session")
def net() -> Any:
    import dealloop as dl

    return dl.load()


@pytest.fixture(scope="session")
def xss_net() -> Any:
    """The XSS fixture with a ``javascript:`` URL slipped past validation (built in code)."""
    import dealloop as dl

    n = dl.load(XSS)
    n.sources.loc[n.sources["id"] == "s2", "url"] = "javascript:alert('href')"
    return n


@pytest.fixture(scope="session")
def bundle(net: Any) -> dict[str, Any]:
    from dealloop.report import results_bundle

    return results_bundle(net, ["coreweave-default"], band=False, systemic=True, draws=200,
                          seed=1)


@pytest.fixture(scope="session")
def report(bundle: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dealloop.report import render_report

    out = tmp_path_factory.mktemp("report") / "report.html"
    out.write_text(render_report(bundle), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def xss_report(xss_net: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dealloop.report import write_report

    return write_report(xss_net, tmp_path_factory.mktemp("xss") / "report.html")


# ------------------------------------------------------------------------------ servers
class Server:
    """uvicorn serving an app on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


@pytest.fixture(scope="session")
def server(net: Any) -> Iterator[Server]:
    from dealloop.web import create_app

    with Server(create_app(net)) as s:
        yield s


@pytest.fixture(scope="session")
def xss_server(xss_net: Any) -> Iterator[Server]:
    from dealloop.web import create_app

    with Server(create_app(xss_net)) as s:
        yield s


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$DEALLOOP_SCREENSHOTS`` or a temporary folder."""
    target = os.environ.get("DEALLOOP_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
