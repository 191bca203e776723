"""Search semantics: radius edge, AND of services, unknown as "maybe", the medications shortcut, ordering."""

from __future__ import annotations

import math

import pytest

from clinic_finder import DEFAULT_CLINICS_CSV
from clinic_finder.csvfile import clinics_frame, read_clinics_csv
from clinic_finder.geo import EARTH_RADIUS_MILES, resolve_place
from clinic_finder.schema import COLUMNS, SERVICE_COLUMNS
from clinic_finder.search import SearchIndex, search

ORIGIN = (41.0, -88.0)
MILES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_MILES / 180


def clinic(clinic_id: str, miles_north: float, **services: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(COLUMNS, "")
    row.update(dict.fromkeys(SERVICE_COLUMNS, "no"))
    row.update(id=clinic_id, name=clinic_id, lat=ORIGIN[0] + miles_north / MILES_PER_DEGREE_LAT, lon=ORIGIN[1])
    row.update(services)
    return row


TABLE = clinics_frame(
    [
        clinic("far-yes", 30, evening="yes", buprenorphine="yes"),
        clinic("near-unknown", 2, evening="unknown", buprenorphine="yes"),
        clinic("edge-yes", 25, evening="yes", vivitrol="yes"),
        clinic("mid-no", 10, evening="no", methadone="yes"),
        clinic("tie-a", 5, evening="yes"),
        clinic("tie-b", 5, evening="yes", naltrexone="unknown"),
        clinic("meds-unknown", 7, evening="yes", buprenorphine="unknown"),
    ]
)


def ids(**kwargs: object) -> list[str]:
    return search(TABLE, origin=ORIGIN, **kwargs).clinics["id"].tolist()  # type: ignore[arg-type]


CASES = [
    # description, search arguments, expected ids in order
    ("no filters, any distance: nearest first, ties stable",
     {}, ["near-unknown", "tie-a", "tie-b", "meds-unknown", "mid-no", "edge-yes", "far-yes"]),
    ("radius edge is inclusive", {"radius_miles": 25}, ["near-unknown", "tie-a", "tie-b", "meds-unknown", "mid-no", "edge-yes"]),
    ("just inside the edge is out", {"radius_miles": 24.99}, ["near-unknown", "tie-a", "tie-b", "meds-unknown", "mid-no"]),
    ("radius zero keeps nothing here", {"radius_miles": 0}, []),
    ("one service: unknown left out", {"services": ["evening"]}, ["tie-a", "tie-b", "meds-unknown", "edge-yes", "far-yes"]),
    ("one service with unknowns", {"services": ["evening"], "include_unknown": True},
     ["near-unknown", "tie-a", "tie-b", "meds-unknown", "edge-yes", "far-yes"]),
    ("services combine with AND", {"services": ["evening", "buprenorphine"]}, ["far-yes"]),
    ("AND with unknowns", {"services": ["evening", "buprenorphine"], "include_unknown": True},
     ["near-unknown", "meds-unknown", "far-yes"]),
    ("medications = any medication", {"services": ["medications"]}, ["near-unknown", "mid-no", "edge-yes", "far-yes"]),
    ("medications with unknowns: unknown only when no medication is yes",
     {"services": ["medications"], "include_unknown": True},
     ["near-unknown", "tie-b", "meds-unknown", "mid-no", "edge-yes", "far-yes"]),
    ("medications AND evening within 26 miles", {"services": ["medications", "evening"], "radius_miles": 26}, ["edge-yes"]),
    ("duplicate services count once", {"services": ["evening", "evening"]}, ["tie-a", "tie-b", "meds-unknown", "edge-yes", "far-yes"]),
]


@pytest.mark.parametrize(("description", "arguments", "expected"), CASES, ids=[c[0] for c in CASES])
def test_search_semantics(description: str, arguments: dict[str, object], expected: list[str]) -> None:
    assert ids(**arguments) == expected


def test_counts_say_how_many_matched_and_how_many_more_might() -> None:
    result = search(TABLE, origin=ORIGIN, radius_miles=25, services=["evening", "buprenorphine"])
    assert (result.confirmed, result.maybe) == (0, 2)
    assert result.clinics.empty
    with_unknown = search(TABLE, origin=ORIGIN, radius_miles=25, services=["evening", "buprenorphine"],
                          include_unknown=True)
    assert with_unknown.clinics["unknown_services"].tolist() == ["evening", "buprenorphine"]


def test_distance_is_reported_in_miles() -> None:
    result = search(TABLE, origin=ORIGIN, services=["evening"])
    distances = dict(zip(result.clinics["id"], result.clinics["distance_miles"], strict=True))
    assert distances["edge-yes"] == pytest.approx(25, abs=1e-6)
    assert distances["far-yes"] == pytest.approx(30, abs=1e-6)


def test_without_origin_every_clinic_in_table_order_and_radius_ignored() -> None:
    result = search(TABLE, origin=None, radius_miles=1, services=["evening"])
    assert result.clinics["id"].tolist() == ["far-yes", "edge-yes", "tie-a", "tie-b", "meds-unknown"]
    assert result.clinics["distance_miles"].isna().all()


def test_index_and_frame_give_the_same_result() -> None:
    index = SearchIndex.build(TABLE)
    a = search(index, origin=ORIGIN, services=["medications"], include_unknown=True).clinics
    b = search(TABLE, origin=ORIGIN, services=["medications"], include_unknown=True).clinics
    assert a.equals(b)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"services": ["yoga"]}, "unknown service 'yoga'; choose from: medications, iop, evening"),
        ({"radius_miles": -1}, "radius must be zero or more miles"),
        ({"radius_miles": float("nan")}, "radius must be zero or more miles"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        search(TABLE, origin=ORIGIN, **arguments)  # type: ignore[arg-type]


def test_empty_table() -> None:
    result = search(clinics_frame([]), origin=ORIGIN, services=["medications"])
    assert result.clinics.empty and (result.confirmed, result.maybe) == (0, 0)


def test_real_data_chicago_evening_lists_symetria_chicago_first() -> None:
    clinics = read_clinics_csv(DEFAULT_CLINICS_CSV).clinics
    place = resolve_place("60613")
    near = search(clinics, origin=(place.lat, place.lon), radius_miles=10, services=["evening"])
    assert near.clinics["id"].tolist() == ["symetria-recovery-chicago"]
    assert near.maybe > 20  # the directory has no schedules: most Chicago clinics are "call to ask"
    wider = search(clinics, origin=(place.lat, place.lon), radius_miles=25, services=["evening"])
    assert wider.clinics["id"].tolist()[:2] == ["symetria-recovery-chicago", "symetria-recovery-des-plaines"]
