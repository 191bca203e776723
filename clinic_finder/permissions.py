"""Who may change what, enforced on the server whatever the browser sends.

Maintainers may change anything. A clinic account may change only the rows of its own clinics, and in them
only the columns the schema marks `clinic_editable` (`schema.CLINIC_EDITABLE_COLUMNS`), plus "last checked
today, by me" (`last_checked`/`checked_by`, set by a form save or "Still correct"). It may not add, remove
or reorder clinics.

The clinic form (`forms.py`) sends a dict of column -> value for one clinic. `apply_clinic_form` builds the
candidate table from the current one by changing only that row and only those columns; any other key is
refused, not ignored, because a well-behaved page never sends one. Saving a clinic form marks the row
checked by the clinic account (the form shows every column it may set, so saving it confirms the row);
a maintainer's form edit does not (a maintainer editing, e.g. from a visitor's suggestion, has not
confirmed the row with the clinic). When a clinic changes 'accepting new patients' or 'current wait'
and leaves 'wait as of' as it was, 'wait as of' becomes today: the clinic just told us.

Every save goes through `store.save_clinics` (validate, lock, conflict check, backup, atomic replace,
audit) with the account's name as the label and (account, role) in the audit entry. `check_change` is run
again at save time against the very version being replaced, so a crafted candidate cannot slip through.
Form and "still correct" saves apply the change to the version on disk when the clinic's own row is
unchanged since it was shown, so clinics editing different rows at the same time do not refuse each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from clinic_finder import clock, store
from clinic_finder.accounts import Account, audit_label, checked_label
from clinic_finder.csvfile import Problem
from clinic_finder.diff import ClinicsDiff, cell_text, diff_clinics, mark_checked, note_staff_edits
from clinic_finder.editing import validate_frame
from clinic_finder.i18n import _
from clinic_finder.schema import CLINIC_EDITABLE_COLUMNS, COLUMN_INFO, COLUMNS, Availability

CHECK_COLUMNS = ("last_checked", "checked_by")
WAIT_COLUMNS = ("accepting_new_patients", "current_wait")
SAVE_ATTEMPTS = 5  # retries when another row was saved in between (each is one full locked save attempt)


class PermissionRefused(PermissionError):
    """The change touches something this account may not change; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class RowChanged(store.SaveConflict):
    """The clinic's row changed on disk since the form was shown; nothing was written."""

    def __init__(self, clinic_id: str, actual: str | None, disk_diff: ClinicsDiff | None,
                 disk_problems: list[Problem]) -> None:
        self.clinic_id = clinic_id
        super().__init__(None, actual, disk_diff, disk_problems)

    def explanation(self) -> str:
        """What happened and what to do."""
        if self.disk_problems:
            return _("The clinics file has problems right now, so nothing was saved. Try again later; the "
                     "maintainer has been shown the problems.")
        return _("Someone else changed this clinic's listing since you opened it, so your save was refused and "
                 "nothing was written. Press “Load the current listing” to see it (reloading the page would sign "
                 "you out), then make your change again.")


def editable_columns(account: Account) -> tuple[str, ...]:
    """The columns `account` may change in its clinics' rows (maintainers: all)."""
    return COLUMNS if account.is_maintainer else CLINIC_EDITABLE_COLUMNS


def form_columns(account: Account) -> tuple[str, ...]:
    """The columns of the per-clinic form: editable ones, minus id and the check columns (set by saving)."""
    return tuple(c for c in editable_columns(account) if c != "id" and c not in CHECK_COLUMNS)


def visible_clinic_ids(account: Account, clinics: pd.DataFrame) -> list[str]:
    """The ids of the clinics this account may see and edit, in the table's order."""
    ids = [str(i) for i in clinics["id"]]
    return ids if account.is_maintainer else [i for i in ids if i in account.clinic_ids]


def _rows_by_id(clinics: pd.DataFrame) -> dict[str, dict[str, str]]:
    return {str(r["id"]): {c: cell_text(c, r.get(c)) for c in COLUMNS} for r in clinics.to_dict(orient="records")}


