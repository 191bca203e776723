"""The per-clinic form, derived from the schema: the page loops over groups and fields and draws each widget.

Groups come in `schema.GROUP_TITLES` order; a field is in the form when the account may set it through the
form (`permissions.form_columns`: for a clinic account, the schema's `clinic_editable` columns — the hours
people search for (evening groups, morning groups, virtual sessions), services, languages, payment, who can
attend, 'accepting new patients' / 'current wait' / 'wait as of', contact details, notes). Labels, help
texts and choice labels are translated when the form is built (call `i18n.set_language` first).

Widget kinds, and the value each holds and gives back in `values` for `permissions.apply_clinic_form`:
`availability` (one of `choices`: "yes", "no", "unknown"), `choice` (one of `choices`), `text`,
`long_text`, `phone` and `url` (str), `date` (datetime.date or None; never after today), `number` (float).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from clinic_finder import clock
from clinic_finder.accounts import Account
from clinic_finder.i18n import N_, _
from clinic_finder.permissions import form_columns
from clinic_finder.schema import COLUMN_INFO, GROUP_TITLES, MAX_NOTES, MAX_SHORT_TEXT, Availability

AVAILABILITY_LABELS: dict[str, str] = {
    Availability.YES.value: N_("Yes"),
    Availability.NO.value: N_("No"),
    Availability.UNKNOWN.value: N_("Not sure (shown as 'call to confirm')"),
}
# An availability answer where the Staff page shows a listing's cells (before and after a change, the listing
# now): the CSV's own word, in the reader's language.
AVAILABILITY_WORDS: dict[str, str] = {
    Availability.YES.value: N_("yes"),
    Availability.NO.value: N_("no"),
    Availability.UNKNOWN.value: N_("unknown"),
}
PHONE_COLUMNS = ("phone", "intake_phone")
LONG_TEXT_COLUMNS = ("notes",)
# Shown to a clinic account as plain text with its form, so it sees what it cannot change here.
FIXED_FOR_CLINICS = ("name", "site", "address", "city", "state", "zip")
MAX_PHONE_CHARS = 40  # "312-555-0100 x1234" with room for how people type it
MAX_URL_CHARS = 2000


@dataclass(frozen=True)
class FormField:
    """One widget of the form."""

    column: str
    widget: str  # availability, choice, text, long_text, phone, url, date, number
    label: str  # translated
    help: str  # translated
    value: Any  # the current value, in the type the widget holds (see the module docstring)
    choices: tuple[tuple[str, str], ...] = ()  # (value, translated label), for availability and choice
    max_chars: int | None = None  # for text widgets
    required: bool = False
    max_date: dt.date | None = None  # for date widgets: today


@dataclass(frozen=True)
class FormGroup:
    """A heading and its fields."""

    key: str  # the schema group, e.g. "schedule"
    title: str  # translated, e.g. "When groups meet"
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class ClinicForm:
    """Everything the page needs to draw one clinic's form."""

    clinic_id: str
    title: str  # "Name — Site, City ST"
    groups: tuple[FormGroup, ...]
    fixed: tuple[tuple[str, str], ...]  # (translated label, value) the account sees but may not change here
    last_checked: str  # ISO date or ""
    checked_by: str

    def values(self) -> dict[str, Any]:
        """Every field's current value by column: what an untouched form sends."""
        return {f.column: f.value for group in self.groups for f in group.fields}

    def field(self, column: str) -> FormField:
        """The field for `column`; KeyError if it is not in this form."""
        for group in self.groups:
            for candidate in group.fields:
                if candidate.column == column:
                    return candidate
        raise KeyError(column)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _widget(column: str) -> str:
    info = COLUMN_INFO[column]
    if info.kind in ("availability", "choice", "date", "number"):
        return info.kind
    if column in PHONE_COLUMNS:
        return "phone"
    if column == "website":
        return "url"
    return "long_text" if column in LONG_TEXT_COLUMNS else "text"


def _value(widget: str, raw: Any) -> Any:
    if widget == "date":
        text = _text(raw)
        if isinstance(raw, dt.date):
            return raw
        return dt.date.fromisoformat(text) if text else None
    if widget == "number":
        return float(raw)
    return _text(raw)


def _max_chars(widget: str) -> int | None:
    return {"text": MAX_SHORT_TEXT, "long_text": MAX_NOTES, "phone": MAX_PHONE_CHARS, "url": MAX_URL_CHARS}.get(widget)


def _field(column: str, raw: Any, today: dt.date) -> FormField:
    info = COLUMN_INFO[column]
    widget = _widget(column)
    choices: tuple[tuple[str, str], ...] = ()
    if widget == "availability":
        choices = tuple((choice, _(AVAILABILITY_LABELS[choice])) for choice in info.choices)
    elif widget == "choice":
        choices = tuple((choice, choice) for choice in info.choices)
    return FormField(column, widget, _(info.label), _(info.help), _value(widget, raw), choices, _max_chars(widget),
                     info.required, today if widget == "date" else None)


def clinic_form(account: Account, clinics: pd.DataFrame, clinic_id: str, *, today: dt.date | None = None) -> ClinicForm:
    """The form for one clinic as `account` may fill it in; KeyError if the account may not see that clinic."""
    if not account.may_edit(clinic_id):
        raise KeyError(clinic_id)
    rows = clinics[clinics["id"] == clinic_id]
    if len(rows) != 1:
        raise KeyError(clinic_id)
    row = rows.iloc[0].to_dict()
    day = today or clock.today()
    columns = form_columns(account)
    groups = []
    for group in GROUP_TITLES:
        fields = tuple(_field(c, row.get(c), day) for c in columns if COLUMN_INFO[c].group == group)
        if fields:
            groups.append(FormGroup(group, _(GROUP_TITLES[group]), fields))
    fixed = () if account.is_maintainer else tuple(
        (_(COLUMN_INFO[c].label), _text(row.get(c))) for c in FIXED_FOR_CLINICS if _text(row.get(c)))
    return ClinicForm(clinic_id, clinic_title(row), tuple(groups), fixed, _text(row.get("last_checked")),
                      _text(row.get("checked_by")))


def shown_value(column: str, text: str) -> str:
    """A cell of the listing as the Staff page shows it: yes / no / unknown translated, anything else as it is."""
    info = COLUMN_INFO.get(column)
    if info is not None and info.kind == "availability" and text in AVAILABILITY_WORDS:
        return _(AVAILABILITY_WORDS[text])
    return text


def clinic_title(row: dict[str, Any]) -> str:
    """"Name — Site, City ST" for headings and pickers (plain text)."""
    site = _text(row.get("site"))
    name = _text(row.get("name")) + (f" — {site}" if site else "")
    return f"{name}, {_text(row.get('city'))} {_text(row.get('state'))}".strip()
