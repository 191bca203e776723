"""The Staff page: sign in, then keep the clinic list right.

What a newcomer sees, top to bottom:

* signed out: the sign-in form (account name, password), or how to switch staff editing on;
* signed in: a title, who is signed in (and "Sign out", in the sidebar), how many suggestions from visitors
  are waiting, then tabs:
  - a clinic account: one tab per clinic it looks after (that clinic's form and "Still correct"), then
    "Suggestions from visitors" (about its own clinics only);
  - a maintainer: "One clinic" (pick one: its form and "Still correct"), "Suggestions from visitors", then the
    whole-list tools of the old page: "Edit the whole list", "Upload a CSV", "Review and save", "Backups and
    change log", "Download".

Who may change what is decided by `clinic_finder.permissions` on every save, for the account re-read on every
run (`accounts.session_account`). Session state holds the sign-in ticket and what the page is showing; a role
or a clinic id found there is never trusted. Visitors' suggestion text is shown with `st.text` only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import filelock
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinic_finder import accounts, clock, data_path, editing, forms, permissions, store, suggestions
from clinic_finder import geocode as geocoding
from clinic_finder.accounts import Account
from clinic_finder.csvfile import Problem, clinics_to_csv_bytes, parse_upload
from clinic_finder.diff import ClinicsDiff, diff_clinics
from clinic_finder.i18n import N_, _, ngettext
from clinic_finder.markdown import md_escape
from clinic_finder.schema import COLUMN_INFO, COLUMNS
from views import common
from views.finder import serving_clinics

ss = st.session_state

FORMS = "staff_forms"  # form key prefix -> {"clinic_id", "base", "fp", "initial"}: the clinic forms open now
CLINIC_FORM_PREFIX = "staff_form_"  # + clinic id + "_" + column: the clinic forms in their own tabs
ACCEPT_FORM_PREFIX = "staff_accepting_"  # + suggestion id + "_" + column: a form opened from a suggestion
GRID_WIDGETS = ("staff_editor", "staff_confirm", "staff_restore_confirm", "staff_upload")
QUEUE_SHOWN = 20  # suggestions drawn at once (oldest first); the rest follow as these are dealt with
UPLOAD_TYPES = ["csv", "xlsx", "xls", "text/csv"]  # workbooks pass, to be told how to save them as CSV (see below)
EARLIEST_DATE = dt.date(1900, 1, 1)
LOG_ENTRIES_SHOWN = 100


# ---- small helpers ----


def _secret_hash() -> object:
    """The `[staff] password_hash` secret (the shared password), or None when there is none."""
    try:
        staff = st.secrets.get("staff")
        return staff.get("password_hash") if staff is not None else None
    except Exception:  # no secrets.toml, or an unreadable one: the environment may still have a hash
        return None


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _flash(kind: str, text: str) -> None:
    """Show `text` at the top of the next run (after st.rerun)."""
    ss["staff_flash"] = (kind, text)


def _show_flash() -> None:
    message = ss.pop("staff_flash", None)
    if message:
        getattr(st, message[0])(message[1])


def _label(column: str) -> str:
    return _(COLUMN_INFO[column].label)


def _error_text(error: BaseException) -> str:
    return str(getattr(error, "strerror", None) or error)


def _problems_table(problems: list[Problem], *, by_question: bool = False) -> None:
    if by_question:
        rows = [{_("Question"): _label(p.column) if p.column in COLUMN_INFO else "", _("Problem"): p.message}
                for p in problems]
        st.dataframe(pd.DataFrame(rows, columns=[_("Question"), _("Problem")]), hide_index=True, width="stretch")
        return
    st.dataframe(
        pd.DataFrame([{"row": p.row, "column": p.column or "", "problem": p.message, "value": p.value or ""}
                      for p in problems], columns=["row", "column", "problem", "value"]),
        hide_index=True, width="stretch")


def _show_problems(problems: list[Problem], what: str, advice: str | None = None) -> None:
    advice = _("Nothing was saved. Fix each one and try again.") if advice is None else advice
    st.error(ngettext("{what} has {count} problem.", "{what} has {count} problems.", len(problems)).format(
        what=what, count=len(problems)) + (" " + advice if advice else ""))
    _problems_table(problems)


def _show_diff(diff: ClinicsDiff) -> None:
    rows = diff.rows()
    for row in rows:
        if row["field"]:
            row["field"] = f"{_label(row['field'])} ({row['field']})"
    st.dataframe(pd.DataFrame(rows, columns=["change", "id", "name", "field", "old", "new"]), hide_index=True,
                 width="stretch")


# ---- once per server process ----


@st.cache_resource(show_spinner=False)
def _audit_recovered(path: str) -> bool:
    # A save killed between its "intent" and "done" lines gets its outcome line, once per process. If a save
    # holds the lock right now this raises, nothing is cached, and the next run tries again.
    store.recover_audit(path, lock_timeout_seconds=1.0)
    return True


def _recover_crashed_saves() -> None:
    with contextlib.suppress(filelock.Timeout, OSError):
        _audit_recovered(str(data_path()))


# ---- signing in ----


# How to switch staff editing on: the words are translated, the commands between them are not.
HOW_TO_SWITCH_ON = N_("To switch staff editing on, the maintainer (someone with access to the server) opens a "
                      "terminal in the app's folder and either gives each person or clinic an account of their own:")
# No language after the fence: Streamlit's shell highlighting colours are under WCAG AA's contrast on its code
# background (2.8:1), and plain commands read as well.
ACCOUNT_COMMANDS = """```
python -m clinic_finder user add ann --role maintainer
python -m clinic_finder user add symetria-chicago --role clinic --clinic symetria-recovery-chicago
```"""
HOW_TO_SHARE_A_PASSWORD = N_(
    "or sets one shared staff password: `python -m clinic_finder hash-password`, then puts the printed hash in "
    "`.streamlit/secrets.toml` under `[staff]` as `password_hash = \"$argon2id$...\"` (or in the environment "
    "variable `CLINIC_FINDER_STAFF_PASSWORD_HASH`). Then reload this page. The staff guide (`docs/staff.md`) "
    "explains both.")


def _current_account() -> Account | None:
    """The signed-in account, checked again on every run against the accounts as they are now."""
    account = accounts.session_account(ss.get("staff_ticket"), _session_id(), legacy_hash=_secret_hash())
    if account is None:
        ss.pop("staff_ticket", None)
    return account


def _sign_in_clicked() -> None:
    """The sign-in button's callback: runs before the page is drawn, so it can empty the password field."""
    common.choose_language()  # its answer is made here, before the page sets its language
    name = str(ss.get("staff_account_name") or "")
    password = str(ss.get("staff_password") or "")
    ss["staff_password"] = ""  # the password is checked, never kept (not even in the field)
    failures = int(ss.get("staff_failures", 0))
    try:
        result = accounts.sign_in(_session_id(), name, password, failures, ss.get("staff_last_failure"),
                                  legacy_hash=_secret_hash())
    except accounts.AccountsFileError as error:
        ss["staff_sign_in_message"] = _("The accounts file cannot be read ({error}). Tell the maintainer.").format(
            error=md_escape(error))
        return
    except Exception as error:  # a callback's exception would bypass the page's own handler
        ss["staff_sign_in_message"] = _("Signing in failed ({error}). Try again in a moment.").format(
            error=md_escape(f"{type(error).__name__}: {error}"))
        return
    if result.status == "ok":
        ss["staff_ticket"] = result.ticket
        ss["staff_failures"] = 0
        ss.pop("staff_last_failure", None)
        return
    if result.status == "wrong":
        ss["staff_failures"] = failures + 1
        ss["staff_last_failure"] = result.failure_time
    ss["staff_sign_in_message"] = result.message()


