"""The staff page through Streamlit's AppTest: sign-in, edit -> validate -> diff -> save, upload, conflict,
restore, file problems and locate. CLINIC_FINDER_DATA points the page at a copy in tmp_path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import auth, geo, store
from clinic_finder.csvfile import clinics_to_csv_bytes, read_clinics_csv
from tests.conftest import PAGE, PASSWORD, FakeNominatim

TODAY = dt.date.today().isoformat()


def page(csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str | None = None) -> AppTest:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(csv))
    at = AppTest.from_file(PAGE, default_timeout=30)
    if password_hash is not None:
        at.secrets["staff"] = {"password_hash": password_hash}
    return at


def sign_in(at: AppTest, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="staff_password").input(password)
    at.button(key="staff_sign_in").click()
    return at.run()


def open_workspace(at: AppTest, name: str = "Ann") -> AppTest:
    sign_in(at)
    at.text_input(key="staff_name").input(name)
    at.run()
    assert not at.exception
    assert at.data_editor(key="staff_editor") is not None
    return at


def text(elements: object) -> str:
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def in_workspace(at: AppTest) -> bool:
    return any(t.value == "Staff: update the clinic list" for t in at.title)


def edit(at: AppTest, rows: dict[int, dict[str, object]], deleted: list[int] | None = None) -> AppTest:
    at.session_state["staff_editor"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": deleted or []}
    return at.run()


def confirm_and_save(at: AppTest) -> AppTest:
    at.checkbox(key="staff_confirm").check()
    at.button(key="staff_save").click()
    return at.run()


def tables_with(at: AppTest, column: str) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe if frame.key is None and column in frame.value.columns]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first read-only table on the page with `column`."""
    tables = tables_with(at, column)
    assert tables, f"no table with a {column!r} column"
    return tables[0]


# ---- sign-in ----


def test_no_hash_configured_fails_closed(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = page(small_csv, monkeypatch)
    at.run()
    assert not at.exception
    assert "no staff password is configured" in text(at.error)
    assert "hash-password" in text(at.markdown)
    assert not at.text_input and not at.data_editor and not in_workspace(at)


def test_a_plain_password_in_secrets_is_not_a_hash(small_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = page(small_csv, monkeypatch, password_hash=PASSWORD)
    at.run()
    assert "no staff password is configured" in text(at.error)
    assert not at.text_input


def test_right_password_from_secrets_signs_in(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                              password_hash: str) -> None:
    at = sign_in(page(small_csv, monkeypatch, password_hash))
    assert not at.exception and not at.error
    assert in_workspace(at)
    assert not at.data_editor  # staff name themselves first
    at.text_input(key="staff_name").input("Ann")
    at.run()
    assert at.data_editor(key="staff_editor").value.shape == (12, 66)


def test_right_password_from_environment_signs_in(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                  password_hash: str) -> None:
    monkeypatch.setenv(auth.HASH_ENV_VAR, password_hash)
    at = sign_in(page(small_csv, monkeypatch))
    assert in_workspace(at)


def test_wrong_password_is_refused_and_slowed(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                              password_hash: str) -> None:
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=30.0))  # no race with a slow machine
    at = sign_in(page(small_csv, monkeypatch, password_hash), "not the password")
    assert "not right" in text(at.error)
    assert not in_workspace(at)
    # Straight after a failure even the right password is not checked yet.
    at = sign_in(at, PASSWORD)
    assert "Too many wrong passwords" in text(at.error)
    assert not in_workspace(at)


def test_many_failures_slow_down_new_sessions_too(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                  password_hash: str) -> None:
    monkeypatch.setattr(auth, "THROTTLE", auth.FailureThrottle(base_seconds=30.0, global_allowance=2))
    for _ in range(3):  # an attacker opening a fresh session for every guess
        at = sign_in(page(small_csv, monkeypatch, password_hash), "guess")
        assert "not right" in text(at.error)
    at = sign_in(page(small_csv, monkeypatch, password_hash), PASSWORD)
    assert "Too many wrong passwords" in text(at.error) and not in_workspace(at)


