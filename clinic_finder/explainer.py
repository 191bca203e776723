"""Plain-language explainer pages about intensive outpatient programs (IOP), and their glossary.

The words live in Markdown files under `content/` (one file per page) so that people who do not
program can edit them; this module only reads and checks them. Nothing here imports streamlit:
`views/explainer.py` renders what this module returns.

Conventions in the Markdown files (see `docs/explainer.md`):

- `# Title` on the first line; `## Heading` and `### Subheading` below it. A heading may end with an
  explicit anchor, `## Buprenorphine {#buprenorphine}`; without one the anchor is made from the words.
- Links inside the app start with `/`: `/` is the finder, `/Glossary#medicaid` a glossary entry.
- Citations in the text are links to the page's own sources: `[TIP 47](#sources)`.
- Every page ends with `## Sources {#sources}`, a list of the works it relies on.

The finder uses `crisis_lines_html()`, `glossary_url()` and `newcomer_facts()` (or
`newcomer_panel_html()`).

Languages: English is read from `content/<file>`, Spanish from `content/es/<file>` (same file names, same
anchors, same sources). Every function that reads or returns words takes an optional `lang` ("en", "es");
without it, the language of this run (`i18n.current_language()`, set from `?lang=es`). URL paths stay
English in both languages; links inside the app carry `?lang=es` on Spanish pages (`localized_url`), so a
reader who follows them stays in Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clinic_finder import i18n
from clinic_finder.i18n import N_
from clinic_finder.markdown import html_attr, html_text
from clinic_finder.schema import SEARCHABLE

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

FINDER_URL = "/"
GLOSSARY_URL = "/Glossary"
SOURCES_ANCHOR = "sources"


@dataclass(frozen=True)
class ExplainerPage:
    """One explainer page: its text is `content/<file>` (Spanish: `content/es/<file>`), its script `pages/<script>`.

    `title` is the English message id (marked with `N_`); show it with `page_title(slug)`, which translates it.
    """

    slug: str
    title: str
    file: str
    url_path: str
    script: str


# Streamlit serves `pages/N_Some_Name.py` at `/Some_Name`; the numbers keep these pages in reading order,
# before the staff page, in the sidebar.
PAGES: dict[str, ExplainerPage] = {
    page.slug: page
    for page in (
        ExplainerPage("what-is-an-iop", N_("What is an IOP?"), "what-is-an-iop.md", "/What_is_an_IOP",
                      "1_What_is_an_IOP.py"),
        ExplainerPage("a-week-in-iop", N_("What a week looks like"), "a-week-in-iop.md", "/A_week_in_IOP",
                      "2_A_week_in_IOP.py"),
        ExplainerPage("medications-and-mental-health", N_("Medications and mental health"),
                      "medications-and-mental-health.md", "/Medications_and_mental_health",
                      "3_Medications_and_mental_health.py"),
        ExplainerPage("iop-or-residential", N_("IOP or residential rehab?"), "iop-or-residential.md",
                      "/IOP_or_residential", "4_IOP_or_residential.py"),
        ExplainerPage("choosing-a-program", N_("Choosing and calling a program"), "choosing-a-program.md",
                      "/Choosing_a_program", "5_Choosing_a_program.py"),
        ExplainerPage("faq", N_("Questions people ask (FAQ)"), "faq.md", "/FAQ", "6_FAQ.py"),
    )
}
GLOSSARY_FILE = "glossary.md"

GLOSSARY_SCRIPT = "7_Glossary.py"
NEWCOMER_FILE = "newcomer.md"
DISCLAIMER_FILE = "disclaimer.md"


@dataclass(frozen=True)
class Section:
    """A heading and the Markdown under it, up to the next heading.

    `level` is 1 for the page title, 2 for `##`, 3 for `###`; 0 for text before the first heading.
    """

    level: int
    heading: str
    anchor: str
    body: str


@dataclass(frozen=True)
class GlossaryEntry:
    """One term of the glossary, keyed by the schema's glossary slug."""

    slug: str
    term: str
    text: str
    more_label: str
    more_url: str

    @property
    def url(self) -> str:
        return f"{GLOSSARY_URL}#{self.slug}"


