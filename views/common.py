"""What every page shares: page setup, language, our menu, the crisis lines, the stylesheet, safe output.

Three floors: page scripts (`app.py`, `pages/*.py`) call these views; views turn `clinic_finder` values into
Streamlit elements; `clinic_finder` holds the rules and never imports streamlit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path

import streamlit as st

from clinic_finder import explainer, finder
from clinic_finder.i18n import (
    LANGUAGES,
    N_,
    _,
    current_language,
    language_in_link,
    negotiate,
    set_language,
    translations,
)
from clinic_finder.markdown import html_attr, html_text
from views.components import html_block, language_buttons

STYLESHEET = Path(__file__).resolve().parent / "style.css"
# The menu, in people's words ("app" would be Streamlit's name for the finder).
STAFF_URL = "/Staff"
SUGGEST_URL = "/Suggest_a_correction"
MENU_FINDER = N_("Find an IOP near you")
# Said in the language offered (a reader who prefers Spanish may not read English), after its name.
LANGUAGE_OFFER = N_("this page is also available in your language (see the switch above).")


@functools.cache
def _stylesheet() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def query() -> dict[str, str]:
    """This page's URL query as plain strings (the last value of a repeated parameter)."""
    return {str(k): str(v) for k, v in st.query_params.to_dict().items()}


def carried_query() -> dict[str, str]:
    """The parts of the URL that every link inside the app carries along: the search and the language."""
    current = query()
    keep = (*finder.SEARCH_PARAMETERS, *finder.PAGE_PARAMETERS)
    return {k: current[k] for k in keep if k in current and current[k] and not (k == "lang" and current[k] == "en")}


def link(url: str, extra: Mapping[str, str] | None = None) -> str:
    """A link inside the app that keeps the current search and language (a new page is a new session)."""
    return finder.with_query(url, {**carried_query(), **(extra or {})})


def choose_language() -> str:
    """The language of this run: the switch, else `?lang=` in the address, else English.

    `start_page` calls it; so must a widget callback that says anything (a sign-in's answer, a sent note's
    "what happens next"): Streamlit runs callbacks before the script, so before `start_page`."""
    chosen = st.session_state.get("language_switch") or language_in_link(query().get("lang", ""))
    return set_language(chosen or "en")


def _language_chosen(code: object) -> None:
    """The switch's answer: that language for this session, and in the address (a shared link keeps it)."""
    if code not in LANGUAGES:
        return
    st.session_state["language_switch"] = code
    if code == "en":
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = code


def language_switch(language: str) -> None:
    """English / Español, kept in the URL (`lang=es`) so a shared link opens in the language it was shared in."""
    offered = negotiate(st.context.headers.get("Accept-Language")) if st.context.headers else None
    note = ""
    if offered and offered != language and "lang" not in query() and not st.session_state.get("language_offered"):
        # Offered on the first visit when the browser asks for it, never forced.
        st.session_state["language_offered"] = True
        note = f"{LANGUAGES[offered]}: " + translations(offered).gettext(LANGUAGE_OFFER)
    language_buttons(label=_("Language"), options=list(LANGUAGES.items()), value=language,
                     on_choose=_language_chosen, note=note, note_language=offered if note else "")


def crisis_lines(intro_html: str = "") -> None:
    """988, the SAMHSA National Helpline and 911 as call links: at the top of every page of the app, in the
    language of this run (set by `start_page` before this is called).

    One element with the stylesheet and `intro_html` (the page's own opening, HTML the app built): a visitor's
    browser draws each element of a first screen in turn, and the map waits for them (make bench)."""
    language = current_language()
    html_block(f"<style>{_stylesheet()}</style>"
               f'<div class="cf-crisis-lines">{explainer.crisis_lines_html(language)}</div>{intro_html}',
               key="crisis-lines")


def menu(before_html: str = "") -> None:
    """Our own menu in the sidebar (Streamlit's page list is off in .streamlit/config.toml), after `before_html`
    (HTML the app built), in one element."""
    links = [(_(MENU_FINDER), "/")]
    links += [(explainer.page_title(page.slug), page.url_path) for page in explainer.PAGES.values()]
    links += [(explainer.glossary_title(), explainer.GLOSSARY_URL), (_("Staff"), STAFF_URL)]
    with st.sidebar:
        items = "".join(f'<li><a href="{html_attr(link(url))}" target="_self">{html_text(title)}</a></li>'
                        for title, url in links)
        label = _("Pages")
        html_block(f'{before_html}<nav aria-label="{html_attr(label)}"><ul class="cf-menu">{items}</ul></nav>',
                   key="menu")


def start_page(title: Callable[[], str], icon: str = "🧭", layout: str = "centered", menu_now: bool = True,
               intro: Callable[[], str] | None = None) -> str:
    """Set up a page: title, language, menu, language switch, then the stylesheet, the crisis lines and the
    page's `intro` (HTML the app built) as one element (`crisis_lines`). Returns the language.

    `title` and `intro` are called once this run's language is set: before that, `_()` speaks English (a
    session's first run starts in a new thread), and a Spanish page had an English title in the browser's tab.
    `menu_now=False`: the page calls `finish_page()` at its end instead, so its own content is sent first.
    """
    language = choose_language()
    st.set_page_config(page_title=title(), page_icon=icon, layout=layout)  # type: ignore[arg-type]
    if menu_now:
        menu()
    language_switch(language)
    crisis_lines(intro() if intro else "")
    return language


def finish_page(sidebar_html: str = "") -> None:
    """What every page ends with: `sidebar_html` and the menu in the sidebar (sent last: the page's own content
    comes first)."""
    menu(sidebar_html)


def safe_markdown(text: str) -> None:
    """Markdown the app wrote itself, whose visitor- or CSV-supplied parts were escaped with `md_escape`."""
    st.markdown(text)
