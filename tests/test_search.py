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
        ({"services": ["yoga"]}, "unknown service 'yoga'; choose from: medications, low_cost, iop, evening"),
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


# ---- who can attend: `exclude` leaves out only clinics that surely would not serve the person ----

SERVES_ALL = {"accepts_women": "yes", "accepts_men": "yes", "age_17_or_younger": "yes", "opioid_use_only": "no"}
ATTENDANCE = clinics_frame(
    [
        clinic("women-only", 1, **SERVES_ALL | {"evening": "yes", "accepts_men": "no"}),
        clinic("men-unknown", 2, **SERVES_ALL | {"evening": "yes", "accepts_men": "unknown"}),
        clinic("opioid-only", 3, **SERVES_ALL | {"evening": "unknown", "opioid_use_only": "yes"}),
        clinic("adults", 4, **SERVES_ALL | {"evening": "yes", "age_17_or_younger": "no"}),
    ]
)

EXCLUDE_CASES = [
    ("nothing excluded by default", [], ["women-only", "men-unknown", "opioid-only", "adults"], 0),
    ("a man: women-only left out, unknown kept", [("accepts_men", "no")], ["men-unknown", "opioid-only", "adults"], 1),
    ("a 16-year-old", [("age_17_or_younger", "no")], ["women-only", "men-unknown", "opioid-only"], 1),
    ("alcohol: opioid-only left out", [("opioid_use_only", "yes")], ["women-only", "men-unknown", "adults"], 1),
    ("two reasons, one clinic each", [("accepts_men", "no"), ("age_17_or_younger", "no")],
     ["men-unknown", "opioid-only"], 2),
]


@pytest.mark.parametrize(("description", "exclude", "expected", "excluded"), EXCLUDE_CASES,
                         ids=[c[0] for c in EXCLUDE_CASES])
def test_exclude_leaves_out_only_definite_mismatches(description: str, exclude: list[tuple[str, str]],
                                                     expected: list[str], excluded: int) -> None:
    result = search(ATTENDANCE, origin=ORIGIN, exclude=exclude, include_unknown=True)
    assert result.clinics["id"].tolist() == expected
    assert result.excluded == excluded


def test_excluded_counts_only_clinics_that_would_otherwise_show() -> None:
    # opioid-only is a maybe for evening; excluding it counts it, a clinic failing the filter does not count.
    result = search(ATTENDANCE, origin=ORIGIN, services=["evening"], exclude=[("opioid_use_only", "yes")])
    assert (result.confirmed, result.maybe, result.excluded) == (3, 0, 1)


@pytest.mark.parametrize("bad", [("accepts_men", "unknown"), ("languages", "no"), ("nonsense", "yes")])
def test_exclude_refuses_unknown_values_and_non_yes_no_columns(bad: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="cannot exclude"):
        search(ATTENDANCE, origin=ORIGIN, exclude=[bad])


def test_low_cost_shortcut_is_any_of_its_columns() -> None:
    table = clinics_frame([
        clinic("sliding", 1, sliding_fee="yes"),
        clinic("grant", 2, samhsa_funding="yes"),
        clinic("unknown-assistance", 3, payment_assistance="unknown"),
        clinic("none", 4),
    ])
    assert search(table, origin=ORIGIN, services=["low_cost"]).clinics["id"].tolist() == ["sliding", "grant"]
    with_unknown = search(table, origin=ORIGIN, services=["low_cost"], include_unknown=True)
    assert with_unknown.clinics["id"].tolist() == ["sliding", "grant", "unknown-assistance"]


# ---- a place listed twice (same_site_as) is one result ----

TWICE = clinics_frame(
    [
        clinic("main-listing", 3, evening="yes", methadone="no"),
        clinic("other-listing", 3, evening="yes", methadone="yes", same_site_as="main-listing"),
        clinic("elsewhere", 5, evening="yes", methadone="unknown"),
    ]
)

PLACE_CASES = [
    ("both match: the main listing, once", {"services": ["evening"]}, ["main-listing", "elsewhere"], (2, 0)),
    ("only the other listing matches: it shows", {"services": ["methadone"]}, ["other-listing"], (1, 1)),
    ("confirmed listing beats a maybe", {"services": ["methadone"], "include_unknown": True},
     ["other-listing", "elsewhere"], (1, 1)),
]


@pytest.mark.parametrize(("description", "arguments", "expected", "counts"), PLACE_CASES,
                         ids=[c[0] for c in PLACE_CASES])
def test_a_place_listed_twice_is_one_result(description: str, arguments: dict[str, object], expected: list[str],
                                            counts: tuple[int, int]) -> None:
    result = search(TWICE, origin=ORIGIN, **arguments)  # type: ignore[arg-type]
    assert result.clinics["id"].tolist() == expected
    assert (result.confirmed, result.maybe) == counts


def test_real_duplicates_are_one_pin_each() -> None:
    clinics = read_clinics_csv(DEFAULT_CLINICS_CSV).clinics
    assert clinics is not None
    near_va = search(clinics, origin=(41.8805, -87.6873), radius_miles=0.5)
    jesse = [i for i in near_va.clinics["id"] if i.startswith("jesse-brown")]
    assert jesse == ["jesse-brown-va-medical-center-addiction-treatment-program-atp"]
    methadone = search(clinics, origin=(41.8805, -87.6873), radius_miles=0.5, services=["methadone"])
    assert methadone.clinics["id"].tolist() == ["jesse-brown-addiction-programs-drug-dependency-trt-center-ddtc"]
