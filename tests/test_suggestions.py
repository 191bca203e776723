"""Visitors' suggestions: only what they typed is stored; limits, rate limits and the size cap; review, accept and
dismiss (audited); torn lines; archiving."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from clinic_finder import cli, store, suggestions
from clinic_finder.accounts import Account, Role
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.suggestions import SuggestionLimiter, submit_suggestion

NOW = dt.datetime(2026, 11, 27, 14, 5, 37, 123456, tzinfo=dt.UTC)
MAINTAINER = Account("ann", Role.MAINTAINER, (), "$argon2id$unused")


@pytest.fixture
def table(small_csv: Path) -> pd.DataFrame:
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    return clinics


@pytest.fixture
def ids(table: pd.DataFrame) -> list[str]:
    return [str(i) for i in table["id"]]


def roomy() -> SuggestionLimiter:
    return SuggestionLimiter(per_session=1000, server_wide=1000)


def submit(csv: Path, clinic_id: str, kind: str = "hours", text: str = "Evening groups start at 6 pm now.",
           contact: str = "", session: str = "session-1", **options: object) -> suggestions.SubmitResult:
    options = {"limiter": roomy(), "now": NOW, **options}
    return submit_suggestion(csv, session, clinic_id, kind, text, contact, **options)  # type: ignore[arg-type]


def lines(csv: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in suggestions.queue_path(csv).read_text().splitlines()]


def test_a_suggestion_lands_in_the_queue_with_only_what_was_typed(small_csv: Path, ids: list[str]) -> None:
    result = submit(small_csv, ids[2], "phone", "The number is 312-555-0100.", "jo@example.org",
                    session="secret-session-id-77", known_ids=set(ids))
    assert result.status == "ok" and result.suggestion is not None
    assert "A person reads every note" in result.message and "nothing about you" in result.message
    assert suggestions.queue_path(small_csv) == small_csv.parent / "suggestions.jsonl"
    (record,) = lines(small_csv)
    assert record == {"type": "suggestion", "id": result.suggestion.id, "time": "2026-11-27T14:05Z",
                      "clinic_id": ids[2], "kind": "phone", "text": "The number is 312-555-0100.",
                      "contact": "jo@example.org"}
    assert re.fullmatch(r"[0-9a-f]{12}", record["id"])
    raw = suggestions.queue_path(small_csv).read_text()
    assert "secret-session-id-77" not in raw  # the session only counts, in memory
    assert (suggestions.queue_path(small_csv).stat().st_mode & 0o077) == 0  # contact details: owner only
    assert suggestions.open_suggestions(small_csv) == [result.suggestion]
    assert result.suggestion.kind_label() == "The phone number is wrong"


@pytest.mark.parametrize("kind", list(suggestions.KINDS))
def test_every_kind_is_accepted_with_a_label(kind: str, small_csv: Path, ids: list[str]) -> None:
    assert submit(small_csv, ids[0], kind).status == "ok"
    assert suggestions.open_suggestions(small_csv)[0].kind_label() == suggestions.KINDS[kind]


@pytest.mark.parametrize(("clinic", "kind", "text", "contact", "field"), [
    ("no-such-clinic", "hours", "x", "", "clinic_id"),  # not among the served clinics
    ("../../etc/passwd", "hours", "x", "", "clinic_id"),
    ("", "hours", "x", "", "clinic_id"),
    (None, "phone", "x", "", "kind"),  # a kind not in the list (the clinic is filled in below)
    (None, "hours", "", "", "text"),  # only 'closed' may come without text
    (None, "other", " \n\t ", "", "text"),
    (None, "hours", "x" * 1001, "", "text"),
    (None, "hours", "x", "y" * 201, "contact"),
])
def test_bad_input_is_refused_per_field_and_not_stored(clinic: str | None, kind: str, text: str, contact: str,
                                                       field: str, small_csv: Path, ids: list[str]) -> None:
    if field == "kind":
        kind = "open-at-weekends"
    result = submit(small_csv, ids[0] if clinic is None else clinic, kind, text, contact, known_ids=set(ids))
    assert result.status == "invalid" and list(result.problems) == [field]
    assert not suggestions.queue_path(small_csv).exists()


def test_length_limits_are_inclusive_and_closed_needs_no_text(small_csv: Path, ids: list[str]) -> None:
    assert submit(small_csv, ids[0], "hours", "x" * 1000, "y" * 200).status == "ok"
    assert submit(small_csv, ids[0], "closed", "").status == "ok"


def test_control_and_invisible_characters_are_removed(small_csv: Path, ids: list[str]) -> None:
    text = "Groups\x00 at \x07six\u202e pm\r\nSecond\tline\u200b\r\n\n\n\nThird <b>line</b>\x1b[31m"
    result = submit(small_csv, ids[0], "hours", text, " jo\n@example.org\u2066 \x7f")
    assert result.status == "ok"
    (record,) = lines(small_csv)
    assert record["text"] == "Groups at six pm\nSecond line\n\nThird <b>line</b>[31m"
    assert record["contact"] == "jo @example.org"
    # Markup is kept as the visitor's literal text; the page shows it as text, never as HTML.


def test_time_is_utc_to_the_minute(small_csv: Path, ids: list[str]) -> None:
    chicago = dt.timezone(dt.timedelta(hours=-6))
    submit(small_csv, ids[0], now=dt.datetime(2026, 11, 27, 8, 5, 59, tzinfo=chicago))
    assert lines(small_csv)[0]["time"] == "2026-11-27T14:05Z"


# ---- rate limits and the size cap ----


def test_a_flood_from_one_session_is_throttled(small_csv: Path, ids: list[str]) -> None:
    limiter = SuggestionLimiter(per_session=3, session_window_seconds=600, server_wide=30,
                                server_window_seconds=3600)
    results = [submit(small_csv, ids[0], session="flood", limiter=limiter, clock=1000.0 + i) for i in range(10)]
    assert [r.status for r in results] == ["ok"] * 3 + ["wait"] * 7
    assert "sent several suggestions in a short time" in results[3].message
    assert "try again in 10 minutes" in results[3].message  # the first one leaves the window at 1600
    assert len(lines(small_csv)) == 3
    assert submit(small_csv, ids[0], session="someone-else", limiter=limiter, clock=1010.0).status == "ok"
    assert submit(small_csv, ids[0], session="flood", limiter=limiter, clock=1600.5).status == "ok"
    # A form mistake does not use up one of the session's suggestions.
    assert submit(small_csv, ids[0], text="", session="careful", limiter=limiter, clock=1700.0).status == "invalid"
    assert [submit(small_csv, ids[0], session="careful", limiter=limiter, clock=1701.0 + i).status
            for i in range(3)] == ["ok"] * 3


def test_the_server_wide_limit_holds_against_new_sessions(small_csv: Path, ids: list[str]) -> None:
    limiter = SuggestionLimiter(per_session=3, server_wide=30, server_window_seconds=3600)
    statuses = [submit(small_csv, ids[0], session=f"s{i}", limiter=limiter, clock=float(i)).status
                for i in range(35)]
    assert statuses == ["ok"] * 30 + ["wait"] * 5
    result = submit(small_csv, ids[0], session="s99", limiter=limiter, clock=100.0)
    assert result.status == "wait" and "many suggestions right now" in result.message
    assert "59 minutes" in result.message  # 3600 - 100 seconds, rounded up
    assert submit(small_csv, ids[0], session="s99", limiter=limiter, clock=3600.5).status == "ok"


def test_a_visitor_reloading_for_new_sessions_cannot_use_up_everyones_share(small_csv: Path, ids: list[str]) -> None:
    """The page's own limit resets with a new session (a reload): the client's does not, so one visitor sending
    again and again cannot leave every other visitor "We are receiving many suggestions right now"."""
    limiter = SuggestionLimiter(per_session=3, per_client=6, server_wide=30, server_window_seconds=3600)
    me = suggestions.client_key("203.0.113.7", None)
    statuses = [submit(small_csv, ids[0], session=f"reload-{i}", limiter=limiter, clock=float(i), client_key=me).status
                for i in range(24)]
    assert statuses == ["ok"] * 6 + ["wait"] * 18
    assert "sent several suggestions in a short time" in submit(
        small_csv, ids[0], session="reload-99", limiter=limiter, clock=30.0, client_key=me).message
    other = suggestions.client_key("198.51.100.2", None)
    assert submit(small_csv, ids[0], session="other", limiter=limiter, clock=31.0, client_key=other).status == "ok"
    assert submit(small_csv, ids[0], session="reload-100", limiter=limiter, clock=3600.5, client_key=me).status == "ok"


@pytest.mark.parametrize(
    ("peer", "forwarded", "same_as"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "198.51.100.2", "203.0.113.7"),  # from elsewhere, the header is the visitor's own words
        (None, "10.9.9.9, 198.51.100.2", "198.51.100.2"),  # behind this app's nginx: the address it added, last
        (None, None, None),  # a browser on this machine: unknown, only the session and server limits
    ],
)
def test_the_client_key_is_a_hash_of_the_address_that_can_be_believed(
    peer: str | None, forwarded: str | None, same_as: str | None
) -> None:
    key = suggestions.client_key(peer, forwarded)
    assert key == (suggestions.client_key(same_as, None) if same_as else "")
    assert all(address not in key for address in ("203.0.113.7", "198.51.100.2"))  # never the address itself


def test_the_limiter_remembers_a_bounded_number_of_sessions() -> None:
    limiter = SuggestionLimiter(per_session=1, server_wide=10_000, max_sessions=5)
    for i in range(20):
        assert limiter.reserve(f"s{i}", now=0.0).allowed
    assert limiter.reserve("s19", now=1.0).limit == "session"  # recent sessions are remembered
    assert limiter.reserve("s0", now=1.0).allowed  # the oldest were forgotten


def test_a_full_queue_refuses_new_suggestions_with_a_clear_message(small_csv: Path, ids: list[str]) -> None:
    limiter = SuggestionLimiter(per_session=3)
    assert submit(small_csv, ids[0], limiter=limiter, max_bytes=400, clock=0.0).status == "ok"
    size = suggestions.queue_path(small_csv).stat().st_size
    result = submit(small_csv, ids[0], limiter=limiter, max_bytes=400, clock=1.0)
    assert result.status == "full" and "cannot take new suggestions right now" in result.message
    assert suggestions.queue_path(small_csv).stat().st_size == size
    # The refused one was not counted against the session: two more fit once there is room.
    assert [submit(small_csv, ids[0], limiter=limiter, clock=2.0 + i).status for i in range(3)] == ["ok", "ok",
                                                                                                   "wait"]


# ---- reading: torn lines ----


def test_a_torn_last_line_is_skipped_and_the_next_append_starts_fresh(small_csv: Path, ids: list[str]) -> None:
    first = submit(small_csv, ids[0]).suggestion
    queue = suggestions.queue_path(small_csv)
    with open(queue, "ab") as handle:  # a process killed mid-append
        handle.write(b'{"type":"suggestion","id":"deadbeef0000","time":"2026-11-27T14:05Z","clinic_id":"x","ki')
    assert suggestions.open_suggestions(small_csv) == [first]
    second = submit(small_csv, ids[1]).suggestion
    assert suggestions.open_suggestions(small_csv) == [first, second]
    raw = queue.read_bytes().split(b"\n")
    assert len(raw) == 4 and raw[-1] == b"" and raw[1].endswith(b'"ki')  # the torn line is left as it was


def test_foreign_and_malformed_lines_are_ignored(small_csv: Path, ids: list[str]) -> None:
    queue = suggestions.queue_path(small_csv)
    queue.write_text("\n".join([
        "[1, 2]", "null", '{"type": "suggestion", "id": 5}', "\u00ff garbage",
        '{"type": "resolution", "id": "nothing-here", "status": "accepted", "reason": "", "by": "x", "time": "t"}',
    ]) + "\n")
    good = submit(small_csv, ids[0]).suggestion
    assert suggestions.open_suggestions(small_csv) == [good]


# ---- review, accept, dismiss ----


def test_review_items_put_the_current_row_beside_each_suggestion(small_csv: Path, ids: list[str],
                                                                 table: pd.DataFrame) -> None:
    submit(small_csv, ids[2], "phone", "Wrong number")
    submit(small_csv, ids[3], "address", "Moved")
    gone = submit(small_csv, "clinic-that-closed", "closed", "").suggestion
    items = suggestions.review_items(MAINTAINER, small_csv, table)
    assert [i.suggestion.clinic_id for i in items] == [ids[2], ids[3], "clinic-that-closed"]
    assert list(items[0].row)[:2] == ["phone", "intake_phone"] and items[0].row["phone"] == table.loc[2, "phone"]
    assert list(items[1].row)[:5] == ["address", "address2", "city", "state", "zip"]
    assert items[1].clinic_title.startswith(str(table.loc[3, "name"]))
    assert items[2].row == {} and items[2].clinic_title == "" and items[2].suggestion == gone
    mine = Account("c", Role.CLINIC, (ids[3],))
    assert [i.suggestion.clinic_id for i in suggestions.review_items(mine, small_csv, table)] == [ids[3]]
    assert suggestions.open_count(MAINTAINER, small_csv) == 3 and suggestions.open_count(mine, small_csv) == 1
    assert suggestions.open_count_message(3) == "3 suggestions from visitors are waiting for review."
    assert suggestions.open_count_message(1) == "1 suggestion from visitors is waiting for review."
    assert suggestions.open_count_message(0) == ""


def test_dismiss_and_accept_are_recorded_in_the_queue_and_the_audit_log(small_csv: Path, ids: list[str]) -> None:
    first = submit(small_csv, ids[2], "phone", "Wrong number").suggestion
    second = submit(small_csv, ids[3], "hours", "No evening groups").suggestion
    assert first is not None and second is not None
    later = NOW + dt.timedelta(days=1)

    with pytest.raises(suggestions.ResolveRefused, match="Say why"):
        suggestions.dismiss_suggestion(small_csv, first.id, MAINTAINER, "  ")
    dismissed = suggestions.dismiss_suggestion(small_csv, first.id, MAINTAINER, "Called them: the number is right",
                                               now=later)
    assert (dismissed.status, dismissed.by, dismissed.time) == ("dismissed", "ann", "2026-11-28T14:05Z")
    accepted = suggestions.accept_suggestion(small_csv, second.id, MAINTAINER, saved_fingerprint="abc123", now=later)
    assert accepted.status == "accepted"

    assert suggestions.open_suggestions(small_csv) == []
    assert [e.status for e in suggestions.read_queue(small_csv)] == ["dismissed", "accepted"]
    assert lines(small_csv)[2] == {"type": "resolution", "id": first.id, "status": "dismissed",
                                   "reason": "Called them: the number is right", "by": "ann",
                                   "time": "2026-11-28T14:05Z"}
    audit = store.read_audit_log(small_csv)
    assert [(e["action"], e["staff"], e["account"], e["role"], e["suggestion_id"], e["clinic_id"]) for e in audit] == [
        ("suggestion dismissed", "ann", "ann", "maintainer", first.id, ids[2]),
        ("suggestion accepted", "ann", "ann", "maintainer", second.id, ids[3])]
    assert audit[0]["reason"] == "Called them: the number is right" and audit[1]["fingerprint"] == "abc123"
    assert audit[0]["time"] == "2026-11-28T14:05:37Z"
    assert "Wrong number" not in json.dumps(audit)  # the visitor's words stay in the queue
    with pytest.raises(suggestions.ResolveRefused, match="already dismissed by ann"):
        suggestions.accept_suggestion(small_csv, first.id, MAINTAINER)
    assert len(store.read_audit_log(small_csv)) == 2


def test_a_clinic_account_resolves_only_its_own_clinics_suggestions(small_csv: Path, ids: list[str]) -> None:
    mine = submit(small_csv, ids[2]).suggestion
    theirs = submit(small_csv, ids[3]).suggestion
    assert mine is not None and theirs is not None
    clinic = Account("clinic-two", Role.CLINIC, (ids[2],))
    for suggestion_id in (theirs.id, "000000000000"):
        with pytest.raises(suggestions.ResolveRefused, match="no open suggestion with this id for your clinics"):
            suggestions.dismiss_suggestion(small_csv, suggestion_id, clinic, "not ours")
    suggestions.dismiss_suggestion(small_csv, mine.id, clinic, "Fixed it in our form")
    assert [s.id for s in suggestions.open_suggestions(small_csv)] == [theirs.id]
    assert store.read_audit_log(small_csv)[-1]["account"] == "clinic-two"


def test_staff_can_still_resolve_when_the_queue_is_full(small_csv: Path, ids: list[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = submit(small_csv, ids[0]).suggestion
    assert first is not None
    monkeypatch.setattr(suggestions, "MAX_QUEUE_BYTES", suggestions.queue_path(small_csv).stat().st_size)
    assert submit(small_csv, ids[0]).status == "full"
    suggestions.dismiss_suggestion(small_csv, first.id, MAINTAINER, "duplicate")
    assert suggestions.open_suggestions(small_csv) == []


def test_archive_moves_resolved_suggestions_out_of_the_queue(small_csv: Path, ids: list[str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    done = submit(small_csv, ids[0]).suggestion
    still_open = submit(small_csv, ids[1]).suggestion
    assert done is not None and still_open is not None
    suggestions.dismiss_suggestion(small_csv, done.id, MAINTAINER, "duplicate")
    assert cli.main(["suggestions", "status", "--csv", str(small_csv)]) == 0
    assert "1 open, 1 resolved" in capsys.readouterr().out
    assert cli.main(["suggestions", "archive", "--csv", str(small_csv)]) == 0
    assert "Moved 1 resolved suggestion(s)" in capsys.readouterr().out
    assert suggestions.read_queue(small_csv) == [suggestions.QueueEntry(still_open)]
    (archive,) = small_csv.parent.glob("suggestions-archive-*.jsonl")
    assert [r["type"] for r in map(json.loads, archive.read_text().splitlines())] == ["suggestion", "resolution"]
    assert suggestions.archive_resolved(small_csv) == (0, None)
    assert not list(small_csv.parent.glob(".*.tmp"))


@pytest.mark.parametrize("processes", [2, 3, 4])
def test_processes_behind_one_address_share_the_server_wide_limit(processes: int) -> None:
    """Each `make serve` process counts suggestions in its own memory: with its share of the server-wide limit,
    new sessions taking turns between processes get no more through in an hour than one process allows."""
    one = SuggestionLimiter.share(1)
    assert one.server_wide == SuggestionLimiter().server_wide
    limiters = [SuggestionLimiter.share(processes) for _ in range(processes)]
    allowed = sum(limiters[n % processes].reserve(f"session-{n}", now=float(n)).allowed for n in range(500))
    assert 0 < allowed <= one.server_wide
    assert limiters[0].per_session == one.per_session  # a session stays on its process: its own limit is whole
