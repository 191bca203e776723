"""Accounts: the file (round trip, permissions, locking), sign-in (named and the shared password), tickets that
cannot be forged or escalated, throttling per name and server-wide, reserved before the check and capped like
the shared password's (one `auth.guarded_check`)."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from clinic_finder import PROJECT_ROOT, accounts, auth
from clinic_finder.accounts import Account, AccountError, AccountsFileError, Role
from tests.conftest import PASSWORD
from tests.test_auth import at_once, counting_verifier

KNOWN = {"clinic-a", "clinic-b", "clinic-c"}
OTHER_PASSWORD = "another long password 2"


@pytest.fixture(scope="module")
def other_hash() -> str:
    return auth.hash_password(OTHER_PASSWORD)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "clinic-finder" / "accounts.json"


@pytest.fixture
def people(path: Path, password_hash: str) -> Path:
    """An accounts file with maintainer "ann" and clinic "clinic-a-staff" (clinic-a), both with PASSWORD."""
    accounts.add_account(path, "ann", "maintainer", password_hash)
    accounts.add_account(path, "clinic-a-staff", "clinic", password_hash, ["clinic-a"], known_clinic_ids=KNOWN)
    return path


def test_default_path_is_the_env_var_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert accounts.default_accounts_path({accounts.ACCOUNTS_ENV_VAR: "/srv/x.json", "XDG_CONFIG_HOME": "/c"}) \
        == Path("/srv/x.json")
    assert accounts.default_accounts_path({"XDG_CONFIG_HOME": "/c"}) == Path("/c/clinic-finder/accounts.json")
    monkeypatch.setenv("HOME", str(tmp_path))
    # A relative XDG_CONFIG_HOME is invalid by the XDG rules and ignored.
    for environ in ({}, {"XDG_CONFIG_HOME": "relative/dir"}, {accounts.ACCOUNTS_ENV_VAR: "  "}):
        assert accounts.default_accounts_path(environ) == tmp_path / ".config" / "clinic-finder" / "accounts.json"
    # The tests' own default never points at a real home (conftest sets the variable per test).
    assert not accounts.default_accounts_path().is_relative_to(Path.home() / ".config")


def test_round_trip_file_format_and_permissions(people: Path, password_hash: str) -> None:
    listed = accounts.list_accounts(people)
    assert [(a.name, a.role, a.clinic_ids) for a in listed] == [
        ("ann", Role.MAINTAINER, ()), ("clinic-a-staff", Role.CLINIC, ("clinic-a",))]
    assert all(a.password_hash == password_hash and a.created and a.created == a.password_changed for a in listed)
    document = json.loads(people.read_text())
    assert document["version"] == 1
    assert [set(e) for e in document["accounts"]] == [
        {"name", "role", "clinic_ids", "password_hash", "created", "password_changed"}] * 2
    assert stat.S_IMODE(people.stat().st_mode) == 0o600
    assert stat.S_IMODE(people.parent.stat().st_mode) == 0o700  # the folder this module created
    assert not list(people.parent.glob(".*.tmp"))
    assert accounts.file_warnings(people) == []
    # The hash never shows: not in repr, not in the public view.
    assert password_hash not in repr(listed[0]) and "password_hash" not in listed[0].public()


def test_file_warnings_name_loose_permissions_and_a_file_inside_the_app(people: Path) -> None:
    people.chmod(0o644)
    assert "chmod 600" in accounts.file_warnings(people)[0]
    inside = PROJECT_ROOT / "tests" / "data"  # only stat'ed and resolved, never written
    assert any("inside the app's folder" in w for w in accounts.file_warnings(inside / "make_fixtures.py"))


@pytest.mark.parametrize(("name", "expected"), [
    ("ann", "ann"), (" Ann ", "ann"), ("symetria-chicago", "symetria-chicago"), ("a", "a"), ("x" * 32, "x" * 32),
])
def test_names_are_short_slugs(name: str, expected: str) -> None:
    assert accounts.check_name(name) == expected


@pytest.mark.parametrize(("name", "message"), [
    ("", "1 to 32 lowercase"), ("x" * 33, "1 to 32 lowercase"), ("-ann", "1 to 32"), ("ann-", "1 to 32"),
    ("an n", "1 to 32"), ("ann:maintainer", "1 to 32"), ("ann/../x", "1 to 32"), ("åsa", "1 to 32"),
    ("staff", "reserved"), (" STAFF", "reserved"),
])
def test_bad_names_are_refused(name: str, message: str, path: Path, password_hash: str) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_account(path, name, "maintainer", password_hash)
    assert not path.exists()


@pytest.mark.parametrize(("role", "clinics", "known", "message"), [
    ("maintainer", ["clinic-a"], KNOWN, "covers every clinic"),
    ("clinic", [], KNOWN, "at least one clinic"),
    ("clinic", ["clinic-a", "nope"], KNOWN, "No clinic in the current list has the id 'nope'"),
    ("clinic", ["clinic-a"], None, "could not be read"),
    ("owner", [], KNOWN, "must be 'maintainer' or 'clinic'"),
])
def test_roles_and_clinics_are_checked(role: str, clinics: list[str], known: set[str] | None, message: str,
                                       path: Path, password_hash: str) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_account(path, "bob", role, password_hash, clinics, known_clinic_ids=known)
    assert not path.exists()


def test_clinic_ids_keep_their_order_without_repeats(path: Path, password_hash: str) -> None:
    added = accounts.add_account(path, "bob", "clinic", password_hash, ["clinic-b", "clinic-a", "clinic-b"],
                                 known_clinic_ids=KNOWN)
    assert added.clinic_ids == ("clinic-b", "clinic-a")


def test_only_argon2id_hashes_are_stored(path: Path) -> None:
    for bad in ("hunter2 is my password", "$2b$12$bcrypt", ""):
        with pytest.raises(AccountError, match="argon2id"):
            accounts.add_account(path, "bob", "maintainer", bad)


def test_add_twice_remove_and_reset(people: Path, other_hash: str) -> None:
    with pytest.raises(AccountError, match="already an account called 'ann'"):
        accounts.add_account(people, "Ann", "maintainer", other_hash)
    before = accounts.load_accounts(people)["ann"]
    reset = accounts.reset_password(people, " ANN ", other_hash)
    assert reset.password_hash == other_hash and reset.created == before.created and reset.role is Role.MAINTAINER
    assert accounts.load_accounts(people)["ann"].password_hash == other_hash
    assert accounts.remove_account(people, "clinic-a-staff").name == "clinic-a-staff"
    assert list(accounts.load_accounts(people)) == ["ann"]
    for change in (lambda: accounts.remove_account(people, "nobody"),
                   lambda: accounts.reset_password(people, "nobody", other_hash)):
        with pytest.raises(AccountError, match="no account called 'nobody'"):
            change()


@pytest.mark.parametrize(("content", "message"), [
    (b"{not json", "not valid JSON"),
    (b'{"version": 2, "accounts": []}', "not a version 1"),
    (b'{"version": 1, "accounts": [{"name": "staff", "role": "maintainer", "clinic_ids": [], '
     b'"password_hash": "$argon2id$x"}]}', "not a valid account name"),
    (b'{"version": 1, "accounts": [{"name": "bob", "role": "clinic", "clinic_ids": [], '
     b'"password_hash": "$argon2id$x"}]}', "needs clinic ids"),
    (b'{"version": 1, "accounts": [{"name": "bob", "role": "maintainer", "clinic_ids": [], '
     b'"password_hash": "plain"}]}', "not an argon2id hash"),
    (b'{"version": 1, "accounts": [{"name": "bob", "role": "root", "clinic_ids": [], '
     b'"password_hash": "$argon2id$x"}]}', "invalid"),
])
def test_a_broken_file_is_an_error_and_is_never_overwritten(content: bytes, message: str, path: Path,
                                                             password_hash: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(AccountsFileError, match=message):
        accounts.load_accounts(path)
    with pytest.raises(AccountsFileError):
        accounts.add_account(path, "carol", "maintainer", password_hash)
    assert path.read_bytes() == content
    # The shared password still works while the file is broken; a named account fails closed.
    assert accounts.authenticate("", PASSWORD, accounts_path=path, legacy_hash=password_hash) is not None
    assert accounts.session_account("1:carol:00", "s", accounts_path=path) is None


def test_no_file_means_no_accounts(path: Path) -> None:
    assert accounts.load_accounts(path) == {} and accounts.list_accounts(path) == []
    assert not accounts.sign_in_possible(accounts_path=path)


# ---- signing in ----


@pytest.mark.parametrize("typed", ["", "staff", " Staff "])
def test_the_shared_password_signs_in_as_the_maintainer_staff(typed: str, path: Path, password_hash: str) -> None:
    account = accounts.authenticate(typed, PASSWORD, accounts_path=path, legacy_hash=password_hash)
    assert account is not None
    assert (account.name, account.role, account.legacy, account.is_maintainer) == ("staff", Role.MAINTAINER,
                                                                                   True, True)
    assert accounts.sign_in_possible(accounts_path=path, legacy_hash=password_hash)
    assert accounts.authenticate(typed, "wrong password!", accounts_path=path, legacy_hash=password_hash) is None


def test_the_shared_hash_still_comes_from_the_environment(path: Path, password_hash: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.HASH_ENV_VAR, password_hash)
    assert accounts.authenticate("", PASSWORD, accounts_path=path) is not None
    # A plain password where the hash belongs is not a password, and switches the shared sign-in off, as before.
    assert accounts.authenticate("", PASSWORD, accounts_path=path, legacy_hash=PASSWORD) is None
    monkeypatch.delenv(auth.HASH_ENV_VAR)
    assert accounts.authenticate("staff", PASSWORD, accounts_path=path) is None  # nothing configured


def test_named_accounts_sign_in_with_their_own_password(people: Path, other_hash: str) -> None:
    ann = accounts.authenticate("Ann", PASSWORD, accounts_path=people)
    assert ann is not None and ann.name == "ann" and not ann.legacy
    assert accounts.authenticate("ann", OTHER_PASSWORD, accounts_path=people) is None
    assert accounts.authenticate("nobody", PASSWORD, accounts_path=people) is None
    assert accounts.authenticate("ann", "", accounts_path=people) is None
    assert accounts.authenticate("nobody", "", accounts_path=people) is None
    # "staff" never reaches the file, even with a named account's password.
    assert accounts.authenticate("staff", PASSWORD, accounts_path=people, legacy_hash=other_hash) is None


def test_sign_in_issues_a_ticket_that_only_this_session_and_account_can_use(people: Path) -> None:
    result = accounts.sign_in("session-a", "clinic-a-staff", PASSWORD, accounts_path=people, now=1_000_000)
    assert result.status == "ok" and result.ticket and result.message() == ""
    assert result.account is not None and result.account.clinic_ids == ("clinic-a",)
    me = accounts.session_account(result.ticket, "session-a", accounts_path=people, now=1_000_010)
    assert me is not None and me.name == "clinic-a-staff" and me.role is Role.CLINIC
    assert accounts.session_account(result.ticket, "session-b", accounts_path=people, now=1_000_010) is None
    late = 1_000_000 + auth.TICKET_LIFETIME_SECONDS + 1
    assert accounts.session_account(result.ticket, "session-a", accounts_path=people, now=late) is None


def test_a_forged_or_altered_ticket_cannot_escalate(people: Path) -> None:
    result = accounts.sign_in("s", "clinic-a-staff", PASSWORD, accounts_path=people, now=1_000_000)
    assert result.ticket is not None
    issued, _name, mac = result.ticket.split(":")
    forged = [
        f"{issued}:ann:{mac}",  # the clinic's MAC under the maintainer's name
        f"{issued}:staff:{mac}",  # ... under the shared account's name
        f"{int(issued) + 60}:clinic-a-staff:{mac}",  # a later issue time
        f"{issued}:clinic-a-staff:{'0' * 64}",
        auth.issue_ticket("s", accounts.load_accounts(people)["ann"].password_hash, now=1_000_000),  # old format
        f"{issued}:clinic-a-staff",
        f"{issued}:clinic-a-staff:{mac}:maintainer",
        True, None, {"role": "maintainer"}, "",
    ]
    for ticket in forged:
        assert accounts.session_account(ticket, "s", accounts_path=people, now=1_000_010) is None, ticket
    # What a page keeps in session state besides the ticket is never consulted: the role comes from the file.
    session_state = {"staff_ticket": result.ticket, "staff_role": "maintainer", "staff_account": "ann"}
    me = accounts.session_account(session_state["staff_ticket"], "s", accounts_path=people, now=1_000_010)
    assert me is not None and me.role is Role.CLINIC and not me.is_maintainer


def test_a_ticket_dies_when_the_account_changes(people: Path, other_hash: str) -> None:
    def ticket() -> str:
        signed = accounts.sign_in("s", "clinic-a-staff", PASSWORD, accounts_path=people, now=1_000_000)
        assert signed.ticket is not None
        return signed.ticket

    def valid(t: str) -> bool:
        return accounts.session_account(t, "s", accounts_path=people, now=1_000_010) is not None

    # Its clinics change (edited by hand: there is no command for it), or its role.
    first = ticket()
    document = json.loads(people.read_text())
    document["accounts"][1]["clinic_ids"] = ["clinic-a", "clinic-b"]
    people.write_text(json.dumps(document))
    assert not valid(first)
    second = ticket()
    document["accounts"][1]["clinic_ids"] = []
    document["accounts"][1]["role"] = "maintainer"
    people.write_text(json.dumps(document))
    assert not valid(second)
    assert accounts.load_accounts(people)["clinic-a-staff"].is_maintainer
    # A password reset, and removal.
    third = ticket()
    assert valid(third)
    accounts.reset_password(people, "clinic-a-staff", other_hash)
    assert not valid(third)
    accounts.reset_password(people, "clinic-a-staff", accounts.load_accounts(people)["ann"].password_hash)
    fourth = ticket()
    accounts.remove_account(people, "clinic-a-staff")
    assert not valid(fourth)


def test_the_shared_accounts_ticket_follows_the_configured_hash(path: Path, password_hash: str,
                                                                other_hash: str) -> None:
    result = accounts.sign_in("s", "", PASSWORD, accounts_path=path, legacy_hash=password_hash, now=1_000_000)
    assert result.status == "ok" and result.ticket is not None and result.ticket.split(":")[1] == "staff"
    assert accounts.session_account(result.ticket, "s", legacy_hash=password_hash, accounts_path=path,
                                    now=1_000_010) is not None
    assert accounts.session_account(result.ticket, "s", legacy_hash=other_hash, accounts_path=path,
                                    now=1_000_010) is None
    assert accounts.session_account(result.ticket, "s", legacy_hash=None, accounts_path=path, now=1_000_010) is None


def test_wrong_passwords_are_throttled_per_name_and_server_wide(people: Path) -> None:
    throttle = auth.FailureThrottle(base_seconds=1.0, cap_seconds=60.0, window_seconds=900.0, global_allowance=3)
    names = accounts.NameThrottle(base_seconds=10.0, cap_seconds=60.0, window_seconds=900.0)

    def attempt(name: str, password: str, clock: float, failures: int = 0, last: float | None = None
                ) -> accounts.SignIn:
        return accounts.sign_in("fresh-session", name, password, failures, last, accounts_path=people,
                                throttle=throttle, name_throttle=names, clock=clock)

    wrong = attempt("ann", "guess one", 100.0)
    assert wrong.status == "wrong" and wrong.failure_time == 100.0
    assert "do not match" in wrong.message()
    # A new session for every guess does not help: the name itself now waits 10 s ...
    waiting = attempt("ann", PASSWORD, 101.0)
    assert waiting.status == "wait" and waiting.wait_seconds == pytest.approx(9.0)
    assert "Wait 9 seconds" in waiting.message()
    # ... but other names do not, until the server-wide allowance is used up.
    assert attempt("clinic-a-staff", PASSWORD, 101.0).status == "ok"
    for clock, name in ((102.0, "nobody"), (103.0, "nobody-else"), (104.0, "x")):  # unknown names count too
        assert attempt(name, "guess", clock).status == "wrong"
    assert attempt("clinic-a-staff", PASSWORD, 104.5).status == "wait"
    # After the waits, the right password works and clears the name's failures.
    assert attempt("ann", PASSWORD, 200.0).status == "ok"
    assert names.wait_seconds("ann", 200.0) == 0.0


def test_the_session_throttle_still_applies(people: Path) -> None:
    throttle = auth.FailureThrottle(base_seconds=30.0)
    result = accounts.sign_in("s", "ann", PASSWORD, 1, 100.0, accounts_path=people, throttle=throttle,
                              name_throttle=accounts.NameThrottle(), clock=110.0)
    assert result.status == "wait" and result.wait_seconds == pytest.approx(20.0)


def test_name_throttle_remembers_a_bounded_number_of_names() -> None:
    names = accounts.NameThrottle(base_seconds=100.0, max_names=3)
    for i in range(10):
        names.record_failure(f"guess-{i}", now=float(i))
    # The three most recent names are remembered (still waiting); older ones were forgotten.
    assert [names.wait_seconds(f"guess-{i}", 10.0) > 0 for i in range(10)] == [False] * 7 + [True] * 3


def test_audit_label_names_the_account() -> None:
    ann = Account("ann", Role.MAINTAINER, (), "h")
    staff = Account("staff", Role.MAINTAINER, (), "h", legacy=True)
    assert accounts.audit_label(ann, "Someone Else") == "ann"
    assert accounts.audit_label(staff, "  Ann   Lee ") == "staff (Ann Lee)"
    assert accounts.audit_label(staff) == "staff"
    assert Account("c", Role.CLINIC, ("clinic-a",), "h").may_edit("clinic-a")
    assert not Account("c", Role.CLINIC, ("clinic-a",), "h").may_edit("clinic-b")
    assert ann.may_edit("anything") and ann.scope() == "*"


# ---- the same guarded check as the shared password (auth.guarded_check) ----


def test_thirty_concurrent_wrong_passwords_check_at_most_the_allowance(people: Path) -> None:
    """30 fresh sessions guessing at the same moment, each at another name: the failures are counted before the
    (slow) checks, so the server-wide allowance holds however the guesses overlap."""
    # Delays of minutes: whatever the machine's speed, every guess falls within the wait of the ones before.
    throttle = auth.FailureThrottle(global_allowance=20, base_seconds=600.0)
    names = accounts.NameThrottle(base_seconds=600.0)
    verify, counts = counting_verifier()
    slots = threading.BoundedSemaphore(30)  # no cap here: this test is about the throttle
    guessed = iter([f"guess-{n}" for n in range(29)] + ["ann"])
    lock = threading.Lock()

    def attempt() -> accounts.SignIn:
        with lock:
            name = next(guessed)
        return accounts.sign_in("fresh", name, "guess", accounts_path=people, throttle=throttle,
                                name_throttle=names, verify=verify, slots=slots)

    outcomes = at_once(30, attempt)
    assert counts["checks"] <= throttle.global_allowance + 1, f"{counts['checks']} passwords were checked"
    statuses = [o.status for o in outcomes]
    assert statuses.count("wrong") == counts["checks"] and statuses.count("wait") == 30 - counts["checks"]
    assert len(throttle._failures) == counts["checks"]  # an attempt told to wait is not counted


def test_thirty_concurrent_guesses_at_one_name_check_one(people: Path) -> None:
    throttle = auth.FailureThrottle(global_allowance=100)
    names = accounts.NameThrottle(base_seconds=600.0)
    verify, counts = counting_verifier()
    outcomes = at_once(30, lambda: accounts.sign_in("fresh", "ann", "guess", accounts_path=people,
                                                    throttle=throttle, name_throttle=names, verify=verify,
                                                    slots=threading.BoundedSemaphore(30)))
    assert counts["checks"] == 1
    assert sorted(o.status for o in outcomes) == ["wait"] * 29 + ["wrong"]
    assert len(throttle._failures) == 1


def test_concurrent_checks_are_capped_and_busy_counts_nothing(people: Path) -> None:
    throttle = auth.FailureThrottle(global_allowance=100, base_seconds=600.0)
    names = accounts.NameThrottle(base_seconds=600.0)
    cap = threading.BoundedSemaphore(2)
    turned_away = threading.Condition()
    state = {"busy": 0, "checks": 0, "running": 0, "most_at_once": 0}
    guessed = iter(f"guess-{n}" for n in range(10))
    tried: list[str] = []

    def verify(password: str, password_hash: str) -> bool:
        # Each check holds its slot until the eight other guesses have been told "busy".
        with turned_away:
            state["checks"] += 1
            state["running"] += 1
            state["most_at_once"] = max(state["most_at_once"], state["running"])
            turned_away.wait_for(lambda: state["busy"] == 8, timeout=60)
            state["running"] -= 1
        return False

    def attempt() -> accounts.SignIn:
        with turned_away:
            name = next(guessed)
            tried.append(name)
        result = accounts.sign_in("fresh", name, "guess", accounts_path=people, throttle=throttle,
                                  name_throttle=names, verify=verify, slots=cap, busy_wait_seconds=0.1)
        if result.status == "busy":
            with turned_away:
                state["busy"] += 1
                turned_away.notify_all()
        return result

    outcomes = at_once(10, attempt)
    assert state["most_at_once"] == 2
    assert sorted(o.status for o in outcomes) == ["busy"] * 8 + ["wrong"] * 2
    assert state["checks"] == 2 == len(throttle._failures)
    # Nothing was checked for a "busy" attempt: its name is not slowed down either.
    assert sum(names.wait_seconds(name) > 0 for name in tried) == 2
    busy = next(o for o in outcomes if o.status == "busy")
    assert "busy" in busy.message() and "moment" in busy.message()


def test_the_real_argon2_check_runs_within_the_cap(people: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a stand-in: the default check is argon2's, inside the process-wide slots."""
    seen: list[int] = []
    real = auth.verify_password

    def watching(password: str, password_hash: str) -> bool:
        seen.append(auth._CHECK_SLOTS._value)  # type: ignore[attr-defined]  # slots left while checking
        return real(password, password_hash)

    monkeypatch.setattr(auth, "verify_password", watching)
    assert accounts.sign_in("s", "ann", PASSWORD, accounts_path=people).status == "ok"
    assert seen == [auth.MAX_CONCURRENT_CHECKS - 1]


