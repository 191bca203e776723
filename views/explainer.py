"""The explainer pages and the glossary.

The words and links come from `clinic_finder.explainer` (which never imports streamlit); this module only
lays them out. Links back to the finder carry the visitor's search (a new page is a new session).
"""

from __future__ import annotations

import re

import streamlit as st

from clinic_finder import explainer
from clinic_finder.i18n import _
from views import common

_HEADINGS = {1: st.title, 2: st.header, 3: st.subheader}
_APP_LINK = re.compile(r'href="(/[^"]*)"')


def _markdown(text: str) -> None:
    # Our own content only: HTML is allowed so links inside the app open in the same tab; those links carry
    # the current search and language.
    shown = explainer.display_markdown(text)
    st.markdown(_APP_LINK.sub(lambda m: f'href="{common.link(m.group(1))}"', shown), unsafe_allow_html=True)


def _footer(next_page: explainer.ExplainerPage | None) -> None:
    st.info(explainer.disclaimer_markdown(), icon=":material/info:")
    if next_page is not None:
        _markdown(_("Next: [{title}]({url})").format(title=explainer.page_title(next_page.slug),
                                                     url=next_page.url_path))
    # A link, not a heading: as an h3 it sat inside "Sources" for a screen reader's outline.
    _markdown('<p class="cf-finder-link">' + "[" + _("Search for a program near you →") + f"]({explainer.FINDER_URL})"
              + "</p>")


def show_explainer_page(slug: str) -> None:
    """One explainer page: crisis lines, its sections with their anchors, disclaimer, link to the search."""
    common.start_page(lambda: _("{title} · IOP Finder").format(title=explainer.page_title(slug)), "📘")
    for section in explainer.sections(slug):
        if section.level:
            _HEADINGS[section.level](section.heading, anchor=section.anchor)
        if section.body:
            _markdown(section.body)
    order = list(explainer.PAGES)
    position = order.index(slug)
    next_slug = order[position + 1] if position + 1 < len(order) else None
    _footer(explainer.PAGES[next_slug] if next_slug else None)


def show_glossary() -> None:
    """The glossary: one entry per searchable service, each under its slug as anchor."""
    common.start_page(lambda: _("{title} · IOP Finder").format(title=explainer.glossary_title()), "📘")
    title = explainer.glossary_title()  # the first heading of the glossary's Markdown, in the run's language
    intro, sources = explainer.glossary_intro_and_sources()
    st.title(title, anchor="glossary")
    _markdown(intro)
    for entry in explainer.glossary().values():
        st.header(entry.term, anchor=entry.slug)  # h2 under the page's h1 (an h3 skipped a level)
        _markdown(entry.text)
        _markdown(f"[{entry.more_label} →]({entry.more_url})")
    st.header(_("Sources"), anchor=explainer.SOURCES_ANCHOR)
    _markdown(sources)
    _footer(None)
