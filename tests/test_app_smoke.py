"""Every page runs without an exception (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_runs_without_exception(page: Path) -> None:
    at = AppTest.from_file(str(page), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # Crisis lines on every page of the app, as call links.
    shown = " ".join(m.value for m in at.markdown)
    for link in ("tel:988", "sms:988", "tel:+18006624357", "tel:911"):
        assert link in shown, (page.name, link)