def _sign_in_page() -> None:
    st.title(_("Staff sign-in"))
    secret = _secret_hash()
    file_problem: accounts.AccountsFileError | None = None
    try:
        accounts.load_accounts()
    except accounts.AccountsFileError as error:
        file_problem = error
    if not accounts.sign_in_possible(legacy_hash=secret):
        if file_problem is not None:
            st.error(_("Nobody can sign in right now: the accounts file cannot be read ({error}). Tell the "
                       "maintainer.").format(error=md_escape(file_problem)))
        else:
            st.error(_("Staff editing is switched off: there are no staff accounts and no shared staff password "
                       "yet. Nobody can change the clinic list here."))
            st.markdown("\n\n".join((_(HOW_TO_SWITCH_ON), ACCOUNT_COMMANDS, _(HOW_TO_SHARE_A_PASSWORD))))
        return
    st.write(_("This page is for the people who keep the clinic list right: the maintainer and the clinics' own "
               "staff. Visitors: the search is on the first page."))
    with st.form("staff_sign_in_form"):
        st.text_input(_("Account name"), key="staff_account_name", max_chars=accounts.MAX_NAME_CHARS,
                      help=_("The name the maintainer gave you. Leave it empty to use the shared staff password."),
                      autocomplete="username")
        st.text_input(_("Password"), type="password", key="staff_password", autocomplete="current-password")
        st.form_submit_button(_("Sign in"), key="staff_sign_in", on_click=_sign_in_clicked, type="primary")
    message = ss.pop("staff_sign_in_message", None)
    if message:
        st.error(message)


def _sign_out() -> None:
    for key in list(ss.keys()):
        if str(key).startswith("staff_") and key not in ("staff_failures", "staff_last_failure"):
            ss.pop(key, None)


# ---- the list this session works on ----


def _load_base(snapshot: store.Snapshot) -> None:
    """Make the file on disk the version this session shows, edits and saves over."""
    ss["staff_base"] = snapshot.result.clinics
    ss["staff_base_fp"] = snapshot.fingerprint
    ss["staff_working"] = None if snapshot.result.clinics is None else editing.editor_frame(snapshot.result.clinics)
    ss["staff_dirty"] = False  # True once an upload or a locate changed the whole-list working copy


def _grid_has_edits() -> bool:
    state = ss.get("staff_editor")
    in_editor = isinstance(state, dict) and any(state.get(p) for p in ("edited_rows", "added_rows", "deleted_rows"))
    return bool(ss.get("staff_dirty")) or in_editor


def _form_dirty(prefix: str) -> bool:
    record = ss.get(FORMS, {}).get(prefix)
    if not isinstance(record, dict):
        return False
    initial = record.get("initial") or {}
    return any(prefix + column in ss and ss[prefix + column] != value for column, value in initial.items())


def _drop_form(prefix: str) -> None:
    """Forget a form's widgets (only at the start of a run, before they are drawn)."""
    for key in [k for k in ss.keys() if str(k).startswith(prefix)]:
        ss.pop(key, None)
    ss.get(FORMS, {}).pop(prefix, None)


def _drop_forms_later(*prefixes: str) -> None:
    """Forget these forms at the start of the next run (a form's widgets cannot change once drawn)."""
    ss["staff_drop_forms"] = [*ss.get("staff_drop_forms", []), *prefixes]


def _reload(snapshot: store.Snapshot, *forms_done: str, whole_list: bool = True) -> None:
    """Show `snapshot` from the next run on, without the forms in `forms_done`. The whole-list editor is
    reloaded too when `whole_list` (its own save, discard or restore), else only if it has no unsaved edits."""
    if whole_list or not _grid_has_edits():
        _load_base(snapshot)
        ss["staff_reset_widgets"] = True
    _drop_forms_later(*forms_done)


