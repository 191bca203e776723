"""What only a real browser shows: the map iframe draws markers offline, the list order, phone layout.

Debian's Chromium driven by Playwright against `streamlit run app.py` on a free port. Screenshots go to
test-artifacts/ (always for the phone view; on failure for the rest).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import ARTIFACTS, ROOT, streamlit_server

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("data") / "clinics.csv"
    shutil.copyfile(ROOT / "data" / "clinics.csv", data)
    # tiles=none: the test must not depend on (or contact) the tile server; everything else is the real app.
    with streamlit_server("app.py", {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data)}) as base:
        yield base


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


def external_requests(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if urlparse(r.url).hostname not in LOCAL_HOSTS
            and urlparse(r.url).scheme in {"http", "https", "ws", "wss"} else None)
    return seen


def result_ids(page: Page) -> list[str]:
    classes = page.locator('[class*="st-key-result-"]').evaluate_all("els => els.map(e => e.className)")
    return [next(c.removeprefix("st-key-result-") for c in cls.split() if c.startswith("st-key-result-"))
            for cls in classes]


def test_shared_link_restores_search_draws_markers_offline_and_lists_nearest_first(server: str, page: Page) -> None:
    """Open /?zip=60613&services=evening: markers in the map iframe, Symetria Chicago first, nothing external."""
    outside = external_requests(page)
    page.goto(f"{server}/?zip=60613&services=evening")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-marker-icon, .marker-cluster").first.wait_for(timeout=30_000)
    page.locator('[class*="st-key-result-"]').first.wait_for(timeout=30_000)
    assert result_ids(page)[0] == "symetria-recovery-chicago"
    assert page.get_by_label("ZIP code or city").input_value() == "60613"
    assert page.get_by_role("checkbox", name="Evening groups").is_checked()
    page.screenshot(path=str(ARTIFACTS / "finder-60613-evening.png"), full_page=True)
    assert outside == [], outside


def test_clicking_a_marker_shows_that_clinic_beside_the_map(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=77040&radius=10&services=evening")
    page.locator('[class*="st-key-result-"]').first.wait_for(timeout=30_000)  # the first run has finished
    marker = page.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon").first
    marker.wait_for(timeout=30_000)
    selected = page.locator(".st-key-selected-symetria-recovery-houston")
    # A click that lands while Streamlit is still re-drawing the iframe is lost, as it would be for a
    # person, who would click again: so do we, a bounded number of times.
    for _ in range(3):
        marker.click()
        try:
            selected.wait_for(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            continue
    assert "17347 Village Green Drive" in selected.inner_text()


def test_changing_a_filter_updates_the_url(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=77040")
    page.locator('[class*="st-key-result-"]').first.wait_for(timeout=30_000)
    page.get_by_text("Medications (any)", exact=True).click()
    page.wait_for_url("**services=medications**", timeout=15_000)
    assert "zip=77040" in page.url


def test_usable_on_a_phone(server: str, browser: Browser) -> None:
    """At 390 px wide the page does not scroll sideways and the first result is reachable."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{server}/?zip=77040&services=evening,medications")
        phone.locator('[class*="st-key-result-"]').first.wait_for(timeout=30_000)
        phone.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon, .marker-cluster").first.wait_for(timeout=30_000)
        assert result_ids(phone)[0] == "symetria-recovery-houston"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"page is {width} px wide on a 390 px phone"
        phone.screenshot(path=str(ARTIFACTS / "finder-phone-390.png"))
        phone.locator('[class*="st-key-result-"]').first.scroll_into_view_if_needed()
        phone.screenshot(path=str(ARTIFACTS / "finder-phone-390-results.png"))
    finally:
        context.close()


@pytest.fixture(scope="module")
def server_with_tiles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as shipped: OpenStreetMap tiles by default."""
    data = tmp_path_factory.mktemp("data") / "clinics.csv"
    shutil.copyfile(ROOT / "data" / "clinics.csv", data)
    with streamlit_server("app.py", {"CLINIC_FINDER_DATA": str(data), "CLINIC_FINDER_TILES": "OpenStreetMap"}) as base:
        yield base


def test_map_draws_with_the_network_cut_off_and_only_tiles_would_leave(server_with_tiles: str, page: Page) -> None:
    """Default tiles, every non-local request blocked: markers still draw; the only outside host asked is the
    tile server; OpenStreetMap is credited."""
    blocked: set[str] = set()

    def block_outside(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.add(host)
            route.abort()

    page.route("**/*", block_outside)
    page.goto(f"{server_with_tiles}/?zip=77040&services=evening,medications")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-marker-icon, .marker-cluster").first.wait_for(timeout=30_000)
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
    page.screenshot(path=str(ARTIFACTS / "finder-77040-offline-tiles.png"))
    assert blocked and all(host.endswith("tile.openstreetmap.org") for host in blocked), blocked
