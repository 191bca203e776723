"""Re-importing a newer directory without losing what people have checked.

A fresh import replaces rows nobody has checked or edited. A row with a `last_checked` date was confirmed by a
person (a clinic's staff, a maintainer's call), and a row whose `source` notes a staff edit holds what a person
wrote in the app (`diff.note_staff_edits`), so by default both are kept as they are, and every field where the
new directory says something else is reported as a conflict, in the same old -> new table the Staff page shows.
Rows the directory no longer lists are dropped only if nobody checked them and they came from the directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from clinic_finder.csvfile import clinics_frame
from clinic_finder.diff import BOOKKEEPING_COLUMNS as BOOKKEEPING  # a new directory edition always differs in these
from clinic_finder.diff import ClinicsDiff, diff_clinics, staff_edited


@dataclass
class MergeResult:
    """The list to write and what the merge did."""

    clinics: pd.DataFrame
    kept_checked: list[str] = field(default_factory=list)  # checked rows kept as they were
    kept_edited: list[str] = field(default_factory=list)  # rows staff edited in the app (not checked), kept
    conflicts: ClinicsDiff = field(default_factory=ClinicsDiff)  # checked value -> what the directory says
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # unchecked directory rows the directory no longer has
    kept_extra: list[str] = field(default_factory=list)  # rows not from the directory, or checked, kept

    def summary(self) -> str:
        """One paragraph for the command line."""
        return (
            f"{len(self.clinics)} clinics: {len(self.added)} new from the directory, {len(self.dropped)} dropped "
            f"(no longer in the directory, never checked), {len(self.kept_checked)} checked rows kept as checked "
            f"and {len(self.kept_edited)} rows edited by staff kept as edited "
            f"({len(self.conflicts.changed)} of them with fields the directory now says differently), "
            f"{len(self.kept_extra)} rows not in the directory kept."
        )


def _is_checked(row: pd.Series) -> bool:
    value = row.get("last_checked")
    return value is not None and value == value and str(value).strip() != ""


def _held_by_people(row: pd.Series) -> bool:
    """Checked with the clinic, or edited by staff in the app: what the directory says does not replace it."""
    return _is_checked(row) or staff_edited(str(row.get("source", "")))


def merge_import(
    current: pd.DataFrame | None, fresh: pd.DataFrame, source_prefix: str, replace_checked: bool = False
) -> MergeResult:
    """`fresh` (a new import) merged into `current` (the list in use), keeping checked rows unless told.

    `source_prefix` is the start of the `source` text of rows that came from this directory (rows from other
    sources are never dropped).
    """
    if current is None or current.empty:
        return MergeResult(fresh.reset_index(drop=True), added=list(fresh["id"]))
    current_by_id = {str(row["id"]): row for _, row in current.iterrows()}
    fresh_ids = set(fresh["id"].astype(str))
    result = MergeResult(fresh)
    rows: list[dict[str, object]] = []
    conflict_old, conflict_new = [], []
    for _, row in fresh.iterrows():
        clinic_id = str(row["id"])
        existing = current_by_id.get(clinic_id)
        if existing is None:
            result.added.append(clinic_id)
            rows.append(row.to_dict())
        elif _held_by_people(existing) and not replace_checked:
            (result.kept_checked if _is_checked(existing) else result.kept_edited).append(clinic_id)
            rows.append(existing.to_dict())
            conflict_old.append(existing.drop(list(BOOKKEEPING)).to_dict())
            conflict_new.append(row.drop(list(BOOKKEEPING)).to_dict())
        else:
            rows.append(row.to_dict())
    for clinic_id, existing in current_by_id.items():
        if clinic_id in fresh_ids:
            continue
        from_directory = str(existing.get("source", "")).startswith(source_prefix)
        if from_directory and not _held_by_people(existing):
            result.dropped.append(clinic_id)
        else:
            result.kept_extra.append(clinic_id)
            rows.append(existing.to_dict())
    result.clinics = clinics_frame(rows)
    if conflict_old:
        result.conflicts = diff_clinics(_partial(conflict_old), _partial(conflict_new))
    return result


def _partial(records: list[dict[str, object]]) -> pd.DataFrame:
    # The bookkeeping columns, blank on both sides, so they never show as conflicts.
    return clinics_frame([{**record, **dict.fromkeys(BOOKKEEPING, "")} for record in records])
