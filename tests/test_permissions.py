"""Who may change what: a clinic account changes only its own clinics' clinic-editable columns, whatever it sends;
its saves go through the normal locked save with its name in the audit log; "still correct" in one click."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clinic_finder import store
from clinic_finder.accounts import Account, Role
from clinic_finder.csvfile import clinics_to_csv_bytes
from clinic_finder.permissions import (
    PermissionRefused,
    RowChanged,
    apply_clinic_form,
    check_change,
    confirm_still_correct,
    editable_columns,
    form_columns,
    prepare_clinic_edit,
    restore_as_account,
    save_as_account,
    save_clinic_form,
    save_still_correct,
    visible_clinic_ids,
)
from clinic_finder.schema import CLINIC_EDITABLE_COLUMNS, COLUMNS
from tests.conftest import SUITE_DAY

TODAY = SUITE_DAY  # the schema refuses dates after today (clock.today, held to this day in tests)


def load(path: Path) -> tuple[pd.DataFrame, str]:
    snapshot = store.read_snapshot(path)
    assert snapshot.result.clinics is not None and snapshot.fingerprint is not None
    return snapshot.result.clinics, snapshot.fingerprint


@pytest.fixture
def table(small_csv: Path) -> pd.DataFrame:
    return load(small_csv)[0]


def clinic_account(table: pd.DataFrame, *rows: int) -> Account:
    return Account("clinic-one", Role.CLINIC, tuple(str(table.loc[r, "id"]) for r in rows), "$argon2id$unused")


MAINTAINER = Account("ann", Role.MAINTAINER, (), "$argon2id$unused")
STAFF = Account("staff", Role.MAINTAINER, (), "$argon2id$unused", legacy=True)


def changed(table: pd.DataFrame, row: int, **cells: Any) -> pd.DataFrame:
    after = table.copy()
    for column, value in cells.items():
        after[column] = after[column].astype(object)
        after.loc[row, column] = value
    return after


def test_editable_columns_come_from_the_schema(table: pd.DataFrame) -> None:
    mine = clinic_account(table, 2)
    assert editable_columns(MAINTAINER) == COLUMNS
    assert editable_columns(mine) == CLINIC_EDITABLE_COLUMNS
    assert {"evening", "morning", "virtual", "accepting_new_patients", "current_wait", "wait_as_of"} <= set(
        form_columns(mine))
    assert not {"name", "address", "iop", "lat", "id", "last_checked", "checked_by"} & set(form_columns(mine))
    assert "name" in form_columns(MAINTAINER) and "id" not in form_columns(MAINTAINER)
    assert visible_clinic_ids(mine, table) == [table.loc[2, "id"]]
    assert visible_clinic_ids(MAINTAINER, table) == list(table["id"])


# ---- check_change: a whole candidate table, as anything could send it ----

CHECK_CASES: list[tuple[str, Any, list[tuple[str | None, str]]]] = [
    ("own row, evening hours", lambda t: changed(t, 2, evening="yes"), []),
    ("own row, several editable columns", lambda t: changed(t, 2, morning="no", virtual="yes", phone="312-555-0100",
                                                            current_wait="About 2 weeks",
                                                            wait_as_of=TODAY.isoformat()), []),
    ("own row, checked today by me", lambda t: changed(t, 2, last_checked=TODAY.isoformat(), checked_by="clinic-one"),
     []),
    ("own row, name", lambda t: changed(t, 2, name="Better Name Inc"), [("name", "may not change 'Name'")]),
    ("own row, address", lambda t: changed(t, 2, address="1 Other St"), [("address", "may not change")]),
    ("own row, iop", lambda t: changed(t, 2, iop="no"), [("iop", "may not change")]),
    ("own row, coordinates", lambda t: changed(t, 2, lat=float(t.loc[2, "lat"]) + 0.01), [("lat", "may not change")]),
    ("own row, source", lambda t: changed(t, 2, source="trust me"), [("source", "may not change")]),
    ("own row, my name beside an old date", lambda t: changed(t, 2, last_checked="2020-01-01",
                                                              checked_by="clinic-one"),
     [("last_checked", "may not change"), ("checked_by", "may not change")]),
    ("own row, checked today by someone else", lambda t: changed(t, 2, last_checked=TODAY.isoformat(),
                                                                 checked_by="ann"),
     [("last_checked", "may not change"), ("checked_by", "may not change")]),
    ("another clinic's row", lambda t: changed(t, 3, evening="yes"), [("id", "only change its own clinics")]),
    ("a row added", lambda t: pd.concat([t, changed(t, 3, id="brand-new-site").loc[[3]]], ignore_index=True),
     [("id", "cannot add clinics")]),
    ("a row removed", lambda t: t.drop(index=5).reset_index(drop=True), [("id", "cannot remove clinics")]),
    ("rows reordered", lambda t: t.iloc[::-1].reset_index(drop=True), [(None, "cannot reorder")]),
]


@pytest.mark.parametrize(("what", "make", "expected"), CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_check_change_for_a_clinic_account(what: str, make: Any, expected: list[tuple[str | None, str]],
                                           table: pd.DataFrame) -> None:
    problems = check_change(clinic_account(table, 2), table, make(table), today=TODAY)
    assert len(problems) == len(expected), problems
    for problem, (column, message) in zip(problems, expected, strict=True):
        assert problem.column == column and message in problem.message
    # Maintainers may change anything.
    assert check_change(MAINTAINER, table, make(table), today=TODAY) == []


# ---- apply_clinic_form: one clinic's form, as a browser could send it ----


@pytest.mark.parametrize("values", [
    {"name": "Evil Name"},
    {"evening": "yes", "name": "Evil Name"},
    {"evening": "yes", "id": "another-clinic"},
    {"last_checked": "2020-01-01"},
    {"checked_by": "ann"},
    {"iop": "no"},
    {"lat": 0.0},
    {"not_a_column": "x"},
    {"__class__": "x"},
    {"evening,name": "yes"},
    {("evening",): "yes"},
])
def test_a_clinic_form_refuses_every_key_it_may_not_set(values: dict[Any, Any], table: pd.DataFrame) -> None:
    with pytest.raises(PermissionRefused) as refused:
        apply_clinic_form(clinic_account(table, 2), table, str(table.loc[2, "id"]), values, today=TODAY)
    assert refused.value.problems and all("may not set" in p.message for p in refused.value.problems)


@pytest.mark.parametrize("row", [3, 0])
def test_a_clinic_form_for_another_clinic_is_refused(row: int, table: pd.DataFrame) -> None:
    with pytest.raises(PermissionRefused, match="only change its own clinics"):
        apply_clinic_form(clinic_account(table, 2), table, str(table.loc[row, "id"]), {"evening": "yes"})
    with pytest.raises(PermissionRefused, match="only change its own clinics"):
        confirm_still_correct(clinic_account(table, 2), table, str(table.loc[row, "id"]))


def test_a_clinic_form_changes_only_its_row_and_columns(table: pd.DataFrame) -> None:
    mine = clinic_account(table, 2, 4)
    clinic_id = str(table.loc[4, "id"])
    after = apply_clinic_form(mine, table, clinic_id, {"evening": "yes", "phone": "(312) 555-0100"}, today=TODAY)
    edit = prepare_clinic_edit(mine, table, clinic_id, {"evening": "yes", "phone": "(312) 555-0100"}, today=TODAY)
    assert edit.ok and edit.candidate is not None
    assert [(f.column, f.new) for f in edit.diff.changed[0].fields] == [
        ("phone", "312-555-0100"), ("evening", "yes"), ("last_checked", TODAY.isoformat()),
        ("checked_by", "clinic-one")]
    assert edit.diff.changed_ids == (clinic_id,)
    pd.testing.assert_frame_equal(after.drop(index=4), table.drop(index=4), check_dtype=False)
    assert table.loc[4, "evening"] != "yes"  # the input is not changed


def test_wait_as_of_becomes_today_when_a_clinic_changes_the_wait(table: pd.DataFrame) -> None:
    mine = clinic_account(table, 2)
    clinic_id = str(table.loc[2, "id"])
    told = apply_clinic_form(mine, table, clinic_id, {"accepting_new_patients": "yes", "current_wait": "No wait",
                                                      "wait_as_of": None}, today=TODAY)
    assert told.loc[2, "wait_as_of"] == TODAY.isoformat()
    dated = apply_clinic_form(mine, table, clinic_id, {"current_wait": "About 2 weeks",
                                                       "wait_as_of": dt.date(2026, 1, 5)}, today=TODAY)
    assert dated.loc[2, "wait_as_of"] == "2026-01-05"  # the date the clinic gave is kept
    untouched = apply_clinic_form(mine, table, clinic_id, {"evening": "yes"}, today=TODAY)
    assert pd.isna(untouched.loc[2, "wait_as_of"])


def test_a_maintainer_form_can_set_more_and_does_not_mark_the_row_checked(table: pd.DataFrame) -> None:
    clinic_id = str(table.loc[3, "id"])
    after = apply_clinic_form(MAINTAINER, table, clinic_id, {"name": "New Name", "evening": "yes"}, today=TODAY)
    assert after.loc[3, "name"] == "New Name" and pd.isna(after.loc[3, "last_checked"])
    with pytest.raises(PermissionRefused):
        apply_clinic_form(MAINTAINER, table, clinic_id, {"id": "renamed"})
    with pytest.raises(PermissionRefused, match="no clinic with this id"):
        apply_clinic_form(MAINTAINER, table, "no-such-clinic", {"evening": "yes"})


def test_form_problems_name_the_column_not_a_row(table: pd.DataFrame) -> None:
    mine = clinic_account(table, 2)
    edit = prepare_clinic_edit(mine, table, str(table.loc[2, "id"]), {"phone": "12", "evening": "maybe"},
                               today=TODAY)
    assert not edit.ok and edit.candidate is None
    assert {p.column for p in edit.problems} == {"phone", "evening"} and all(p.row is None for p in edit.problems)
    refused = prepare_clinic_edit(mine, table, str(table.loc[2, "id"]), {"name": "x"}, today=TODAY)
    assert not refused.ok and "may not set" in refused.problems[0].message


# ---- saving: the normal locked save, audited with the account ----


def test_a_clinic_account_saves_its_evening_hours(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    before_bytes = small_csv.read_bytes()
    mine = clinic_account(base, 2)
    clinic_id = str(base.loc[2, "id"])

    result = save_clinic_form(small_csv, mine, clinic_id, {"evening": "yes"}, base, today=TODAY)

    assert result.saved and result.diff.changed_ids == (clinic_id,)
    on_disk, new_fingerprint = load(small_csv)
    assert on_disk.loc[2, "evening"] == "yes"
    assert (on_disk.loc[2, "last_checked"], on_disk.loc[2, "checked_by"]) == (TODAY.isoformat(), "clinic-one")
    assert on_disk.drop(index=2).equals(base.drop(index=2))
    assert result.backup is not None and result.backup.read_bytes() == before_bytes
    entry = store.read_audit_log(small_csv)[-1]
    assert (entry["staff"], entry["account"], entry["role"], entry["action"]) == (
        "clinic-one", "clinic-one", "clinic", "clinic form")
    assert entry["changed_ids"] == [clinic_id] and entry["previous_fingerprint"] == fingerprint
    assert entry["fingerprint"] == new_fingerprint == result.fingerprint


@pytest.mark.parametrize(("what", "make"), [
    ("another clinic's row", lambda t: changed(t, 3, evening="yes")),
    ("a column it may not set", lambda t: changed(t, 2, name="Evil Name")),
    ("a row removed", lambda t: t.drop(index=3).reset_index(drop=True)),
])
def test_a_crafted_whole_table_save_is_refused_and_nothing_written(what: str, make: Any, small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    before = small_csv.read_bytes()
    with pytest.raises(PermissionRefused):
        save_as_account(small_csv, clinic_account(base, 2), make(base), fingerprint, base=base, today=TODAY)
    assert small_csv.read_bytes() == before and store.read_audit_log(small_csv) == []
    assert not (small_csv.parent / "backups").exists()


def test_a_stale_fingerprint_is_a_conflict_before_any_permission_check(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    store.save_clinics(small_csv, changed(base, 0, phone="312-555-0101"), fingerprint, "someone")
    with pytest.raises(store.SaveConflict):
        save_as_account(small_csv, clinic_account(base, 2), changed(base, 2, evening="yes"), fingerprint, base=base)


def test_maintainers_and_the_shared_account_save_anything_with_their_name(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    saved = save_as_account(small_csv, STAFF, changed(base, 3, name="Renamed Clinic"), fingerprint,
                            typed_name="Ann Lee", base=base)
    entry = store.read_audit_log(small_csv)[-1]
    assert (entry["staff"], entry["account"], entry["role"]) == ("staff (Ann Lee)", "staff", "maintainer")
    saved = save_as_account(small_csv, MAINTAINER, changed(load(small_csv)[0], 4, iop="no"), saved.fingerprint)
    assert saved.saved and store.read_audit_log(small_csv)[-1]["staff"] == "ann"


def test_a_clinic_save_goes_through_when_only_other_rows_changed(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    store.save_clinics(small_csv, changed(base, 0, phone="312-555-0101"), fingerprint, "someone")
    mine = clinic_account(base, 2)
    save_clinic_form(small_csv, mine, str(base.loc[2, "id"]), {"morning": "yes"}, base, today=TODAY)
    on_disk, _fp = load(small_csv)
    assert on_disk.loc[0, "phone"] == "312-555-0101" and on_disk.loc[2, "morning"] == "yes"


def test_a_clinic_save_is_refused_when_its_own_row_changed_meanwhile(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    store.save_clinics(small_csv, changed(base, 2, phone="312-555-0101"), fingerprint, "ann")
    on_disk = small_csv.read_bytes()
    mine = clinic_account(base, 2)
    with pytest.raises(RowChanged) as conflict:
        save_clinic_form(small_csv, mine, str(base.loc[2, "id"]), {"evening": "yes"}, base, today=TODAY)
    assert isinstance(conflict.value, store.SaveConflict)
    assert "changed this clinic's listing" in conflict.value.explanation()
    assert conflict.value.disk_diff is not None and conflict.value.disk_diff.changed_ids == (base.loc[2, "id"],)
    with pytest.raises(RowChanged):
        save_still_correct(small_csv, mine, str(base.loc[2, "id"]), base, today=TODAY)
    assert small_csv.read_bytes() == on_disk


def test_a_forged_key_is_refused_even_when_the_row_is_stale(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    store.save_clinics(small_csv, changed(base, 2, phone="312-555-0101"), fingerprint, "ann")
    with pytest.raises(PermissionRefused):
        save_clinic_form(small_csv, clinic_account(base, 2), str(base.loc[2, "id"]), {"name": "x"}, base)


def test_an_invalid_form_is_refused_and_nothing_written(small_csv: Path) -> None:
    base, _fp = load(small_csv)
    before = small_csv.read_bytes()
    with pytest.raises(store.InvalidClinics) as invalid:
        save_clinic_form(small_csv, clinic_account(base, 2), str(base.loc[2, "id"]), {"website": "not a url"}, base)
    assert invalid.value.problems[0].column == "website"
    assert small_csv.read_bytes() == before


@pytest.mark.parametrize(("account", "label"), [
    ("clinic", "clinic-one"), ("maintainer", "ann"), ("staff", "staff (Bo)"),
])
def test_still_correct_sets_the_date_and_who_and_nothing_else(account: str, label: str, small_csv: Path) -> None:
    base, _fp = load(small_csv)
    who = {"clinic": clinic_account(base, 5), "maintainer": MAINTAINER, "staff": STAFF}[account]
    clinic_id = str(base.loc[5, "id"])
    result = save_still_correct(small_csv, who, clinic_id, base, typed_name="Bo", today=TODAY)
    assert result.saved
    assert [(f.column, f.old, f.new) for f in result.diff.changed[0].fields] == [
        ("last_checked", "", TODAY.isoformat()), ("checked_by", "", label)]
    on_disk, _fp = load(small_csv)
    assert clinics_to_csv_bytes(on_disk.drop(index=5)) == clinics_to_csv_bytes(base.drop(index=5))
    entry = store.read_audit_log(small_csv)[-1]
    assert (entry["action"], entry["staff"], entry["changed_ids"]) == ("still correct", label, [clinic_id])


def test_only_maintainers_restore_backups_and_the_restore_names_them(small_csv: Path) -> None:
    base, fingerprint = load(small_csv)
    saved = save_as_account(small_csv, MAINTAINER, changed(base, 0, phone="312-555-0199"), fingerprint)
    assert saved.backup is not None
    with pytest.raises(PermissionRefused, match="only a maintainer"):
        restore_as_account(small_csv, clinic_account(base, 0), saved.backup.name, saved.fingerprint)
    restored = restore_as_account(small_csv, STAFF, saved.backup.name, saved.fingerprint, typed_name="Bo")
    assert restored.saved and load(small_csv)[0].equals(base)
    entry = store.read_audit_log(small_csv)[-1]
    assert (entry["action"], entry["staff"], entry["account"], entry["role"]) == (
        f"restore {saved.backup.name}", "staff (Bo)", "staff", "maintainer")


def test_a_staff_edit_names_its_fields_and_role_in_the_source_even_of_a_long_one(small_csv: Path) -> None:
    """The note goes on a source that already has corrections' notes (Symetria's is 169 characters): the save
    must not then be refused as too long."""
    base, fingerprint = load(small_csv)
    long_source = "SAMHSA National Directory of Substance Use Treatment Facilities 2023; " + "x" * 120
    saved = store.save_clinics(small_csv, changed(base, 3, source=long_source), fingerprint, "setup")
    base, fingerprint = load(small_csv)
    saved = save_as_account(small_csv, MAINTAINER, changed(base, 3, phone="618-555-0142"), fingerprint, base=base,
                            today=TODAY)
    assert saved.saved
    on_disk, fingerprint = load(small_csv)
    assert on_disk.loc[3, "source"] == f"{long_source}; phone from the IOP Finder maintainers (staff edit, {TODAY})"
    mine = clinic_account(on_disk, 3)
    save_clinic_form(small_csv, mine, str(on_disk.loc[3, "id"]), {"evening": "yes"}, on_disk, today=TODAY)
    on_disk, _fp = load(small_csv)
    assert on_disk.loc[3, "source"].endswith(
        f"; phone from the IOP Finder maintainers (staff edit, {TODAY}); evening groups from the clinic's own staff "
        f"(staff edit, {TODAY})")
    assert len(on_disk.loc[3, "source"]) > 200
