"""Visitors' "suggest a correction": an append-only queue beside the clinics CSV, and its review by staff.

The queue is `suggestions.jsonl` beside the clinics CSV, one JSON object per line, only ever appended to
(under the cross-process lock `suggestions.jsonl.lock`, each line fsynced). Two kinds of line:

    {"type": "suggestion", "id": "3f9a0c2b7d41", "time": "2026-11-27T14:05Z", "clinic_id": "...",
     "kind": "hours", "text": "...", "contact": "..."}
    {"type": "resolution", "id": "3f9a0c2b7d41", "status": "dismissed", "reason": "...", "by": "ann",
     "time": "2026-11-28T09:12Z"}

A suggestion holds only what the visitor chose or typed, plus an id and the time to the minute (UTC): no IP
address, no search, no user agent, no session. Text is cleaned (control and invisible direction characters
removed, line breaks kept in the text, none in the contact) and limited in length; the file is limited in
size (new suggestions are refused when it is full; staff can still resolve). Submissions are rate-limited
per session, per client (a hash of the visitor's address, so reloading the page for a new session does not
reset it, and one visitor cannot use up everyone's share) and server-wide (in memory only, forgotten after an
hour: each server process counts its own visitors, and with several processes each takes its share of the
server-wide limit, `SuggestionLimiter.share`).

A process killed while appending can leave a torn last line: readers skip any line that is not a complete
record, and the next append starts on a fresh line, so earlier suggestions are never affected.

Staff resolve a suggestion by appending a resolution line ("accepted": the correction was made with a normal
save; "dismissed": with a reason); each resolution also goes into the clinics audit log. Suggestion text is
visitors' words: show it as plain text (st.text, or escaped), never as Markdown or HTML.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import secrets
import threading
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import filelock
import pandas as pd

from clinic_finder import files, server_processes, store
from clinic_finder.accounts import Account, audit_label
from clinic_finder.diff import cell_text
from clinic_finder.forms import clinic_title
from clinic_finder.i18n import N_, _, ngettext
from clinic_finder.schema import BIDI_CONTROLS, COLUMNS, ID_PATTERN

KINDS: dict[str, str] = {
    "closed": N_("The clinic has closed, or no longer runs this program"),
    "phone": N_("The phone number is wrong"),
    "address": N_("The address is wrong"),
    "hours": N_("The hours or group times are wrong"),
    "services": N_("The services, payment or who can attend are wrong"),
    "other": N_("Something else"),
}
# The columns to show first beside a suggestion of each kind (the rest of the row follows).
RELEVANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "closed": ("name", "site", "phone", "website", "accepting_new_patients"),
    "phone": ("phone", "intake_phone"),
    "address": ("address", "address2", "city", "state", "zip"),
    "hours": ("evening", "morning", "virtual", "notes"),
    "services": ("iop", "buprenorphine", "naltrexone", "vivitrol", "methadone", "mental_health", "medicaid",
                 "private_insurance", "sliding_fee", "spanish"),
    "other": ("name", "phone", "address", "city", "notes"),
}
STATUS_LABELS: dict[str, str] = {"open": N_("open"), "accepted": N_("accepted"), "dismissed": N_("dismissed")}
MAX_TEXT_CHARS = 1000
MAX_CONTACT_CHARS = 200
MAX_REASON_CHARS = 300
MAX_QUEUE_BYTES = 5 * 1024 * 1024  # ~5,000 typical suggestions; a worst-case flood at 30/hour takes days
RESOLUTION_HEADROOM_BYTES = 1024 * 1024  # resolutions may go past a full queue by this much
LOCK_TIMEOUT_SECONDS = 10.0

FORM_LABELS: dict[str, str] = {
    "title": N_("Suggest a correction"),
    "kind": N_("What is wrong?"),
    "text": N_("What should it say? (optional for a closed clinic)"),
    "text_help": N_("Please do not write anything about your health or anyone's treatment."),
    "contact": N_("Your phone or email (optional)"),
    "contact_help": N_("Only if you are happy for us to ask you about this correction. We use it for nothing "
                       "else and never show it to the public."),
    "submit": N_("Send"),
}
THANKS = N_(
    "Thank you. Your note goes to the people who keep this list, not to the clinic and not to the public. A "
    "person reads every note; when they can confirm it (often by calling the clinic), they correct the "
    "listing. We keep only what you typed: nothing about you, your device or your search. If you need help "
    "today, call the clinic directly."
)

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\ufeff\ud800-\udfff]")


class InvalidSuggestion(ValueError):
    """The visitor's input cannot be queued as it is; `problems` maps each form field to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


