"""bench.py's machinery on a tiny table: it measures interleaved and prints the expected table (no timing asserts)."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import bench
from clinic_finder import DEFAULT_CLINICS_CSV
from clinic_finder.csvfile import read_clinics_csv

ONCE = bench.Repeats(search=2, map_local=1, naive_local=1, map_national=1, naive_national=1, page=1)


@pytest.fixture(scope="module")
def tiny() -> bench.BenchData:
    clinics = read_clinics_csv(DEFAULT_CLINICS_CSV).clinics
    assert clinics is not None
    return bench.BenchData(local=clinics.head(12), national=clinics.head(30), national_note="synthetic")


def test_rows_name_the_table_size_without_a_note(tiny: bench.BenchData) -> None:
    plain = bench.BenchData(tiny.local, tiny.national)
    assert "`SearchIndex` (30 facilities;" in bench.run_table(plain, ONCE)


def test_table_has_the_expected_rows(tiny: bench.BenchData) -> None:
    table = bench.run_table(tiny, ONCE)
    lines = table.splitlines()
    assert lines[:2] == ["| Measure | Value | Target | Met |", "|---|---|---|---|"]
    expected = [
        "search() median, national directory, `SearchIndex` (synthetic; ZIP + radius + services)",
        "search() median, same searches from a DataFrame",
        "map build + payload, shipped list (12 clinics): ours vs naive",
        "map payload, shipped list: ours (naive)",
        "map build + payload, national directory (30 clinics): ours vs naive",
        "map payload, national directory: ours (naive)",
    ]
    assert len(lines) == 2 + len(expected)
    for line, start in zip(lines[2:], expected, strict=True):
        assert line.startswith(f"| {start}"), line
        assert line.count("|") == 5


def test_page_rows_rerun_the_real_finder_page(tiny: bench.BenchData, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_FINDER_DATA", "unused")  # the section sets both per rerun; restored afterwards
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    table = bench.run_table(tiny, ONCE, tmp_path)
    lines = table.splitlines()[-2:]
    assert lines[0].startswith("| finder page warm rerun, shipped list (12 clinics on the map, 20 cards) | ")
    assert lines[1].startswith("| finder page warm rerun, national directory (30 clinics on the map; 0 invalid")


def test_invalid_directory_phones_are_replaced_for_the_page_and_counted() -> None:
    clinics = read_clinics_csv(DEFAULT_CLINICS_CSV).clinics.head(3).copy()
    clinics.loc[0, "phone"] = "333-440-8534"
    clinics.loc[1, "intake_phone"] = "884-994-4325"
    fixed, count = bench.valid_for_the_page(clinics)
    assert count == 2
    assert fixed.loc[0, "phone"] == "800-662-4357" and fixed.loc[1, "intake_phone"] == ""
    assert fixed.loc[2].equals(clinics.loc[2])


def test_measurements_are_interleaved() -> None:
    calls: list[str] = []
    a = bench.measure("a", lambda: calls.append("a"), 2)
    b = bench.measure("b", lambda: calls.append("b") or 123, 3)
    bench.run_interleaved([a, b])
    assert calls == ["a", "b", "a", "b", "b"]
    assert (len(a.seconds), len(b.seconds), b.size_bytes, a.size_bytes) == (2, 3, 123, None)


def test_national_table_is_read_from_the_cache(tmp_path) -> None:
    workbook = tmp_path / "directory.xlsx"
    workbook.write_bytes(b"not really a workbook")
    cached = pd.DataFrame({"id": ["a"]})
    cache = bench.national_cache(workbook, tmp_path / "cache")
    cache.parent.mkdir()
    cache.write_bytes(pickle.dumps({"clinics": cached, "note": "n"}))
    clinics, note = bench.load_national(workbook, cache.parent)
    pd.testing.assert_frame_equal(clinics, cached)
    assert note == "n"


def test_the_cache_is_read_anew_when_the_importer_changes(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = tmp_path / "directory.xlsx"
    workbook.write_bytes(b"not really a workbook")
    before = bench.national_cache(workbook, tmp_path)
    assert bench.national_cache(workbook, tmp_path) == before
    monkeypatch.setattr(bench, "_importer_modules", lambda: [bench])  # other code
    assert bench.national_cache(workbook, tmp_path) != before


def test_a_national_file_the_app_refuses_is_not_timed(tiny: bench.BenchData, tmp_path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused file would time the page that says the clinic list is being updated, not the finder."""
    monkeypatch.setenv("CLINIC_FINDER_DATA", "unused")
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    national = tiny.national.copy()
    national.loc[national.index[0], "address"] = "- - -"  # SAMHSA's mark for an address it does not publish
    with pytest.raises(RuntimeError, match=r"national file for the page is refused.*address"):
        bench.run_table(bench.BenchData(tiny.local, national, "synthetic"), ONCE, tmp_path)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (bench.Row("m", "1 ms", "≤ 2 ms", True), "| m | 1 ms | ≤ 2 ms | yes |"),
        (bench.Row("m", "3 ms", "≤ 2 ms", False), "| m | 3 ms | ≤ 2 ms | **no** |"),
        (bench.Row("m", "x"), "| m | x |  |  |"),
    ],
)
def test_render_table(row: bench.Row, expected: str) -> None:
    assert bench.render_table([row]).splitlines()[2] == expected
