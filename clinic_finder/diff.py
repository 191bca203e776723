"""What an edit changes in the clinics list: clinics added, removed and changed (old -> new per field).

Clinics are matched by `id`, so changing a clinic's id shows as one removal plus one addition.
Both tables are expected to be validated (canonical values), so "Y" vs "yes" is never a change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from clinic_finder import clock
from clinic_finder.corrections import column_phrase
from clinic_finder.csvfile import COORDINATE_DECIMALS
from clinic_finder.i18n import N_, _, ngettext
from clinic_finder.schema import COLUMNS

# The kinds of change in `ClinicsDiff.rows()`, as shown to people.
CHANGE_LABELS = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}


def change_summary(added: int, removed: int, changed: int) -> str:
    """'1 added, 0 removed, 2 changed' in the current language (each count with its own plural form)."""
    return ", ".join((
        ngettext("{count} added", "{count} added", added).format(count=added),
        ngettext("{count} removed", "{count} removed", removed).format(count=removed),
        ngettext("{count} changed", "{count} changed", changed).format(count=changed),
    ))


@dataclass(frozen=True)
class FieldChange:
    """One field of one clinic: the text in the file before and after."""

    column: str
    old: str
    new: str


@dataclass(frozen=True)
class ClinicChange:
    """A clinic present before and after whose fields differ."""

    id: str
    name: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ClinicsDiff:
    """Clinics added, removed and changed between two versions of the list."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[ClinicChange, ...] = ()
    names: Mapping[str, str] | None = None  # id -> clinic name, for people reading the diff

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def changed_ids(self) -> tuple[str, ...]:
        return tuple(change.id for change in self.changed)

    def summary(self) -> str:
        """One line for people and for the audit log, e.g. '1 added, 0 removed, 2 changed'."""
        if self.empty:
            return _("no changes")
        return change_summary(len(self.added), len(self.removed), len(self.changed))

    def rows(self) -> list[dict[str, str]]:
        """One row per added clinic, removed clinic and changed field: a table people can read.

        `change` is the kind of change in the current language ("added", "removed", "changed" in English).
        """
        names = self.names or {}
        added, removed, changed = (_(CHANGE_LABELS[kind]) for kind in ("added", "removed", "changed"))
        table = [{"change": added, "id": i, "name": names.get(i, ""), "field": "", "old": "", "new": ""}
                 for i in self.added]
        table += [{"change": removed, "id": i, "name": names.get(i, ""), "field": "", "old": "", "new": ""}
                  for i in self.removed]
        for change in self.changed:
            table += [
                {"change": changed, "id": change.id, "name": change.name,
                 "field": f.column, "old": f.old, "new": f.new}
                for f in change.fields
            ]
        return table


def cell_text(column: str, value: object) -> str:
    """A cell as the CSV writer would write it, so equal files give equal cells."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column in ("lat", "lon"):
        return repr(round(float(value), COORDINATE_DECIMALS))  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _by_id(clinics: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    if clinics is None:
        return {}
    return {
        str(record["id"]): {c: cell_text(c, record.get(c)) for c in COLUMNS}
        for record in clinics.to_dict(orient="records")
    }


def diff_clinics(old: pd.DataFrame | None, new: pd.DataFrame | None) -> ClinicsDiff:
    """Compare two validated clinics tables by id; None stands for "no valid list"."""
    before, after = _by_id(old), _by_id(new)
    added = tuple(i for i in after if i not in before)
    removed = tuple(i for i in before if i not in after)
    changed = []
    for clinic_id, row in after.items():
        previous = before.get(clinic_id)
        if previous is None:
            continue
        fields = tuple(FieldChange(c, previous[c], row[c]) for c in COLUMNS if previous[c] != row[c])
        if fields:
            changed.append(ClinicChange(clinic_id, row["name"], fields))
    names = {i: r["name"] for i, r in before.items()} | {i: r["name"] for i, r in after.items()}
    return ClinicsDiff(added, removed, tuple(changed), names)


def mark_checked(clinics: pd.DataFrame, ids: set[str] | frozenset[str], checked_by: str,
                 today: dt.date | None = None) -> pd.DataFrame:
    """The table with `last_checked` = today and `checked_by` set on the rows whose id is in `ids`."""
    marked = clinics.copy()
    rows = marked["id"].isin(ids)
    for column in ("last_checked", "checked_by"):
        marked[column] = marked[column].astype(object)
    marked.loc[rows, "last_checked"] = (today or clock.today()).isoformat()
    marked.loc[rows, "checked_by"] = checked_by
    return marked


# Columns that say where a row comes from rather than what it says about the clinic: a change to them is not an
# edit of the clinic's information.
BOOKKEEPING_COLUMNS = ("source", "source_date", "last_checked", "checked_by")
# "; phone, notes from the IOP Finder maintainers (staff edit, 2026-11-29)" in a row's `source`.
STAFF_EDIT_NOTE = re.compile(r"; ([^;]*?) from ([^;]*?) \(staff edit, (\d{4}-\d{2}-\d{2})\)")


def note_staff_edits(before: pd.DataFrame | None, after: pd.DataFrame, who: str,
                     today: dt.date | None = None) -> pd.DataFrame:
    """`after`, where each row whose information differs from `before` says so in its `source`: which fields,
    who changed them and when ("...; phone from the clinic's own staff (staff edit, 2026-11-29)").

    A visitor then sees where a changed number comes from (the directory did not say it), and a re-import of the
    directory keeps the row as edited (`reimport.merge_import`). One note per `who`: a later edit by the same
    adds its fields and takes the later date."""
    if before is None:
        return after
    day = (today or clock.today()).isoformat()
    noted = after.copy()
    noted["source"] = noted["source"].astype(object)
    position = {str(clinic_id): index for index, clinic_id in enumerate(noted["id"])}
    column = noted.columns.get_loc("source")
    for change in diff_clinics(before, after).changed:
        labels = [column_phrase(f.column) for f in change.fields if f.column not in BOOKKEEPING_COLUMNS]
        if not labels:
            continue
        source = str(noted.iat[position[change.id], column])
        own = [match for match in STAFF_EDIT_NOTE.finditer(source) if match.group(2) == who]
        earlier = [label for match in own for label in match.group(1).split(", ")]
        for match in reversed(own):  # from the end, so the earlier positions still hold
            source = source[:match.start()] + source[match.end():]
        fields = list(dict.fromkeys([*earlier, *labels]))
        noted.iat[position[change.id], column] = f"{source}; {', '.join(fields)} from {who} (staff edit, {day})"
    return noted


def staff_edited(source: str) -> bool:
    """True when a row's `source` says staff changed its information in the app (`note_staff_edits`)."""
    return STAFF_EDIT_NOTE.search(source) is not None