class QueueFull(RuntimeError):
    """The queue file has reached its size limit; nothing was written."""


class ResolveRefused(ValueError):
    """The suggestion cannot be resolved by this account (unknown, already resolved, not its clinic, ...)."""


@dataclass(frozen=True)
class Suggestion:
    """One visitor's note about one clinic: only what they chose or typed, an id, and the minute it came."""

    id: str
    time: str  # UTC to the minute, "2026-11-27T14:05Z"
    clinic_id: str
    kind: str  # one of KINDS
    text: str
    contact: str = ""

    def kind_label(self) -> str:
        """The kind in words, translated."""
        return _(KINDS.get(self.kind, KINDS["other"]))

    def record(self) -> dict[str, str]:
        """The JSON line's content."""
        return {"type": "suggestion", "id": self.id, "time": self.time, "clinic_id": self.clinic_id,
                "kind": self.kind, "text": self.text, "contact": self.contact}


@dataclass(frozen=True)
class Resolution:
    """What staff did with a suggestion."""

    id: str  # the suggestion's id
    status: Literal["accepted", "dismissed"]
    reason: str
    by: str  # the account (audit label) that resolved it
    time: str  # UTC to the minute

    def record(self) -> dict[str, str]:
        """The JSON line's content."""
        return {"type": "resolution", "id": self.id, "status": self.status, "reason": self.reason, "by": self.by,
                "time": self.time}


@dataclass(frozen=True)
class QueueEntry:
    """A suggestion and, once staff have dealt with it, its resolution."""

    suggestion: Suggestion
    resolution: Resolution | None = None

    @property
    def status(self) -> str:
        """"open", "accepted" or "dismissed"."""
        return "open" if self.resolution is None else self.resolution.status


# ---- paths and times ----


def queue_path(csv_path: str | Path) -> Path:
    """The suggestions queue, beside the clinics CSV."""
    return Path(csv_path).parent / "suggestions.jsonl"


def _lock_path(csv_path: str | Path) -> Path:
    path = queue_path(csv_path)
    return path.with_name(path.name + ".lock")


def minute_stamp(now: dt.datetime | None = None) -> str:
    """UTC time to the minute, e.g. "2026-11-27T14:05Z" (no finer: it is all a reviewer needs)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


# ---- cleaning what visitors type ----


def clean_text(value: object, *, multiline: bool) -> str:
    """Visitor text without control or invisible direction characters; one line unless `multiline`."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = BIDI_CONTROLS.sub("", _CONTROLS.sub("", text))
    if not multiline:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def new_suggestion(clinic_id: str, kind: str, text: str, contact: str = "", *,
                   known_ids: Collection[str] | None = None, now: dt.datetime | None = None) -> Suggestion:
    """A checked, cleaned suggestion; raise InvalidSuggestion with a message per field otherwise."""
    problems: dict[str, str] = {}
    clinic = str(clinic_id or "")
    if not ID_PATTERN.fullmatch(clinic) or (known_ids is not None and clinic not in known_ids):
        problems["clinic_id"] = _("This clinic is not in the list any more; reload the page.")
    if kind not in KINDS:
        problems["kind"] = _("Choose what is wrong.")
    cleaned_text = clean_text(text, multiline=True)
    cleaned_contact = clean_text(contact, multiline=False)
    if len(cleaned_text) > MAX_TEXT_CHARS:
        problems["text"] = _("Please keep it under {limit} characters (this has {count}).").format(
            limit=MAX_TEXT_CHARS, count=len(cleaned_text))
    elif not cleaned_text and kind != "closed":
        problems["text"] = _("Say what is wrong, or what it should say.")
    if len(cleaned_contact) > MAX_CONTACT_CHARS:
        problems["contact"] = _("Please keep it under {limit} characters.").format(limit=MAX_CONTACT_CHARS)
    if problems:
        raise InvalidSuggestion(problems)
    return Suggestion(secrets.token_hex(6), minute_stamp(now), clinic, kind, cleaned_text, cleaned_contact)


