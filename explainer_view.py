"""Streamlit rendering of the explainer pages and the glossary.

The words and links come from `clinic_finder.explainer` (which never imports streamlit); this module
only lays them out, so each script in `pages/` stays two lines long.
"""

from __future__ import annotations

import streamlit as st

from clinic_finder import explainer

_HEADINGS = {1: st.title, 2: st.header, 3: st.subheader}


def _markdown(text: str) -> None:
    # Our own content only: HTML is allowed so links inside the app open in the same tab.
    st.markdown(explainer.display_markdown(text), unsafe_allow_html=True)


def crisis_lines() -> None:
    """988, the SAMHSA National Helpline and 911 as call links: at the top of every page of the app."""
    with st.container(border=True):
        _markdown(explainer.crisis_lines_markdown())


def navigation() -> None:
    """The sidebar menu with people's words for each page (Streamlit's own would call the finder "app";
    `client.showSidebarNavigation` is off in .streamlit/config.toml)."""
    links = [("Find an IOP near you", explainer.FINDER_URL)]
    links += [(page.title, page.url_path) for page in explainer.PAGES.values()]
    links += [(explainer.glossary_title(), explainer.GLOSSARY_URL), ("Staff", "/Staff")]
    with st.sidebar:
        _markdown("\n".join(f"- [{title}]({url})" for title, url in links))


def page_top() -> None:
    """What every page starts with: the menu and the crisis lines."""
    navigation()
    crisis_lines()


def _footer(next_page: explainer.ExplainerPage | None) -> None:
    st.info(explainer.disclaimer_markdown(), icon=":material/info:")
    if next_page is not None:
        _markdown(f"Next: [{next_page.title}]({next_page.url_path})")
    _markdown(f"### [Search for a program near you →]({explainer.FINDER_URL})")


def show_explainer_page(slug: str) -> None:
    """One explainer page: crisis lines, its sections with their anchors, disclaimer, link to the search."""
    page = explainer.PAGES[slug]
    st.set_page_config(page_title=f"{page.title} · IOP Finder", page_icon="📘")
    page_top()
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
    title = explainer.glossary_title()
    st.set_page_config(page_title=f"{title} · IOP Finder", page_icon="📘")
    page_top()
    intro, sources = explainer.glossary_intro_and_sources()
    st.title(title, anchor="glossary")
    _markdown(intro)
    for entry in explainer.glossary().values():
        st.subheader(entry.term, anchor=entry.slug)
        _markdown(entry.text)
        _markdown(f"[{entry.more_label} →]({entry.more_url})")
    st.header("Sources", anchor=explainer.SOURCES_ANCHOR)
    _markdown(sources)
    _footer(None)