def test_session_state_and_url_cannot_skip_sign_in(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                   password_hash: str) -> None:
    at = page(small_csv, monkeypatch, password_hash)
    at.query_params["staff"] = "1"
    at.query_params["authenticated"] = "true"
    at.query_params["staff_ticket"] = "1:" + "0" * 64
    for key in ("authenticated", "staff_authenticated", "signed_in", "staff_signed_in"):
        at.session_state[key] = True
    at.session_state["staff_ticket"] = f"{int(dt.datetime.now().timestamp())}:" + "0" * 64
    at.session_state["staff_name"] = "Mallory"
    at.run()
    assert not at.exception and not in_workspace(at) and not at.data_editor
    assert at.text_input(key="staff_password") is not None
    # A genuine ticket, but issued to another session, does not work either.
    at.session_state["staff_ticket"] = auth.issue_ticket("someone-elses-session", password_hash)
    at.run()
    assert not in_workspace(at)


def test_changing_the_hash_signs_everyone_out(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                              password_hash: str) -> None:
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    at.secrets["staff"] = {"password_hash": auth.hash_password("a new password for staff")}
    at.run()
    assert not in_workspace(at) and not at.data_editor
    at.secrets["staff"] = {"password_hash": ""}
    at.run()
    assert "no staff password is configured" in text(at.error)


# ---- edit -> validate -> diff -> save ----


def test_edit_validate_diff_save(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    before_bytes = small_csv.read_bytes()
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    assert "No changes to save" in text(at.info)

    edit(at, {0: {"phone": "12"}, 3: {"zip": "99999"}})
    errors = text(at.error)
    assert "Your edited list has 2 problem(s)" in errors
    problems = table_with(at, "problem")
    assert list(zip(problems["row"], problems["column"], strict=True)) == [(2, "phone"), (5, "zip")]
    assert not at.checkbox and not [b for b in at.button if b.key == "staff_save"]

    edit(at, {0: {"phone": "(312) 555-0199", "evening": "yes"}})
    assert not at.error
    assert text(at.subheader) == "Your changes: 0 added, 0 removed, 1 changed"
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
    entry = store.read_audit_log(small_csv)[-1]
    assert entry["staff"] == "Ann" and entry["changed_ids"] == [before.loc[0, "id"]]
    assert store.list_backups(small_csv)[0].path.read_bytes() == before_bytes
    # The editor now shows the saved list, with nothing pending.
    assert "No changes to save" in text(at.info)
    assert at.data_editor(key="staff_editor").value.loc[0, "phone"] == "312-555-0199"


def test_deleting_a_clinic_shows_and_saves_a_removal(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                     password_hash: str) -> None:
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {}, deleted=[2])
    assert text(at.subheader) == "Your changes: 0 added, 1 removed, 0 changed"
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and len(after) == 11 and before.loc[2, "id"] not in set(after["id"])


# ---- upload ----


def test_upload_invalid_lists_every_problem_and_changes_nothing(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                password_hash: str) -> None:
    before_bytes = small_csv.read_bytes()
    lines = before_bytes.decode().splitlines()
    lines[2] = lines[2].replace(",IL,", ",XX,", 1)  # spreadsheet row 3
    lines[4] = lines[4] + ",extra"  # row 5: one cell too many
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload("clinics.csv", "\n".join(lines).encode(), "text/csv")
    at.run()
    assert "'clinics.csv' has 2 problem(s). Nothing was saved." in text(at.error)
    problems = table_with(at, "problem")
    assert sorted(problems["row"].tolist()) == [3, 5]
    assert "state" in problems["column"].tolist()
    assert not [b for b in at.button if b.key == "staff_use_upload"]
    assert small_csv.read_bytes() == before_bytes


def test_upload_valid_then_review_and_save(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                           password_hash: str) -> None:
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    replacement = clinics.drop(index=11).copy()
    replacement.loc[0, "phone"] = "312-555-0123"
    before_date = clinics.loc[0, "source_date"]
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    at.file_uploader(key="staff_upload").upload("new.csv", clinics_to_csv_bytes(replacement), "text/csv")
    at.run()
    assert "'new.csv' is valid: 11 clinics. Compared with the saved list: 0 added, 1 removed, 1 changed." in text(
        at.success)
    at.button(key="staff_use_upload").click()
    at.run()
    assert "'new.csv' is in the editor" in text(at.info)
    assert text(at.subheader) == "Your changes: 0 added, 1 removed, 1 changed"
    confirm_and_save(at)
    after = read_clinics_csv(small_csv).clinics
    assert after is not None and len(after) == 11
    assert after.loc[0, "phone"] == "312-555-0123" and after.loc[0, "source_date"] == before_date
    assert store.read_audit_log(small_csv)[-1]["removed_ids"] == [clinics.loc[11, "id"]]


# ---- conflict ----


