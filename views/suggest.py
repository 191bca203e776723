"""The "Suggest a correction" page, opened from a result card or a map popup as `/Suggest_a_correction?clinic=<id>`
(with the visitor's search and language carried along, so "Back to the search" returns to it).

It shows which clinic the note is about, asks what is wrong (and optionally what it should say, and how to reach
the visitor), and queues it with `suggestions.submit_suggestion`. The session id is passed only for the rate
limit, in memory; nothing about the visitor is stored beyond what they typed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinic_finder import data_path, suggestions
from clinic_finder.finder import full_address
from clinic_finder.i18n import _
from clinic_finder.markdown import html_attr, html_text, md_escape
from clinic_finder.suggestions import FORM_LABELS, KINDS
from views import common
from views.finder import serving_clinics

ss = st.session_state
RESULT = "suggest_result"  # what became of the last send: {"clinic", "status", "message", "problems"}


def _clinics() -> Any:
    """The clinics being served (the finder's own copy), or None while there is no valid list."""
    snapshot = serving_clinics(str(data_path())).current().snapshot
    return None if snapshot is None else snapshot.clinics


def _row(clinic_id: str) -> dict[str, Any] | None:
    clinics = _clinics()
    if clinics is None or not clinic_id:
        return None
    rows = clinics[clinics["id"] == clinic_id]
    return None if rows.empty else rows.iloc[0].to_dict()


def _send(clinic_id: str) -> None:
    """The Send button's callback (before the page is drawn, so the form can be emptied after a success)."""
    common.choose_language()  # the answer is made here, before the page sets its language
    try:
        clinics = _clinics()
        ctx = get_script_run_ctx()
        result = suggestions.submit_suggestion(
            data_path(), ctx.session_id if ctx is not None else "", clinic_id, ss.get("suggest_kind") or "",
            ss.get("suggest_text") or "", ss.get("suggest_contact") or "",
            known_ids=None if clinics is None else set(clinics["id"]),
            client_key=suggestions.client_key(st.context.ip_address, st.context.headers.get("X-Forwarded-For")))
        ss[RESULT] = {"clinic": clinic_id, "status": result.status, "message": result.message,
                      "problems": dict(result.problems)}
    except Exception:  # a callback's exception would reach the visitor as Streamlit's own error
        ss[RESULT] = {"clinic": clinic_id, "status": "unavailable", "problems": {},
                      "message": _("Your suggestion could not be saved just now. Please try again in a few minutes.")}
        return
    if result.status == "ok":
        for key in ("suggest_kind", "suggest_text", "suggest_contact"):
            ss[key] = None if key == "suggest_kind" else ""


def _back_link() -> None:
    back = _("← Back to the search")
    st.html(f'<p class="cf-back"><a href="{html_attr(common.link("/"))}" target="_self">{html_text(back)}</a></p>')


def _clinic_box(row: dict[str, Any]) -> None:
    with st.container(border=True):
        st.caption(_("Your note is about:"))
        site = str(row.get("site") or "")
        name = f"**{md_escape(row['name'])}**" + (f" — {md_escape(site)}" if site else "")
        common.safe_markdown(name)
        common.safe_markdown(md_escape(full_address(row)))


def _problem(problems: dict[str, str], field: str) -> None:
    if field in problems:
        st.error(md_escape(problems[field]))


def show_suggest() -> None:
    """The whole page."""
    common.start_page(lambda: _("Suggest a correction — IOP Finder"), "✏️")
    st.title(_(FORM_LABELS["title"]))
    clinic_id = common.query().get("clinic", "").strip()
    row = _row(clinic_id)
    if row is None:
        st.warning(_("We could not find this clinic in our list: the link may be old, or the clinic was removed. Go "
                     "back to the search and use 'Suggest a correction' on the clinic's card."))
        _back_link()
        return
    _clinic_box(row)
    last = ss.get(RESULT) if isinstance(ss.get(RESULT), dict) and ss[RESULT].get("clinic") == clinic_id else None
    if last is not None and last["status"] == "ok":
        st.success(last["message"])
        _back_link()
        if st.button(_("Suggest another correction"), key="suggest_again"):
            ss.pop(RESULT, None)
            st.rerun()
        return
    problems: dict[str, str] = last["problems"] if last is not None else {}
    if last is not None and last["status"] == "invalid":
        st.error(last["message"])
    elif last is not None:  # "wait", "full", "unavailable": nothing was queued
        st.warning(last["message"])
    _problem(problems, "clinic_id")
    with st.form("suggest_form"):
        st.radio(_(FORM_LABELS["kind"]), list(KINDS), format_func=lambda kind: _(KINDS[kind]), index=None,
                 key="suggest_kind")
        _problem(problems, "kind")
        st.text_area(_(FORM_LABELS["text"]), key="suggest_text", max_chars=suggestions.MAX_TEXT_CHARS)
        st.caption(_(FORM_LABELS["text_help"]))
        _problem(problems, "text")
        st.text_input(_(FORM_LABELS["contact"]), key="suggest_contact", max_chars=suggestions.MAX_CONTACT_CHARS)
        st.caption(_(FORM_LABELS["contact_help"]))
        _problem(problems, "contact")
        st.form_submit_button(_(FORM_LABELS["submit"]), key="suggest_send", type="primary", on_click=_send,
                              args=(clinic_id,))
    st.caption(_("A person reads every note. If you need help today, call the clinic directly."))
    _back_link()
