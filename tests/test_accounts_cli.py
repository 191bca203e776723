"""`python -m clinic_finder user add|list|reset|remove` as a maintainer runs it: passwords in, never hashes out."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from clinic_finder import accounts, cli
from clinic_finder.csvfile import read_clinics_csv
from tests.conftest import PASSWORD, ROOT

NEW_PASSWORD = "a brand new password"


def user(*args: str, password: str | None = None, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinic_finder", "user", *args], input=password, capture_output=True,
                          text=True, cwd=ROOT, check=False, env={**os.environ, **(env or {})})


def ids(csv: Path) -> list[str]:
    clinics = read_clinics_csv(csv).clinics
    assert clinics is not None
    return [str(i) for i in clinics["id"]]


def test_add_list_reset_remove(tmp_path: Path, small_csv: Path) -> None:
    path = tmp_path / "private" / "accounts.json"
    clinic = ids(small_csv)[2]
    added = user("add", "ann", "--role", "maintainer", "--password-stdin", "--accounts", str(path),
                 password=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Added ann (maintainer: every clinic)" in added.stdout
    # --accounts also works before the sub-command; clinic ids are checked against --csv.
    added = user("--accounts", str(path), "add", "Clinic-Two", "--role", "clinic", "--clinic", clinic,
                 "--csv", str(small_csv), "--password-stdin", password=PASSWORD)
    assert added.returncode == 0, added.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    listed = user("list", "--accounts", str(path))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[:3] for line in lines] == [["ann", "maintainer", "every"], ["clinic-two", "clinic", clinic]]
    hashes = {a.password_hash for a in accounts.list_accounts(path)}
    for output in (listed.stdout + listed.stderr, added.stdout + added.stderr):
        assert "$argon2id$" not in output and PASSWORD not in output
        assert not any(h in output for h in hashes)

    before = accounts.load_accounts(path)["clinic-two"]
    reset = user("reset", "clinic-two", "--password-stdin", "--accounts", str(path), password=NEW_PASSWORD + "\n")
    assert reset.returncode == 0, reset.stderr
    assert "$argon2id$" not in reset.stdout + reset.stderr
    after = accounts.load_accounts(path)["clinic-two"]
    assert after.password_hash != before.password_hash and after.clinic_ids == (clinic,)
    assert accounts.authenticate("clinic-two", NEW_PASSWORD, accounts_path=path) is not None
    assert accounts.authenticate("clinic-two", PASSWORD, accounts_path=path) is None

    removed = user("remove", "clinic-two", "--accounts", str(path))
    assert removed.returncode == 0 and "Removed clinic-two" in removed.stdout
    assert list(accounts.load_accounts(path)) == ["ann"]


def test_the_environment_variable_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "from-env.json"
    result = user("add", "bo", "--role", "maintainer", "--password-stdin", password=PASSWORD,
                  env={accounts.ACCOUNTS_ENV_VAR: str(path)})
    assert result.returncode == 0, result.stderr
    assert list(accounts.load_accounts(path)) == ["bo"]


@pytest.mark.parametrize(("args", "password", "message"), [
    (("add", "ann", "--role", "maintainer"), "short\n", "at least 12 characters"),
    (("add", "staff", "--role", "maintainer"), PASSWORD, "reserved for the shared staff password"),
    (("add", "Bad Name", "--role", "maintainer"), PASSWORD, "lowercase letters, digits and hyphens"),
    (("add", "bo", "--role", "clinic", "--clinic", "no-such-clinic"), PASSWORD, "'no-such-clinic'"),
    (("add", "bo", "--role", "clinic"), PASSWORD, "at least one clinic"),
    (("add", "bo", "--role", "maintainer", "--clinic", "x"), PASSWORD, "covers every clinic"),
    (("reset", "nobody"), PASSWORD, "no account called 'nobody'"),
    (("remove", "nobody"), None, "no account called 'nobody'"),
])
def test_refusals_change_nothing(args: tuple[str, ...], password: str | None, message: str, tmp_path: Path,
                                 small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    # In-process (the same main() the module runs) to spare a ~2 s interpreter start per case.
    path = tmp_path / "accounts.json"
    extra = ("--password-stdin",) if password is not None else ()
    csv = ("--csv", str(small_csv)) if args[0] == "add" else ()
    monkeypatch.setattr("sys.stdin", io.StringIO(password or ""))
    assert cli.main(["user", *args, *extra, *csv, "--accounts", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Nothing was changed" in err
    assert not path.exists()


def test_typed_passwords_are_asked_twice(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["user", "add", "ann", "--role", "maintainer", "--accounts", str(path)]) == 1
    assert "differ" in capsys.readouterr().err and not path.exists()

    answers = iter([PASSWORD, PASSWORD])
    assert cli.main(["user", "add", "ann", "--role", "maintainer", "--accounts", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Added ann" in out and "$argon2id$" not in out + err and PASSWORD not in out + err
    assert accounts.authenticate("ann", PASSWORD, accounts_path=path) is not None


def test_list_warns_about_a_file_others_can_read(tmp_path: Path, password_hash: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "accounts.json"
    accounts.add_account(path, "ann", "maintainer", password_hash)
    path.chmod(0o644)
    assert cli.main(["user", "list", "--accounts", str(path)]) == 0
    assert "chmod 600" in capsys.readouterr().err
