"""The finder's plain functions: URL <-> search, counts, cards, links, the CSV download."""

from __future__ import annotations

import csv
import io

import pytest

from clinic_finder import finder
from clinic_finder.csvfile import clinics_frame
from clinic_finder.finder import SearchState
from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS
from clinic_finder.search import SearchResult

QUERIES = [
    # query, state, notes
    ({}, SearchState(), []),
    ({"zip": "60613", "services": "evening"}, SearchState("60613", services=("evening",)), []),
    (
        {"zip": "77040", "radius": "10", "services": "medications,evening", "payment": "medicaid", "unknown": "1"},
        SearchState("77040", 10, ("evening", "medications"), ("medicaid",), True),
        [],
    ),
    ({"radius": "any"}, SearchState(radius=None), []),
    ({"radius": "7"}, SearchState(), ["Ignored radius '7' in the link (choose 5, 10, 25, 50, 100 or any); using 25 miles."]),
    ({"services": "evening,yoga,EVENING"}, SearchState(services=("evening",)), ["Ignored the unknown service 'yoga' in the link."]),
    ({"payment": "bitcoin"}, SearchState(), ["Ignored the unknown payment option 'bitcoin' in the link."]),
    ({"unknown": "maybe"}, SearchState(), ["Ignored unknown='maybe' in the link (use 1 or 0)."]),
    ({"utm_source": "x"}, SearchState(), ["Ignored 'utm_source' in the link."]),
    ({"zip": ["60601", "  60613  "]}, SearchState("60613"), []),
    ({"zip": "x" * 500}, SearchState("x" * 80), []),
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
    assert finder.query_from_state(SearchState("60613", None, ("evening",), (), True)) == {
        "zip": "60613", "radius": "any", "services": "evening", "unknown": "1",
    }


@pytest.mark.parametrize(
    ("confirmed", "maybe", "state", "line"),
    [
        (12, 231, SearchState(services=("evening",), include_unknown=True), "12 confirmed · 231 more might — call to ask|Clinics marked “unknown — call to confirm” may"),
        (12, 231, SearchState(services=("evening",)), "12 confirmed · 231 more might — call to ask|Tick “also show"),
        (3, 0, SearchState(payment=("medicaid",)), "3 confirmed"),
        (3, 5, SearchState(payment=("medicaid",)), "3 confirmed · 5 more might — call to ask|Tick"),
        (554, 0, SearchState(), "554 clinics"),
        (1, 0, SearchState(), "1 clinic"),
    ],
)
def test_summary_line(confirmed: int, maybe: int, state: SearchState, line: str) -> None:
    result = SearchResult(clinics_frame([]), confirmed, maybe)
    headline, hint = finder.summary_line(result, state)
    expected_headline, _, expected_hint = line.partition("|")
    assert headline == expected_headline
    assert hint.startswith(expected_hint) and bool(hint) == bool(expected_hint)


@pytest.mark.parametrize(
    ("phone", "href"),
    [("866-440-7429", "tel:+1-866-440-7429"), ("630-620-6616 x100", "tel:+1-630-620-6616;ext=100"), ("junk", "")],
)
def test_tel_href(phone: str, href: str) -> None:
    assert finder.tel_href(phone) == href


ROW = {
    **dict.fromkeys(COLUMNS, ""),
    **dict.fromkeys(SERVICE_COLUMNS, "no"),
    "id": "x", "name": "Safe *Place* [click](javascript:alert(1))", "site": "North", "address": "1 Main St",
    "address2": "Suite 2", "city": "Chicago", "state": "IL", "zip": "60613", "phone": "312-555-0100",
    "intake_phone": "312-555-0101 x9", "website": "https://example.org/a b", "lat": 41.95, "lon": -87.65,
    "location_precision": "zip", "evening": "yes", "morning": "unknown", "source": "=HYPERLINK(\"http://evil\")",
    "source_date": "2023-06-29", "last_checked": None, "checked_by": "", "notes": "@SUM(1+1)", "distance_miles": 3.14159, "unknown_services": "morning",
}  # fmt: skip


def test_card_escapes_text_and_links_phones_and_directions() -> None:
    card = finder.ClinicCard.from_row(ROW, lambda name: f"/Glossary#{name}")
    heading = card.heading_markdown(include_distance=True)
    body = card.body_markdown()
    assert heading == r"**Safe \*Place\* \[click\]\(javascript\:alert\(1\)\) — North** · 3.1 miles"
    assert "Call [312\\-555\\-0100](tel:+1-312-555-0100)" in body
    assert "Intake [312\\-555\\-0101 x9](tel:+1-312-555-0101;ext=9)" in body
    assert "(https://www.google.com/maps/dir/?api=1&destination=1+Main+St%2C+Suite+2%2C+Chicago%2C+IL+60613)" in body
    assert "[Website](https://example.org/a%20b)" in body
    assert "*approximate location (ZIP centre)*" in body
    assert "unknown — call to confirm:** Morning groups" in body
    assert "[:green-badge[✓ Evening groups]](/Glossary#evening)" in body
    assert "[:orange-badge[? Morning groups\\: unknown — call to confirm]](/Glossary#morning)" in body
    assert "[:gray-badge[✗ Medicaid\\: no]](/Glossary#medicaid)" in body
    assert "last verified 2023\\-06\\-29" in body


def test_badges_never_turn_unknown_into_yes_or_no() -> None:
    shown = {b.column: b.text for b in finder.badges(ROW)}
    assert shown["morning"] == "? Morning groups: unknown — call to confirm"
    assert shown["evening"] == "✓ Evening groups"
    assert shown["medicaid"] == "✗ Medicaid: no"


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
    assert rows[0]["source"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[0]["notes"] == "'@SUM(1+1)"
    assert rows[0]["lon"] == "-87.65"  # a number, not text: left alone
    assert rows[0]["distance_miles"] == "3.14"
    assert list(rows[0]) == [*COLUMNS, "distance_miles"]


@pytest.mark.parametrize(
    ("state", "advice"),
    [
        (SearchState("60613", 5, ("evening",)), "Try to choose a wider distance, or untick a filter, or tick “also show"),
        (SearchState("60613", None, ("evening",), include_unknown=True), "Try to untick a filter. SAMHSA"),
        (SearchState("60613", 100), "No clinics match. SAMHSA's National Helpline"),
    ],
)
def test_no_results_advice_always_offers_the_helpline(state: SearchState, advice: str) -> None:
    text = finder.no_results_advice(state)
    assert advice in text and "1-800-662-4357" in text


def test_listing_order_groups_by_state_without_a_location() -> None:
    frame = clinics_frame([dict(ROW, id="a", state="TX", city="Austin"), dict(ROW, id="b", state="IL", city="Zion"),
                           dict(ROW, id="c", state="IL", city="Alton")])
    assert finder.listing_order(frame, has_origin=False)["id"].tolist() == ["c", "b", "a"]
    assert finder.listing_order(frame, has_origin=True)["id"].tolist() == ["a", "b", "c"]


def test_query_key_is_canonical() -> None:
    assert finder.query_key(SearchState("60613", services=("evening",))) == (("services", "evening"), ("zip", "60613"))


def test_result_view_for_a_search() -> None:
    from clinic_finder import DEFAULT_CLINICS_CSV
    from clinic_finder.csvfile import read_clinics_csv
    from clinic_finder.search import SearchIndex

    index = SearchIndex.build(read_clinics_csv(DEFAULT_CLINICS_CSV).clinics)
    state = SearchState("77040", 25, ("evening",))
    view = finder.build_result_view(index, state, (29.8744, -95.5278), lambda name: f"/Glossary#{name}")
    assert (view.radius_miles, view.has_origin) == (25, True)
    assert [r["id"] for r in view.rows(5)] == ["symetria-recovery-houston", "symetria-recovery-spring"]
    assert view.row_of("symetria-recovery-spring")["city"] == "Spring"
    assert view.row_of("not-here") is None
    card = view.card_markdown(view.rows(1)[0])
    assert card.startswith("**Symetria Recovery — Houston** · here  \n")
    assert view.card_markdown(view.rows(1)[0]) is card  # made once
    assert view.csv_bytes.decode("utf-8-sig").splitlines()[1].startswith("symetria-recovery-houston,")
    without_origin = finder.build_result_view(index, SearchState(radius=5), None, lambda name: "")
    assert without_origin.radius_miles is None and len(without_origin.listing) == 554
    assert without_origin.rows(1)[0]["state"] == "IL"
