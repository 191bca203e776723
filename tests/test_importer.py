"""The SAMHSA importer: reproduces data/clinics.csv byte for byte and maps the directory's codes honestly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.samhsa import service_codes, slugify

ROOT = Path(__file__).resolve().parent.parent
XLSX = ROOT / "data" / "sources" / "national-directory-su-facilities-2023.xlsx"
SHIPPED = ROOT / "data" / "clinics.csv"


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    result = read_clinics_csv(SHIPPED)
    assert result.ok, [str(p) for p in result.problems]
    assert result.clinics is not None
    return result.clinics


def test_reimport_reproduces_the_shipped_csv_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "clinics.csv"
    run = subprocess.run(
        [sys.executable, "-m", "clinic_finder", "import-samhsa", str(XLSX), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote 554 clinics to {out}"
    assert out.read_bytes() == SHIPPED.read_bytes()


# Counts among IL+TX facilities listing OIT, from the directory's own codes (shared PROVENANCE.md table).
YES_COUNTS = [
    ("iop", 554), ("buprenorphine", 104 + 97), ("naltrexone", 107 + 96), ("vivitrol", 83 + 66),
    ("methadone", 41 + 14), ("virtual", 246 + 190), ("medicaid", 202 + 152), ("medicare", 111 + 69),
    ("private_insurance", 230 + 196), ("sliding_fee", 173 + 121), ("spanish", 84 + 67),
    ("mental_health", 161 + 190), ("evening", 12), ("morning", 12),
]


@pytest.mark.parametrize(("column", "yes"), YES_COUNTS)
def test_code_mapping_matches_the_directory_counts(shipped: pd.DataFrame, column: str, yes: int) -> None:
    assert (shipped[column] == "yes").sum() == yes


def test_shape_provenance_and_precision(shipped: pd.DataFrame) -> None:
    assert len(shipped) == 554
    assert shipped["state"].value_counts().to_dict() == {"IL": 312, "TX": 242}
    assert shipped["id"].is_unique
    assert set(shipped["location_precision"]) == {"zip"}
    assert set(shipped["source"]) == {"SAMHSA National Directory of Substance Use Treatment Facilities 2023"}
    assert set(shipped["last_verified"]) == {"2023-06-29"}


def test_schedules_are_unknown_except_where_the_operator_states_them(shipped: pd.DataFrame) -> None:
    symetria = shipped[shipped["name"] == "Symetria Recovery"]
    others = shipped[shipped["name"] != "Symetria Recovery"]
    assert len(symetria) == 12
    assert set(symetria["evening"]) == set(symetria["morning"]) == {"yes"}
    assert symetria["notes"].str.contains("stated company-wide by Symetria Recovery").all()
    assert set(others["evening"]) == set(others["morning"]) == {"unknown"}
    assert sorted(symetria["site"]) == sorted([
        "Chicago", "Des Plaines", "Joliet", "Palos Heights", "Vernon Hills", "Naperville",
        "College Station", "Fort Worth", "Houston", "Hurst", "Lewisville", "Spring",
    ])
    fort_worth = symetria.set_index("site").loc["Fort Worth"]
    assert "Hawkins View Dr" in fort_worth["notes"]
    assert (symetria.set_index("site").loc["Joliet", "vivitrol"]) == "no"


def test_a_row_maps_field_by_field(shipped: pd.DataFrame) -> None:
    houston = shipped.set_index("id").loc["symetria-recovery-houston"]
    assert houston[["address", "address2", "city", "state", "zip", "phone", "intake_phone"]].tolist() == [
        "17347 Village Green Drive", "Suite 104", "Houston", "TX", "77040", "866-440-7429", "281-343-3654",
    ]


@pytest.mark.parametrize(
    ("info", "codes"),
    [("SA DT * OP OIT", {"SA", "DT", "OP", "OIT"}), ("", set()), ("OITX * BU", {"OITX", "BU"})],
)
def test_service_codes_split_on_categories(info: str, codes: set[str]) -> None:
    assert service_codes(info) == codes


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Symetria Recovery Chicago", "symetria-recovery-chicago"), ("A & B's Place, Inc.", "a-and-bs-place-inc")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
