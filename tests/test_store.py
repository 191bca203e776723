"""Saving: validation first, conflicts refused, backups kept (50), audit log, restore, last-valid serving."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from clinic_finder import store
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from clinic_finder.live import LiveClinics


def load(path: Path) -> tuple[pd.DataFrame, str]:
    snapshot = store.read_snapshot(path)
    assert snapshot.result.clinics is not None and snapshot.fingerprint is not None
    return snapshot.result.clinics, snapshot.fingerprint


def with_phone(clinics: pd.DataFrame, row: int, phone: str) -> pd.DataFrame:
    changed = clinics.copy()
    changed.loc[row, "phone"] = phone
    return changed


def test_save_writes_canonical_bytes_backup_and_audit(small_csv: Path) -> None:
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    edited = with_phone(clinics, 0, "(312) 555-0199")
    edited.loc[1, "evening"] = "Y"  # Excel spellings are accepted and written canonically

    result = store.save_clinics(small_csv, edited, fingerprint, "  Ann   Lee ")

    assert result.saved
    after = read_clinics_csv(small_csv)
    assert after.ok and after.clinics is not None
    assert after.clinics.loc[0, "phone"] == "312-555-0199"
    assert after.clinics.loc[1, "evening"] == "yes"
    assert small_csv.read_bytes() == clinics_to_csv_bytes(after.clinics)
    assert result.fingerprint == store.file_fingerprint(small_csv)
    assert result.backup is not None and result.backup.parent == small_csv.parent / "backups"
    assert result.backup.name.startswith("clinics-") and result.backup.read_bytes() == before
    # The log has the save's intent (before the rename) and its done line (after), one entry once read.
    intent, done = (json.loads(line) for line in (small_csv.parent / "audit.jsonl").read_text().splitlines())
    assert intent["event"] == "intent" and done == {"event": "done", "save_id": intent["save_id"], "time": done["time"]}
    assert intent["temp"].startswith(".clinics.csv.") and intent["temp"].endswith(".tmp")
    [entry] = store.read_audit_log(small_csv)
    assert entry == {**result.audit} and entry["status"] == "done"
    assert {k: v for k, v in intent.items() if k not in ("event", "temp")} == {k: v for k, v in entry.items()
                                                                                if k != "status"}
    assert entry["staff"] == "Ann Lee"
    assert (entry["added"], entry["removed"], entry["changed"]) == (0, 0, 2)
    assert entry["changed_ids"] == [clinics.loc[0, "id"], clinics.loc[1, "id"]]
    assert entry["backup"] == result.backup.name
    assert entry["previous_fingerprint"] == fingerprint and entry["fingerprint"] == result.fingerprint
    assert dt.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).tzinfo is not None
    # Only staff actions and clinic ids: no other keys can carry anything about visitors.
    assert set(entry) == {"time", "staff", "action", "added", "removed", "changed", "added_ids", "removed_ids",
                          "changed_ids", "replaced_invalid_file", "backup", "previous_fingerprint", "fingerprint",
                          "save_id", "status"}
    assert not list(small_csv.parent.glob(".*.tmp"))


def test_invalid_table_is_refused_and_nothing_written(small_csv: Path) -> None:
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    bad = with_phone(clinics, 2, "12")
    bad.loc[3, "zip"] = "99999"
    with pytest.raises(store.InvalidClinics) as refused:
        store.save_clinics(small_csv, bad, fingerprint, "Ann")
    texts = [str(p) for p in refused.value.problems]
    assert any(t.startswith("row 4, column phone:") for t in texts)
    assert any(t.startswith("row 5, column zip:") for t in texts)
    assert small_csv.read_bytes() == before
    assert not (small_csv.parent / "backups").exists() and not (small_csv.parent / "audit.jsonl").exists()


def test_a_carriage_return_in_a_cell_is_refused_not_saved_and_lost(small_csv: Path) -> None:
    """It used to be saved with a 'Saved' message into a file that failed validation (the finder kept the
    old list, and after a restart the edit was gone)."""
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    edited = clinics.copy()
    edited.loc[0, "name"] = "Addi\rson"
    with pytest.raises(store.InvalidClinics) as refused:
        store.save_clinics(small_csv, edited, fingerprint, "Ann")
    assert [str(p) for p in refused.value.problems] == [
        "row 2, column name: contains a control character (carriage return), which cannot be kept in the list; "
        "remove it (retype the value, or use Find & Replace) (got 'Addi\\rson')"
    ]
    assert small_csv.read_bytes() == before
    assert not (small_csv.parent / "backups").exists() and store.read_audit_log(small_csv) == []


def nothing_replaced(path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    assert store.list_backups(path) == [] and store.read_audit_log(path) == []
    assert not list(path.parent.glob(".*.tmp"))


def test_a_writer_that_loses_a_row_is_caught_before_the_rename(small_csv: Path, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)

    def lossy(table: pd.DataFrame) -> bytes:  # valid CSV, one clinic short
        return clinics_to_csv_bytes(table.iloc[:-1])

    monkeypatch.setattr(store, "clinics_to_csv_bytes", lossy)
    with pytest.raises(store.UnverifiedWrite) as refused:
        store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    assert str(refused.value.problems[0]) == (
        "the file written reads back as a different list; nothing was replaced. Please tell the maintainer.")
    assert isinstance(refused.value, store.InvalidClinics)  # the staff page lists its problems
    nothing_replaced(small_csv, before)


def test_bytes_changed_on_disk_after_writing_are_caught_before_the_rename(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check re-reads the temp file from disk: a write the disk did not keep is never reported saved."""
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    real_fsync = os.fsync

    def fsync_then_corrupt(descriptor: int) -> None:
        real_fsync(descriptor)
        name = os.readlink(f"/proc/self/fd/{descriptor}")
        if Path(name).name.startswith(".clinics.csv.") and name.endswith(".tmp"):
            os.pwrite(descriptor, b"\x00", 200)  # e.g. a bad sector or a full disk's partial write

    monkeypatch.setattr(store.os, "fsync", fsync_then_corrupt)
    with pytest.raises(store.UnverifiedWrite) as refused:
        store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    messages = [str(p) for p in refused.value.problems]
    assert messages[0].startswith("the file written does not hold the bytes meant for it")
    assert "not a text file (it contains NUL bytes)" in messages[1]
    monkeypatch.undo()
    nothing_replaced(small_csv, before)


