"""Helpers for the real-browser tests: a Streamlit server on a free port and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page

from deploy.serve import streamlit_process

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@contextmanager
def streamlit_server(script: str, env: dict[str, str], deadline_seconds: float = 60) -> Iterator[str]:
    """Run `streamlit run script` on a free port until the block ends; yield its base URL once healthy.

    The same launcher as `make serve` (deploy.serve.streamlit_process: health polled, never a fixed sleep);
    its output goes to test-artifacts/.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=ARTIFACTS, prefix="streamlit-", suffix=".log", delete=False) as log, \
            streamlit_process(script, env, log, deadline_seconds=deadline_seconds) as backend:
        yield backend.url


@contextmanager
def finder_server(folder: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The finder (`app.py`) on a copy of the shipped clinics list in `folder`, without map tiles."""
    data = folder / "clinics.csv"
    if not data.exists():
        data.write_bytes((ROOT / "data" / "clinics.csv").read_bytes())
    with streamlit_server("app.py", {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data), **(env or {})}) as base:
        yield base


@contextmanager
def browser_page(browser: Browser, width: int = 1366, height: int = 900, phone: bool = False) -> Iterator[Page]:
    """A page in a fresh browser context (nothing cached, no cookies) of that size; `phone`: touch, mobile."""
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    try:
        yield context.new_page()
    finally:
        context.close()
