"""Password hashes, where the hash comes from, session-bound tickets, the failure throttle, the cap on
concurrent password checks, hash-password."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from clinic_finder import auth, cli
from tests.conftest import PASSWORD, ROOT


def test_hash_is_argon2id_and_verifies(password_hash: str) -> None:
    assert password_hash.startswith("$argon2id$")
    assert auth.verify_password(PASSWORD, password_hash)
    assert not auth.verify_password(PASSWORD + "x", password_hash)
    assert not auth.verify_password("", password_hash)
    assert not auth.verify_password(PASSWORD, "$argon2id$broken")
    with pytest.raises(ValueError):
        auth.hash_password("")


def test_configured_hash_prefers_secrets_then_env_and_fails_closed(password_hash: str) -> None:
    other = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    assert auth.configured_hash(password_hash, {auth.HASH_ENV_VAR: other}) == password_hash
    assert auth.configured_hash(None, {auth.HASH_ENV_VAR: other}) == other
    assert auth.configured_hash("  ", {auth.HASH_ENV_VAR: other}) == other
    assert auth.configured_hash(None, {}) is None
    # A plain password (or another scheme) pasted where the hash belongs must not become a password.
    assert auth.configured_hash("hunter2", {}) is None
    assert auth.configured_hash(None, {auth.HASH_ENV_VAR: "$2b$12$bcrypt"}) is None


def test_ticket_is_bound_to_session_hash_and_time(password_hash: str) -> None:
    ticket = auth.issue_ticket("session-a", password_hash, now=1_000_000)
    assert auth.ticket_valid(ticket, "session-a", password_hash, now=1_000_010)
    assert not auth.ticket_valid(ticket, "session-b", password_hash, now=1_000_010)
    assert not auth.ticket_valid(ticket, "session-a", auth.hash_password("another"), now=1_000_010)
    assert not auth.ticket_valid(ticket, "session-a", None, now=1_000_010)
    assert not auth.ticket_valid(ticket, "session-a", password_hash,
                                 now=1_000_000 + auth.TICKET_LIFETIME_SECONDS + 1)
    forged = "1000000:" + "0" * 64
    assert not auth.ticket_valid(forged, "session-a", password_hash, now=1_000_010)
    assert not auth.ticket_valid(True, "session-a", password_hash)
    assert not auth.ticket_valid("junk", "session-a", password_hash)


def test_throttle_grows_per_session_and_globally() -> None:
    throttle = auth.FailureThrottle(base_seconds=1.0, cap_seconds=8.0, window_seconds=100.0, global_allowance=3)
    assert throttle.wait_seconds(0, None, now=0.0) == 0.0
    last = throttle.record_failure(now=10.0)
    assert throttle.wait_seconds(1, last, now=10.0) == pytest.approx(1.0)
    assert throttle.wait_seconds(3, last, now=10.0) == pytest.approx(4.0)
    assert throttle.wait_seconds(10, last, now=10.0) == pytest.approx(8.0)  # capped
    assert throttle.wait_seconds(3, last, now=20.0) == 0.0
    # A new session every guess: after the allowance, everyone waits.
    for moment in (11.0, 12.0, 13.0, 14.0):
        throttle.record_failure(now=moment)
    assert throttle.wait_seconds(0, None, now=14.0) == pytest.approx(2.0)
    assert throttle.wait_seconds(0, None, now=200.0) == 0.0  # old failures leave the window
    throttle.reset()
    assert throttle.wait_seconds(0, None, now=14.0) == 0.0


def test_cli_hash_password_prints_a_verifiable_hash(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password"]) == 0
    out, err = capsys.readouterr()
    printed = out.strip()
    assert printed.startswith("$argon2id$") and auth.verify_password(PASSWORD, printed)
    assert PASSWORD not in out + err
    assert "secrets.toml" in err


@pytest.mark.parametrize(("typed", "message"), [(["short", "short"], "at least 12"),
                                                ([PASSWORD, PASSWORD + "!"], "differ")])
def test_cli_hash_password_refuses_bad_input(typed: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(typed)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and message in err


def counting_verifier(seconds: float = 0.05) -> tuple[Callable[[str, str], bool], dict[str, int]]:
    """A stand-in for argon2: slow enough that concurrent callers overlap; counts checks and concurrency."""
    counts = {"checks": 0, "running": 0, "most_at_once": 0}
    lock = threading.Lock()

    def verify(password: str, password_hash: str) -> bool:
        with lock:
            counts["checks"] += 1
            counts["running"] += 1
            counts["most_at_once"] = max(counts["most_at_once"], counts["running"])
        time.sleep(seconds)
        with lock:
            counts["running"] -= 1
        return password == "right"

    return verify, counts


def at_once(count: int, attempt: Callable[[], auth.SignInOutcome]) -> list[auth.SignInOutcome]:
    """`count` threads call `attempt` at the same moment (a barrier releases them together)."""
    barrier = threading.Barrier(count)
    outcomes: list[auth.SignInOutcome] = []

    def run() -> None:
        barrier.wait()
        outcome = attempt()
        outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == count
    return outcomes


def test_thirty_concurrent_wrong_passwords_are_not_all_checked() -> None:
    """Each of 30 new sessions guessing at once used to be checked: the throttle only counted failures
    after the (slow) check, so none of them saw the others'."""
    throttle = auth.FailureThrottle(global_allowance=20)
    verify, counts = counting_verifier()
    slots = threading.BoundedSemaphore(30)  # no cap on checks here: this test is about the throttle
    outcomes = at_once(30, lambda: auth.attempt_sign_in("guess", "hash", 0, None, throttle=throttle,
                                                        verify=verify, slots=slots))
    assert counts["checks"] <= throttle.global_allowance + 1, f"{counts['checks']} passwords were checked"
    statuses = [o.status for o in outcomes]
    assert statuses.count("wrong") == counts["checks"]
    assert statuses.count("wait") == 30 - counts["checks"]
    assert all(o.wait_seconds > 0 for o in outcomes if o.status == "wait")


