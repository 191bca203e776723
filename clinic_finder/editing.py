"""Turning a table staff edited (in the app or a spreadsheet) into a validated candidate for saving."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from clinic_finder import clock
from clinic_finder.csvfile import LoadResult, validate_records
from clinic_finder.schema import COLUMNS, DATE_COLUMNS


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
    """Validate an edited table; a row typed in fresh with a blank `source_date` gets today's date.

    Editing a row does not mark it checked: `last_checked` says a person confirmed the whole row with the
    clinic, which only "Still correct" and the clinic form do (see `diff.mark_checked`).
    """
    day = today or clock.today()
    filled = edited.reindex(columns=list(COLUMNS)).copy()
    # A row someone typed in fresh has no source date yet: its source is the person typing, today.
    blank_dates = filled["source_date"].map(_blank)
    has_content = filled.drop(columns=list(DATE_COLUMNS)).map(lambda v: not _blank(v)).any(axis=1)
    filled["source_date"] = filled["source_date"].astype(object)
    filled.loc[blank_dates & has_content, "source_date"] = day.isoformat()
    return validate_frame(filled)


def editor_frame(clinics: pd.DataFrame) -> pd.DataFrame:
    """A validated table shaped for st.data_editor: date columns as dates (or None) for a date picker."""
    frame = clinics.reindex(columns=list(COLUMNS)).copy()
    for column in DATE_COLUMNS:
        frame[column] = frame[column].map(
            lambda v: v if isinstance(v, dt.date) else None if _blank(v) else dt.date.fromisoformat(str(v))
        ).astype(object)
    return frame.reset_index(drop=True)
