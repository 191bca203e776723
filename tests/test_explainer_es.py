"""The explainer in Spanish: crisis lines, readability, and each Spanish page held to its English original.

A Spanish page (`content/es/<file>`) is a version for a general reader, not a word-for-word rendering;
what must not differ is checked here: the anchors links point at, the works listed and cited, the links,
the glossary's coverage of the schema, the five newcomer facts, and the claims an audit fixed in English.
"""

from __future__ import annotations

import re

import pytest

from clinic_finder import explainer, i18n
from clinic_finder.schema import SEARCHABLE
from tests.test_explainer import CITATION_SOURCES, link_problem, sources_items


@pytest.fixture(autouse=True)
def _english_again():
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


# ---- crisis lines (sources and the sentences relied on: docs/explainer.md, "Crisis lines in Spanish") ----


def test_spanish_crisis_lines_have_988_in_spanish_the_helpline_and_911() -> None:
    text = explainer.crisis_lines_markdown("es")
    urls = {url for _, url in explainer.links(text)}
    assert urls == {"tel:988", "sms:988", "tel:+18006624357", "tel:911"}
    assert "marque 2" in text, "988 by phone: option 2 is Spanish"
    assert "[envíe un mensaje de texto](sms:988) con la palabra AYUDA al 988" in text, "988 by text: send AYUDA"
    assert "1-800-662-4357" in text and "en español" in text
    assert "[911](tel:911)" in text


def test_crisis_lines_follow_the_language_of_the_run() -> None:
    assert explainer.crisis_lines_markdown() == explainer.crisis_lines_markdown("en")
    i18n.set_language("es")
    assert explainer.crisis_lines_markdown() == explainer.crisis_lines_markdown("es")
    assert "Llame al" in explainer.crisis_lines_markdown()


def test_phone_links_are_plain_numbers_in_every_language() -> None:
    # A pre-filled text body (sms:988?&body=AYUDA) is not honoured by every phone; see docs/explainer.md.
    for code in i18n.LANGUAGES:
        for _, url in explainer.links(explainer.crisis_lines_markdown(code)):
            assert url.split(":")[1].lstrip("+").isdigit(), url


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        explainer.crisis_lines_markdown("fr")


# ---- the Spanish pages against the English ones ----

ES = "es"
FILES = [page.file for page in explainer.PAGES.values()] + [explainer.GLOSSARY_FILE]
ALL_FILES = [*FILES, explainer.NEWCOMER_FILE, explainer.DISCLAIMER_FILE]

# Spanish citation labels -> words their source line must contain (English labels: CITATION_SOURCES).
CITATION_SOURCES_ES = {
    "Norma de Illinois": "Illinois Administrative Code",
    "Norma de Texas": "Texas Administrative Code",
    "Directorio de SAMHSA": "National Directory of Substance Use Treatment Facilities",
    "Línea de Ayuda de SAMHSA": "National Helpline",
    "Reglas de SAMHSA sobre dosis para llevar": "Take-Home",
    "Etiqueta de Vivitrol": "VIVITROL",
    "Etiqueta de Suboxone": "SUBOXONE",
    "Línea 988": "988 Suicide & Crisis Lifeline",
}
_EXPLICIT_ANCHOR = re.compile(r"^#{1,3}\s+.+\{#[A-Za-z0-9_-]+\}\s*$")


def test_every_spanish_file_exists() -> None:
    for file in ALL_FILES:
        assert explainer.content_path(file, ES).is_file(), f"content/es/{file} is missing"
        assert explainer.content_path(file, ES).parent.name == ES


def test_reading_follows_the_language_of_the_run() -> None:
    assert explainer.read_content("faq.md") == explainer.read_content("faq.md", "en")
    i18n.set_language(ES)
    assert explainer.read_content("faq.md") == explainer.read_content("faq.md", ES)
    assert explainer.glossary_title() == "Glosario"


@pytest.mark.parametrize("file", FILES)
def test_spanish_page_has_the_english_anchors_in_the_same_order(file: str) -> None:
    english = [(s.level, s.anchor) for s in explainer.parse_sections(explainer.read_content(file, "en")) if s.level]
    spanish = [(s.level, s.anchor) for s in explainer.parse_sections(explainer.read_content(file, ES)) if s.level]
    assert spanish == english


@pytest.mark.parametrize("file", [*FILES, explainer.NEWCOMER_FILE])
def test_every_spanish_heading_names_its_anchor(file: str) -> None:
    # Spanish words would make different anchors (and accents none at all), so every heading says its own.
    for line in explainer.read_content(file, ES).splitlines():
        if re.match(r"^#{1,3}\s", line):
            assert _EXPLICIT_ANCHOR.match(line), f"content/es/{file}: {line!r} has no {{#anchor}}"


