"""Saving the clinics list safely: validate, lock, refuse stale edits, back up, replace atomically, audit.

A save never leaves a half-written `clinics.csv`: the new version goes to a temporary file in the same
folder, is flushed and fsynced, then renamed over the old one (atomic on POSIX), and the folder is fsynced
so the rename survives a power cut. A cross-process lock (`clinics.csv.lock`) serialises saves, and a
save names the version it was based on (the sha256 "fingerprint" of the bytes the editor loaded): if the
file on disk is no longer that version, the save is refused with what changed, never silently overwritten.

Beside the CSV: `backups/` keeps the last `BACKUPS_KEPT` previous versions, and `audit.jsonl` gets one
JSON line per save (time, staff label, counts and ids). Only staff actions are logged, never visitors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import pandas as pd

from clinic_finder.csvfile import LoadResult, Problem, clinics_to_csv_bytes, parse_clinics_csv
from clinic_finder.diff import ClinicsDiff, diff_clinics
from clinic_finder.editing import validate_frame

BACKUPS_KEPT = 50
LOCK_TIMEOUT_SECONDS = 15.0  # a save takes well under a second; longer means a stuck process
MAX_LABEL_CHARS = 80
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"  # sorts in time order as text


class InvalidClinics(ValueError):
    """The table to save has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was saved")
        self.problems = problems


class SaveConflict(RuntimeError):
    """The file changed on disk since the editor loaded it; nothing was written."""

    def __init__(self, expected: str | None, actual: str | None, disk_diff: ClinicsDiff | None,
                 disk_problems: list[Problem]) -> None:
        self.expected = expected
        self.actual = actual
        self.disk_diff = disk_diff  # what changed on disk since the editor loaded it, when both are valid
        self.disk_problems = disk_problems  # why the file on disk is invalid, if it is
        super().__init__(self.explanation())

    def explanation(self) -> str:
        """What happened and what to do, for staff."""
        if self.actual is None:
            what = "the clinics file was deleted or moved"
        elif self.disk_problems:
            what = f"the file on disk was edited and now has {len(self.disk_problems)} problem(s)"
        elif self.disk_diff is not None:
            what = f"someone saved in the meantime ({self.disk_diff.summary()})"
        else:
            what = "someone saved or edited it in the meantime"
        return (
            f"The clinics list changed since you started editing: {what}. Your save was refused so that "
            "nobody's work is overwritten; nothing was written. Reload the current list and make your "
            "change again (you can download your version first)."
        )


class SaveBusy(RuntimeError):
    """Another save held the lock for too long; nothing was written."""


@dataclass(frozen=True)
class Snapshot:
    """One read of the clinics file: its bytes' fingerprint and the validation of those same bytes."""

    path: Path
    fingerprint: str | None  # None when there is no file
    result: LoadResult
    data: bytes | None = field(default=None, repr=False)  # the bytes read


@dataclass(frozen=True)
class SaveResult:
    """What a save did."""

    saved: bool  # False when the new list equals the file (nothing written)
    fingerprint: str  # of the file now on disk
    diff: ClinicsDiff
    backup: Path | None  # the previous version, kept for undo
    audit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BackupInfo:
    """A previous version of the list and the save that replaced it."""

    path: Path
    time: dt.datetime  # UTC, when it was replaced
    staff: str  # who replaced it ("" if the audit log has no line for it)
    action: str  # "save", "restore", "geocode", ...
    summary: str  # what that save changed, e.g. "0 added, 0 removed, 1 changed"


def fingerprint_bytes(data: bytes) -> str:
    """The sha256 of a file's bytes, hex."""
    return hashlib.sha256(data).hexdigest()


def file_fingerprint(path: str | Path) -> str | None:
    """The sha256 of the file at `path`, or None if there is no file."""
    try:
        return fingerprint_bytes(Path(path).read_bytes())
    except FileNotFoundError:
        return None


