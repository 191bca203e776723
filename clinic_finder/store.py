"""Saving the clinics list safely: validate, lock, refuse stale edits, back up, replace atomically, audit.

A save never leaves a half-written `clinics.csv`: the new version goes to a temporary file in the same
folder, is flushed and fsynced, then renamed over the old one (atomic on POSIX), and the folder is fsynced
so the rename survives a power cut. A cross-process lock (`clinics.csv.lock`) serialises saves, and a
save names the version it was based on (the sha256 "fingerprint" of the bytes the editor loaded): if the
file on disk is no longer that version, the save is refused with what changed, never silently overwritten.

Before the rename, the temporary file is read back and validated: a save never reports success for bytes
that do not read back as the list it meant to save.

Beside the CSV: `backups/` keeps the last `BACKUPS_KEPT` previous versions, and `audit.jsonl` logs each
save (time, staff label, counts and ids). Only staff actions are logged, never visitors.

The audit log is part of a save's commit protocol, so that no version of the file is ever on disk without
its audit entry, even if the saving process is killed at any moment:

1. the new bytes go to a temporary file, which is fsynced, read back and validated;
2. an "intent" line (save id, who, what, the new fingerprint, the temp and backup names) is appended to
   `audit.jsonl` and fsynced;
3. the previous version is copied to `backups/`;
4. the temporary file is renamed over the CSV, and the folder fsynced;
5. a "done" line is appended.

An intent without an outcome line is resolved, under the lock, at the start of the next save and by
`recover_audit` (which `read_audit_log` runs when no save is in progress): if the file on disk is the
version the intent names, the save happened and is recorded "recovered"; otherwise it is recorded
"abandoned" and its leftovers (temp file, backup copy) are removed. `read_audit_log` gives one entry per
completed save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
import pandas as pd

from clinic_finder import files
from clinic_finder.csvfile import LoadResult, Problem, clinics_to_csv_bytes, parse_clinics_csv, same_clinics
from clinic_finder.diff import ClinicsDiff, change_summary, diff_clinics
from clinic_finder.editing import validate_frame
from clinic_finder.i18n import _, ngettext

BACKUPS_KEPT = 50
LOCK_TIMEOUT_SECONDS = 15.0  # a save takes well under a second; longer means a stuck process
MAX_LABEL_CHARS = 80
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"  # sorts in time order as text


class InvalidClinics(ValueError):
    """The table to save has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(ngettext("{count} problem(s); nothing was saved", "{count} problem(s); nothing was saved",
                                  len(problems)).format(count=len(problems)))
        self.problems = problems


class UnverifiedWrite(InvalidClinics):
    """The bytes written did not read back as the list meant to be saved; nothing was replaced."""


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
        """What happened and what to do, for staff (in the current language)."""
        if self.actual is None:
            what = _("the clinics file was deleted or moved")
        elif self.disk_problems:
            count = len(self.disk_problems)
            what = ngettext("the file on disk was edited and now has {count} problem(s)",
                            "the file on disk was edited and now has {count} problem(s)", count).format(count=count)
        elif self.disk_diff is not None:
            what = _("someone saved in the meantime ({changes})").format(changes=self.disk_diff.summary())
        else:
            what = _("someone saved or edited it in the meantime")
        return _(
            "The clinics list changed since you started editing: {what}. Your save was refused so that "
            "nobody's work is overwritten; nothing was written. Reload the current list and make your "
            "change again (you can download your version first)."
        ).format(what=what)


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
        return Snapshot(path, None, LoadResult(None, [Problem(_("there is no file at {path}").format(path=path.name))]))
    except OSError as error:
        return Snapshot(path, None, LoadResult(None, [Problem(_("could not read {path}: {reason}").format(
            path=path.name, reason=error.strerror))]))
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
        raise ValueError(_("say who you are (a name or initials) so the change log shows who saved"))
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
        raise SaveBusy(_("the change log was locked for over {seconds} seconds; nothing was logged. Try again in a "
                         "minute.").format(seconds=f"{lock_timeout_seconds:.0f}")) from None
    return logged


