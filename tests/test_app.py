"""The finder page through AppTest, driven by widget keys: search, filters, answers first, who the care is for,
place names, the URL, the map, the download."""

from __future__ import annotations

import contextlib
import csv
import gc
import html
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import attendance, finder, geo, mapview
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from clinic_finder.i18n import set_language
from tests.page_html import heading, html_bodies
from views import common
from views import finder as finder_view

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CARD = re.compile(r'<div class="cf-card" id="clinic-([a-z0-9-]+)"')


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, clinics_csv: Path) -> AppTest:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_with(at: AppTest, **query: str) -> AppTest:
    at.query_params.update(query)
    return run(at)


def search_bar(at: AppTest) -> dict:
    """What the search bar shows: its place, its distance ("25", "any"), its labels and distance choices."""
    bars = [c for c in at.get("bidi_component") if c.proto.component_name == "iop_finder.search"]
    assert len(bars) == 1, bars
    return json.loads(bars[0].proto.json)


def type_place(at: AppTest, place: str) -> None:
    """A place typed in the search bar, as its callback leaves it (the callback: views.finder._searched;
    the browser path: tests/test_browser.py)."""
    at.session_state["location"] = place


def filters(at: AppTest) -> dict:
    """What the filter panel shows: its summary, groups and labels, and what is ticked (`selected`)."""
    panels = [c for c in at.get("bidi_component") if c.proto.component_name == "iop_finder.filters"]
    assert len(panels) == 1, panels
    return json.loads(panels[0].proto.json)


def set_filters(at: AppTest, **values: object) -> None:
    """Boxes ticked in the filter panel, as its callback leaves them (the callback: views.finder._filtered,
    which checks them with finder.typed_filters; the browser path: tests/test_browser.py)."""
    for name, value in values.items():
        at.session_state[name] = value


def more_button(at: AppTest, part: str) -> str | None:
    """The label of "Show N more" under one part of the list (a button in the list's HTML), or None."""
    found = [html.unescape(label) for body in html_bodies(at)
             for label in re.findall(rf'<button [^>]*data-action="more:{part}"[^>]*>([^<]*)</button>', body)]
    assert len(found) <= 1, found
    return found[0] if found else None


def show_more(at: AppTest, part: str) -> None:
    """A click on "Show N more", as its callback leaves it (views.finder._show_more; the browser path:
    tests/test_browser.py)."""
    at.session_state[f"shown_{part}"] = at.session_state[f"shown_{part}"] + finder.PAGE_SIZE \
        if f"shown_{part}" in at.session_state else 2 * finder.PAGE_SIZE


def part_html(body: str, part: str) -> str:
    """What is inside `<div data-part="{part}">` in `body` (its cards), or ""; the list holds all its parts."""
    start = body.find(f'<div data-part="{part}">')
    if start < 0:
        return ""
    start += len(f'<div data-part="{part}">')
    depth = 1
    for tag in re.finditer(r"<(/?)div\b", body[start:]):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return body[start:start + tag.start()]
    raise AssertionError(f"part {part} is not closed")


def html_of(at: AppTest, part: str) -> list[str]:
    """The HTML of each card of one part of the list ("result", "maybe", "video"), in order."""
    inside = [part_html(body, part) for body in html_bodies(at)]
    return ['<div class="cf-card"' + piece for body in inside for piece in body.split('<div class="cf-card"')[1:]]


def cards(at: AppTest) -> list[str]:
    """Clinic ids of the cards in the list, in order (the "selected on the map" copies are not counted)."""
    ids = []
    for body in html_bodies(at):
        if "cf-desktop-only" in body or "cf-phone-only" in body:
            continue
        ids += CARD.findall(body)
    return ids


def sections(at: AppTest) -> list[str]:
    """The section headings of the list, in order (state names without a location; "Might match", ...)."""
    found = []
    for h in html_bodies(at):
        if "cf-desktop-only" in h or "cf-phone-only" in h:
            continue
        found += [re.sub("<[^>]+>", "", m) for m in re.findall(r'<h3 class="cf-section">.*?</h3>', h)]
    return found


def card_html(at: AppTest, clinic_id: str) -> str:
    return next(h for h in html_bodies(at) if f'id="clinic-{clinic_id}"' in h)