@pytest.mark.parametrize("slug", explainer.PAGES)
def test_page_title_is_the_translated_catalog_title(slug: str) -> None:
    heading = next(s.heading for s in explainer.sections(slug, ES) if s.level == 1)
    assert explainer.page_title(slug, ES) == heading != explainer.PAGES[slug].title
    assert explainer.page_title(slug, "en") == explainer.PAGES[slug].title
    i18n.set_language(ES)
    assert explainer.page_title(slug) == heading


def _works(items: list[str]) -> list[str]:
    """Each source line's work, named by its first web address (a line may add chapter addresses)."""
    return [re.search(r"https?://[^\s>)]+", item).group(0) for item in items]


@pytest.mark.parametrize("file", FILES)
def test_spanish_page_lists_the_same_sources(file: str) -> None:
    english = _works(sources_items(explainer.read_content(file, "en")))
    spanish = _works(sources_items(explainer.read_content(file, ES)))
    assert spanish == english


def _cited_works(markdown: str) -> set[str]:
    """The works a page cites: each citation label resolved to its line of the page's sources."""
    items = sources_items(markdown)
    cited = set()
    for label in set(re.findall(r"\[([^\]]+)\]\(#" + explainer.SOURCES_ANCHOR + r"\)", markdown)):
        needle = CITATION_SOURCES_ES.get(label) or CITATION_SOURCES.get(label, label.split()[0])
        matches = [item for item in items if needle in item]
        year = re.search(r"\b(19|20)\d\d\b", label)
        if year and label not in CITATION_SOURCES_ES and label not in CITATION_SOURCES:
            matches = [item for item in matches if year.group(0) in item]
        assert matches, f"[{label}] cites no listed source ({needle!r})"
        cited.add(_works(matches[:1])[0])
    return cited


@pytest.mark.parametrize("file", [*FILES, explainer.NEWCOMER_FILE])
def test_spanish_page_cites_the_same_works(file: str) -> None:
    assert _cited_works(explainer.read_content(file, ES)) == _cited_works(explainer.read_content(file, "en"))


def _links_outside_sources(markdown: str) -> set[str]:
    body = "\n".join(s.body for s in explainer.parse_sections(markdown) if s.anchor != explainer.SOURCES_ANCHOR)
    return {url for _, url in explainer.links(body) if url != "#" + explainer.SOURCES_ANCHOR}


@pytest.mark.parametrize("file", [*FILES, explainer.NEWCOMER_FILE])
def test_spanish_page_has_the_same_links(file: str) -> None:
    assert _links_outside_sources(explainer.read_content(file, ES)) == _links_outside_sources(
        explainer.read_content(file, "en")
    )


@pytest.mark.parametrize("file", [*FILES, explainer.NEWCOMER_FILE])
def test_every_spanish_link_resolves(file: str) -> None:
    here = next((p.url_path for p in explainer.PAGES.values() if p.file == file), explainer.GLOSSARY_URL)
    urls = [url for _, url in explainer.links(explainer.read_content(file, ES))]
    assert urls
    problems = [problem for url in urls if (problem := link_problem(url, here))]
    assert not problems, "\n".join(problems)


def test_spanish_glossary_has_an_entry_for_every_schema_slug() -> None:
    english, spanish = explainer.glossary("en"), explainer.glossary(ES)
    assert list(spanish) == list(english)
    assert set(spanish) == {info.glossary for info in SEARCHABLE.values()}
    for slug, entry in spanish.items():
        assert entry.term and entry.text, slug
        assert entry.more_label.startswith("Lea más"), slug
        assert entry.more_url == english[slug].more_url, slug
        assert entry.term != english[slug].term or entry.term in {"Medicaid", "Medicare", "TRICARE"}, slug


def test_spanish_service_is_called_atencion_en_espanol() -> None:
    assert explainer.glossary(ES)["spanish"].term == "Atención en español"
    assert i18n.translations(ES).gettext(SEARCHABLE["spanish"].label) == "Atención en español"


def test_spanish_newcomer_panel_has_the_same_five_links() -> None:
    spanish, english = explainer.newcomer_facts(ES), explainer.newcomer_facts("en")
    assert len(spanish) == 5
    assert [url for _, url in spanish] == [url for _, url in english]
    assert all(text.strip() and text != english[i][0] for i, (text, _) in enumerate(spanish))


def test_spanish_disclaimer_says_it_is_not_medical_advice() -> None:
    assert "No es un consejo médico" in explainer.disclaimer_markdown(ES)


# ---- links keep the reader in Spanish ----