def _after_save(snapshot: store.Snapshot, kind: str, message: str, *forms_done: str, whole_list: bool = True) -> None:
    """Show the saved list from the next run on, without the forms that were saved; then rerun."""
    _reload(snapshot, *forms_done, whole_list=whole_list)
    _flash(kind, message)
    st.rerun()


def _start_of_run(account: Account) -> store.Snapshot:
    """Reset what the last run asked to reset, show its message, and pick up changes made on disk."""
    for prefix in ss.pop("staff_drop_forms", []):
        _drop_form(prefix)
    if ss.pop("staff_reset_widgets", False):
        for key in GRID_WIDGETS:
            ss.pop(key, None)
    _show_flash()
    snapshot = store.read_snapshot(data_path())
    if "staff_base_fp" not in ss:
        _load_base(snapshot)
    elif snapshot.fingerprint != ss["staff_base_fp"]:
        if account.is_maintainer and _grid_has_edits():
            _stale_banner(snapshot)
        else:
            _load_base(snapshot)  # edits made elsewhere (another tab, Excel, git) are picked up
    # A form shows the listing on disk; one with unsaved changes keeps the version it was opened on (its save
    # is refused if its own clinic's row changed since).
    for prefix, record in list(ss.get(FORMS, {}).items()):
        if not isinstance(record, dict) or (record.get("fp") != snapshot.fingerprint and not _form_dirty(prefix)):
            _drop_form(prefix)
    return snapshot


def _stale_banner(snapshot: store.Snapshot) -> None:
    changed = diff_clinics(ss.get("staff_base"), snapshot.result.clinics) if snapshot.result.ok else None
    st.warning(
        _("{file} changed on disk since you started editing the whole list{what}. Saving your edits will be "
          "refused so nobody's work is overwritten: download your version if you need it, then reload the "
          "current list.").format(file=data_path().name, what=f" ({changed.summary()})" if changed else ""))
    if st.button(_("Discard my edits and load the current list"), key="staff_reload_banner"):
        _reload(snapshot)
        _flash("info", _("Loaded the current list."))
        st.rerun()


# ---- one clinic's form ----


def _field_widget(prefix: str, field: forms.FormField) -> None:
    key = prefix + field.column
    if field.widget == "availability":
        labels = dict(field.choices)
        st.radio(field.label, list(labels), key=key, format_func=labels.get, horizontal=True, help=field.help)
    elif field.widget == "choice":
        labels = dict(field.choices)
        st.selectbox(field.label, list(labels), key=key, format_func=labels.get, help=field.help)
    elif field.widget == "long_text":
        st.text_area(field.label, key=key, max_chars=field.max_chars, help=field.help)
    elif field.widget == "date":
        st.date_input(field.label, key=key, min_value=EARLIEST_DATE, max_value=field.max_date, format="YYYY-MM-DD",
                      help=field.help)
    elif field.widget == "number":
        st.number_input(field.label, key=key, format="%.6f", step=0.000001, min_value=-180.0, max_value=180.0,
                        help=field.help)
    else:  # text, phone, url
        st.text_input(field.label, key=key, max_chars=field.max_chars, help=field.help)


def _open_form(account: Account, clinic_id: str, prefix: str,
               snapshot: store.Snapshot) -> tuple[dict[str, Any], forms.ClinicForm]:
    """The form's record (the list it was opened on) and the form, its fields' first values set in the widgets."""
    registry = ss.setdefault(FORMS, {})
    record = registry.get(prefix)
    fresh = not isinstance(record, dict) or record.get("clinic_id") != clinic_id or not any(
        str(k).startswith(prefix) for k in ss.keys())
    if fresh:
        # The list on disk now (for a maintainer with whole-list edits, newer than the editor's); while the file
        # on disk is invalid, the last valid one loaded (saving is refused until the file is fixed).
        record = {"clinic_id": clinic_id, "base": _current_clinics(snapshot), "fp": snapshot.fingerprint,
                  "initial": {}}
        registry[prefix] = record
    assert isinstance(record, dict)
    form = forms.clinic_form(account, record["base"], clinic_id)  # KeyError: not this account's clinic
    record["initial"] = form.values()
    for column, value in record["initial"].items():
        ss.setdefault(prefix + column, value)
    return record, form


def _who_checked(form: forms.ClinicForm) -> str:
    if form.last_checked:
        return _("Last checked {date} by {who}.").format(date=md_escape(form.last_checked),
                                                         who=md_escape(form.checked_by or _("staff")))
    return _("Nobody has confirmed this listing with the clinic yet.")


def _save_errors(action: Any) -> store.SaveResult | None:
    """Run a save; explain anything that stopped it (nothing was written then). Returns its result or None."""
    try:
        return action()
    except permissions.PermissionRefused as refused:
        st.error(_("Not saved: your account may not make this change."))
        _problems_table(refused.problems, by_question=True)
    except permissions.RowChanged as changed:
        # Shown again after a rerun, when the form shows the changed listing's warning and its reload button.
        _flash("error", changed.explanation())
        st.rerun()
    except store.InvalidClinics as invalid:
        st.error(_("Not saved: the listing has problems."))
        _problems_table(invalid.problems, by_question=True)
    except store.SaveConflict as conflict:
        st.error(conflict.explanation())
    except store.SaveBusy as busy:
        st.error(str(busy))
    except OSError as error:  # e.g. the data folder is read-only or the disk is full
        st.error(_("Could not write the clinics file ({error}); nothing was saved. Tell the maintainer.").format(
            error=md_escape(_error_text(error))))
    return None


