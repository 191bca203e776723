"""The explainer as a newcomer meets it, in a real browser: glossary entry -> fuller page -> back to the search."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_finder import explainer
from clinic_finder.schema import SEARCHABLE

REPO_ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Streamlit server did not start")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with playwright_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        except Exception as error:  # no browser on this machine: `make browser` installs one
            pytest.skip(f"no Chromium to run the browser test: {error}")
        yield launched
        launched.close()


@pytest.mark.parametrize("service", ["evening", "buprenorphine"])
def test_what_is_this_leads_to_a_plain_answer_and_back_to_search(app_url: str, browser, service: str) -> None:
    entry = explainer.glossary()[SEARCHABLE[service].glossary]
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    try:
        page.goto(app_url + explainer.glossary_url(service))
        heading = page.locator(f"[id='{entry.slug}']")
        heading.wait_for(timeout=30_000)
        assert entry.term in heading.inner_text()
        assert page.get_by_role("link", name="988").first.get_attribute("href") == "tel:988"

        page.locator(f"a[href='{entry.more_url}']").first.click()
        page.wait_for_url(f"**{entry.more_url}", timeout=30_000)
        anchor = entry.more_url.split("#", 1)[1]
        page.locator(f"[id='{anchor}']").wait_for(timeout=30_000)
        assert len(page.context.pages) == 1, "the link must open in the same tab"
        page.locator("[id='sources']").wait_for(timeout=30_000)

        page.locator("a[href='/']").last.click()
        page.wait_for_url(f"{app_url}/", timeout=30_000)
    finally:
        page.close()
