"""The per-clinic form is derived from the schema: groups in order, one widget per column the account may set."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clinic_finder import i18n
from clinic_finder.accounts import Account, Role
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.diff import diff_clinics
from clinic_finder.editing import validate_frame
from clinic_finder.forms import AVAILABILITY_LABELS, clinic_form, shown_value
from clinic_finder.permissions import apply_clinic_form, form_columns
from clinic_finder.schema import CLINIC_EDITABLE_COLUMNS, COLUMN_INFO, GROUP_TITLES
from tests.conftest import SUITE_DAY

TODAY = SUITE_DAY


@pytest.fixture
def table(small_csv: Path) -> pd.DataFrame:
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    return clinics


def test_a_clinic_form_has_every_editable_column_in_schema_order(table: pd.DataFrame) -> None:
    clinic_id = str(table.loc[2, "id"])
    form = clinic_form(Account("c", Role.CLINIC, (clinic_id,)), table, clinic_id, today=TODAY)
    keys = [g.key for g in form.groups]
    assert keys == [k for k in GROUP_TITLES if k in keys]  # GROUP_TITLES order
    assert [g.title for g in form.groups] == [GROUP_TITLES[k] for k in keys]
    columns = [f.column for g in form.groups for f in g.fields]
    assert sorted(columns) == sorted(CLINIC_EDITABLE_COLUMNS)
    for group in form.groups:
        assert all(COLUMN_INFO[f.column].group == group.key for f in group.fields)
    assert form.title.startswith(str(table.loc[2, "name"]))
    assert dict(form.fixed)["Name"] == table.loc[2, "name"]  # shown, not editable


@pytest.mark.parametrize(("column", "group", "widget"), [
    ("evening", "schedule", "availability"), ("morning", "schedule", "availability"),
    ("virtual", "schedule", "availability"), ("accepting_new_patients", "intake", "availability"),
    ("current_wait", "intake", "text"), ("wait_as_of", "intake", "date"), ("phone", "contact", "phone"),
    ("website", "contact", "url"), ("notes", "provenance", "long_text"), ("languages", "language", "text"),
])
def test_the_fields_people_search_for_have_the_right_widgets(column: str, group: str, widget: str,
                                                             table: pd.DataFrame) -> None:
    clinic_id = str(table.loc[2, "id"])
    form = clinic_form(Account("c", Role.CLINIC, (clinic_id,)), table, clinic_id, today=TODAY)
    field = form.field(column)
    assert field.widget == widget and next(g for g in form.groups if field in g.fields).key == group
    assert field.label == COLUMN_INFO[column].label and field.help == COLUMN_INFO[column].help
    if widget == "availability":
        assert field.choices == tuple((v, AVAILABILITY_LABELS[v]) for v in ("yes", "no", "unknown"))
        assert field.value in ("yes", "no", "unknown")
    if widget == "date":
        assert field.value is None and field.max_date == TODAY
    if widget in ("text", "phone", "url", "long_text"):
        assert isinstance(field.value, str) and field.max_chars


def test_an_untouched_form_only_confirms_the_row(table: pd.DataFrame) -> None:
    clinic_id = str(table.loc[2, "id"])
    mine = Account("c", Role.CLINIC, (clinic_id,))
    form = clinic_form(mine, table, clinic_id, today=TODAY)
    after = apply_clinic_form(mine, table, clinic_id, form.values(), today=TODAY)
    checked = validate_frame(after)
    assert checked.ok and checked.clinics is not None
    diff = diff_clinics(table, checked.clinics)
    assert [f.column for f in diff.changed[0].fields] == ["last_checked", "checked_by"]


def test_a_maintainer_form_covers_more_and_other_clinics_are_hidden(table: pd.DataFrame) -> None:
    clinic_id = str(table.loc[2, "id"])
    form = clinic_form(Account("m", Role.MAINTAINER), table, clinic_id, today=TODAY)
    columns = {f.column for g in form.groups for f in g.fields}
    assert columns == set(form_columns(Account("m", Role.MAINTAINER)))
    assert {"name", "address", "lat", "location_precision"} <= columns and form.fixed == ()
    assert form.field("lat").widget == "number" and form.field("location_precision").choices
    with pytest.raises(KeyError):
        clinic_form(Account("c", Role.CLINIC, (clinic_id,)), table, str(table.loc[3, "id"]))
    with pytest.raises(KeyError):
        clinic_form(Account("m", Role.MAINTAINER), table, "no-such-clinic")


@pytest.mark.parametrize(
    ("language", "column", "value", "shown"),
    [
        ("en", "evening", "unknown", "unknown"),  # English: the CSV's own word
        ("en", "evening", "yes", "yes"),
        ("es", "evening", "unknown", "desconocido"),
        ("es", "spanish", "yes", "sí"),
        ("es", "medicaid", "no", "no"),
        ("es", "notes", "yes", "yes"),  # not an availability answer: as it is
        ("es", "location_precision", "address", "address"),
        ("es", "evening", "", ""),
    ],
)
def test_an_availability_answer_is_shown_in_the_readers_language(language: str, column: str, value: str,
                                                                  shown: str) -> None:
    i18n.set_language(language)
    try:
        assert shown_value(column, value) == shown
    finally:
        i18n.set_language("en")
