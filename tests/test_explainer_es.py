"""The explainer in Spanish: crisis lines, and (below) the Spanish pages against their English originals."""

from __future__ import annotations

import pytest

from clinic_finder import explainer, i18n


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
    assert "la palabra AYUDA al [988](sms:988)" in text, "988 by text: send AYUDA"
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
