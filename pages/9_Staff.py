"""Staff page: sign in, edit or upload the clinics list, review the diff, save safely, undo from backups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinic_finder import auth, data_path, editing, store
from clinic_finder import geocode as geocoding
from clinic_finder.csvfile import Problem, clinics_to_csv_bytes, parse_clinics_csv
from clinic_finder.diff import ClinicsDiff, diff_clinics
from clinic_finder.schema import COLUMN_INFO, COLUMNS
from views.common import start_page

start_page("Staff — IOP Finder", "🔒", layout="wide")
ss = st.session_state

HOW_TO_SET_A_PASSWORD = f"""
To switch staff editing on, someone with access to the server:

1. runs `python -m clinic_finder hash-password` and types the new staff password (twice);
2. puts the printed hash in `.streamlit/secrets.toml`:
   ```toml
   [staff]
   password_hash = "$argon2id$..."
   ```
   or in the environment variable `{auth.HASH_ENV_VAR}`;
3. reloads this page. See `docs/staff.md`.
"""


def secret_hash() -> object:
    """The `[staff] password_hash` secret, or None when there is none."""
    try:
        staff = st.secrets.get("staff")
        return staff.get("password_hash") if staff is not None else None
    except Exception:  # no secrets.toml, or an unreadable one: the environment may still have a hash
        return None


def session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def flash(kind: str, text: str) -> None:
    """Show `text` at the top of the next run (after st.rerun)."""
    ss["staff_flash"] = (kind, text)


def reset_widgets_and_rerun() -> None:
    # Widget state can only be dropped before the widgets are drawn, so do it at the start of the next run.
    ss["staff_reset_widgets"] = True
    st.rerun()


def load_base(snapshot: store.Snapshot) -> None:
    """Make the file on disk the version this session edits (and later saves over)."""
    ss["staff_base"] = snapshot.result.clinics
    ss["staff_base_fp"] = snapshot.fingerprint
    ss["staff_working"] = None if snapshot.result.clinics is None else editing.editor_frame(snapshot.result.clinics)
    ss["staff_dirty"] = False  # True once an upload or a locate changed the working copy


def editor_has_edits() -> bool:
    state = ss.get("staff_editor")
    if not isinstance(state, dict):
        return False
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def show_problems(problems: list[Problem], what: str, advice: str = "Nothing was saved. Fix each one and try again.",
                  ) -> None:
    st.error(f"{what} has {len(problems)} problem(s). {advice}")
    st.dataframe(
        pd.DataFrame(
            [{"row": p.row, "column": p.column or "", "problem": p.message, "value": p.value or ""} for p in problems],
            columns=["row", "column", "problem", "value"],
        ),
        hide_index=True,
        width="stretch",
    )


def show_diff(diff: ClinicsDiff) -> None:
    rows = diff.rows()
    for row in rows:
        if row["field"]:
            row["field"] = f"{COLUMN_INFO[row['field']].label} ({row['field']})"
    st.dataframe(pd.DataFrame(rows, columns=["change", "id", "name", "field", "old", "new"]), hide_index=True,
                 width="stretch")


def column_config() -> dict[str, Any]:
    """Editor widgets per column, derived from the schema: choices as selectboxes, help texts as tooltips."""
    config: dict[str, Any] = {}
    for name in COLUMNS:
        info = COLUMN_INFO[name]
        if info.kind == "availability":
            config[name] = st.column_config.SelectboxColumn(
                info.label, help=info.help, options=list(info.choices), default="unknown", required=True
            )
        elif info.kind == "choice":
            config[name] = st.column_config.SelectboxColumn(info.label, help=info.help, options=list(info.choices))
        elif info.kind == "number":
            config[name] = st.column_config.NumberColumn(info.label, help=info.help, format="%.6f", step=0.000001,
                                                         min_value=-180.0, max_value=180.0)
        elif info.kind == "date":
            config[name] = st.column_config.DateColumn(info.label, help=info.help, format="YYYY-MM-DD",
                                                       max_value=dt.date.today())
        else:
            config[name] = st.column_config.TextColumn(info.label, help=info.help)
    config["id"] = st.column_config.TextColumn(COLUMN_INFO["id"].label, help=COLUMN_INFO["id"].help, pinned=True)
    return config


# ---- sign-in gate ----


def sign_in(password_hash: str) -> None:
    st.title("Staff sign-in")
    st.write("This page is for clinic-list staff. Visitors: the finder is on the first page.")
    password = st.text_input("Staff password", type="password", key="staff_password")
    if not st.button("Sign in", key="staff_sign_in"):
        return
    failures = int(ss.get("staff_failures", 0))
    # One call throttles (counting the attempt before the slow check) and caps concurrent checks.
    outcome = auth.attempt_sign_in(password, password_hash, failures, ss.get("staff_last_failure"))
    if outcome.status == "ok":
        ss["staff_ticket"] = auth.issue_ticket(session_id(), password_hash)
        ss["staff_failures"] = 0
        st.rerun()
    if outcome.status == "wrong":
        ss["staff_failures"] = failures + 1
        ss["staff_last_failure"] = outcome.failure_time
    st.error(outcome.message())


def signed_in() -> bool:
    # Re-checked on every run: a hash must be configured now, and the ticket must be one this server
    # issued to this very session for that hash. Query parameters are never consulted.
    password_hash = auth.configured_hash(secret_hash())
    if password_hash is None:
        st.title("Staff sign-in")
        st.error("Staff editing is switched off: no staff password is configured.")
        st.markdown(HOW_TO_SET_A_PASSWORD)
        return False
    if auth.ticket_valid(ss.get("staff_ticket"), session_id(), password_hash):
        return True
    ss.pop("staff_ticket", None)
    sign_in(password_hash)
    return False


# ---- the staff workspace ----


def start_of_run(path_label: str) -> store.Snapshot:
    if ss.pop("staff_reset_widgets", False):
        for key in ("staff_editor", "staff_confirm", "staff_restore_confirm", "staff_upload"):
            ss.pop(key, None)
    message = ss.pop("staff_flash", None)
    if message:
        getattr(st, message[0])(message[1])
    snapshot = store.read_snapshot(data_path())
    if "staff_base_fp" not in ss:
        load_base(snapshot)
    elif snapshot.fingerprint != ss["staff_base_fp"]:
        if ss.get("staff_dirty") or editor_has_edits():
            changed = diff_clinics(ss.get("staff_base"), snapshot.result.clinics) if snapshot.result.ok else None
            st.warning(
                f"{path_label} changed on disk since you started editing"
                + (f" ({changed.summary()})" if changed else "")
                + ". Saving your edits will be refused so nobody's work is overwritten: download your version "
                "if you need it, then reload the current list."
            )
            if st.button("Discard my edits and load the current list", key="staff_reload_banner"):
                load_base(snapshot)
                flash("info", "Loaded the current list.")
                reset_widgets_and_rerun()
        else:
            load_base(snapshot)  # edits made outside the app (Excel, git) are picked up
    return snapshot


def file_problems_panel(snapshot: store.Snapshot, path_label: str) -> None:
    if snapshot.result.ok:
        return
    with st.container(border=True):
        st.subheader("File problems")
        st.write(
            f"{path_label} on disk is not a valid clinics list right now (edited outside the app?). The finder "
            "keeps showing the last valid version. Fix the file, upload a corrected CSV, or restore a backup "
            "in 'Backups and undo'."
        )
        show_problems(snapshot.result.problems, path_label, "Visitors are not affected.")


def edit_tab() -> pd.DataFrame | None:
    working = ss.get("staff_working")
    if working is None:
        st.info("There is no valid list to edit. Restore a backup or upload a corrected CSV.")
        return None
    st.caption("Change cells, add rows at the bottom, or select rows and delete them. Hover a column title for "
               "its meaning. Nothing is saved until you confirm in 'Review and save'.")
    edited = st.data_editor(working, key="staff_editor", num_rows="dynamic", column_config=column_config(),
                            hide_index=True, width="stretch")
    edited = edited.reset_index(drop=True)
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    positions = list(range(len(edited)))

    def cell(i: int, column: str) -> str:
        value = edited.at[i, column]
        return "" if value is None or pd.isna(value) else str(value)

    choice = cols[0].selectbox(
        "Locate a clinic's street address (new or moved clinic)",
        positions,
        format_func=lambda i: f"{cell(i, 'id') or '(no id yet)'} — {cell(i, 'name')}, {cell(i, 'city')}",
        key="staff_locate_row",
        index=None,
    )
    if cols[1].button("Locate", key="staff_locate") and choice is not None:
        with st.spinner("Asking the geocoder…"):
            geocoder = geocoding.shared_geocoder(geocoding.settings_from_env())
            located = geocoding.locate(edited.loc[choice].to_dict(), geocoder)
        if located.precision is None:
            st.error(located.message)
        else:
            updated = edited.copy()
            updated.loc[choice, ["lat", "lon", "location_precision"]] = [located.lat, located.lon,
                                                                         located.precision.value]
            ss["staff_working"] = updated
            ss["staff_dirty"] = True
            flash("warning" if located.failure else "success", f"{cell(choice, 'id')}: {located.message}.")
            reset_widgets_and_rerun()
    if cols[2].button("Discard my edits", key="staff_discard"):
        load_base(store.read_snapshot(data_path()))
        flash("info", "Your edits were discarded; this is the list as saved.")
        reset_widgets_and_rerun()
    return edited


def upload_tab() -> None:
    st.write("Replace the whole list with a CSV (for example one edited in Excel and saved as 'CSV UTF-8'). "
             "It is checked first; a valid file goes into the editor, to review and save like any edit.")
    uploaded = st.file_uploader("Clinics CSV", type=["csv"], key="staff_upload")
    if uploaded is None:
        return
    result = parse_clinics_csv(uploaded.getvalue())
    for note in result.notes:
        st.info(note)
    if not result.ok or result.clinics is None:
        show_problems(result.problems, f"'{uploaded.name}'")
        return
    diff = diff_clinics(ss.get("staff_base"), result.clinics)
    st.success(f"'{uploaded.name}' is valid: {len(result.clinics)} clinics. Compared with the saved list: "
               f"{diff.summary()}.")
    if st.button("Use this file (review before saving)", key="staff_use_upload"):
        ss["staff_working"] = editing.editor_frame(result.clinics)
        ss["staff_dirty"] = True
        flash("info", f"'{uploaded.name}' is in the editor. Review the changes in 'Review and save'.")
        reset_widgets_and_rerun()


def review_tab(edited: pd.DataFrame | None, staff_label: str, path_label: str) -> pd.DataFrame | None:
    """Validate and diff the edits; save on confirm. Returns the valid candidate, if any."""
    base = ss.get("staff_base")
    if edited is None:
        st.info("Nothing to review.")
        return None
    candidate = editing.prepare_candidate(base, edited)
    if not candidate.ok or candidate.clinics is None:
        st.caption("Row numbers count like a spreadsheet: row 2 is the first clinic in the editor.")
        show_problems(candidate.problems, "Your edited list")
        return None
    diff = diff_clinics(base, candidate.clinics)
    if diff.empty:
        st.info("No changes to save.")
        return candidate.clinics
    st.subheader(f"Your changes: {diff.summary()}")
    st.caption("Changed clinics get today's date in 'Last verified' unless you set that date yourself.")
    show_diff(diff)
    confirmed = st.checkbox("I have checked these changes; save them.", key="staff_confirm")
    if st.button("Save", key="staff_save", type="primary"):
        if not confirmed:
            st.error("Tick the box above to confirm you checked the changes, then press Save.")
            return candidate.clinics
        try:
            result = store.save_clinics(data_path(), candidate.clinics, ss.get("staff_base_fp"), staff_label,
                                        base=base)
        except store.SaveConflict as conflict:
            st.error(conflict.explanation())
            if conflict.disk_diff is not None and not conflict.disk_diff.empty:
                st.write("What changed on disk since you loaded the list:")
                show_diff(conflict.disk_diff)
            if conflict.disk_problems:
                show_problems(conflict.disk_problems, f"{path_label} on disk", "")
            # on_click="ignore": downloading must not rerun the page and hide this explanation.
            st.download_button("Download my version (CSV)", clinics_to_csv_bytes(candidate.clinics),
                               file_name="clinics-my-edits.csv", mime="text/csv", key="staff_download_mine",
                               on_click="ignore")
            st.info("Then press 'Discard my edits and load the current list' at the top of the page.")
            return candidate.clinics
        except store.InvalidClinics as invalid:
            show_problems(invalid.problems, "Your edited list")
            return None
        except store.SaveBusy as busy:
            st.error(str(busy))
            return candidate.clinics
        except OSError as error:  # e.g. the data folder is read-only or the disk is full
            st.error(f"Could not write the clinics file ({error.strerror or error}); nothing was saved. "
                     "Download your version (Download tab) and tell the maintainer.")
            return candidate.clinics
        load_base(store.read_snapshot(data_path()))
        backup = f" The previous version is kept as backup {result.backup.name}." if result.backup else ""
        flash("success", f"Saved: {result.diff.summary()}.{backup} The finder shows the change from now on.")
        reset_widgets_and_rerun()
    return candidate.clinics


def backups_tab(snapshot: store.Snapshot, staff_label: str) -> None:
    backups = store.list_backups(data_path())
    if not backups:
        st.info("No backups yet: each save keeps the version it replaces here (the last "
                f"{store.BACKUPS_KEPT}).")
        return
    by_name = {b.path.name: b for b in backups}

    def describe(name: str) -> str:
        b = by_name[name]
        who = f"by {b.staff}" if b.staff else "by unknown"
        return f"{b.time:%Y-%m-%d %H:%M:%S} UTC — the list before the {b.action or 'save'} {who} ({b.summary})"

    st.write("Each backup is the list as it was just before a save. Restoring one is itself a save, so it can "
             "be undone the same way.")
    name = st.selectbox("Backup", list(by_name), format_func=describe, key="staff_backup_choice")
    if name is None:
        return
    preview = store.read_snapshot(by_name[name].path)
    if not preview.result.ok or preview.result.clinics is None:
        show_problems(preview.result.problems, f"Backup {name}", "It cannot be restored.")
        return
    diff = diff_clinics(snapshot.result.clinics, preview.result.clinics)
    if snapshot.result.ok:
        st.write(f"Restoring it would change the current list: {diff.summary()}.")
        show_diff(diff)
    else:
        st.write(f"Restoring it replaces the invalid file on disk with {len(preview.result.clinics)} clinics.")
    if ss.get("staff_dirty") or editor_has_edits():
        st.warning("Restoring discards the unsaved edits in the editor.")
    confirmed = st.checkbox("Restore this backup as the current list.", key="staff_restore_confirm")
    if st.button("Restore", key="staff_restore"):
        if not confirmed:
            st.error("Tick the box above to confirm, then press Restore.")
            return
        try:
            result = store.restore_backup(data_path(), name, snapshot.fingerprint, staff_label)
        except store.SaveConflict as conflict:
            st.error(conflict.explanation())
            return
        except (store.InvalidClinics, store.SaveBusy, ValueError, OSError) as error:
            st.error(f"Nothing was restored: {error}")
            return
        load_base(store.read_snapshot(data_path()))
        flash("success", f"Restored {name} ({result.diff.summary()}). To undo this, restore the newest backup.")
        reset_widgets_and_rerun()
    with st.expander("Change log (newest first)"):
        entries = list(reversed(store.read_audit_log(data_path())))[:50]
        st.dataframe(pd.DataFrame(entries, columns=["time", "staff", "action", "added", "removed", "changed",
                                                    "changed_ids", "added_ids", "removed_ids"]),
                     hide_index=True, width="stretch")


def download_tab(snapshot: store.Snapshot, candidate: pd.DataFrame | None) -> None:
    try:
        current = data_path().read_bytes()
    except OSError:
        current = None
    if current is not None:
        st.download_button("Download the current list (CSV)", current, file_name="clinics.csv", mime="text/csv",
                           key="staff_download_current")
    if not snapshot.result.ok:
        st.caption("The file on disk has problems (see 'File problems'); you can still download it to fix it.")
    if candidate is not None and (ss.get("staff_dirty") or editor_has_edits()):
        st.download_button("Download my edited version (CSV)", clinics_to_csv_bytes(candidate),
                           file_name="clinics-my-edits.csv", mime="text/csv", key="staff_download_edits")


def workspace() -> None:
    path_label = data_path().name
    with st.sidebar:
        if st.button("Sign out", key="staff_sign_out"):
            for key in list(ss.keys()):
                if str(key).startswith("staff_") and key not in ("staff_failures", "staff_last_failure"):
                    ss.pop(key, None)
            st.rerun()
    st.title("Staff: update the clinic list")
    staff_label = st.text_input("Your name or initials (shown in the change log)", key="staff_name", max_chars=80)
    if not staff_label.strip():
        st.info("Type your name or initials to start.")
        return
    snapshot = start_of_run(path_label)
    file_problems_panel(snapshot, path_label)
    edit, upload, review, backups, download = st.tabs(
        ["Edit", "Upload CSV", "Review and save", "Backups and undo", "Download"]
    )
    with edit:
        edited = edit_tab()
    with upload:
        upload_tab()
    with review:
        candidate = review_tab(edited, staff_label, path_label)
    with backups:
        backups_tab(snapshot, staff_label)
    with download:
        download_tab(snapshot, candidate)


def main() -> None:
    try:
        if signed_in():
            workspace()
    except Exception as error:  # staff see an explanation, never a traceback
        st.error(
            "Something went wrong on this page, and nothing was saved unless a green message said so. "
            f"Reload the page and try again; if it happens again, tell the maintainer: {type(error).__name__}: "
            f"{error}"
        )


main()
