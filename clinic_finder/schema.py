"""The clinic schema: the single source of truth for `data/clinics.csv`.

Columns, their order, types, vocabularies, labels, help texts, glossary entries and who may edit them all
live in the `Clinic` model below. The validator, the CSV writer, the README data dictionary, the finder's
filters and badges, the staff forms and the glossary are derived from it (see `COLUMNS`, `COLUMN_INFO`,
`SEARCHABLE`).

What each column checks is listed in its field's description; cross-field checks (ZIP belongs to the
state, coordinates near the ZIP centre, who checked a row and when) are in `Clinic._check_row`.
Labels and help texts are English message ids (marked with `N_`) translated where they are shown.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from clinic_finder import clock, geo
from clinic_finder.i18n import N_, _

MAX_DISTANCE_FROM_ZIP_MILES = 50.0
# What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection"): refused at the start of free text.
FORMULA_STARTS = frozenset("=+-@\t\r")
MAX_SHORT_TEXT = 200  # names, addresses, who checked: one line
MAX_NOTES = 2000


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
# Characters that change the direction text is drawn in: a name holding U+202E can show as something
# else entirely (a spoofed name or phone number), so they are refused everywhere.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_HTTP_URL = TypeAdapter(HttpUrl)


def _as_text(value: Any) -> str:
    """Cell text: spreadsheets and pandas give None/NaN for empty cells."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


# ---- cell parsers shared by several columns (each error message says what was expected) ----


def _parse_availability(value: Any) -> Availability:
    if isinstance(value, Availability):
        return value
    text = _as_text(value).lower()
    if text not in AVAILABILITY_SPELLINGS:
        raise PydanticCustomError(
            "availability", _("must be yes, no or unknown (Y/N, true/false, 1/0, x or blank are accepted too)")
        )
    return AVAILABILITY_SPELLINGS[text]