def test_password_checks_are_capped_and_waiting_callers_get_busy() -> None:
    throttle = auth.FailureThrottle(global_allowance=100)
    verify, counts = counting_verifier(seconds=0.5)
    slots = threading.BoundedSemaphore(2)
    outcomes = at_once(10, lambda: auth.attempt_sign_in("guess", "hash", 0, None, throttle=throttle,
                                                        verify=verify, slots=slots, busy_wait_seconds=0.1))
    assert counts["most_at_once"] <= 2
    statuses = [o.status for o in outcomes]
    assert statuses.count("busy") >= 1 and set(statuses) <= {"wrong", "busy"}
    assert statuses.count("wrong") == counts["checks"]
    # A caller told "busy" had nothing checked, so nothing is counted against anyone.
    assert len(throttle._failures) == counts["checks"]
    busy = next(o for o in outcomes if o.status == "busy")
    assert "busy" in busy.message() and "moment" in busy.message()


def test_a_right_password_takes_its_reserved_failure_back() -> None:
    throttle = auth.FailureThrottle(global_allowance=3)
    verify, _ = counting_verifier(seconds=0)
    wrong = auth.attempt_sign_in("guess", "hash", 0, None, throttle=throttle, verify=verify, now=10.0)
    assert wrong.status == "wrong" and wrong.failure_time == 10.0 and len(throttle._failures) == 1
    # The same session must wait (1 s after its first failure), whatever the password.
    early = auth.attempt_sign_in("right", "hash", 1, wrong.failure_time, throttle=throttle, verify=verify, now=10.5)
    assert early.status == "wait" and early.wait_seconds == pytest.approx(0.5)
    right = auth.attempt_sign_in("right", "hash", 1, wrong.failure_time, throttle=throttle, verify=verify, now=12.0)
    assert right.status == "ok" and right.failure_time is None
    assert len(throttle._failures) == 1  # only the wrong one counts


RSS_BURST = r"""
import re, resource, threading
from pathlib import Path
from clinic_finder import auth
password_hash = auth.hash_password("correct horse battery staple")
barrier = threading.Barrier(30)
statuses = []
def guess(n):
    barrier.wait()
    statuses.append(auth.attempt_sign_in(f"wrong guess {n}", password_hash, 0, None).status)
threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
for t in threads: t.start()
for t in threads: t.join()
# Peak RSS of this process: VmHWM, the high-water mark of this address space. ru_maxrss would be the
# same on a fresh process, but Linux carries it across exec, so a child started by a big test process
# (vfork + exec) reports its parent's peak.
peak_kb = int(re.search(r"VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text()).group(1))
print(peak_kb // 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, " ".join(sorted(statuses)))
"""


def test_a_burst_of_real_argon2_checks_stays_within_300_mb() -> None:
    """Each argon2id check holds 64 MiB; 30 sessions guessing at once took a server from 196 MB to 1.35 GB."""
    done = subprocess.run([sys.executable, "-c", RSS_BURST], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True)
    peak_mb, _, *statuses = done.stdout.split()
    assert int(peak_mb) < 300, f"peak RSS {peak_mb} MB"
    assert len(statuses) == 30 and "ok" not in statuses and "wrong" in statuses


def guesses_let_through(throttles: list[auth.FailureThrottle], hours: float = 3, every_seconds: float = 0.5) -> int:
    """An attacker with a new session for every guess, spreading them over the processes in turn: how many of
    their wrong passwords get checked (simulated clock)."""
    checked, moment, turn = 0, 0.0, 0
    while moment < hours * 3600:
        _wait, reserved = throttles[turn % len(throttles)].reserve(0, None, now=moment)
        checked += reserved is not None
        moment, turn = moment + every_seconds, turn + 1
    return checked


@pytest.mark.parametrize("processes", [2, 3, 4])
def test_processes_behind_one_address_together_let_through_no_more_guesses_than_one(processes: int) -> None:
    """Each `make serve` process counts failures in its own memory; with its share (allowance divided, delays and
    window multiplied) all of them together check no more guesses than one process alone; without, K times."""
    one = guesses_let_through([auth.FailureThrottle.share(1)])
    settings = ("base_seconds", "cap_seconds", "window_seconds", "global_allowance", "global_scale")
    assert [getattr(auth.FailureThrottle.share(1), name) for name in settings] == [
        getattr(auth.FailureThrottle(), name) for name in settings]  # one process: the whole limits
    shared = guesses_let_through([auth.FailureThrottle.share(processes) for _ in range(processes)])
    unshared = guesses_let_through([auth.FailureThrottle() for _ in range(processes)])
    assert shared <= one < 0.6 * unshared, (shared, one, unshared)
    # A person's own wrong passwords wait as long as on one process (their session stays on one).
    share = auth.FailureThrottle.share(processes)
    assert [share.wait_seconds(n, 100.0, now=100.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


def test_the_process_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_finder import server_processes

    for value, expected in (("", 1), ("3", 3), ("0", 1), ("two", 1), (" 2 ", 2)):
        monkeypatch.setenv("CLINIC_FINDER_PROCESSES", value)
        assert server_processes() == expected, value
    monkeypatch.delenv("CLINIC_FINDER_PROCESSES")
    assert server_processes() == 1
