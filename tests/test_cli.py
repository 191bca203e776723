"""The command line as staff and scripts use it: exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clinic_finder", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_validate_shipped_data() -> None:
    result = run("validate", "data/clinics.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "data/clinics.csv: 554 valid clinics (IL 312, TX 242)."


def test_validate_broken_file_lists_every_problem_and_exits_1() -> None:
    path = str(DATA / "017-many-problems-in-one-row.csv")
    result = run("validate", path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"{path}: 6 problem(s); nothing was changed."
    assert [line.strip().split(":")[0] for line in lines[1:]] == [
        "row 4, column phone", "row 4, column website", "row 4, column lat",
        "row 4, column evening", "row 4, column source", "row 4, column source_date",
    ]


def test_search_json_lists_symetria_chicago_first() -> None:
    result = run("search", "--zip", "60613", "--radius", "10", "--service", "evening", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["clinics"][0]["id"] == "symetria-recovery-chicago"
    assert payload["clinics"][0]["distance_miles"] == 0.0
    assert (payload["confirmed"], len(payload["clinics"])) == (1, 1)
    assert payload["maybe"] > 0


def test_search_include_unknown_and_text_output() -> None:
    result = run("search", "--zip", "77040", "--radius", "15", "--service", "evening", "--service", "medications",
                 "--include-unknown")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("1 clinic(s) within 15 miles of 77040 (Houston, TX) confirmed;")
    assert "Symetria Recovery — Houston" in lines[1]
    assert any("call to confirm" in line for line in lines[2:])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("search", "--zip", "00000"), 2, "00000 is not a US ZIP code we know"),
        (("search", "--zip", "60613", "--service", "yoga"), 2, "invalid choice: 'yoga'"),
        (("search", "--zip", "60613", "--radius", "far"), 2, "radius must be a number of miles or 'any'"),
        (("validate", "no-such-file.csv"), 1, "there is no file at no-such-file.csv"),
        ((), 2, "the following arguments are required: COMMAND"),
    ],
)
def test_bad_invocations_exit_non_zero_with_a_message(args: tuple[str, ...], code: int, message: str) -> None:
    result = run(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["validate", "search", "import-samhsa"])
def test_help_for_each_command(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: python -m clinic_finder " + command in result.stdout


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`python -m clinic_finder search ... | head`: the reader closes the pipe after a line; that is not an error."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clinic_finder", "search", "--zip", "60613", "--radius", "100", "--include-unknown",
         "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0 and "Traceback" not in errors, errors