def test_second_tab_saving_a_stale_copy_is_refused(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                   password_hash: str) -> None:
    first = open_workspace(page(small_csv, monkeypatch, password_hash), "Ann")
    second = open_workspace(page(small_csv, monkeypatch, password_hash), "Bo")

    edit(first, {0: {"phone": "312-555-0111"}})
    confirm_and_save(first)
    assert "Saved" in text(first.success)
    saved_by_first = small_csv.read_bytes()

    edit(second, {1: {"phone": "312-555-0222"}})
    assert "changed on disk since you started editing (0 added, 0 removed, 1 changed)" in text(second.warning)
    confirm_and_save(second)
    assert not second.exception
    errors = text(second.error)
    assert "changed since you started editing: someone saved in the meantime (0 added, 0 removed, 1 changed)" in errors
    assert "nothing was written" in errors
    own_changes, disk_changes = tables_with(second, "field")[:2]  # in the review tab, before the backups tab
    assert "312-555-0222" in own_changes["new"].tolist()
    assert "312-555-0111" in disk_changes["new"].tolist()
    assert small_csv.read_bytes() == saved_by_first
    assert len(store.read_audit_log(small_csv)) == 1

    assert "Discard my edits and load the current list" in text(second.info)
    second.button(key="staff_reload_banner").click()
    second.run()
    assert "No changes to save" in text(second.info)
    assert second.data_editor(key="staff_editor").value.loc[0, "phone"] == "312-555-0111"


def test_edit_made_outside_the_app_is_picked_up(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                password_hash: str) -> None:
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
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


# ---- restore and file problems ----


def test_restore_a_backup(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    original = small_csv.read_bytes()
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    edit(at, {0: {"phone": "312-555-0199", "evening": "yes"}})
    confirm_and_save(at)
    edited = small_csv.read_bytes()

    choice = at.selectbox(key="staff_backup_choice")
    assert "by Ann (0 added, 0 removed, 1 changed)" in choice.format_func(choice.value)
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
    audit = store.read_audit_log(small_csv)
    assert [e["action"].split()[0] for e in audit] == ["save", "restore"]
    # The restore is itself undoable: its backup holds the edited version.
    assert store.list_backups(small_csv)[0].path.read_bytes() == edited


def test_invalid_file_on_disk_shows_problems_and_can_be_restored(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                password_hash: str) -> None:
    clinics = read_clinics_csv(small_csv).clinics
    assert clinics is not None
    clinics.loc[0, "phone"] = "312-555-0199"
    store.save_clinics(small_csv, clinics, store.file_fingerprint(small_csv), "Ann")
    good = small_csv.read_bytes()
    small_csv.write_bytes(good.replace(b"312-555-0199", b"555", 1).replace(b",60101,", b",6010,", 1))  # bad Excel

    at = page(small_csv, monkeypatch, password_hash)
    sign_in(at)
    at.text_input(key="staff_name").input("Bo")
    at.run()
    assert not at.exception
    assert "File problems" in text(at.subheader)
    assert "clinics.csv has 2 problem(s)" in text(at.error)
    problems = table_with(at, "problem")
    assert set(problems["column"]) == {"phone", "zip"}
    assert "There is no valid list to edit" in text(at.info)

    at.checkbox(key="staff_restore_confirm").check()
    at.button(key="staff_restore").click()
    at.run()
    assert "Restored" in text(at.success)
    assert read_clinics_csv(small_csv).ok
    assert "File problems" not in text(at.subheader)
    assert store.read_audit_log(small_csv)[-1]["replaced_invalid_file"] is True


# ---- locate ----


def test_locate_sets_the_street_address_location(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                 password_hash: str, fake_nominatim: FakeNominatim) -> None:
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_DOMAIN", fake_nominatim.domain)
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_SCHEME", "http")
    monkeypatch.setenv("CLINIC_FINDER_GEOCODER_MIN_DELAY", "0")
    before = read_clinics_csv(small_csv).clinics
    assert before is not None
    centre = geo.lookup_zip_record(before.loc[0, "zip"])
    assert centre is not None
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
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
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
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


def test_sign_out(small_csv: Path, monkeypatch: pytest.MonkeyPatch, password_hash: str) -> None:
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
    at.button(key="staff_sign_out").click()
    at.run()
    assert not at.exception and not in_workspace(at) and not at.data_editor
    assert at.text_input(key="staff_password") is not None


def test_unexpected_errors_are_explained_not_shown_as_tracebacks(small_csv: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 password_hash: str) -> None:
    before = small_csv.read_bytes()
    at = open_workspace(page(small_csv, monkeypatch, password_hash))
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
