"""Staff sign-in: argon2id password hashes, a sign-in ticket bound to one session, and a failure throttle.

The hash comes from Streamlit secrets (`[staff] password_hash`, read by the page and passed in) or the
environment variable CLINIC_FINDER_STAFF_PASSWORD_HASH. No usable hash means nobody can sign in.

Every sign-in goes through `guarded_check`, which throttles and checks in one step (`attempt_sign_in` for
the shared password, `accounts.sign_in` for named accounts). An attempt is counted as a failure under the
throttle's lock *before* the password is checked (and taken back if it was right), so sessions guessing at
the same moment all see each other's attempts; and at most `MAX_CONCURRENT_CHECKS` argon2id checks run at
once (each holds 64 MiB), so a burst of guesses cannot take the server's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from clinic_finder import server_processes
from clinic_finder.i18n import _

HASH_ENV_VAR = "CLINIC_FINDER_STAFF_PASSWORD_HASH"
TICKET_LIFETIME_SECONDS = 8 * 3600  # one working day; then sign in again
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 "low memory" defaults: 64 MiB per hash
# Each check of a password holds the hash's memory cost (64 MiB) for ~0.2 s. Two at once keep a burst of
# guesses within ~130 MB on top of the app (budget: 300 MB) while one slow check never blocks everyone.
MAX_CONCURRENT_CHECKS = 2
BUSY_WAIT_SECONDS = 3.0  # how long a sign-in waits for a free check before hearing "busy, try again"
_CHECK_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)
# Tickets are signed with a key that lives only in this server process: nothing a browser sends, and
# nothing placed in session state by hand, can forge one; restarting the server signs everyone out.
_TICKET_KEY = secrets.token_bytes(32)


def hash_password(password: str) -> str:
    """An argon2id hash of `password` for secrets.toml or the environment; raise ValueError if blank."""
    if not password:
        raise ValueError("the password is empty")
    return _HASHER.hash(password)


def configured_hash(secret_value: object = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The staff password hash: the secrets value if set, else the environment; None if neither is usable."""
    env = os.environ if environ is None else environ
    for candidate in (secret_value, env.get(HASH_ENV_VAR)):
        text = str(candidate).strip() if candidate is not None else ""
        if text:
            # Only argon2id is accepted: a plain password or another scheme pasted here must not work.
            return text if text.startswith("$argon2id$") else None
    return None


def verify_password(password: str, password_hash: str) -> bool:
    """True when `password` matches the argon2id hash; False for a wrong password or a broken hash."""
    if not password or not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _ticket_mac(session_id: str, password_hash: str, issued: int) -> str:
    message = f"{session_id}\x00{issued}\x00{hashlib.sha256(password_hash.encode()).hexdigest()}".encode()
    return hmac.new(_TICKET_KEY, message, hashlib.sha256).hexdigest()


def issue_ticket(session_id: str, password_hash: str, now: float | None = None) -> str:
    """A sign-in ticket for this session, valid while the same hash is configured; call only after verifying."""
    issued = int(time.time() if now is None else now)
    return f"{issued}:{_ticket_mac(session_id, password_hash, issued)}"


def ticket_valid(ticket: object, session_id: str, password_hash: str | None, now: float | None = None) -> bool:
    """True if `ticket` was issued by this process for this session and the hash now configured, and is fresh."""
    if not isinstance(ticket, str) or not password_hash or ":" not in ticket:
        return False
    issued_text, mac = ticket.split(":", 1)
    try:
        issued = int(issued_text)
    except ValueError:
        return False
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= TICKET_LIFETIME_SECONDS:
        return False
    return hmac.compare_digest(mac, _ticket_mac(session_id, password_hash, issued))


# ---- tickets for named accounts (see clinic_finder.accounts) ----
# Format "issued:account:mac". The MAC covers the session, the time, the account name, its role, the clinics
# it may edit ("scope") and its password hash, so changing any of them (in session state, or in the accounts
# file: a new role, other clinics, a password reset, a removed account) makes the ticket worthless. The
# "account" prefix keeps these MACs apart from `issue_ticket`'s, so one kind can never pass for the other.