def check_change(account: Account, before: pd.DataFrame, after: pd.DataFrame, *, typed_name: str = "",
                 today: dt.date | None = None) -> list[Problem]:
    """Every reason `account` may not turn validated `before` into validated `after` ([] = allowed)."""
    if account.is_maintainer:
        return []
    problems: list[Problem] = []
    diff = diff_clinics(before, after)
    for clinic_id in diff.added:
        problems.append(Problem(_("a clinic account cannot add clinics; ask the maintainer"), None, "id", clinic_id))
    for clinic_id in diff.removed:
        problems.append(Problem(_("a clinic account cannot remove clinics; ask the maintainer"), None, "id",
                                clinic_id))
    allowed = set(editable_columns(account))
    # The only thing a clinic may say in the check columns is "checked today, by this account", both at once
    # (its name beside an old date would claim a check it did not make).
    marker = {"last_checked": (today or clock.today()).isoformat(), "checked_by": checked_label(account, typed_name)}
    after_rows = _rows_by_id(after)
    for change in diff.changed:
        if change.id not in account.clinic_ids:
            problems.append(Problem(_("this account may only change its own clinics"), None, "id", change.id))
            continue
        marked_by_me = all(after_rows[change.id][c] == marker[c] for c in CHECK_COLUMNS)
        for changed in change.fields:
            if changed.column in allowed or (changed.column in CHECK_COLUMNS and marked_by_me):
                continue
            problems.append(Problem(
                _("a clinic account may not change '{label}'; send the correction to the maintainer").format(
                    label=_(COLUMN_INFO[changed.column].label)),
                None, changed.column, changed.new))
    if not diff.added and not diff.removed and [str(i) for i in before["id"]] != [str(i) for i in after["id"]]:
        problems.append(Problem(_("a clinic account cannot reorder the clinics list")))
    return problems


def _refuse_unless_may_edit(account: Account, current: pd.DataFrame, clinic_id: str) -> int:
    """The row position of `clinic_id`; raise PermissionRefused if the account may not edit it or it is absent."""
    if not account.may_edit(clinic_id):
        raise PermissionRefused([Problem(_("this account may only change its own clinics"), None, "id", clinic_id)])
    positions = [i for i, value in enumerate(current["id"]) if str(value) == clinic_id]
    if len(positions) != 1:
        raise PermissionRefused([Problem(_("there is no clinic with this id in the list"), None, "id", clinic_id)])
    return positions[0]


def _cell(value: Any) -> Any:
    """A form value as a table cell (dates as ISO text, enums as their value)."""
    if isinstance(value, Availability):
        return value.value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def apply_clinic_form(account: Account, current: pd.DataFrame, clinic_id: str, values: Mapping[str, Any], *,
                      typed_name: str = "", today: dt.date | None = None) -> pd.DataFrame:
    """`current` with `values` put into the row `clinic_id` only; raise PermissionRefused for any other key."""
    # Not validated yet (see `prepare_clinic_edit`); `current` must be a validated table.
    position = _refuse_unless_may_edit(account, current, clinic_id)
    allowed = form_columns(account)
    refused = [key for key in values if key not in allowed]
    if refused:
        raise PermissionRefused([
            Problem(_("this form may not set '{column}'").format(column=str(key)[:60]), None,
                    str(key)[:60] if str(key) in COLUMN_INFO else None, None)
            for key in refused])
    day = today or clock.today()
    candidate = current.reset_index(drop=True).copy()
    before = {c: cell_text(c, candidate.at[position, c]) for c in COLUMNS}
    for column, value in values.items():
        candidate[column] = candidate[column].astype(object)  # a date or None in a text column
        candidate.at[position, column] = _cell(value)
    if not account.is_maintainer:
        wait_changed = any(cell_text(c, _cell(values[c])) != before[c] for c in WAIT_COLUMNS if c in values)
        wait_date_kept = "wait_as_of" not in values or cell_text("wait_as_of", _cell(values["wait_as_of"])) == \
            before["wait_as_of"]
        if wait_changed and wait_date_kept:
            candidate["wait_as_of"] = candidate["wait_as_of"].astype(object)
            candidate.at[position, "wait_as_of"] = day.isoformat()
        candidate = mark_checked(candidate, {clinic_id}, checked_label(account, typed_name), day)
    return candidate