def _still_correct(account: Account, typed: str, form: forms.ClinicForm, prefix: str,
                   record: dict[str, Any]) -> None:
    """'Last checked … by …' and the one-click "Still correct"."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(_who_checked(form))
    dirty = _form_dirty(prefix)
    if right.button(_("Still correct"), key=prefix + "still", disabled=dirty, width="stretch",
                    help=_("Nothing has changed: record that the whole listing was checked today, by you. Save or "
                           "undo the changes in the form first.") if dirty else
                    _("Nothing has changed: record that the whole listing was checked today, by you.")):
        result = _save_errors(lambda: permissions.save_still_correct(
            data_path(), account, form.clinic_id, record["base"], typed_name=typed))
        if result is not None:
            who = accounts.checked_label(account, typed)
            _after_save(store.read_snapshot(data_path()), "success", _(
                "{clinic}: marked as still correct today, by {who}. Visitors see the new date from their next "
                "click.").format(clinic=md_escape(form.title), who=md_escape(who)), prefix, whole_list=False)


def _row_changed_banner(clinic_id: str, prefix: str, record: dict[str, Any], snapshot: store.Snapshot) -> None:
    """Warn when the clinic's row on disk is no longer the one this form was opened on (a save would be refused)."""
    disk = snapshot.result.clinics
    if disk is None:
        return
    base = record["base"]
    if diff_clinics(base[base["id"] == clinic_id], disk[disk["id"] == clinic_id]).empty:
        return
    st.warning(_("Someone else changed this clinic's listing since you opened this form, so saving it would be "
                 "refused. Load the current listing, then make your change again."))
    if st.button(_("Load the current listing (drops the changes in this form)"), key=prefix + "reload"):
        _drop_forms_later(prefix)
        _reload(snapshot, whole_list=False)
        st.rerun()


def clinic_form(account: Account, typed: str, clinic_id: str, prefix: str, snapshot: store.Snapshot,
                suggestion: suggestions.Suggestion | None = None) -> None:
    """One clinic's form as this account may fill it in: fields by group, each problem under its question, then
    what would change, a confirmation and Save (through `permissions.save_clinic_form`)."""
    record, form = _open_form(account, clinic_id, prefix, snapshot)
    values = {column: ss[prefix + column] for column in record["initial"]}
    changed = _form_dirty(prefix)
    edit = permissions.prepare_clinic_edit(account, record["base"], clinic_id, values, typed_name=typed) \
        if changed else None
    problems: dict[str | None, list[str]] = {}
    for problem in edit.problems if edit is not None else []:
        problems.setdefault(problem.column, []).append(problem.message)

    st.subheader(md_escape(form.title))
    _row_changed_banner(clinic_id, prefix, record, snapshot)
    if form.fixed:
        common.safe_markdown(" · ".join(f"**{md_escape(label)}** — {md_escape(value)}" for label, value in form.fixed))
        st.caption(_("Name, address and map location are kept by the maintainer: if they are wrong, tell them."))
    if suggestion is None:
        _still_correct(account, typed, form, prefix, record)
    for group in form.groups:
        with st.container(border=True):
            st.markdown(f"**{md_escape(group.title)}**")
            wide = [f for f in group.fields if f.widget == "long_text"]
            narrow = [f for f in group.fields if f.widget != "long_text"]
            columns = st.columns(2) if len(narrow) > 1 else [st.container()]
            for position, field in enumerate(narrow):
                with columns[position % len(columns)]:
                    _field_widget(prefix, field)
                    for message in problems.get(field.column, []):
                        st.error(md_escape(message))
            for field in wide:
                _field_widget(prefix, field)
                for message in problems.get(field.column, []):
                    st.error(md_escape(message))
    _review_form(account, typed, form, prefix, record, values, edit, suggestion)


def _review_form(account: Account, typed: str, form: forms.ClinicForm, prefix: str, record: dict[str, Any],
                 values: dict[str, Any], edit: permissions.ClinicEdit | None,
                 suggestion: suggestions.Suggestion | None) -> None:
    heading = _("Save your changes")
    st.markdown(f"**{heading}**")
    if edit is None:
        st.info(_("No changes in the form yet.") + ("" if suggestion is not None else " " + _(
            "If everything is right, press 'Still correct' above.")))
        return
    if st.button(_("Undo my changes in this form"), key=prefix + "undo"):
        _drop_forms_later(prefix)
        st.rerun()
    if not edit.ok:
        st.error(ngettext("{count} answer needs fixing before you can save (see it above):",
                          "{count} answers need fixing before you can save (see them above):",
                          len(edit.problems)).format(count=len(edit.problems)))
        _problems_table(edit.problems, by_question=True)
        return
    st.caption(_("What will change on the public listing, before and after:"))
    rows = [{_("Question"): _label(f.column), _("Before"): forms.shown_value(f.column, f.old),
             _("After"): forms.shown_value(f.column, f.new)}
            for change in edit.diff.changed for f in change.fields]
    st.dataframe(pd.DataFrame(rows, columns=[_("Question"), _("Before"), _("After")]), hide_index=True,
                 width="stretch")
    confirmed = st.checkbox(_("I have checked these changes; save them."), key=prefix + "confirm")
    if not st.button(_("Save"), key=prefix + "save", type="primary"):
        return
    if not confirmed:
        st.error(_("Tick the box above to confirm you checked the changes, then press Save."))
        return
    result = _save_errors(lambda: permissions.save_clinic_form(
        data_path(), account, form.clinic_id, values, record["base"], typed_name=typed))
    if result is None:
        return
    message = _("Saved {clinic}: {summary}. The finder shows it from the next click.").format(
        clinic=md_escape(form.title), summary=result.diff.summary())
    kind = "success"
    if suggestion is not None:
        try:
            suggestions.accept_suggestion(data_path(), suggestion.id, account, typed_name=typed,
                                          saved_fingerprint=result.fingerprint)
            message += " " + _("The suggestion is marked accepted.")
            ss.pop("staff_accepting", None)
        except (suggestions.ResolveRefused, suggestions.QueueFull, store.SaveBusy, OSError) as error:
            kind = "warning"
            message += " " + _("The suggestion could not be marked accepted ({error}), so it is still in the "
                               "queue: dismiss it there with a reason such as 'corrected'.").format(
                                   error=md_escape(error))
    _after_save(store.read_snapshot(data_path()), kind, message, prefix, whole_list=False)


