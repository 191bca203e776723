"""The finder in Spanish in a real browser: a shared `?lang=es` link opens in Spanish, finds what the English
page finds, speaks Spanish in the map's popup, reopens in Spanish, and the switch back to English drops `lang`.

Debian's Chromium driven by Playwright against `streamlit run app.py` on a free port (as tests/test_browser.py).
Screenshots go to test-artifacts/ on failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import finder_server

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
MARKERS = ".leaflet-marker-icon, .marker-cluster"
CARDS = '[data-part="result"] .cf-card, [data-part="maybe"] .cf-card'
CARD = CARDS
SEARCH = "zip=77040&services=evening"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with finder_server(tmp_path_factory.mktemp("data")) as base:
        yield base


def wait_for_results(page: Page) -> None:
    page.locator(CARDS).first.wait_for(timeout=60_000)
    page.frame_locator(MAP_FRAME).locator(MARKERS).first.wait_for(timeout=60_000)


def card_ids(page: Page) -> list[str]:
    return page.locator(CARD).evaluate_all("els => els.map(e => e.id.replace('clinic-', ''))")


def headline(page: Page) -> str:
    return page.locator(".st-key-finder-headline h2").first.inner_text()


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def english_results(browser: Browser, server: str) -> tuple[list[str], str]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        english = context.new_page()
        english.goto(f"{server}/?{SEARCH}")
        wait_for_results(english)
        return card_ids(english), headline(english)
    finally:
        context.close()


def open_popup_by_click(page: Page, clinic_id: str) -> str:
    """Zoom the map until the clinic's own marker shows (not its cluster), click it, return the popup's text."""
    handle = page.locator(MAP_FRAME).element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    popup = frame.locator(".leaflet-popup-content")
    # A click that lands while the map is still zooming (or Streamlit still drawing) is lost, as it would be
    # for a person, who would click again: so do we, a bounded number of times.
    for _attempt in range(3):
        frame.wait_for_function(  # the cluster adds its markers in chunks: wait until this one is in it
            """(id) => { const layer = window.__clinicLayer;
                         const marker = layer && layer.cluster.getLayers().find((m) => m.clinic.id === id);
                         return Boolean(marker && marker.__parent); }""",
            arg=clinic_id, timeout=30_000,
        )
        frame.evaluate(
            """(id) => new Promise((done) => {
                const cluster = window.__clinicLayer.cluster;
                const marker = cluster.getLayers().find((m) => m.clinic.id === id);
                cluster.zoomToShowLayer(marker, () => { marker._icon.setAttribute("data-clinic", id); done(); });
            })""",
            clinic_id,
        )
        page.wait_for_timeout(500)  # the end of the zoom animation
        frame.locator(f'[data-clinic="{clinic_id}"]').click()
        try:
            popup.wait_for(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            continue
    return popup.inner_text()


def test_a_spanish_link_opens_in_spanish_with_the_english_results(server: str, page: Page, browser: Browser) -> None:
    page.goto(f"{server}/?lang=es&{SEARCH}")
    wait_for_results(page)
    assert page.locator("h1").first.inner_text().strip() == "Encuentre un IOP cerca de usted"
    assert page.title() == "Buscador de IOP — Illinois y Texas"  # the browser's tab, from a first run too
    assert re.fullmatch(r"\d+ confirmados? · \d+ más podrían? servirle — llame para preguntar", headline(page))
    assert page.locator(".cf-call").first.inner_text().startswith("Llame al ")
    assert "Cómo llegar" in page.locator(CARD).first.inner_text()
    assert page.get_by_label("Código postal o lugar").input_value() == "77040"
    assert "Llame al" in page.locator(".st-key-crisis-lines").inner_text()  # the crisis lines in Spanish

    ids, english_headline = english_results(browser, server)
    assert card_ids(page) == ids
    assert re.findall(r"\d+", headline(page)) == re.findall(r"\d+", english_headline)

    text = open_popup_by_click(page, ids[0])
    assert "Cómo llegar" in text and "¿Algo está mal? Sugiera una corrección" in text
    assert "Directions" not in text and "Suggest a correction" not in text
    # The click also shows the clinic beside the map, in Spanish.
    page.locator(f".st-key-selected-desktop-{ids[0]}").get_by_text("Elegido en el mapa").wait_for(timeout=30_000)
    # What a screen reader says on the map: the zoom buttons in Spanish, markers by their clinic's name.
    frame = page.frame_locator(MAP_FRAME)
    assert frame.locator(".leaflet-control-zoom-in").get_attribute("aria-label") == "Acercar"
    assert frame.locator(".leaflet-control-zoom-out").get_attribute("aria-label") == "Alejar"
    assert frame.locator(".leaflet-marker-icon[alt='Marker']").count() == 0


@pytest.mark.parametrize(("path", "title", "heading"), [
    ("/Glossary", "Glosario · Buscador de IOP", "Glosario"),
    ("/What_is_an_IOP", "¿Qué es un IOP? · Buscador de IOP", "¿Qué es un IOP?"),
    ("/Staff", "Personal — Buscador de IOP", "Acceso del personal"),
])
def test_a_spanish_link_to_another_page_names_it_in_spanish(server: str, page: Page, path: str, title: str,
                                                            heading: str) -> None:
    """The tab's title and the page's heading, on a session's first run (which starts in English until the
    page sets the language: both were English once)."""
    page.goto(f"{server}{path}?lang=es")
    expect(page.locator("h1").first).to_have_text(heading, timeout=60_000)
    expect(page).to_have_title(title)
    expect(page.locator("html")).to_have_attribute("lang", "es")  # a screen reader speaks it in Spanish


def test_the_link_reopens_in_spanish_and_the_switch_goes_back_to_english(server: str, page: Page) -> None:
    page.goto(f"{server}/?lang=es&{SEARCH}")
    wait_for_results(page)
    page.reload()
    wait_for_results(page)
    assert query(page)["lang"] == ["es"]
    assert page.locator("h1").first.inner_text().strip() == "Encuentre un IOP cerca de usted"
    assert "confirmados" in headline(page)
    expect(page.locator("html")).to_have_attribute("lang", "es")

    page.get_by_role("button", name="English", exact=True).click()  # the language switch
    page.wait_for_function("() => !new URLSearchParams(location.search).has('lang')", timeout=30_000)
    page.get_by_role("heading", name="Find an IOP near you").wait_for(timeout=30_000)
    assert query(page) == {"zip": ["77040"], "services": ["evening"]}
    expect(page.get_by_role("button", name="English", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Español", exact=True)).to_have_attribute("aria-pressed", "false")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".cf-call").first.get_by_text("Call ", exact=False).wait_for(timeout=30_000)
    assert "confirmed" in headline(page)


def test_a_spanish_browser_is_offered_spanish_once_under_the_switch(browser: Browser, server: str) -> None:
    """A browser that asks for Spanish (Accept-Language) is told, in Spanish, under the switch, that the page is in
    Spanish too; the page stays in English until the person chooses, and the note goes with the first click."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-MX")
    try:
        page = context.new_page()
        page.goto(f"{server}/?{SEARCH}")
        wait_for_results(page)
        note = page.locator(".cf-language-note")
        expect(note).to_be_visible()
        assert note.inner_text().startswith("Español: ") and note.get_attribute("lang") == "es"
        assert "confirmed" in headline(page)  # not switched for the person
        page.get_by_text("Filters", exact=False).first.click()
        page.get_by_text("Medicaid", exact=True).first.click()
        expect(note).to_be_hidden(timeout=30_000)
    finally:
        context.close()
