"""The finder's data source: fresh after each edit, and the last valid list kept when an edit breaks the file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from clinic_finder import store
from clinic_finder.live import LiveClinics
from clinic_finder.store import backups_dir, file_fingerprint, read_snapshot
from tests.conftest import copy_of_clinics

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


def test_a_file_cut_short_outside_a_recorded_save_is_held_back(tmp_path: Path) -> None:
    """Valid but with most clinics gone (an unfinished copy, a filtered spreadsheet): served, it would hide them
    from every visitor without a word. A recorded save of the same shrink is meant, and served."""
    csv = copy_of_clinics(tmp_path, rows=40)
    live = LiveClinics(csv)
    assert len(live.current().snapshot.clinics) == 40  # type: ignore[union-attr]
    full = csv.read_bytes()
    cut = b"".join(full.splitlines(keepends=True)[:16])  # the header and 15 rows
    csv.write_bytes(cut)
    state = live.current()
    assert len(state.snapshot.clinics) == 40 and state.stale  # type: ignore[union-attr]
    assert str(state.problems[0]).startswith("clinics.csv now has 15 clinics where the list had 40: it may have "
                                             "been cut short")
    csv.write_bytes(full)
    assert not live.current().stale
    # The same 15 rows, saved through the app's save (locked, backed up, audited): meant.
    fifteen = read_snapshot(csv).result.clinics.head(15)  # type: ignore[union-attr]
    store.save_clinics(csv, fifteen, file_fingerprint(csv), "ann")
    state = live.current()
    assert len(state.snapshot.clinics) == 15 and not state.stale  # type: ignore[union-attr]
    # A few rows fewer by hand is an edit, not a cut.
    csv.write_bytes(b"".join(csv.read_bytes().splitlines(keepends=True)[:12]))
    assert len(live.current().snapshot.clinics) == 11  # type: ignore[union-attr]