def headline(at: AppTest) -> str:
    return heading(at, "h2")


def query(at: AppTest, key: str) -> str | None:
    if key not in at.query_params:
        return None
    value = at.query_params[key]
    return value if isinstance(value, str) else value[-1]


def map_args(at: AppTest) -> dict:
    [element] = [e for e in at.get("component_instance") if e.proto.component_name == "streamlit_folium.st_folium"]
    return json.loads(element.proto.json_args)


def map_ids(at: AppTest) -> list[str]:
    packed = re.search(r'var packed = "([^"]*)";', map_args(at)["feature_group"])
    assert packed, "the clinic layer's data is missing"
    return [clinic["id"] for clinic in mapview.unpack_clinics(packed.group(1))]


# ---- first view and searching ----


def test_first_visit_lists_every_place_by_state_with_the_crisis_lines(app: AppTest) -> None:
    run(app)
    assert headline(app) == "550 programs"  # 554 rows, four places listed twice shown once
    crisis = next(body for body in html_bodies(app) if "cf-crisis" in body)
    assert "Need help right now?" in crisis and 'href="tel:988"' in crisis
    assert sections(app)[0] == "Illinois"
    assert len(cards(app)) == 20
    assert more_button(app, "result") == "Show 20 more"


def test_zip_search_with_a_filter_lists_nearest_first(app: AppTest) -> None:
    run(app)
    type_place(app, "60613")
    set_filters(app, needs=["evening"])
    run(app)
    assert cards(app)[:2] == ["symetria-recovery-chicago", "symetria-recovery-des-plaines"]
    assert headline(app).startswith("4 confirmed · ")  # 25 miles: four Symetria sites
    assert query(app, "zip") == "60613" and query(app, "services") == "evening"


def page_nodes(at: AppTest) -> list[str]:
    """The kind of every element and container of the page (under its main area and sidebar), in page order."""
    def walk(node) -> Iterator[str]:  # type: ignore[no-untyped-def]
        for child in (getattr(node, "children", None) or {}).values():
            yield str(child.type)
            yield from walk(child)
    return [kind for root in at._tree.children.values() for kind in walk(root)]


def test_the_first_screen_is_few_elements_of_few_kinds(app: AppTest) -> None:
    """A visitor's browser loads the code of each kind of element the first time it meets one, and draws the
    elements one after another while the map waits (make bench): the finder's first screen is the app's own
    elements (one kind, views.components) and the map, in at most 13 elements and containers (31, then 18, before
    they were merged; a change that adds one is worth a bench run). The list is one element, with its "Show more"
    buttons, however many parts it has."""
    open_with(app, zip="60613", services="evening")
    nodes = page_nodes(app)
    elements = {kind for kind in nodes if kind not in ("flex_container", "column")}
    assert elements == {"bidi_component", "component_instance"}, nodes
    assert len(nodes) <= 13, nodes
    assert more_button(app, "maybe") and sections(app)  # two parts, a button: still one element
    lists = [c for c in app.get("bidi_component") if '<div data-part="' in c.proto.bytes.decode("utf-8", "replace")]
    assert len(lists) == 1, [c.key for c in lists]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("more:result", {"shown_result": 40}),
        ("more:maybe", {"shown_maybe": 40}),
        ("more:video", {"shown_video": 40}),
        ("more:everything", {}),  # what a page could send but the list has not: ignored
        ("more:", {}),
        ("result", {}),
        (["more:result"], {}),
        (None, {}),
        (7, {}),
    ],
)
def test_a_button_in_the_list_shows_more_of_its_own_part_only(
    monkeypatch: pytest.MonkeyPatch, sent: object, shown: dict[str, int]
) -> None:
    """What the list's element sends is the visitor's browser speaking: checked like a link (views.finder)."""
    state: dict[str, object] = {}
    monkeypatch.setattr(finder_view.st, "session_state", state)
    finder_view._list_action(sent)
    assert state == shown


