"""Staff sign-in: argon2id password hashes, a sign-in ticket bound to one session, and a failure throttle.

The hash comes from Streamlit secrets (`[staff] password_hash`, read by the page and passed in) or the
environment variable CLINIC_FINDER_STAFF_PASSWORD_HASH. No usable hash means nobody can sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASH_ENV_VAR = "CLINIC_FINDER_STAFF_PASSWORD_HASH"
TICKET_LIFETIME_SECONDS = 8 * 3600  # one working day; then sign in again
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 "low memory" defaults
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
    # within `window_seconds` (global).

    def __init__(self, base_seconds: float = 1.0, cap_seconds: float = 60.0, window_seconds: float = 900.0,
                 global_allowance: int = 20) -> None:
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.window_seconds = window_seconds
        self.global_allowance = global_allowance
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def _delay(self, count: int) -> float:
        return 0.0 if count <= 0 else min(self.cap_seconds, self.base_seconds * 2 ** (count - 1))

    def wait_seconds(
        self, session_failures: int, session_last_failure: float | None, now: float | None = None
    ) -> float:
        """Seconds to wait before the next password may be checked (0 means check now)."""
        moment = time.monotonic() if now is None else now
        waits = [0.0]
        if session_failures and session_last_failure is not None:
            waits.append(session_last_failure + self._delay(session_failures) - moment)
        with self._lock:
            while self._failures and self._failures[0] < moment - self.window_seconds:
                self._failures.popleft()
            over = len(self._failures) - self.global_allowance
            if over > 0:
                waits.append(self._failures[-1] + self._delay(over) - moment)
        return max(waits)

    def record_failure(self, now: float | None = None) -> float:
        """Count a wrong password everywhere; returns the time recorded (monotonic seconds)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._failures.append(moment)
        return moment

    def reset(self) -> None:
        """Forget all failures (tests, or after an operator has dealt with an attack)."""
        with self._lock:
            self._failures.clear()


THROTTLE = FailureThrottle()  # shared by every session of this server process
