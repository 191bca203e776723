"""search()'s shortcuts (latitude band, precomputed radians, grouped unknown labels) change no result.

The reference below is the plain version of search() that the shortcuts replaced.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from clinic_finder import DEFAULT_CLINICS_CSV
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.geo import distance_miles
from clinic_finder.schema import SEARCHABLE
from clinic_finder.search import NO, UNKNOWN, YES, SearchIndex, search


def reference_search(index: SearchIndex, origin, radius_miles, services, include_unknown) -> tuple:
    wanted = list(dict.fromkeys(services))
    size = len(index.clinics)
    if origin is not None:
        distances = distance_miles(origin[0], origin[1], index.lat, index.lon)
        in_range = distances <= radius_miles + 1e-9 if radius_miles is not None else np.ones(size, dtype=bool)
    else:
        distances = np.full(size, np.nan)
        in_range = np.ones(size, dtype=bool)
    no_service_missing = np.ones(size, dtype=bool)
    all_confirmed = np.ones(size, dtype=bool)
    for service in wanted:
        no_service_missing &= index.availability[service] != NO
        all_confirmed &= index.availability[service] == YES
    confirmed = in_range & all_confirmed
    maybe = in_range & no_service_missing & ~all_confirmed
    positions = np.flatnonzero(confirmed | maybe if include_unknown else confirmed)
    if origin is not None:
        positions = positions[np.argsort(distances[positions], kind="stable")]
    result = index.clinics.iloc[positions].copy()
    result["distance_miles"] = distances[positions]
    result["unknown_services"] = [
        ", ".join(s for s in wanted if index.availability[s][p] == UNKNOWN) for p in positions
    ]
    return result.reset_index(drop=True), int(confirmed.sum()), int(maybe.sum())


@pytest.fixture(scope="module")
def clinics() -> pd.DataFrame:
    result = read_clinics_csv(DEFAULT_CLINICS_CSV)
    assert result.clinics is not None
    # The reference lists every row; one-listing-per-place is tested on its own in test_search.py.
    return result.clinics.assign(same_site_as="")


def test_same_results_as_the_plain_search(clinics: pd.DataFrame) -> None:
    rng = random.Random(7)
    index = SearchIndex.build(clinics)
    for _ in range(300):
        if rng.random() < 0.5:  # at a clinic, so some distances are exactly 0 or exactly the radius
            row = clinics.iloc[rng.randrange(len(clinics))]
            origin: tuple[float, float] | None = (row["lat"], row["lon"])
        else:
            origin = rng.choice([None, (rng.uniform(25, 49), rng.uniform(-110, -80))])
        radius = rng.choice([None, 0.0, 5, 25, 100, 1000, rng.uniform(0, 300)])
        services = rng.sample(list(SEARCHABLE), rng.randint(0, 4))
        include_unknown = rng.random() < 0.5
        expected, confirmed, maybe = reference_search(index, origin, radius, services, include_unknown)
        got = search(index, origin, radius, services, include_unknown)
        pd.testing.assert_frame_equal(got.clinics, expected, check_exact=True)
        assert (got.confirmed, got.maybe) == (confirmed, maybe)


def test_edge_of_the_radius_is_kept(clinics: pd.DataFrame) -> None:
    # A clinic exactly `radius` miles north of the origin is inside (the latitude band must not cut it).
    clinic = clinics.iloc[0]
    origin = (clinic["lat"] - 0.5, clinic["lon"])
    radius = float(distance_miles(origin[0], origin[1], [clinic["lat"]], [clinic["lon"]])[0])
    assert clinic["id"] in set(search(clinics, origin, radius).clinics["id"])
