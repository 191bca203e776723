"""The clinic schema: the single source of truth for `data/clinics.csv`.

Columns, their order, types, vocabularies, labels and help texts all live in the `Clinic` model below.
The validator, the CSV writer, the README data dictionary, the finder's filters and the staff forms are
derived from it (see `COLUMNS`, `SERVICE_COLUMNS`, `column_info`).

What each column checks is listed in its field's description; cross-field checks (ZIP belongs to the
state, coordinates near the ZIP centre) are in `Clinic._check_location`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from clinic_finder import geo

MAX_DISTANCE_FROM_ZIP_MILES = 50.0


class Availability(StrEnum):
    """Whether a clinic offers a service. `unknown` means "call to confirm", never yes and never no."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class LocationPrecision(StrEnum):
    """How exact `lat`/`lon` are."""

    ADDRESS = "address"  # geocoded from the street address
    ZIP = "zip"  # the centre of the ZIP code: approximate, said so to users


# Spellings people type in Excel, mapped to the canonical words written back to the file.
AVAILABILITY_SPELLINGS: dict[str, Availability] = {
    **dict.fromkeys(["yes", "y", "true", "t", "1", "x", "✓", "✔"], Availability.YES),
    **dict.fromkeys(["no", "n", "false", "f", "0"], Availability.NO),
    **dict.fromkeys(["", "unknown", "u", "?", "unk", "n/a", "na", "not known"], Availability.UNKNOWN),
}

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ZIP_PATTERN = re.compile(r"^\d{5}(?:-\d{4})?$")
ISO_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HTTP_URL = TypeAdapter(HttpUrl)


def _meta(label: str, group: str, **extra: Any) -> dict[str, Any]:
    return {"label": label, "group": group, **extra}


def _service(label: str, group: str, help_text: str, glossary: str) -> Any:
    """A yes/no/unknown service column."""
    return Field(
        default=Availability.UNKNOWN,
        description=help_text,
        json_schema_extra=_meta(label, group, glossary=glossary),
    )


