"""Helpers for the real-browser tests: a Streamlit server on a free port and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(script: str, env: dict[str, str], deadline_seconds: float = 60) -> Iterator[str]:
    """Run `streamlit run script` on a free port until the block ends; yield its base URL once healthy."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"streamlit-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        give_up = time.monotonic() + deadline_seconds
        while True:  # poll health, never a fixed sleep
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > give_up:
                raise TimeoutError(f"streamlit did not become healthy in {deadline_seconds} s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def finder_server(folder: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The finder (`app.py`) on a copy of the shipped clinics list in `folder`, without map tiles."""
    data = folder / "clinics.csv"
    if not data.exists():
        data.write_bytes((ROOT / "data" / "clinics.csv").read_bytes())
    with streamlit_server("app.py", {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data), **(env or {})}) as base:
        yield base
