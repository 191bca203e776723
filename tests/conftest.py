"""Shared test setup. Tests never write data/clinics.csv; they copy what they need into tmp_path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CLINICS_CSV = ROOT / "data" / "clinics.csv"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A test skipped in CI does not count as passing: there, a skip is a failure.
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


@pytest.fixture
def clinics_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped clinics CSV."""
    target = tmp_path / "clinics.csv"
    shutil.copyfile(CLINICS_CSV, target)
    return target


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    # Lets fixtures see whether the test failed (the browser tests screenshot failures).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