def _account_ticket_mac(session_id: str, issued: int, account: str, role: str, scope: str,
                        password_hash: str) -> str:
    digest = hashlib.sha256(password_hash.encode()).hexdigest()
    message = "\x00".join(("account", session_id, str(issued), account, role, scope, digest)).encode()
    return hmac.new(_TICKET_KEY, message, hashlib.sha256).hexdigest()


def issue_account_ticket(session_id: str, account: str, role: str, scope: str, password_hash: str,
                         now: float | None = None) -> str:
    """A sign-in ticket naming `account` (no ":" in it), bound to this session, role, scope and hash."""
    if not account or ":" in account:
        raise ValueError("an account name for a ticket must be non-empty and without ':'")
    issued = int(time.time() if now is None else now)
    return f"{issued}:{account}:{_account_ticket_mac(session_id, issued, account, role, scope, password_hash)}"


def ticket_account(ticket: object) -> str | None:
    """The account name an account ticket claims, unverified (look it up, then call `account_ticket_valid`)."""
    if not isinstance(ticket, str) or ticket.count(":") != 2:
        return None
    return ticket.split(":")[1] or None


def account_ticket_valid(ticket: object, session_id: str, account: str, role: str, scope: str,
                         password_hash: str | None, now: float | None = None) -> bool:
    """True if `ticket` was issued by this process for this session and account as it is now, and is fresh."""
    if not isinstance(ticket, str) or not password_hash or ticket.count(":") != 2:
        return False
    issued_text, named, mac = ticket.split(":")
    try:
        issued = int(issued_text)
    except ValueError:
        return False
    age = (time.time() if now is None else now) - issued
    if named != account or not 0 <= age <= TICKET_LIFETIME_SECONDS:
        return False
    return hmac.compare_digest(mac, _account_ticket_mac(session_id, issued, account, role, scope, password_hash))


