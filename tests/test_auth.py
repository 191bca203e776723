"""Password hashes, where the hash comes from, session-bound tickets, the failure throttle, hash-password."""

from __future__ import annotations

import pytest

from clinic_finder import auth, cli
from tests.conftest import PASSWORD


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