# ---- the file ----


def _append_record(path: Path, record: Mapping[str, str], limit_bytes: int) -> None:
    """Append one JSON line and fsync it; call only while holding the queue lock. Raise QueueFull past the limit."""
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0600: contact details are personal data; only the app's own user reads the queue.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)  # read: the last byte
    try:
        size = os.fstat(descriptor).st_size
        if size + len(line) > limit_bytes:
            raise QueueFull(_("The suggestions queue is full."))
        if size > 0 and os.pread(descriptor, 1, size - 1) != b"\n":
            line = b"\n" + line  # a process killed mid-append left a torn line: start ours on a fresh one
        written = 0
        while written < len(line):
            written += os.write(descriptor, line[written:])
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if size == 0:
        files.fsync_dir(path.parent)  # a new file: make its name durable too


def _parse_lines(data: bytes) -> list[dict[str, Any]]:
    records = []
    for raw in data.split(b"\n"):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # a torn line (process killed mid-append) or a stray edit
        if isinstance(record, dict):
            records.append(record)
    return records


def _strings(record: Mapping[str, Any], *keys: str) -> bool:
    return all(isinstance(record.get(k), str) for k in keys)


def _entries(records: list[dict[str, Any]]) -> list[QueueEntry]:
    suggestions: dict[str, Suggestion] = {}
    resolutions: dict[str, Resolution] = {}
    for r in records:
        if r.get("type") == "suggestion" and _strings(r, "id", "time", "clinic_id", "kind", "text", "contact"):
            suggestions.setdefault(r["id"], Suggestion(r["id"], r["time"], r["clinic_id"],
                                                       r["kind"] if r["kind"] in KINDS else "other", r["text"],
                                                       r["contact"]))
        elif r.get("type") == "resolution" and _strings(r, "id", "status", "reason", "by", "time") \
                and r["status"] in ("accepted", "dismissed") and r["id"] in suggestions:
            resolutions.setdefault(r["id"], Resolution(r["id"], r["status"], r["reason"], r["by"], r["time"]))
    return [QueueEntry(s, resolutions.get(s.id)) for s in suggestions.values()]


_CACHE: dict[Path, tuple[tuple[int, int, int], list[QueueEntry]]] = {}
_CACHE_LOCK = threading.Lock()


def read_queue(csv_path: str | Path) -> list[QueueEntry]:
    """Every suggestion with its resolution, oldest first; torn or foreign lines are skipped."""
    # Cached on (mtime, size, inode): the Staff page counts open suggestions on every run.
    path = queue_path(csv_path)
    key = files.version(path)
    if key is None:
        return []
    with _CACHE_LOCK:
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == key:
            return list(cached[1])
    try:
        entries = _entries(_parse_lines(path.read_bytes()))
    except FileNotFoundError:
        return []
    with _CACHE_LOCK:
        _CACHE[path] = (key, entries)
    return list(entries)


def open_suggestions(csv_path: str | Path, clinic_ids: Collection[str] | None = None) -> list[Suggestion]:
    """Suggestions not yet accepted or dismissed, oldest first; only about `clinic_ids` when given."""
    return [e.suggestion for e in read_queue(csv_path)
            if e.resolution is None and (clinic_ids is None or e.suggestion.clinic_id in clinic_ids)]


