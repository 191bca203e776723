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
    "source": "SAMHSA National Directory of Substance Use Treatment Facilities 2023",
    "last_verified": "2023-06-29",
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
        "vivitrol", "methadone", "mental_health", "spanish", "medicaid", "medicare", "private_insurance",
        "sliding_fee", "source", "last_verified", "notes",
    )  # fmt: skip
    assert SERVICE_COLUMNS == COLUMNS[COLUMNS.index("iop") : COLUMNS.index("sliding_fee") + 1]
    assert MEDICATION_COLUMNS == ("buprenorphine", "naltrexone", "vivitrol", "methadone")
    assert PAYMENT_COLUMNS == ("medicaid", "medicare", "private_insurance", "sliding_fee")
    assert "medications" in SEARCHABLE


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
    ("last_verified", "2023-06-29", dt.date(2023, 6, 29)),
    ("notes", "  trimmed  ", "trimmed"),
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
    ("last_verified", "", "is required and was left blank"),
    ("last_verified", "29/06/2023", "must be an ISO date YYYY-MM-DD, like 2023-06-29"),
    ("last_verified", "2023-02-30", "must be an ISO date YYYY-MM-DD, like 2023-06-29"),
    ("last_verified", (dt.date.today() + dt.timedelta(days=1)).isoformat(),
     "is in the future; use the date the row was actually checked"),
]


@pytest.mark.parametrize(("column", "typed", "message"), REFUSED)
def test_refused_values_say_what_was_expected(column: str, typed: Any, message: str) -> None:
    assert messages(**{column: typed}) == [(column, message)]


CROSS_FIELD = [
    ({"zip": "77040"}, ("zip", "belongs to TX, not to IL")),
    ({"zip": "00000"}, ("zip", "is not a known US ZIP code")),
    ({"lat": "-87.6575", "lon": "41.9543"}, ("lat", "lie 9,219 miles from the centre of ZIP 60613")),
    ({"lon": "87.6575"}, ("lat", "miles from the centre of ZIP 60613")),
    ({"lat": "42.70"}, ("lat", "lie 52 miles from the centre of ZIP 60613")),
]


@pytest.mark.parametrize(("changes", "expected"), CROSS_FIELD)
def test_location_must_agree_with_the_zip_code(changes: dict[str, str], expected: tuple[str, str]) -> None:
    [(column, message)] = messages(**changes)
    assert column == expected[0]
    assert expected[1] in message


def test_coordinates_within_fifty_miles_of_the_zip_centre_are_fine() -> None:
    assert clinic_with(lat="42.6", lon="-87.6575").lat == 42.6  # ~45 miles north