def read_snapshot(path: str | Path) -> Snapshot:
    """Read the file once and validate exactly the bytes that were fingerprinted."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Snapshot(path, None, LoadResult(None, [Problem(f"there is no file at {path.name}")]))
    except OSError as error:
        return Snapshot(path, None, LoadResult(None, [Problem(f"could not read {path.name}: {error.strerror}")]))
    return Snapshot(path, fingerprint_bytes(data), parse_clinics_csv(data), data)


def backups_dir(csv_path: str | Path) -> Path:
    """The folder of previous versions, beside the CSV."""
    return Path(csv_path).parent / "backups"


def audit_path(csv_path: str | Path) -> Path:
    """The audit log, beside the CSV."""
    return Path(csv_path).parent / "audit.jsonl"


def lock_path(csv_path: str | Path) -> Path:
    """The cross-process lock file for saves."""
    path = Path(csv_path)
    return path.with_name(path.name + ".lock")


def clean_label(staff_label: str) -> str:
    """The staff label as logged: one line, trimmed; raise ValueError if blank."""
    label = " ".join(str(staff_label).split())[:MAX_LABEL_CHARS]
    if not label:
        raise ValueError("say who you are (a name or initials) so the change log shows who saved")
    return label


def append_audit_entry(csv_path: str | Path, entry: dict[str, Any], *,
                       lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> dict[str, Any]:
    """Append one staff action that is not a save (e.g. a suggestion dismissed) to the audit log; returns it."""
    # Under the saves' lock, so the line never lands inside a save's lines. `time` (ISO, UTC), `action` and
    # `staff` are required, as in a save's entry; raises SaveBusy if the lock is not free in time.
    path = Path(csv_path)
    if "time" not in entry or "action" not in entry:
        raise ValueError("an audit entry needs a time and an action")
    logged = {**entry, "staff": clean_label(str(entry.get("staff", "")))}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with filelock.FileLock(str(lock_path(path)), timeout=lock_timeout_seconds):
            _append_audit(path, logged)
    except filelock.Timeout:
        raise SaveBusy(f"the change log was locked for over {lock_timeout_seconds:.0f} seconds; nothing was "
                       "logged. Try again in a minute.") from None
    return logged


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _atomic_write(path: Path, data: bytes) -> None:
    # Temp file in the same folder, so os.replace is a rename within one filesystem (atomic).
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_dir(path.parent)


def _remove_stale_temp_files(path: Path) -> None:
    # Left behind only by a process killed mid-write; we hold the lock, so none is in use.
    for folder in (path.parent, backups_dir(path)):
        if folder.is_dir():
            for stale in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()


def _append_audit(path: Path, entry: dict[str, Any]) -> None:
    log = audit_path(path)
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    with open(log, "ab") as handle:
        # A process killed mid-append leaves a partial line; start ours on a fresh line.
        if handle.tell() > 0:
            with open(log, "rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    line = "\n" + line
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _keep_backup(path: Path, data: bytes, now: dt.datetime, keep: int) -> Path:
    folder = backups_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(dt.UTC).strftime(_TIMESTAMP_FORMAT)
    target = folder / f"{path.stem}-{stamp}.csv"
    counter = 1
    while target.exists():  # two saves within a microsecond: keep both
        target = folder / f"{path.stem}-{stamp}-{counter}.csv"
        counter += 1
    _atomic_write(target, data)
    for old in backup_files(path)[:-keep] if keep > 0 else []:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def backup_files(csv_path: Path) -> list[Path]:
    """Backups of `csv_path`, oldest first; other files people put in the folder are never touched."""
    folder = backups_dir(csv_path)
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(csv_path.stem)}-\d{{8}}T\d{{12}}Z(?:-\d+)?\.csv")
    return sorted((p for p in folder.glob(f"{csv_path.stem}-*.csv") if pattern.fullmatch(p.name)),
                  key=lambda p: p.name)


def _version_with_fingerprint(path: Path, fingerprint: str | None) -> pd.DataFrame | None:
    """The validated table of an earlier version of the file, found among the backups."""
    if fingerprint is None:
        return None
    for candidate in reversed(backup_files(path)):
        data = candidate.read_bytes()
        if fingerprint_bytes(data) == fingerprint:
            return parse_clinics_csv(data).clinics
    return None


def save_clinics(
    path: str | Path,
    clinics: pd.DataFrame,
    expected_fingerprint: str | None,
    staff_label: str,
    *,
    action: str = "save",
    base: pd.DataFrame | None = None,
    keep_backups: int = BACKUPS_KEPT,
    lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS,
    now: dt.datetime | None = None,
    account: tuple[str, str] | None = None,
) -> SaveResult:
    """Validate and save `clinics` over the version with `expected_fingerprint` (None: no file yet)."""
    # `account` = (account name, role) of a signed-in account, logged beside the label (see accounts.py).
    # Raises InvalidClinics (nothing written), SaveConflict (the file is no longer the expected version;
    # `base`, the table the editor loaded, lets it say what changed) or SaveBusy (no lock within
    # `lock_timeout_seconds`). `now` (UTC) is for tests; the backup name and audit time come from it.
    path = Path(path)
    label = clean_label(staff_label)
    checked = validate_frame(clinics)
    if not checked.ok or checked.clinics is None:
        raise InvalidClinics(checked.problems)
    new_bytes = clinics_to_csv_bytes(checked.clinics)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with filelock.FileLock(str(lock_path(path)), timeout=lock_timeout_seconds):
            return _save_locked(path, checked.clinics, new_bytes, expected_fingerprint, label, account,
                                action, base, keep_backups, now)
    except filelock.Timeout:
        raise SaveBusy(
            f"another save has held the lock for over {lock_timeout_seconds:.0f} seconds; nothing was saved. "
            "Try again in a minute."
        ) from None


def _save_locked(path: Path, clinics: pd.DataFrame, new_bytes: bytes, expected: str | None, label: str,
                 account: tuple[str, str] | None,
                 action: str, base: pd.DataFrame | None, keep_backups: int, now: dt.datetime | None) -> SaveResult:
    current = read_snapshot(path)
    if current.fingerprint != expected:
        loaded = base if base is not None else _version_with_fingerprint(path, expected)
        disk = current.result.clinics
        disk_diff = diff_clinics(loaded, disk) if loaded is not None and disk is not None else None
        raise SaveConflict(expected, current.fingerprint, disk_diff, current.result.problems)
    diff = diff_clinics(current.result.clinics, clinics)
    new_fingerprint = fingerprint_bytes(new_bytes)
    if new_fingerprint == current.fingerprint:
        return SaveResult(False, new_fingerprint, diff, None)
    _remove_stale_temp_files(path)
    moment = now or dt.datetime.now(dt.UTC)
    backup = None
    if current.data is not None:
        # Back up exactly the bytes whose fingerprint was checked, even if the file is invalid: it may
        # hold someone's work.
        backup = _keep_backup(path, current.data, moment, keep_backups)
    _atomic_write(path, new_bytes)
    entry = {
        "time": moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "staff": label,
        "action": action,
        "added": len(diff.added),
        "removed": len(diff.removed),
        "changed": len(diff.changed),
        "added_ids": list(diff.added),
        "removed_ids": list(diff.removed),
        "changed_ids": list(diff.changed_ids),
        **({"account": account[0], "role": account[1]} if account else {}),
        "replaced_invalid_file": current.fingerprint is not None and not current.result.ok,
        "backup": backup.name if backup else None,
        "previous_fingerprint": current.fingerprint,
        "fingerprint": new_fingerprint,
    }
    _append_audit(path, entry)
    return SaveResult(True, new_fingerprint, diff, backup, entry)


def read_audit_log(csv_path: str | Path) -> list[dict[str, Any]]:
    """Every readable line of the audit log, oldest first (a line cut by a crash is skipped)."""
    try:
        lines = audit_path(csv_path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _time_from_name(name: str, stem: str) -> dt.datetime | None:
    stamp = name.removeprefix(f"{stem}-").removesuffix(".csv").split("-")[0]
    try:
        return dt.datetime.strptime(stamp, _TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def list_backups(csv_path: str | Path) -> list[BackupInfo]:
    """Previous versions, newest first, each with who replaced it and what that save changed."""
    path = Path(csv_path)
    by_backup = {entry.get("backup"): entry for entry in read_audit_log(path) if entry.get("backup")}
    backups = []
    for backup in reversed(backup_files(path)):
        when = _time_from_name(backup.name, path.stem)
        if when is None:
            continue
        entry = by_backup.get(backup.name, {})
        summary = (
            f"{entry.get('added', 0)} added, {entry.get('removed', 0)} removed, {entry.get('changed', 0)} changed"
            if entry else "not in the audit log"
        )
        backups.append(BackupInfo(backup, when, str(entry.get("staff", "")), str(entry.get("action", "")), summary))
    return backups


def backup_by_name(csv_path: str | Path, name: str) -> Path:
    """The backup file called `name`; raise ValueError for anything not in the backups folder."""
    path = Path(csv_path)
    for backup in backup_files(path):
        if backup.name == name:
            return backup
    raise ValueError(f"there is no backup called {name!r}")


def restore_backup(
    csv_path: str | Path,
    backup_name: str,
    expected_fingerprint: str | None,
    staff_label: str,
    *,
    base: pd.DataFrame | None = None,
    keep_backups: int = BACKUPS_KEPT,
    account: tuple[str, str] | None = None,
) -> SaveResult:
    """Put a backup back as the current list: a normal save (validated, backed up, audited, undoable)."""
    snapshot = read_snapshot(backup_by_name(csv_path, backup_name))
    if not snapshot.result.ok or snapshot.result.clinics is None:
        raise InvalidClinics(snapshot.result.problems)
    return save_clinics(csv_path, snapshot.result.clinics, expected_fingerprint, staff_label,
                        action=f"restore {backup_name}", base=base, keep_backups=keep_backups, account=account)
