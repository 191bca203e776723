"""The issue's "done when", on the full 554-clinic list: the maintainer creates accounts from a terminal, a visitor
suggests a correction, the clinic signs in, sees it beside its listing, accepts it into an edit of its evening
hours and saves; the finder shows the change and "Last checked … by …" at once; a maintainer's stale second tab is
refused, and the maintainer undoes the change from the backups list."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import cli, store, suggestions
from clinic_finder.csvfile import read_clinics_csv
from clinic_finder.live import LiveClinics
from tests.conftest import ROOT, SUITE_DAY
from tests.page_html import html_bodies
from tests.test_staff_page import SUGGEST_PAGE, confirm_and_save, edit, page, sign_in, text

CLINIC = "centerstone-of-illinois-alton"
PASSWORDS = {"ann": "evening groups on tuesdays", "alton": "alton keeps its own listing"}


def add_user(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> None:
    typed = iter([PASSWORDS[args[0]]] * 2)  # asked twice, never echoed
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    assert cli.main(["user", "add", *args]) == 0
    assert f"Added {args[0]}" in capsys.readouterr().out


def signed_in(csv: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> AppTest:
    at = sign_in(page(csv, monkeypatch), name, PASSWORDS[name])
    assert not at.exception and not at.error, text(at.error)
    return at


def test_a_clinic_keeps_its_own_listing_right(clinics_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    original = clinics_csv.read_bytes()
    today = SUITE_DAY.isoformat()  # clock.today in every test (tests/conftest.py)
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    finder = LiveClinics(clinics_csv)  # what the finder page serves
    before = finder.current().snapshot.clinics  # type: ignore[union-attr]
    assert len(before) == 554
    assert before[before["id"] == CLINIC].iloc[0]["evening"] == "unknown"

    # 1. The maintainer adds two accounts from a terminal.
    add_user(monkeypatch, capsys, "ann", "--role", "maintainer")
    add_user(monkeypatch, capsys, "alton", "--role", "clinic", "--clinic", CLINIC)

    # 2. A visitor opens "Suggest a correction" from the clinic's card and sends a note.
    visitor = AppTest.from_file(SUGGEST_PAGE, default_timeout=60)
    visitor.query_params.update({"clinic": CLINIC, "zip": "62002"})
    visitor.run()
    visitor.radio(key="suggest_kind").set_value("hours")
    visitor.text_area(key="suggest_text").input("They have evening groups now, Monday to Thursday")
    visitor.button(key="suggest_send").click()
    visitor.run()
    assert "A person reads every note" in text(visitor.success)
    [note] = suggestions.open_suggestions(clinics_csv)

    # 3. The maintainer opens the whole list in a tab (it goes stale in step 5).
    stale_tab = signed_in(clinics_csv, monkeypatch, "ann")
    assert "1 suggestion from visitors is waiting for review." in text(stale_tab.info)

    # 4. The clinic signs in, sees the note beside its listing, accepts it into an edit and saves.
    clinic = signed_in(clinics_csv, monkeypatch, "alton")
    assert "1 suggestion from visitors is waiting for review." in text(clinic.info)
    assert "They have evening groups now, Monday to Thursday" in [t.value for t in clinic.text]
    clinic.button(key=f"staff_accept_{note.id}").click()
    clinic.run()
    prefix = f"staff_accepting_{note.id}_"
    clinic.radio(key=prefix + "evening").set_value("yes")
    clinic.run()
    confirm_and_save(clinic, prefix)
    assert "The suggestion is marked accepted." in text(clinic.success)
    assert suggestions.open_suggestions(clinics_csv) == []

    # 5. The finder's loader sees it at once, and the card says who checked it and when.
    after = finder.current().snapshot.clinics  # type: ignore[union-attr]
    row = after[after["id"] == CLINIC].iloc[0]
    assert (row["evening"], str(row["last_checked"]), row["checked_by"]) == ("yes", today, "alton")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.query_params["zip"] = "62002"
    app.run()
    card = next(h for h in html_bodies(app) if f'id="clinic-{CLINIC}"' in h)
    assert f"Last checked {today} by alton." in card

    # 6. The maintainer's other tab saves its stale copy of the whole list: refused, explained, nothing lost.
    edit(stale_tab, {0: {"notes": "call first"}})
    confirm_and_save(stale_tab)
    assert "Your save was refused so that nobody's work is overwritten" in text(stale_tab.error)
    on_disk = read_clinics_csv(clinics_csv).clinics
    assert on_disk is not None and on_disk.loc[0, "notes"] != "call first"
    assert on_disk[on_disk["id"] == CLINIC].iloc[0]["evening"] == "yes"

    # 7. The maintainer undoes the clinic's change from the backups list.
    maintainer = signed_in(clinics_csv, monkeypatch, "ann")
    choice = maintainer.selectbox(key="staff_backup_choice")
    assert "the list before the clinic form by alton (0 added, 0 removed, 1 changed)" in choice.format_func(
        choice.value)
    maintainer.checkbox(key="staff_restore_confirm").check()
    maintainer.button(key="staff_restore").click()
    maintainer.run()
    assert "Restored" in text(maintainer.success)
    assert clinics_csv.read_bytes() == original
    log = store.read_audit_log(clinics_csv)
    assert [(e["action"].split()[0], e.get("account")) for e in log] == [
        ("clinic", "alton"), ("suggestion", "alton"), ("restore", "ann")]