@pytest.mark.parametrize(
    ("url", "lang", "expected"),
    [
        ("/FAQ#how-long", "es", "/FAQ?lang=es#how-long"),
        ("/", "es", "/?lang=es"),
        ("/?zip=60613", "es", "/?zip=60613&lang=es"),
        ("/FAQ?lang=es#how-long", "es", "/FAQ?lang=es#how-long"),
        ("/FAQ#how-long", "en", "/FAQ#how-long"),
        ("https://988lifeline.org/", "es", "https://988lifeline.org/"),
        ("tel:988", "es", "tel:988"),
        ("#sources", "es", "#sources"),
    ],
)
def test_localized_url(url: str, lang: str, expected: str) -> None:
    assert explainer.localized_url(url, lang) == expected


def test_spanish_links_inside_the_app_keep_the_language() -> None:
    assert explainer.glossary_url("evening", ES) == "/Glossary?lang=es#evening-groups"
    assert explainer.same_tab_links("[FAQ](/FAQ) [988](tel:988)", ES) == (
        '<a href="/FAQ?lang=es" target="_self">FAQ</a> <a href="tel:988" target="_self">988</a>'
    )
    panel = explainer.newcomer_panel_html(ES)
    assert panel.count("?lang=es#") == 5
    i18n.set_language(ES)
    assert explainer.display_markdown("[A](/FAQ)") == '<a href="/FAQ?lang=es" target="_self">A</a>'


# ---- claims the audit of the English pages fixed: held in Spanish too ----


def _texts() -> dict[str, str]:
    return {file: explainer.read_content(file, ES) for file in [*FILES, explainer.NEWCOMER_FILE]}


