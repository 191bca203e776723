"""Offline US geography: ZIP and "City, ST" centres, and distances in miles.

ZIP centres come from the `zipcodes` package, which embeds GeoNames-derived data, so nothing here touches
the network. `zipcodes` stores 0,0 for codes it cannot place (military and some PO-box codes); those are
treated as "no known location", never as a point in the Gulf of Guinea.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import zipcodes

EARTH_RADIUS_MILES = 3958.7613  # mean Earth radius (IUGG), in miles

ZIP_INPUT = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
CANADIAN_POSTAL_CODE = re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$", re.IGNORECASE)
CITY_STATE_INPUT = re.compile(r"^(?P<city>.+?)(?:\s*,\s*|\s+)(?P<state>[A-Za-z]{2})\.?$")


class PlaceError(ValueError):
    """A search location that cannot be placed; the message is written for the person who typed it."""


@dataclass(frozen=True)
class ZipRecord:
    """One ZIP code's primary city, state and centre (degrees)."""

    zip: str
    city: str
    state: str
    lat: float
    lon: float

    @property
    def has_location(self) -> bool:
        return not (self.lat == 0.0 and self.lon == 0.0)


@dataclass(frozen=True)
class Place:
    """A resolved search origin: a label for people and a centre in degrees."""

    label: str
    lat: float
    lon: float
    kind: str  # "zip" or "city"


@functools.cache
def _zip_index() -> dict[str, ZipRecord]:
    return {
        z["zip_code"]: ZipRecord(z["zip_code"], z["city"], z["state"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
    }


@functools.cache
def _city_index() -> dict[tuple[str, str], tuple[str, float, float]]:
    """(CITY, ST) -> (city as written, mean latitude, mean longitude) over the city's placed ZIP codes."""
    points: dict[tuple[str, str], list[tuple[float, float]]] = {}
    names: dict[tuple[str, str], str] = {}
    for record in _zip_index().values():
        if not record.has_location:
            continue
        key = (_city_key(record.city), record.state)
        points.setdefault(key, []).append((record.lat, record.lon))
        names.setdefault(key, record.city)
    return {
        key: (names[key], float(np.mean([p[0] for p in pts])), float(np.mean([p[1] for p in pts])))
        for key, pts in points.items()
    }


def _city_key(city: str) -> str:
    key = re.sub(r"[^a-z0-9 ]", " ", city.lower().replace("saint ", "st "))
    key = re.sub(r"\bst\b\.?", "st", key)
    return " ".join(key.split())


@functools.cache
def state_codes() -> frozenset[str]:
    """Every state, district, territory and military code that has ZIP codes."""
    return frozenset(record.state for record in _zip_index().values())


def lookup_zip_record(zip_code: str) -> ZipRecord | None:
    """The record for a 5-digit ZIP or ZIP+4, or None when the code is not a US ZIP code."""
    match = ZIP_INPUT.fullmatch(zip_code.strip())
    return _zip_index().get(match.group(1)) if match else None


def resolve_place(text: str) -> Place:
    """Turn what someone typed (ZIP, ZIP+4 or "City, ST") into a centre; raise PlaceError with advice."""
    query = " ".join(text.split())
    if not query:
        raise PlaceError("Type a ZIP code (like 60613) or a city and state (like Chicago, IL).")
    zip_match = ZIP_INPUT.fullmatch(query)
    if zip_match:
        record = _zip_index().get(zip_match.group(1))
        if record is None:
            raise PlaceError(
                f"{zip_match.group(1)} is not a US ZIP code we know. Check the digits, "
                "or type a city and state like 'Chicago, IL'."
            )
        if not record.has_location:
            raise PlaceError(
                f"ZIP {record.zip} ({record.city}, {record.state}) is a military or post-office-box code "
                "with no map location. Try the ZIP code of where you live or work."
            )
        return Place(f"{record.zip} ({record.city}, {record.state})", record.lat, record.lon, "zip")
    if CANADIAN_POSTAL_CODE.fullmatch(query):
        raise PlaceError(
            f"'{query}' looks like a Canadian postal code. This finder covers US ZIP codes "
            "(Illinois and Texas clinics)."
        )
    if re.fullmatch(r"[\d\s-]+", query):
        raise PlaceError(f"'{query}' is not a ZIP code: a US ZIP code has 5 digits, like 60613.")
    city_match = CITY_STATE_INPUT.fullmatch(query)
    if city_match:
        state = city_match.group("state").upper()
        if state not in state_codes():
            raise PlaceError(f"'{city_match.group('state')}' is not a US state code. Try 'Chicago, IL'.")
        found = _city_index().get((_city_key(city_match.group("city")), state))
        if found is None:
            raise PlaceError(
                f"We could not find a city called '{city_match.group('city')}' in {state}. "
                "Check the spelling, or type a ZIP code."
            )
        city, lat, lon = found
        return Place(f"{city}, {state}", lat, lon, "city")
    raise PlaceError(
        f"We could not read '{query}' as a place. Type a 5-digit ZIP code (like 60613) "
        "or a city and state (like 'Houston, TX')."
    )


def distance_miles(
    lat: float | npt.ArrayLike, lon: float | npt.ArrayLike, lats: npt.ArrayLike, lons: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Great-circle (haversine) distance in miles from each (lat, lon) to each (lats, lons), degrees in."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = (lon2 - lon1) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
