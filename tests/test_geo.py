"""Offline ZIP and city centres, the messages for places we cannot find, and distances in miles."""

from __future__ import annotations

import re

import numpy as np
import pytest
from geopy.distance import geodesic, great_circle

from clinic_finder import geo
from clinic_finder.geo import (
    COVERED_STATES,
    AmbiguousPlaceError,
    PlaceChoiceError,
    PlaceError,
    PlaceSuggestionError,
    coverage_message,
    distance_miles,
    lookup_zip_record,
    outside_coverage,
    resolve_place,
    state_codes,
    state_name,
)
from clinic_finder.us_states import STATE_NAMES

PLACES = [
    # typed, label, kind, state, lat, lon (approx.: a real-world centre, not the data's own mean)
    ("60613", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    ("60613-1234", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    ("606131234", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    ("60613 1234", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    (" 77040 ", "77040 (Houston, TX)", "zip", "TX", 29.8744, -95.5278),
    # An address line or "City, ST ZIP" pasted whole: the ZIP code says the most.
    ("Chicago, IL 60613", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    ("3934 N Lincoln Ave, Chicago IL 60613-1234", "60613 (Chicago, IL)", "zip", "IL", 41.9543, -87.6575),
    ("Houston, Texas, 77040", "77040 (Houston, TX)", "zip", "TX", 29.8744, -95.5278),
    ("02139", "02139 (Cambridge, MA)", "zip", "MA", 42.3647, -71.1042),
    ("10001", "10001 (New York, NY)", "zip", "NY", 40.7506, -73.9972),
    ("Chicago, IL", "Chicago, IL", "city", "IL", 41.84, -87.68),
    ("chicago il", "Chicago, IL", "city", "IL", 41.84, -87.68),
    ("Chicago, IL, USA", "Chicago, IL", "city", "IL", 41.84, -87.68),
    ("Chicago,", "Chicago, IL", "city", "IL", 41.84, -87.68),
    ("Chicago, I.L.", "Chicago, IL", "city", "IL", 41.84, -87.68),
    ("Houston,TX", "Houston, TX", "city", "TX", 29.83, -95.40),
    ("houston", "Houston, TX", "city", "TX", 29.76, -95.37),
    ("houston , texas", "Houston, TX", "city", "TX", 29.76, -95.37),
    ("Austin", "Austin, TX", "city", "TX", 30.2672, -97.7431),
    ("Austin, Texas", "Austin, TX", "city", "TX", 30.2672, -97.7431),
    ("  austin   TEXAS ", "Austin, TX", "city", "TX", 30.2672, -97.7431),
    ("SAN ANTONIO", "San Antonio, TX", "city", "TX", 29.4241, -98.4936),
    ("Fort Worth tx", "Fort Worth, TX", "city", "TX", 32.7555, -97.3308),
    ("Ft. Worth", "Fort Worth, TX", "city", "TX", 32.7555, -97.3308),
    ("Dallas Texas USA", "Dallas, TX", "city", "TX", 32.7767, -96.7970),
    ("Peoria", "Peoria, IL", "city", "IL", 40.6936, -89.5890),  # Peoria, AZ exists too
    ("peoria illinois", "Peoria, IL", "city", "IL", 40.6936, -89.5890),
    ("Springfield", "Springfield, IL", "city", "IL", 39.7817, -89.6501),  # and in many other states
    ("St. Charles, IL", "Saint Charles, IL", "city", "IL", 41.91, -88.31),
    ("Saint Charles, IL", "Saint Charles, IL", "city", "IL", 41.91, -88.31),
    ("E St Louis", "East Saint Louis, IL", "city", "IL", 38.6245, -90.1509),
    ("Mt. Vernon, IL", "Mount Vernon, IL", "city", "IL", 38.3173, -88.9031),
    ("Arlington Hts", "Arlington Heights, IL", "city", "IL", 42.0884, -87.9806),
    ("Hoffman Estates", "Hoffman Estates, IL", "city", "IL", 42.0630, -88.1227),  # a ZIP's other accepted name
    ("The Woodlands, TX", "The Woodlands, TX", "city", "TX", 30.1658, -95.4613),
    ("Cook County", "Cook County, IL", "county", "IL", 41.84, -87.82),
    ("Cook County, IL", "Cook County, IL", "county", "IL", 41.84, -87.82),
    ("cook county illinois", "Cook County, IL", "county", "IL", 41.84, -87.82),
    ("Cook Co", "Cook County, IL", "county", "IL", 41.84, -87.82),
    ("Travis County, TX", "Travis County, TX", "county", "TX", 30.33, -97.78),
    ("Travis County Texas", "Travis County, TX", "county", "TX", 30.33, -97.78),
    ("Travis", "Travis County, TX", "county", "TX", 30.33, -97.78),
    ("Dupage County", "DuPage County, IL", "county", "IL", 41.85, -88.09),
    # Outside Illinois and Texas: placed, with their state, for the page to say so
    ("St. Louis", "Saint Louis, MO", "city", "MO", 38.6270, -90.1994),  # also Saint Louis, MI and OK: the largest
    ("Saint Louis, MO", "Saint Louis, MO", "city", "MO", 38.6270, -90.1994),
    ("New York, NY", "New York, NY", "city", "NY", 40.7128, -74.0060),
    ("Denver", "Denver, CO", "city", "CO", 39.7392, -104.9903),
    ("Kansas City Missouri", "Kansas City, MO", "city", "MO", 39.0997, -94.5786),
    ("Albany New York", "Albany, NY", "city", "NY", 42.6526, -73.7562),
    ("Peoria, AZ", "Peoria, AZ", "city", "AZ", 33.5806, -112.2374),
    ("Los Angeles County", "Los Angeles County, CA", "county", "CA", 34.05, -118.25),
]


@pytest.mark.parametrize(("typed", "label", "kind", "state", "lat", "lon"), PLACES)
def test_places_resolve_offline(typed: str, label: str, kind: str, state: str, lat: float, lon: float) -> None:
    place = resolve_place(typed)
    assert (place.label, place.kind, place.state) == (label, kind, state)
    assert float(distance_miles(lat, lon, place.lat, place.lon)) < 10
    assert outside_coverage(place) == (state not in ("IL", "TX"))
    assert kind == "zip" or resolve_place(place.label) == place  # a label searches for the same place again


NOT_PLACES = [
    # typed, error type, how the message starts, the candidates a choice error offers (best first)
    ("", PlaceError, "Type a ZIP code (like 60613) or a city and state (like Chicago, IL).", ()),
    ("   ", PlaceError, "Type a ZIP code (like 60613) or a city and state (like Chicago, IL).", ()),
    ("00000", PlaceError, "00000 is not a US ZIP code we know. Check the digits, or type a city and state like 'Chicago, IL'.", ()),
    ("99999", PlaceError, "99999 is not a US ZIP code we know.", ()),
    ("09001", PlaceError, "ZIP 09001 (Apo, AE) is a military or post-office-box code with no map location.", ()),
    ("M5V 3L9", PlaceError, "'M5V 3L9' looks like a Canadian postal code. This finder covers US ZIP codes (Illinois and Texas clinics).", ()),
    ("SW1A 1AA", PlaceError, "We could not read 'SW1A 1AA' as a place.", ()),
    ("6061", PlaceError, "'6061' is not a ZIP code: a US ZIP code has 5 digits, like 60613.", ()),
    ("606133", PlaceError, "'606133' is not a ZIP code: a US ZIP code has 5 digits, like 60613.", ()),
    ("Springfeld, IL", PlaceSuggestionError, "We could not find a city called 'Springfeld' in IL. Check the spelling, or type a ZIP code. Did you mean Springfield, IL?", ("Springfield, IL",)),
    ("Chicago, XX", PlaceError, "'XX' is not a US state code. Try 'Chicago, IL'.", ()),
    ("<script>alert(1)</script>", PlaceError, "We could not read '<script>alert(1)</script>' as a place.", ()),
    ("'; DROP TABLE clinics; --", PlaceError, "We could not read", ()),
    ("Chicago, IL 606133", PlaceError, "We could not read 'Chicago, IL 606133' as a place.", ()),  # 6 digits: no ZIP
    # The same name in Illinois and in Texas: the page asks which one, the larger (more ZIP codes) first
    ("Paris", AmbiguousPlaceError, "There is more than one place called 'Paris'. Which one did you mean: Paris, TX or Paris, IL?", ("Paris, TX", "Paris, IL")),
    ("El Paso", AmbiguousPlaceError, "There is more than one place called 'El Paso'. Which one did you mean: El Paso, TX or El Paso, IL?", ("El Paso, TX", "El Paso, IL")),
    ("athens", AmbiguousPlaceError, "There is more than one place called 'athens'.", ("Athens, TX", "Athens, IL")),
    ("LaSalle", AmbiguousPlaceError, "There is more than one place called 'LaSalle'.", ("La Salle, IL", "La Salle, TX")),
    ("Washington", AmbiguousPlaceError, "There is more than one place called 'Washington'.", ("Washington, IL", "Washington, TX")),
    ("Jackson County", AmbiguousPlaceError, "There is more than one place called 'Jackson County'.", ("Jackson County, IL", "Jackson County, TX")),
    # Only another accepted name in Texas, but a city in Massachusetts; a county in Illinois, a city in Nebraska
    ("Boston", AmbiguousPlaceError, "There is more than one place called 'Boston'. Which one did you mean: Boston, MA or Boston, TX?", ("Boston, MA", "Boston, TX")),
    ("Cook", AmbiguousPlaceError, "There is more than one place called 'Cook'.", ("Cook County, IL", "Cook, NE")),
    # Typos: a suggestion, never a silent guess
    ("Housten", PlaceSuggestionError, "We could not find a place called 'Housten'. Did you mean Houston, TX?", ("Houston, TX",)),
    ("San Antonoi", PlaceSuggestionError, "We could not find a place called 'San Antonoi'. Did you mean San Antonio, TX?", ("San Antonio, TX",)),
    ("Chicgo", PlaceSuggestionError, "We could not find a place called 'Chicgo'. Did you mean Chicago, IL;", ("Chicago, IL", "Chico, TX", "Hico, TX")),
    ("Harriss County", PlaceSuggestionError, "We could not find a county called 'Harriss County'. Did you mean Harris County, TX", ("Harris County, TX", "Harrison County, TX")),
    ("Austin, IL", PlaceSuggestionError, "We could not find a city called 'Austin' in IL. Check the spelling, or type a ZIP code. Did you mean Austin, TX?", ("Austin, TX",)),
    ("Austin, Tex", PlaceSuggestionError, "'Tex' is not a US state. Did you mean Austin, TX?", ("Austin, TX",)),
    ("Chicago, Ill.", PlaceSuggestionError, "'Ill' is not a US state. Did you mean Chicago, IL?", ("Chicago, IL",)),
    ("Fort Wirth tx", PlaceSuggestionError, "We could not find a city called 'Fort Wirth' in TX. Check the spelling, or type a ZIP code. Did you mean Fort Worth, TX?", ("Fort Worth, TX",)),
    ("Springfeld illinois", PlaceSuggestionError, "We could not find a city called 'Springfeld' in Illinois. Check the spelling, or type a ZIP code. Did you mean Springfield, IL?", ("Springfield, IL",)),
    # Nothing close
    ("北京", PlaceError, "We could not find a place called '北京'.", ()),
    ("qwzx", PlaceError, "We could not find a place called 'qwzx'. Check the spelling, or type a 5-digit ZIP code", ()),
    ("Foo County", PlaceError, "We could not find a county called 'Foo County'. Check the spelling", ()),
    ("Chicago, Cook County", PlaceError, "'Cook County' is not a US state. After the comma, type the state's name or two-letter code", ()),
    # A covered state alone is too wide to search from
    ("Texas", PlaceError, "Texas is a whole state. Type a city, county or ZIP code in Texas, like 'Houston, TX'.", ()),
    ("il", PlaceError, "Illinois is a whole state. Type a city, county or ZIP code in Illinois, like 'Chicago, IL'.", ()),
    # Long text is cut short in the message
    ("x" * 500, PlaceError, "We could not find a place called '" + "x" * 39 + "…'.", ()),
    ("<" * 500, PlaceError, "We could not read '" + "<" * 39 + "…' as a place.", ()),
]


@pytest.mark.parametrize(("typed", "error", "message", "candidates"), NOT_PLACES)
def test_unplaceable_input_gets_advice(typed: str, error: type[PlaceError], message: str, candidates: tuple[str, ...]) -> None:
    with pytest.raises(PlaceError) as caught:
        resolve_place(typed)
    assert type(caught.value) is error
    text = str(caught.value)
    assert text.startswith(message)
    assert len(text) < 300  # never a long paste repeated back
    assert not re.search(r"[*_`#\[\]]", text.replace(typed[:40], ""))  # plain text: the page escapes it
    offered = caught.value.candidates if isinstance(caught.value, PlaceChoiceError) else ()
    assert tuple(place.label for place in offered) == candidates
    for place in offered:  # pressing a candidate's button searches for its label: that finds exactly it
        assert resolve_place(place.label) == place


def _names_in_illinois_and_texas() -> list[str]:
    return sorted(by_state["IL"].name for by_state in geo._city_index().values() if {"IL", "TX"} <= by_state.keys())


def test_every_city_name_in_both_covered_states_asks_which() -> None:
    names = _names_in_illinois_and_texas()
    assert {"Paris", "Athens", "El Paso", "Plano", "Elgin", "Bloomington", "Decatur"} <= set(names)
    assert "Springfield" not in names and "Peoria" not in names and "Austin" not in names
    for name in names:
        with pytest.raises(AmbiguousPlaceError) as caught:
            resolve_place(name)
        assert sorted(place.state for place in caught.value.candidates) == ["IL", "TX"]
        for place in caught.value.candidates:
            assert resolve_place(place.label) == place


def test_covered_states_are_a_parameter() -> None:
    assert COVERED_STATES == ("IL", "TX")
    with pytest.raises(AmbiguousPlaceError) as caught:
        resolve_place("Peoria", covered=("az", "IL"))
    assert [place.label for place in caught.value.candidates] == ["Peoria, IL", "Peoria, AZ"]
    austin = resolve_place("Austin", covered=("IL",))
    assert austin.label == "Austin, TX" and outside_coverage(austin, covered=("IL",))
    assert not outside_coverage(austin)
    paris = resolve_place("Paris", covered=("TX",))
    assert paris.label == "Paris, TX"
    with pytest.raises(ValueError, match="USPS"):
        resolve_place("Austin", covered=("Texas",))
    with pytest.raises(ValueError):
        resolve_place("Austin", covered=())


def test_a_state_outside_coverage_is_a_place_to_explain() -> None:
    colorado = resolve_place("Colorado")  # the state, not Colorado County, TX
    assert (colorado.label, colorado.kind, colorado.state) == ("Colorado", "state", "CO")
    assert float(distance_miles(39.0, -105.5, colorado.lat, colorado.lon)) < 100
    assert outside_coverage(colorado)
    assert coverage_message(colorado).startswith("This finder lists programs in Illinois and Texas only, not in Colorado.")
    ohio = resolve_place("Ohio")  # a town in Illinois comes first
    assert (ohio.label, ohio.state) == ("Ohio, IL", "IL") and not outside_coverage(ohio)


@pytest.mark.parametrize("typed", ["St. Louis", "10001", "New York, NY", "Denver"])
def test_coverage_message_names_the_helpline_and_findtreatment(typed: str) -> None:
    place = resolve_place(typed)
    message = coverage_message(place)
    assert message.startswith(f"This finder lists programs in Illinois and Texas only, and {place.label} is in ")
    assert state_name(place.state) in message
    assert "1-800-662-4357" in message and "FindTreatment.gov" in message
    assert not re.search(r"[*_`#\[\]]", message)


def test_state_names_cover_every_state_code_in_the_zip_data() -> None:
    assert set(STATE_NAMES) == set(state_codes())
    assert (STATE_NAMES["IL"], STATE_NAMES["TX"]) == ("Illinois", "Texas")
    assert (state_name("tx"), state_name("IL"), state_name("DC")) == ("Texas", "Illinois", "District of Columbia")


def test_zip_records_and_state_codes() -> None:
    record = lookup_zip_record("60613-0001")
    assert record is not None and (record.city, record.state) == ("Chicago", "IL")
    assert lookup_zip_record("12") is None
    assert lookup_zip_record("00000") is None
    assert {"IL", "TX", "DC", "PR"} <= state_codes()
    assert "ZZ" not in state_codes()


PAIRS = [
    # (lat1, lon1), (lat2, lon2): Chicago-Houston, across a state, very short, same point, antipodal-ish
    ((41.9543, -87.6575), (29.8744, -95.5278)),
    ((41.9543, -87.6575), (42.0467, -87.8859)),
    ((29.8744, -95.5278), (29.8745, -95.5279)),
    ((41.9543, -87.6575), (41.9543, -87.6575)),
    ((45.0, -90.0), (-44.0, 89.0)),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_distance_agrees_with_geopy(a: tuple[float, float], b: tuple[float, float]) -> None:
    ours = float(distance_miles(a[0], a[1], b[0], b[1]))
    assert ours == pytest.approx(great_circle(a, b).miles, rel=1e-6, abs=1e-6)  # same sphere model
    assert ours == pytest.approx(geodesic(a, b).miles, rel=0.006, abs=0.01)  # the ellipsoid: within 0.6 %


def test_distance_is_vectorised() -> None:
    lats = np.array([29.8744, 42.0467, 41.9543])
    lons = np.array([-95.5278, -87.8859, -87.6575])
    miles = distance_miles(41.9543, -87.6575, lats, lons)
    assert miles.shape == (3,)
    assert miles[2] == 0.0
    assert miles[0] == pytest.approx(geodesic((41.9543, -87.6575), (29.8744, -95.5278)).miles, rel=0.006)
