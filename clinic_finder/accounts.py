"""Named staff accounts: who may sign in, in which role, for which clinics.

Roles: `maintainer` may do everything the Staff page offers (whole-list editing, upload, restore, the
review queue); `clinic` is bound to one or more clinic ids and may change only those rows, and only the
columns the schema marks `clinic_editable` (see `permissions.py`).

The accounts file is JSON, kept outside the repository and the web root, readable only by its owner
(0600, in a 0700 folder when this module creates it). Its path is $CLINIC_FINDER_ACCOUNTS if set, else
`$XDG_CONFIG_HOME/clinic-finder/accounts.json`, else `~/.config/clinic-finder/accounts.json` (the XDG
Base Directory rules; platformdirs is not a dependency). Format:

    {"version": 1, "accounts": [{"name": "ann", "role": "maintainer", "clinic_ids": [],
      "password_hash": "$argon2id$...", "created": "2026-11-27T10:00:00Z",
      "password_changed": "2026-11-27T10:00:00Z"}, ...]}

Every change is read-modify-write under a cross-process lock (`accounts.json.lock`) and written to a temp
file, fsynced and renamed over the old file, as `store.py` does: never a half-written file, never a lost
account. Password hashes are never printed, logged or put in an `Account`'s repr.

The shared password (one argon2id hash in `.streamlit/secrets.toml` `[staff] password_hash` or
$CLINIC_FINDER_STAFF_PASSWORD_HASH) keeps working as the account "staff", role maintainer: on the sign-in
form, leave the account name blank (or type "staff") and give the shared password. No file account may
be called "staff".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import filelock

from clinic_finder import PROJECT_ROOT, auth, files, server_processes
from clinic_finder.i18n import _

ACCOUNTS_ENV_VAR = "CLINIC_FINDER_ACCOUNTS"
APP_DIR_NAME = "clinic-finder"
FILE_VERSION = 1
LEGACY_ACCOUNT = "staff"  # the shared password's account; reserved
RESERVED_NAMES = frozenset({LEGACY_ACCOUNT})
MAX_NAME_CHARS = 32
NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")  # "ann", "symetria-chicago"
MIN_PASSWORD_CHARS = 12
LOCK_TIMEOUT_SECONDS = 15.0  # a change takes milliseconds; longer means a stuck process


class Role(StrEnum):
    """What an account may do."""

    MAINTAINER = "maintainer"  # everything, for every clinic
    CLINIC = "clinic"  # its own clinics' clinic-editable columns, and suggestions about them


class AccountError(ValueError):
    """A change to the accounts that cannot be made (bad name, unknown clinic, ...); nothing was written."""

    # Raised by add/remove/reset, which only the command line runs: its messages are for the maintainer at a
    # terminal, in English like the rest of the command line (the web app's words go through i18n's `_()`).


class AccountsFileError(RuntimeError):
    """The accounts file cannot be read or is not a valid accounts file."""


@dataclass(frozen=True)
class Account:
    """One person or clinic that can sign in; `password_hash` is never shown (not even in repr)."""

    name: str
    role: Role
    clinic_ids: tuple[str, ...] = ()  # clinic accounts only: the clinics it may edit
    password_hash: str = field(default="", repr=False)
    created: str = ""  # UTC, ISO 8601 to the second
    password_changed: str = ""  # UTC, ISO 8601 to the second
    legacy: bool = False  # True for the shared-password "staff" account (not in the accounts file)

    @property
    def is_maintainer(self) -> bool:
        return self.role is Role.MAINTAINER

    def may_edit(self, clinic_id: str) -> bool:
        """True if this account may change the clinic `clinic_id` (maintainers: every clinic)."""
        return self.is_maintainer or clinic_id in self.clinic_ids

    def scope(self) -> str:
        """The clinics a sign-in ticket is bound to, as one string ("*" for maintainers)."""
        return "*" if self.is_maintainer else ",".join(sorted(self.clinic_ids))

    def public(self) -> dict[str, Any]:
        """Everything but the hash, for listings."""
        return {"name": self.name, "role": self.role.value, "clinic_ids": list(self.clinic_ids),
                "created": self.created, "password_changed": self.password_changed}


# ---- where the file is ----


def default_accounts_path(environ: Mapping[str, str] | None = None) -> Path:
    """$CLINIC_FINDER_ACCOUNTS, else $XDG_CONFIG_HOME/clinic-finder/accounts.json, else ~/.config/...."""
    env = os.environ if environ is None else environ
    value = env.get(ACCOUNTS_ENV_VAR, "").strip()
    if value:
        return Path(value).expanduser()
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / APP_DIR_NAME / "accounts.json"


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _utc_now(now: dt.datetime | None = None) -> str:
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# ---- names, roles, clinics ----


def normalize_name(name: str) -> str:
    """An account name as typed, trimmed and lowercased ("Ann " -> "ann")."""
    return str(name).strip().lower()


def check_name(name: str) -> str:
    """The normalized name; raise AccountError unless it is a short slug and not reserved."""
    normalized = normalize_name(name)
    if not NAME_PATTERN.fullmatch(normalized):
        raise AccountError(f"An account name is 1 to {MAX_NAME_CHARS} lowercase letters, digits and hyphens, "
                           "starting and ending with a letter or digit (like 'ann' or 'symetria-chicago').")
    if normalized in RESERVED_NAMES:
        raise AccountError(f"The name '{normalized}' is reserved for the shared staff password; choose another.")
    return normalized


def _check_role(role: str | Role) -> Role:
    try:
        return Role(str(role))
    except ValueError:
        raise AccountError("The role must be 'maintainer' or 'clinic'.") from None


def _check_clinics(role: Role, clinic_ids: Iterable[str], known_clinic_ids: Collection[str] | None) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(str(i).strip() for i in clinic_ids if str(i).strip()))  # keep order, drop repeats
    if role is Role.MAINTAINER:
        if ids:
            raise AccountError("A maintainer account covers every clinic; give clinic ids only for a clinic "
                               "account.")
        return ()
    if not ids:
        raise AccountError("A clinic account needs at least one clinic id.")
    if known_clinic_ids is None:
        raise AccountError("The clinics list could not be read, so the clinic ids cannot be checked; fix the "
                           "clinics file first.")
    unknown = [i for i in ids if i not in known_clinic_ids]
    if unknown:
        listed = ", ".join(repr(i) for i in unknown)
        raise AccountError(f"No clinic in the current list has the id {listed}; copy ids from the Staff page or "
                           "the CSV's id column.")
    return ids


def _check_hash(password_hash: str) -> str:
    if not str(password_hash).startswith("$argon2id$"):
        raise AccountError("Only argon2id password hashes are stored.")
    return str(password_hash)


def check_password_strength(password: str, min_chars: int = MIN_PASSWORD_CHARS) -> None:
    """Raise AccountError if `password` is shorter than `min_chars` characters."""
    if len(password) < min_chars:
        raise AccountError(f"The password must have at least {min_chars} characters.")


# ---- reading and writing the file ----


def _account_from(entry: object, position: int) -> Account:
    if not isinstance(entry, dict):
        raise AccountsFileError(f"entry {position} of the accounts file is not an object")
    try:
        name = str(entry["name"])
        if not NAME_PATTERN.fullmatch(name) or name in RESERVED_NAMES:
            raise ValueError(f"the name {name!r} is not a valid account name")
        role = Role(str(entry["role"]))
        clinic_ids = entry.get("clinic_ids", [])
        if not isinstance(clinic_ids, list) or not all(isinstance(i, str) for i in clinic_ids):
            raise ValueError("clinic_ids must be a list of clinic ids")
        if (role is Role.CLINIC) != bool(clinic_ids):
            raise ValueError("a clinic account needs clinic ids and a maintainer account has none")
        password_hash = str(entry["password_hash"])
        if not password_hash.startswith("$argon2id$"):
            raise ValueError("the password hash is not an argon2id hash")
    except (KeyError, ValueError) as error:
        raise AccountsFileError(f"entry {position} of the accounts file is invalid: {error}") from None
    return Account(name, role, tuple(clinic_ids), password_hash, str(entry.get("created", "")),
                   str(entry.get("password_changed", "")))


def _parse(data: bytes) -> dict[str, Account]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AccountsFileError(f"the accounts file is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("version") != FILE_VERSION \
            or not isinstance(document.get("accounts"), list):
        raise AccountsFileError(f"the accounts file is not a version {FILE_VERSION} accounts file")
    accounts: dict[str, Account] = {}
    for position, entry in enumerate(document["accounts"], start=1):
        account = _account_from(entry, position)
        if account.name in accounts:
            raise AccountsFileError(f"the account {account.name!r} appears twice in the accounts file")
        accounts[account.name] = account
    return accounts


def _serialize(accounts: Mapping[str, Account]) -> bytes:
    ordered = sorted(accounts.values(), key=lambda a: a.name)
    entries = [{**a.public(), "password_hash": a.password_hash} for a in ordered]
    return (json.dumps({"version": FILE_VERSION, "accounts": entries}, indent=2, ensure_ascii=False) + "\n").encode()


_CACHE: dict[Path, tuple[tuple[int, int, int], dict[str, Account]]] = {}
_CACHE_LOCK = threading.Lock()


def load_accounts(path: str | Path | None = None) -> dict[str, Account]:
    """Every account in the file, by name ({} when there is no file); raise AccountsFileError if it is broken."""
    # Read on every sign-in and page run, so a removed account or a reset password takes effect at once; a
    # stat decides whether the file changed since the last read (the inode too: saves rename a new file in).
    target = Path(path) if path is not None else default_accounts_path()
    try:
        key = files.version(target)
    except OSError as error:
        raise AccountsFileError(f"cannot read the accounts file: {error.strerror or error}") from None
    if key is None:
        return {}
    with _CACHE_LOCK:
        cached = _CACHE.get(target)
        if cached is not None and cached[0] == key:
            return dict(cached[1])
    try:
        accounts = _parse(target.read_bytes())
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise AccountsFileError(f"cannot read the accounts file: {error.strerror or error}") from None
    with _CACHE_LOCK:
        _CACHE[target] = (key, accounts)
    return dict(accounts)


def _update(path: str | Path | None, change: Callable[[dict[str, Account]], Account],
            lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> Account:
    """Apply `change` to the accounts read under the lock, write them back atomically; returns its account."""
    target = Path(path) if path is not None else default_accounts_path()
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with filelock.FileLock(str(_lock_path(target)), timeout=lock_timeout_seconds):
            try:
                accounts = _parse(target.read_bytes())
            except FileNotFoundError:
                accounts = {}
            # A process killed mid-write leaves a temp file; we hold the lock, so none is in use.
            for stale in target.parent.glob(f".{target.name}.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
            result = change(accounts)
            # files.write_temp creates the file 0600: the hashes are never readable by others, not even briefly.
            files.write_atomically(target, _serialize(accounts))
    except filelock.Timeout:
        raise AccountError("The accounts file is locked by another command; try again in a minute.") from None
    return result


def add_account(path: str | Path | None, name: str, role: str | Role, password_hash: str,
                clinic_ids: Iterable[str] = (), *, known_clinic_ids: Collection[str] | None = None,
                now: dt.datetime | None = None) -> Account:
    """Add an account; clinic accounts must name ids in `known_clinic_ids` (the current clinics list)."""
    name = check_name(name)
    checked_role = _check_role(role)
    ids = _check_clinics(checked_role, clinic_ids, known_clinic_ids)
    password_hash = _check_hash(password_hash)
    stamp = _utc_now(now)

    def change(accounts: dict[str, Account]) -> Account:
        if name in accounts:
            raise AccountError(f"There is already an account called '{name}'.")
        accounts[name] = Account(name, checked_role, ids, password_hash, stamp, stamp)
        return accounts[name]

    return _update(path, change)


def remove_account(path: str | Path | None, name: str) -> Account:
    """Remove the account `name`; it is signed out on its next click. Returns the removed account."""
    normalized = normalize_name(name)

    def change(accounts: dict[str, Account]) -> Account:
        if normalized not in accounts:
            raise AccountError(f"There is no account called '{normalized}'.")
        return accounts.pop(normalized)

    return _update(path, change)


def reset_password(path: str | Path | None, name: str, password_hash: str,
                   now: dt.datetime | None = None) -> Account:
    """Give the account `name` a new password hash; its open sessions are signed out on their next click."""
    normalized = normalize_name(name)
    password_hash = _check_hash(password_hash)
    stamp = _utc_now(now)

    def change(accounts: dict[str, Account]) -> Account:
        old = accounts.get(normalized)
        if old is None:
            raise AccountError(f"There is no account called '{normalized}'.")
        accounts[normalized] = Account(old.name, old.role, old.clinic_ids, password_hash, old.created, stamp)
        return accounts[normalized]

    return _update(path, change)


def list_accounts(path: str | Path | None = None) -> list[Account]:
    """Every account in the file, sorted by name."""
    return sorted(load_accounts(path).values(), key=lambda a: a.name)


def file_warnings(path: str | Path | None = None) -> list[str]:
    """Things a maintainer should fix about the accounts file (e.g. readable by other users)."""
    target = Path(path) if path is not None else default_accounts_path()
    try:
        mode = target.stat().st_mode
    except OSError:
        return []
    warnings = []
    if mode & 0o077:
        warnings.append(f"{target} can be read by other users of this computer; run: chmod 600 {target}")
    if target.resolve().is_relative_to(PROJECT_ROOT):
        warnings.append(f"{target} is inside the app's folder; move it out (and set {ACCOUNTS_ENV_VAR}) so it can "
                        "never be committed or served.")
    return warnings


# ---- signing in ----


def legacy_account(legacy_hash: object = None) -> Account | None:
    """The shared password's account ("staff", maintainer), if an argon2id hash is configured."""
    # `legacy_hash` is the `[staff] password_hash` secret (or None); as before, the environment variable
    # CLINIC_FINDER_STAFF_PASSWORD_HASH is used when it is not set, and only argon2id hashes count.
    usable = auth.configured_hash(legacy_hash)
    return Account(LEGACY_ACCOUNT, Role.MAINTAINER, (), usable, legacy=True) if usable else None