def _parse_date(value: Any) -> dt.date | None:
    """An ISO date not in the future; blank gives None (the field decides whether blank is allowed)."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = _as_text(value)
        if not text:
            return None
        try:
            if not ISO_DATE_PATTERN.fullmatch(text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError("date", _("must be an ISO date YYYY-MM-DD, like 2023-06-29")) from None
    if day > clock.today():
        raise PydanticCustomError("date", _("is in the future; use the date it actually happened"))
    return day


AvailabilityValue = Annotated[Availability, BeforeValidator(_parse_availability)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_parse_date)]


def _meta(label: str, group: str, clinic_editable: bool = False, **extra: Any) -> dict[str, Any]:
    return {"label": label, "group": group, "clinic_editable": clinic_editable, **extra}


def _text(label: str, group: str, help_text: str, *, required: bool = False, clinic_editable: bool = False) -> Any:
    meta = _meta(label, group, clinic_editable)
    if required:
        return Field(description=help_text, json_schema_extra=meta)
    return Field(default="", description=help_text, json_schema_extra=meta)


def _service(label: str, group: str, help_text: str, glossary: str, *, clinic_editable: bool = True) -> Any:
    """A yes/no/unknown column."""
    return Field(
        default=Availability.UNKNOWN,
        description=help_text,
        json_schema_extra=_meta(label, group, clinic_editable, glossary=glossary),
    )


class Clinic(BaseModel):
    """One row of `data/clinics.csv`: one treatment site."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    # ---- identity, location, contact ----
    id: str = _text(
        N_("ID"), "identity", N_("Stable unique slug for the site, lowercase letters, digits and hyphens "
                                 "(e.g. symetria-recovery-chicago). Never reuse or change it: links and backups "
                                 "refer to it."), required=True)
    name: str = _text(N_("Name"), "identity", N_("The organisation's name as the public knows it. Required."),
                      required=True)
    site: str = _text(N_("Site"), "identity",
                      N_("Which site or programme of the organisation (e.g. a town or unit name); may be blank."))
    address: str = _text(N_("Street address"), "location", N_("Street address (number and street). Required."),
                         required=True)
    address2: str = _text(N_("Address line 2"), "location", N_("Suite, floor or building; may be blank."),
                          clinic_editable=True)
    city: str = _text(N_("City"), "location", N_("City or town. Required."), required=True)
    state: str = _text(N_("State"), "location", N_("Two-letter US state or territory code, e.g. IL or TX."),
                       required=True)
    zip: str = _text(N_("ZIP code"), "location",
                     N_("ZIP code, 5 digits or ZIP+4 (60613 or 60613-1234), kept as text so leading zeros "
                        "survive. Must be a real ZIP code in `state`."), required=True)
    phone: str = _text(N_("Phone"), "contact",
                       N_("Main US phone number, written 312-555-0100 (an extension as 312-555-0100 x12). "
                          "Required: people need a number to call today."), required=True, clinic_editable=True)
    intake_phone: str = _text(N_("Intake phone"), "contact",
                              N_("Direct intake or admissions line, same format as phone; may be blank."),
                              clinic_editable=True)
    website: str = _text(N_("Website"), "contact",
                         N_("The site's web page, starting with http:// or https://; may be blank."),
                         clinic_editable=True)
    lat: float = Field(
        description=N_("Latitude in decimal degrees (north positive). Must lie within 50 miles of the ZIP "
                       "code's centre."),
        json_schema_extra=_meta(N_("Latitude"), "location"),
    )
    lon: float = Field(
        description=N_("Longitude in decimal degrees (west negative: Illinois and Texas are about -87 to "
                       "-106). Must lie within 50 miles of the ZIP code's centre."),
        json_schema_extra=_meta(N_("Longitude"), "location"),
    )
    location_precision: LocationPrecision = Field(
        description=N_("How exact lat/lon are: `address` (geocoded street address) or `zip` (centre of the ZIP "
                       "code; shown to users as an approximate location)."),
        json_schema_extra=_meta(N_("Location precision"), "location"),
    )

    # ---- level of care and schedule ----
    iop: AvailabilityValue = _service(
        N_("Intensive outpatient (IOP)"), "care",
        N_("Intensive outpatient program: several hours of group and individual therapy a few days a week "
           "while you live at home."), "what-is-an-iop", clinic_editable=False)
    evening: AvailabilityValue = _service(
        N_("Evening groups"), "schedule",
        N_("Groups meet in the evening, so you can keep a daytime job or school."), "evening-groups")
    morning: AvailabilityValue = _service(
        N_("Morning groups"), "schedule",
        N_("Groups meet in the morning, for people who work evenings or nights."), "morning-groups")
    virtual: AvailabilityValue = _service(
        N_("Virtual sessions"), "schedule",
        N_("Some sessions can be joined by video or phone (telehealth) instead of in person."), "virtual-sessions")

    # ---- medications ----
    buprenorphine: AvailabilityValue = _service(
        N_("Buprenorphine (Suboxone)"), "medication",
        N_("Uses buprenorphine (for example Suboxone), a medication that eases opioid cravings and withdrawal."),
        "buprenorphine")
    naltrexone: AvailabilityValue = _service(
        N_("Naltrexone"), "medication",
        N_("Uses naltrexone, a medication that blocks the effects of opioids and reduces alcohol cravings."),
        "naltrexone")
    vivitrol: AvailabilityValue = _service(
        N_("Vivitrol (monthly naltrexone shot)"), "medication",
        N_("Gives extended-release naltrexone (Vivitrol), a monthly injection for opioid or alcohol use disorder."),
        "vivitrol")
    methadone: AvailabilityValue = _service(
        N_("Methadone"), "medication",
        N_("Uses methadone, a daily medication for opioid use disorder given through a licensed programme."),
        "methadone")
    prescribes_buprenorphine: AvailabilityValue = _service(
        N_("Prescribes buprenorphine on site"), "medication",
        N_("A prescriber at this clinic can start or continue buprenorphine (Suboxone) for you."),
        "prescribes-buprenorphine")
    accepts_outside_medication: AvailabilityValue = _service(
        N_("Takes people on medication from elsewhere"), "medication",
        N_("Takes people who already get medication for opioid use (such as buprenorphine or methadone) from "
           "another doctor or clinic."), "medication-from-elsewhere")

    # ---- other care at the same place ----
    mental_health: AvailabilityValue = _service(
        N_("Treats co-occurring mental health"), "care",
        N_("Treats mental-health conditions such as depression, anxiety or trauma together with substance use."),
        "co-occurring-mental-health")
    co_occurring_group: AvailabilityValue = _service(
        N_("Group for co-occurring conditions"), "care",
        N_("Runs a group or program made for people with both a mental-health and a substance-use condition."),
        "co-occurring-group")
    detox: AvailabilityValue = _service(
        N_("Detox at the same place"), "care",
        N_("Medically supervised withdrawal (detox) is offered at this place too."), "detox")
    partial_hospitalization: AvailabilityValue = _service(
        N_("Day treatment (partial hospitalization)"), "care",
        N_("A day program with more hours than IOP is offered at this place too."), "partial-hospitalization")
    residential: AvailabilityValue = _service(
        N_("Residential treatment"), "care",
        N_("Live-in (residential) treatment is offered at this place too."), "residential")

    # ---- languages ----
    spanish: AvailabilityValue = _service(
        N_("Spanish"), "language", N_("Treatment is offered in Spanish (tratamiento en español)."), "spanish")
    sign_language: AvailabilityValue = _service(
        N_("Sign language (ASL)"), "language",
        N_("Services for Deaf and hard-of-hearing people, in sign language."), "sign-language")
    other_languages: AvailabilityValue = _service(
        N_("Other languages"), "language",
        N_("Counselling in languages other than English and Spanish (see which below, when known)."),
        "other-languages")
    languages: str = _text(
        N_("Which other languages"), "language",
        N_("The other languages counselling is offered in, comma-separated (e.g. Polish, Arabic); may be blank."),
        clinic_editable=True)

    # ---- paying ----
    medicaid: AvailabilityValue = _service(
        N_("Medicaid"), "payment",
        N_("Accepts Medicaid, the public health insurance for people with low income."), "medicaid")
    medicare: AvailabilityValue = _service(
        N_("Medicare"), "payment",
        N_("Accepts Medicare, the federal health insurance for people 65 and over or with some disabilities."),
        "medicare")
    private_insurance: AvailabilityValue = _service(
        N_("Private insurance"), "payment",
        N_("Accepts private health insurance (from an employer or the marketplace)."), "private-insurance")
    military_insurance: AvailabilityValue = _service(
        N_("TRICARE (military insurance)"), "payment",
        N_("Accepts federal military insurance such as TRICARE."), "tricare")
    ihs_tribal_funds: AvailabilityValue = _service(
        N_("Indian Health Service or tribal funds"), "payment",
        N_("Accepts Indian Health Service, tribal or urban Indian health funds."), "ihs-tribal")
    self_pay: AvailabilityValue = _service(
        N_("Cash or self-pay"), "payment", N_("You can pay yourself, without insurance."), "self-pay")
    sliding_fee: AvailabilityValue = _service(
        N_("Sliding fee scale"), "payment",
        N_("Charges less to people with lower income (a sliding fee scale)."), "sliding-fee")
    payment_assistance: AvailabilityValue = _service(
        N_("Payment assistance"), "payment",
        N_("Has a program that helps people who cannot pay all of the cost."), "payment-assistance")
    free_care: AvailabilityValue = _service(
        N_("Free (no payment taken)"), "payment", N_("Takes no payment for treatment."), "free-care")
    government_funding: AvailabilityValue = _service(
        N_("Government funding"), "payment",
        N_("Accepts federal, state or local government funding for treatment, which can cover people without "
           "insurance."), "government-funding")
    samhsa_funding: AvailabilityValue = _service(
        N_("SAMHSA grant funding"), "payment",
        N_("Receives SAMHSA funding or block grants, often used to treat people without insurance."),
        "samhsa-block-grant")

    # ---- help getting there ----
    transportation: AvailabilityValue = _service(
        N_("Help with transportation"), "support", N_("Helps you get to and from treatment."), "transportation")
    child_care: AvailabilityValue = _service(
        N_("Child care"), "support", N_("Looks after your children while you are in treatment."), "child-care")

    # ---- who can attend ----
    age_17_or_younger: AvailabilityValue = _service(
        N_("Ages 17 or younger"), "attendance", N_("Accepts children and teenagers (17 or younger)."), "ages-served")
    age_18_to_25: AvailabilityValue = _service(
        N_("Ages 18 to 25"), "attendance", N_("Accepts young adults (18 to 25)."), "ages-served")
    age_26_to_64: AvailabilityValue = _service(
        N_("Ages 26 to 64"), "attendance", N_("Accepts adults (26 to 64)."), "ages-served")
    age_65_or_older: AvailabilityValue = _service(
        N_("Ages 65 or older"), "attendance", N_("Accepts older adults (65 or older)."), "ages-served")
    accepts_women: AvailabilityValue = _service(
        N_("Accepts women"), "attendance", N_("Women can attend this program."), "women-and-men")
    accepts_men: AvailabilityValue = _service(
        N_("Accepts men"), "attendance", N_("Men can attend this program."), "women-and-men")
    treats_alcohol_use: AvailabilityValue = _service(
        N_("Treats alcohol use"), "attendance", N_("Treats problems with alcohol."), "limited-programs")
    treats_opioid_use: AvailabilityValue = _service(
        N_("Treats opioid use"), "attendance",
        N_("Treats problems with opioids (such as heroin, fentanyl or pain pills)."), "limited-programs")
    opioid_use_only: AvailabilityValue = _service(
        N_("Opioid use only"), "attendance", N_("Serves only people with opioid use problems."), "limited-programs")
    alcohol_use_only: AvailabilityValue = _service(
        N_("Alcohol use only"), "attendance", N_("Serves only people with alcohol use problems."), "limited-programs")
    dui_only: AvailabilityValue = _service(
        N_("DUI/DWI clients only"), "attendance",
        N_("Serves only people sent for driving under the influence (DUI/DWI)."), "limited-programs")

    # ---- getting in ----
    accepting_new_patients: AvailabilityValue = _service(
        N_("Accepting new patients"), "intake",
        N_("Takes new patients now, as last told to us by the clinic (see the date)."), "accepting-new-patients")
    current_wait: str = _text(
        N_("Current wait"), "intake",
        N_("How long people wait to start, in the clinic's words (e.g. 'No wait' or 'About 2 weeks'); needs "
           "'Wait as of'. May be blank."), clinic_editable=True)
    wait_as_of: OptionalDate = Field(
        default=None,
        description=N_("The date the clinic told us whether it takes new patients and how long the wait is, "
                       "YYYY-MM-DD; may be blank."),
        json_schema_extra=_meta(N_("Wait as of"), "intake", clinic_editable=True),
    )

    # ---- where the row comes from ----
    same_site_as: str = _text(
        N_("Same place as"), "provenance",
        N_("The id of another row that is the same place listed twice in a source; the finder then shows the "
           "place once. Blank for almost every row."))
    source: str = _text(
        N_("Source"), "provenance",
        N_("Where this row's information comes from (a directory with its edition, the clinic's own statement, "
           "a staff call). Required."), required=True)
    source_date: OptionalDate = Field(
        description=N_("The date of the source this row came from (e.g. the directory's publication date), "
                       "YYYY-MM-DD. It is not the date anyone checked the row. Required."),
        json_schema_extra=_meta(N_("Source date"), "provenance"),
    )
    last_checked: OptionalDate = Field(
        default=None,
        description=N_("The date a person last confirmed this row with the clinic (a call, or the clinic's own "
                       "staff), YYYY-MM-DD; blank if nobody has yet. Needs 'Checked by'."),
        json_schema_extra=_meta(N_("Last checked"), "provenance"),
    )
    checked_by: str = _text(
        N_("Checked by"), "provenance",
        N_("Who last confirmed the row (a staff account or name); blank if nobody has yet. Needs 'Last checked'."))
    notes: str = _text(
        N_("Notes"), "provenance",
        N_("Anything people should know that the columns cannot say (schedules as stated by the operator, open "
           "questions to confirm); may be blank."), clinic_editable=True)

    # ---- per-column checks ----

    @model_validator(mode="before")
    @classmethod
    def _no_direction_controls(cls, data: Any) -> Any:
        # Before any column's own check, which might quietly drop the character (phone parsing does).
        if isinstance(data, dict):
            for column, value in data.items():
                found = BIDI_CONTROLS.search(value) if isinstance(value, str) else None
                if found:
                    raise PydanticCustomError(
                        "bidi",
                        _("contains an invisible text-direction character (U+{code}) that can make text display "
                          "as something else; remove it"),
                        {"code": f"{ord(found.group(0)):04X}", "column": column, "value": value},
                    )
        return data

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
                "id", _("must be a lowercase slug of letters, digits and hyphens, like 'symetria-recovery-chicago'")
            )
        return value

    @field_validator("same_site_as")
    @classmethod
    def _check_reference(cls, value: str) -> str:
        if value and not ID_PATTERN.fullmatch(value):
            raise PydanticCustomError(
                "id", _("must be blank or the id of another row, like 'symetria-recovery-chicago'"))
        return value

    @field_validator("name", "address", "city", "source")
    @classmethod
    def _check_required(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError("required", _("is required and was left blank"))
        return value

    @field_validator("name", "site", "address", "address2", "city", "checked_by", "current_wait", "languages")
    @classmethod
    def _check_length(cls, value: str) -> str:
        if len(value) > MAX_SHORT_TEXT:
            raise PydanticCustomError("length", _("is longer than {limit} characters"), {"limit": MAX_SHORT_TEXT})
        return value

    @field_validator("name", "site", "address", "address2", "city", "checked_by", "current_wait", "languages",
                     "notes", "source")
    @classmethod
    def _check_not_a_formula(cls, value: str) -> str:
        # Staff open this file in Excel (docs/staff.md), and clinic accounts write some of these columns: text that
        # starts like a formula would run as one there (OWASP's CSV injection), "=HYPERLINK(...)" in a name.
        if value[:1] in FORMULA_STARTS:
            raise PydanticCustomError(
                "formula", _("starts with '{start}', which a spreadsheet would run as a formula when the file is "
                             "opened; start with a letter or a digit"), {"start": value[:1].replace("\t", "tab")})
        return value

    # A source grows a note per correction and per role that edits the row (diff.note_staff_edits).
    @field_validator("notes", "source")
    @classmethod
    def _check_notes_length(cls, value: str) -> str:
        if len(value) > MAX_NOTES:
            raise PydanticCustomError("length", _("is longer than {limit} characters"), {"limit": MAX_NOTES})
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _check_state(cls, value: Any) -> str:
        text = _as_text(value).upper()
        if text not in geo.state_codes():
            raise PydanticCustomError("state", _("must be a two-letter US state code such as IL or TX"))
        return text

    @field_validator("zip", mode="before")
    @classmethod
    def _check_zip(cls, value: Any) -> str:
        text = _as_text(value)
        if re.fullmatch(r"\d{9}", text):  # ZIP+4 typed without its hyphen
            text = f"{text[:5]}-{text[5:]}"
        if re.fullmatch(r"\d{3,4}", text):
            raise PydanticCustomError(
                "zip", _("has fewer than 5 digits; a spreadsheet probably dropped its leading zeros")
            )
        if not ZIP_PATTERN.fullmatch(text):
            raise PydanticCustomError("zip", _("must be 5 digits or ZIP+4, like 60613 or 60613-1234"))
        return text

    @field_validator("phone", "intake_phone", mode="before")
    @classmethod
    def _check_phone(cls, value: Any, info: Any) -> str:
        text = _as_text(value)
        if not text:
            if info.field_name == "phone":
                raise PydanticCustomError("required", _("is required and was left blank"))
            return ""
        return normalize_phone(text)

    @field_validator("website", mode="before")
    @classmethod
    def _check_website(cls, value: Any) -> str:
        text = _as_text(value)
        if not text:
            return ""
        if re.search(r"[\s\x00-\x1f\x7f]", text):
            # The URL parser quietly drops tabs and line breaks while checking, and the page would then show
            # the raw link text: refuse them instead.
            raise PydanticCustomError("url", _("must not contain spaces, tabs or line breaks"))
        if not re.match(r"^https?://", text, flags=re.IGNORECASE):
            raise PydanticCustomError("url", _("must be blank or a web address starting with http:// or https://"))
        try:
            _HTTP_URL.validate_python(text)
        except ValidationError:
            raise PydanticCustomError("url", _("is not a valid web address")) from None
        return text

    @field_validator("lat", "lon", mode="before")
    @classmethod
    def _check_coordinate(cls, value: Any, info: Any) -> float:
        text = _as_text(value)
        if not text:
            raise PydanticCustomError("required", _("is required and was left blank"))
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise PydanticCustomError("number", _("must be a number in decimal degrees, like 41.9543")) from None
        limit = 90.0 if info.field_name == "lat" else 180.0
        if not -limit <= number <= limit or number != number:
            raise PydanticCustomError("range", _("must be between -{limit} and {limit} degrees"),
                                      {"limit": f"{limit:.0f}"})
        return number

    @field_validator("location_precision", mode="before")
    @classmethod
    def _check_precision(cls, value: Any) -> str:
        text = _as_text(value).lower()
        if text not in {p.value for p in LocationPrecision}:
            raise PydanticCustomError("choice", _("must be 'address' or 'zip'"))
        return text

    @field_validator("source_date")
    @classmethod
    def _check_source_date(cls, value: dt.date | None) -> dt.date:
        if value is None:
            raise PydanticCustomError("required", _("is required and was left blank"))
        return value

    # ---- cross-field checks ----

    @model_validator(mode="after")
    def _check_row(self) -> Clinic:
        if self.same_site_as and self.same_site_as == self.id:
            raise PydanticCustomError(
                "same_site", _("names the row itself"), {"column": "same_site_as", "value": self.same_site_as}
            )
        if bool(self.last_checked) != bool(self.checked_by):
            missing, present = ("checked_by", "last_checked") if self.last_checked else ("last_checked", "checked_by")
            raise PydanticCustomError(
                "checked",
                _("is blank but {present} is filled in: say both when and by whom a row was checked"),
                {"column": missing, "value": "", "present": present},
            )
        if self.current_wait and not self.wait_as_of:
            raise PydanticCustomError(
                "wait", _("is blank but current_wait is filled in: say when the clinic told us"),
                {"column": "wait_as_of", "value": ""},
            )
        centre = geo.lookup_zip_record(self.zip)
        if centre is None:
            raise PydanticCustomError(
                "zip", _("is not a known US ZIP code"), {"column": "zip", "value": self.zip}
            )
        if centre.state != self.state:
            raise PydanticCustomError(
                "zip",
                _("belongs to {zip_state}, not to {state}"),
                {"column": "zip", "value": self.zip, "zip_state": centre.state, "state": self.state},
            )
        if centre.has_location:
            miles = float(geo.distance_miles(centre.lat, centre.lon, self.lat, self.lon))
            if miles > MAX_DISTANCE_FROM_ZIP_MILES:
                raise PydanticCustomError(
                    "far_from_zip",
                    _("lat/lon {lat}, {lon} lie {miles} miles from the centre of ZIP {zip} "
                      "(at most {limit} expected; swapped or sign-flipped coordinates?)"),
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
            "phone", _("is not a phone number; write a US number like 312-555-0100 (extension: x12)")
        ) from None
    if parsed.country_code != 1 or not phonenumbers.is_valid_number(parsed):
        raise PydanticCustomError("phone", _("is not a valid US phone number; write it like 312-555-0100"))
    digits = f"{parsed.national_number:010d}"
    formatted = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"{formatted} x{parsed.extension}" if parsed.extension else formatted


# ---- what the rest of the package derives from the model ----

# Groups of columns, in the order forms and glossaries show them, with a heading for people.
GROUP_TITLES: dict[str, str] = {
    "identity": N_("Name"),
    "location": N_("Where"),
    "contact": N_("How to reach them"),
    "schedule": N_("When groups meet"),
    "medication": N_("Medications"),
    "care": N_("Care offered"),
    "language": N_("Languages"),
    "payment": N_("Paying"),
    "support": N_("Help getting there"),
    "attendance": N_("Who can attend"),
    "intake": N_("Getting in"),
    "provenance": N_("Where this information comes from"),
}


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
    clinic_editable: bool = False  # a clinic's own account may change it (maintainers may change anything)


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
    elif annotation in (dt.date, dt.date | None):
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
        clinic_editable=bool(extra.get("clinic_editable", False)),
    )


