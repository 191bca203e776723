"""Every page runs without an exception (AppTest), and every page script stays thin."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_html import html_bodies

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
MAX_PAGE_LINES = 60  # page scripts call into views/; the Streamlit code lives there, the rules in clinic_finder/


def crisis_lines_shown(at: AppTest, page: Path) -> None:
    # Crisis lines on every page of the app, as call links.
    shown = " ".join(html_bodies(at))
    for link in ("tel:988", "sms:988", "tel:+18006624357", "tel:911"):
        assert link in shown, (page.name, link)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_runs_without_exception(page: Path) -> None:
    at = AppTest.from_file(str(page), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    crisis_lines_shown(at, page)


def test_suggest_page_runs_for_a_clinic(monkeypatch: pytest.MonkeyPatch, small_csv: Path) -> None:
    """The suggest page as a result card opens it: a clinic id and the visitor's search in the address."""
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(small_csv))
    page = ROOT / "pages" / "8_Suggest_a_correction.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.query_params.update({"clinic": "centerstone-of-illinois-alton", "zip": "62002", "lang": "es"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    crisis_lines_shown(at, page)
    assert at.radio(key="suggest_kind") is not None


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_scripts_stay_thin(page: Path) -> None:
    lines = page.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_PAGE_LINES, (
        f"{page.name} has {len(lines)} lines (at most {MAX_PAGE_LINES}): put its Streamlit code in views/ and "
        "its rules in clinic_finder/")