def resolve_account(name: str, *, accounts_path: str | Path | None = None,
                    legacy_hash: object = None) -> Account | None:
    """The account a sign-in name stands for: blank or "staff" is the shared password's account, if set."""
    normalized = normalize_name(name)
    if normalized in ("", LEGACY_ACCOUNT):
        return legacy_account(legacy_hash)
    return load_accounts(accounts_path).get(normalized)


def sign_in_possible(*, accounts_path: str | Path | None = None, legacy_hash: object = None) -> bool:
    """True when someone could sign in: a shared hash is configured or the accounts file has an account."""
    if legacy_account(legacy_hash) is not None:
        return True
    try:
        return bool(load_accounts(accounts_path))
    except AccountsFileError:
        return False


_DUMMY_HASH: list[str] = []  # made on first use; checked for unknown names so they take as long as real ones


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(auth.hash_password(secrets.token_urlsafe(24)))
    return _DUMMY_HASH[0]


def authenticate(name: str, password: str, *, accounts_path: str | Path | None = None,
                 legacy_hash: object = None, verify: Callable[[str, str], bool] | None = None) -> Account | None:
    """The account if `password` is its password, else None (no throttling: use `sign_in` for that)."""
    # `legacy_hash`: the `[staff] password_hash` secret or None (see `legacy_account`). `verify` (default:
    # auth.verify_password) is for tests. Raises AccountsFileError when a named account is asked for and the
    # file is broken.
    check = auth.verify_password if verify is None else verify
    if not password:
        return None  # nothing to check, whatever the name: no difference in time between names
    account = resolve_account(name, accounts_path=accounts_path, legacy_hash=legacy_hash)
    if account is None:
        check(password, _dummy_hash())  # the same work as a real check: names stay secret
        return None
    return account if check(password, account.password_hash) else None