class Clinic(BaseModel):
    """One row of `data/clinics.csv`: one treatment site."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    id: str = Field(
        description="Stable unique slug for the site, lowercase letters, digits and hyphens "
        "(e.g. symetria-recovery-chicago). Never reuse or change it: links and backups refer to it.",
        json_schema_extra=_meta("ID", "identity"),
    )
    name: str = Field(
        description="The organisation's name as the public knows it. Required.",
        json_schema_extra=_meta("Name", "identity"),
    )
    site: str = Field(
        default="",
        description="Which site or programme of the organisation (e.g. a town or unit name); may be blank.",
        json_schema_extra=_meta("Site", "identity"),
    )
    address: str = Field(
        description="Street address (number and street). Required.",
        json_schema_extra=_meta("Street address", "location"),
    )
    address2: str = Field(
        default="",
        description="Suite, floor or building; may be blank.",
        json_schema_extra=_meta("Address line 2", "location"),
    )
    city: str = Field(description="City or town. Required.", json_schema_extra=_meta("City", "location"))
    state: str = Field(
        description="Two-letter US state or territory code, e.g. IL or TX.",
        json_schema_extra=_meta("State", "location"),
    )
    zip: str = Field(
        description="ZIP code, 5 digits or ZIP+4 (60613 or 60613-1234), kept as text so leading zeros "
        "survive. Must be a real ZIP code in `state`.",
        json_schema_extra=_meta("ZIP code", "location"),
    )
    phone: str = Field(
        description="Main US phone number, written 312-555-0100 (an extension as 312-555-0100 x12). "
        "Required: people need a number to call today.",
        json_schema_extra=_meta("Phone", "contact"),
    )
    intake_phone: str = Field(
        default="",
        description="Direct intake or admissions line, same format as phone; may be blank.",
        json_schema_extra=_meta("Intake phone", "contact"),
    )
    website: str = Field(
        default="",
        description="The site's web page, starting with http:// or https://; may be blank.",
        json_schema_extra=_meta("Website", "contact"),
    )
    lat: float = Field(
        description="Latitude in decimal degrees (north positive). Must lie within "
        f"{MAX_DISTANCE_FROM_ZIP_MILES:.0f} miles of the ZIP code's centre.",
        json_schema_extra=_meta("Latitude", "location"),
    )
    lon: float = Field(
        description="Longitude in decimal degrees (west negative: Illinois and Texas are about -87 to "
        "-106). Must lie within 50 miles of the ZIP code's centre.",
        json_schema_extra=_meta("Longitude", "location"),
    )
    location_precision: LocationPrecision = Field(
        description="How exact lat/lon are: `address` (geocoded street address) or `zip` (centre of the "
        "ZIP code; shown to users as an approximate location).",
        json_schema_extra=_meta("Location precision", "location"),
    )
    iop: Availability = _service(
        "Intensive outpatient (IOP)",
        "care",
        "Intensive outpatient program: several hours of group and individual therapy a few days a week "
        "while you live at home.",
        "what-is-an-iop",
    )
    evening: Availability = _service(
        "Evening groups",
        "schedule",
        "Groups meet in the evening, so you can keep a daytime job or school.",
        "evening-groups",
    )
    morning: Availability = _service(
        "Morning groups",
        "schedule",
        "Groups meet in the morning, for people who work evenings or nights.",
        "morning-groups",
    )
    virtual: Availability = _service(
        "Virtual sessions",
        "schedule",
        "Some sessions can be joined by video or phone (telehealth) instead of in person.",
        "virtual-sessions",
    )
    buprenorphine: Availability = _service(
        "Buprenorphine (Suboxone)",
        "medication",
        "Uses buprenorphine (for example Suboxone), a medication that eases opioid cravings and withdrawal.",
        "buprenorphine",
    )
    naltrexone: Availability = _service(
        "Naltrexone",
        "medication",
        "Uses naltrexone, a medication that blocks the effects of opioids and reduces alcohol cravings.",
        "naltrexone",
    )
    vivitrol: Availability = _service(
        "Vivitrol (monthly naltrexone shot)",
        "medication",
        "Gives extended-release naltrexone (Vivitrol), a monthly injection for opioid or alcohol use disorder.",
        "vivitrol",
    )
    methadone: Availability = _service(
        "Methadone",
        "medication",
        "Uses methadone, a daily medication for opioid use disorder given through a licensed programme.",
        "methadone",
    )
    mental_health: Availability = _service(
        "Co-occurring mental health care",
        "care",
        "Treats mental-health conditions such as depression, anxiety or trauma together with substance use.",
        "co-occurring-mental-health",
    )
    spanish: Availability = _service(
        "Spanish",
        "care",
        "Treatment is offered in Spanish (tratamiento en español).",
        "spanish",
    )
    medicaid: Availability = _service(
        "Medicaid",
        "payment",
        "Accepts Medicaid, the public health insurance for people with low income.",
        "medicaid",
    )
    medicare: Availability = _service(
        "Medicare",
        "payment",
        "Accepts Medicare, the federal health insurance for people 65 and over or with some disabilities.",
        "medicare",
    )
    private_insurance: Availability = _service(
        "Private insurance",
        "payment",
        "Accepts private health insurance (from an employer or the marketplace).",
        "private-insurance",
    )
    sliding_fee: Availability = _service(
        "Sliding fee scale",
        "payment",
        "Charges less to people with lower income (a sliding fee scale).",
        "sliding-fee",
    )
    source: str = Field(
        description="Where this row's information comes from (a directory with its edition, the "
        "clinic's own statement, a staff call). Required.",
        json_schema_extra=_meta("Source", "provenance"),
    )
    last_verified: dt.date = Field(
        description="The date the row was last checked, as an ISO date YYYY-MM-DD; not in the future.",
        json_schema_extra=_meta("Last verified", "provenance"),
    )
    notes: str = Field(
        default="",
        description="Anything people should know that the columns cannot say (schedules as stated by "
        "the operator, open questions to confirm); may be blank.",
        json_schema_extra=_meta("Notes", "provenance"),
    )

    # ---- per-column checks; each error message says what was expected ----

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_empty(cls, value: Any) -> Any:
        # Spreadsheets and pandas give None/NaN for empty cells; the schema speaks of blank text.
        if value is None or (isinstance(value, float) and value != value):
            return ""
        return value

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not ID_PATTERN.fullmatch(value):
            raise PydanticCustomError(
                "id", "must be a lowercase slug of letters, digits and hyphens, like 'symetria-recovery-chicago'"
            )
        return value

    @field_validator("name", "address", "city", "source")
    @classmethod
    def _check_required(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError("required", "is required and was left blank")
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _check_state(cls, value: Any) -> str:
        text = str(value).strip().upper()
        if text not in geo.state_codes():
            raise PydanticCustomError("state", "must be a two-letter US state code such as IL or TX")
        return text

    @field_validator("zip", mode="before")
    @classmethod
    def _check_zip(cls, value: Any) -> str:
        text = str(value).strip()
        if re.fullmatch(r"\d{9}", text):  # ZIP+4 typed without its hyphen
            text = f"{text[:5]}-{text[5:]}"
        if re.fullmatch(r"\d{3,4}", text):
            raise PydanticCustomError(
                "zip", "has fewer than 5 digits; a spreadsheet probably dropped its leading zeros"
            )
        if not ZIP_PATTERN.fullmatch(text):
            raise PydanticCustomError("zip", "must be 5 digits or ZIP+4, like 60613 or 60613-1234")
        return text

    @field_validator("phone", "intake_phone", mode="before")
    @classmethod
    def _check_phone(cls, value: Any, info: Any) -> str:
        text = str(value).strip()
        if not text:
            if info.field_name == "phone":
                raise PydanticCustomError("required", "is required and was left blank")
            return ""
        return normalize_phone(text)

    @field_validator("website", mode="before")
    @classmethod
    def _check_website(cls, value: Any) -> str:
        text = str(value).strip()
        if not text:
            return ""
        if not re.match(r"^https?://", text, flags=re.IGNORECASE):
            raise PydanticCustomError("url", "must be blank or a web address starting with http:// or https://")
        try:
            _HTTP_URL.validate_python(text)
        except ValidationError:
            raise PydanticCustomError("url", "is not a valid web address") from None
        return text

    @field_validator("lat", "lon", mode="before")
    @classmethod
    def _check_coordinate(cls, value: Any, info: Any) -> float:
        text = str(value).strip()
        if not text:
            raise PydanticCustomError("required", "is required and was left blank")
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise PydanticCustomError("number", "must be a number in decimal degrees, like 41.9543") from None
        limit = 90.0 if info.field_name == "lat" else 180.0
        if not -limit <= number <= limit or number != number:
            raise PydanticCustomError("range", f"must be between -{limit:.0f} and {limit:.0f} degrees")
        return number

    @field_validator("location_precision", mode="before")
    @classmethod
    def _check_precision(cls, value: Any) -> str:
        text = str(value).strip().lower()
        if text not in {p.value for p in LocationPrecision}:
            raise PydanticCustomError("choice", "must be 'address' or 'zip'")
        return text

    @field_validator(
        "iop", "evening", "morning", "virtual", "buprenorphine", "naltrexone", "vivitrol", "methadone",
        "mental_health", "spanish", "medicaid", "medicare", "private_insurance", "sliding_fee",
        mode="before",
    )
    @classmethod
    def _check_availability(cls, value: Any) -> Availability:
        if isinstance(value, Availability):
            return value
        text = str(value).strip().lower()
        if text not in AVAILABILITY_SPELLINGS:
            raise PydanticCustomError(
                "availability", "must be yes, no or unknown (Y/N, true/false, 1/0, x or blank are accepted too)"
            )
        return AVAILABILITY_SPELLINGS[text]

    @field_validator("last_verified", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> dt.date:
        if isinstance(value, dt.date):
            day = value
        else:
            text = str(value).strip()
            if not text:
                raise PydanticCustomError("required", "is required and was left blank")
            try:
                if not ISO_DATE_PATTERN.fullmatch(text):
                    raise ValueError
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise PydanticCustomError("date", "must be an ISO date YYYY-MM-DD, like 2023-06-29") from None
        if day > dt.date.today():
            raise PydanticCustomError("date", "is in the future; use the date the row was actually checked")
        return day

    # ---- cross-field checks ----

    @model_validator(mode="after")
    def _check_location(self) -> Clinic:
        centre = geo.lookup_zip_record(self.zip)
        if centre is None:
            raise PydanticCustomError(
                "zip", "is not a known US ZIP code", {"column": "zip", "value": self.zip}
            )
        if centre.state != self.state:
            raise PydanticCustomError(
                "zip",
                "belongs to {zip_state}, not to {state}",
                {"column": "zip", "value": self.zip, "zip_state": centre.state, "state": self.state},
            )
        if centre.has_location:
            miles = float(geo.distance_miles(centre.lat, centre.lon, self.lat, self.lon))
            if miles > MAX_DISTANCE_FROM_ZIP_MILES:
                raise PydanticCustomError(
                    "far_from_zip",
                    "lat/lon {lat}, {lon} lie {miles} miles from the centre of ZIP {zip} "
                    "(at most {limit} expected; swapped or sign-flipped coordinates?)",
                    {
                        "column": "lat",
                        "value": f"{self.lat}, {self.lon}",
                        "lat": self.lat,
                        "lon": self.lon,
                        "miles": f"{miles:,.0f}",
                        "zip": self.zip,
                        "limit": f"{MAX_DISTANCE_FROM_ZIP_MILES:.0f}",
                    },
                )
        return self


def normalize_phone(text: str) -> str:
    """Return a US phone number as 312-555-0100 (or 312-555-0100 x12); raise if it is not a valid one."""
    try:
        parsed = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        raise PydanticCustomError(
            "phone", "is not a phone number; write a US number like 312-555-0100 (extension: x12)"
        ) from None
    if parsed.country_code != 1 or not phonenumbers.is_valid_number(parsed):
        raise PydanticCustomError("phone", "is not a valid US phone number; write it like 312-555-0100")
    digits = f"{parsed.national_number:010d}"
    formatted = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{formatted} x{parsed.extension}" if parsed.extension else formatted


# ---- what the rest of the package derives from the model ----


@dataclass(frozen=True)
class ColumnInfo:
    """Metadata of one CSV column, derived from the `Clinic` model."""

    name: str
    label: str
    group: str
    help: str
    required: bool
    kind: str  # "text", "number", "date", "choice" or "availability"
    choices: tuple[str, ...] = ()
    glossary: str = ""


def _column_info(name: str) -> ColumnInfo:
    field = Clinic.model_fields[name]
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    annotation = field.annotation
    if annotation is Availability:
        kind, choices = "availability", tuple(a.value for a in Availability)
    elif annotation is LocationPrecision:
        kind, choices = "choice", tuple(p.value for p in LocationPrecision)
    elif annotation is float:
        kind, choices = "number", ()
    elif annotation is dt.date:
        kind, choices = "date", ()
    else:
        kind, choices = "text", ()
    return ColumnInfo(
        name=name,
        label=str(extra.get("label", name)),
        group=str(extra.get("group", "")),
        help=field.description or "",
        required=field.is_required(),
        kind=kind,
        choices=choices,
        glossary=str(extra.get("glossary", "")),
    )


COLUMNS: tuple[str, ...] = tuple(Clinic.model_fields)
COLUMN_INFO: dict[str, ColumnInfo] = {name: _column_info(name) for name in COLUMNS}
SERVICE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if COLUMN_INFO[c].kind == "availability")
PAYMENT_COLUMNS: tuple[str, ...] = tuple(c for c in SERVICE_COLUMNS if COLUMN_INFO[c].group == "payment")
MEDICATION_COLUMNS: tuple[str, ...] = tuple(c for c in SERVICE_COLUMNS if COLUMN_INFO[c].group == "medication")

# A search shortcut, not a column: a clinic offers "medications" if it uses any of MEDICATION_COLUMNS.
MEDICATIONS = "medications"
MEDICATIONS_INFO = ColumnInfo(
    name=MEDICATIONS,
    label="Medications (any)",
    group="medication",
    help="Uses at least one medication for opioid or alcohol use disorder: buprenorphine (Suboxone), "
    "naltrexone, Vivitrol or methadone.",
    required=False,
    kind="availability",
    choices=tuple(a.value for a in Availability),
    glossary="medications",
)
SEARCHABLE: dict[str, ColumnInfo] = {
    MEDICATIONS: MEDICATIONS_INFO,
    **{c: COLUMN_INFO[c] for c in SERVICE_COLUMNS},
}


def column_info(name: str) -> ColumnInfo:
    """Metadata for a column or for the `medications` shortcut."""
    return SEARCHABLE.get(name) or COLUMN_INFO[name]