def confirm_still_correct(account: Account, current: pd.DataFrame, clinic_id: str, *, typed_name: str = "",
                          today: dt.date | None = None) -> pd.DataFrame:
    """`current` with `clinic_id` marked checked today by this account (nothing else changes)."""
    _refuse_unless_may_edit(account, current, clinic_id)
    return mark_checked(current, {clinic_id}, checked_label(account, typed_name), today)


@dataclass(frozen=True)
class ClinicEdit:
    """A form's result before saving: the validated candidate, or the problems, and what would change."""

    candidate: pd.DataFrame | None  # None when there are problems
    problems: list[Problem] = field(default_factory=list)  # by column; no row numbers (it is one clinic)
    diff: ClinicsDiff = field(default_factory=ClinicsDiff)

    @property
    def ok(self) -> bool:
        return self.candidate is not None and not self.problems


def prepare_clinic_edit(account: Account, current: pd.DataFrame, clinic_id: str, values: Mapping[str, Any], *,
                        typed_name: str = "", today: dt.date | None = None) -> ClinicEdit:
    """Apply, validate and diff a clinic form against `current` (validated), for the review step."""
    try:
        raw = apply_clinic_form(account, current, clinic_id, values, typed_name=typed_name, today=today)
    except PermissionRefused as refused:
        return ClinicEdit(None, refused.problems)
    checked = validate_frame(raw)
    if not checked.ok or checked.clinics is None:
        return ClinicEdit(None, [Problem(p.message, None, p.column, p.value) for p in checked.problems])
    problems = check_change(account, current, checked.clinics, typed_name=typed_name, today=today)
    if problems:
        return ClinicEdit(None, problems)
    return ClinicEdit(checked.clinics, [], diff_clinics(current, checked.clinics))


def _account_pair(account: Account) -> tuple[str, str]:
    return (account.name, account.role.value)


def save_as_account(csv_path: str | Path, account: Account, candidate: pd.DataFrame,
                    expected_fingerprint: str | None, *, typed_name: str = "", action: str = "save",
                    base: pd.DataFrame | None = None, today: dt.date | None = None,
                    now: dt.datetime | None = None, keep_backups: int = store.BACKUPS_KEPT) -> store.SaveResult:
    """`store.save_clinics` for a signed-in account, refusing what the account may not change."""
    # Raises PermissionRefused, or what save_clinics raises (InvalidClinics, SaveConflict, SaveBusy).
    checked = validate_frame(candidate)
    if not checked.ok or checked.clinics is None:
        raise store.InvalidClinics(checked.problems)
    # Checked against the exact version being replaced: save_clinics refuses anything but the bytes with
    # `expected_fingerprint`, so what is read here is what gets replaced.
    snapshot = store.read_snapshot(csv_path)
    replaced = snapshot.result.clinics if snapshot.fingerprint == expected_fingerprint else None
    if not account.is_maintainer:
        if replaced is None:
            disk = snapshot.result.clinics
            raise store.SaveConflict(expected_fingerprint, snapshot.fingerprint,
                                     diff_clinics(base, disk) if base is not None and disk is not None else None,
                                     snapshot.result.problems)
        problems = check_change(account, replaced, checked.clinics, typed_name=typed_name, today=today)
        if problems:
            raise PermissionRefused(problems)
    # Each changed row says in its source who changed what, and when: the directory did not say it.
    noted = note_staff_edits(replaced, checked.clinics, edited_by(account), today)
    return store.save_clinics(csv_path, noted, expected_fingerprint, audit_label(account, typed_name),
                              action=action, base=base, keep_backups=keep_backups, now=now,
                              account=_account_pair(account))


