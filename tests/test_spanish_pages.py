"""Every page in Spanish (`?lang=es`) under AppTest: no English word that comes from our own code.

Each page of `SPANISH_PAGES` is run as Streamlit runs it. Everything a reader can see or hear is collected
(headings, Markdown, captions, messages, widget labels, options, placeholders and help texts, expanders,
buttons, HTML with its tags stripped and its aria-labels, the "Use my location" button, the map popup's
words); the data is taken out (every text value of the clinics CSV that appears, and the cited works under
"Fuentes"); what is left must hold none of `ENGLISH_WORDS`, common English words that Spanish text never
uses. Proper names (`PROPER_NAMES`) are allowed.

The Staff page is walked as a clinic's staff meets it (its sign-in form, then a clinic account's workspace with
its form and a visitor's suggestion waiting), with the accounts `tests/test_staff_page.py` uses; the "Suggest a
correction" page as a visitor meets it (the form, then the "what happens next" message once a note is sent).

The Spanish finder must also find exactly what the English one finds, in the same order, and keep `lang=es`
in its address (a shared link reopens in Spanish).
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from clinic_finder import explainer, i18n, suggestions
from clinic_finder.schema import SERVICE_COLUMNS
from tests.conftest import PASSWORD
from tests.page_html import heading, html_bodies
from tests.test_staff_page import OWN, add_people

ROOT = Path(__file__).resolve().parent.parent
FINDER_SEARCH = {"zip": "77040", "services": "evening"}
STAFF_PAGE = "pages/9_Staff.py"
SUGGEST_PAGE = "pages/8_Suggest_a_correction.py"
SUGGEST_CLINIC = "symetria-recovery-chicago"
CLINIC_ACCOUNT = "alton"  # the clinic account of tests/test_staff_page.py: it looks after OWN only
VISITORS_NOTE = "Tienen grupos por la noche, de lunes a jueves a las 6"  # what a visitor typed (data)

# The pages this test walks in Spanish: (test id, script, URL query). A page a reader only reaches after a step
# (signing in, sending a note) has that step in PAGE_STEPS under its test id.
SPANISH_PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("finder", "app.py", {"lang": "es"}),
    ("finder-search", "app.py", {"lang": "es", **FINDER_SEARCH}),
    *[(slug, f"pages/{page.script}", {"lang": "es"}) for slug, page in explainer.PAGES.items()],
    ("glossary", f"pages/{explainer.GLOSSARY_SCRIPT}", {"lang": "es"}),
    ("staff-sign-in", STAFF_PAGE, {"lang": "es"}),
    ("staff-clinic-account", STAFF_PAGE, {"lang": "es"}),
    ("suggest", SUGGEST_PAGE, {"lang": "es", "clinic": SUGGEST_CLINIC}),
    ("suggest-sent", SUGGEST_PAGE, {"lang": "es", "clinic": SUGGEST_CLINIC}),
]

# Common English words that never occur in Spanish text (so none of "a", "no", "me", "video", "mental",
# "use", "once", "son", "red", "can"...).
ENGLISH_WORDS = frozenset("""
    the and with call miles groups group search find finder near you your program programs what need how pay
    more about clinic clinics confirm confirmed unknown source sources checked women men only ages age
    this that for from not or of to is are be was were been has have had by at on an if it its all also but
    will may might could would should than then which where when who why here there they them their we our
    show shows showing distance filters filter results result location place places type did mean please try
    again minutes evening morning medications medication health care treatment insurance private approximate
    selected map list listed twice nothing people person described left out because serve serves nearby ask
    switch off choose wider remove change see know things five words state city code digits phone number
    open closed accepts offers offer directions website intake wait help free yes any anyone every other new
    next page pages language staff suggest correction something wrong download my do does don doesn
    alcohol opioid opioids drugs such sessions anywhere farther away licensed live lives glossary
