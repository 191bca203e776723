"""The Staff page through Streamlit's AppTest, driven by widget keys: sign-in (accounts, the shared password,
throttling, forged session state), a clinic account's form and "Still correct", the suggestions queue, and the
maintainer's whole-list tools (edit -> validate -> diff -> save, upload, conflicts, backups, file problems, locate).

CLINIC_FINDER_DATA points the page at a copy of the list in tmp_path; CLINIC_FINDER_ACCOUNTS (set per test by
conftest) at an accounts file made with `clinic_finder.accounts`."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import accounts, auth, geo, store, suggestions
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from clinic_finder.diff import cell_text
from tests.conftest import PAGE, PASSWORD, ROOT, SUITE_DAY, FakeNominatim
from tests.page_html import html_bodies

TODAY = SUITE_DAY.isoformat()
SUGGEST_PAGE = str(ROOT / "pages" / "8_Suggest_a_correction.py")
OWN = "centerstone-of-illinois-alton"  # row 1: the clinic account's clinic
OTHER = "serenity-house-counseling-servs-inc-outpatient"  # row 0: someone else's
OTHER_NAME = "Serenity House"


# ---- helpers ----


def page(csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str | None = None) -> AppTest:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(csv))
    at = AppTest.from_file(PAGE, default_timeout=30)
    if password_hash is not None:
        at.secrets["staff"] = {"password_hash": password_hash}
    return at


def add_people(csv: Path, password_hash: str) -> Path:
    """Accounts file: maintainer "ann" and clinic account "alton" (OWN only), both with PASSWORD."""
    path = accounts.default_accounts_path()
    clinics = read_clinics_csv(csv).clinics
    assert clinics is not None
    accounts.add_account(path, "ann", "maintainer", password_hash)
    accounts.add_account(path, "alton", "clinic", password_hash, [OWN], known_clinic_ids=set(clinics["id"]))
    return path


def sign_in(at: AppTest, name: str = "", password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="staff_account_name").input(name)
    at.text_input(key="staff_password").input(password)
    at.button(key="staff_sign_in").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def no_waiting_after_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong passwords and unknown names cost no waiting (the throttles' own tests are in test_auth.py)."""
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=0.0))
    monkeypatch.setattr(accounts, "NAME_THROTTLE", accounts.NameThrottle(base_seconds=0.0))


