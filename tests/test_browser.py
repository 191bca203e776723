"""What only a real browser shows: the map frame draws markers offline and keeps its document across filter
changes, the first screens of a phone, tap targets, my location, the list order.

Debian's Chromium driven by Playwright against `streamlit run app.py` on a free port. Screenshots go to
test-artifacts/ (always for the phone view; on failure for the rest).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import ARTIFACTS, ROOT, browser_page, finder_server, streamlit_server

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
MARKERS = ".leaflet-marker-icon, .marker-cluster"
CARDS = '[data-part="result"] .cf-card, [data-part="maybe"] .cf-card'
CARD = CARDS
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # tiles=none: the test must not depend on (or contact) the tile server; everything else is the real app.
    with finder_server(tmp_path_factory.mktemp("data")) as base:
        yield base


def external_requests(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if urlparse(r.url).hostname not in LOCAL_HOSTS
            and urlparse(r.url).scheme in {"http", "https", "ws", "wss"} else None)
    return seen


def card_ids(page: Page) -> list[str]:
    return page.locator(CARD).evaluate_all("els => els.map(e => e.id.replace('clinic-', ''))")


def wait_for_results(page: Page) -> None:
    page.locator(CARDS).first.wait_for(timeout=60_000)
    page.frame_locator(MAP_FRAME).locator(MARKERS).first.wait_for(timeout=60_000)


def marker_count(page: Page) -> int:
    return int(page.frame_locator(MAP_FRAME).locator("body").evaluate(
        "() => window.__clinicLayer ? window.__clinicLayer.cluster.getLayers().length : -1"))


def test_shared_link_restores_search_draws_markers_offline_and_lists_nearest_first(server: str, page: Page) -> None:
    """Open /?zip=60613&services=evening: markers in the map frame, Symetria Chicago first, nothing external."""
    outside = external_requests(page)
    page.goto(f"{server}/?zip=60613&services=evening")
    wait_for_results(page)
    assert card_ids(page)[0] == "symetria-recovery-chicago"
    expect(page.get_by_label("ZIP code or place")).to_have_value("60613", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "finder-60613-evening.png"))
    assert outside == [], outside


def test_a_filter_click_changes_the_markers_without_reloading_the_map_frame(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=60613&unknown=0")
    wait_for_results(page)
    expect(page.locator("p.cf-active-filters")).to_have_text("Confirmed only")  # unknown=0: the one filter on
    frame = page.frame_locator(MAP_FRAME).locator("body")
    page.wait_for_function(f"() => document.querySelector('{MAP_FRAME}')", timeout=10_000)
    frame.evaluate("() => { window.__probe = 42; }")
    before = marker_count(page)
    page.get_by_text("Filters · 1 on").click()  # Confirmed only
    page.get_by_role("checkbox", name="Evening groups", exact=True).click()
    page.wait_for_url("**services=evening**", timeout=30_000)
    page.wait_for_function(
        f"() => {{ const f = document.querySelector('{MAP_FRAME}'); const w = f && f.contentWindow;"
        f" return w && w.__clinicLayer && w.__clinicLayer.cluster.getLayers().length !== {before}; }}",
        timeout=30_000,
    )
    after = marker_count(page)
    assert 0 < after < before
    expect(page.locator("p.cf-active-filters")).to_have_text("Evening groups · Confirmed only")  # under the fold
    # The same document: a reloaded frame would have lost the probe.
    assert frame.evaluate("() => window.__probe") == 42
    assert card_ids(page)[0] == "symetria-recovery-chicago"


def test_clicking_a_marker_shows_that_clinic_beside_the_map(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=77040&radius=10&services=evening&unknown=0")
    wait_for_results(page)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()  # a click on a half-visible frame scrolls between events
    marker = page.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon").first
    marker.wait_for(timeout=30_000)
    # Leaflet's marker image comes inside the map's script (a data: URL): drawn, not a broken image.
    assert marker.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)") == 25
    selected = page.locator(".st-key-selected-desktop-symetria-recovery-houston")
    # A click that lands while Streamlit is still drawing is lost, as it would be for a person, who would click
    # again: so do we, a bounded number of times. The card's box can be on the page a moment before its text
    # (Streamlit draws an element's box, then what is in it): wait for the text, not the box.
    for _ in range(2):
        marker.click()
        try:
            expect(selected).to_contain_text("17347 Village Green Drive", timeout=10_000)
            break
        except AssertionError:
            continue
    else:
        marker.click()
        expect(selected).to_contain_text("17347 Village Green Drive", timeout=10_000)
    # On a desktop the copy under the map (for phones) is hidden.
    assert not page.locator(".st-key-selected-phone-symetria-recovery-houston .cf-phone-only").is_visible()


def test_a_markers_label_stays_on_the_map_and_gives_way_to_its_popup(server: str, page: Page, browser: Browser) -> None:
    """On a desktop, pointing at a marker shows its name inside the map; on a phone a tap opened the label and the
    popup together, and the label ran off the map's edge: there the popup alone is shown."""
    page.goto(f"{server}/?zip=77040&radius=10&services=evening&unknown=0")
    wait_for_results(page)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-marker-icon").first.hover()
    label = frame.locator(".leaflet-tooltip")
    expect(label).to_contain_text("Symetria Recovery · Houston", timeout=10_000)
    inside = frame.locator(".leaflet-container").evaluate(
        "map => { const m = map.getBoundingClientRect(), t = map.querySelector('.leaflet-tooltip')"
        ".getBoundingClientRect(); return t.left >= m.left && t.right <= m.right; }")
    assert inside
    with browser_page(browser, 390, 844, phone=True) as phone:
        phone.goto(f"{server}/?zip=77040&radius=10&services=evening&unknown=0")
        wait_for_results(phone)
        phone.locator(MAP_FRAME).scroll_into_view_if_needed()
        frame = phone.frame_locator(MAP_FRAME)
        for _ in range(3):  # a tap that lands while Streamlit is still drawing is lost, as for a person
            frame.locator(".leaflet-marker-icon").first.tap()
            try:
                expect(frame.locator(".leaflet-popup-content")).to_contain_text("17347 Village Green Drive",
                                                                                timeout=10_000)
                break
            except AssertionError:
                continue
        expect(frame.locator(".leaflet-popup-content")).to_contain_text("17347 Village Green Drive")
        expect(frame.locator(".leaflet-tooltip")).to_have_count(0)


