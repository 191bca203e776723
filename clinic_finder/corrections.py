"""Corrections to an imported source, kept in one reviewed file with the evidence and date for each.

`data/sources/corrections.csv` holds one row per corrected cell: the clinic's id, the column, the value the
source gives (`source_value`, checked on every import so a correction never silently lands on data that has
since changed), the corrected value, who says so (`said_by`, shown to visitors in the row's `source`), the
evidence, and the date it was recorded. The importer applies them after reading the directory, so
`make data` rebuilds `data/clinics.csv` byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clinic_finder import geo
from clinic_finder.schema import COLUMN_INFO, COLUMNS

FIELDS = ("id", "column", "source_value", "corrected_value", "said_by", "evidence", "date")
# Columns a correction may not set: they say where the row comes from, and the importer writes them.
NOT_CORRECTABLE = frozenset({"id", "source", "source_date", "last_checked", "checked_by", "lat", "lon",
                             "location_precision"})


class CorrectionError(ValueError):
    """A correction that cannot be applied; the message names its line in corrections.csv."""


@dataclass(frozen=True)
class Correction:
    """One corrected cell, with who says so, the evidence and the date it was recorded."""

    id: str
    column: str
    source_value: str
    corrected_value: str
    said_by: str
    evidence: str
    date: dt.date
    line: int = 0  # line in corrections.csv (header = 1), for messages


def read_corrections(path: str | Path) -> list[Correction]:
    """The corrections in `path`, checked for shape; raise CorrectionError naming the line and column."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != FIELDS:
            raise CorrectionError(f"{path.name}: the header must be {','.join(FIELDS)} (got {reader.fieldnames})")
        corrections = []
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            column = row["column"].strip()
            if column not in COLUMNS:
                raise CorrectionError(f"{where}, column 'column': '{column}' is not a column of the clinics list")
            if column in NOT_CORRECTABLE:
                raise CorrectionError(f"{where}, column 'column': '{column}' is written by the importer itself")
            for name in ("id", "said_by", "evidence", "date"):
                if not row[name].strip():
                    raise CorrectionError(f"{where}, column '{name}': is required and was left blank")
            try:
                day = dt.date.fromisoformat(row["date"].strip())
            except ValueError:
                raise CorrectionError(f"{where}, column 'date': must be YYYY-MM-DD (got '{row['date']}')") from None
            corrections.append(Correction(row["id"].strip(), column, row["source_value"], row["corrected_value"],
                                          row["said_by"].strip(), row["evidence"].strip(), day, line))
    return corrections


def column_phrase(column: str) -> str:
    """A column's label as the middle of a sentence in a row's `source`: "ZIP code", "evening groups"."""
    label = COLUMN_INFO[column].label
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _said_by_note(fixes: Sequence[Correction]) -> str:
    by_who: dict[str, list[str]] = {}
    for fix in fixes:
        label = column_phrase(fix.column)
        by_who.setdefault(fix.said_by, [])
        if label not in by_who[fix.said_by]:
            by_who[fix.said_by].append(label)
    return "; ".join(f"{', '.join(labels)} from {who}" for who, labels in by_who.items())


def apply_corrections(records: list[dict[str, str]], corrections: Iterable[Correction]) -> list[dict[str, str]]:
    """`records` (one dict per clinic, as the importer makes them) with the corrections applied.

    A corrected ZIP moves a ZIP-centre location to the new ZIP's centre. Each corrected row's `source` names
    who says what was corrected. Raise CorrectionError if a correction names an unknown id, or if the source
    no longer gives the value the correction was made against.
    """
    by_id = {record["id"]: dict(record) for record in records}
    applied: dict[str, list[Correction]] = {}
    for fix in corrections:
        record = by_id.get(fix.id)
        where = f"corrections.csv line {fix.line}"
        if record is None:
            raise CorrectionError(f"{where}: there is no clinic with id '{fix.id}' in the import")
        if record[fix.column] != fix.source_value:
            raise CorrectionError(
                f"{where}: the source now gives {fix.column} = '{record[fix.column]}' for {fix.id}, not "
                f"'{fix.source_value}' as when the correction was made; review the correction"
            )
        record[fix.column] = fix.corrected_value
        if fix.column == "zip" and record.get("location_precision") == "zip":
            centre = geo.lookup_zip_record(fix.corrected_value)
            if centre is None or not centre.has_location:
                raise CorrectionError(f"{where}: '{fix.corrected_value}' is not a ZIP code with a known centre")
            record["lat"], record["lon"] = str(centre.lat), str(centre.lon)
        applied.setdefault(fix.id, []).append(fix)
    for clinic_id, fixes in applied.items():
        record = by_id[clinic_id]
        record["source"] = f"{record['source']}; {_said_by_note(fixes)}"
    return [by_id[record["id"]] for record in records]