# ---- suggestions from visitors ----


def _listing_table(item: suggestions.ReviewItem, columns: list[str]) -> None:
    rows = [{_("Question"): _label(c), _("Now"): forms.shown_value(c, item.row.get(c, ""))} for c in columns]
    st.dataframe(pd.DataFrame(rows, columns=[_("Question"), _("Now")]), hide_index=True, width="stretch")


def review_queue(account: Account, typed: str, snapshot: store.Snapshot) -> None:
    """The open suggestions this account reviews, oldest first, each beside the clinic's current listing."""
    items = suggestions.review_items(account, data_path(), _current_clinics(snapshot))
    if not items:
        st.info(_("No suggestions from visitors are waiting."))
        return
    st.caption(_("Visitors' own words are shown exactly as typed. Accept one by making the correction in the "
                 "form it opens (it is saved like any edit), or dismiss it with a short reason. Both go in the "
                 "change log."))
    if len(items) > QUEUE_SHOWN:
        st.caption(_("Showing the {shown} oldest of {count}.").format(shown=QUEUE_SHOWN, count=len(items)))
    for item in items[:QUEUE_SHOWN]:
        _queue_item(account, typed, item, snapshot)


def _queue_item(account: Account, typed: str, item: suggestions.ReviewItem, snapshot: store.Snapshot) -> None:
    suggestion = item.suggestion
    sid = suggestion.id
    with st.container(border=True, key=f"staff_suggestion_{sid}"):
        title = item.clinic_title or _("a clinic that is no longer in the list")
        common.safe_markdown(f"**{md_escape(item.kind_label)}** · {md_escape(title)} · {md_escape(suggestion.time)}")
        said, listing = st.columns([2, 3])
        with said:
            st.caption(_("What the visitor wrote"))
            st.text(suggestion.text or _("(nothing)"))
            st.caption(_("How to reach them (only to ask about this correction)"))
            st.text(suggestion.contact or _("(none left)"))
        with listing:
            st.caption(_("The listing now"))
            if item.row:
                _listing_table(item, [c for c in item.relevant if c in item.row])
                with st.expander(_("The rest of the listing")):
                    _listing_table(item, [c for c in item.row if c not in item.relevant])
            else:
                st.warning(_("This clinic is no longer in the list."))
        accepting = ss.get("staff_accepting") == sid and bool(item.row) and account.may_edit(suggestion.clinic_id)
        if accepting:
            heading = _("Make the correction")
            st.markdown(f"**{heading}**")
            clinic_form(account, typed, suggestion.clinic_id, f"{ACCEPT_FORM_PREFIX}{sid}_", snapshot, suggestion)
            if st.button(_("Close the form without saving"), key=f"staff_accept_cancel_{sid}"):
                ss.pop("staff_accepting", None)
                _drop_forms_later(f"{ACCEPT_FORM_PREFIX}{sid}_")
                st.rerun()
        accept, dismiss = st.columns(2, vertical_alignment="bottom")
        if item.row and not accepting and accept.button(_("Accept into an edit"), key=f"staff_accept_{sid}",
                                                        type="primary"):
            ss["staff_accepting"] = sid
            st.rerun()
        reason = dismiss.text_input(_("Why dismiss it? (goes in the change log)"), key=f"staff_dismiss_reason_{sid}",
                                    max_chars=suggestions.MAX_REASON_CHARS,
                                    placeholder=_("Called the clinic: the number is right"))
        if dismiss.button(_("Dismiss"), key=f"staff_dismiss_{sid}"):
            if not reason.strip():
                st.error(_("Say why you dismiss it (it goes in the change log)."))
                return
            try:
                suggestions.dismiss_suggestion(data_path(), sid, account, reason, typed_name=typed)
            except (suggestions.ResolveRefused, suggestions.QueueFull, store.SaveBusy, OSError) as error:
                st.error(_("Not dismissed: {error}").format(error=md_escape(error)))
                return
            _flash("success", _("Dismissed; the reason is in the change log."))
            st.rerun()


# ---- the whole list (maintainers) ----


def _column_config() -> dict[str, Any]:
    """Editor widgets per column, derived from the schema: choices as selectboxes, help texts as tooltips."""
    config: dict[str, Any] = {}
    for name in COLUMNS:
        info = COLUMN_INFO[name]
        help_text = _(info.help) + (" " + _("Clinic accounts can change this in their form.")
                                    if info.clinic_editable else "")
        if info.kind == "availability":
            config[name] = st.column_config.SelectboxColumn(
                _(info.label), help=help_text, options=list(info.choices), default="unknown", required=True)
        elif info.kind == "choice":
            config[name] = st.column_config.SelectboxColumn(_(info.label), help=help_text, options=list(info.choices))
        elif info.kind == "number":
            config[name] = st.column_config.NumberColumn(_(info.label), help=help_text, format="%.6f", step=0.000001,
                                                         min_value=-180.0, max_value=180.0)
        elif info.kind == "date":
            config[name] = st.column_config.DateColumn(_(info.label), help=help_text, format="YYYY-MM-DD",
                                                       max_value=clock.today())
        else:
            config[name] = st.column_config.TextColumn(_(info.label), help=help_text)
    config["id"] = st.column_config.TextColumn(_(COLUMN_INFO["id"].label), help=_(COLUMN_INFO["id"].help),
                                               pinned=True)
    return config