def _check_written(temp: Path, data: bytes, clinics: pd.DataFrame) -> None:
    """Read the temp file back and validate it; raise UnverifiedWrite unless it is exactly the list meant."""
    written = temp.read_bytes()
    result = parse_clinics_csv(written)
    if written != data:
        problem = _("the file written does not hold the bytes meant for it (a disk or file system error?)")
    elif not result.ok or result.clinics is None:
        problem = _("the file written does not pass validation when read back")
    elif not same_clinics(result.clinics, clinics):
        problem = _("the file written reads back as a different list")
    else:
        return
    raise UnverifiedWrite([Problem(_("{problem}; nothing was replaced. Please tell the maintainer.").format(
        problem=problem)), *result.problems])


def _remove_stale_temp_files(path: Path) -> None:
    # Left behind only by a process killed mid-write; we hold the lock, so none is in use.
    for folder in (path.parent, backups_dir(path)):
        if folder.is_dir():
            for stale in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()


def _append_audit(path: Path, entry: dict[str, Any]) -> None:
    """Append one JSON line to the audit log and fsync it."""
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


def _backup_target(path: Path, now: dt.datetime) -> Path:
    """A new backup's name; called under the lock, so nobody else can take it before it is written."""
    folder = backups_dir(path)
    stamp = now.astimezone(dt.UTC).strftime(_TIMESTAMP_FORMAT)
    target = folder / f"{path.stem}-{stamp}.csv"
    counter = 1
    while target.exists():  # two saves within a microsecond: keep both
        target = folder / f"{path.stem}-{stamp}-{counter}.csv"
        counter += 1
    return target


def _keep_backup(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomically(target, data)


def _rotate_backups(path: Path, keep: int) -> None:
    for old in backup_files(path)[:-keep] if keep > 0 else []:
        with contextlib.suppress(OSError):
            old.unlink()


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
            _("another save has held the lock for over {seconds} seconds; nothing was saved. Try again in a "
              "minute.").format(seconds=f"{lock_timeout_seconds:.0f}")
        ) from None


def _save_locked(path: Path, clinics: pd.DataFrame, new_bytes: bytes, expected: str | None, label: str,
                 account: tuple[str, str] | None,
                 action: str, base: pd.DataFrame | None, keep_backups: int, now: dt.datetime | None) -> SaveResult:
    _resolve_dangling_intents(path)  # a save killed earlier gets its outcome line before this one starts
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
    # Back up exactly the bytes whose fingerprint was checked, even if the file is invalid: it may hold
    # someone's work.
    backup = _backup_target(path, moment) if current.data is not None else None
    entry = {
        "time": _log_time(moment),
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
        "save_id": secrets.token_hex(8),
    }
    temp = files.write_temp(path, new_bytes)  # step 1 of the protocol in the module docstring
    try:
        _check_written(temp, new_bytes, clinics)
        _append_audit(path, {"event": "intent", "temp": temp.name, **entry})
        if backup is not None and current.data is not None:
            _keep_backup(backup, current.data)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    files.replace_with(temp, path)
    _rotate_backups(path, keep_backups)
    _append_audit(path, {"event": "done", "save_id": entry["save_id"], "time": _log_time(dt.datetime.now(dt.UTC))})
    return SaveResult(True, new_fingerprint, diff, backup, {**entry, "status": "done"})


def _log_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_OUTCOMES = ("done", "recovered", "abandoned")


