"""Diffs by id with old -> new per field; marking rows checked; validating an edited table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from clinic_finder import DEFAULT_CLINICS_CSV, data_path
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.diff import diff_clinics, mark_checked, note_staff_edits, staff_edited
from clinic_finder.editing import editor_frame, prepare_candidate

TODAY = dt.date(2026, 11, 27)


def clinics(path: Path) -> pd.DataFrame:
    frame = read_clinics_csv(path).clinics
    assert frame is not None
    return frame


def test_diff_added_removed_changed(small_csv: Path) -> None:
    old = clinics(small_csv)
    new = old.drop(index=2).copy()
    new.loc[0, "phone"] = "312-555-0199"
    new.loc[0, "evening"] = "yes"
    added = old.loc[[3]].copy()
    added["id"] = "brand-new-site"
    new = pd.concat([new, added], ignore_index=True)

    diff = diff_clinics(old, new)
    assert diff.added == ("brand-new-site",)
    assert diff.removed == (old.loc[2, "id"],)
    assert [c.id for c in diff.changed] == [old.loc[0, "id"]]
    assert [(f.column, f.old, f.new) for f in diff.changed[0].fields] == [
        ("phone", old.loc[0, "phone"], "312-555-0199"), ("evening", old.loc[0, "evening"], "yes")]
    assert diff.summary() == "1 added, 1 removed, 1 changed"
    assert {"change": "changed", "id": old.loc[0, "id"], "name": old.loc[0, "name"], "field": "evening",
            "old": "unknown", "new": "yes"} in diff.rows()
    assert diff_clinics(old, old.copy()).empty


def test_mark_checked_sets_date_and_who_only_on_the_given_rows(small_csv: Path) -> None:
    old = clinics(small_csv)
    ids = {old.loc[1, "id"], old.loc[3, "id"]}
    marked = mark_checked(old, ids, "clinic:symetria", TODAY)
    assert marked.loc[[1, 3], "last_checked"].tolist() == ["2026-11-27"] * 2
    assert marked.loc[[1, 3], "checked_by"].tolist() == ["clinic:symetria"] * 2
    others = marked.drop(index=[1, 3])
    assert others["last_checked"].isna().all() and others["checked_by"].eq("").all()
    assert old["last_checked"].isna().all()  # the input is not changed


def test_prepare_candidate_from_editor_frame(small_csv: Path) -> None:
    old = clinics(small_csv)
    edited = editor_frame(old)
    assert isinstance(edited.loc[0, "source_date"], dt.date) and edited.loc[0, "last_checked"] is None
    edited.loc[0, "phone"] = "(312) 555-0199"
    edited.loc[0, "evening"] = "yes"
    new_row = {c: None for c in edited.columns} | {
        "id": "new-clinic-chicago", "name": "New Clinic", "address": "1 Main St", "city": "Chicago",
        "state": "IL", "zip": "60613", "phone": "312-555-0100", "lat": 41.95, "lon": -87.66,
        "location_precision": "zip", "source": "staff call"}
    edited = pd.concat([edited, pd.DataFrame([new_row]), pd.DataFrame([{c: None for c in edited.columns}])],
                       ignore_index=True)  # plus an empty row added by accident

    result = prepare_candidate(old, edited, TODAY)
    assert result.ok and result.clinics is not None
    frame = result.clinics
    # An edit is not a check: the edited row keeps its source date and stays unchecked.
    assert frame.loc[0, "phone"] == "312-555-0199" and frame.loc[0, "source_date"] == "2023-06-29"
    assert frame.loc[0, "last_checked"] is None
    added = frame[frame["id"] == "new-clinic-chicago"].iloc[0]
    assert added["source_date"] == "2026-11-27" and added["evening"] == "unknown" and added["last_checked"] is None
    assert (frame.loc[1:len(old) - 1, "source_date"] == old.loc[1:, "source_date"]).all()
    assert len(frame) == len(old) + 1


def test_prepare_candidate_reports_every_problem_with_spreadsheet_rows(small_csv: Path) -> None:
    edited = editor_frame(clinics(small_csv))
    edited.loc[0, "phone"] = "12"
    edited.loc[4, "id"] = edited.loc[3, "id"]
    result = prepare_candidate(None, edited, TODAY)
    assert not result.ok
    texts = [str(p) for p in result.problems]
    assert any(t.startswith("row 2, column phone:") for t in texts)
    assert any(t.startswith("row 6, column id: duplicate id; row 5 already uses it") for t in texts)


def test_data_path_follows_the_environment(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert data_path() == DEFAULT_CLINICS_CSV
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(tmp_path / "x.csv"))
    assert data_path() == tmp_path / "x.csv"


MAINTAINERS = "the IOP Finder maintainers"
CLINIC = "the clinic's own staff"


@pytest.mark.parametrize(
    ("source", "cells", "who", "day", "noted"),
    [
        # A field changed: which, by whom, when.
        ("SAMHSA 2023", {"phone": "312-555-0199"}, MAINTAINERS, "2026-11-27",
         "SAMHSA 2023; phone from the IOP Finder maintainers (staff edit, 2026-11-27)"),
        # Two fields, labels as in a sentence; a correction's note before it stays.
        ("SAMHSA 2023; ZIP code from the IOP Finder maintainers (Chicago's street grid)",
         {"phone": "312-555-0199", "evening": "yes"}, CLINIC, "2026-11-27",
         "SAMHSA 2023; ZIP code from the IOP Finder maintainers (Chicago's street grid); phone, evening groups "
         "from the clinic's own staff (staff edit, 2026-11-27)"),
        # The same people again: one note, their fields together, the later date.
        ("SAMHSA 2023; phone from the IOP Finder maintainers (staff edit, 2026-11-01)", {"notes": "Closed Fridays"},
         MAINTAINERS, "2026-11-27", "SAMHSA 2023; phone, notes from the IOP Finder maintainers (staff edit, 2026-11-27)"),
        # Someone else: a note of their own.
        ("SAMHSA 2023; phone from the IOP Finder maintainers (staff edit, 2026-11-01)", {"phone": "312-555-0123"},
         CLINIC, "2026-11-27", "SAMHSA 2023; phone from the IOP Finder maintainers (staff edit, 2026-11-01); phone "
         "from the clinic's own staff (staff edit, 2026-11-27)"),
        # Only where the row comes from, or who checked it: no note.
        ("SAMHSA 2023", {"last_checked": "2026-11-27", "checked_by": "ann"}, MAINTAINERS, "2026-11-27", "SAMHSA 2023"),
    ],
)
def test_a_staff_edit_is_noted_in_the_rows_source(small_csv: Path, source: str, cells: dict[str, str], who: str,
                                                 day: str, noted: str) -> None:
    before = clinics(small_csv)
    before["source"] = before["source"].astype(object)
    before.loc[1, "source"] = source
    after = before.copy()
    for column, value in cells.items():
        after[column] = after[column].astype(object)
        after.loc[1, column] = value
    result = note_staff_edits(before, after, who, dt.date.fromisoformat(day))
    assert result.loc[1, "source"] == noted
    assert staff_edited(noted) == (noted != source)
    assert result.drop(index=1).equals(after.drop(index=1))  # other rows untouched
