"""Locating a clinic's street address with geopy (Nominatim by default), falling back to the ZIP centre.

A geocoded point is used only if it lies within the schema's distance of the ZIP centre; otherwise, and
when the geocoder is unreachable or finds nothing, the clinic gets its ZIP centre and
`location_precision = zip`, and the reason is said.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from clinic_finder import geo
from clinic_finder.i18n import _
from clinic_finder.schema import MAX_DISTANCE_FROM_ZIP_MILES, LocationPrecision

DEFAULT_USER_AGENT = "clinic-finder-iop/0.1 (staff geocoding of treatment sites)"
DEFAULT_DOMAIN = "nominatim.openstreetmap.org"

Geocode = Callable[[Any], Any]  # geopy-style: query -> Location | None


@dataclass(frozen=True)
class GeocoderSettings:
    """Where and how to geocode; Nominatim's policy asks for an identifying user agent and <= 1 request/s."""

    user_agent: str = DEFAULT_USER_AGENT
    domain: str = DEFAULT_DOMAIN
    scheme: str = "https"
    timeout_seconds: float = 10.0
    min_delay_seconds: float = 1.0
    max_retries: int = 1
    retry_wait_seconds: float = 2.0


def settings_from_env(environ: Mapping[str, str] | None = None) -> GeocoderSettings:
    """Settings from CLINIC_FINDER_GEOCODER_{USER_AGENT,DOMAIN,SCHEME,MIN_DELAY}, defaults otherwise."""
    env = os.environ if environ is None else environ
    defaults = GeocoderSettings()
    return GeocoderSettings(
        user_agent=env.get("CLINIC_FINDER_GEOCODER_USER_AGENT") or defaults.user_agent,
        domain=env.get("CLINIC_FINDER_GEOCODER_DOMAIN") or defaults.domain,
        scheme=env.get("CLINIC_FINDER_GEOCODER_SCHEME") or defaults.scheme,
        min_delay_seconds=float(env.get("CLINIC_FINDER_GEOCODER_MIN_DELAY") or defaults.min_delay_seconds),
    )


def make_geocoder(settings: GeocoderSettings) -> Geocode:
    """A rate-limited geocode function; it raises geopy errors instead of hiding them (we report them)."""
    geolocator = Nominatim(user_agent=settings.user_agent, domain=settings.domain, scheme=settings.scheme,
                           timeout=settings.timeout_seconds)
    return RateLimiter(
        lambda query: geolocator.geocode(query, exactly_one=True, country_codes="us"),
        min_delay_seconds=settings.min_delay_seconds,
        max_retries=settings.max_retries,
        error_wait_seconds=settings.retry_wait_seconds,
        swallow_exceptions=False,
    )


@functools.cache
def shared_geocoder(settings: GeocoderSettings) -> Geocode:
    """One rate-limited geocoder per settings for the whole process, so all staff sessions share the limit."""
    return make_geocoder(settings)


@dataclass(frozen=True)
class Located:
    """Where a clinic was placed (degrees), how precisely, and a sentence for staff (in the run's language)."""

    lat: float | None
    lon: float | None
    precision: LocationPrecision | None  # None: not even the ZIP code is known
    message: str
    failure: str = ""  # "" (found), "unreachable", "not_found", "far", "no_street"


def address_query(row: Mapping[str, Any]) -> dict[str, str]:
    """A structured Nominatim query (street, city, state, postalcode, country) for a clinic row."""
    def text(column: str) -> str:
        value = row.get(column)
        return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()

    query = {"street": text("address"), "city": text("city"), "state": text("state"),
             "postalcode": text("zip")[:5], "country": "United States"}
    return {key: value for key, value in query.items() if value}


def _zip_fallback(row: Mapping[str, Any], reason: str, failure: str) -> Located:
    record = geo.lookup_zip_record(str(row.get("zip") or ""))
    if record is None or not record.has_location:
        return Located(None, None, None, _("{reason}, and ZIP code {zip} has no known centre; fix the ZIP code or "
                                           "type the coordinates").format(reason=reason, zip=repr(row.get("zip"))),
                       failure)
    return Located(record.lat, record.lon, LocationPrecision.ZIP,
                   _("{reason}; placed at the centre of ZIP {zip} (approximate, location_precision = zip)").format(
                       reason=reason, zip=record.zip),
                   failure)


def locate(row: Mapping[str, Any], geocode: Geocode) -> Located:
    """Geocode a clinic's street address; fall back to its ZIP centre, saying why."""
    query = address_query(row)
    if "street" not in query:
        return _zip_fallback(row, _("there is no street address to look up"), "no_street")
    try:
        found = geocode(query)
    except GeopyError as error:
        return _zip_fallback(row, _("the geocoder could not be reached or failed ({error})").format(
            error=type(error).__name__), "unreachable")
    except (OSError, ValueError) as error:  # a broken reply or socket trouble below geopy
        return _zip_fallback(row, _("the geocoder failed ({error})").format(error=type(error).__name__), "unreachable")
    if found is None:
        return _zip_fallback(row, _("the geocoder found no match for the street address"), "not_found")
    lat, lon = float(found.latitude), float(found.longitude)
    record = geo.lookup_zip_record(str(row.get("zip") or ""))
    if record is not None and record.has_location:
        miles = float(geo.distance_miles(record.lat, record.lon, lat, lon))
        if miles > MAX_DISTANCE_FROM_ZIP_MILES:
            return _zip_fallback(row, _("the geocoder's match lies {miles} miles from ZIP {zip} (probably another "
                                        "place with the same street name)").format(miles=f"{miles:,.0f}",
                                                                                  zip=record.zip), "far")
    return Located(lat, lon, LocationPrecision.ADDRESS, _("located at the street address ({lat}, {lon})").format(
        lat=f"{lat:.5f}", lon=f"{lon:.5f}"))
