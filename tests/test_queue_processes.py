"""The suggestions queue and the accounts file under real processes: concurrent writers lose nothing, and SIGKILL
at random moments (or in the middle of writing a line) never corrupts what was written before; readers skip a
torn line and the next append starts a fresh one.

As in test_store_processes.py, workers are forked from one warmed-up helper process, so each costs milliseconds.
A worker reports each suggestion it stored (after `append_suggestion` returned) on a line of its own; every
reported one must be in the queue, whatever happened afterwards.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_finder import accounts, auth, suggestions
from tests.processes import Forker, alive, wait_for

FORK_SERVER = r"""
import os, signal, sys, time
from pathlib import Path
from clinic_finder import accounts, suggestions
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically

def wait_for(go):
    while not Path(go).exists():
        time.sleep(0.001)

def report(path, text):
    # One small O_APPEND write per line: a kill leaves whole lines, or a last line without its newline.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(fd, (text + "\n").encode())
    os.close(fd)

def append(csv, worker, count, go, done):
    Path(done + ".ready").touch()
    wait_for(go)
    for i in range(int(count)):
        s = suggestions.new_suggestion("clinic-a", "hours", f"worker {worker} note {i} " + "x" * 500)
        suggestions.append_suggestion(csv, s)
        report(done, s.id)
    Path(done + ".finished").touch()

def append_forever(csv, worker, done):
    i = 0
    while True:
        s = suggestions.new_suggestion("clinic-a", "other", f"worker {worker} note {i} " + "y" * 900, "c" * 150)
        suggestions.append_suggestion(csv, s)
        report(done, s.id)
        i += 1

