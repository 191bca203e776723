"""The serving bench's machinery on a tiny scale: structure and behaviour, never speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

import bench
import loadbench
from deploy.serve import streamlit_process
from tests.browser import ARTIFACTS


def finished(*seconds: float | None) -> loadbench.Burst:
    return loadbench.Burst([loadbench.SessionResult(s, None if s is not None else "dropped") for s in seconds])


def test_percentiles_are_nearest_rank_over_finished_sessions_and_drops_are_counted() -> None:
    burst = finished(*[float(n) for n in range(10, 0, -1)], None, None)
    assert (burst.percentile(50), burst.percentile(95), burst.percentile(100)) == (5.0, 10.0, 10.0)
    assert burst.dropped == 2
    assert finished(None).percentile(50) is None


def test_cpu_per_load_is_the_total_over_the_loads() -> None:
    assert loadbench.per_load([0.1, 0.3, 0.2]) == pytest.approx(0.2)


@pytest.mark.parametrize(("ratio", "target", "text"), [
    (1.2249, 1.3, "1.22x"), (1.1016, 1.1, "1.102x"), (1.0984, 1.1, "1.098x"), (1.1, 1.1, "1.10x"),
    (1.3049, 1.3, "1.305x"), (0.93, 1.1, "0.93x"),
])
def test_a_ratio_never_reads_as_the_target_it_misses(ratio: float, target: float, text: str) -> None:
    assert loadbench.ratio_text(ratio, target) == text


@pytest.mark.parametrize(("finder", "bare", "text"), [
    # The same rounds as ratios of medians would read 1.40x: a slow round for both pages is one round, not two.
    ([2.6, 1.0, 2.4, 1.1, 1.4], [2.0, 1.0, 2.0, 1.0, 1.0], "round by round 1.20x, middle half 1.10x-1.30x"),
    ([1.2, 1.2], [1.0, 1.0], "round by round 1.20x, middle half 1.20x-1.20x"),
    ([1.2], [1.0], ""),  # one round says nothing of the spread
])
def test_round_by_round_pairs_each_finder_load_with_the_bare_load_of_its_round(
    finder: list[float], bare: list[float], text: str
) -> None:
    assert loadbench.round_by_round(finder, bare) == text


def test_round_by_round_refuses_rounds_that_do_not_pair() -> None:
    with pytest.raises(ValueError):
        loadbench.round_by_round([1.0, 1.1, 1.2], [1.0, 1.0])


def test_first_screen_rows_give_the_ratio_of_medians_and_the_round_by_round_spread() -> None:
    made = []
    for mode in ("direct", "proxy"):
        made.append(loadbench.Setup("bare", mode, "http://x", [1], ["http://x"], seen={"map drawn": [1.0, 2.0, 1.0]}))
        made.append(loadbench.Setup("finder", mode, "http://x", [1], ["http://x"], seen={
            "search box usable": [1.0, 2.0, 1.0], "first result card": [1.1, 2.2, 1.1],
            "markers visible": [1.4, 2.0, 1.2]}))
    rows = loadbench.first_screen_rows(made, loads=3)
    assert [r.met for r in rows] == [True, True, False] * 2
    assert "behind nginx" in rows[5].measure and "markers visible" in rows[5].measure
    # Round by round, the markers came 1.4x, 1.0x and 1.2x the bare page's map.
    assert rows[5].value == "1,400 ms vs 1,000 ms (1.40x bare; round by round 1.20x, middle half 1.10x-1.30x)"


def test_cpu_seconds_reads_another_process_to_the_microsecond_with_its_ended_threads() -> None:
    """A child that spins in a thread which then ends: the reading counts the thread's time, agrees with /proc's
    (which counts in clock ticks), and resolves far finer than a tick."""
    spin = ("import threading, time\n"
            "def spin():\n    end = time.process_time() + 0.3\n    while time.process_time() < end: pass\n"
            "t = threading.Thread(target=spin); t.start(); t.join(); print('spun', flush=True); time.sleep(30)")
    child = subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "spun\n"
        seconds = loadbench.cpu_seconds([child.pid])
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        assert seconds >= 0.3
        assert abs(seconds - ticks) <= 0.05
        # Each pid is counted (twice here). The child may still run a little after "spun" (returning from the
        # write into its sleep), so the sum lies between twice the readings taken before and after it.
        both = loadbench.cpu_seconds([child.pid, child.pid])
        after = loadbench.cpu_seconds([child.pid])
        assert 2 * seconds <= both <= 2 * after and after - seconds < 0.01
        assert seconds * 1e6 != int(seconds * 100) * 1e4  # not a whole number of 10 ms ticks
    finally:
        child.kill()
        child.wait()


def test_rows_put_the_finder_beside_the_bare_page_direct_and_behind_nginx() -> None:
    made = []
    for page, cpu in (("bare", 0.2), ("finder", 0.3)):
        for mode in ("direct", "proxy"):
            setup = loadbench.Setup(page, mode, "http://x", [1], ["http://x"], cpu=[cpu, cpu], nginx_cpu=[0.01, 0.01])
            setup.bursts = {20: finished(1.0, 2.0), 50: finished(1.0, None if page == "finder" else 3.0)}
            made.append(setup)
    rows = loadbench.rows(made, backends=2, loads=2)
    table = bench.render_table(rows).splitlines()
    assert len(rows) == 6 and all(line.count("|") == 5 for line in table)
    assert rows[0].measure.startswith("first page load, direct (1 Streamlit process)")
    assert rows[0].value == "0.200 CPU-s vs 0.300 CPU-s (1.50x bare)" and rows[0].met is False
    assert rows[1].measure.startswith("first page load, behind nginx (2 Streamlit processes)")
    assert rows[1].value.endswith("; nginx 0.010 CPU-s vs 0.010 CPU-s")
    assert [r.measure.split(":")[0] for r in rows[2:]] == [
        "20 websocket sessions arriving together, direct",
        "20 websocket sessions arriving together, behind nginx (2 processes)",
        "50 websocket sessions arriving together, direct",
        "50 websocket sessions arriving together, behind nginx (2 processes)",
    ]
    assert rows[5].value == "bare: p50 1.00 s / p95 3.00 s, 0 dropped; finder: p50 1.00 s / p95 1.00 s, 1 dropped"
    assert (rows[3].met, rows[5].met, rows[2].met) == (True, False, None)


def test_a_raw_session_speaks_streamlits_protocol_and_sees_a_full_run() -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "loadbench-session.log").open("w") as log, streamlit_process(loadbench.BARE_PAGE, log=log) as one:
        result = loadbench.session(one.url, "", deadline_seconds=60)
        assert not result.dropped, result.error
        assert result.seconds is not None and result.seconds > 0 and result.messages >= 3
        three = loadbench.burst(one.url, 3, "", deadline_seconds=60)
        assert len(three.sessions) == 3 and three.dropped == 0
        assert three.percentile(50) <= three.percentile(95)
    # A server that is gone: the session counts as dropped, with the reason.
    gone = loadbench.session(one.url, "", deadline_seconds=5)
    assert gone.dropped and gone.error


def test_tiny_run_measures_all_four_setups(tmp_path: Path, browser: Browser) -> None:
    rows = loadbench.run(loads=1, sizes=(2,), backends=2, log_dir=tmp_path, browser=browser)
    assert len(rows) == 14
    direct, references, behind_nginx = rows[:3], rows[3:6], rows[6:9]
    cpu, bursts, click = rows[9:11], rows[11:13], rows[13]
    milestones = ("search box usable", "first result card", "markers visible")
    for row, milestone in zip([*direct, *behind_nginx], milestones * 2, strict=True):
        assert milestone in row.measure and "x bare)" in row.value and row.met is not None
    assert all("direct" in r.measure for r in direct) and all("behind nginx" in r.measure for r in behind_nginx)
    # Each reference page drew its map (its element above it did not stop the page) beside the bare page.
    for row, page in zip(references, loadbench.REFERENCES, strict=True):
        assert page in row.measure and "x bare); server CPU" in row.value and row.met is None
    for row in cpu:
        assert row.value.count("CPU-s") >= 2 and "x bare" in row.value
    for row in bursts:
        assert row.value.count("0 dropped") == 2, row.value  # every session got its page
    # A filter click changes the markers without reloading the map frame: the probe survives.
    assert click.value.endswith("frame kept 1 of 1") and click.met is True