class NameThrottle:
    """Slows repeated wrong passwords for one account name, whichever sessions they come from."""

    # Delays are base * 2**(n-1) seconds (capped), n = failures for that name within `window_seconds`, as
    # for a session in auth.FailureThrottle. Unknown names are throttled like real ones, so the throttle
    # does not tell which names exist; at most `max_names` names are remembered (oldest forgotten first).

    def __init__(self, base_seconds: float = 1.0, cap_seconds: float = 60.0, window_seconds: float = 900.0,
                 max_names: int = 10_000) -> None:
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.window_seconds = window_seconds
        self.max_names = max_names
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def share(cls, processes: int) -> NameThrottle:
        """This process's share when `processes` count failures apart (make serve): every delay and the window
        multiplied, so guesses at one name spread over all of them wait about as long as on one."""
        one = cls()
        return cls(base_seconds=one.base_seconds * processes, cap_seconds=one.cap_seconds * processes,
                   window_seconds=one.window_seconds * processes, max_names=one.max_names)

    def _recent(self, name: str, moment: float) -> deque[float]:
        failures = self._failures.get(name, deque())
        while failures and failures[0] < moment - self.window_seconds:
            failures.popleft()
        return failures

    def wait_seconds(self, name: str, now: float | None = None) -> float:
        """Seconds before a password for `name` may be checked again (monotonic clock; 0 means now)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            return self._wait_locked(normalize_name(name), moment)

    def _wait_locked(self, key: str, moment: float) -> float:
        failures = self._recent(key, moment)
        if not failures:
            return 0.0
        delay = min(self.cap_seconds, self.base_seconds * 2 ** (len(failures) - 1))
        return max(0.0, failures[-1] + delay - moment)

    def _record_locked(self, key: str, moment: float) -> None:
        failures = self._recent(key, moment)
        failures.append(moment)
        self._failures[key] = failures
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_names:
            self._failures.popitem(last=False)

    def record_failure(self, name: str, now: float | None = None) -> float:
        """Count a wrong password for `name`; returns the time recorded (monotonic seconds)."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            self._record_locked(normalize_name(name), moment)
        return moment

    def reserve(self, name: str, now: float | None = None) -> tuple[float, float | None]:
        """Under one lock: (seconds to wait, None), or (0, the time of a failure counted now for `name`)."""
        # As FailureThrottle.reserve: counted before the check, so guesses at one name at the same moment
        # see each other; `release` takes it back if the check was never made.
        moment = time.monotonic() if now is None else now
        key = normalize_name(name)
        with self._lock:
            wait = self._wait_locked(key, moment)
            if wait > 0:
                return wait, None
            self._record_locked(key, moment)
        return 0.0, moment

    def release(self, name: str, moment: float) -> None:
        """Take back a failure counted by `reserve`."""
        key = normalize_name(name)
        with self._lock:
            failures = self._failures.get(key)
            if failures is not None:
                with contextlib.suppress(ValueError):
                    failures.remove(moment)

    def clear(self, name: str) -> None:
        """Forget `name`'s failures (after its right password)."""
        with self._lock:
            self._failures.pop(normalize_name(name), None)

    def reset(self) -> None:
        """Forget everything (tests, or after an operator has dealt with an attack)."""
        with self._lock:
            self._failures.clear()