COLUMNS: tuple[str, ...] = tuple(Clinic.model_fields)
COLUMN_INFO: dict[str, ColumnInfo] = {name: _column_info(name) for name in COLUMNS}
SERVICE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if COLUMN_INFO[c].kind == "availability")
DATE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if COLUMN_INFO[c].kind == "date")
PAYMENT_COLUMNS: tuple[str, ...] = tuple(c for c in SERVICE_COLUMNS if COLUMN_INFO[c].group == "payment")
MEDICATION_COLUMNS: tuple[str, ...] = ("buprenorphine", "naltrexone", "vivitrol", "methadone")
ATTENDANCE_COLUMNS: tuple[str, ...] = tuple(c for c in SERVICE_COLUMNS if COLUMN_INFO[c].group == "attendance")
CLINIC_EDITABLE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if COLUMN_INFO[c].clinic_editable)

# Search shortcuts, not columns: a clinic offers one when it offers any of its columns (`SHORTCUTS`).
MEDICATIONS = "medications"
LOW_COST = "low_cost"
SHORTCUTS: dict[str, tuple[str, ...]] = {
    MEDICATIONS: MEDICATION_COLUMNS,
    LOW_COST: ("free_care", "sliding_fee", "payment_assistance", "government_funding", "samhsa_funding"),
}
_SHORTCUT_INFO = {
    MEDICATIONS: ColumnInfo(
        name=MEDICATIONS,
        label=N_("Medications (any)"),
        group="medication",
        help=N_("Uses at least one medication for opioid or alcohol use disorder: buprenorphine (Suboxone), "
                "naltrexone, Vivitrol or methadone."),
        required=False,
        kind="availability",
        choices=tuple(a.value for a in Availability),
        glossary="medications",
    ),
    LOW_COST: ColumnInfo(
        name=LOW_COST,
        label=N_("Free or low-cost care"),
        group="payment",
        help=N_("Free care, a sliding fee scale, payment assistance, or government or SAMHSA funding that can "
                "pay for people without insurance."),
        required=False,
        kind="availability",
        choices=tuple(a.value for a in Availability),
        glossary="free-or-low-cost",
    ),
}
SEARCHABLE: dict[str, ColumnInfo] = {**_SHORTCUT_INFO, **{c: COLUMN_INFO[c] for c in SERVICE_COLUMNS}}


def column_info(name: str) -> ColumnInfo:
    """Metadata for a column or for a search shortcut (`medications`, `low_cost`)."""
    return SEARCHABLE.get(name) or COLUMN_INFO[name]


def data_dictionary_markdown() -> str:
    """The README's data dictionary, generated from the schema so the two cannot drift apart."""
    lines = [
        "| column | label | kind | required | clinic may edit | what it holds |",
        "|---|---|---|---|---|---|",
    ]
    for name in COLUMNS:
        info = COLUMN_INFO[name]
        kind = f"{info.kind}: {' / '.join(info.choices)}" if info.choices else info.kind
        help_text = info.help.replace("|", "\\|")
        lines.append(
            f"| `{name}` | {info.label} | {kind} | {'yes' if info.required else 'no'} | "
            f"{'yes' if info.clinic_editable else 'no'} | {help_text} |"
        )
    return "\n".join(lines) + "\n"