def test_the_stylesheet_cannot_end_its_style_element() -> None:
    """The stylesheet goes into the page inside a <style> element, as is: no "<" in it (no "</style>"). Also,
    st.html's DOMPurify drops a <style> whose text has one: a comment once did, and every page lost its contrast
    fixes (the axe-core browser tests caught it)."""
    assert "<" not in common.STYLESHEET.read_text(encoding="utf-8")


def test_the_filter_panel_offers_every_filter_and_shows_the_search(app: AppTest) -> None:
    open_with(app, zip="60613", services="evening,vivitrol", payment="medicaid", age="17-", unknown="0")
    panel = filters(app)
    assert panel["summary"] == "Filters · 5 on"
    needs, pay = panel["groups"]
    assert [o["value"] for o in needs["options"]] == list(finder.SERVICE_FILTERS) and needs["multiple"]
    assert [o["value"] for o in pay["options"]] == list(finder.PAYMENT_FILTERS)
    assert {"value": "evening", "label": "Evening groups"} in needs["options"]
    age, gender, substance = panel["who"]["groups"]
    assert not age["multiple"] and age["options"][0] == {"value": "", "label": "Any"}  # the way back to no answer
    assert gender["legend"] == "Gender" and [o["value"] for o in gender["options"][1:]] == [
        c.value for c in attendance.GENDER_CHOICES]
    assert [o["value"] for o in substance["options"][1:]] == [c.value for c in attendance.SUBSTANCE_CHOICES]
    assert panel["selected"] == {"needs": ["evening", "vivitrol"], "pay": ["medicaid"], "age": "17-",
                                 "gender": None, "substance": None, "confirmed_only": True}
    # "What is this?" for each filter that is on: the glossary entry, in the same search.
    assert panel["links"]["intro"] == "What is this?"
    href, text = panel["links"]["items"][0]
    assert text == "Evening groups" and href.startswith("/Glossary?") and href.endswith("#evening-groups")
    assert "zip=60613" in href and "services=evening%2Cvivitrol" in href
    # The filters that are on, as one line under the fold (the panel writes it as text, not HTML).
    assert panel["active"] == " · ".join([*(finder.filter_label(n) for n in ("evening", "vivitrol", "medicaid")),
                                          "Age: 17 or younger", "Confirmed only"])
    assert panel["summary"].endswith(f"{len(panel['active'].split(' · '))} on")  # the count, spelled out
    set_filters(app, needs=[], pay=[], age=None, confirmed_only=False)
    run(app)
    assert filters(app)["summary"] == "Filters: what you need, paying, who it is for"
    assert filters(app)["active"] == ""
    assert filters(app)["links"] == {"intro": "", "items": [["/Glossary?zip=60613", "What do these words mean?"]]}


def test_answers_first_might_match_clinics_show_on_the_first_view(app: AppTest) -> None:
    """Houston 77040 + evening + buprenorphine + Medicaid: nobody confirms all three, so the page says so and
    lists the programs that might, clearly marked, instead of an empty page."""
    open_with(app, zip="77040", services="evening,buprenorphine", payment="medicaid")
    assert re.fullmatch(r"0 confirmed · \d+ more might match — call to ask", headline(app))
    assert "Might match — call to confirm" in sections(app)
    maybe = html_of(app, "maybe")
    assert len(maybe) >= 7
    assert all("Might match — call to confirm:" in body for body in maybe)
    # The person can still narrow to confirmed programs only, and the link keeps that choice.
    set_filters(app, confirmed_only=True)
    run(app)
    assert cards(app) == [] and query(app, "unknown") == "0"
    assert "switch off “Confirmed only”" in app.info[0].value


def test_confirmed_come_first_then_might_match(app: AppTest) -> None:
    open_with(app, zip="60613", services="evening", radius="10")
    assert cards(app)[0] == "symetria-recovery-chicago"
    confirmed = html_of(app, "result")
    assert len(confirmed) == 1 and "Might match" not in confirmed[0]
    assert sections(app) == ["Might match — call to confirm"]
    assert len(html_of(app, "maybe")) >= 20


def test_medications_and_payment_filters_combine_with_and(app: AppTest) -> None:
    open_with(app, zip="77040", services="medications", payment="private_insurance", unknown="0")
    houston = card_html(app, "symetria-recovery-houston")
    assert "✓</span> Medications (any)" in houston and "✓</span> Private insurance" in houston
    for body in html_of(app, "result"):
        assert "cf-badge cf-no" not in body.split('class="cf-more"')[0]  # no "no" among what they asked for