""".split()) - {"alcohol"}  # "alcohol" is Spanish too

# Names that stay as they are in Spanish, taken out before the words are checked.
PROPER_NAMES = (
    "SAMHSA", "Medicaid", "Medicare", "TRICARE", "Suboxone", "Vivitrol", "FindTreatment.gov", "IOP", "ZIP",
    "Illinois", "Texas", "Lifeline", "English", "Español", "Cook County", "CSV", "ASL", "DUI/DWI", "IHS",
    "Indian Health Service",
)  # fmt: skip
# English words a Spanish page teaches on purpose ("Palabras que puede oír": what staff may say on the phone,
# each followed by its meaning in Spanish).
EXPLAINED_ENGLISH_TERMS = ("Intake", "assessment", "Sliding fee scale", "Prior authorization")

_NOT_SHOWN = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)  # the stylesheet is not read by anyone
_TAG = re.compile(r"<[^>]+>")
_ARIA = re.compile(r'\baria-label="([^"]*)"')
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_URL = re.compile(r"(?:https?|tel|sms):\S+|/[A-Za-z_]+\?[^\s)\"']*")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:'[a-z]+)?")


@pytest.fixture
def data_csv(monkeypatch: pytest.MonkeyPatch, clinics_csv: Path) -> Path:
    monkeypatch.setenv("CLINIC_FINDER_DATA", str(clinics_csv))
    monkeypatch.setenv("CLINIC_FINDER_TILES", "none")
    return clinics_csv


@pytest.fixture(autouse=True)
def _english_again():
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def run_page(script: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- pages a reader reaches after a step ----


def staff_accounts(clinics_csv: Path, password_hash: str) -> None:
    """The accounts of tests/test_staff_page.py, and a visitor's suggestion waiting for the clinic account."""
    add_people(clinics_csv, password_hash)
    sent = suggestions.submit_suggestion(clinics_csv, "a-visitor", OWN, "hours", VISITORS_NOTE)
    assert sent.status == "ok", sent.message


def sign_in_as_clinic(at: AppTest) -> None:
    """Sign in as the clinic account: its workspace, with its clinic's form."""
    at.text_input(key="staff_account_name").input(CLINIC_ACCOUNT)
    at.text_input(key="staff_password").input(PASSWORD)
    at.button(key="staff_sign_in").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert at.radio(key=f"staff_form_{OWN}_evening") is not None  # the form: signed in


def send_a_note(at: AppTest) -> None:
    """Send a correction: the page then says what happens next."""
    at.radio(key="suggest_kind").set_value("hours")
    at.text_area(key="suggest_text").input(VISITORS_NOTE)
    at.button(key="suggest_send").click()
    at.run()
    assert not at.exception and len(at.success) == 1, [e.value for e in (*at.exception, *at.error, *at.warning)]


# Test id -> (what the files need first, what the reader does once the page is open).
PAGE_STEPS: dict[str, tuple[Callable[[Path, str], None] | None, Callable[[AppTest], None] | None]] = {
    "staff-sign-in": (staff_accounts, None),
    "staff-clinic-account": (staff_accounts, sign_in_as_clinic),
    "suggest-sent": (None, send_a_note),
}


def open_page(name: str, script: str, query: dict[str, str], clinics_csv: Path, password_hash: str) -> AppTest:
    """The page `name` as its reader meets it, in the page's language."""
    prepare, act = PAGE_STEPS.get(name, (None, None))
    if prepare is not None:
        prepare(clinics_csv, password_hash)
    at = run_page(script, query)
    if act is not None:
        # AppTest calls the widgets' format_func (which translate) in the test's own thread when it sends their
        # values back: that thread speaks the page's language too, as the script's thread does.
        i18n.set_language(query.get("lang", i18n.DEFAULT_LANGUAGE))
        act(at)
    return at


# ---- what a reader meets ----


def plain(text: str) -> str:
    """Markdown or HTML as words: tags, link targets and addresses dropped, entities decoded."""
    text = _MD_LINK.sub(r"\1", text)
    text = _NOT_SHOWN.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    return re.sub(r"[*_`#>|]+", " ", text)