def _audit_records(csv_path: Path) -> list[dict[str, Any]]:
    """Every readable line of the audit log, oldest first (a line cut by a crash is skipped)."""
    try:
        lines = audit_path(csv_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _dangling_intents(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    settled = {r.get("save_id") for r in records if r.get("event") in _OUTCOMES}
    return [r for r in records if r.get("event") == "intent" and r.get("save_id") not in settled]


def _resolve_dangling_intents(path: Path) -> list[dict[str, Any]]:
    """Give every save that was killed mid-way its outcome line; call only while holding the lock."""
    dangling = _dangling_intents(_audit_records(path))
    if not dangling:
        return []
    on_disk = file_fingerprint(path)
    written = []
    for intent in dangling:
        temp = _temp_named(path, intent.get("temp"))
        renamed = temp is None or not temp.is_file()  # the rename consumes the temp file
        if on_disk is not None and on_disk == intent.get("fingerprint"):
            outcome = "recovered"  # this version is on disk: it needs its entry
        elif on_disk is not None and on_disk == intent.get("previous_fingerprint"):
            outcome = "abandoned"  # killed before the rename: the file is still the version before
        else:
            outcome = "recovered" if renamed else "abandoned"  # the file was changed since, outside the app
        if outcome == "abandoned":
            _remove_leftovers(path, intent, temp)
        line = {"event": outcome, "save_id": intent.get("save_id"), "time": _log_time(dt.datetime.now(dt.UTC))}
        _append_audit(path, line)
        written.append(line)
    return written


def _temp_named(path: Path, name: object) -> Path | None:
    """The temp file an intent names, if the name is one of ours (never a path elsewhere)."""
    text = str(name or "")
    if Path(text).name != text or not (text.startswith(f".{path.name}.") and text.endswith(".tmp")):
        return None
    return path.parent / text


def _remove_leftovers(path: Path, intent: dict[str, Any], temp: Path | None) -> None:
    # The temp file never became the CSV. The backup it made is a copy of the version still on disk
    # (checked by fingerprint before deleting, so no other file is ever removed).
    if temp is not None:
        with contextlib.suppress(OSError):
            temp.unlink()
    name = intent.get("backup")
    if not name:
        return
    backup = next((b for b in backup_files(path) if b.name == name), None)
    if backup is not None and fingerprint_bytes(backup.read_bytes()) == intent.get("previous_fingerprint"):
        with contextlib.suppress(OSError):
            backup.unlink()


def recover_audit(csv_path: str | Path, lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """Resolve saves killed between their intent and done lines (see the module docstring); run at start-up."""
    # Returns the outcome lines written. Raises filelock.Timeout if a save holds the lock that long.
    path = Path(csv_path)
    if not audit_path(path).exists():
        return []
    with filelock.FileLock(str(lock_path(path)), timeout=lock_timeout_seconds):
        return _resolve_dangling_intents(path)


def read_audit_log(csv_path: str | Path, *, recover: bool = True) -> list[dict[str, Any]]:
    """One entry per completed save, oldest first, with its `status`: "done", "recovered" or "unconfirmed"."""
    # With `recover`, a save killed mid-way is resolved first if no save is running now (lock free). A
    # save whose intent is still open counts when its version is the one on disk (it is in progress and
    # past its rename, or was killed there): every version of the file on disk has its entry.
    path = Path(csv_path)
    if recover:
        with contextlib.suppress(filelock.Timeout, OSError):
            recover_audit(path, lock_timeout_seconds=0)
    records = _audit_records(path)
    outcomes = {r.get("save_id"): r["event"] for r in records if r.get("event") in _OUTCOMES}
    on_disk: str | None = None
    if _dangling_intents(records):
        on_disk = file_fingerprint(path)
    entries = []
    for record in records:
        event = record.get("event")
        if event is None:
            entries.append(record)  # a line written before saves had intent and done lines
            continue
        if event != "intent":
            continue
        status = outcomes.get(record.get("save_id"))
        if status is None and on_disk is not None and record.get("fingerprint") == on_disk:
            status = "unconfirmed"
        if status in ("done", "recovered", "unconfirmed"):
            entry = {key: value for key, value in record.items() if key not in ("event", "temp")}
            entries.append({**entry, "status": status})
    return entries


def _time_from_name(name: str, stem: str) -> dt.datetime | None:
    stamp = name.removeprefix(f"{stem}-").removesuffix(".csv").split("-")[0]
    try:
        return dt.datetime.strptime(stamp, _TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _logged_count(value: object) -> int:
    """A count from an audit entry (0 if it is missing or not a whole number: the log is plain text)."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


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
            change_summary(*(_logged_count(entry.get(kind)) for kind in ("added", "removed", "changed")))
            if entry else _("not in the audit log")
        )
        backups.append(BackupInfo(backup, when, str(entry.get("staff", "")), str(entry.get("action", "")), summary))
    return backups


def backup_by_name(csv_path: str | Path, name: str) -> Path:
    """The backup file called `name`; raise ValueError for anything not in the backups folder."""
    path = Path(csv_path)
    for backup in backup_files(path):
        if backup.name == name:
            return backup
    raise ValueError(_("there is no backup called {name}").format(name=repr(name)))


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
