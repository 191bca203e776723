"""Turning a table staff edited (in the app or a spreadsheet) into a validated candidate for saving."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from clinic_finder.csvfile import LoadResult, validate_records
from clinic_finder.diff import stamp_last_verified
from clinic_finder.schema import COLUMNS


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and not value.strip()


def validate_frame(clinics: pd.DataFrame) -> LoadResult:
    """Validate a table in display order; row numbers are spreadsheet rows (header = row 1)."""
    records = []
    for position, record in enumerate(clinics.reindex(columns=list(COLUMNS)).to_dict(orient="records")):
        # Blank cells as "" (what a CSV gives), not None/NaN: the schema's checks speak of blank text.
        cleaned = {column: ("" if _blank(value) else value) for column, value in record.items()}
        if all(value == "" for value in cleaned.values()):
            continue  # an empty row added by accident in the editor
        records.append((position + 2, cleaned))
    return validate_records(records)


def prepare_candidate(base: pd.DataFrame | None, edited: pd.DataFrame, today: dt.date | None = None) -> LoadResult:
    """Validate an edited table; blank `last_verified` and changed rows get today unless staff set it."""
    day = today or dt.date.today()
    filled = edited.reindex(columns=list(COLUMNS)).copy()
    # A row someone typed in fresh has no date yet; the edit itself is the verification.
    blank_dates = filled["last_verified"].map(_blank)
    has_content = filled.drop(columns=["last_verified"]).map(lambda v: not _blank(v)).any(axis=1)
    filled["last_verified"] = filled["last_verified"].astype(object)
    filled.loc[blank_dates & has_content, "last_verified"] = day.isoformat()
    result = validate_frame(filled)
    if not result.ok or result.clinics is None:
        return result
    return LoadResult(stamp_last_verified(base, result.clinics, day), result.problems, result.notes)


def editor_frame(clinics: pd.DataFrame) -> pd.DataFrame:
    """A validated table shaped for st.data_editor: `last_verified` as dates for a date picker."""
    frame = clinics.reindex(columns=list(COLUMNS)).copy()
    frame["last_verified"] = frame["last_verified"].map(
        lambda v: v if isinstance(v, dt.date) or _blank(v) else dt.date.fromisoformat(str(v))
    ).astype(object)
    return frame.reset_index(drop=True)
