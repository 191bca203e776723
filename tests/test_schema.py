"""The clinic schema, one column at a time: values it accepts (and how it writes them) and values it refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from clinic_finder.schema import (
    COLUMN_INFO,
    COLUMNS,
    MEDICATION_COLUMNS,
    PAYMENT_COLUMNS,
    SEARCHABLE,
    SERVICE_COLUMNS,
    Clinic,
)

GOOD: dict[str, Any] = {
    "id": "symetria-recovery-chicago",
    "name": "Symetria Recovery",
    "site": "Chicago",
    "address": "3934 North Lincoln Avenue",
    "address2": "",
    "city": "Chicago",
    "state": "IL",
    "zip": "60613",
    "phone": "866-440-7429",
    "intake_phone": "",
    "website": "",
    "lat": "41.9543",
    "lon": "-87.6575",
    "location_precision": "zip",
    **dict.fromkeys(SERVICE_COLUMNS, "unknown"),
    "languages": "",
    "current_wait": "",
    "wait_as_of": "",
    "same_site_as": "",
    "source": "SAMHSA National Directory of Substance Use Treatment Facilities 2023",
    "source_date": "2023-06-29",
    "last_checked": "",
    "checked_by": "",
    "notes": "",
}


def clinic_with(**changes: Any) -> Clinic:
    return Clinic.model_validate({**GOOD, **changes})


def messages(**changes: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        clinic_with(**changes)
    return [
        (str(e["loc"][0]) if e["loc"] else str((e.get("ctx") or {}).get("column")), e["msg"])
        for e in caught.value.errors()
    ]


def test_columns_are_the_contract_in_order() -> None:
    assert COLUMNS == (
        "id", "name", "site", "address", "address2", "city", "state", "zip", "phone", "intake_phone", "website",
        "lat", "lon", "location_precision", "iop", "evening", "morning", "virtual", "buprenorphine", "naltrexone",
        "vivitrol", "methadone", "prescribes_buprenorphine", "accepts_outside_medication", "mental_health",
        "co_occurring_group", "detox", "partial_hospitalization", "residential", "spanish", "sign_language",
        "other_languages", "languages", "medicaid", "medicare", "private_insurance", "military_insurance",
        "ihs_tribal_funds", "self_pay", "sliding_fee", "payment_assistance", "free_care", "government_funding",
        "samhsa_funding", "transportation", "child_care", "age_17_or_younger", "age_18_to_25", "age_26_to_64",
        "age_65_or_older", "accepts_women", "accepts_men", "treats_alcohol_use", "treats_opioid_use",
        "opioid_use_only", "alcohol_use_only", "dui_only", "accepting_new_patients", "current_wait", "wait_as_of",
        "same_site_as", "source", "source_date", "last_checked", "checked_by", "notes",
    )  # fmt: skip
    assert "languages" not in SERVICE_COLUMNS and len(SERVICE_COLUMNS) == 43
    assert MEDICATION_COLUMNS == ("buprenorphine", "naltrexone", "vivitrol", "methadone")
    assert PAYMENT_COLUMNS == (
        "medicaid", "medicare", "private_insurance", "military_insurance", "ihs_tribal_funds", "self_pay",
        "sliding_fee", "payment_assistance", "free_care", "government_funding", "samhsa_funding",
    )  # fmt: skip
    assert {"medications", "low_cost"} <= set(SEARCHABLE)


def test_only_what_a_clinic_can_know_is_clinic_editable() -> None:
    editable = {c for c in COLUMNS if COLUMN_INFO[c].clinic_editable}
    for never in ("id", "name", "address", "city", "state", "zip", "lat", "lon", "location_precision", "iop",
                  "same_site_as", "source", "source_date", "last_checked", "checked_by"):
        assert never not in editable, never
    assert {"evening", "morning", "virtual", "phone", "accepting_new_patients", "current_wait", "wait_as_of",
            "notes"} <= editable


@pytest.mark.parametrize("column", COLUMNS)
def test_every_column_has_a_label_and_a_help_text(column: str) -> None:
    info = COLUMN_INFO[column]
    assert info.label and len(info.help) > 20


ACCEPTED = [
    # column, typed, stored
    ("zip", "60613-1234", "60613-1234"),
    ("zip", "606131234", "60613-1234"),
    ("zip", " 60613 ", "60613"),
    ("state", "il", "IL"),
    ("phone", "(866) 440-7429", "866-440-7429"),
    ("phone", "+1 866 440 7429", "866-440-7429"),
    ("phone", "630-620-6616 x100", "630-620-6616 x100"),
    ("phone", "630.620.6616 ext. 100", "630-620-6616 x100"),
    ("intake_phone", "", ""),
    ("website", "https://example.org/iop", "https://example.org/iop"),
    ("website", "", ""),
    ("lat", "41.95", 41.95),
    ("lat", "41,9543", 41.9543),
    ("location_precision", "ADDRESS", "address"),
    ("evening", "Yes", "yes"),
    ("evening", "y", "yes"),
    ("evening", "TRUE", "yes"),
    ("evening", "1", "yes"),
    ("evening", "X", "yes"),
    ("evening", "N", "no"),
    ("evening", "false", "no"),
    ("evening", "0", "no"),
    ("evening", "", "unknown"),
    ("evening", "Unknown", "unknown"),
    ("evening", None, "unknown"),
    ("source_date", "2023-06-29", dt.date(2023, 6, 29)),
    ("last_checked", "", None),
    ("wait_as_of", "", None),
    ("languages", "Polish, Arabic", "Polish, Arabic"),
    ("name", "Clínica Esperanza", "Clínica Esperanza"),
    ("notes", "  trimmed  ", "trimmed"),
    ("notes", "Call first - no walk-ins; = is fine inside", "Call first - no walk-ins; = is fine inside"),
    ("site", "5-East", "5-East"),
]


@pytest.mark.parametrize(("column", "typed", "stored"), ACCEPTED)
def test_accepted_values_are_stored_canonically(column: str, typed: Any, stored: Any) -> None:
    assert getattr(clinic_with(**{column: typed}), column) == stored


REFUSED = [
    # column, typed, the message staff see
    ("id", "Symetria Chicago", "must be a lowercase slug of letters, digits and hyphens, like 'symetria-recovery-chicago'"),
    ("id", "", "must be a lowercase slug of letters, digits and hyphens, like 'symetria-recovery-chicago'"),
    ("name", "  ", "is required and was left blank"),
    ("address", "", "is required and was left blank"),
    ("state", "Illinois", "must be a two-letter US state code such as IL or TX"),
    ("state", "ZZ", "must be a two-letter US state code such as IL or TX"),
    ("zip", "6061", "has fewer than 5 digits; a spreadsheet probably dropped its leading zeros"),
    ("zip", "60613-12", "must be 5 digits or ZIP+4, like 60613 or 60613-1234"),
    ("zip", "M5V 3L9", "must be 5 digits or ZIP+4, like 60613 or 60613-1234"),
    ("phone", "", "is required and was left blank"),
    ("phone", "555-0100", "is not a valid US phone number; write it like 312-555-0100"),
    ("phone", "+44 20 7946 0958", "is not a valid US phone number; write it like 312-555-0100"),
    ("phone", "call us", "is not a phone number; write a US number like 312-555-0100 (extension: x12)"),
    ("website", "example.org", "must be blank or a web address starting with http:// or https://"),
    ("website", "javascript:alert(1)", "must be blank or a web address starting with http:// or https://"),
    ("website", "https://", "is not a valid web address"),
    ("lat", "", "is required and was left blank"),
    ("lat", "abc", "must be a number in decimal degrees, like 41.9543"),
    ("lat", "91", "must be between -90 and 90 degrees"),
    ("lon", "-181", "must be between -180 and 180 degrees"),
    ("location_precision", "street", "must be 'address' or 'zip'"),
    ("evening", "maybe", "must be yes, no or unknown (Y/N, true/false, 1/0, x or blank are accepted too)"),
    ("source", "", "is required and was left blank"),
    ("source_date", "", "is required and was left blank"),
    ("source_date", "29/06/2023", "must be an ISO date YYYY-MM-DD, like 2023-06-29"),
    ("source_date", "2023-02-30", "must be an ISO date YYYY-MM-DD, like 2023-06-29"),
    ("source_date", (dt.date.today() + dt.timedelta(days=1)).isoformat(),
     "is in the future; use the date it actually happened"),
    ("wait_as_of", "next week", "must be an ISO date YYYY-MM-DD, like 2023-06-29"),
    # Tabs and line breaks: the URL parser drops them while checking, then the page shows raw link text.
    ("website", "https://example.org/\nx", "must not contain spaces, tabs or line breaks"),
    ("website", "https://exa\tmple.org/", "must not contain spaces, tabs or line breaks"),
    ("website", "https://example.org/a b", "must not contain spaces, tabs or line breaks"),
    # Direction controls make a displayed name read as something else (U+202E reverses what follows).
    ("name", "Safe \u202eeniloP", "contains an invisible text-direction character (U+202E) that can make text "
     "display as something else; remove it"),
    ("notes", "call \u2066312\u2069", "contains an invisible text-direction character (U+2066) that can make text "
     "display as something else; remove it"),
    ("phone", "\u200f312-555-0100", "contains an invisible text-direction character (U+200F) that can make text "
     "display as something else; remove it"),
    ("name", "x" * 201, "is longer than 200 characters"),
    # Text a spreadsheet would run as a formula (staff open the file in Excel; clinic accounts write notes).
    ("name", '=HYPERLINK("http://evil.example","Click me")', "starts with '=', which a spreadsheet would run as a "
     "formula when the file is opened; start with a letter or a digit"),
    ("notes", "@SUM(1+1)*cmd|' /C calc'!A0", "starts with '@', which a spreadsheet would run as a formula when the "
     "file is opened; start with a letter or a digit"),
    ("current_wait", "+2 weeks", "starts with '+', which a spreadsheet would run as a formula when the file is "
     "opened; start with a letter or a digit"),
    ("site", "-2+3", "starts with '-', which a spreadsheet would run as a formula when the file is opened; start "
     "with a letter or a digit"),
    ("same_site_as", "Other Place", "must be blank or the id of another row, like 'symetria-recovery-chicago'"),
]


@pytest.mark.parametrize(("column", "typed", "message"), REFUSED)
def test_refused_values_say_what_was_expected(column: str, typed: Any, message: str) -> None:
    assert messages(**{column: typed}) == [(column, message)]


CROSS_FIELD = [
    ({"last_checked": "2026-11-20"}, ("checked_by", "is blank but last_checked is filled in")),
    ({"checked_by": "maintainer"}, ("last_checked", "is blank but checked_by is filled in")),
    ({"current_wait": "About 2 weeks"}, ("wait_as_of", "is blank but current_wait is filled in")),
    ({"same_site_as": "symetria-recovery-chicago"}, ("same_site_as", "names the row itself")),
    ({"zip": "77040"}, ("zip", "belongs to TX, not to IL")),
    ({"zip": "00000"}, ("zip", "is not a known US ZIP code")),
    ({"lat": "-87.6575", "lon": "41.9543"}, ("lat", "lie 9,219 miles from the centre of ZIP 60613")),
    ({"lon": "87.6575"}, ("lat", "miles from the centre of ZIP 60613")),
    ({"lat": "42.70"}, ("lat", "lie 52 miles from the centre of ZIP 60613")),
]


@pytest.mark.parametrize(("changes", "expected"), CROSS_FIELD)
def test_cross_field_checks(changes: dict[str, str], expected: tuple[str, str]) -> None:
    [(column, message)] = messages(**changes)
    assert column == expected[0]
    assert expected[1] in message


def test_coordinates_within_fifty_miles_of_the_zip_centre_are_fine() -> None:
    assert clinic_with(lat="42.6", lon="-87.6575").lat == 42.6  # ~45 miles north
