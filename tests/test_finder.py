"""The finder's plain functions: URL <-> search, counts, cards (escaped HTML), links, who the care is for,
the CSV download."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from clinic_finder import DEFAULT_CLINICS_CSV, attendance, finder
from clinic_finder.csvfile import clinics_frame, read_clinics_csv
from clinic_finder.finder import CardLinks, SearchState
from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS
from clinic_finder.search import SearchIndex, SearchResult

QUERIES = [
    # query, state, notes
    ({}, SearchState(), []),
    ({"zip": "60613", "services": "evening"}, SearchState("60613", services=("evening",)), []),
    (
        {"zip": "77040", "radius": "10", "services": "medications,evening", "payment": "medicaid", "unknown": "0"},
        SearchState("77040", 10, ("evening", "medications"), ("medicaid",), False),
        [],
    ),
    ({"radius": "any"}, SearchState(radius=None), []),
    ({"radius": "7"}, SearchState(), ["Ignored the distance '7' in the link (choose 5, 10, 25, 50, 100 or any); using 25 miles."]),
    ({"services": "evening,yoga,EVENING"}, SearchState(services=("evening",)), ["Ignored the unknown need 'yoga' in the link."]),
    ({"payment": "bitcoin"}, SearchState(), ["Ignored the unknown way to pay 'bitcoin' in the link."]),
    ({"unknown": "maybe"}, SearchState(), ["Ignored unknown='maybe' in the link (use 1 or 0)."]),
    ({"unknown": "1"}, SearchState(), []),  # links from before "answers first" still open the same search
    ({"utm_source": "x"}, SearchState(), ["Ignored 'utm\\_source' in the link."]),
    ({"lang": "es"}, SearchState(), []),  # the page's language is not part of the search
    ({"lang": "ES"}, SearchState(), []),
    ({"lang": "fr"}, SearchState(),
     ["Ignored lang='fr' in the link: this site speaks English (lang=en) · Español (lang=es)."]),
    ({"lang": "<b>x</b>"}, SearchState(),
     [r"Ignored lang='\<b\>x\<\/b\>' in the link: this site speaks English (lang=en) · Español (lang=es)."]),
    ({"zip": ["60601", "  60613  "]}, SearchState("60613"), []),
    ({"zip": "x" * 500}, SearchState("x" * 80), []),
    ({"age": "17-", "gender": "man", "for": "opioids"}, SearchState(age="17-", gender="man", substance="opioids"), []),
    ({"age": "3"}, SearchState(), ["Ignored age='3' in the link."]),
    ({"payment": "low_cost,medicaid"}, SearchState(payment=("medicaid", "low_cost")), []),
]


@pytest.mark.parametrize(("query", "state", "notes"), QUERIES)
def test_state_from_query(query: dict, state: SearchState, notes: list[str]) -> None:
    parsed = finder.state_from_query(query)
    assert parsed.state == state
    assert parsed.notes == notes


@pytest.mark.parametrize("state", [q[1] for q in QUERIES])
def test_query_round_trips(state: SearchState) -> None:
    assert finder.state_from_query(finder.query_from_state(state)).state == state


def test_query_is_short_and_canonical() -> None:
    assert finder.query_from_state(SearchState()) == {}
    assert finder.query_from_state(SearchState("60613", None, ("evening",), (), False, gender="woman")) == {
        "zip": "60613", "radius": "any", "services": "evening", "gender": "woman", "unknown": "0",
    }


# What a visitor puts in a link reaches a note only escaped for Markdown (no link, image or directive).
INJECTIONS = ["![x](https://tracker.example/p.png)", "[Call our helpline](https://evil.example/)",
              ":red[**big**]", "https://evil.example", "www.evil.example"]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize("parameter", ["radius", "services", "payment", "unknown", "age", "gender", "for", "x"])
def test_link_text_in_notes_is_escaped_for_markdown(parameter: str, payload: str) -> None:
    query = {payload: "1"} if parameter == "x" else {parameter: payload}
    notes = finder.state_from_query(query).notes
    assert notes
    for note in notes:
        assert "](" not in note and "![" not in note and ":red[" not in note and "www." not in note
        assert "https://" not in note


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [
        ({"location": "Austin", "radius": "25"}, ("Austin", 25)),
        ({"location": "  60613-1234 ", "radius": "any"}, ("60613-1234", None)),
        ({"location": "Cook\n\tCounty", "radius": "5"}, ("Cook County", 5)),
        ({"location": "x" * 500, "radius": "100"}, ("x" * finder.MAX_LOCATION_LENGTH, 100)),
        ({"location": "", "radius": "50"}, ("", 50)),
        ({"location": "Austin", "radius": "7"}, None),  # not a distance the form offers
        ({"location": "Austin", "radius": 25}, None),  # the form sends text
        ({"location": None, "radius": "25"}, None),
        ({"radius": "25"}, None),
        ("Austin", None),
        (None, None),
    ],
)
def test_what_the_search_bar_sends_is_checked_like_a_link(sent: object, wanted: tuple | None) -> None:
    assert finder.typed_search(sent) == wanted


NO_FILTERS = {"needs": [], "pay": [], "age": None, "gender": None, "substance": None, "confirmed_only": False}


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [
        ({}, NO_FILTERS),
        ({"needs": ["vivitrol", "evening"], "pay": ["medicaid"], "confirmed_only": True},
         {**NO_FILTERS, "needs": ["evening", "vivitrol"], "pay": ["medicaid"], "confirmed_only": True}),
        ({"needs": ["evening", "yoga", 3, ["evening"]], "pay": ["evening"]}, {**NO_FILTERS, "needs": ["evening"]}),
        ({"needs": "evening", "pay": "medicaid"}, NO_FILTERS),  # a string is not a list of names
        ({"age": "17-", "gender": "man", "substance": "alcohol"},
         {**NO_FILTERS, "age": "17-", "gender": "man", "substance": "alcohol"}),
        ({"age": "3", "gender": "", "substance": ["alcohol"]}, NO_FILTERS),
        ({"age": "alcohol", "substance": "17-"}, NO_FILTERS),  # an answer to another question
        ({"confirmed_only": "true"}, NO_FILTERS),  # only JSON true ticks it
        (None, None),
        (["evening"], None),
        ("needs=evening", None),
    ],
)
def test_what_the_filter_panel_sends_is_checked_like_a_link(sent: object, wanted: dict | None) -> None:
    assert finder.typed_filters(sent) == wanted


def test_every_distance_round_trips_through_the_search_bar() -> None:
    for miles in finder.RADIUS_CHOICES:
        assert finder.typed_search({"location": "", "radius": finder.radius_code(miles)}) == ("", miles)


@pytest.mark.parametrize(
    ("confirmed", "maybe", "state", "line"),
    [
        (12, 231, SearchState(services=("evening",)), "12 confirmed · 231 more might match — call to ask|Our source does not say"),
        (12, 231, SearchState(services=("evening",), include_unknown=False), "12 confirmed · 231 more might match — call to ask|Showing confirmed programs only"),
        (3, 0, SearchState(payment=("medicaid",)), "3 confirmed"),
        (550, 0, SearchState(), "550 programs"),
        (1, 0, SearchState(), "1 program"),
    ],
)
def test_summary_line(confirmed: int, maybe: int, state: SearchState, line: str) -> None:
    headline, hint = finder.summary_line(SearchResult(clinics_frame([]), confirmed, maybe), state)
    expected_headline, _, expected_hint = line.partition("|")
    assert headline == expected_headline
    assert hint.startswith(expected_hint) and bool(hint) == bool(expected_hint)


def test_excluded_line_counts_who_was_left_out() -> None:
    assert finder.excluded_line(SearchResult(clinics_frame([]), 1, 0, 0)) == ""
    assert finder.excluded_line(SearchResult(clinics_frame([]), 1, 0, 3)).startswith("3 programs nearby were left out")


@pytest.mark.parametrize(
    ("phone", "href"),
    [("630-620-6616", "tel:+1-630-620-6616"), ("630-620-6616 x100", "tel:+1-630-620-6616;ext=100"), ("oops", "")],
)
def test_tel_href(phone: str, href: str) -> None:
    assert finder.tel_href(phone) == href


ROW = {
    **dict.fromkeys(COLUMNS, ""),
    **dict.fromkeys(SERVICE_COLUMNS, "no"),
    "id": "x", "name": "Safe <b>Place</b> [click](javascript:alert(1))", "site": "North\u00a0& Co", "address": "1 Main St",
    "address2": "Suite 2", "city": "Chicago", "state": "IL", "zip": "60613", "phone": "312-555-0100",
    "intake_phone": "312-555-0101 x9", "website": "https://example.org/a\"onmouseover=\"x", "lat": 41.95, "lon": -87.65,
    "location_precision": "zip", "evening": "yes", "morning": "unknown", "accepts_women": "yes", "accepts_men": "no",
    "age_17_or_younger": "no", "age_18_to_25": "yes", "age_26_to_64": "yes", "age_65_or_older": "unknown", "treats_alcohol_use": "yes", "treats_opioid_use": "yes", "source": "=HYPERLINK(\"http://evil\")",
    "source_date": "2023-06-29", "last_checked": None, "checked_by": "", "notes": "<script>alert(1)</script>",
    "distance_miles": 3.14159, "unknown_services": "morning",
}  # fmt: skip
LINKS = CardLinks(glossary=lambda name: f"/Glossary?lang=es#{name}", suggest=lambda i: f"/Suggest_a_correction?clinic={i}")


def test_card_is_escaped_html_with_call_directions_and_suggestion_links() -> None:
    card = finder.card_html(ROW, SearchState("60613", services=("evening", "morning")), LINKS, has_origin=True)
    assert "<b>Place</b>" not in card and "<script>" not in card
    assert "Safe &lt;b&gt;Place&lt;/b&gt; [click](javascript:alert(1)) — North &amp; Co" in card
    assert '"onmouseover' not in card and "&quot;onmouseover=&quot;x" in card
    assert '<a class="cf-button cf-call" href="tel:+1-312-555-0100">Call 312-555-0100</a>' in card
    assert 'href="tel:+1-312-555-0101;ext=9">Intake 312-555-0101 x9</a>' in card
    assert "destination=1+Main+St%2C+Suite+2%2C+Chicago%2C+IL+60613" in card
    assert "approximate location (ZIP centre)" in card and "· 3.1 miles" in card
    assert '<p class="cf-maybe">Might match — call to confirm: Morning groups</p>' in card
    assert '<p class="cf-limits">Women only · Ages 18 and over</p>' in card
    # What the person filtered for comes first, never as a guess; the rest is behind "More about this clinic".
    wanted = card.split('<p class="cf-wanted">')[1].split("</p>")[0]
    # A screen reader hears "yes" after the name (the check mark is hidden from it), as it hears the others' words.
    assert '✓</span> Evening groups<span class="cf-sr">: yes</span></a>' in wanted
    assert "?</span> Morning groups: unknown — call to confirm</a>" in wanted
    assert 'href="/Glossary?lang=es#evening"' in wanted
    assert "<summary>More about this clinic</summary>" in card
    assert 'class="cf-badge cf-no" href="/Glossary?lang=es#medicaid"' in card
    assert "Not yet checked by phone: call to confirm." in card
    assert 'href="/Suggest_a_correction?clinic=x"' in card
    # Every tag in the card is ours.
    assert set(re.findall(r"<([a-z0-9]+)", card)) <= {"div", "h3", "p", "strong", "span", "a", "details", "summary", "br",
                                                     "em"}
    # The name is the card's heading (a screen reader moves from card to card); a link to another site says it
    # opens a new tab.
    assert re.match(r'<div class="cf-card" id="clinic-x"><h3 class="cf-title">Safe &lt;b&gt;Place', card), card[:120]
    assert 'target="_blank" rel="noopener noreferrer">Directions<span class="cf-sr"> (opens a new tab)</span></a>' in card


def test_card_says_who_checked_a_row_and_when() -> None:
    checked = dict(ROW, last_checked="2026-11-20", checked_by="clinic:x")
    card = finder.card_html(checked, SearchState(), LINKS, has_origin=False)
    assert "Last checked 2026-11-20 by clinic:x." in card and "Not yet checked" not in card
    assert "miles" not in card.split("</p>")[0]  # no distance without a location


@pytest.mark.parametrize(
    ("changes", "limits"),
    [
        ({}, []),
        ({"accepts_men": "no"}, ["Women only"]),
        ({"accepts_men": "unknown", "accepts_women": "no"}, []),  # unknown never limits
        ({"age_17_or_younger": "no"}, ["Ages 18 and over"]),
        ({"age_18_to_25": "no", "age_26_to_64": "no", "age_65_or_older": "no"}, ["Ages 17 and under only"]),
        ({"opioid_use_only": "yes"}, ["Opioid use only"]),
        ({"treats_alcohol_use": "no", "opioid_use_only": "yes"}, ["Opioid use only"]),
        ({"treats_alcohol_use": "no"}, ["Does not treat alcohol use"]),
        ({"dui_only": "yes", "accepts_women": "no"}, ["Men only", "DUI/DWI clients only"]),
    ],
)
def test_attendance_limits_are_plain_and_never_from_unknowns(changes: dict[str, str], limits: list[str]) -> None:
    row = {"accepts_women": "yes", "accepts_men": "yes", "age_17_or_younger": "yes", "age_18_to_25": "yes",
           "age_26_to_64": "yes", "age_65_or_older": "unknown", "treats_alcohol_use": "yes",
           "treats_opioid_use": "yes", "opioid_use_only": "no", "alcohol_use_only": "unknown", "dui_only": "no"}
    assert attendance.limits(row | changes) == limits


@pytest.mark.parametrize(
    ("age", "gender", "substance", "pairs"),
    [
        (None, None, None, ()),
        ("17-", None, None, (("age_17_or_younger", "no"),)),
        (None, "woman", "opioids", (("accepts_women", "no"), ("treats_opioid_use", "no"), ("alcohol_use_only", "yes"),
                                    ("dui_only", "yes"))),
        ("nonsense", None, None, ()),
    ],
)
def test_who_the_care_is_for_becomes_exclusions(age, gender, substance, pairs) -> None:  # type: ignore[no-untyped-def]
    assert attendance.exclusions(age, gender, substance) == pairs


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("ok", "ok")],
)
def test_formula_cells_are_neutralised(value: str, written: str) -> None:
    assert finder.neutralise_formula(value) == written


def test_results_csv_is_safe_to_open_in_a_spreadsheet() -> None:
    frame = clinics_frame([ROW])
    frame["distance_miles"] = [3.14159]
    data = finder.results_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["Source"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[0]["Longitude"] == "-87.65"  # a number, not text: left alone
    assert rows[0]["Distance (miles)"] == "3.14"
    assert len(rows[0]) == len(COLUMNS) + 1


@pytest.mark.parametrize(
    ("state", "advice"),
    [
        (SearchState("60613", 5, ("evening",), include_unknown=False),
         "Try to choose a wider distance, or remove a filter, or switch off “Confirmed only”"),
        (SearchState("60613", None, ("evening",)), "Try to remove a filter. SAMHSA"),
        (SearchState("60613", 100), "No programs match. SAMHSA's National Helpline"),
        (SearchState("60613", 100, gender="man"), "Try to change who the care is for."),
    ],
)
def test_no_results_advice_always_offers_the_helpline(state: SearchState, advice: str) -> None:
    text = finder.no_results_advice(state)
    assert advice in text and "1-800-662-4357" in text


def test_outside_coverage_advice_escapes_the_place() -> None:
    text = finder.outside_coverage_advice("[x](https://evil.example)", "New York")
    assert "We list programs in Illinois and Texas" in text and "](https://evil" not in text
    assert "[FindTreatment.gov](https://findtreatment.gov/)" in text


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        ("/Glossary#medicaid", {"zip": "60613"}, "/Glossary?zip=60613#medicaid"),
        ("/FAQ?lang=es#how-long", {"lang": "es", "zip": "60613"}, "/FAQ?lang=es&zip=60613#how-long"),
        ("/", {}, "/"),
        ("https://findtreatment.gov/", {"zip": "1"}, "https://findtreatment.gov/"),
    ],
)
def test_links_carry_the_search_and_language(url: str, query: dict[str, str], expected: str) -> None:
    assert finder.with_query(url, query) == expected


def test_listing_order_groups_by_state_without_a_location() -> None:
    frame = clinics_frame([dict(ROW, id="a", state="TX", city="Austin"), dict(ROW, id="b", state="IL", city="Zion"),
                           dict(ROW, id="c", state="IL", city="Alton")])
    assert finder.listing_order(frame, has_origin=False)["id"].tolist() == ["c", "b", "a"]
    assert finder.listing_order(frame, has_origin=True)["id"].tolist() == ["a", "b", "c"]


def test_query_key_is_canonical() -> None:
    assert finder.query_key(SearchState("60613", services=("evening",))) == (("services", "evening"), ("zip", "60613"))


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    clinics = read_clinics_csv(DEFAULT_CLINICS_CSV).clinics
    assert clinics is not None
    return SearchIndex.build(clinics)


def test_result_view_lists_confirmed_then_might_match(index: SearchIndex) -> None:
    state = SearchState("77040", 25, ("evening",))
    view = finder.build_result_view(index, state, (29.8744, -95.5278), LINKS, "TX")
    assert (view.radius_miles, view.has_origin) == (25, True)
    assert [r["id"] for r in view.rows(view.confirmed, 5)] == ["symetria-recovery-houston", "symetria-recovery-spring"]
    assert len(view.maybe) == view.result.maybe and (view.maybe["unknown_services"] == "evening").all()
    assert view.listing["id"].tolist() == [*view.confirmed["id"], *view.maybe["id"]]
    assert view.row_of("symetria-recovery-spring")["city"] == "Spring"
    assert view.row_of("not-here") is None
    card = view.card(view.rows(view.confirmed, 1)[0])
    assert card.startswith('<div class="cf-card" id="clinic-symetria-recovery-houston">')
    assert view.card(view.rows(view.confirmed, 1)[0]) is card  # made once
    assert view.csv_bytes.decode("utf-8-sig").splitlines()[1].startswith("symetria-recovery-houston,")
    without_origin = finder.build_result_view(index, SearchState(radius=5), None, LINKS)
    assert without_origin.radius_miles is None and len(without_origin.listing) == 550
    assert without_origin.rows(without_origin.confirmed, 1)[0]["state"] == "IL"


def test_video_programs_anywhere_in_the_state_are_a_separate_section(index: SearchIndex) -> None:
    state = SearchState("79901", 25, ("virtual",))
    view = finder.build_result_view(index, state, (31.7587, -106.4869), LINKS, "TX")
    assert view.video_state == "TX" and len(view.by_video) > 20
    assert set(view.by_video["state"]) == {"TX"} and not set(view.by_video["id"]) & set(view.listing["id"])
    assert (view.by_video["virtual"] == "yes").all()
    elsewhere = finder.build_result_view(index, state, (40.75, -73.99), LINKS, "NY")
    assert elsewhere.by_video.empty


def test_a_place_listed_twice_names_its_other_listing(index: SearchIndex) -> None:
    view = finder.build_result_view(index, SearchState("60612", 5), (41.8805, -87.6873), LINKS, "IL")
    card = view.card(view.row_of("jesse-brown-va-medical-center-addiction-treatment-program-atp"))
    assert html.unescape(card).count("Listed twice in the directory, also as: Jesse Brown Addiction Programs") == 1


@pytest.mark.parametrize(
    ("label", "radius", "line"),
    [("Springfield, IL", 25, "Near Springfield, IL, within 25 miles."),
     ("60613 (Chicago, IL)", None, "Near 60613 (Chicago, IL), at any distance."),
     ("", 25, "")],  # no place typed (the first view, my location): nothing to say
)
def test_the_near_line_says_which_place_was_searched(label: str, radius: int | None, line: str) -> None:
    assert finder.near_line(label, radius) == line