def file_problems_panel(snapshot: store.Snapshot) -> None:
    if snapshot.result.ok:
        # Valid, but not served: it lost most of its clinics outside a recorded save (live.LiveClinics).
        held = serving_clinics(str(data_path())).current()
        if held.problems:
            with st.container(border=True):
                st.subheader(_("File problems"))
                _show_problems(held.problems, data_path().name, _("Visitors see the last list served."))
        return
    with st.container(border=True):
        st.subheader(_("File problems"))
        st.write(_("{file} on disk is not a valid clinics list right now (edited outside the app?). The finder keeps "
                   "showing the last valid version. Fix the file, upload a corrected CSV, or restore a backup in "
                   "'Backups and change log'.").format(file=data_path().name))
        _show_problems(snapshot.result.problems, data_path().name, _("Visitors are not affected."))


def edit_tab() -> pd.DataFrame | None:
    working = ss.get("staff_working")
    if working is None:
        st.info(_("There is no valid list to edit. Restore a backup or upload a corrected CSV."))
        return None
    st.caption(_("Change cells, add rows at the bottom, or select rows and delete them. Hover a column title for "
                 "its meaning. Nothing is saved until you confirm in 'Review and save'."))
    edited = st.data_editor(working, key="staff_editor", num_rows="dynamic", column_config=_column_config(),
                            hide_index=True, width="stretch").reset_index(drop=True)
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")

    def cell(i: int, column: str) -> str:
        value = edited.at[i, column]
        return "" if value is None or pd.isna(value) else str(value)

    no_id = _("(no id yet)")
    choice = cols[0].selectbox(
        _("Locate a clinic's street address (new or moved clinic)"), list(range(len(edited))),
        format_func=lambda i: f"{cell(i, 'id') or no_id} — {cell(i, 'name')}, {cell(i, 'city')}",
        key="staff_locate_row", index=None)
    if cols[1].button(_("Locate"), key="staff_locate") and choice is not None:
        with st.spinner(_("Asking the geocoder…")):
            geocoder = geocoding.shared_geocoder(geocoding.settings_from_env())
            located = geocoding.locate(edited.loc[choice].to_dict(), geocoder)
        if located.precision is None:
            st.error(md_escape(located.message))
        else:
            updated = edited.copy()
            updated.loc[choice, ["lat", "lon", "location_precision"]] = [located.lat, located.lon,
                                                                         located.precision.value]
            ss["staff_working"] = updated
            ss["staff_dirty"] = True
            ss["staff_reset_widgets"] = True
            _flash("warning" if located.failure else "success", md_escape(f"{cell(choice, 'id')}: {located.message}."))
            st.rerun()
    if cols[2].button(_("Discard my edits"), key="staff_discard"):
        _reload(store.read_snapshot(data_path()))
        _flash("info", _("Your edits were discarded; this is the list as saved."))
        st.rerun()
    return edited


def upload_tab() -> None:
    st.write(_("Replace the whole list with a CSV (for example one edited in Excel and saved as 'CSV UTF-8'). It is "
               "checked first; a valid file goes into the editor, to review and save like any edit."))
    # The type list has a MIME type in it, so Streamlit leaves the file-name check to this page: a workbook, or
    # any other file posted to the server, gets our explanation rather than Streamlit's generic error.
    uploaded = st.file_uploader(_("Clinics CSV"), type=UPLOAD_TYPES, key="staff_upload", max_upload_size=25)
    if uploaded is None:
        return
    name = md_escape(uploaded.name)
    result = parse_upload(uploaded.getvalue())
    for note in result.notes:
        st.info(note)
    if not result.ok or result.clinics is None:
        _show_problems(result.problems, f"'{name}'")
        return
    diff = diff_clinics(ss.get("staff_base"), result.clinics)
    st.success(_("'{name}' is valid: {count} clinics. Compared with the saved list: {summary}.").format(
        name=name, count=len(result.clinics), summary=diff.summary()))
    if st.button(_("Use this file (review before saving)"), key="staff_use_upload"):
        ss["staff_working"] = editing.editor_frame(result.clinics)
        ss["staff_dirty"] = True
        ss["staff_reset_widgets"] = True
        _flash("info", _("'{name}' is in the editor. Review the changes in 'Review and save'.").format(name=name))
        st.rerun()