def test_on_a_phone_the_answer_comes_in_the_first_screens_with_big_call_buttons(server: str, browser: Browser) -> None:
    """390x844: after a ZIP search with two filters the headline and the first card are within 1.5 screens;
    Call and Directions are at least 44 px high; nothing scrolls sideways; "New to IOP?" is on the page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{server}/?zip=77040&services=evening,medications")
        wait_for_results(phone)
        screens = 1.5 * 844
        headline = phone.locator(".st-key-finder-headline h2").first.bounding_box()
        first_card = phone.locator(CARD).first.bounding_box()
        assert headline and first_card
        assert headline["y"] < screens and first_card["y"] < screens, (headline, first_card)
        call = phone.locator(".cf-call").first.bounding_box()
        directions = phone.locator(".cf-card .cf-button").nth(1).bounding_box()
        assert call and directions and call["height"] >= 44 and directions["height"] >= 44
        # Every other link a thumb may want, as tall: the crisis numbers (in their sentences), the card's
        # "Suggest a correction", the filters' "What is this?" words.
        phone.get_by_text("Filters · 2 on").click()
        for link in (".cf-crisis-lines a", ".cf-card .cf-suggest a", ".cf-glossary-links a"):
            heights = phone.locator(link).evaluate_all("links => links.map(a => a.getBoundingClientRect().height)")
            assert heights and min(heights) >= 44, (link, heights)
        phone.get_by_text("Filters · 2 on").click()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"page is {width} px wide on a 390 px phone"
        newcomer = phone.locator(".st-key-crisis-lines details.cf-newcomer").get_by_text("New to IOP?")
        assert newcomer.is_visible()
        # The language switch is not under Streamlit's fixed header (a trial click fails if something covers it).
        phone.get_by_text("Español", exact=True).first.click(trial=True, timeout=10_000)
        phone.screenshot(path=str(ARTIFACTS / "finder-phone-390.png"))
    finally:
        context.close()


def map_state(page: Page) -> dict[str, object]:
    """The finder map's zoom, centre and what its container says (Leaflet.GestureHandling's warning classes)."""
    return page.frame_locator(MAP_FRAME).locator("body").evaluate(
        """() => { const map = window.__clinicLayer.cluster._map; const c = map.getCenter();
                   return {zoom: map.getZoom(), center: [c.lat, c.lng], classes: map.getContainer().className,
                           says: map.getContainer().getAttribute("data-gesture-handling-scroll-content")}; }""")


def over_the_map(page: Page) -> tuple[float, float]:
    """The middle of the part of the map that is on the screen (a pointer cannot be below the window)."""
    box, height = page.locator(MAP_FRAME).bounding_box(), page.viewport_size["height"]  # type: ignore[index]
    assert box and box["y"] < height - 40, box
    return box["x"] + box["width"] / 2, (max(box["y"], 0) + min(box["y"] + box["height"], height)) / 2


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_the_view_fits_the_search_circle_and_every_clinic(server: str, browser: Browser, viewport: dict) -> None:
    """At 50 miles the circle used to overflow the map and clip a marker at its edge."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{server}/?zip=60613&radius=50&services=evening")
        wait_for_results(page)
        fit = page.frame_locator(MAP_FRAME).locator("body").evaluate(
            """() => { const cluster = window.__clinicLayer.cluster, map = cluster._map, view = map.getBounds();
                       const circles = []; map.eachLayer(l => { if (l instanceof L.Circle) circles.push(l); });
                       const span = (b) => [b.getEast() - b.getWest(), b.getNorth() - b.getSouth()];
                       const [cw, ch] = circles.length ? span(circles[0].getBounds()) : [0, 0], [vw, vh] = span(view);
                       return {circles: circles.length, circle: circles.every(c => view.contains(c.getBounds())),
                               tight: Math.max(cw / vw, ch / vh) > 0.4,
                               clinics: cluster.getLayers().length,
                               outside: cluster.getLayers().filter(m => !view.contains(m.getLatLng())).length}; }""")
        # Fitted, not merely inside: zoom levels double, so a fitted circle spans over half the padded map one way
        # or the other (over 0.4 of the whole); unfitted, at the base map's zoom, it spans about a tenth.
        assert fit == {"circles": 1, "circle": True, "tight": True, "clinics": fit["clinics"], "outside": 0}
        assert fit["clinics"] > 50
    finally:
        context.close()