def torn_append(csv, stuck):
    # Write half of the record's bytes, then wait to be killed: a kill in the middle of an append, for sure.
    real_write = os.write
    def half_then_hang(fd, data):
        real_write(fd, data[: len(data) // 2])
        Path(stuck).touch()
        while True:
            time.sleep(1)
    os.write = half_then_hang
    suggestions.append_suggestion(csv, suggestions.new_suggestion("clinic-a", "address", "torn " + "z" * 300))

def add(path, name, password_hash, go, done):
    Path(done + ".ready").touch()
    wait_for(go)
    accounts.add_account(path, name, "maintainer", password_hash)
    Path(done).touch()

def reset_forever(path, name, first, second, done):
    while True:
        for h in (first, second):
            accounts.reset_password(path, name, h)
            report(done, h[-12:])

"""


@pytest.fixture(scope="module")
def forker() -> Iterator[Forker]:
    server = Forker(FORK_SERVER, ['append', 'append_forever', 'torn_append', 'add', 'reset_forever'])
    yield server
    server.close()


def reported(path: Path) -> list[str]:
    """The complete lines a worker reported (a kill may cut the last one)."""
    if not path.exists():
        return []
    text = path.read_text()
    complete = text if text.endswith("\n") else text.rsplit("\n", 1)[0]
    return [line for line in complete.splitlines() if line]


def queue_lines(csv: Path) -> tuple[int, int]:
    """(whole records, unreadable lines) in the queue file."""
    whole = torn = 0
    path = suggestions.queue_path(csv)
    if not path.exists():  # a worker killed before its first append (a busy machine): nothing stored yet
        return 0, 0
    for line in path.read_bytes().split(b"\n"):
        if line:
            try:
                json.loads(line)
                whole += 1
            except json.JSONDecodeError:
                torn += 1
    return whole, torn


def test_concurrent_appenders_lose_no_suggestion(tmp_path: Path, forker: Forker) -> None:
    csv = tmp_path / "data" / "clinics.csv"
    csv.parent.mkdir()
    go = tmp_path / "go"
    workers, each = 6, 15
    done = [tmp_path / f"done-{w}" for w in range(workers)]
    for w in range(workers):
        forker.fork("append", str(csv), str(w), str(each), str(go), str(done[w]))
    wait_for(lambda: all(Path(f"{d}.ready").exists() for d in done), "appenders did not start")
    go.touch()  # all append at once
    wait_for(lambda: all(Path(f"{d}.finished").exists() for d in done), "appenders did not finish")

    stored = [s.id for s in suggestions.open_suggestions(csv)]
    assert len(stored) == len(set(stored)) == workers * each
    assert set(stored) == {i for d in done for i in reported(d)}
    # Every line is one whole record: nothing interleaved.
    assert queue_lines(csv) == (workers * each, 0)
    assert suggestions.queue_path(csv).read_bytes().endswith(b"\n")
    texts = [s.text for s in suggestions.open_suggestions(csv)]
    for w in range(workers):  # each worker's notes are in its own order
        mine = [t.split()[3] for t in texts if t.startswith(f"worker {w} ")]
        assert mine == [str(i) for i in range(each)]


def test_sigkill_mid_append_never_loses_a_stored_suggestion(tmp_path: Path, forker: Forker) -> None:
    csv = tmp_path / "data" / "clinics.csv"
    csv.parent.mkdir()
    rng = random.Random(20261127)
    seen: set[str] = set()
    acknowledged: set[str] = set()
    for round_ in range(15):
        done = tmp_path / f"done-{round_}"
        pid = forker.fork("append_forever", str(csv), str(round_), str(done))
        time.sleep(rng.uniform(0.01, 0.15))
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda pid=pid: not alive(pid), f"worker {pid} did not end", timeout=10)
        assert queue_lines(csv)[1] <= round_ + 1  # at most one line cut short per kill
        now_stored = {s.id for s in suggestions.open_suggestions(csv)}
        assert seen <= now_stored, "a suggestion that was stored before disappeared"
        acknowledged |= set(reported(done))
        assert acknowledged <= now_stored, "a suggestion reported as stored is not in the queue"
        seen = now_stored
    assert len(acknowledged) >= 15, "the workers should have stored many suggestions"
    # After all the kills the queue still takes suggestions, and they read back whole.
    last = suggestions.new_suggestion("clinic-a", "phone", "after the kills")
    suggestions.append_suggestion(csv, last, lock_timeout_seconds=5)
    assert suggestions.open_suggestions(csv)[-1] == last
    assert {s.id for s in suggestions.open_suggestions(csv)} == seen | {last.id}


def test_a_kill_in_the_middle_of_a_line_leaves_a_torn_line_that_readers_skip(tmp_path: Path,
                                                                            forker: Forker) -> None:
    csv = tmp_path / "data" / "clinics.csv"
    csv.parent.mkdir()
    before = [suggestions.new_suggestion("clinic-a", "phone", f"note {i}") for i in range(3)]
    for suggestion in before:
        suggestions.append_suggestion(csv, suggestion)
    intact = suggestions.queue_path(csv).read_bytes()
    stuck = tmp_path / "stuck"
    pid = forker.fork("torn_append", str(csv), str(stuck))
    wait_for(stuck.exists, "the worker did not start writing")
    os.kill(pid, signal.SIGKILL)  # holding the lock, half a line written
    wait_for(lambda: not alive(pid), f"worker {pid} did not end", timeout=10)

    raw = suggestions.queue_path(csv).read_bytes()
    assert raw.startswith(intact) and len(raw) > len(intact) and not raw.endswith(b"\n")
    assert suggestions.open_suggestions(csv) == before  # the torn line is skipped
    # The kill released the lock; the next suggestion starts on a line of its own and reads back.
    after = suggestions.new_suggestion("clinic-a", "hours", "after the kill")
    suggestions.append_suggestion(csv, after, lock_timeout_seconds=5)
    assert suggestions.open_suggestions(csv) == [*before, after]
    assert queue_lines(csv) == (4, 1)


@pytest.fixture(scope="module")
def two_hashes() -> tuple[str, str]:
    return auth.hash_password("first long password"), auth.hash_password("second long password")


def test_concurrent_account_changes_lose_nothing(tmp_path: Path, forker: Forker,
                                                 two_hashes: tuple[str, str]) -> None:
    path = tmp_path / "config" / "accounts.json"
    go = tmp_path / "go"
    names = [f"person-{i}" for i in range(6)]
    done = [tmp_path / f"added-{name}" for name in names]
    for name, marker in zip(names, done, strict=True):
        forker.fork("add", str(path), name, two_hashes[0], str(go), str(marker))
    wait_for(lambda: all(Path(f"{d}.ready").exists() for d in done), "adders did not start")
    go.touch()
    wait_for(lambda: all(d.exists() for d in done), "adders did not finish")
    assert sorted(accounts.load_accounts(path)) == names
    assert (path.stat().st_mode & 0o777) == 0o600


def test_sigkill_mid_write_never_corrupts_the_accounts_file(tmp_path: Path, forker: Forker,
                                                          two_hashes: tuple[str, str]) -> None:
    path = tmp_path / "accounts.json"
    accounts.add_account(path, "ann", "maintainer", two_hashes[0])
    accounts.add_account(path, "bo", "maintainer", two_hashes[1])
    rng = random.Random(27112026)
    writes = 0
    for round_ in range(12):
        done = tmp_path / f"resets-{round_}"
        pid = forker.fork("reset_forever", str(path), "ann", two_hashes[0], two_hashes[1], str(done))
        time.sleep(rng.uniform(0.01, 0.1))
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda pid=pid: not alive(pid), f"worker {pid} did not end", timeout=10)
        loaded = accounts.load_accounts(path)  # whole and valid: the old version or the new one
        assert sorted(loaded) == ["ann", "bo"] and loaded["ann"].password_hash in two_hashes
        assert loaded["bo"].password_hash == two_hashes[1]
        writes += len(reported(done))
    assert writes >= 12, "the workers should have rewritten the file many times"
    # The lock died with its holder; the next change goes through and sweeps any temp file left behind.
    accounts.remove_account(path, "bo")
    assert list(accounts.load_accounts(path)) == ["ann"]
    assert not list(path.parent.glob(".accounts.json.*.tmp"))