def visible_texts(at: AppTest) -> list[str]:
    """Every text of the page a reader can see or a screen reader say, as plain text."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for element in html_bodies(at):
        texts.append(element)
        texts += _ARIA.findall(element)
    for element in at.expander:
        texts.append(element.label)
    for tab in at.tabs:
        texts.append(tab.label)
    for kind in ("button", "toggle", "text_input", "selectbox", "radio", "checkbox", "text_area", "date_input",
                 "number_input", "multiselect"):
        for widget in getattr(at, kind):
            texts += [widget.label, widget.proto.help]
            texts += [getattr(widget.proto, "placeholder", "")]
            texts += [str(o) for o in getattr(widget, "options", [])]
    texts += [str(e.value) for e in at.text]  # st.text: a visitor's own words, and ours when they left none
    for table in at.dataframe:  # its column titles and its words (what is data is taken out later)
        frame: pd.DataFrame = table.value
        texts += [str(c) for c in frame.columns]
        texts += [v for column in frame.columns for v in frame[column].tolist() if isinstance(v, str)]
    for group in at.get("button_group"):  # pills and the language switch
        texts += [group.proto.label, group.proto.help] + [o.content for o in group.proto.options]
    for button in at.get("download_button"):
        texts.append(button.proto.label)
    for component in at.get("bidi_component"):  # the search bar: its labels, "Use my location"; the filters
        data = json.loads(component.proto.json or "{}")
        if component.proto.component_name == "iop_finder.filters":
            texts += filter_panel_texts(data)
            continue
        texts += [str(v) for v in data.values() if isinstance(v, str)]
        texts += [str(label) for v in data.values() if isinstance(v, list)  # the search bar's distances
                  for option in v if isinstance(option, list) for label in option[1:]]
    for component in at.get("component_instance"):  # the map: its zoom buttons' and its popup's words
        args = json.loads(component.proto.json_args)
        zoom = re.search(r"var names = (\{.*?\});", str(args.get("script", "")))
        if zoom:
            texts += list(json.loads(zoom.group(1)).values())
        layer = str(args.get("feature_group", ""))
        start = layer.find("var labels = ")
        if start >= 0:
            labels, _end = json.JSONDecoder().raw_decode(layer, start + len("var labels = "))
            # "ZIPCODE" and "AGES" are where the popup puts the clinic's ZIP code and age groups.
            texts += [v.replace("ZIPCODE", "77040").replace("AGES", "") for v in _strings(labels)]
    return [plain(t) for t in texts if t]


def filter_panel_texts(data: dict) -> list[str]:
    """The filter panel's words: its summary, legends, choices, notes and glossary links (not the values it
    sends back, which are codes)."""
    groups = [*data["groups"], *data["who"]["groups"]]
    texts = [data["summary"], data["who"]["legend"], data["who"]["note"], data["confirmed"]["label"],
             data["confirmed"]["help"], data["links"]["intro"]]
    texts += [g["legend"] for g in groups] + [o["label"] for g in groups for o in g["options"]]
    return texts + [text for _href, text in data["links"]["items"]]


def _strings(value: object) -> list[str]:
    """Every string in a JSON value (the popup's labels hold nested tables: limits by code, ages)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _words_only(text: str) -> str:
    return " ".join(plain(text).split())


def data_values(clinics_csv: Path, script: str = "app.py") -> list[str]:
    """What the page shows that is data, not our words, longest first: every text value of the clinics list
    (names, addresses, notes, sources...) and, on an explainer page, the works it cites under "Fuentes"
    (their titles are in the language they were written in)."""
    with clinics_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    values = {_words_only(value) for row in rows for column, value in row.items()
              if column not in SERVICE_COLUMNS and value and value.strip()}
    slug = next((s for s, page in explainer.PAGES.items() if script == f"pages/{page.script}"), None)
    if slug is not None:
        sources = next(s.body for s in explainer.sections(slug, "es") if s.anchor == explainer.SOURCES_ANCHOR)
        values.add(_words_only(explainer.display_markdown(sources, "es")))
    elif script == f"pages/{explainer.GLOSSARY_SCRIPT}":
        sources = explainer.glossary_intro_and_sources("es")[1]
        values.add(_words_only(explainer.display_markdown(sources, "es")))
    return sorted((v for v in values if v), key=len, reverse=True)


def our_english_words(texts: list[str], data: list[str]) -> list[str]:
    """The English words left in `texts` once data and proper names are taken out, each with its context."""
    found = []
    for text in texts:
        text = " ".join(text.split())
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        for name in (*PROPER_NAMES, *EXPLAINED_ENGLISH_TERMS):
            text = text.replace(name, " ")
        for match in _WORD.finditer(text):
            word = match.group(0).lower().removesuffix("'s")
            if word in ENGLISH_WORDS:
                found.append(f"{word!r} in …{text[max(0, match.start() - 40):match.end() + 40]}…")
    return found


# ---- the tests ----


@pytest.mark.parametrize(("name", "script", "query"), SPANISH_PAGES, ids=[p[0] for p in SPANISH_PAGES])
def test_spanish_page_has_no_english_from_our_code(data_csv: Path, password_hash: str, name: str, script: str,
                                                   query: dict[str, str]) -> None:
    at = open_page(name, script, query, data_csv, password_hash)
    data = data_values(data_csv, script)
    texts = visible_texts(at)
    assert len(" ".join(texts)) > 500, f"{name}: too little text collected; is the page empty?"
    english = our_english_words(texts, data)
    assert not english, f"{name}: English words in the Spanish page:\n" + "\n".join(english)


def test_the_check_finds_english_on_the_english_page(data_csv: Path) -> None:
    """Guards the test above against passing because it collected nothing or removed everything."""
    at = run_page("app.py", FINDER_SEARCH)
    words = {entry.split("'")[1] for entry in our_english_words(visible_texts(at), data_values(data_csv))}
    assert {"call", "programs", "miles", "find", "near", "you"} <= words


# Words each page with a step says in English, which the check must find there.
ENGLISH_ON_THE_ENGLISH_PAGE = {
    "staff-sign-in": {"staff", "page", "people", "who"},
    "staff-clinic-account": {"your", "nothing", "evening", "groups", "what"},
    "suggest-sent": {"you", "people", "who", "clinic"},
}


@pytest.mark.parametrize("name", sorted(PAGE_STEPS))
def test_the_check_finds_english_on_the_english_pages_with_a_step(data_csv: Path, password_hash: str,
                                                                  name: str) -> None:
    """Guards the Spanish walk of these pages against passing because a step went wrong or nothing was seen."""
    _name, script, query = next(p for p in SPANISH_PAGES if p[0] == name)
    at = open_page(name, script, {k: v for k, v in query.items() if k != "lang"}, data_csv, password_hash)
    words = {entry.split("'")[1] for entry in our_english_words(visible_texts(at), data_values(data_csv, script))}
    assert ENGLISH_ON_THE_ENGLISH_PAGE[name] <= words


def card_ids(at: AppTest) -> list[str]:
    """Clinic ids of the list's cards, in order (the "selected on the map" copies are not counted)."""
    ids = []
    for body in html_bodies(at):
        if "cf-desktop-only" not in body and "cf-phone-only" not in body:
            ids += re.findall(r'<div class="cf-card" id="clinic-([a-z0-9-]+)"', body)
    return ids


def query_value(at: AppTest, key: str) -> str | None:
    if key not in at.query_params:
        return None
    value = at.query_params[key]
    return value if isinstance(value, str) else value[-1]


def test_spanish_finder_finds_what_the_english_one_finds(data_csv: Path) -> None:
    english = run_page("app.py", FINDER_SEARCH)
    spanish = run_page("app.py", {"lang": "es", **FINDER_SEARCH})
    assert card_ids(english) and card_ids(spanish) == card_ids(english)
    assert re.findall(r"\d+", heading(spanish, "h2")) == re.findall(r"\d+", heading(english, "h2"))
    assert "confirmados" in heading(spanish, "h2") and "confirmed" in heading(english, "h2")
    assert heading(spanish, "h1") == "Encuentre un IOP cerca de usted"
    cards = " ".join(h for h in html_bodies(spanish) if "cf-card" in h)
    assert "Llame al " in cards and "Cómo llegar" in cards and "Grupos por la noche" in cards
    panel = next(json.loads(c.proto.json) for c in spanish.get("bidi_component")
                 if c.proto.component_name == "iop_finder.filters")
    assert "Atención en español" in filter_panel_texts(panel)


def test_the_language_switch_names_both_languages_and_presses_the_current_one(data_csv: Path) -> None:
    for language, label in (("en", "Language"), ("es", "Idioma")):
        at = run_page("app.py", {"lang": language, **FINDER_SEARCH})
        switch = next(json.loads(c.proto.json) for c in at.get("bidi_component")
                      if c.proto.component_name == "iop_finder.language")
        assert switch == {"label": label, "options": [["en", "English"], ["es", "Español"]], "value": language,
                          "note": "", "note_language": ""}  # the offer of the other language: a browser's (below)


def test_spanish_link_keeps_its_language(data_csv: Path) -> None:
    at = run_page("app.py", {"lang": "es", **FINDER_SEARCH})
    assert {k: query_value(at, k) for k in ("lang", "zip", "services")} == {"lang": "es", **FINDER_SEARCH}
    at.session_state["pay"] = ["medicaid"]  # as the filter panel's callback leaves it: a new search keeps the language
    at.run()
    assert not at.exception
    assert query_value(at, "lang") == "es" and query_value(at, "payment") == "medicaid"
    assert "confirmados" in heading(at, "h2")