def test_a_wheel_over_the_map_scrolls_the_page_and_ctrl_wheel_zooms_it(server: str, page: Page) -> None:
    """The map stays beside the list as it scrolls: a wheel over it must scroll the list, not zoom the map out."""
    page.goto(f"{server}/?zip=60613&services=evening")
    wait_for_results(page)
    first_card = page.locator(CARD).first
    before, card_top = map_state(page), first_card.evaluate("e => e.getBoundingClientRect().top")
    page.mouse.move(*over_the_map(page))
    page.mouse.wheel(0, 300)
    page.wait_for_function(f"() => document.querySelector('{CARD}').getBoundingClientRect().top < {card_top - 200}",
                           timeout=10_000)
    after = map_state(page)
    assert after["zoom"] == before["zoom"] and after["center"] == before["center"]
    assert "leaflet-gesture-handling-scroll-warning" in str(after["classes"])
    assert after["says"] == "Use Ctrl + scroll to zoom the map"
    # Ctrl + wheel zooms the map and leaves the page where it is.
    card_top = first_card.evaluate("e => e.getBoundingClientRect().top")
    page.mouse.move(*over_the_map(page))  # the page moved under the pointer
    page.keyboard.down("Control")
    for _notch in range(2):  # a person turns a wheel by notches; the first may only wake the map's wheel zoom
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(100)
    page.keyboard.up("Control")
    frame = page.frame_locator(MAP_FRAME).locator("body")
    frame.evaluate(f"() => new Promise((done, fail) => {{ const map = window.__clinicLayer.cluster._map;"
                   f" const check = () => map.getZoom() > {before['zoom']} ? done() : setTimeout(check, 50);"
                   f" check(); setTimeout(() => fail('no zoom'), 10000); }})")
    assert first_card.evaluate("e => e.getBoundingClientRect().top") == card_top