def edited_by(account: Account) -> str:
    """Who changed a row, as its `source` tells visitors: a role, never a person's account name."""
    return "the IOP Finder maintainers" if account.is_maintainer else "the clinic's own staff"


def restore_as_account(csv_path: str | Path, account: Account, backup_name: str,
                       expected_fingerprint: str | None, *, typed_name: str = "",
                       base: pd.DataFrame | None = None) -> store.SaveResult:
    """`store.restore_backup` for a maintainer; a clinic account may not restore backups (PermissionRefused)."""
    if not account.is_maintainer:
        raise PermissionRefused([Problem(_("only a maintainer can restore a backup"))])
    return store.restore_backup(csv_path, backup_name, expected_fingerprint, audit_label(account, typed_name),
                                base=base, account=_account_pair(account))


def _save_row(csv_path: str | Path, account: Account, clinic_id: str, base: pd.DataFrame, action: str,
              build: Callable[[pd.DataFrame], pd.DataFrame], typed_name: str, today: dt.date | None,
              now: dt.datetime | None) -> store.SaveResult:
    """Apply `build(current) -> candidate` to the file on disk if `clinic_id`'s row is as in `base`; save."""
    shown = _rows_by_id(base).get(clinic_id)
    for _attempt in range(SAVE_ATTEMPTS):
        snapshot = store.read_snapshot(csv_path)
        disk = snapshot.result.clinics
        if not snapshot.result.ok or disk is None:
            raise RowChanged(clinic_id, snapshot.fingerprint, None, snapshot.result.problems)
        on_disk = _rows_by_id(disk).get(clinic_id)
        if shown is None or on_disk != shown:
            row_diff = diff_clinics(base[base["id"] == clinic_id], disk[disk["id"] == clinic_id])
            raise RowChanged(clinic_id, snapshot.fingerprint, row_diff, [])
        candidate = build(disk)
        try:
            return save_as_account(csv_path, account, candidate, snapshot.fingerprint, typed_name=typed_name,
                                   action=action, base=disk, today=today, now=now)
        except store.SaveConflict:
            continue  # another row was saved between our read and the lock: read again
    raise store.SaveBusy(_("The list is being saved by many people at once; nothing was saved. Try again in a "
                           "minute."))


def save_clinic_form(csv_path: str | Path, account: Account, clinic_id: str, values: Mapping[str, Any],
                     base: pd.DataFrame, *, typed_name: str = "", today: dt.date | None = None,
                     now: dt.datetime | None = None) -> store.SaveResult:
    """Save a clinic form shown from `base` (the table loaded): locked, backed up, audited as the account."""
    # Raises PermissionRefused, InvalidClinics (validation problems), RowChanged (the row changed since it
    # was shown) or SaveBusy.
    def build(disk: pd.DataFrame) -> pd.DataFrame:
        return apply_clinic_form(account, disk, clinic_id, values, typed_name=typed_name, today=today)

    build(base)  # refuses a clinic or key this account may not set, whatever has happened on disk since
    return _save_row(csv_path, account, clinic_id, base, "clinic form", build, typed_name, today, now)


def save_still_correct(csv_path: str | Path, account: Account, clinic_id: str, base: pd.DataFrame, *,
                       typed_name: str = "", today: dt.date | None = None,
                       now: dt.datetime | None = None) -> store.SaveResult:
    """One click "still correct": mark `clinic_id` checked today by this account, if its row is as shown."""
    def build(disk: pd.DataFrame) -> pd.DataFrame:
        return confirm_still_correct(account, disk, clinic_id, typed_name=typed_name, today=today)

    _refuse_unless_may_edit(account, base, clinic_id)
    return _save_row(csv_path, account, clinic_id, base, "still correct", build, typed_name, today, now)