def test_a_broken_accounts_file_counts_no_failure(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    throttle = auth.FailureThrottle()
    names = accounts.NameThrottle()
    with pytest.raises(AccountsFileError):
        accounts.sign_in("s", "ann", PASSWORD, accounts_path=path, throttle=throttle, name_throttle=names)
    assert len(throttle._failures) == 0 and names.wait_seconds("ann") == 0


@pytest.mark.parametrize("processes", [2, 3])
def test_guesses_at_one_name_spread_over_processes_wait_about_as_long_as_on_one(processes: int) -> None:
    """Each `make serve` process counts a name's failures in its own memory: with its share (delays and window
    multiplied) an attacker taking turns between processes gets about one process's guesses at a name (within
    6%: the delays do not divide exactly); without, K times as many."""

    def checked(throttles: list[accounts.NameThrottle]) -> int:
        count, moment, turn = 0, 0.0, 0
        while moment < 3 * 3600:
            count += throttles[turn % len(throttles)].reserve("Ann", now=moment)[1] is not None
            moment, turn = moment + 0.5, turn + 1
        return count

    one = checked([accounts.NameThrottle.share(1)])
    shared = checked([accounts.NameThrottle.share(processes) for _ in range(processes)])
    unshared = checked([accounts.NameThrottle() for _ in range(processes)])
    assert shared <= 1.06 * one and one < 0.6 * unshared, (shared, one, unshared)