# ---- who the care is for ----


def test_who_the_care_is_for_leaves_out_programs_that_would_turn_the_person_away(app: AppTest,
                                                                                 clinics_csv: Path) -> None:
    open_with(app, zip="60612", radius="5", unknown="0")
    everyone = cards(app)
    set_filters(app, gender="man", age="17-", substance="alcohol")
    run(app)
    for_him = cards(app)
    assert for_him and for_him != everyone
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    rows = clinics.set_index("id")
    for clinic_id in for_him:
        row = rows.loc[clinic_id]
        assert row["accepts_men"] != "no" and row["age_17_or_younger"] != "no"
        assert row["treats_alcohol_use"] != "no" and row["opioid_use_only"] != "yes"
    assert "left out because they do not serve the person you described" in " ".join(html_bodies(app))
    assert filters(app)["selected"]["gender"] == "man" and filters(app)["selected"]["age"] == "17-"
    assert (query(app, "gender"), query(app, "age"), query(app, "for")) == ("man", "17-", "alcohol")


def test_cards_state_attendance_limits_and_where_the_row_comes_from(app: AppTest) -> None:
    open_with(app, zip="60612", radius="5")
    jesse = card_html(app, "jesse-brown-va-medical-center-addiction-treatment-program-atp")
    assert '<p class="cf-limits">Ages 18 and over</p>' in jesse
    assert "Not yet checked by phone: call to confirm." in jesse
    assert "SAMHSA National Directory of Substance Use Treatment Facilities 2023 (2023-06-29)" in jesse
    assert "Listed twice in the directory, also as: Jesse Brown Addiction Programs — Drug Dependency Trt Center" in jesse
    assert "<summary>More about this clinic</summary>" in jesse
    assert "/Suggest_a_correction?radius=5&amp;zip=60612&amp;clinic=jesse-brown" in jesse


# ---- place names ----


@pytest.mark.parametrize(
    ("typed", "first", "near"),
    [("Austin", "TX", "Austin, TX"), ("houston", "TX", "Houston, TX"), ("Austin, Texas", "TX", "Austin, TX"),
     ("Peoria", "IL", "Peoria, IL"), ("60613-1234", "IL", "60613 (Chicago, IL)"),
     ("Springfield", "IL", "Springfield, IL"), ("Chicago, IL 60613", "IL", "60613 (Chicago, IL)")],
)
def test_every_place_name_searches(app: AppTest, typed: str, first: str, near: str) -> None:
    """...and says which place it understood, under the headline: "Springfield" alone is Springfield, IL."""
    open_with(app, zip=typed)
    assert not app.warning, [w.value for w in app.warning]
    assert cards(app), typed
    assert f", {first} " in card_html(app, cards(app)[0])
    [block] = [body for body in html_bodies(app) if 'class="cf-headline"' in body]
    assert f'<p class="cf-caption">{html.escape(f"Near {near}, within 25 miles.")}</p>' in block


def test_a_place_outside_illinois_and_texas_says_what_the_finder_covers(app: AppTest) -> None:
    open_with(app, zip="10001")
    [note] = [i.value for i in app.info if "Illinois and Texas" in i.value]
    assert "We list programs in Illinois and Texas" in note
    assert "tel:+18006624357" in note and "FindTreatment.gov" in note
    assert headline(app) == "0 programs"
    # Not "choose a wider distance": that leads to programs 700 miles away.
    assert not [i.value for i in app.info if "wider distance" in i.value]


@pytest.mark.parametrize(("here", "outside"), [((39.7392, -104.9903), True), ((41.9543, -87.6575), False)])
def test_my_location_outside_illinois_and_texas_says_what_the_finder_covers(
    app: AppTest, here: tuple[float, float], outside: bool
) -> None:
    """Denver by "Use my location" gets what typing "Denver" gets, without naming a state it could only guess."""
    app.session_state["here"] = here
    open_with(app)
    notes = [i.value for i in app.info if "We list programs in Illinois and Texas" in i.value]
    assert bool(notes) == outside
    if outside:
        assert "your location is outside them" in notes[0] and "FindTreatment.gov" in notes[0]
        assert headline(app) == "0 programs"
        assert not [i.value for i in app.info if "wider distance" in i.value]