class Killed(BaseException):
    """Stands in for SIGKILL in-process (tests/test_store_processes.py uses real processes)."""


def test_a_save_stopped_after_its_rename_has_its_entry_and_is_recovered(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clinics, fingerprint = load(small_csv)

    def killed(*args: object) -> None:
        raise Killed

    monkeypatch.setattr(store, "_rotate_backups", killed)  # the step right after the rename
    with pytest.raises(Killed):
        store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    monkeypatch.undo()
    on_disk = store.file_fingerprint(small_csv)
    assert on_disk != fingerprint
    # Before recovery, the version on disk already has its entry (its intent), marked unconfirmed...
    [entry] = store.read_audit_log(small_csv, recover=False)
    assert (entry["fingerprint"], entry["status"], entry["staff"]) == (on_disk, "unconfirmed", "Ann")
    # ...recovery records the outcome once, and the entry is then like any other.
    [line] = store.recover_audit(small_csv)
    assert (line["event"], line["save_id"]) == ("recovered", entry["save_id"])
    assert store.recover_audit(small_csv) == []
    [entry] = store.read_audit_log(small_csv)
    assert (entry["fingerprint"], entry["status"]) == (on_disk, "recovered")
    assert [b.staff for b in store.list_backups(small_csv)] == ["Ann"]


def test_a_save_stopped_before_its_rename_is_abandoned_without_leftovers(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    real_keep_backup = store._keep_backup

    def backup_then_killed(target: Path, data: bytes) -> None:
        real_keep_backup(target, data)
        raise Killed

    monkeypatch.setattr(store, "_keep_backup", backup_then_killed)
    with pytest.raises(Killed):
        store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    monkeypatch.undo()
    assert small_csv.read_bytes() == before and len(list((small_csv.parent / "backups").iterdir())) == 1
    assert store.read_audit_log(small_csv, recover=False) == []  # the version on disk is the one before
    # The next save resolves it first, under the lock: abandoned, its backup copy removed.
    saved = store.save_clinics(small_csv, with_phone(clinics, 1, "312-555-0198"), fingerprint, "Bo")
    events = [json.loads(line)["event"] for line in (small_csv.parent / "audit.jsonl").read_text().splitlines()]
    assert events == ["intent", "abandoned", "intent", "done"]
    [entry] = store.read_audit_log(small_csv)
    assert entry["staff"] == "Bo" and entry["previous_fingerprint"] == fingerprint
    assert [b.path for b in store.list_backups(small_csv)] == [saved.backup]


def test_stale_fingerprint_is_refused_with_what_changed(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    other = store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0101"), fingerprint, "Tab 1")
    on_disk = small_csv.read_bytes()

    with pytest.raises(store.SaveConflict) as conflict:
        store.save_clinics(small_csv, with_phone(clinics, 1, "312-555-0102"), fingerprint, "Tab 2", base=clinics)

    assert small_csv.read_bytes() == on_disk
    assert conflict.value.actual == other.fingerprint and conflict.value.expected == fingerprint
    assert conflict.value.disk_diff is not None
    assert conflict.value.disk_diff.changed_ids == (clinics.loc[0, "id"],)
    assert "someone saved in the meantime (0 added, 0 removed, 1 changed)" in conflict.value.explanation()
    assert len(store.read_audit_log(small_csv)) == 1


def test_conflict_without_base_finds_the_loaded_version_among_backups(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0101"), fingerprint, "Tab 1")
    with pytest.raises(store.SaveConflict) as conflict:
        store.save_clinics(small_csv, with_phone(clinics, 1, "312-555-0102"), fingerprint, "Tab 2")
    assert conflict.value.disk_diff is not None and conflict.value.disk_diff.changed_ids == (clinics.loc[0, "id"],)


def test_file_broken_on_disk_is_a_conflict_that_lists_its_problems(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    broken = small_csv.read_bytes().replace(b",IL,", b",ZZ,", 1)
    small_csv.write_bytes(broken)
    with pytest.raises(store.SaveConflict) as conflict:
        store.save_clinics(small_csv, clinics, fingerprint, "Ann", base=clinics)
    assert conflict.value.disk_problems and "now has 1 problem(s)" in conflict.value.explanation()
    assert small_csv.read_bytes() == broken


def test_blank_staff_label_is_refused(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    with pytest.raises(ValueError, match="say who you are"):
        store.save_clinics(small_csv, clinics, fingerprint, "  \n ")


def test_unchanged_list_writes_nothing(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    result = store.save_clinics(small_csv, clinics, fingerprint, "Ann")
    assert not result.saved and result.diff.empty and result.fingerprint == fingerprint
    assert store.read_audit_log(small_csv) == []


def test_backups_rotate_to_the_last_50(small_csv: Path) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    versions = [small_csv.read_bytes()]
    someone_elses = small_csv.parent / "backups" / "clinics-my-notes.csv"
    someone_elses.parent.mkdir()
    someone_elses.write_text("not a backup")
    for i in range(55):
        clinics, fingerprint = load(small_csv)
        store.save_clinics(small_csv, with_phone(clinics, 0, f"312-555-{1000 + i:04d}"), fingerprint, f"staff {i}",
                           now=start + dt.timedelta(minutes=i))
        versions.append(small_csv.read_bytes())
    backups = store.list_backups(small_csv)
    assert len(backups) == store.BACKUPS_KEPT == 50
    assert len(list((small_csv.parent / "backups").iterdir())) == 51
    assert someone_elses.read_text() == "not a backup"  # rotation only deletes its own backups
    # Newest first; the newest backup is the version before the last save, the oldest kept is save 5's.
    assert [b.path.read_bytes() for b in backups] == list(reversed(versions[5:55]))
    assert backups[0].time == start + dt.timedelta(minutes=54)
    assert backups[0].staff == "staff 54" and backups[0].summary == "0 added, 0 removed, 1 changed"
    assert backups[-1].staff == "staff 5"
    assert len(store.read_audit_log(small_csv)) == 55


def test_restore_is_an_undoable_save(small_csv: Path) -> None:
    original = small_csv.read_bytes()
    clinics, fingerprint = load(small_csv)
    saved = store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    edited = small_csv.read_bytes()
    assert saved.backup is not None

    restored = store.restore_backup(small_csv, saved.backup.name, saved.fingerprint, "Bo")
    assert small_csv.read_bytes() == original
    assert restored.diff.changed_ids == (clinics.loc[0, "id"],)
    entry = store.read_audit_log(small_csv)[-1]
    assert entry["staff"] == "Bo" and entry["action"] == f"restore {saved.backup.name}"
    # ...and the restore itself can be undone from the backup it made.
    assert restored.backup is not None and restored.backup.read_bytes() == edited
    store.restore_backup(small_csv, restored.backup.name, restored.fingerprint, "Ann")
    assert small_csv.read_bytes() == edited


def test_restore_refuses_names_outside_the_backups_folder(small_csv: Path) -> None:
    with pytest.raises(ValueError, match="no backup called"):
        store.restore_backup(small_csv, "../clinics.csv", store.file_fingerprint(small_csv), "Ann")


def test_audit_log_survives_a_line_cut_by_a_crash(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    (small_csv.parent / "audit.jsonl").write_text('{"time": "2026-01-01T00:00:00Z", "sta')
    store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    entries = store.read_audit_log(small_csv)
    assert [e["staff"] for e in entries] == ["Ann"]


def test_finder_keeps_the_last_valid_version_when_the_file_breaks(small_csv: Path) -> None:
    live = LiveClinics(small_csv)
    first = live.current()
    assert first.snapshot is not None and not first.problems
    clinics, fingerprint = load(small_csv)
    store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    picked_up = live.current().snapshot  # a staff save is visible on the next interaction
    assert picked_up is not None and picked_up.clinics.loc[0, "phone"] == "312-555-0199"

    small_csv.write_text("id,name\nbroken,file\n")  # e.g. a bad Excel save
    broken = live.current()
    assert broken.problems
    assert broken.snapshot is not None and broken.snapshot.clinics.loc[0, "phone"] == "312-555-0199"


def test_finder_falls_back_to_the_newest_valid_backup_after_a_restart(small_csv: Path) -> None:
    clinics, fingerprint = load(small_csv)
    store.save_clinics(small_csv, with_phone(clinics, 0, "312-555-0199"), fingerprint, "Ann")
    small_csv.write_text("not,a,clinics,file\n")
    serving = LiveClinics(small_csv).current()  # a fresh server process remembers nothing
    assert serving.problems
    assert serving.snapshot is not None and serving.snapshot.clinics.equals(clinics)
