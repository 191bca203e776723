"""Import SAMHSA's National Directory of Substance Use Treatment Facilities (xlsx) into the clinic schema.

Deterministic: the same workbook gives the same CSV byte for byte (rows sorted by state, city and id;
ids derived from names; the verification date read from the workbook's own properties).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pandas as pd

from clinic_finder import geo
from clinic_finder.csvfile import LoadResult, validate_records

SOURCE = "SAMHSA National Directory of Substance Use Treatment Facilities 2023"
SHEET = "Facilities List"

# schema column -> SAMHSA service code (see data/sources/service_codes.csv)
SERVICE_CODES: dict[str, str] = {
    "iop": "OIT",
    "buprenorphine": "BU",
    "naltrexone": "NU",
    "vivitrol": "VTRL",
    "methadone": "MU",
    "virtual": "TELE",
    "mental_health": "CO",
    "spanish": "SP",
    "medicaid": "MD",
    "medicare": "MC",
    "private_insurance": "PI",
    "sliding_fee": "SS",
}

# The operator's own statement, company-wide; the directory itself has no schedules.
SYMETRIA_NAME = "Symetria Recovery"
SYMETRIA_NOTE = (
    "Schedule as stated company-wide by Symetria Recovery (not per site): IOP groups meet about three "
    "days a week for about three hours, in the morning and in the evening, with virtual options; "
    "one-on-one therapy as often as wanted. Call to confirm this site's times."
)
# Known open questions about single sites, shown rather than guessed (see data/sources/PROVENANCE.md).
SITE_NOTES: dict[tuple[str, str], str] = {
    (SYMETRIA_NAME, "Fort Worth"): "A third-party directory spells the street 'Hawkins View Dr'; call to "
    "confirm the address.",
}


def read_directory(xlsx_path: str | Path) -> pd.DataFrame:
    """The "Facilities List" sheet with every cell as stripped text (blank for empty)."""
    frame = pd.read_excel(xlsx_path, sheet_name=SHEET, dtype=str, keep_default_na=False, engine="openpyxl")
    return frame.apply(lambda column: column.str.strip())


def directory_date(xlsx_path: str | Path) -> dt.date:
    """The date the workbook was last modified by its publisher (its document properties)."""
    workbook = openpyxl.load_workbook(xlsx_path, read_only=True)
    try:
        stamp = workbook.properties.modified or workbook.properties.created
    finally:
        workbook.close()
    if stamp is None:
        raise ValueError(f"{xlsx_path} has no modified or created date in its properties")
    return stamp.date()


def service_codes(info: str) -> set[str]:
    """The codes in a `Service_code_info` cell (categories separated by ' * ')."""
    return set(info.replace("*", " ").split())


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ").replace("'", "")))


def _unique_ids(rows: pd.DataFrame) -> list[str]:
    """name-site; where two sites share that, add the city, then the street; then a counter."""
    candidates = [slugify(f"{n} {s}") for n, s in zip(rows["Name1"], rows["Name2"], strict=True)]
    for extra in ("City", "Street1"):
        counts = Counter(candidates)
        candidates = [
            f"{c}-{slugify(v)}" if counts[c] > 1 else c for c, v in zip(candidates, rows[extra], strict=True)
        ]
    seen: Counter[str] = Counter()
    unique = []
    for candidate in candidates:
        seen[candidate] += 1
        unique.append(candidate if seen[candidate] == 1 else f"{candidate}-{seen[candidate]}")
    return unique


def _record(row: pd.Series, clinic_id: str, verified: dt.date) -> dict[str, str]:
    codes = service_codes(row["Service_code_info"])
    zip_code = row["Zip"]
    centre = geo.lookup_zip_record(zip_code)
    intake_lines = [row[c] for c in ("Intake1", "Intake2", "Intake1a", "Intake2a") if row[c]]
    notes = []
    is_symetria = row["Name1"] == SYMETRIA_NAME
    if is_symetria:
        notes.append(SYMETRIA_NOTE)
    if (row["Name1"], row["Name2"]) in SITE_NOTES:
        notes.append(SITE_NOTES[(row["Name1"], row["Name2"])])
    if len(intake_lines) > 1:
        notes.append("Other intake lines: " + ", ".join(intake_lines[1:]) + ".")
    record = {
        "id": clinic_id,
        "name": row["Name1"],
        "site": row["Name2"],
        "address": row["Street1"],
        "address2": row["Street2"],
        "city": row["City"],
        "state": row["State"],
        "zip": zip_code,
        "phone": row["Phone"],
        "intake_phone": intake_lines[0] if intake_lines else "",
        "website": "",
        "lat": str(centre.lat) if centre else "",
        "lon": str(centre.lon) if centre else "",
        "location_precision": "zip",
        # The directory publishes no schedules: unknown, except where the operator says so.
        "evening": "yes" if is_symetria else "unknown",
        "morning": "yes" if is_symetria else "unknown",
        "source": SOURCE,
        "last_verified": verified.isoformat(),
        "notes": " ".join(notes),
    }
    for column, code in SERVICE_CODES.items():
        record[column] = "yes" if code in codes else "no"
    return record


def directory_records(
    xlsx_path: str | Path, states: Iterable[str] | None = ("IL", "TX"), only_iop: bool = True
) -> list[tuple[int, dict[str, str]]]:
    """The directory's facilities as unvalidated clinic records: (row number in the output CSV, record)."""
    directory = read_directory(xlsx_path)
    keep = pd.Series(True, index=directory.index)
    if states is not None:
        keep &= directory["State"].isin({s.strip().upper() for s in states})
    if only_iop:
        keep &= directory["Service_code_info"].map(lambda info: "OIT" in service_codes(info))
    in_scope = directory[keep]
    in_scope = in_scope.assign(_id=_unique_ids(in_scope))
    in_scope = in_scope.sort_values(["State", "City", "_id"], kind="stable")
    verified = directory_date(xlsx_path)
    return [(i + 2, _record(row, row["_id"], verified)) for i, (_, row) in enumerate(in_scope.iterrows())]


def import_directory(
    xlsx_path: str | Path,
    states: Iterable[str] | None = ("IL", "TX"),
    only_iop: bool = True,
) -> LoadResult:
    """Facilities in `states` (None: every state) that list intensive outpatient treatment (OIT), validated.

    `only_iop=False` keeps every facility whatever its services (the whole directory, for the benchmark).
    """
    return validate_records(directory_records(xlsx_path, states, only_iop))