def as_account(csv: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> AppTest:
    at = sign_in(page(csv, monkeypatch), name)
    assert not at.exception and not at.error, text(at.error)
    return at


def shared_workspace(at: AppTest, typed: str = "Ann") -> AppTest:
    """Signed in with the shared password (account "staff"), the typed name filled in."""
    sign_in(at)
    at.text_input(key="staff_name").input(typed)
    at.run()
    assert not at.exception
    assert at.data_editor(key="staff_editor") is not None
    return at


def plain(markdown: str) -> str:
    """Markdown written with md_escape, as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(":color[]", ""))


def text(elements: object) -> str:
    return "\n".join(plain(str(e.value)) for e in elements)  # type: ignore[attr-defined]


def in_workspace(at: AppTest) -> bool:
    return any(t.value in ("Staff: keep the clinic list right", "Your clinic's listing") for t in at.title)


def dump(at: AppTest) -> str:
    """Everything the page sent to the browser (every element's protobuf, data included), as text."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def edit(at: AppTest, rows: dict[int, dict[str, object]], deleted: list[int] | None = None) -> AppTest:
    at.session_state["staff_editor"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": deleted or []}
    return at.run()


def confirm_and_save(at: AppTest, prefix: str = "staff_") -> AppTest:
    at.checkbox(key=f"{prefix}confirm").check()
    at.button(key=f"{prefix}save").click()
    return at.run()


def form(clinic: str) -> str:
    return f"staff_form_{clinic}_"


def tables_with(at: AppTest, column: str) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe if column in frame.value.columns]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first read-only table on the page with `column`."""
    tables = tables_with(at, column)
    assert tables, f"no table with a {column!r} column"
    return tables[0]


def row_of(csv: Path, clinic: str) -> dict[str, str]:
    """One clinic's row in the file, as the CSV writes each cell."""
    clinics = read_clinics_csv(csv).clinics
    assert clinics is not None
    return {c: cell_text(c, v) for c, v in clinics[clinics["id"] == clinic].iloc[0].to_dict().items()}


def suggest(csv: Path, clinic: str, kind: str, words: str, contact: str = "") -> suggestions.Suggestion:
    result = suggestions.submit_suggestion(csv, f"visitor-{words[:10]}", clinic, kind, words, contact)
    assert result.status == "ok" and result.suggestion is not None
    return result.suggestion


def audit_lines(csv: Path) -> list[dict[str, Any]]:
    return store.read_audit_log(csv)


# ---- signing in ----


def test_no_accounts_and_no_shared_password_fails_closed(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = page(small_csv, monkeypatch)
    at.run()
    assert not at.exception
    assert "Staff editing is switched off" in text(at.error)
    how = text(at.markdown)
    assert "python -m clinic_finder user add" in how and "hash-password" in how
    assert not at.text_input and not at.data_editor and not in_workspace(at)


def test_a_plain_password_in_secrets_is_not_a_hash(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = page(small_csv, monkeypatch, password_hash=PASSWORD)
    at.run()
    assert "Staff editing is switched off" in text(at.error)
    assert not at.text_input


def test_a_broken_accounts_file_is_explained(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                             password_hash: str) -> None:
    path = accounts.default_accounts_path()
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    at = page(small_csv, monkeypatch)
    at.run()
    assert "the accounts file cannot be read" in text(at.error) and not at.text_input
    # The shared password still works; a named account is told what is wrong, not shown a traceback.
    at = sign_in(page(small_csv, monkeypatch, password_hash), "ann")
    assert not at.exception and "The accounts file cannot be read" in text(at.error) and not in_workspace(at)
    assert in_workspace(sign_in(page(small_csv, monkeypatch, password_hash)))


def test_the_shared_password_still_signs_in_as_maintainer(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                         password_hash: str) -> None:
    at = sign_in(page(small_csv, monkeypatch, password_hash))  # account name left empty
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Staff: keep the clinic list right"]
    assert "Signed in as staff (maintainer)." in text(at.sidebar.caption)
    assert not at.data_editor  # the shared account types a name first, for the change log
    at.text_input(key="staff_name").input("Ann")
    at.run()
    assert at.data_editor(key="staff_editor").value.shape == (12, 66)
    edit(at, {0: {"phone": "312-555-0199"}})
    confirm_and_save(at)
    entry = audit_lines(small_csv)[-1]
    assert (entry["staff"], entry["account"], entry["role"]) == ("staff (Ann)", "staff", "maintainer")


def test_the_shared_password_from_the_environment_signs_in(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                           password_hash: str) -> None:
    monkeypatch.setenv(auth.HASH_ENV_VAR, password_hash)
    assert in_workspace(sign_in(page(small_csv, monkeypatch), "staff"))


def test_named_accounts_sign_in_in_their_role(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                              password_hash: str) -> None:
    add_people(small_csv, password_hash)
    suggest(small_csv, OTHER, "phone", "The other clinic's number is wrong")
    suggest(small_csv, OWN, "hours", "Alton runs evening groups")
    ann = as_account(small_csv, monkeypatch, "Ann")
    assert [t.value for t in ann.title] == ["Staff: keep the clinic list right"]
    assert not [t for t in ann.text_input if t.key == "staff_name"]  # a named account needs no typed name
    # A maintainer sees everything: every clinic, every suggestion, the whole-list tools.
    assert [t.label for t in ann.tabs] == ["One clinic", "Suggestions from visitors", "Edit the whole list",
                                           "Upload a CSV", "Review and save", "Backups and change log", "Download"]
    assert len(ann.selectbox(key="staff_form_clinic").options) == 12
    assert ann.data_editor(key="staff_editor").value.shape == (12, 66)
    assert {"The other clinic's number is wrong", "Alton runs evening groups"} <= {t.value for t in ann.text}
    assert "2 suggestions from visitors are waiting for review." in text(ann.info)
    alton = as_account(small_csv, monkeypatch, "alton")
    assert [t.value for t in alton.title] == ["Your clinic's listing"]
    assert "Signed in as alton (clinic account)." in text(alton.sidebar.caption)


def test_the_password_is_never_kept_in_session_state(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                     password_hash: str) -> None:
    add_people(small_csv, password_hash)
    no_waiting_after_failures(monkeypatch)
    at = sign_in(page(small_csv, monkeypatch), "ann", "a wrong password")
    assert "do not match" in text(at.error)
    assert at.session_state["staff_password"] == ""
    at = sign_in(at, "ann")
    assert in_workspace(at)
    kept = {str(k): v for k, v in at.session_state.to_dict().items() if str(k).startswith("staff_")}
    assert not any(PASSWORD in str(value) or "a wrong password" in str(value) for value in kept.values())
    assert set(kept) >= {"staff_ticket", "staff_failures"}


def test_wrong_password_is_refused_and_slowed(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                              password_hash: str) -> None:
    add_people(small_csv, password_hash)
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=30.0))  # no race with a slow machine
    at = sign_in(page(small_csv, monkeypatch), "ann", "not the password")
    assert "That account name and password do not match" in text(at.error)
    assert not in_workspace(at)
    # Straight after a failure even the right password is not checked yet.
    at = sign_in(at, "ann", PASSWORD)
    assert "Too many wrong passwords" in text(at.error)
    assert not in_workspace(at)


def test_many_failures_slow_down_new_sessions_too(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                  password_hash: str) -> None:
    add_people(small_csv, password_hash)
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=30.0, global_allowance=2))
    for name in ("nobody", "guess", "x"):  # an attacker opening a fresh session for every guess
        at = sign_in(page(small_csv, monkeypatch), name, "guess")
        assert "do not match" in text(at.error)
    at = sign_in(page(small_csv, monkeypatch), "ann", PASSWORD)
    assert "Too many wrong passwords" in text(at.error) and not in_workspace(at)


def test_a_concurrent_burst_checks_at_most_the_allowance_and_the_page_then_waits(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    """30 sessions guessing at the same moment through the sign-in the page uses (accounts.sign_in with the
    process's throttles): at most the server-wide allowance of passwords is checked, then the page waits."""
    add_people(small_csv, password_hash)
    # The page's throttle, slow enough that the page's attempt below still falls in its wait on a slow machine;
    # a stand-in for argon2 and room for every check at once, so no guess is turned away as "busy" (the cap on
    # concurrent checks has its own tests in test_auth.py and test_accounts.py).
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=60.0))
    monkeypatch.setattr(auth, "_CHECK_SLOTS", threading.BoundedSemaphore(30))
    checked: list[str] = []
    lock = threading.Lock()

    def stand_in(password: str, hashed: str) -> bool:
        with lock:
            checked.append(password)
        return False

    monkeypatch.setattr(auth, "verify_password", stand_in)
    barrier = threading.Barrier(30)
    statuses: list[str] = []

    def guess(n: int) -> None:
        barrier.wait()
        statuses.append(accounts.sign_in(f"attacker-{n}", f"guess-{n}", "wrong guess").status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(statuses)) == ["wait", "wrong"] and len(statuses) == 30
    assert len(checked) == statuses.count("wrong") == auth.THROTTLE.global_allowance + 1
    at = sign_in(page(small_csv, monkeypatch), "ann", PASSWORD)
    assert "Too many wrong passwords" in text(at.error) and not in_workspace(at)
    assert len(checked) == auth.THROTTLE.global_allowance + 1  # the page's attempt was not even checked