def test_an_ambiguous_city_asks_which_one(app: AppTest) -> None:
    open_with(app, zip="Arlington")
    assert "Which one did you mean" in app.warning[0].value
    choices = [b for b in app.button if b.key and b.key.startswith("place-")]
    assert {"Arlington, TX", "Arlington, IL"} <= {b.label for b in choices}
    assert not cards(app)  # nothing is searched until the person says which
    next(b for b in choices if b.label == "Arlington, TX").click()
    run(app)
    assert search_bar(app)["location"] == "Arlington, TX"
    assert cards(app) and ", TX " in card_html(app, cards(app)[0])


@pytest.mark.parametrize(
    ("typed", "message"),
    [("00000", "is not a US ZIP code we know"), ("6061", "is not a ZIP code"), ("M5V 3L9", "Canadian postal code")],
)
def test_bad_location_gets_a_specific_message(app: AppTest, typed: str, message: str) -> None:
    open_with(app, zip=typed)
    assert message in app.warning[0].value.replace("\\", "")


# ---- the page address ----


def newcomer_links(at: AppTest) -> list[str]:
    """The "New to IOP?" facts' links, in the page (for phones) and in the sidebar: every one of them."""
    return [html.unescape(href) for body in html_bodies(at)
            for panel in re.findall(r'<ul class="cf-newcomer-facts">.*?</ul>', body)
            for href in re.findall(r'href="([^"]*)"', panel)]


def test_new_to_iop_links_carry_the_search_as_it_is_now(app: AppTest) -> None:
    """An explainer's "Search for a program near you" goes back with the address it was opened with: the facts'
    links must carry the search, and the one this run answers, not the one before (they are drawn at the top)."""
    open_with(app, zip="77040", services="evening", lang="es")
    links = newcomer_links(app)
    assert len(links) == 10, links  # five in the page, five in the sidebar
    assert all("zip=77040" in url and "services=evening" in url and "lang=es" in url for url in links), links
    type_place(app, "Peoria")
    run(app)
    links = newcomer_links(app)
    assert all("zip=Peoria" in url and "services=evening" in url for url in links), links


def test_shared_url_restores_the_search(app: AppTest) -> None:
    open_with(app, zip="77040", services="evening,medications", payment="private_insurance", radius="50")
    assert search_bar(app)["location"] == "77040" and search_bar(app)["radius"] == "50"
    assert ["50", "Within 50 miles"] in search_bar(app)["radius_options"]
    assert filters(app)["selected"]["needs"] == ["evening", "medications"]
    assert filters(app)["selected"]["pay"] == ["private_insurance"]
    assert cards(app)[0] == "symetria-recovery-houston"


def test_old_links_with_unknown_1_still_work(app: AppTest) -> None:
    open_with(app, zip="60613", services="evening", unknown="1")
    assert not app.info and html_of(app, "maybe")


def test_two_visitors_using_their_location_each_get_their_own_results(monkeypatch: pytest.MonkeyPatch,
                                                                      clinics_csv: Path) -> None:
    """The result cache is shared by every visitor of a server process: a search from "my location" (no place in
    the address) must be keyed on that position, or the second visitor sees the first one's results and map."""
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    seen = {}
    for name, here in (("chicago", (41.9543, -87.6575)), ("waterloo", (38.3223, -90.1478))):
        visitor = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        visitor.session_state["here"] = here
        open_with(visitor)
        listed = cards(visitor)
        assert map_ids(visitor)[:len(listed)] == listed
        seen[name] = listed
    assert seen["waterloo"][0] == "human-support-services"  # the clinic at that point
    assert "human-support-services" not in seen["chicago"]  # 250 miles away: not within 25


def test_bad_url_parameters_are_ignored_with_a_note(app: AppTest) -> None:
    open_with(app, zip="60613", services="evening,yoga", radius="7", age="3")
    notes = [i.value for i in app.info]
    assert "Ignored the unknown need 'yoga' in the link." in notes
    assert any(n.startswith("Ignored the distance '7'") for n in notes)
    assert "Ignored age='3' in the link." in notes
    assert cards(app)[0] == "symetria-recovery-chicago"