# ---- reading the Markdown ----

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*(?:\{#([A-Za-z0-9_-]+)\})?\s*$")
_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
_CITATION = re.compile(r"[ \t]*\[[^\]]*\]\(#" + SOURCES_ANCHOR + r"\)")
# The last line of a glossary entry: "[Read more: ...](/Page#anchor)", in Spanish "[Lea más: ...](...)".
READ_MORE_LABELS: dict[str, str] = {"en": "Read more", "es": "Lea más"}
_READ_MORE = re.compile(r"^\[((?:" + "|".join(READ_MORE_LABELS.values()) + r")[^\]]*)\]\(([^)\s]+)\)$")


def language(lang: str | None = None) -> str:
    """`lang` if given, else the language of this run; a code we have no content for raises ValueError."""
    code = lang or i18n.current_language()
    if code not in i18n.LANGUAGES:
        raise ValueError(f"no explainer content in language {code!r}; have {sorted(i18n.LANGUAGES)}")
    return code


def content_path(file: str, lang: str | None = None) -> Path:
    """Where the text of `file` is in `lang`: `content/<file>` for English, `content/<lang>/<file>` otherwise."""
    code = language(lang)
    return CONTENT_DIR / file if code == i18n.DEFAULT_LANGUAGE else CONTENT_DIR / code / file


def slugify(text: str) -> str:
    """The anchor made from a heading's words: 'Can I keep working?' -> 'can-i-keep-working'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_content(file: str, lang: str | None = None) -> str:
    """The text of `content/<file>` in `lang` (Spanish: `content/es/<file>`)."""
    return _read(file, language(lang))


@cache
def _read(file: str, lang: str) -> str:
    return content_path(file, lang).read_text(encoding="utf-8")


def parse_sections(markdown: str) -> list[Section]:
    """Split Markdown into sections at its `#`, `##` and `###` headings (not inside code fences)."""
    sections: list[Section] = []
    level, heading, anchor, lines = 0, "", "", []
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            if heading or "".join(lines).strip():
                sections.append(Section(level, heading, anchor, "\n".join(lines).strip()))
            level, heading = len(match.group(1)), match.group(2).strip()
            anchor = match.group(3) or slugify(heading)
            lines = []
        else:
            lines.append(line)
    if heading or "".join(lines).strip():
        sections.append(Section(level, heading, anchor, "\n".join(lines).strip()))
    return sections


def sections(slug: str, lang: str | None = None) -> list[Section]:
    """The sections of an explainer page, title first, sources last."""
    return parse_sections(read_content(PAGES[slug].file, lang))


def page_anchors(slug: str, lang: str | None = None) -> set[str]:
    """Every anchor a link can point to on an explainer page."""
    return {s.anchor for s in sections(slug, lang) if s.level}


def page_title(slug: str, lang: str | None = None) -> str:
    """The page's title in `lang`, from the message catalog (`PAGES[slug].title` is the English message id)."""
    return i18n.translations(language(lang)).gettext(PAGES[slug].title)


def disclaimer_markdown(lang: str | None = None) -> str:
    """The medical disclaimer shown on every explainer page."""
    return read_content(DISCLAIMER_FILE, lang).strip()


def links(markdown: str) -> list[tuple[str, str]]:
    """Every Markdown link in a text, as (text, url)."""
    return _LINK.findall(markdown)


def localized_url(url: str, lang: str | None = None) -> str:
    """A link inside the app that keeps the reader's language: '/FAQ#how-long' -> '/FAQ?lang=es#how-long'.

    English (the default) needs no parameter, and other links (`https:`, `tel:`, `#anchor`) are returned
    as they are. A link that already says `lang=` is left alone, so calling this twice changes nothing.
    """
    code = language(lang)
    if code == i18n.DEFAULT_LANGUAGE or not url.startswith("/"):
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "lang" for key, _ in query):
        return url
    return urlunsplit(parts._replace(query=urlencode([*query, ("lang", code)])))


def same_tab_links(markdown: str, lang: str | None = None) -> str:
    """Turn links inside the app (`/...`) and phone links into HTML links that open in the same tab.

    Streamlit opens every Markdown link except `#anchor` in a new tab. That suits outside sources, but
    a newcomer moving between these pages, or tapping a phone number, should stay where they are.
    Links inside the app keep the reader's language (`localized_url`).
    Render the result with `st.markdown(..., unsafe_allow_html=True)`.
    """
    code = language(lang)

    def replace(match: re.Match[str]) -> str:
        text, url = match.group(1), match.group(2)
        if url.startswith(("/", "tel:", "sms:")):
            return f'<a href="{localized_url(url, code)}" target="_self">{text}</a>'
        return match.group(0)

    return _LINK.sub(replace, markdown)


def display_markdown(markdown: str, lang: str | None = None) -> str:
    """Markdown as the pages show it: citations as small superscripts, and `same_tab_links`.

    `[TIP 47](#sources)` becomes `<sup>[TIP 47](#sources)</sup>`, so a citation reads as a reference
    rather than as a link in the sentence. Render with `st.markdown(..., unsafe_allow_html=True)`.
    """
    cited = re.sub(
        r"\[([^\]]+)\]\(#" + SOURCES_ANCHOR + r"\)", r"<sup>[\1](#" + SOURCES_ANCHOR + ")</sup>", markdown
    )
    return same_tab_links(cited, lang)


# ---- the glossary, derived from the schema's service vocabulary ----


def glossary(lang: str | None = None) -> dict[str, GlossaryEntry]:
    """The glossary, keyed by glossary slug, in the order of `content/glossary.md` (or `content/es/...`).

    The slugs (anchors) are the same in every language; only the words change.
    """
    return _glossary(language(lang))


@cache
def _glossary(lang: str) -> dict[str, GlossaryEntry]:
    entries: dict[str, GlossaryEntry] = {}
    for section in parse_sections(read_content(GLOSSARY_FILE, lang)):
        if section.level != 2 or section.anchor == SOURCES_ANCHOR:
            continue
        text_lines, more_label, more_url = [], "", ""
        for line in section.body.splitlines():
            match = _READ_MORE.match(line.strip())
            if match:
                more_label, more_url = match.groups()
            else:
                text_lines.append(line)
        entries[section.anchor] = GlossaryEntry(
            slug=section.anchor,
            term=section.heading,
            text="\n".join(text_lines).strip(),
            more_label=more_label,
            more_url=more_url,
        )
    return entries


def glossary_intro_and_sources(lang: str | None = None) -> tuple[str, str]:
    """The glossary page's introduction and its sources list (Markdown)."""
    intro, sources = "", ""
    for section in parse_sections(read_content(GLOSSARY_FILE, lang)):
        if section.level == 1:
            intro = section.body
        elif section.anchor == SOURCES_ANCHOR:
            sources = section.body
    return intro, sources


def glossary_title(lang: str | None = None) -> str:
    """The glossary's title in `lang` (the first heading of its Markdown file)."""
    return _glossary_title(language(lang))


@cache  # the menu names it on every run of every page
def _glossary_title(lang: str) -> str:
    return next(s.heading for s in parse_sections(read_content(GLOSSARY_FILE, lang)) if s.level == 1)


def glossary_url(searchable_name: str, lang: str | None = None) -> str:
    """Where "what is this?" next to a filter or badge should go, e.g. '/Glossary#evening-groups'.

    `searchable_name` is a key of `schema.SEARCHABLE` ('evening', 'buprenorphine', 'medications', ...);
    an unknown name raises KeyError. In Spanish: '/Glossary?lang=es#evening-groups' (same anchor).
    """
    return localized_url(f"{GLOSSARY_URL}#{SEARCHABLE[searchable_name].glossary}", lang)


# ---- for the finder page ----


# Each line is checked against a stored copy of its source; see docs/explainer.md, "Crisis lines in Spanish".
# The text link is a plain `sms:988` in both languages: Apple's SMS link reference says the URL "must not
# include any message text", and the `?&body=` form some sites use to pre-fill a message is not a standard
# every phone follows. So the Spanish line says in words what to send (AYUDA) rather than relying on it.
# Each link's words say what it does ("Call 988", "text 988"): a screen reader's list of links read two "988"s.
CRISIS_LINES: dict[str, str] = {
    "en": (
        "**Need help right now?** "
        "[Call 988](tel:988) or [text 988](sms:988) (Suicide & Crisis Lifeline) · "
        "SAMHSA National Helpline [1-800-662-4357](tel:+18006624357) (free, private, 24/7) · "
        "In an emergency, call [911](tel:911)."
    ),
    "es": (
        "**¿Necesita ayuda ahora mismo?** "
        "[Llame al 988](tel:988) y marque 2 para hablar en español, o [envíe un mensaje de texto](sms:988) con la "
        "palabra AYUDA al 988 (Línea 988 de Prevención del Suicidio y Crisis) · "
        "Línea Nacional de Ayuda de SAMHSA [1-800-662-4357](tel:+18006624357) (gratis, confidencial, "
        "24 horas, en inglés y en español) · "
        "En una emergencia, llame al [911](tel:911)."
    ),
}


def crisis_lines_markdown(lang: str | None = None) -> str:
    """The crisis lines, as Markdown with `tel:` and `sms:` links, for every page including the finder."""
    return CRISIS_LINES[language(lang)]


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_PHONE_LINK = re.compile(r"\[([^\]]+)\]\(((?:tel|sms):[+0-9]+)\)")


def crisis_lines_html(lang: str | None = None) -> str:
    """The crisis lines as one HTML paragraph: `crisis_lines_markdown`'s two kinds of mark (bold, and phone
    links opening in the same tab) written as HTML, everything else escaped; shown on every page without a
    Markdown renderer in the browser."""
    return _crisis_lines_html(language(lang))


@cache
def _crisis_lines_html(lang: str) -> str:
    text = html_text(crisis_lines_markdown(lang))
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _PHONE_LINK.sub(r'<a href="\2" target="_self">\1</a>', text)
    if "**" in text or "](" in text:
        raise ValueError("the crisis lines use Markdown that crisis_lines_html does not write as HTML")
    return f'<p class="cf-crisis">{text}</p>'


def newcomer_facts(lang: str | None = None) -> list[tuple[str, str]]:
    """The five things a newcomer needs most, as (text, url into the explainer pages).

    Read from `content/newcomer.md` (Spanish: `content/es/newcomer.md`), where each fact is a list item
    written as a link: `- [text](url)`. The URLs are the same in both languages.
    """
    return _newcomer_facts(language(lang))


@cache
def _newcomer_facts(lang: str) -> list[tuple[str, str]]:
    facts = []
    for line in read_content(NEWCOMER_FILE, lang).splitlines():
        match = re.match(r"^\s*[-*]\s+\[([^\]]+)\]\(([^)\s]+)\)\s*$", line)
        if match:
            facts.append((match.group(1), match.group(2)))
    return facts


def newcomer_panel_html(lang: str | None = None, link: Callable[[str], str] | None = None) -> str:
    """The "New to IOP?" panel's facts as one HTML list of links that open in the same tab and keep the
    language (the page shows it in a <details>, which needs no Markdown renderer in the browser).

    `link` turns each page's address into the one to show: the finder passes one that carries the current
    search and language, so the page's "Search for a program near you" comes back to the same search."""
    if link is None:
        return _newcomer_panel_html(language(lang))
    return _facts_list(newcomer_facts(lang), link)


@cache
def _newcomer_panel_html(lang: str) -> str:
    return _facts_list(newcomer_facts(lang), lambda url: localized_url(url, lang))


def _facts_list(facts: Iterable[tuple[str, str]], link: Callable[[str], str]) -> str:
    items = "".join(f'<li><a href="{html_attr(link(url))}" target="_self">{html_text(text)}</a></li>'
                    for text, url in facts)
    return f'<ul class="cf-newcomer-facts">{items}</ul>'


# ---- plain-language check ----


def readable_text(markdown: str) -> str:
    """The prose of a page as a reader meets it, for a readability score.

    Drops the sources list, citation links (`[TIP 47](#sources)`), URLs, anchors and Markdown marks;
    keeps link words. A heading or list item that does not end a sentence is read as one, so a period
    is added to it (headings and list items are read on their own, not run into the next line).
    """
    kept: list[str] = []
    markdown = _CITATION.sub("", markdown)
    for section in parse_sections(markdown):
        if section.anchor == SOURCES_ANCHOR:
            continue
        if section.heading:
            kept.append(_sentence(section.heading))
        paragraph: list[str] = []
        for raw in section.body.splitlines():
            line = raw.strip()
            if line.startswith("|"):  # a table row is read as one sentence; its ruler is not read
                if paragraph:
                    kept.append(" ".join(paragraph))
                    paragraph = []
                cells = [c.strip() for c in line.strip("|").split("|") if c.strip()]
                if cells and not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    kept.append(_sentence(", ".join(cells)))
                continue
            item = re.match(r"^(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*)$", line)
            if not line or item:
                if paragraph:
                    kept.append(" ".join(paragraph))
                    paragraph = []
                if item:
                    kept.append(_sentence(item.group(1)))
                continue
            paragraph.append(line.lstrip("> "))
        if paragraph:
            kept.append(" ".join(paragraph))
    text = "\n".join(kept)
    text = _LINK.sub(r"\1", text)  # links: keep the words
    text = re.sub(r"<[^>]+>", "", text)  # html tags
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if re.search(r"[.!?]$", _LINK.sub(r"\1", text)) else f"{text}."
