"""Shared fixtures: copies of the clinics list in tmp_path (tests never write data/clinics.csv)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from clinic_finder import DEFAULT_CLINICS_CSV, accounts, auth, clock, geo, suggestions
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

# The day the suite started is "today" in every test (clock.today): a run that crosses midnight still compares a
# save's date with the date the test expects. (Servers started for browser tests run in processes of their own,
# on the real date: none of those tests checks a date.)
SUITE_DAY = dt.date.today()

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "9_Staff.py")
PASSWORD = "correct horse battery staple"


def copy_of_clinics(folder: Path, rows: int | None = None) -> Path:
    """data/clinics.csv (or its first `rows` clinics) copied into `folder`; returns the copy's path."""
    lines = DEFAULT_CLINICS_CSV.read_bytes().splitlines(keepends=True)
    if rows is not None:
        lines = lines[: rows + 1]
    target = folder / "data" / "clinics.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"".join(lines))
    return target


@pytest.fixture
def clinics_csv(tmp_path: Path) -> Path:
    """All 554 clinics, in tmp_path/data/clinics.csv."""
    return copy_of_clinics(tmp_path)


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    """The first 12 clinics, in tmp_path/data/clinics.csv (fast saves for the process tests)."""
    return copy_of_clinics(tmp_path, rows=12)


@pytest.fixture(scope="session")
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # No test depends on the machine's environment or on failures recorded by another test.
    for name in ("CLINIC_FINDER_DATA", auth.HASH_ENV_VAR, "CLINIC_FINDER_GEOCODER_DOMAIN",
                 "CLINIC_FINDER_GEOCODER_SCHEME", "CLINIC_FINDER_GEOCODER_USER_AGENT",
                 "CLINIC_FINDER_GEOCODER_MIN_DELAY"):
        monkeypatch.delenv(name, raising=False)
    # Never the machine's own accounts file: each test gets a path of its own, with no file there yet.
    monkeypatch.setenv(accounts.ACCOUNTS_ENV_VAR, str(tmp_path / "accounts-home" / "accounts.json"))
    monkeypatch.setattr(clock, "today", lambda: SUITE_DAY)
    for throttle in (auth.THROTTLE, accounts.NAME_THROTTLE, suggestions.LIMITER):
        throttle.reset()
    yield
    for throttle in (auth.THROTTLE, accounts.NAME_THROTTLE, suggestions.LIMITER):
        throttle.reset()


class FakeNominatim:
    """A tiny Nominatim-compatible /search endpoint on 127.0.0.1: real HTTP, canned answers.

    A street containing "Nowhere" finds nothing; any other street is placed 0.01 degrees north-east of its
    ZIP centre, so tests can tell a geocoded point from the ZIP centre.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append({"path": url.path, "params": params,
                                      "user_agent": self.headers.get("User-Agent", "")})
                answer: list[dict[str, object]] = []
                record = geo.lookup_zip_record(params.get("postalcode", ""))
                if url.path == "/search" and record is not None and "Nowhere" not in params.get("street", ""):
                    answer = [{"place_id": 1, "lat": f"{record.lat + 0.01:.6f}", "lon": f"{record.lon + 0.01:.6f}",
                               "display_name": f"{params.get('street')}, {record.city}, {record.state}"}]
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.domain = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeNominatim:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_nominatim() -> Iterator[FakeNominatim]:
    with FakeNominatim() as server:
        yield server


@pytest.fixture
def closed_port_domain() -> str:
    """host:port where nothing listens (a port we bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A test skipped in CI does not count as passing: there, a skip is a failure.
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Lets fixtures see whether the test failed (the browser tests screenshot failures).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A desktop-sized page in a fresh browser context; a full-page screenshot if the test failed."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (`make browser` installs it)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