def review_tab(account: Account, typed: str, edited: pd.DataFrame | None) -> pd.DataFrame | None:
    """Validate and diff the whole-list edits; save on confirm. Returns the valid candidate, if any."""
    base = ss.get("staff_base")
    if edited is None:
        st.info(_("Nothing to review."))
        return None
    candidate = editing.prepare_candidate(base, edited)
    if not candidate.ok or candidate.clinics is None:
        st.caption(_("Row numbers count like a spreadsheet: row 2 is the first clinic in the editor."))
        _show_problems(candidate.problems, _("Your edited list"))
        return None
    diff = diff_clinics(base, candidate.clinics)
    if diff.empty:
        st.info(_("No changes to save."))
        return candidate.clinics
    st.subheader(_("Your changes: {summary}").format(summary=diff.summary()))
    st.caption(_("Editing a row does not mark it as checked with the clinic: 'Still correct' and the clinic's own "
                 "form do."))
    _show_diff(diff)
    confirmed = st.checkbox(_("I have checked these changes; save them."), key="staff_confirm")
    if not st.button(_("Save"), key="staff_save", type="primary"):
        return candidate.clinics
    if not confirmed:
        st.error(_("Tick the box above to confirm you checked the changes, then press Save."))
        return candidate.clinics
    try:
        result = permissions.save_as_account(data_path(), account, candidate.clinics, ss.get("staff_base_fp"),
                                             typed_name=typed, base=base)
    except store.SaveConflict as conflict:
        st.error(conflict.explanation())
        if conflict.disk_diff is not None and not conflict.disk_diff.empty:
            st.write(_("What changed on disk since you loaded the list:"))
            _show_diff(conflict.disk_diff)
        if conflict.disk_problems:
            _show_problems(conflict.disk_problems, _("{file} on disk").format(file=data_path().name), "")
        # on_click="ignore": downloading must not rerun the page and hide this explanation.
        st.download_button(_("Download my version (CSV)"), clinics_to_csv_bytes(candidate.clinics),
                           file_name="clinics-my-edits.csv", mime="text/csv", key="staff_download_mine",
                           on_click="ignore")
        st.info(_("Then press 'Discard my edits and load the current list' at the top of the page."))
        return candidate.clinics
    except store.InvalidClinics as invalid:
        _show_problems(invalid.problems, _("Your edited list"))
        return None
    except permissions.PermissionRefused as refused:
        st.error(_("Not saved: your account may not make this change."))
        _problems_table(refused.problems)
        return candidate.clinics
    except store.SaveBusy as busy:
        st.error(str(busy))
        return candidate.clinics
    except OSError as error:  # e.g. the data folder is read-only or the disk is full
        st.error(_("Could not write the clinics file ({error}); nothing was saved. Download your version (Download "
                   "tab) and tell the maintainer.").format(error=md_escape(_error_text(error))))
        return candidate.clinics
    backup = " " + _("The previous version is kept as backup {name}.").format(name=result.backup.name) \
        if result.backup else ""
    _after_save(store.read_snapshot(data_path()), "success", _("Saved: {summary}.").format(
        summary=result.diff.summary()) + backup + " " + _("The finder shows the change from now on."))
    return candidate.clinics