NAME_THROTTLE = NameThrottle.share(server_processes())  # shared by every session of this server process


@dataclass(frozen=True)
class SignIn:
    """What became of one sign-in attempt; on "ok", keep `ticket` (and only it) in the session."""

    status: Literal["ok", "wrong", "wait", "busy"]
    account: Account | None = None
    ticket: str | None = None
    wait_seconds: float = 0.0  # for "wait"
    failure_time: float | None = None  # for "wrong": keep it as the session's last failure (monotonic)

    def message(self) -> str:
        """What to tell the person signing in ("" on success)."""
        if self.status == "wait":
            seconds = max(1, math.ceil(self.wait_seconds))
            return _("Too many wrong passwords. Wait {seconds} seconds, then try again.").format(seconds=seconds)
        if self.status == "busy":
            return _("The server is busy checking other sign-ins. Try again in a moment.")
        if self.status == "wrong":
            # The same words whether the name or the password was wrong: the form does not tell which names exist.
            return _("That account name and password do not match. Each wrong try makes the next one wait longer.")
        return ""


def sign_in(session_id: str, name: str, password: str, session_failures: int = 0,
            session_last_failure: float | None = None, *, accounts_path: str | Path | None = None,
            legacy_hash: object = None, throttle: auth.FailureThrottle | None = None,
            name_throttle: NameThrottle | None = None, now: float | None = None,
            clock: float | None = None, verify: Callable[[str, str], bool] | None = None,
            slots: threading.Semaphore | None = None,
            busy_wait_seconds: float = auth.BUSY_WAIT_SECONDS) -> SignIn:
    """Throttle (per session, per name, server-wide), check the password, and issue a ticket on success."""
    # `session_failures` / `session_last_failure` are the session's own count and the `failure_time` of its
    # last "wrong" outcome, kept by the page. The check goes through `auth.guarded_check`, as the shared
    # password's did: a failure is counted for the name and for the server *before* the slow check (taken
    # back when the password is right, or when no check slot came free: "busy"), and at most
    # auth.MAX_CONCURRENT_CHECKS checks run at once. So 30 guesses at the same moment check at most the
    # server-wide allowance, and only one of them per name.
    # `now` is wall-clock seconds (the ticket), `clock` monotonic seconds (the throttles); `verify` and
    # `slots` stand in for argon2 and the process-wide cap; all are for tests. Raises AccountsFileError for
    # a named account when the accounts file is broken (tell the maintainer); nothing is counted then.
    name_throttle = NAME_THROTTLE if name_throttle is None else name_throttle
    moment = time.monotonic() if clock is None else clock
    # Capped: the name field is free text, and the throttle remembers each name tried.
    key = normalize_name(name)[:MAX_NAME_CHARS + 1] or LEGACY_ACCOUNT
    wait, name_moment = name_throttle.reserve(key, moment)
    if name_moment is None:
        return SignIn("wait", wait_seconds=wait)
    found: list[Account] = []

    def check() -> bool:
        account = authenticate(name, password, accounts_path=accounts_path, legacy_hash=legacy_hash, verify=verify)
        if account is not None:
            found.append(account)
        return account is not None

    try:
        outcome = auth.guarded_check(check, session_failures, session_last_failure, throttle=throttle,
                                     slots=slots, busy_wait_seconds=busy_wait_seconds, now=moment)
    except BaseException:
        name_throttle.release(key, name_moment)
        raise
    if outcome.status == "wrong":
        return SignIn("wrong", failure_time=outcome.failure_time)
    if outcome.status in ("wait", "busy"):  # the session or the server must wait, or no check slot: unchecked
        name_throttle.release(key, name_moment)
        return SignIn("busy") if outcome.status == "busy" else SignIn("wait", wait_seconds=outcome.wait_seconds)
    name_throttle.clear(key)
    account = found[0]
    ticket = auth.issue_account_ticket(session_id, account.name, account.role.value, account.scope(),
                                       account.password_hash, now)
    return SignIn("ok", account=account, ticket=ticket)