def _sentences(markdown: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", explainer.readable_text(markdown)) if s.strip()]


@pytest.mark.parametrize(("name", "text"), _texts().items(), ids=list(_texts()))
def test_no_spanish_page_gives_iop_a_length_in_weeks(name: str, text: str) -> None:
    assert not re.search(r"\b\d{1,2}\s*(?:a|-|\u2013)\s*\d{1,2}\s*semanas\b", text), name


def test_spanish_how_long_answers_cite_nidas_three_months() -> None:
    for slug, anchor in (("faq", "how-long"), ("iop-or-residential", "how-long"), ("what-is-an-iop", "the-usual-rhythm")):
        body = next(s.body for s in explainer.sections(slug, ES) if s.anchor == anchor)
        assert "3 meses" in body and "[NIDA](#sources)" in body, (slug, anchor)


def test_the_spanish_self_harm_line_has_988_call_and_text_links() -> None:
    lines = [line for page in explainer.PAGES.values()
             for line in explainer.read_content(page.file, ES).splitlines() if "hacerse daño" in line]
    assert lines
    for line in lines:
        assert {"tel:988", "sms:988"} <= {url for _, url in explainer.links(line)}, line
        assert "AYUDA" in line and "marque 2" in line, line


@pytest.mark.parametrize(("name", "text"), _texts().items(), ids=list(_texts()))
def test_only_methadone_and_buprenorphine_are_linked_to_fewer_deaths_in_spanish(name: str, text: str) -> None:
    for sentence in _sentences(text):
        if re.search(r"\b(morir|muere|mueren|muerte|muertes|mortalidad)\b", sentence, re.I):
            assert "metadona" in sentence.lower() and "buprenorfina" in sentence.lower(), sentence
            assert not re.search(r"naltrexona|vivitrol", sentence, re.I), sentence


@pytest.mark.parametrize(("name", "text"), _texts().items(), ids=list(_texts()))
def test_spanish_vivitrol_wait_includes_the_longer_wait(name: str, text: str) -> None:
    for paragraph in [p for p in re.split(r"\n\s*\n", text) if "7 a 10 días" in p]:
        assert "buprenorfina o metadona" in paragraph and "dos semanas" in paragraph, paragraph
        assert "[Etiqueta de Vivitrol](#sources)" in paragraph, paragraph


# ---- plain Spanish ----

FAIRLY_EASY = 70.0  # Fernández-Huerta: 70-80 "algo fácil" (fairly easy), the floor for every Spanish page


@pytest.fixture(scope="module")
def spanish_textstat():
    """A textstat instance of its own, set to Spanish (the module-level one stays English for the English tests).

    textstat 0.7.x has `fernandez_huerta` and `szigriszt_pazos`; for Spanish it counts syllables with the
    Pyphen hyphenation dictionary for "es", which ships inside the pyphen package (no download).
    """
    import pyphen
    from textstat.textstat import textstatistics

    assert "es" in pyphen.LANGUAGES
    ts = textstatistics()
    ts.set_lang("es")
    return ts


_STRONG, _ACCENTED_WEAK, _VOWELS = set("aeoáéó"), set("íú"), set("aeiouáéíóúü")


def spanish_syllables(word: str) -> int:
    """Syllables of a Spanish word by its vowel nuclei: a diphthong is one, a hiatus two.

    Two strong vowels (a, e, o) side by side, or an accented í/ú next to another vowel, are a hiatus
    ("a-e-ro-puer-to", "dí-a"); other vowel pairs are one syllable ("cui-dar", "puer-ta"). A final "y"
    is a vowel ("hoy"). Pyphen's dictionary is made for breaking lines, not for counting: it never leaves
    one letter alone at either end of a word, so it counts "agua" and "día" as one syllable each.
    """
    w = re.sub(r"y$", "i", word.lower())
    count, previous = 0, None
    for char in w:
        if char in _VOWELS:
            if previous is None or (previous in _STRONG and char in _STRONG) or _ACCENTED_WEAK & {char, previous}:
                count += 1
            previous = char
        else:
            previous = None
    return max(count, 1)


def fernandez_huerta_by_nuclei(text: str) -> float:
    """Fernández-Huerta with `spanish_syllables` (words and sentences counted as textstat counts them)."""
    from textstat.backend.counts import count_sentences
    from textstat.backend.selections import list_words

    words = list_words(text, lowercase=True)
    syllables = sum(spanish_syllables(w) for w in words)
    return 206.84 - 60 * syllables / len(words) - 1.02 * len(words) / count_sentences(text)


def spanish_readable_texts() -> list[tuple[str, str]]:
    texts = [(file, explainer.readable_text(explainer.read_content(file, ES))) for file in FILES]
    texts.append(("newcomer facts", "\n".join(text for text, _ in explainer.newcomer_facts(ES))))
    texts.append((explainer.DISCLAIMER_FILE, explainer.readable_text(explainer.disclaimer_markdown(ES))))
    return texts


@pytest.mark.parametrize(("name", "text"), spanish_readable_texts(), ids=[n for n, _ in spanish_readable_texts()])
def test_spanish_reads_fairly_easy_or_easier(name: str, text: str, spanish_textstat) -> None:
    """Fernández-Huerta readability, at least 70 ("algo fácil", fairly easy) on each Spanish page.

    Scale (Fernández Huerta J. Medidas sencillas de lecturabilidad. Consigna 1959;214:29-32; the corrected
    formula and the scale as given by legible.es, https://legible.es/blog/lecturabilidad-fernandez-huerta/,
    after Law G. Error in the Fernandez Huerta readability formula, 2011):
    L = 206.84 - 60 x (syllables per word) - 1.02 x (words per sentence);
    90-100 muy fácil (4th grade), 80-90 fácil (5th), 70-80 algo fácil (6th), 60-70 normal (7th-8th),
    50-60 algo difícil, 30-50 difícil, 0-30 muy difícil.

    The text is the prose as a reader meets it (`explainer.readable_text`, as for the English grade).
    textstat's score is checked, and so is the same formula with syllables counted by vowel nuclei,
    because Pyphen's line-breaking dictionary undercounts Spanish syllables and would flatter a page.
    """
    assert len(text.split()) >= 40 or name in ("newcomer facts", explainer.DISCLAIMER_FILE)
    score = spanish_textstat.fernandez_huerta(text)
    assert score >= FAIRLY_EASY, f"{name}: Fernández-Huerta {score:.1f}; use shorter sentences and words"
    strict = fernandez_huerta_by_nuclei(text)
    assert strict >= FAIRLY_EASY, f"{name}: {strict:.1f} with every syllable counted; shorten sentences and words"


def test_readability_check_fails_on_dense_spanish(spanish_textstat) -> None:
    dense = (
        "## Consideraciones farmacológicas\n\n"
        "Las intervenciones farmacoterapéuticas para el trastorno por consumo de opioides, incluidas las "
        "formulaciones de buprenorfina como agonista parcial y las preparaciones antagonistas de liberación "
        "prolongada, demuestran una efectividad considerable respecto a la retención y a la reducción del "
        "consumo ilícito de opioides cuando se integran en marcos terapéuticos psicosociales integrales."
    )
    text = explainer.readable_text(dense)
    assert spanish_textstat.fernandez_huerta(text) < FAIRLY_EASY
    assert fernandez_huerta_by_nuclei(text) < FAIRLY_EASY


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("agua", 2), ("día", 2), ("ayuda", 3), ("tratamiento", 4), ("aeropuerto", 5), ("hoy", 1),
     ("buprenorfina", 5), ("que", 1), ("reúne", 3), ("ambulatorio", 5), ("país", 2), ("cuidado", 3)],
)
def test_spanish_syllables(word: str, syllables: int) -> None:
    assert spanish_syllables(word) == syllables


def test_pyphen_spanish_dictionary_works_offline(spanish_textstat) -> None:
    # Shipped inside the pyphen package: counting needs no network (tests run without one).
    assert spanish_textstat.syllable_count("tratamiento") == 4
