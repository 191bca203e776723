"""Saves under real processes: SIGKILL at any moment never leaves a broken file nor a version of the file
without its audit entry; concurrent savers never lose an update silently (each save succeeds or is
refused, and refused ones retry on fresh data).

Worker processes are forked from one warmed-up, single-threaded helper process, so each costs
milliseconds instead of the ~2 s it takes to import pandas and load the ZIP index; that keeps these
tests to a few seconds while still running many saves and many kills.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_finder import store
from clinic_finder.csvfile import clinics_to_csv_bytes, parse_clinics_csv, read_clinics_csv
from tests.conftest import copy_of_clinics
from tests.processes import Forker, alive, wait_for

FORK_SERVER = r"""
import os, signal, sys, time
from pathlib import Path
from clinic_finder import geo, store
geo.state_codes()  # load the ZIP index once, before forking
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically

def toggle(path):
    # Flip clinic 0's phone between two numbers, one full save after another, until killed.
    while True:
        snap = store.read_snapshot(path)
        clinics = snap.result.clinics.copy()
        clinics.loc[0, "phone"] = "312-555-0102" if clinics.loc[0, "phone"] == "312-555-0101" else "312-555-0101"
        store.save_clinics(path, clinics, snap.fingerprint, "toggler")

def stop_at_rename(path, phone, where, marker):
    # One save of clinic 0's phone that stops just before or just after the CSV is renamed into place
    # (the window a kill must not turn into a change without an audit entry), tells the test by creating
    # `marker`, and waits there to be killed.
    real_replace = os.replace
    def stop():
        Path(marker).touch()
        time.sleep(600)
    def replace(source, target):
        if where == "before" and Path(target) == Path(path):
            stop()
        real_replace(source, target)
        if where == "after" and Path(target) == Path(path):
            stop()
    os.replace = replace
    snap = store.read_snapshot(path)
    clinics = snap.result.clinics.copy()
    clinics.loc[0, "phone"] = phone
    store.save_clinics(path, clinics, snap.fingerprint, "stopped saver")

def save(path, row, phone, go, result):
    # Set one clinic's phone; on a conflict reload and try again, as staff would. The first attempt
    # waits until every saver has loaded the list, so they all start from the same version.
    conflicts = 0
    first = True
    while True:
        snap = store.read_snapshot(path)
        if first:
            Path(result + ".loaded").touch()
            while not Path(go).exists():
                time.sleep(0.001)
            first = False
        clinics = snap.result.clinics.copy()
        clinics.loc[int(row), "phone"] = phone
        try:
            saved = store.save_clinics(path, clinics, snap.fingerprint, f"saver {row}")
        except store.SaveConflict:
            conflicts += 1
            continue
        Path(result + ".tmp").write_text(f"{saved.fingerprint} {conflicts}")
        os.replace(result + ".tmp", result)  # the test sees a complete result or none
        return