def test_session_state_and_url_cannot_skip_sign_in(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                   password_hash: str) -> None:
    people = add_people(small_csv, password_hash)
    at = page(small_csv, monkeypatch, password_hash)
    at.query_params.update({"staff": "1", "authenticated": "true", "staff_ticket": "1:ann:" + "0" * 64})
    for key in ("authenticated", "staff_authenticated", "signed_in", "staff_signed_in"):
        at.session_state[key] = True
    now = int(dt.datetime.now().timestamp())
    at.session_state["staff_ticket"] = f"{now}:ann:" + "0" * 64
    at.session_state["staff_role"] = "maintainer"
    at.session_state["staff_account"] = "ann"
    at.run()
    assert not at.exception and not in_workspace(at) and not at.data_editor
    assert at.text_input(key="staff_password") is not None
    # Genuine tickets, but issued to another session, or in the old shared-password format, do not work either.
    ann = accounts.load_accounts(people)["ann"]
    for ticket in (auth.issue_account_ticket("someone-elses-session", "ann", "maintainer", "*", ann.password_hash),
                   auth.issue_ticket("someone-elses-session", password_hash)):
        at.session_state["staff_ticket"] = ticket
        at.run()
        assert not in_workspace(at)


def test_changing_the_hash_or_removing_the_account_signs_out(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                             password_hash: str) -> None:
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.secrets["staff"] = {"password_hash": auth.hash_password("a new password for staff")}
    at.run()
    assert not in_workspace(at) and not at.data_editor
    at.secrets["staff"] = {"password_hash": ""}
    at.run()
    assert "Staff editing is switched off" in text(at.error)

    people = add_people(small_csv, password_hash)
    alton = as_account(small_csv, monkeypatch, "alton")
    assert in_workspace(alton)
    accounts.remove_account(people, "alton")
    alton.run()
    assert not in_workspace(alton) and not alton.radio