@pytest.mark.parametrize(("lang", "spanish", "noted"), [("fr", False, True), ("ES", True, False), (" es ", True, False)])
def test_a_language_we_do_not_speak_is_noted_and_any_spelling_of_ours_is_taken(
        app: AppTest, lang: str, spanish: bool, noted: bool) -> None:
    open_with(app, zip="60613", lang=lang)
    notes = [i.value for i in app.info]
    assert ("Ignored lang='fr' in the link: this site speaks English (lang=en) · Español (lang=es)." in notes) is noted
    assert ("programas" in headline(app)) is spanish, headline(app)


# ---- the map ----


def test_map_gets_only_the_listed_clinics_and_only_local_assets(app: AppTest) -> None:
    open_with(app, zip="77040", radius="25", services="evening", unknown="0")
    assert map_ids(app) == cards(app) and "symetria-recovery-houston" in map_ids(app)
    args = map_args(app)
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("/app/static/"), link


def test_a_filter_change_keeps_the_same_map_and_swaps_only_the_layer(app: AppTest) -> None:
    """streamlit-folium keys its frame on the map script: the same script means the same frame."""
    open_with(app, zip="60613", radius="25", unknown="0")
    before, before_ids = map_args(app), map_ids(app)
    set_filters(app, needs=["evening"])
    run(app)
    after = map_args(app)
    assert after["script"] == before["script"]
    assert after["feature_group"] != before["feature_group"]
    assert set(map_ids(app)) < set(before_ids) and map_ids(app) == cards(app)


def test_show_more_pages_through_the_list(app: AppTest) -> None:
    run(app)
    show_more(app, "result")
    run(app)
    assert len(cards(app)) == 40


def test_virtual_lists_video_programs_anywhere_in_the_state(app: AppTest) -> None:
    open_with(app, zip="79901", radius="25", services="virtual")  # El Paso: few programs nearby
    assert "By video anywhere in Texas" in sections(app)
    video = html_of(app, "video")
    assert video and all(", TX " in body for body in video)
    assert any("licensed there" in body for body in html_bodies(app) if "data-part=\"video\"" in body)


# ---- fresh data ----


def test_invalid_file_on_disk_keeps_serving_the_last_valid_list(app: AppTest, clinics_csv: Path) -> None:
    open_with(app, zip="60613", services="evening", radius="10", unknown="0")
    shutil.copyfile(DATA / "017-many-problems-in-one-row.csv", clinics_csv)
    run(app)
    assert cards(app) == ["symetria-recovery-chicago"]
    assert any("being updated" in c.value for c in app.caption)
    assert not any("row 4" in m.value for m in app.markdown)  # staff details stay on the staff page


def test_staff_edit_on_disk_shows_on_the_next_interaction(app: AppTest, clinics_csv: Path) -> None:
    open_with(app, zip="60613", services="evening", radius="10", unknown="0")
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    # Staff learn that another Chicago clinic runs evening groups and say so in the file.
    other = clinics.index[(clinics["zip"] == "60613") & (clinics["name"] != "Symetria Recovery")][0]
    clinics.loc[other, "evening"] = "yes"
    clinics_csv.write_bytes(clinics_to_csv_bytes(clinics))
    run(app)
    assert cards(app) == ["symetria-recovery-chicago", clinics.loc[other, "id"]] or len(cards(app)) == 2


def download(at: AppTest) -> dict:
    """What the results' download button holds: its label, file name, type, and the file when it sends one."""
    [button] = [c for c in at.get("bidi_component") if c.proto.component_name == "iop_finder.download"]
    return json.loads(button.proto.json)


