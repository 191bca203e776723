"""`python -m clinic_finder geocode` as a subprocess against a fake Nominatim on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clinic_finder import geo, store
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from tests.conftest import ROOT, FakeNominatim, copy_of_clinics


def three_clinics(tmp_path: Path) -> Path:
    """Row 0: approximate, findable. Row 1: approximate, address unknown to the geocoder. Row 2: exact."""
    path = copy_of_clinics(tmp_path, rows=3)
    clinics = read_clinics_csv(path).clinics
    assert clinics is not None
    clinics["location_precision"] = ["zip", "zip", "address"]
    clinics.loc[1, "address"] = "1 Nowhere Road"
    for row in range(3):
        centre = geo.lookup_zip_record(clinics.loc[row, "zip"])
        assert centre is not None
        clinics.loc[row, ["lat", "lon"]] = [centre.lat + 0.02, centre.lon - 0.02]
    path.write_bytes(clinics_to_csv_bytes(clinics))
    return path


def run_geocode(path: Path, domain: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clinic_finder", "geocode", str(path), "--domain", domain, "--scheme", "http",
         "--min-delay", "0", "--retries", "0", "--user-agent", "clinic-finder-tests/1.0", "--staff", "tester",
         *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_only_approximate_locates_addresses_and_falls_back_to_zip(tmp_path: Path,
                                                                  fake_nominatim: FakeNominatim) -> None:
    path = three_clinics(tmp_path)
    before = read_clinics_csv(path).clinics
    assert before is not None

    done = run_geocode(path, fake_nominatim.domain, "--only-approximate")

    assert done.returncode == 0, done.stderr
    assert "geocoding" in done.stderr and "2/2" in done.stderr  # the tqdm progress bar
    assert "2 clinic(s) to locate: 1 at the street address, 1 at the ZIP centre" in done.stdout
    assert "found no match" in done.stderr and before.loc[1, "id"] in done.stderr
    after = read_clinics_csv(path).clinics
    assert after is not None
    centre0 = geo.lookup_zip_record(before.loc[0, "zip"])
    centre1 = geo.lookup_zip_record(before.loc[1, "zip"])
    assert centre0 is not None and centre1 is not None
    assert after.loc[0, "location_precision"] == "address"
    assert (after.loc[0, "lat"], after.loc[0, "lon"]) == pytest.approx((centre0.lat + 0.01, centre0.lon + 0.01))
    assert after.loc[1, "location_precision"] == "zip"
    assert (after.loc[1, "lat"], after.loc[1, "lon"]) == pytest.approx((centre1.lat, centre1.lon))
    assert after.loc[2].equals(before.loc[2])  # exact location: not even asked for
    # Real HTTP requests with our user agent and a structured query; nothing for the exact clinic.
    assert [r["params"]["street"] for r in fake_nominatim.requests] == [before.loc[0, "address"], "1 Nowhere Road"]
    assert all(r["path"] == "/search" and r["user_agent"] == "clinic-finder-tests/1.0" for r in fake_nominatim.requests)
    assert fake_nominatim.requests[0]["params"]["postalcode"] == before.loc[0, "zip"][:5]
    # Saved like any staff save: backup and audit line.
    entry = store.read_audit_log(path)[-1]
    assert entry["action"] == "geocode" and entry["staff"] == "tester" and entry["changed"] == 2
    assert len(store.list_backups(path)) == 1


def test_unreachable_geocoder_falls_back_to_zip_centres(tmp_path: Path, closed_port_domain: str) -> None:
    path = three_clinics(tmp_path)
    before = read_clinics_csv(path).clinics
    assert before is not None

    done = run_geocode(path, closed_port_domain)

    assert done.returncode == 0, done.stderr
    assert "3 clinic(s) to locate: 0 at the street address, 3 at the ZIP centre" in done.stdout
    assert done.stderr.count("could not be reached") == 3
    after = read_clinics_csv(path).clinics
    assert after is not None
    assert list(after["location_precision"]) == ["zip", "zip", "zip"]
    for row in range(3):
        centre = geo.lookup_zip_record(before.loc[row, "zip"])
        assert centre is not None
        assert (after.loc[row, "lat"], after.loc[row, "lon"]) == pytest.approx((centre.lat, centre.lon))


def test_invalid_file_is_not_geocoded(tmp_path: Path, fake_nominatim: FakeNominatim) -> None:
    path = tmp_path / "clinics.csv"
    path.write_text("id,name\nx,y\n")
    done = run_geocode(path, fake_nominatim.domain)
    assert done.returncode == 1 and "missing column(s)" in done.stderr
    assert fake_nominatim.requests == [] and path.read_text() == "id,name\nx,y\n"
