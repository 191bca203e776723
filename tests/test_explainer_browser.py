"""The explainer as a newcomer meets it, in a real browser: glossary entry -> fuller page -> back to the search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from clinic_finder import explainer
from clinic_finder.schema import SEARCHABLE
from tests.browser import streamlit_server


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with streamlit_server("app.py", {"CLINIC_FINDER_TILES": "none"}) as base:
        yield base


@pytest.mark.parametrize("service", ["evening", "buprenorphine"])
def test_what_is_this_leads_to_a_plain_answer_and_back_to_search(app_url: str, browser: Browser, service: str) -> None:
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