def open_suggestions_for(account: Account, csv_path: str | Path) -> list[Suggestion]:
    """The open suggestions this account reviews: all for maintainers, its own clinics' for a clinic."""
    return open_suggestions(csv_path, None if account.is_maintainer else account.clinic_ids)


def open_count(account: Account, csv_path: str | Path) -> int:
    """How many open suggestions this account has to review (for the Staff page)."""
    return len(open_suggestions_for(account, csv_path))


def open_count_message(count: int) -> str:
    """"3 suggestions from visitors are waiting for review", translated; "" when there are none."""
    if count == 0:
        return ""
    return ngettext("{count} suggestion from visitors is waiting for review.",
                    "{count} suggestions from visitors are waiting for review.", count).format(count=count)


# ---- visitors submitting ----


@dataclass(frozen=True)
class Reservation:
    """A rate limiter's answer: allowed (`moment` set, to take it back) or how long to wait, and which limit."""

    wait_seconds: float
    limit: str  # "" when allowed, else "session" or "server"
    moment: float | None  # the time counted, when allowed

    @property
    def allowed(self) -> bool:
        return self.moment is not None


class SuggestionLimiter:
    """At most `per_session` suggestions per session per `session_window_seconds`, `per_client` per client per
    `client_window_seconds` (a client key: a hash of the visitor's address, or "" when unknown), and `server_wide`
    per hour."""

    # In memory only (session keys are never written anywhere). Times are monotonic seconds; pass `now`
    # in tests. At most `max_sessions` sessions are remembered (oldest forgotten first).

    def __init__(self, per_session: int = 3, session_window_seconds: float = 600.0, server_wide: int = 30,
                 server_window_seconds: float = 3600.0, max_sessions: int = 10_000, per_client: int = 6,
                 client_window_seconds: float = 3600.0) -> None:
        self.per_session = per_session
        self.session_window_seconds = session_window_seconds
        self.per_client = per_client
        self.client_window_seconds = client_window_seconds
        self._clients: OrderedDict[str, deque[float]] = OrderedDict()
        self.server_wide = server_wide
        self.server_window_seconds = server_window_seconds
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, deque[float]] = OrderedDict()
        self._server: deque[float] = deque()
        self._lock = threading.Lock()

    @classmethod
    def share(cls, processes: int) -> SuggestionLimiter:
        """This process's share when `processes` count apart (make serve): the server-wide limit divided among
        them (a session stays on one process, so its own limit is whole)."""
        return cls(server_wide=max(1, cls().server_wide // processes))

    @staticmethod
    def _prune(times: deque[float], oldest: float) -> None:
        while times and times[0] <= oldest:
            times.popleft()

    def reserve(self, session_key: str, now: float | None = None, client_key: str = "") -> Reservation:
        """Count one suggestion if every limit allows it now; otherwise count nothing and say how long to wait."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            mine = self._sessions.get(session_key, deque())
            self._prune(mine, moment - self.session_window_seconds)
            client = self._clients.get(client_key, deque()) if client_key else deque()
            self._prune(client, moment - self.client_window_seconds)
            self._prune(self._server, moment - self.server_window_seconds)
            if len(mine) >= self.per_session:
                return Reservation(mine[0] + self.session_window_seconds - moment, "session", None)
            if len(client) >= self.per_client:
                return Reservation(client[0] + self.client_window_seconds - moment, "session", None)
            if len(self._server) >= self.server_wide:
                return Reservation(self._server[0] + self.server_window_seconds - moment, "server", None)
            mine.append(moment)
            self._server.append(moment)
            self._remember(self._sessions, session_key, mine)
            if client_key:
                client.append(moment)
                self._remember(self._clients, client_key, client)
        return Reservation(0.0, "", moment)

    def _remember(self, table: OrderedDict[str, deque[float]], key: str, times: deque[float]) -> None:
        table[key] = times
        table.move_to_end(key)
        while len(table) > self.max_sessions:
            table.popitem(last=False)

    def release(self, session_key: str, moment: float, client_key: str = "") -> None:
        """Take back a reservation whose suggestion was not stored (e.g. the queue was full)."""
        with self._lock:
            with contextlib.suppress(ValueError):
                self._server.remove(moment)
            with contextlib.suppress(ValueError, KeyError):
                self._sessions[session_key].remove(moment)
            with contextlib.suppress(ValueError, KeyError):
                self._clients[client_key].remove(moment)

    def reset(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._sessions.clear()
            self._clients.clear()
            self._server.clear()


def client_key(peer_address: str | None, forwarded_for: str | None) -> str:
    """Who is sending, for the rate limit only: a hash of the visitor's address, never the address ("" if unknown).

    `peer_address` is the connection's (None when it comes from this machine: a browser here, or this app's own
    nginx in front, `make serve`). Only then is `forwarded_for` believed, and only its last address, the one
    nginx itself added; from anywhere else the header is the visitor's own words."""
    address = peer_address if isinstance(peer_address, str) else None  # (Streamlit's test runner gives a mock)
    if address is None and isinstance(forwarded_for, str) and forwarded_for:
        address = forwarded_for.split(",")[-1].strip()
    if not address:
        return ""
    return hashlib.blake2b(address.encode(), key=_CLIENT_SALT, digest_size=12).hexdigest()


# Random for each server process, which keeps its own limits: a key cannot be turned back into an address by
# trying them all (there are only 2**32 IPv4 addresses).
_CLIENT_SALT = secrets.token_bytes(16)


LIMITER = SuggestionLimiter.share(server_processes())  # shared by every session of this server process


@dataclass(frozen=True)
class SubmitResult:
    """What became of a visitor's suggestion, and what to tell them."""

    status: Literal["ok", "invalid", "wait", "full", "unavailable"]
    message: str  # translated, for the visitor
    problems: Mapping[str, str] = field(default_factory=dict)  # for "invalid": form field -> what is wrong
    suggestion: Suggestion | None = None  # for "ok"


def append_suggestion(csv_path: str | Path, suggestion: Suggestion, *, max_bytes: int | None = None,
                      lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> None:
    """Append a suggestion to the queue (locked, fsynced); QueueFull past `max_bytes` (MAX_QUEUE_BYTES)."""
    limit = MAX_QUEUE_BYTES if max_bytes is None else max_bytes
    with filelock.FileLock(str(_lock_path(csv_path)), timeout=lock_timeout_seconds):
        _append_record(queue_path(csv_path), suggestion.record(), limit)


def _wait_message(reservation: Reservation) -> str:
    minutes = max(1, math.ceil(reservation.wait_seconds / 60))
    if reservation.limit == "session":
        text = ngettext("You have sent several suggestions in a short time. Please try again in {n} minute.",
                        "You have sent several suggestions in a short time. Please try again in {n} minutes.",
                        minutes)
    else:
        text = ngettext("We are receiving many suggestions right now. Please try again in {n} minute.",
                        "We are receiving many suggestions right now. Please try again in {n} minutes.", minutes)
    return text.format(n=minutes)


def submit_suggestion(csv_path: str | Path, session_key: str, clinic_id: str, kind: str, text: str,
                      contact: str = "", *, known_ids: Collection[str] | None = None,
                      limiter: SuggestionLimiter | None = None, max_bytes: int | None = None,
                      now: dt.datetime | None = None, clock: float | None = None, client_key: str = "") -> SubmitResult:
    """Check, rate-limit and queue a visitor's suggestion; never raises for anything a visitor can cause."""
    # `session_key` (the page's session id) and `client_key` (`client_key()`) are used only in memory, for the
    # rate limit; `known_ids` are the
    # ids of the clinics being served. `now` (UTC) and `clock` (monotonic seconds) are for tests. A mistake
    # in the form does not use up one of the session's suggestions; a full queue does not either.
    limiter = LIMITER if limiter is None else limiter
    try:
        suggestion = new_suggestion(clinic_id, kind, text, contact, known_ids=known_ids, now=now)
    except InvalidSuggestion as invalid:
        return SubmitResult("invalid", _("Please check the form."), invalid.problems)
    reservation = limiter.reserve(session_key, clock, client_key)
    if reservation.moment is None:
        return SubmitResult("wait", _wait_message(reservation))
    try:
        append_suggestion(csv_path, suggestion, max_bytes=max_bytes)
    except QueueFull:
        limiter.release(session_key, reservation.moment, client_key)
        return SubmitResult("full", _("We cannot take new suggestions right now because too many are waiting to "
                                      "be read. Please try again in a few days, or tell the clinic directly."))
    except (filelock.Timeout, OSError):
        limiter.release(session_key, reservation.moment, client_key)
        return SubmitResult("unavailable", _("Your suggestion could not be saved just now. Please try again in a "
                                             "few minutes."))
    return SubmitResult("ok", _(THANKS), suggestion=suggestion)


# ---- staff reviewing ----


@dataclass(frozen=True)
class ReviewItem:
    """A suggestion beside the clinic's current row, for the review queue."""

    suggestion: Suggestion
    kind_label: str  # translated
    clinic_title: str  # "" when the clinic is no longer in the list
    row: dict[str, str]  # column -> current value as text; the kind's relevant columns first; {} if gone
    relevant: tuple[str, ...]  # the columns to show first for this kind


def review_items(account: Account, csv_path: str | Path, clinics: pd.DataFrame | None) -> list[ReviewItem]:
    """The open suggestions this account reviews, each with the clinic's current row, oldest first."""
    rows: dict[str, dict[str, Any]] = {}
    if clinics is not None:
        rows = {str(r["id"]): r for r in clinics.to_dict(orient="records")}
    items = []
    for suggestion in open_suggestions_for(account, csv_path):
        record = rows.get(suggestion.clinic_id)
        relevant = RELEVANT_COLUMNS.get(suggestion.kind, ())
        ordered = [*relevant, *(c for c in COLUMNS if c not in relevant)]
        row = {c: cell_text(c, record.get(c)) for c in ordered} if record is not None else {}
        items.append(ReviewItem(suggestion, suggestion.kind_label(), clinic_title(record) if record else "", row,
                                relevant))
    return items


def _log_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def resolve_suggestion(csv_path: str | Path, suggestion_id: str, status: Literal["accepted", "dismissed"],
                       account: Account, *, reason: str = "", typed_name: str = "", saved_fingerprint: str = "",
                       now: dt.datetime | None = None,
                       lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> Resolution:
    """Record what staff did with a suggestion, in the queue and in the clinics audit log."""
    # Raises ResolveRefused (unknown or already resolved, not this account's clinic, dismissal without a
    # reason), QueueFull, or store.SaveBusy. The audit line is written first: if anything fails between the
    # two, the log has a line too many (harmless), never a resolution it does not show.
    if status not in ("accepted", "dismissed"):
        raise ResolveRefused(_("A suggestion is either accepted or dismissed."))
    cleaned_reason = clean_text(reason, multiline=False)
    if len(cleaned_reason) > MAX_REASON_CHARS:
        raise ResolveRefused(_("Please keep the reason under {limit} characters.").format(limit=MAX_REASON_CHARS))
    if status == "dismissed" and not cleaned_reason:
        raise ResolveRefused(_("Say why you dismiss it (it goes in the change log)."))
    moment = now or dt.datetime.now(dt.UTC)
    by = audit_label(account, typed_name)
    try:
        return _resolve_locked(csv_path, str(suggestion_id), status, account, cleaned_reason, by, saved_fingerprint,
                               moment, lock_timeout_seconds)
    except filelock.Timeout:
        raise store.SaveBusy(_("The suggestions queue is busy; nothing was recorded. Try again in a minute.")) \
            from None


def _resolve_locked(csv_path: str | Path, suggestion_id: str, status: Literal["accepted", "dismissed"],
                    account: Account, cleaned_reason: str, by: str, saved_fingerprint: str, moment: dt.datetime,
                    lock_timeout_seconds: float) -> Resolution:
    with filelock.FileLock(str(_lock_path(csv_path)), timeout=lock_timeout_seconds):
        entries = {e.suggestion.id: e for e in _entries(_parse_lines(_read_or_empty(queue_path(csv_path))))}
        entry = entries.get(suggestion_id)
        if entry is None or not account.may_edit(entry.suggestion.clinic_id):
            # The same answer for both: a clinic account learns nothing about other clinics' suggestions.
            raise ResolveRefused(_("There is no open suggestion with this id for your clinics."))
        if entry.resolution is not None:
            raise ResolveRefused(_("This suggestion was already {status} by {by}.").format(
                status=_(STATUS_LABELS[entry.resolution.status]), by=entry.resolution.by))
        resolution = Resolution(entry.suggestion.id, status, cleaned_reason, by, minute_stamp(moment))
        audit = {"time": _log_time(moment), "staff": by, "action": f"suggestion {status}",
                 "account": account.name, "role": account.role.value, "suggestion_id": entry.suggestion.id,
                 "clinic_id": entry.suggestion.clinic_id, "kind": entry.suggestion.kind, "reason": cleaned_reason}
        if saved_fingerprint:
            audit["fingerprint"] = saved_fingerprint  # the save that made the correction
        store.append_audit_entry(csv_path, audit)
        _append_record(queue_path(csv_path), resolution.record(), MAX_QUEUE_BYTES + RESOLUTION_HEADROOM_BYTES)
    return resolution


def accept_suggestion(csv_path: str | Path, suggestion_id: str, account: Account, *, note: str = "",
                      typed_name: str = "", saved_fingerprint: str = "", now: dt.datetime | None = None) -> Resolution:
    """Mark a suggestion accepted, after the correction was saved (pass that save's fingerprint)."""
    return resolve_suggestion(csv_path, suggestion_id, "accepted", account, reason=note, typed_name=typed_name,
                              saved_fingerprint=saved_fingerprint, now=now)


def dismiss_suggestion(csv_path: str | Path, suggestion_id: str, account: Account, reason: str, *,
                       typed_name: str = "", now: dt.datetime | None = None) -> Resolution:
    """Mark a suggestion dismissed, with the reason (required), e.g. "called the clinic: the number is right"."""
    return resolve_suggestion(csv_path, suggestion_id, "dismissed", account, reason=reason, typed_name=typed_name,
                              now=now)


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


# ---- the maintainer making room ----


def archive_resolved(csv_path: str | Path, now: dt.datetime | None = None,
                     lock_timeout_seconds: float = LOCK_TIMEOUT_SECONDS) -> tuple[int, Path | None]:
    """Move resolved suggestions to `suggestions-archive-<UTC time>.jsonl`; returns (how many, the archive)."""
    # The one time the queue file is rewritten: under the lock, archive first (written and fsynced), then
    # the queue with only the open suggestions, each by temp file + fsync + rename, so a crash at any point
    # leaves every suggestion in the queue, the archive or both, never in neither.
    path = queue_path(csv_path)
    with filelock.FileLock(str(_lock_path(csv_path)), timeout=lock_timeout_seconds):
        records = _parse_lines(_read_or_empty(path))
        entries = _entries(records)
        resolved = {e.suggestion.id for e in entries if e.resolution is not None}
        if not resolved:
            return 0, None
        moving = [r for r in records if r.get("id") in resolved]
        keeping = [r for r in records if r.get("type") == "suggestion" and r.get("id") not in resolved]
        stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        archive = path.with_name(f"suggestions-archive-{stamp}.jsonl")
        counter = 1
        while archive.exists():
            archive = path.with_name(f"suggestions-archive-{stamp}-{counter}.jsonl")
            counter += 1
        _write_lines(archive, moving)
        _write_lines(path, keeping)
    return len(resolved), archive


def _write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records).encode()
    files.write_atomically(path, data)
