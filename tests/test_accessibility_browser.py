"""Accessibility in a real browser: axe-core finds no WCAG violation on any page (of any impact), and a
keyboard alone reaches the search, the filters, the results and their call links, in that order; a collapsed
sidebar takes no Tab stop; a screen reader hears a new count, moves card to card by heading, and hears the map's
name and what each group of clinics on it is, in the page's language.

axe-core is vendored under tests/vendor/ (see its PROVENANCE.md) and injected into each page.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page

from clinic_finder import accounts, auth
from tests.browser import ARTIFACTS, ROOT, browser_page, streamlit_server

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
CARDS = '[data-part="result"] .cf-card, [data-part="maybe"] .cf-card'
# What each page shows when it has finished drawing.
PAGES = [
    ("finder with results", "/?zip=77040&services=evening,buprenorphine&payment=medicaid", CARDS),
    ("finder, first visit", "/", CARDS),
    ("explainer page", "/What_is_an_IOP", "[id='sources']"),
    ("medications page", "/Medications_and_mental_health", "[id='sources']"),
    ("glossary", "/Glossary", "[id='sources']"),
    ("IOP or residential page", "/IOP_or_residential", "[id='sources']"),
    ("staff sign-in", "/Staff", "[data-testid='stTextInput']"),
    ("suggest a correction", "/Suggest_a_correction?clinic=symetria-recovery-chicago", "[data-testid='stTextArea']"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("data")
    data = folder / "clinics.csv"
    shutil.copyfile(ROOT / "data" / "clinics.csv", data)
    # One account, so the Staff page shows its sign-in form (with none, it says how to switch editing on).
    accounts_file = folder / "accounts" / "accounts.json"
    accounts.add_account(accounts_file, "ann", "maintainer", auth.hash_password("a password for the axe test"))
    env = {"CLINIC_FINDER_TILES": "none", "CLINIC_FINDER_DATA": str(data),
           "CLINIC_FINDER_ACCOUNTS": str(accounts_file)}
    with streamlit_server("app.py", env) as base:
        yield base


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )


def assert_no_axe_violation(browser: Browser, url: str, ready: Callable[[Page], Locator], width: int,
                            shot: str) -> None:
    """Open `url` at `width` px, wait for `ready(page)`, and assert axe-core finds no violation, minor ones
    included (a screenshot `axe-{shot}-{width}.png` in the artifacts when it does)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(url)
        ready(page).first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)  # let late elements (the map frame, icons) settle
        violations = axe_violations(page)
        if violations:
            page.screenshot(path=str(ARTIFACTS / f"axe-{shot}-{width}.png"))
        assert violations == [], violations
    finally:
        context.close()


