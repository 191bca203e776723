"""The finder's data source: fresh after each edit, and the last valid list kept when an edit breaks the file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from clinic_finder.live import LiveClinics
from clinic_finder.store import backups_dir

DATA = Path(__file__).resolve().parent / "data"


def write(path: Path, fixture: str) -> None:
    tmp = path.with_suffix(".tmp")
    shutil.copyfile(DATA / fixture, tmp)
    os.replace(tmp, path)


def test_reads_once_and_again_only_after_a_change(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    write(csv, "001-valid.csv")
    live = LiveClinics(csv)
    first = live.current()
    assert first.snapshot is not None and len(first.snapshot.clinics) == 3
    live.current()
    assert live.reads == 1  # unchanged file: served from memory
    write(csv, "007-valid-zip-plus4-leading-zero.csv")
    assert len(live.current().snapshot.clinics) == 2  # type: ignore[union-attr]
    assert live.reads == 2


def test_invalid_edit_keeps_serving_the_last_valid_list(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    write(csv, "001-valid.csv")
    live = LiveClinics(csv)
    good = live.current().snapshot
    write(csv, "017-many-problems-in-one-row.csv")
    state = live.current()
    assert state.snapshot is good
    assert state.stale and len(state.problems) == 6
    assert str(state.problems[0]).startswith("row 4, column phone")
    write(csv, "001-valid.csv")  # fixed: problems go away
    assert not live.current().stale


def test_missing_file_keeps_serving_and_says_so(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    write(csv, "001-valid.csv")
    live = LiveClinics(csv)
    live.current()
    csv.unlink()
    state = live.current()
    assert state.snapshot is not None and "missing" in str(state.problems[0])


def test_starting_on_a_broken_file_serves_the_newest_valid_backup(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    write(csv, "017-many-problems-in-one-row.csv")
    backups = backups_dir(csv)
    backups.mkdir()
    shutil.copyfile(DATA / "001-valid.csv", backups / "clinics-20260101T000000000000Z.csv")
    shutil.copyfile(DATA / "007-valid-zip-plus4-leading-zero.csv", backups / "clinics-20260102T000000000000Z.csv")
    shutil.copyfile(DATA / "010-empty.csv", backups / "clinics-20260103T000000000000Z.csv")  # newest, but invalid
    state = LiveClinics(csv).current()
    assert state.snapshot is not None and state.snapshot.origin.endswith("clinics-20260102T000000000000Z.csv")
    assert state.stale


def test_nothing_valid_anywhere(tmp_path: Path) -> None:
    csv = tmp_path / "clinics.csv"
    write(csv, "010-empty.csv")
    state = LiveClinics(csv).current()
    assert state.snapshot is None and state.problems