"""


def wait_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} did not end"
        time.sleep(0.002)


def assert_every_version_audited(path: Path, versions_on_disk: list[str]) -> None:
    """The audit log is one chain of saves, and each version seen on disk has its entry."""
    audit = store.read_audit_log(path)
    for earlier, later in itertools.pairwise(audit):
        assert later["previous_fingerprint"] == earlier["fingerprint"], "a save is missing from the audit log"
    audited = {entry["fingerprint"] for entry in audit} | {audit[0]["previous_fingerprint"]} if audit else set()
    missing = [fp for fp in versions_on_disk if fp not in audited]
    assert not missing, f"{len(missing)} version(s) of the file were on disk without an audit entry"
    assert not audit or audit[-1]["fingerprint"] == store.file_fingerprint(path)


@pytest.fixture(scope="module")
def forker() -> Iterator[Forker]:
    server = Forker(FORK_SERVER, ['toggle', 'save', 'stop_at_rename'])
    yield server
    server.close()


def test_sigkill_at_random_moments_leaves_old_or_new_valid_file(tmp_path: Path, forker: Forker) -> None:
    path = copy_of_clinics(tmp_path, rows=12)
    clinics = read_clinics_csv(path).clinics
    assert clinics is not None
    clinics.loc[0, "phone"] = "312-555-0101"
    version_a = clinics_to_csv_bytes(clinics)
    clinics.loc[0, "phone"] = "312-555-0102"
    version_b = clinics_to_csv_bytes(clinics)
    path.write_bytes(version_a)
    fingerprints = {store.fingerprint_bytes(v) for v in (version_a, version_b)}

    # Each round kills a worker only after it has replaced the file at least once (progress, not a
    # clock, decides when), then at a random moment of the saves that follow. However slow the
    # machine, every round saves, and each assertion is about what that kill left behind.
    rng = random.Random(20261127)
    rounds = 25
    seen_on_disk = []
    for _ in range(rounds):
        start = path.read_bytes()
        pid = forker.fork("toggle", str(path))
        wait_for(lambda start=start: path.read_bytes() != start, "the worker replaced the file")
        time.sleep(rng.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)
        data = path.read_bytes()
        assert data in (version_a, version_b)
        assert parse_clinics_csv(data).ok
        seen_on_disk.append(store.fingerprint_bytes(data))
        assert_every_version_audited(path, seen_on_disk)
    audit = store.read_audit_log(path)
    assert len(audit) >= rounds  # at least one save per round, each with its entry
    assert {entry["fingerprint"] for entry in audit} == fingerprints
    assert 1 <= len(store.list_backups(path)) <= store.BACKUPS_KEPT
    # The lock died with its holder: the next save goes through and sweeps temp files left behind.
    snapshot = store.read_snapshot(path)
    assert snapshot.result.clinics is not None
    after = snapshot.result.clinics.copy()
    after.loc[1, "phone"] = "312-555-0199"
    assert store.save_clinics(path, after, snapshot.fingerprint, "after", lock_timeout_seconds=5).saved
    assert not list(path.parent.glob(".*.tmp")) and not list((path.parent / "backups").glob(".*.tmp"))


@pytest.mark.parametrize("where", ["after", "before"])
def test_sigkill_at_the_rename_leaves_no_version_without_its_audit_entry(tmp_path: Path, forker: Forker,
                                                                         where: str) -> None:
    """A kill right after the rename used to leave the new version on disk with no audit line."""
    path = copy_of_clinics(tmp_path, rows=12)
    snapshot = store.read_snapshot(path)
    assert snapshot.result.clinics is not None
    first = store.save_clinics(path, snapshot.result.clinics.assign(phone="312-555-0150"), snapshot.fingerprint,
                               "first")  # a history to chain on
    backups_before = [b.path for b in store.list_backups(path)]
    marker = tmp_path / "stopped"
    pid = forker.fork("stop_at_rename", str(path), "312-555-0177", where, str(marker))
    wait_for(marker.exists, f"the saver reached the rename ({where})")
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)

    on_disk = store.file_fingerprint(path)
    assert read_clinics_csv(path).ok
    audit = store.read_audit_log(path)  # resolves the killed save: nobody holds the lock now
    assert audit[-1]["fingerprint"] == on_disk, "the version on disk has no audit entry"
    if where == "after":
        assert on_disk != first.fingerprint
        assert [e["staff"] for e in audit] == ["first", "stopped saver"] and audit[-1]["status"] == "recovered"
        assert [b.staff for b in store.list_backups(path)] == ["stopped saver", "first"]
    else:
        assert on_disk == first.fingerprint
        assert [e["staff"] for e in audit] == ["first"]
        assert [b.path for b in store.list_backups(path)] == backups_before  # its backup copy is gone
    assert not list(path.parent.glob(".*.tmp"))
    # The next save chains on the version on disk.
    snapshot = store.read_snapshot(path)
    assert snapshot.result.clinics is not None
    store.save_clinics(path, snapshot.result.clinics.assign(phone="312-555-0188"), snapshot.fingerprint, "next")
    assert_every_version_audited(path, [first.fingerprint, on_disk, store.file_fingerprint(path) or ""])


def test_concurrent_savers_lose_no_update(small_csv: Path, tmp_path: Path, forker: Forker) -> None:
    initial_fingerprint = store.file_fingerprint(small_csv)
    go = tmp_path / "go"
    phones = {row: f"312-555-{2000 + row:04d}" for row in range(6)}
    results = {row: tmp_path / f"result-{row}" for row in phones}
    for row, phone in phones.items():
        forker.fork("save", str(small_csv), str(row), phone, str(go), str(results[row]))
    deadline = time.monotonic() + 30
    while not all(Path(f"{r}.loaded").exists() for r in results.values()):
        assert time.monotonic() < deadline, "savers did not load the list"
        time.sleep(0.005)
    go.touch()  # all save at once, each based on the same version
    deadline = time.monotonic() + 30
    while not all(r.exists() for r in results.values()):
        assert time.monotonic() < deadline, "savers did not finish"
        time.sleep(0.01)

    final = read_clinics_csv(small_csv)
    assert final.ok and final.clinics is not None
    for row, phone in phones.items():
        assert final.clinics.loc[row, "phone"] == phone, f"the update of row {row} was lost"
    audit = store.read_audit_log(small_csv)
    assert len(audit) == len(phones)  # one line per successful save, none for refused ones
    # The saves form one chain: each was based on the version the previous one wrote.
    assert audit[0]["previous_fingerprint"] == initial_fingerprint
    for earlier, later in itertools.pairwise(audit):
        assert later["previous_fingerprint"] == earlier["fingerprint"]
    assert audit[-1]["fingerprint"] == store.file_fingerprint(small_csv)
    assert sorted(e["changed_ids"][0] for e in audit) == sorted(str(final.clinics.loc[r, "id"]) for r in phones)
    reported = {r.read_text().split()[0] for r in results.values()}
    assert reported == {e["fingerprint"] for e in audit}
    conflicts = sum(int(r.read_text().split()[1]) for r in results.values())
    # All six began from one version, so only one first attempt can succeed: at least five were refused.
    assert conflicts >= len(phones) - 1
