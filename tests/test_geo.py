"""Offline ZIP and city centres, the messages for places we cannot find, and distances in miles."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic, great_circle

from clinic_finder.geo import PlaceError, distance_miles, lookup_zip_record, resolve_place, state_codes

PLACES = [
    # typed, label, kind, lat, lon (approx.)
    ("60613", "60613 (Chicago, IL)", "zip", 41.9543, -87.6575),
    ("60613-1234", "60613 (Chicago, IL)", "zip", 41.9543, -87.6575),
    ("606131234", "60613 (Chicago, IL)", "zip", 41.9543, -87.6575),
    (" 77040 ", "77040 (Houston, TX)", "zip", 29.8744, -95.5278),
    ("02139", "02139 (Cambridge, MA)", "zip", 42.3647, -71.1042),
    ("Chicago, IL", "Chicago, IL", "city", 41.84, -87.68),
    ("chicago il", "Chicago, IL", "city", 41.84, -87.68),
    ("Houston,TX", "Houston, TX", "city", 29.83, -95.40),
    ("St. Charles, IL", "Saint Charles, IL", "city", 41.91, -88.31),
    ("Saint Charles, IL", "Saint Charles, IL", "city", 41.91, -88.31),
]


@pytest.mark.parametrize(("typed", "label", "kind", "lat", "lon"), PLACES)
def test_places_resolve_offline(typed: str, label: str, kind: str, lat: float, lon: float) -> None:
    place = resolve_place(typed)
    assert (place.label, place.kind) == (label, kind)
    assert float(distance_miles(lat, lon, place.lat, place.lon)) < 10


NOT_PLACES = [
    ("", "Type a ZIP code (like 60613) or a city and state (like Chicago, IL)."),
    ("   ", "Type a ZIP code (like 60613) or a city and state (like Chicago, IL)."),
    ("00000", "00000 is not a US ZIP code we know. Check the digits, or type a city and state like 'Chicago, IL'."),
    ("99999", "99999 is not a US ZIP code we know."),
    ("09001", "ZIP 09001 (Apo, AE) is a military or post-office-box code with no map location."),
    ("M5V 3L9", "'M5V 3L9' looks like a Canadian postal code. This finder covers US ZIP codes"),
    ("SW1A 1AA", "We could not read 'SW1A 1AA' as a place."),
    ("6061", "'6061' is not a ZIP code: a US ZIP code has 5 digits, like 60613."),
    ("606133", "'606133' is not a ZIP code: a US ZIP code has 5 digits, like 60613."),
    ("Springfeld, IL", "We could not find a city called 'Springfeld' in IL. Check the spelling, or type a ZIP code."),
    ("Chicago, XX", "'XX' is not a US state code. Try 'Chicago, IL'."),
    ("<script>alert(1)</script>", "We could not read '<script>alert(1)</script>' as a place."),
    ("'; DROP TABLE clinics; --", "We could not read"),
]


@pytest.mark.parametrize(("typed", "message"), NOT_PLACES)
def test_unplaceable_input_gets_advice(typed: str, message: str) -> None:
    with pytest.raises(PlaceError) as caught:
        resolve_place(typed)
    assert str(caught.value).startswith(message)


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


def test_state_names_cover_every_state_code_in_the_zip_data() -> None:
    from clinic_finder.us_states import STATE_NAMES

    assert set(STATE_NAMES) == set(state_codes())
    assert (STATE_NAMES["IL"], STATE_NAMES["TX"]) == ("Illinois", "Texas")
