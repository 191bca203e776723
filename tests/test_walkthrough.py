"""The issue's "done when", on the full 554-clinic list: a new staff member sets a password hash, signs in,
changes a phone and marks evening = yes, saves, the finder's loader sees it at once, a stale second tab is
refused, and the change is undone from the backups list."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import auth, cli, store
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.live import LiveClinics
from tests.conftest import PAGE

NEW_PASSWORD = "evening groups on tuesdays"
CLINIC = "centerstone-of-illinois-alton"


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    at.text_input(key="staff_password").input(NEW_PASSWORD)
    at.button(key="staff_sign_in").click()
    at.run()
    at.text_input(key="staff_name").input(name)
    at.run()
    assert not at.exception and not at.error
    return at


def messages(elements: object) -> str:
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def test_new_staff_member_walkthrough(clinics_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    original = clinics_csv.read_bytes()
    # 1. Set a password hash: `python -m clinic_finder hash-password`, then the environment variable.
    typed = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert cli.main(["hash-password"]) == 0
    monkeypatch.setenv(auth.HASH_ENV_VAR, capsys.readouterr().out.strip())
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    finder = LiveClinics(clinics_csv)  # what the finder page serves
    finder_before = finder.current().snapshot.clinics  # type: ignore[union-attr]
    assert len(finder_before) == 554

    # 2. Sign in in two tabs; both load the list.
    tab = signed_in("Dana (new)")
    stale_tab = signed_in("Eli")
    row = int(finder_before.index[finder_before["id"] == CLINIC][0])
    assert finder_before.loc[row, "evening"] == "unknown"

    # 3. Change the phone and set evening = yes; the diff shows old -> new.
    tab.session_state["staff_editor"] = {
        "edited_rows": {row: {"phone": "618-555-0142", "evening": "yes"}}, "added_rows": [], "deleted_rows": []}
    tab.run()
    assert messages(tab.subheader) == "Your changes: 0 added, 0 removed, 1 changed"
    tab.checkbox(key="staff_confirm").check()
    tab.button(key="staff_save").click()
    tab.run()
    assert "Saved: 0 added, 0 removed, 1 changed." in messages(tab.success)

    # 4. The finder's loader sees the change at once.
    finder_after = finder.current().snapshot.clinics  # type: ignore[union-attr]
    changed = finder_after[finder_after["id"] == CLINIC].iloc[0]
    assert (changed["phone"], changed["evening"]) == ("618-555-0142", "yes")

    # 5. The other tab saves its stale copy: refused, explained, nothing lost.
    stale_tab.session_state["staff_editor"] = {
        "edited_rows": {0: {"notes": "call first"}}, "added_rows": [], "deleted_rows": []}
    stale_tab.run()
    stale_tab.checkbox(key="staff_confirm").check()
    stale_tab.button(key="staff_save").click()
    stale_tab.run()
    assert "Your save was refused so that nobody's work is overwritten" in messages(stale_tab.error)
    on_disk = read_clinics_csv(clinics_csv).clinics
    assert on_disk is not None and on_disk.loc[row, "phone"] == "618-555-0142" and on_disk.loc[0, "notes"] == ""

    # 6. Undo from the backups list.
    choice = tab.selectbox(key="staff_backup_choice")
    assert "by Dana (new) (0 added, 0 removed, 1 changed)" in choice.format_func(choice.value)
    tab.checkbox(key="staff_restore_confirm").check()
    tab.button(key="staff_restore").click()
    tab.run()
    assert "Restored" in messages(tab.success)
    assert clinics_csv.read_bytes() == original
    assert [e["staff"] for e in store.read_audit_log(clinics_csv)] == ["Dana (new)", "Dana (new)"]