def test_sign_out(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.button(key="staff_sign_out").click()
    at.run()
    assert not at.exception and not in_workspace(at) and not at.data_editor
    assert at.text_input(key="staff_password") is not None


def test_a_crashed_save_is_resolved_when_the_page_starts(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save killed after its rename, before its "done" line: the page resolves it once, signed in or not."""
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    before = store.file_fingerprint(small_csv)
    clinics.loc[0, "phone"] = "312-555-0100"
    small_csv.write_bytes(clinics_to_csv_bytes(clinics))  # the rename happened...
    intent = {"event": "intent", "save_id": "killed", "time": "2026-01-01T00:00:00Z", "staff": "ann",
              "action": "save", "fingerprint": store.file_fingerprint(small_csv), "previous_fingerprint": before,
              "temp": ".clinics.csv.gone.tmp", "backup": None}
    store.audit_path(small_csv).write_text(json.dumps(intent) + "\n")  # ...and the "done" line never came
    page(small_csv, monkeypatch).run()
    events = [json.loads(line).get("event") for line in store.audit_path(small_csv).read_text().splitlines()]
    assert events == ["intent", "recovered"]


# ---- a clinic account ----


def test_a_clinic_account_saves_its_evening_hours(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                  password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before_bytes = small_csv.read_bytes()
    before = read_clinics_csv(small_csv).clinics
    assert before is not None and before.loc[1, "evening"] == "unknown"
    at = as_account(small_csv, monkeypatch, "alton")
    assert "No changes in the form yet" in text(at.info)
    at.radio(key=form(OWN) + "evening").set_value("yes")
    at.run()
    changes = table_with(at, "After")
    assert set(zip(changes["Question"], changes["Before"], changes["After"], strict=True)) == {
        ("Evening groups", "unknown", "yes"), ("Last checked", "", TODAY), ("Checked by", "", "alton")}
    at.button(key=form(OWN) + "save").click()  # without the confirmation
    at.run()
    assert "Tick the box" in text(at.error) and small_csv.read_bytes() == before_bytes
    confirm_and_save(at, form(OWN))
    assert not at.exception
    assert "Saved Centerstone of Illinois — Alton, Alton IL: 0 added, 0 removed, 1 changed." in text(at.success)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None
    assert (after.loc[1, "evening"], str(after.loc[1, "last_checked"]), after.loc[1, "checked_by"]) == (
        "yes", TODAY, "alton")
    assert after.drop(index=1).equals(before.drop(index=1))  # nothing else changed
    entry = audit_lines(small_csv)[-1]
    assert (entry["staff"], entry["account"], entry["role"], entry["action"], entry["changed_ids"]) == (
        "alton", "alton", "clinic", "clinic form", [OWN])
    assert store.list_backups(small_csv)[0].path.read_bytes() == before_bytes
    # The form now shows the saved listing, with nothing pending.
    assert at.radio(key=form(OWN) + "evening").value == "yes"
    assert "No changes in the form yet" in text(at.info)


def test_a_clinic_account_sees_only_its_own_clinic(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                   password_hash: str) -> None:
    add_people(small_csv, password_hash)
    suggest(small_csv, OTHER, "phone", "The other clinic's number is wrong")
    suggest(small_csv, OWN, "hours", "Alton runs evening groups")
    at = as_account(small_csv, monkeypatch, "alton")
    assert [plain(t.label) for t in at.tabs] == ["Centerstone of Illinois — Alton, Alton IL", "Suggestions from visitors"]
    assert not at.data_editor and not at.file_uploader
    keys = [w.key for kind in ("radio", "text_input", "text_area", "date_input", "button", "checkbox", "selectbox")
            for w in getattr(at, kind) if w.key]
    assert keys and all(OTHER not in k for k in keys)
    assert {k for k in keys if k.startswith("staff_form_")} == {k for k in keys if k.startswith(form(OWN))}
    # Only the columns a clinic may change are in its form: not its name, address or map location.
    for column in ("name", "address", "lat", "iop", "source", "last_checked"):
        assert form(OWN) + column not in keys
    shown = dump(at)
    assert OTHER not in shown and OTHER_NAME not in shown and "other clinic's number" not in shown
    assert "Alton runs evening groups" in [t.value for t in at.text]
    assert "1 suggestion from visitors is waiting for review." in text(at.info)


def test_forged_session_state_cannot_reach_another_clinic(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                          password_hash: str) -> None:
    add_people(small_csv, password_hash)
    other_before = row_of(small_csv, OTHER)
    theirs = suggest(small_csv, OTHER, "phone", "The other clinic's number is wrong")
    at = as_account(small_csv, monkeypatch, "alton")
    table = read_clinics_csv(small_csv).clinics
    # Everything a tampered session could hold: a role, another account, the maintainer's clinic picker,
    # another clinic's form fields and suggestion, a form record pointing this clinic's form at the other one,
    # and a field the clinic may not change under its own form's prefix.
    at.session_state["staff_role"] = "maintainer"
    at.session_state["staff_account"] = "ann"
    at.session_state["staff_form_clinic"] = OTHER
    at.session_state[form(OTHER) + "evening"] = "yes"
    at.session_state[form(OTHER) + "phone"] = "312-555-0666"
    at.session_state["staff_accepting"] = theirs.id
    at.session_state[f"staff_accepting_{theirs.id}_phone"] = "312-555-0777"
    at.session_state["staff_forms"] = {form(OWN): {"clinic_id": OTHER, "base": table, "initial": {}}}
    at.session_state[form(OWN) + "name"] = "Hacked name"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Your clinic's listing"] and not at.data_editor
    shown = dump(at)
    assert OTHER_NAME not in shown and "312-555-0666" not in shown and "other clinic's number" not in shown
    assert not [w for w in at.button if OTHER in str(w.key) or theirs.id in str(w.key)]
    # Its own form still works, and saving it changes its own row only.
    at.radio(key=form(OWN) + "evening").set_value("yes")
    at.run()
    confirm_and_save(at, form(OWN))
    assert "Saved" in text(at.success)
    assert row_of(small_csv, OTHER) == other_before
    own = row_of(small_csv, OWN)
    assert own["evening"] == "yes" and own["name"] == "Centerstone of Illinois"
    assert suggestions.open_suggestions(small_csv) != [] and theirs.id in {
        s.id for s in suggestions.open_suggestions(small_csv)}


def test_form_problems_are_shown_beside_the_question_and_nothing_is_saved(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before = small_csv.read_bytes()
    at = as_account(small_csv, monkeypatch, "alton")
    at.text_input(key=form(OWN) + "phone").input("12")
    at.run()
    assert "1 answer needs fixing before you can save" in text(at.error)
    problems = table_with(at, "Problem")
    assert problems["Question"].tolist() == ["Phone"]
    assert not [b for b in at.button if b.key == form(OWN) + "save"]
    at.button(key=form(OWN) + "undo").click()
    at.run()
    assert at.text_input(key=form(OWN) + "phone").value == "618-462-2331"
    assert small_csv.read_bytes() == before


def test_still_correct_sets_last_checked_and_the_finder_shows_it(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    at = as_account(small_csv, monkeypatch, "alton")
    assert "Nobody has confirmed this listing with the clinic yet." in text(at.markdown)
    # With unsaved changes in the form, "Still correct" waits.
    at.radio(key=form(OWN) + "morning").set_value("no")
    at.run()
    assert at.button(key=form(OWN) + "still").disabled
    at.radio(key=form(OWN) + "morning").set_value("unknown")
    at.run()
    at.button(key=form(OWN) + "still").click()
    at.run()
    assert "marked as still correct today, by alton" in text(at.success)
    assert f"Last checked {TODAY} by alton." in text(at.markdown)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None
    assert (str(after.loc[1, "last_checked"]), after.loc[1, "checked_by"]) == (TODAY, "alton")
    assert after.drop(columns=["last_checked", "checked_by"]).equals(before.drop(columns=["last_checked",
                                                                                          "checked_by"]))
    assert audit_lines(small_csv)[-1]["action"] == "still correct"

    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    finder = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    finder.query_params["zip"] = "62002"
    finder.run()
    assert not finder.exception
    card = next(h for h in html_bodies(finder) if f'id="clinic-{OWN}"' in h)
    assert f"Last checked {TODAY} by alton." in card


def test_a_form_opened_before_someone_else_changed_the_row_is_refused(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    at = as_account(small_csv, monkeypatch, "alton")
    at.text_input(key=form(OWN) + "current_wait").input("About 2 weeks")
    at.run()
    # Meanwhile the maintainer saves another clinic (fine) and then this one (the form is now stale).
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    clinics.loc[0, "phone"] = "312-555-0100"
    store.save_clinics(small_csv, clinics, store.file_fingerprint(small_csv), "ann")
    at.run()
    assert not [w for w in at.warning if "Someone else changed" in w.value]
    clinics.loc[1, "notes"] = "Call before visiting"
    store.save_clinics(small_csv, clinics, store.file_fingerprint(small_csv), "ann")
    saved_by_maintainer = small_csv.read_bytes()
    at.run()
    assert "Someone else changed this clinic's listing since you opened this form" in text(at.warning)
    confirm_and_save(at, form(OWN))
    assert not at.exception
    assert "your save was refused and nothing was written" in text(at.error)
    assert small_csv.read_bytes() == saved_by_maintainer
    at.button(key=form(OWN) + "reload").click()
    at.run()
    assert at.text_area(key=form(OWN) + "notes").value == "Call before visiting"
    assert at.text_input(key=form(OWN) + "current_wait").value == ""


def test_a_full_or_read_only_disk_is_explained(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                               password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before = small_csv.read_bytes()
    at = as_account(small_csv, monkeypatch, "alton")
    at.radio(key=form(OWN) + "virtual").set_value("no")
    at.run()

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(store, "save_clinics", read_only)
    confirm_and_save(at, form(OWN))
    assert not at.exception
    assert "Could not write the clinics file (Read-only file system); nothing was saved." in text(at.error)
    at.button(key=form(OWN) + "undo").click()
    at.run()
    at.button(key=form(OWN) + "still").click()
    at.run()
    assert not at.exception
    assert "Could not write the clinics file (Read-only file system); nothing was saved." in text(at.error)
    assert small_csv.read_bytes() == before


# ---- suggestions from visitors ----


def test_a_visitors_suggestion_lands_in_the_queue_with_only_what_they_typed(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(small_csv))
    visitor = AppTest.from_file(SUGGEST_PAGE, default_timeout=30)
    visitor.query_params.update({"clinic": OWN, "zip": "62002", "services": "evening"})
    visitor.run()
    assert "Centerstone of Illinois" in text(visitor.markdown) and "2615 Edwards Street" in text(visitor.markdown)
    assert "optional" in visitor.text_input(key="suggest_contact").label
    assert "We use it for nothing else" in text(visitor.caption)
    back = next(h for h in html_bodies(visitor) if "Back to the search" in h)
    assert 'href="/?zip=62002&amp;services=evening"' in back
    visitor.radio(key="suggest_kind").set_value("hours")
    visitor.text_area(key="suggest_text").input("They run evening groups, Mon to Thu 6pm")
    visitor.button(key="suggest_send").click()
    visitor.run()
    assert not visitor.exception
    assert "A person reads every note" in text(visitor.success)
    [line] = suggestions.queue_path(small_csv).read_text().splitlines()
    record = json.loads(line)
    assert set(record) == {"type", "id", "time", "clinic_id", "kind", "text", "contact"}
    assert (record["clinic_id"], record["kind"], record["text"], record["contact"]) == (
        OWN, "hours", "They run evening groups, Mon to Thu 6pm", "")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", record["time"])

    alton = as_account(small_csv, monkeypatch, "alton")
    assert "1 suggestion from visitors is waiting for review." in text(alton.info)
    assert "They run evening groups, Mon to Thu 6pm" in [t.value for t in alton.text]
    listing = table_with(alton, "Now")
    assert ("Evening groups", "unknown") in set(zip(listing["Question"], listing["Now"], strict=True))


def test_unknown_clinic_on_the_suggest_page(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(small_csv))
    for query in ({"clinic": "no-such-clinic"}, {}, {"clinic": "<script>"}):
        visitor = AppTest.from_file(SUGGEST_PAGE, default_timeout=30)
        visitor.query_params.update(query)
        visitor.run()
        assert not visitor.exception
        assert "We could not find this clinic in our list" in text(visitor.warning)
        assert not visitor.radio and any("Back to the search" in h for h in html_bodies(visitor))
    assert not suggestions.queue_path(small_csv).exists()


def test_a_flood_of_suggestions_from_one_session_is_throttled(small_csv: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(small_csv))
    visitor = AppTest.from_file(SUGGEST_PAGE, default_timeout=30)
    visitor.query_params["clinic"] = OWN
    visitor.run()
    for n in range(suggestions.LIMITER.per_session + 1):
        if n:
            visitor.button(key="suggest_again").click()
            visitor.run()
        visitor.radio(key="suggest_kind").set_value("phone")
        visitor.text_area(key="suggest_text").input(f"The number is wrong ({n})")
        visitor.button(key="suggest_send").click()
        visitor.run()
    assert "You have sent several suggestions in a short time" in text(visitor.warning)
    assert len(suggestions.open_suggestions(small_csv)) == suggestions.LIMITER.per_session
    # The visitor's words stay in the form, so nothing typed is lost.
    assert visitor.text_area(key="suggest_text").value == f"The number is wrong ({suggestions.LIMITER.per_session})"


def test_suggestion_text_is_shown_as_plain_text_only(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                    password_hash: str) -> None:
    add_people(small_csv, password_hash)
    payload = "**bold** <img src=x onerror=alert(1)> [click](https://evil.example) :red[x] www.evil.example"
    suggest(small_csv, OWN, "other", payload, contact="<b>me</b>@example.com")
    at = as_account(small_csv, monkeypatch, "ann")
    assert [t.value for t in at.text if t.value in (payload, "<b>me</b>@example.com")] == [
        payload, "<b>me</b>@example.com"]
    rendered = [m.value for m in at.markdown] + [h for h in html_bodies(at)]
    assert not any("evil.example" in r or "onerror" in r for r in rendered)


def test_a_maintainer_accepts_one_into_a_saved_edit_and_dismisses_another(
        small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    phone = suggest(small_csv, OWN, "phone", "The number is 618-555-0100 now")
    spam = suggest(small_csv, OTHER, "other", "Buy cheap watches")
    at = as_account(small_csv, monkeypatch, "ann")
    assert "2 suggestions from visitors are waiting for review." in text(at.info)

    at.button(key=f"staff_accept_{phone.id}").click()
    at.run()
    prefix = f"staff_accepting_{phone.id}_"
    assert at.text_input(key=prefix + "phone").value == "618-462-2331"  # prefilled from the current row
    at.text_input(key=prefix + "phone").input("618-555-0100")
    at.run()
    confirm_and_save(at, prefix)
    assert not at.exception
    assert "The suggestion is marked accepted." in text(at.success)
    assert row_of(small_csv, OWN)["phone"] == "618-555-0100"
    fingerprint = store.file_fingerprint(small_csv)

    at.button(key=f"staff_dismiss_{spam.id}").click()  # without a reason
    at.run()
    assert "Say why you dismiss it" in text(at.error)
    at.text_input(key=f"staff_dismiss_reason_{spam.id}").input("Spam")
    at.button(key=f"staff_dismiss_{spam.id}").click()
    at.run()
    assert "Dismissed" in text(at.success)
    assert "No suggestions from visitors are waiting." in text(at.info)

    statuses = {e.suggestion.id: e.status for e in suggestions.read_queue(small_csv)}
    assert statuses == {phone.id: "accepted", spam.id: "dismissed"}
    log = audit_lines(small_csv)
    save, accepted, dismissed = log[-3:]
    assert (save["action"], save["account"], save["changed_ids"]) == ("clinic form", "ann", [OWN])
    assert (accepted["action"], accepted["account"], accepted["role"], accepted["suggestion_id"],
            accepted["fingerprint"]) == ("suggestion accepted", "ann", "maintainer", phone.id, fingerprint)
    assert (dismissed["action"], dismissed["account"], dismissed["clinic_id"], dismissed["reason"]) == (
        "suggestion dismissed", "ann", OTHER, "Spam")
    # The change log shows all three, with who and in which role.
    at.run()
    logged = table_with(at, "reason")
    assert logged[["who", "role", "action"]].values.tolist()[:3] == [
        ["ann", "maintainer", "suggestion dismissed"], ["ann", "maintainer", "suggestion accepted"],
        ["ann", "maintainer", "clinic form"]]
    assert logged["reason"].tolist()[0] == "Spam"


def test_a_clinic_account_resolves_its_own_suggestions(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                       password_hash: str) -> None:
    add_people(small_csv, password_hash)
    hours = suggest(small_csv, OWN, "hours", "Evening groups on Tuesdays")
    at = as_account(small_csv, monkeypatch, "alton")
    at.button(key=f"staff_accept_{hours.id}").click()
    at.run()
    prefix = f"staff_accepting_{hours.id}_"
    assert prefix + "name" not in {w.key for w in at.text_input}  # the clinic's own form, not the maintainer's
    at.radio(key=prefix + "evening").set_value("yes")
    at.run()
    confirm_and_save(at, prefix)
    assert "The suggestion is marked accepted." in text(at.success)
    assert row_of(small_csv, OWN)["evening"] == "yes" and row_of(small_csv, OWN)["checked_by"] == "alton"
    assert audit_lines(small_csv)[-1]["account"] == "alton"


# ---- the maintainer: one clinic ----


def test_a_maintainer_picks_a_clinic_and_edits_any_field(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                         password_hash: str) -> None:
    add_people(small_csv, password_hash)
    at = as_account(small_csv, monkeypatch, "ann")
    picker = at.selectbox(key="staff_form_clinic")
    assert len(picker.options) == 12
    picker.select(OTHER)
    at.run()
    at.text_input(key=form(OTHER) + "name").input("Serenity House Counseling Services")
    at.date_input(key=form(OTHER) + "wait_as_of").set_value(SUITE_DAY)
    at.run()
    confirm_and_save(at, form(OTHER))
    after = row_of(small_csv, OTHER)
    assert after["name"] == "Serenity House Counseling Services" and after["wait_as_of"] == TODAY
    assert after["last_checked"] == ""  # a maintainer's edit is not a check with the clinic
    at.button(key=form(OTHER) + "still").click()
    at.run()
    assert row_of(small_csv, OTHER)["checked_by"] == "ann"


def test_a_form_save_keeps_unsaved_whole_list_edits(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                     password_hash: str) -> None:
    add_people(small_csv, password_hash)
    at = as_account(small_csv, monkeypatch, "ann")
    edit(at, {2: {"phone": "312-555-0102"}})
    at.selectbox(key="staff_form_clinic").select(OWN)
    at.run()
    at.radio(key=form(OWN) + "evening").set_value("yes")
    at.run()
    confirm_and_save(at, form(OWN))
    assert "Saved Centerstone of Illinois" in text(at.success)
    assert row_of(small_csv, OWN)["evening"] == "yes"
    # The whole-list edit is still there, and the page says the list changed under it, as for another tab.
    assert at.session_state["staff_editor"]["edited_rows"] == {2: {"phone": "312-555-0102"}}
    assert "Your changes: 0 added, 0 removed, 1 changed" in text(at.subheader)
    assert "changed on disk since you started editing the whole list" in text(at.warning)
    # The form shows what is on disk now, not the editor's older copy.
    assert at.radio(key=form(OWN) + "evening").value == "yes"
    assert not [w for w in at.warning if "Someone else changed" in w.value]


# ---- the maintainer: the whole list ----


def test_edit_validate_diff_save(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    add_people(small_csv, password_hash)
    before_bytes = small_csv.read_bytes()
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    at = as_account(small_csv, monkeypatch, "ann")
    assert "No changes to save" in text(at.info)

    edit(at, {0: {"phone": "12"}, 3: {"zip": "99999"}})
    assert "Your edited list has 2 problems" in text(at.error)
    problems = table_with(at, "problem")
    assert list(zip(problems["row"], problems["column"], strict=True)) == [(2, "phone"), (5, "zip")]
    assert not [b for b in at.button if b.key == "staff_save"]

    edit(at, {0: {"phone": "(312) 555-0199", "evening": "yes"}})
    assert not at.error
    assert "Your changes: 0 added, 0 removed, 1 changed" in text(at.subheader)
    diff = table_with(at, "field")
    assert set(zip(diff["field"], diff["old"], diff["new"], strict=True)) == {
        ("Phone (phone)", before.loc[0, "phone"], "312-555-0199"),
        ("Evening groups (evening)", "unknown", "yes"),
    }  # an edit is not a check: last_checked stays blank

    at.button(key="staff_save").click()  # without the confirmation
    at.run()
    assert "Tick the box" in text(at.error)
    assert small_csv.read_bytes() == before_bytes

    confirm_and_save(at)
    assert not at.exception
    assert "Saved: 0 added, 0 removed, 1 changed." in text(at.success)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None
    assert (after.loc[0, "phone"], after.loc[0, "evening"], after.loc[0, "last_checked"]) == (
        "312-555-0199", "yes", None)
    assert after.drop(index=0).equals(before.drop(index=0))
    entry = audit_lines(small_csv)[-1]
    assert (entry["staff"], entry["account"], entry["role"]) == ("ann", "ann", "maintainer")
    assert entry["changed_ids"] == [before.loc[0, "id"]]
    assert store.list_backups(small_csv)[0].path.read_bytes() == before_bytes
    assert "No changes to save" in text(at.info)
    assert at.data_editor(key="staff_editor").value.loc[0, "phone"] == "312-555-0199"


def test_the_editor_has_date_widgets_for_the_date_columns(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                          password_hash: str) -> None:
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    frame = at.data_editor(key="staff_editor").value
    assert isinstance(frame.loc[0, "source_date"], dt.date)
    edit(at, {0: {"wait_as_of": TODAY, "current_wait": "About a week"}})
    confirm_and_save(at)
    assert str(read_clinics_csv(small_csv).clinics.loc[0, "wait_as_of"]) == TODAY  # type: ignore[union-attr]
    edit(at, {1: {"last_checked": "2999-01-01", "checked_by": "Ann"}})  # a date picker allows no later day
    assert "last_checked" in table_with(at, "problem")["column"].tolist()


def test_deleting_a_clinic_shows_and_saves_a_removal(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                     password_hash: str) -> None:
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {}, deleted=[2])
    assert "Your changes: 0 added, 1 removed, 0 changed" in text(at.subheader)
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and len(after) == 11 and before.loc[2, "id"] not in set(after["id"])


def test_upload_invalid_lists_every_problem_and_changes_nothing(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                password_hash: str) -> None:
    before_bytes = small_csv.read_bytes()
    lines = before_bytes.decode().splitlines()
    lines[2] = lines[2].replace(",IL,", ",XX,", 1)  # spreadsheet row 3
    lines[4] = lines[4] + ",extra"  # row 5: one cell too many
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload("clinics.csv", "\n".join(lines).encode(), "text/csv")
    at.run()
    assert "'clinics.csv' has 2 problems. Nothing was saved." in text(at.error)
    problems = table_with(at, "problem")
    assert sorted(problems["row"].tolist()) == [3, 5]
    assert "state" in problems["column"].tolist()
    assert not [b for b in at.button if b.key == "staff_use_upload"]
    assert small_csv.read_bytes() == before_bytes


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("clinics.xlsx", b"PK\x03\x04" + b"\x00" * 200, "this is an Excel workbook (.xlsx), not a CSV"),
    ("clinics.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "this is an Excel workbook (.xls), not a CSV"),
    # Not offered by the browser's file picker, but posted to the server all the same: our message, not Streamlit's.
    ("clinics.ods", b"PK\x03\x04" + b"\x00" * 200, "not a CSV"),
    ("notes.pdf", b"%PDF-1.7\n\xe2\xe3\xcf\xd3\x81\x8d", "neither UTF-8 nor Windows-1252"),
])
def test_a_workbook_or_other_file_gets_a_clear_message(name: str, data: bytes, expected: str, small_csv: Path,
                                                       monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload(name, data, "application/octet-stream")
    at.run()
    assert not at.exception
    assert expected in text(at.error) + "\n" + "\n".join(table_with(at, "problem")["problem"])
    assert "Something went wrong" not in text(at.error)


def test_upload_valid_then_review_and_save(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                           password_hash: str) -> None:
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    replacement = clinics.drop(index=11).copy()
    replacement.loc[0, "phone"] = "312-555-0123"
    before_date = clinics.loc[0, "source_date"]
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload("new.csv", clinics_to_csv_bytes(replacement), "text/csv")
    at.run()
    assert "'new.csv' is valid: 11 clinics. Compared with the saved list: 0 added, 1 removed, 1 changed." in text(
        at.success)
    at.button(key="staff_use_upload").click()
    at.run()
    assert "'new.csv' is in the editor" in text(at.info)
    assert "Your changes: 0 added, 1 removed, 1 changed" in text(at.subheader)
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and len(after) == 11
    assert after.loc[0, "phone"] == "312-555-0123" and after.loc[0, "source_date"] == before_date
    assert audit_lines(small_csv)[-1]["removed_ids"] == [clinics.loc[11, "id"]]


def test_a_file_excel_saved_with_us_dates_is_the_same_list(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                           password_hash: str) -> None:
    """Excel (US settings) opens the CSV, turns each YYYY-MM-DD into a date and saves it as 6/29/2023, with a BOM
    and CRLF: that file is the same list, and the page says how its dates were read."""
    text_before = small_csv.read_bytes().decode()
    excel = re.sub(r"(?<=,)(\d{4})-(\d{2})-(\d{2})(?=,)",
                   lambda m: f"{int(m[2])}/{int(m[3])}/{m[1]}", text_before)
    assert excel != text_before
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload("clinics.csv", ("\ufeff" + excel.replace("\n", "\r\n")).encode(),
                                                "text/csv")
    at.run()
    assert "'clinics.csv' is valid: 12 clinics. Compared with the saved list: no changes." in text(
        at.success)
    assert "dates written month/day/year, as Excel saves dates in the US" in text(at.info)


def test_second_tab_saving_a_stale_copy_is_refused(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                   password_hash: str) -> None:
    first = shared_workspace(page(small_csv, monkeypatch, password_hash), "Ann")
    second = shared_workspace(page(small_csv, monkeypatch, password_hash), "Bo")

    edit(first, {0: {"phone": "312-555-0111"}})
    confirm_and_save(first)
    assert "Saved" in text(first.success)
    saved_by_first = small_csv.read_bytes()

    edit(second, {1: {"phone": "312-555-0222"}})
    assert "changed on disk since you started editing the whole list (0 added, 0 removed, 1 changed)" in text(
        second.warning)
    confirm_and_save(second)
    assert not second.exception
    errors = text(second.error)
    assert "changed since you started editing: someone saved in the meantime (0 added, 0 removed, 1 changed)" in errors
    assert "nothing was written" in errors
    own_changes, disk_changes = tables_with(second, "field")[:2]  # in the review tab, before the backups tab
    assert "312-555-0222" in own_changes["new"].tolist()
    assert "312-555-0111" in disk_changes["new"].tolist()
    assert small_csv.read_bytes() == saved_by_first
    assert len(audit_lines(small_csv)) == 1

    assert "Discard my edits and load the current list" in text(second.info)
    second.button(key="staff_reload_banner").click()
    second.run()
    assert "No changes to save" in text(second.info)
    assert second.data_editor(key="staff_editor").value.loc[0, "phone"] == "312-555-0111"


def test_edit_made_outside_the_app_is_picked_up(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                password_hash: str) -> None:
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    clinics.loc[0, "phone"] = "312-555-0333"
    small_csv.write_bytes(clinics_to_csv_bytes(clinics))  # e.g. a git pull
    at.run()
    assert at.data_editor(key="staff_editor").value.loc[0, "phone"] == "312-555-0333"
    edit(at, {1: {"phone": "312-555-0444"}})
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and list(after.loc[:1, "phone"]) == ["312-555-0333", "312-555-0444"]


def test_restore_a_backup(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    original = small_csv.read_bytes()
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {0: {"phone": "312-555-0199", "evening": "yes"}})
    confirm_and_save(at)
    edited = small_csv.read_bytes()

    choice = at.selectbox(key="staff_backup_choice")
    assert "by staff (Ann) (0 added, 0 removed, 1 changed)" in choice.format_func(choice.value)
    assert "Restoring it would change the current list: 0 added, 0 removed, 1 changed." in text(at.markdown)
    at.button(key="staff_restore").click()
    at.run()
    assert "Tick the box" in text(at.error) and small_csv.read_bytes() == edited
    at.checkbox(key="staff_restore_confirm").check()
    at.button(key="staff_restore").click()
    at.run()
    assert not at.exception
    assert "Restored" in text(at.success)
    assert small_csv.read_bytes() == original
    assert at.data_editor(key="staff_editor").value.loc[0, "evening"] == "unknown"
    audit = audit_lines(small_csv)
    assert [e["action"].split()[0] for e in audit] == ["save", "restore"]
    assert audit[-1]["account"] == "staff"
    # The restore is itself undoable: its backup holds the edited version.
    assert store.list_backups(small_csv)[0].path.read_bytes() == edited


def test_a_clinic_account_has_no_backups_or_whole_list(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                       password_hash: str) -> None:
    add_people(small_csv, password_hash)
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    store.save_clinics(small_csv, clinics.drop(index=11), store.file_fingerprint(small_csv), "ann")
    at = as_account(small_csv, monkeypatch, "alton")
    keys = {w.key for kind in ("button", "selectbox", "checkbox", "file_uploader") for w in getattr(at, kind)}
    assert not keys & {"staff_restore", "staff_backup_choice", "staff_save", "staff_upload", "staff_locate",
                       "staff_download_current"}
    at.session_state["staff_restore_confirm"] = True  # forged: there is still no restore to press
    at.run()
    assert not [b for b in at.button if b.key == "staff_restore"]


def test_a_file_cut_short_outside_the_app_is_shown_to_the_maintainer(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      password_hash: str) -> None:
    """Valid, so no row is wrong, but the finder holds it back (live.LiveClinics): staff must be told why."""
    add_people(small_csv, password_hash)
    at = sign_in(page(small_csv, monkeypatch, password_hash))
    at.text_input(key="staff_name").input("Bo")
    at.run()
    assert "File problems" not in text(at.subheader) and "Edit the whole list" in str(at.tabs)
    small_csv.write_bytes(b"".join(small_csv.read_bytes().splitlines(keepends=True)[:2]))  # the header and 1 row
    at.run()
    assert not at.exception
    assert "File problems" in text(at.subheader)
    assert "clinics.csv now has 1 clinics where the list had 12: it may have been cut short" in text(at.error) + \
        str(table_with(at, "problem")["problem"].tolist())


def test_invalid_file_on_disk_shows_problems_and_can_be_restored(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                password_hash: str) -> None:
    add_people(small_csv, password_hash)
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    clinics.loc[0, "phone"] = "312-555-0199"
    store.save_clinics(small_csv, clinics, store.file_fingerprint(small_csv), "Ann")
    good = small_csv.read_bytes()
    small_csv.write_bytes(good.replace(b"312-555-0199", b"555", 1).replace(b",60101,", b",6010,", 1))  # bad Excel

    alton = as_account(small_csv, monkeypatch, "alton")  # a clinic account is told, without the details
    assert "The clinic list cannot be read right now" in text(alton.warning)
    assert not alton.radio and "File problems" not in text(alton.subheader)

    at = sign_in(page(small_csv, monkeypatch, password_hash))
    at.text_input(key="staff_name").input("Bo")
    at.run()
    assert not at.exception
    assert "File problems" in text(at.subheader)
    assert "clinics.csv has 2 problems" in text(at.error)
    assert set(table_with(at, "problem")["column"]) == {"phone", "zip"}
    assert "There is no valid list to edit" in text(at.info)

    at.checkbox(key="staff_restore_confirm").check()
    at.button(key="staff_restore").click()
    at.run()
    assert "Restored" in text(at.success)
    assert read_clinics_csv(small_csv).ok
    assert "File problems" not in text(at.subheader)
    assert audit_lines(small_csv)[-1]["replaced_invalid_file"] is True


def test_locate_sets_the_street_address_location(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                 password_hash: str, fake_nominatim: FakeNominatim) -> None:
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_DOMAIN", fake_nominatim.domain)
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_MIN_DELAY", "0")
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    centre = geo.lookup_zip_record(before.loc[0, "zip"])
    assert centre is not None
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    at.selectbox(key="staff_locate_row").select(0)
    at.button(key="staff_locate").click()
    at.run()
    assert "located at the street address" in text(at.success)
    assert len(fake_nominatim.requests) == 1
    diff = table_with(at, "field")
    assert ("Location precision (location_precision)", "zip", "address") in set(
        zip(diff["field"], diff["old"], diff["new"], strict=True))
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and after.loc[0, "location_precision"] == "address"
    assert (after.loc[0, "lat"], after.loc[0, "lon"]) == pytest.approx((centre.lat + 0.01, centre.lon + 0.01))


def test_locate_with_geocoder_unreachable_falls_back_to_zip(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                            password_hash: str, closed_port_domain: str) -> None:
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_DOMAIN", closed_port_domain)
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_MIN_DELAY", "0")
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {0: {"lat": 41.95, "lon": -88.02, "location_precision": "address"}})  # a clinic that moved
    at.selectbox(key="staff_locate_row").select(0)
    at.button(key="staff_locate").click()
    at.run()
    warning = text(at.warning)
    assert "could not be reached" in warning and "location_precision = zip" in warning
    frame = at.data_editor(key="staff_editor").value
    centre = geo.lookup_zip_record(str(frame.loc[0, "zip"]))
    assert centre is not None and frame.loc[0, "location_precision"] == "zip"
    assert (frame.loc[0, "lat"], frame.loc[0, "lon"]) == pytest.approx((centre.lat, centre.lon))


# ---- robustness ----


def test_unexpected_errors_are_explained_not_shown_as_tracebacks(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 password_hash: str) -> None:
    before = small_csv.read_bytes()
    at = shared_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {0: {"phone": "312-555-0199"}})

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "save_clinics", disk_full)
    confirm_and_save(at)
    assert not at.exception
    assert "Could not write the clinics file (No space left on device); nothing was saved." in text(at.error)

    def bug(*args: object, **kwargs: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(store, "list_backups", bug)
    at.run()
    assert not at.exception
    assert "Something went wrong on this page, and nothing was saved" in text(at.error)
    assert small_csv.read_bytes() == before