def _log_rows(entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for entry in entries:
        ids = [*entry.get("added_ids", []), *entry.get("removed_ids", []), *entry.get("changed_ids", [])]
        counts = (f"{entry.get('added', 0)} added, {entry.get('removed', 0)} removed, {entry.get('changed', 0)} "
                  "changed") if "changed" in entry else ""
        rows.append({"time": str(entry.get("time", "")), "who": str(entry.get("staff", "")),
                     "role": str(entry.get("role", "")), "action": str(entry.get("action", "")),
                     "clinics": ", ".join(map(str, ids)) or str(entry.get("clinic_id", "")), "counts": counts,
                     "reason": str(entry.get("reason", ""))})
    return rows


def backups_tab(account: Account, typed: str, snapshot: store.Snapshot) -> None:
    with st.expander(_("Change log (newest first)")):
        entries = list(reversed(store.read_audit_log(data_path())))[:LOG_ENTRIES_SHOWN]
        st.dataframe(pd.DataFrame(_log_rows(entries),
                                  columns=["time", "who", "role", "action", "clinics", "counts", "reason"]),
                     hide_index=True, width="stretch")
    backups = store.list_backups(data_path())
    if not backups:
        st.info(_("No backups yet: each save keeps the version it replaces here (the last {count}).").format(
            count=store.BACKUPS_KEPT))
        return
    by_name = {b.path.name: b for b in backups}

    def describe(name: str) -> str:
        b = by_name[name]
        return _("{time} UTC — the list before the {action} by {who} ({summary})").format(
            time=f"{b.time:%Y-%m-%d %H:%M:%S}", action=b.action or "save", who=b.staff or _("unknown"),
            summary=b.summary)

    st.write(_("Each backup is the list as it was just before a save. Restoring one is itself a save, so it can be "
               "undone the same way."))
    name = st.selectbox(_("Backup"), list(by_name), format_func=describe, key="staff_backup_choice")
    if name is None:
        return
    preview = store.read_snapshot(by_name[name].path)
    if not preview.result.ok or preview.result.clinics is None:
        _show_problems(preview.result.problems, _("Backup {name}").format(name=name), _("It cannot be restored."))
        return
    diff = diff_clinics(snapshot.result.clinics, preview.result.clinics)
    if snapshot.result.ok:
        st.write(_("Restoring it would change the current list: {summary}.").format(summary=diff.summary()))
        _show_diff(diff)
    else:
        st.write(_("Restoring it replaces the invalid file on disk with {count} clinics.").format(
            count=len(preview.result.clinics)))
    if _grid_has_edits():
        st.warning(_("Restoring discards the unsaved edits in the editor."))
    confirmed = st.checkbox(_("Restore this backup as the current list."), key="staff_restore_confirm")
    if not st.button(_("Restore"), key="staff_restore"):
        return
    if not confirmed:
        st.error(_("Tick the box above to confirm, then press Restore."))
        return
    try:
        result = permissions.restore_as_account(data_path(), account, name, snapshot.fingerprint, typed_name=typed,
                                                base=ss.get("staff_base"))
    except store.SaveConflict as conflict:
        st.error(conflict.explanation())
        return
    except (store.InvalidClinics, store.SaveBusy, permissions.PermissionRefused, ValueError, OSError) as error:
        st.error(_("Nothing was restored: {error}").format(error=md_escape(_error_text(error))))
        return
    _after_save(store.read_snapshot(data_path()), "success", _(
        "Restored {name} ({summary}). To undo this, restore the newest backup.").format(
            name=name, summary=result.diff.summary()))


def download_tab(snapshot: store.Snapshot, candidate: pd.DataFrame | None) -> None:
    try:
        current = data_path().read_bytes()
    except OSError:
        current = None
    if current is not None:
        st.download_button(_("Download the current list (CSV)"), current, file_name="clinics.csv", mime="text/csv",
                           key="staff_download_current", on_click="ignore")
    if not snapshot.result.ok:
        st.caption(_("The file on disk has problems (see 'File problems'); you can still download it to fix it."))
    if candidate is not None and _grid_has_edits():
        st.download_button(_("Download my edited version (CSV)"), clinics_to_csv_bytes(candidate),
                           file_name="clinics-my-edits.csv", mime="text/csv", key="staff_download_edits",
                           on_click="ignore")


# ---- the two workspaces ----


def _current_clinics(snapshot: store.Snapshot) -> pd.DataFrame | None:
    """The list on disk if it is valid, else the last valid one this session loaded (or None)."""
    return snapshot.result.clinics if snapshot.result.clinics is not None else ss.get("staff_base")


def _clinic_titles(clinics: pd.DataFrame, ids: list[str]) -> dict[str, str]:
    rows = {str(r["id"]): r for r in clinics.to_dict(orient="records")}
    return {i: forms.clinic_title(rows[i]) for i in ids if i in rows}


def maintainer_workspace(account: Account, typed: str, snapshot: store.Snapshot) -> None:
    file_problems_panel(snapshot)
    one, queue, edit, upload, review, backups, download = st.tabs([
        _("One clinic"), _("Suggestions from visitors"), _("Edit the whole list"), _("Upload a CSV"),
        _("Review and save"), _("Backups and change log"), _("Download")])
    with one:
        clinics = _current_clinics(snapshot)
        if clinics is None:
            st.info(_("There is no valid list right now; see 'File problems'."))
        else:
            ids = permissions.visible_clinic_ids(account, clinics)
            titles = _clinic_titles(clinics, ids)
            choice = st.selectbox(_("Clinic"), ids, index=None, key="staff_form_clinic",
                                  format_func=lambda i: f"{titles.get(i, i)} ({i})",
                                  placeholder=_("Type part of the name, the city or the id"))
            if choice in titles:
                clinic_form(account, typed, choice, f"{CLINIC_FORM_PREFIX}{choice}_", snapshot)
    with queue:
        review_queue(account, typed, snapshot)
    with edit:
        edited = edit_tab()
    with upload:
        upload_tab()
    with review:
        candidate = review_tab(account, typed, edited)
    with backups:
        backups_tab(account, typed, snapshot)
    with download:
        download_tab(snapshot, candidate)


def clinic_workspace(account: Account, typed: str, snapshot: store.Snapshot) -> None:
    base = _current_clinics(snapshot)
    if base is None:
        st.warning(_("The clinic list cannot be read right now, so listings cannot be changed. The maintainer can "
                     "see why. Please try again later."))
        return
    ids = permissions.visible_clinic_ids(account, base)  # from the accounts file, never from the page
    titles = _clinic_titles(base, ids)
    if not ids:
        st.warning(_("None of your clinics is in the list right now. Tell the maintainer."))
    tabs = st.tabs([md_escape(titles[i]) for i in ids] + [_("Suggestions from visitors")])
    for clinic_id, tab in zip(ids, tabs, strict=False):
        with tab:
            clinic_form(account, typed, clinic_id, f"{CLINIC_FORM_PREFIX}{clinic_id}_", snapshot)
    with tabs[-1]:
        review_queue(account, typed, snapshot)


def _typed_name(account: Account) -> str | None:
    """For the shared "staff" account, the name or initials that go in the change log; "" for named accounts."""
    if not account.legacy:
        return ""
    typed = st.text_input(_("Your name or initials (shown in the change log)"), key="staff_name", max_chars=80)
    if not typed.strip():
        st.info(_("Type your name or initials to start."))
        return None
    return typed


def workspace(account: Account) -> None:
    with st.sidebar:
        st.caption(_("Signed in as {name} ({role}).").format(
            name=md_escape(account.name),
            role=_("maintainer") if account.is_maintainer else _("clinic account")))
        if st.button(_("Sign out"), key="staff_sign_out"):
            _sign_out()
            st.rerun()
    if account.is_maintainer:
        st.title(_("Staff: keep the clinic list right"))
    else:
        st.title(ngettext("Your clinic's listing", "Your clinics' listings", len(account.clinic_ids)))
    typed = _typed_name(account)
    if typed is None:
        return
    snapshot = _start_of_run(account)
    waiting = suggestions.open_count_message(suggestions.open_count(account, data_path()))
    if waiting:
        st.info(waiting + " " + _("See 'Suggestions from visitors'."))
    if account.is_maintainer:
        maintainer_workspace(account, typed, snapshot)
    else:
        clinic_workspace(account, typed, snapshot)


def show_staff() -> None:
    """The whole Staff page."""
    common.start_page(lambda: _("Staff — IOP Finder"), "🔒", layout="wide")
    try:
        _recover_crashed_saves()
        account = _current_account()
        if account is None:
            _sign_in_page()
        else:
            workspace(account)
    except Exception as error:  # staff see an explanation, never a traceback
        st.error(_("Something went wrong on this page, and nothing was saved unless a green message said so. Try "
                   "again; if it happens again, tell the maintainer: {error}").format(
                       error=md_escape(f"{type(error).__name__}: {error}")))