@pytest.mark.parametrize(("name", "path", "ready"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("width", [1366, 390])
def test_no_axe_violation(server: str, browser: Browser, name: str, path: str, ready: str,
                                              width: int) -> None:
    assert_no_axe_violation(browser, server + path, lambda page: page.locator(ready), width, name.replace(" ", "-"))


@pytest.mark.parametrize("width", [1366, 390])
def test_no_axe_violation_on_staff_before_any_account(browser: Browser, width: int) -> None:
    """Before any account exists, the Staff page tells the maintainer how to make one, with commands to copy: a
    fresh deployment's first sight of it (highlighted shell code had 2.8:1 contrast there)."""
    env = {"CLINIC_FINDER_TILES": "none"}  # the accounts file of this test (tests/conftest.py): none there yet
    with streamlit_server("app.py", env) as base:
        assert_no_axe_violation(
            browser, f"{base}/Staff",
            lambda page: page.get_by_text("python -m clinic_finder user add ann --role maintainer"), width,
            "staff-before-any-account",
        )


def test_keyboard_alone_reaches_search_filters_results_and_call_links_in_order(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server}/?zip=60613&services=evening")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        page.get_by_label("ZIP code or place").focus()
        reached: list[str] = []
        for _ in range(80):
            page.keyboard.press("Tab")
            reached.append(page.evaluate(
                """() => {
                    const e = document.activeElement;
                    if (!e) return '';
                    if (e.closest('details.cf-filters') && e.tagName === 'SUMMARY')
                        return 'filters';
                    if (e.classList.contains('cf-call')) return 'call';
                    if (e.closest('.cf-card')) return 'card';
                    if (e.closest('form.cf-search')) return 'form';
                    return e.tagName.toLowerCase();
                }"""
            ))
            if reached.count("call") >= 2:
                break
        assert "filters" in reached and "call" in reached, reached
        assert reached.index("filters") < reached.index("call"), reached  # a card starts with its call link
        # The focused call link is visibly marked (not only by colour).
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), outline
    finally:
        context.close()


def test_a_collapsed_sidebar_takes_no_tab_stop_on_a_phone(server: str, browser: Browser) -> None:
    """At 390 px the sidebar starts collapsed, off the screen: its 15 links took Tabs 2-16 with nothing visible
    focused. Now Tab goes skip link, "Expand sidebar", then the page; opened, the menu is reachable."""
    with browser_page(browser, 390, 844, phone=True) as page:
        page.goto(f"{server}/?zip=60613&services=evening")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        in_sidebar = []
        for _ in range(8):
            page.keyboard.press("Tab")
            in_sidebar.append(page.evaluate("() => !!document.activeElement.closest('[data-testid=\"stSidebar\"]')"))
        assert not any(in_sidebar), in_sidebar
        page.get_by_role("button", name="Expand sidebar").click()
        menu = page.locator("[data-testid='stSidebar']").get_by_role("link", name="What is an IOP?")
        menu.wait_for(timeout=10_000)
        menu.focus()
        assert page.evaluate("() => !!document.activeElement.closest('[data-testid=\"stSidebar\"]')")


def test_a_new_count_is_announced_and_each_card_is_a_heading(server: str, browser: Browser) -> None:
    with browser_page(browser, 1366, 900) as page:
        page.goto(f"{server}/?zip=60613&unknown=0")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        # A screen reader moves from card to card by heading: one h3 per card, named by the clinic.
        titles = page.locator(".cf-card > h3.cf-title")
        assert titles.count() == page.locator(CARDS).count() > 0
        live = page.locator(".st-key-headline [role='status']")
        before = live.inner_text()
        assert before.startswith("150 programs"), before
        page.get_by_text("Filters · 1 on").click()
        page.get_by_role("checkbox", name="Evening groups", exact=True).click()
        page.wait_for_function(
            "before => { const r = document.querySelector(\".st-key-headline [role='status']\");"
            " return r && r.innerText !== before; }", arg=before, timeout=30_000)
        assert page.locator(".st-key-headline [role='status'] h2").inner_text() != before.splitlines()[0]


def test_the_map_is_named_in_the_pages_language(server: str, browser: Browser) -> None:
    with browser_page(browser, 1366, 900) as page:
        page.goto(f"{server}/?zip=60613&lang=es")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        frame = page.locator("iframe[title='streamlit_folium.st_folium']")
        page.wait_for_function("() => { const f = document.querySelector(\"iframe[title='streamlit_folium.st_folium']\");"
                               " return f && f.getAttribute('aria-label'); }", timeout=60_000)
        assert frame.get_attribute("aria-label") == "Mapa de los programas de la lista"
        inside = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
        assert inside.locator("html").get_attribute("lang") == "es"
        assert inside.locator(".leaflet-container").get_attribute("role") == "region"
        assert inside.locator(".leaflet-container").get_attribute("aria-label", timeout=10_000).startswith("Mapa:")


@pytest.mark.parametrize(("lang", "words"), [("en", "programs here: press to zoom in"),
                                             ("es", "programas aquí: pulse para acercar el mapa")])
def test_a_group_of_clinics_on_the_map_says_what_it_is(server: str, browser: Browser, lang: str, words: str) -> None:
    """Markercluster's group icons show a count alone ("12"): each is named with its count, what it is and what
    pressing it does, in the page's language, and pressing Enter on it zooms the map in."""
    with browser_page(browser, 1366, 900) as page:
        page.goto(f"{server}/?zip=60613&radius=100&lang={lang}")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        inside = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
        groups = inside.locator(".marker-cluster")
        groups.first.wait_for(timeout=60_000)
        named = groups.evaluate_all("(icons) => icons.map((icon) => [icon.innerText.trim(), icon.getAttribute('role'),"
                                    " icon.getAttribute('aria-label')])")
        assert named and all(role == "button" for _, role, _ in named), named
        assert all(label == f"{count} {words}" for count, _, label in named), named
        frame = page.locator("iframe[title='streamlit_folium.st_folium']").element_handle().content_frame()
        before = frame.evaluate("() => window.map.getZoom()")  # streamlit-folium's name for the frame's map
        groups.first.focus()
        page.keyboard.press("Enter")
        frame.wait_for_function("(before) => window.map.getZoom() > before", arg=before, timeout=10_000)


def test_the_list_can_be_skipped_to_reach_the_map(server: str, browser: Browser) -> None:
    """The map comes after every card for the keyboard (the list is its text alternative): a link that shows when
    focused takes the focus straight to the map's frame."""
    with browser_page(browser, 1366, 900) as page:
        page.goto(f"{server}/?zip=60613&services=evening")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        skip = page.get_by_role("link", name="Skip the list, to the map")
        assert skip.bounding_box()["x"] < 0  # type: ignore[index]  # out of sight until the keyboard reaches it
        page.get_by_text("Filters · 1 on").focus()
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.classList.contains('cf-skip')"):
                break
        assert page.evaluate("() => document.activeElement.classList.contains('cf-skip')")
        assert skip.bounding_box()["x"] > 0  # type: ignore[index]
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.title") == "streamlit_folium.st_folium"


def test_choosing_a_place_leaves_the_focus_on_the_new_answer(server: str, browser: Browser) -> None:
    """"Arlington" is in both states: the page asks which one with buttons that go away once one is chosen, and
    the focus fell to the page's body. It goes to the new answer's heading."""
    with browser_page(browser, 1366, 900) as page:
        page.goto(f"{server}/?zip=Arlington")
        choice = page.get_by_role("button", name="Arlington, TX")
        choice.wait_for(timeout=60_000)
        choice.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement && document.activeElement.matches('h2.cf-headline')",
                               timeout=30_000)
        assert "Arlington, TX" in page.locator(".st-key-headline [role='status']").inner_text()
