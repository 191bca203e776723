"""locate(): which answers are trusted, and settings from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from geopy.exc import GeocoderTimedOut

from clinic_finder import geo
from clinic_finder.geocode import GeocoderSettings, address_query, locate, settings_from_env
from clinic_finder.schema import LocationPrecision

ROW = {"id": "x", "address": "2615 Edwards Street", "city": "Alton", "state": "IL", "zip": "62002-1234"}


@dataclass
class Found:
    latitude: float
    longitude: float


def test_structured_query() -> None:
    assert address_query(ROW) == {"street": "2615 Edwards Street", "city": "Alton", "state": "IL",
                                  "postalcode": "62002", "country": "United States"}


def test_found_far_away_is_not_trusted() -> None:
    centre = geo.lookup_zip_record("62002")
    assert centre is not None
    near = locate(ROW, lambda query: Found(centre.lat + 0.01, centre.lon))
    assert near.precision is LocationPrecision.ADDRESS and near.failure == ""
    far = locate(ROW, lambda query: Found(29.76, -95.37))  # Houston: same street name, wrong state
    assert far.precision is LocationPrecision.ZIP and far.failure == "far"
    assert (far.lat, far.lon) == (centre.lat, centre.lon) and "miles from ZIP 62002" in far.message


def test_errors_and_missing_data_fall_back() -> None:
    def timeout(query: object) -> None:
        raise GeocoderTimedOut("slow")

    assert locate(ROW, timeout).failure == "unreachable"
    assert locate(ROW, lambda query: None).failure == "not_found"
    no_street = locate({**ROW, "address": ""}, lambda query: Found(0, 0))
    assert no_street.failure == "no_street" and no_street.precision is LocationPrecision.ZIP
    unplaceable = locate({**ROW, "zip": "00000"}, lambda query: None)
    assert unplaceable.precision is None and "no known centre" in unplaceable.message


def test_settings_from_env() -> None:
    assert settings_from_env({}) == GeocoderSettings()
    custom = settings_from_env({"CLINIC_FINDER_GEOCODER_DOMAIN": "geo.example.org", "CLINIC_FINDER_GEOCODER_SCHEME":
                                "http", "CLINIC_FINDER_GEOCODER_USER_AGENT": "me", "CLINIC_FINDER_GEOCODER_MIN_DELAY":
                                "2.5"})
    assert (custom.domain, custom.scheme, custom.user_agent, custom.min_delay_seconds) == (
        "geo.example.org", "http", "me", 2.5)
