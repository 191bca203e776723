""""Today" comes from one place (clinic_finder.clock), so the tests can hold it to the day the suite started: a run
that crossed midnight UTC once failed two staff tests (the save wrote the new day, the test expected the old)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from clinic_finder import clock
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.diff import mark_checked
from clinic_finder.editing import validate_frame
from tests.conftest import ROOT, SUITE_DAY


def test_every_test_runs_on_the_day_the_suite_started() -> None:
    assert clock.today() == SUITE_DAY


def test_a_save_and_the_validator_ask_the_clock_for_today(clinics_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the clock at a day that is not the machine's: a save is marked with that day, and a date after it
    is "in the future"."""
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 1, 15))
    clinics = read_clinics_csv(clinics_csv).clinics
    assert clinics is not None
    first = clinics.iloc[0]["id"]
    marked = mark_checked(clinics, {first}, "alton")
    assert marked.loc[marked["id"] == first, "last_checked"].tolist() == ["2026-01-15"]
    later = marked.copy()
    later.loc[later["id"] == first, "last_checked"] = "2026-01-16"
    problems = [str(problem) for problem in validate_frame(later).problems]
    assert any("2026-01-16" in problem and "future" in problem for problem in problems), problems


def test_nothing_else_asks_the_system_for_todays_date() -> None:
    callers = [path.relative_to(ROOT).as_posix() for folder in ("clinic_finder", "views", "pages")
               for path in sorted((ROOT / folder).rglob("*.py"))
               if re.search(r"\bdate\.today\(\)", path.read_text(encoding="utf-8"))]
    assert callers == ["clinic_finder/clock.py"]
    for folder in ("clinic_finder", "views", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not re.search(r"Timestamp\.(today|now)\(|datetime\.today\(\)", path.read_text(encoding="utf-8")), path