def test_download_is_made_only_on_click_and_sent_once(app: AppTest) -> None:
    """The CSV is made and sent when someone clicks (tests/test_browser.py saves it), not on every page view, and
    only in the run that answers the click."""
    open_with(app, zip="60613", services="evening")
    assert download(app) == {"label": "Download these results (CSV)", "file_name": "iop-programs.csv",
                             "mime": "text/csv;charset=utf-8",
                             "caption": "Every program on the map is also in the list."}
    app.session_state["download__token"] = "a-click"  # as the button's callback leaves it (views.components)
    run(app)
    sent = download(app)["file"]
    assert sent["token"] == "a-click"
    rows = list(csv.DictReader(io.StringIO(sent["text"].removeprefix("\ufeff"))))
    assert sent["text"].startswith("\ufeff")  # the BOM, for Excel
    assert [row["ID"] for row in rows][: len(cards(app))] == cards(app)
    run(app)
    assert "file" not in download(app)  # a later run (a filter, a map click) does not send it again


def test_the_download_is_named_and_headed_in_the_visitors_language(app: AppTest) -> None:
    open_with(app, zip="60613", services="evening", lang="es")
    assert download(app)["file_name"] == "programas-iop.csv"
    assert download(app)["caption"] == "Todos los programas del mapa están también en la lista."
    app.session_state["download__token"] = "a-click"
    run(app)
    header = next(csv.reader(io.StringIO(download(app)["file"]["text"].removeprefix("\ufeff"))))
    assert "Distancia (millas)" in header and "Distance (miles)" not in header


def test_the_new_filters_work_from_a_shared_link(app: AppTest, clinics_csv: Path) -> None:
    """Free or low-cost care, sign language, transportation and people on medication from elsewhere: each
    card offers them (or might: marked, never a no)."""
    open_with(app, zip="60612", radius="50",
              services="sign_language,transportation,accepts_outside_medication", payment="low_cost")
    assert filters(app)["selected"]["needs"] == ["accepts_outside_medication", "sign_language", "transportation"]
    assert filters(app)["selected"]["pay"] == ["low_cost"]
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    rows = clinics.set_index("id")
    shown = cards(app)
    assert shown
    for clinic_id in shown:
        row = rows.loc[clinic_id]
        for column in ("sign_language", "transportation", "accepts_outside_medication"):
            assert row[column] != "no", (clinic_id, column)
        low_cost = [row[c] for c in ("free_care", "sliding_fee", "payment_assistance", "government_funding",
                                     "samhsa_funding")]
        assert "yes" in low_cost or "unknown" in low_cost, clinic_id


def test_what_the_server_loads_once_is_left_out_of_full_garbage_collections(app: AppTest) -> None:
    """Each full collection walked the place tables and the clinics, 0.1-0.3 s every dozen visitors (make bench);
    after the finder's first run they are frozen (gc.freeze), as everything loaded before them."""
    open_with(app, zip="60613")
    zips = geo._zip_index()
    index = finder_view.live_clinics(os.environ["CLINIC_FINDER_DATA"]).current().snapshot.index
    tracked = {id(o) for o in gc.get_objects()}
    assert gc.get_freeze_count() > len(zips)
    assert id(zips) not in tracked and id(index) not in tracked and id(index.clinics) not in tracked
    assert gc.is_tracked(zips) and gc.is_tracked(index.clinics)  # left out because frozen, not untracked


def test_a_new_server_process_says_it_is_loading_the_programs_once_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, clinics_csv: Path,
) -> None:
    """The first visitor of a new process waits for the clinics: they read "Loading the list of programs…" in their
    language (Streamlit's own cache spinner said "Running live_clinics(…)" in a code font, 90 KB more to fetch).
    Later runs show no spinner at all: even a fast one adds an element to the page."""
    said: list[str] = []

    @contextlib.contextmanager
    def spinner(text: str, *args: object, **kwargs: object) -> Iterator[None]:
        said.append(text)
        yield

    monkeypatch.setattr(finder_view.st, "spinner", spinner)
    monkeypatch.setattr(finder_view, "_LOADED", set())
    finder_view.live_clinics.clear()
    path = str(clinics_csv)
    first = finder_view.serving_clinics(path)
    assert finder_view.serving_clinics(path) is first
    assert said == ["Loading the list of programs…"]
    assert first.current().snapshot is not None
    set_language("es")
    try:
        monkeypatch.setattr(finder_view, "_LOADED", set())
        finder_view.serving_clinics(path)
    finally:
        set_language("en")
    assert said[-1] == "Cargando la lista de programas…"