def test_on_a_phone_one_finger_over_the_map_scrolls_the_page_not_the_map(server: str, browser: Browser) -> None:
    """The map is as wide as a phone: one finger on it must still scroll the page (two move the map)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{server}/?zip=60613&services=evening&lang=es")
        wait_for_results(phone)
        phone.locator(MAP_FRAME).scroll_into_view_if_needed()
        before = map_state(phone)
        map_top = phone.locator(MAP_FRAME).evaluate("e => e.getBoundingClientRect().top")
        x, y = over_the_map(phone)
        touch = context.new_cdp_session(phone)
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 9):
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 25 * step}]})
        during = map_state(phone)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert "leaflet-gesture-handling-touch-warning" in str(during["classes"])
        said = phone.frame_locator(MAP_FRAME).locator(".leaflet-container").get_attribute(
            "data-gesture-handling-touch-content")
        assert said == "Para mover el mapa, use dos dedos"  # in the page's language
        phone.wait_for_function(
            f"() => document.querySelector('{MAP_FRAME}').getBoundingClientRect().top < {map_top - 20}", timeout=10_000)
        assert map_state(phone)["center"] == before["center"]
    finally:
        context.close()


def test_back_and_forward_bring_back_the_earlier_search(server: str, page: Page) -> None:
    """Each search is an entry in the browser's history: Back undoes the last one (Streamlit reruns the page with
    the earlier address, and the finder takes its search from it), then leaves the finder."""
    page.goto(f"{server}/Glossary")
    page.get_by_role("heading", name="Glossary").first.wait_for(timeout=60_000)
    page.goto(f"{server}/?zip=77040")
    wait_for_results(page)
    near_houston = card_ids(page)
    box = page.get_by_label("ZIP code or place")
    box.fill("60613")
    box.press("Enter")
    page.wait_for_url("**zip=60613**", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#clinic-symetria-recovery-chicago')", timeout=30_000)
    page.get_by_text("Filters: what you need, paying, who it is for").click()
    page.get_by_role("checkbox", name="Evening groups", exact=True).click()
    page.wait_for_url("**services=evening**", timeout=30_000)

    page.go_back()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('services')", timeout=30_000)
    expect(page.locator("p.cf-active-filters")).to_be_hidden(timeout=30_000)
    assert parse_qs(urlparse(page.url).query) == {"zip": ["60613"]}
    page.go_back()
    page.wait_for_url("**zip=77040**", timeout=30_000)
    expect(box).to_have_value("77040", timeout=30_000)
    page.wait_for_function(f"() => document.querySelector('#clinic-{near_houston[0]}')", timeout=30_000)
    assert card_ids(page) == near_houston
    page.go_forward()
    page.wait_for_url("**zip=60613**", timeout=30_000)
    expect(box).to_have_value("60613", timeout=30_000)
    page.go_back()
    page.wait_for_url("**zip=77040**", timeout=30_000)
    page.go_back()  # one press more leaves the finder
    page.wait_for_url("**/Glossary", timeout=30_000)
    page.get_by_role("heading", name="Glossary").first.wait_for(timeout=60_000)


def test_typing_a_place_and_picking_a_distance_search_from_the_search_bar(server: str, page: Page) -> None:
    page.goto(f"{server}/?services=evening")
    wait_for_results(page)
    box = page.get_by_label("ZIP code or place")
    box.fill("houston")
    box.press("Enter")
    page.wait_for_url("**zip=houston**", timeout=30_000)
    page.wait_for_function("() => document.querySelector('.cf-card .cf-distance')", timeout=30_000)
    assert card_ids(page)[0] == "symetria-recovery-houston"
    distance = page.get_by_label("Distance")
    assert distance.input_value() == "25"
    distance.select_option("5")
    page.wait_for_url("**radius=5**", timeout=30_000)
    expect(box).to_have_value("houston")  # the rerun keeps what the person typed
    page.get_by_text("Español", exact=True).first.click(trial=True, timeout=10_000)  # not under the header
    # Enter and Search are tap targets for a thumb.
    for button in (page.get_by_role("button", name="Search", exact=True),
                   page.get_by_role("button", name="Use my location")):
        height = (button.bounding_box() or {}).get("height", 0)
        assert height >= 44, height


def test_use_my_location_searches_from_where_the_browser_is(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, geolocation={"latitude": 29.8744,
                                  "longitude": -95.5278}, permissions=["geolocation"])
    page = context.new_page()
    try:
        page.goto(f"{server}/?services=evening&unknown=0")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Use my location").click()
        page.get_by_text("Searching near your current location").wait_for(timeout=30_000)
        page.wait_for_function("() => document.querySelector('.cf-card .cf-distance')", timeout=30_000)
        assert card_ids(page)[0] == "symetria-recovery-houston"
        # The button keeps the keyboard's focus through the search (a disabled button dropped it to the body).
        assert page.evaluate("() => document.activeElement.classList.contains('cf-search-locate')")
        # The position is never put in the address.
        assert "zip" not in parse_qs(urlparse(page.url).query)
    finally:
        context.close()


def test_show_more_adds_the_next_twenty_cards_below_the_first_and_focuses_the_first_new_one(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=60613&unknown=0")
    wait_for_results(page)
    first = card_ids(page)
    assert len(first) == 20
    more = page.get_by_role("button", name="Show 20 more", exact=True)
    assert more.bounding_box()["height"] >= 44  # type: ignore[index]
    page.locator(CARD).first.get_by_text("More about this clinic").click()
    more.focus()
    page.keyboard.press("Enter")  # as a keyboard user: the focus goes to the first new card, where reading goes on
    page.wait_for_function("() => document.querySelectorAll('[data-part=\"result\"] .cf-card').length === 40",
                           timeout=30_000)
    ids = card_ids(page)
    assert ids[:20] == first
    assert page.evaluate("() => document.activeElement.id") == f"clinic-{ids[20]}"
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Tab")  # the next stop is that card's own first link, not the list's end
    assert page.evaluate("() => document.activeElement.closest('.cf-card').id") == f"clinic-{ids[20]}"
    assert page.locator(CARD).first.locator("details").evaluate("d => d.open")  # what the person opened stays
    more.click()  # and a click
    page.wait_for_function("() => document.querySelectorAll('[data-part=\"result\"] .cf-card').length === 60",
                           timeout=30_000)
    assert page.evaluate("() => document.activeElement.id") == f"clinic-{card_ids(page)[40]}"


def test_explainer_search_link_returns_to_the_same_search(server: str, page: Page) -> None:
    page.goto(f"{server}/?zip=77040&services=evening")
    wait_for_results(page)
    page.get_by_text("Filters", exact=False).first.click()
    glossary = page.get_by_role("link", name="Evening groups").first
    href = glossary.get_attribute("href") or ""
    assert href.startswith("/Glossary?") and "zip=77040" in href and href.endswith("#evening-groups")
    glossary.click()
    try:
        page.wait_for_url("**/Glossary?**", timeout=10_000)
    except PlaywrightTimeoutError:
        # On a busy CI machine the first click was lost twice in about ten runs (the page stayed, the link in
        # it; never when run alone, nor under CPU burners). The cause is not known: it is not a second script
        # run (the finder's first load has one). A person would click again; so does the test, once.
        glossary.click()
        page.wait_for_url("**/Glossary?**", timeout=30_000)
    page.locator("[id='evening-groups']").wait_for(timeout=30_000)
    page.get_by_role("link", name="Search for a program near you →").click()
    page.wait_for_url("**zip=77040**", timeout=30_000)
    page.locator(CARDS).first.wait_for(timeout=60_000)
    expect(page.get_by_label("ZIP code or place")).to_have_value("77040", timeout=30_000)
    assert parse_qs(urlparse(page.url).query)["services"] == ["evening"]


def test_download_is_the_current_results_with_formulas_neutralised(server: str, page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/?zip=60613&services=evening")
    wait_for_results(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download these results (CSV)").click()
    assert download.value.suggested_filename == "iop-programs.csv"
    path = tmp_path / "results.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["ID"] for r in rows][: len(card_ids(page))] == card_ids(page)
    assert rows[0]["ID"] == "symetria-recovery-chicago" and float(rows[0]["Distance (miles)"]) == 0.0
    # Nothing in the shipped notes starts with = + - @, so check the rule on every cell a spreadsheet reads.
    assert not any(value.startswith(("=", "+", "@")) for row in rows for value in row.values())


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
    frame.locator(MARKERS).first.wait_for(timeout=60_000)
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
    page.screenshot(path=str(ARTIFACTS / "finder-77040-offline-tiles.png"))
    assert blocked and all(host.endswith("tile.openstreetmap.org") for host in blocked), blocked