def session_account(ticket: object, session_id: str, *, accounts_path: str | Path | None = None,
                    legacy_hash: object = None, now: float | None = None) -> Account | None:
    """The signed-in account of this session, checked against the accounts as they are now; None if none."""
    # Call on every page run. Only the ticket comes from session state; the role and clinics come from the
    # accounts file (or the shared hash), and the ticket must have been issued for exactly those.
    name = auth.ticket_account(ticket)
    if name is None:
        return None
    try:
        account = resolve_account(name, accounts_path=accounts_path, legacy_hash=legacy_hash)
    except AccountsFileError:
        return None  # fail closed; signing in with a named account then raises the error for the page to show
    if account is None or account.name != name:
        return None
    valid = auth.account_ticket_valid(ticket, session_id, account.name, account.role.value, account.scope(),
                                      account.password_hash, now)
    return account if valid else None


def audit_label(account: Account, typed_name: str = "") -> str:
    """Who the change log says saved: the account name; for the shared "staff" account, plus the typed name."""
    # A named account is one person or clinic, so its name says who; the shared password is used by several
    # people, so they still type a name or initials, logged as "staff (Ann)".
    typed = " ".join(str(typed_name).split())
    if account.legacy and typed:
        return f"{LEGACY_ACCOUNT} ({typed})"
    return account.name


def checked_label(account: Account, typed_name: str = "") -> str:
    """What goes in `checked_by` when this account confirms a row (the same as the change log's name)."""
    return audit_label(account, typed_name)