class FailureThrottle:
    """Slows repeated wrong passwords: exponential per session, and for everyone after many failures overall."""

    # The per-session delay stops guessing in one browser tab; the global one stops an attacker who opens a
    # new session for every guess (it also slows real staff during an attack, by at most `cap_seconds`).
    # Delays are base * 2**(n-1) seconds, n = failures (per session) or failures beyond the allowance
    # within `window_seconds` (global; times `global_scale`, see `share`).

    def __init__(self, base_seconds: float = 1.0, cap_seconds: float = 60.0, window_seconds: float = 900.0,
                 global_allowance: int = 20, global_scale: float = 1.0) -> None:
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.window_seconds = window_seconds
        self.global_allowance = global_allowance
        self.global_scale = global_scale
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    @classmethod
    def share(cls, processes: int) -> FailureThrottle:
        """This process's share when `processes` count failures apart (make serve): the global allowance divided,
        the global delays and window multiplied, so all of them together let through no more guesses than one
        would. A session's own delays stay whole: a session stays on one process."""
        # The window too: with longer delays and the same window, each process's failures fell out of the window
        # before they reached its allowance, and two let through 1.2x one's guesses (tests/test_auth.py).
        one = cls()
        return cls(window_seconds=one.window_seconds * processes, global_scale=float(processes),
                   global_allowance=max(1, one.global_allowance // processes))

    def _delay(self, count: int) -> float:
        return 0.0 if count <= 0 else min(self.cap_seconds, self.base_seconds * 2 ** (count - 1))

    def wait_seconds(
        self, session_failures: int, session_last_failure: float | None, now: float | None = None
    ) -> float:
        """Seconds to wait before the next password may be checked (0 means check now)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            return self._wait_locked(session_failures, session_last_failure, moment)

    def _wait_locked(self, session_failures: int, session_last_failure: float | None, moment: float) -> float:
        waits = [0.0]
        if session_failures and session_last_failure is not None:
            waits.append(session_last_failure + self._delay(session_failures) - moment)
        while self._failures and self._failures[0] < moment - self.window_seconds:
            self._failures.popleft()
        over = len(self._failures) - self.global_allowance
        if over > 0:
            waits.append(self._failures[-1] + self._delay(over) * self.global_scale - moment)
        return max(waits)

    def record_failure(self, now: float | None = None) -> float:
        """Count a wrong password everywhere; returns the time recorded (monotonic seconds)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._failures.append(moment)
        return moment

    def reserve(
        self, session_failures: int, session_last_failure: float | None, now: float | None = None
    ) -> tuple[float, float | None]:
        """Under one lock: (seconds to wait, None), or (0, the time of a failure counted now for this attempt)."""
        # Counting before the check is what makes concurrent guesses see each other: checking first and
        # counting after let 30 simultaneous sessions all through. `release` takes it back on success.
        moment = time.monotonic() if now is None else now
        with self._lock:
            wait = self._wait_locked(session_failures, session_last_failure, moment)
            if wait > 0:
                return wait, None
            self._failures.append(moment)
        return 0.0, moment

    def release(self, moment: float) -> None:
        """Take back a failure counted by `reserve` (the password was right, or never checked)."""
        with self._lock:
            try:
                self._failures.remove(moment)
            except ValueError:
                pass  # already out of the window

    def reset(self) -> None:
        """Forget all failures (tests, or after an operator has dealt with an attack)."""
        with self._lock:
            self._failures.clear()


THROTTLE = FailureThrottle.share(server_processes())  # shared by every session of this server process


@dataclass(frozen=True)
class SignInOutcome:
    """What became of one sign-in attempt."""

    status: Literal["ok", "wrong", "wait", "busy"]
    wait_seconds: float = 0.0  # for "wait": how long before the next attempt can be checked
    failure_time: float | None = None  # for "wrong": the failure's time, for the session's own throttle

    def message(self) -> str:
        """What to tell the person signing in (nothing for "ok")."""
        if self.status == "wait":
            seconds = math.ceil(self.wait_seconds)
            return _("Too many wrong passwords. Wait {seconds} seconds, then try again.").format(seconds=seconds)
        if self.status == "busy":
            return _("The server is busy checking other sign-ins. Try again in a moment.")
        if self.status == "wrong":
            return _("That password is not right. Each wrong try makes the next one wait longer.")
        return ""


def guarded_check(
    check: Callable[[], bool],
    session_failures: int = 0,
    session_last_failure: float | None = None,
    *,
    throttle: FailureThrottle | None = None,
    slots: threading.Semaphore | None = None,
    busy_wait_seconds: float = BUSY_WAIT_SECONDS,
    now: float | None = None,
) -> SignInOutcome:
    """Reserve a failure, then run the slow `check` (True = right) in one of the capped check slots."""
    # The one way a password gets checked: `check` runs only after a failure was counted for it under the
    # throttle's lock, and only while holding one of at most MAX_CONCURRENT_CHECKS slots. The failure is
    # taken back when the check says right, when no slot came free ("busy": nothing was checked), or when
    # `check` raises (the exception is passed on). `throttle` (default: THROTTLE, looked up at each call),
    # `slots` (default: the process-wide cap) and `now` (monotonic seconds) are for tests.
    throttle = THROTTLE if throttle is None else throttle
    slots = _CHECK_SLOTS if slots is None else slots
    wait, reserved = throttle.reserve(session_failures, session_last_failure, now)
    if reserved is None:
        return SignInOutcome("wait", wait_seconds=wait)
    if not slots.acquire(timeout=busy_wait_seconds):
        throttle.release(reserved)  # nothing was checked: not a guess
        return SignInOutcome("busy")
    try:
        right = check()
    except BaseException:
        throttle.release(reserved)
        raise
    finally:
        slots.release()
    if right:
        throttle.release(reserved)
        return SignInOutcome("ok")
    return SignInOutcome("wrong", failure_time=reserved)


def attempt_sign_in(
    password: str,
    password_hash: str,
    session_failures: int = 0,
    session_last_failure: float | None = None,
    *,
    throttle: FailureThrottle | None = None,
    verify: Callable[[str, str], bool] = verify_password,
    slots: threading.Semaphore | None = None,
    busy_wait_seconds: float = BUSY_WAIT_SECONDS,
    now: float | None = None,
) -> SignInOutcome:
    """Throttle, then check the password with at most MAX_CONCURRENT_CHECKS checks running at once."""
    # `session_failures` and `session_last_failure` are the session's own count and the `failure_time`
    # of its last "wrong" outcome; the caller keeps them. See `guarded_check` for the rest.
    return guarded_check(lambda: verify(password, password_hash), session_failures, session_last_failure,
                         throttle=throttle, slots=slots, busy_wait_seconds=busy_wait_seconds, now=now)
