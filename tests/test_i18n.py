"""Translations: the Spanish catalog covers every interface string, and the translation API behaves.

The interface strings are found the way `make messages` finds them: Babel's extractor, run over the
files and with the keywords that `babel.cfg` names. Any string in the code without a finished Spanish
entry fails here, so a missing translation is caught before a Spanish reader meets English.
"""

from __future__ import annotations

import contextvars
import re
import textwrap
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from clinic_finder import i18n
from clinic_finder.catalog import load_translations, po_path

REPO_ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = REPO_ROOT / "babel.cfg"
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]

# {name}, {0}, {} and {name:,} (str.format); %(name)s, %s, %d (printf style); `code` spans.
_PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*(?:[:!][^{}]*)?\}|%\([A-Za-z0-9_]+\)[#0 +-]*\d*(?:\.\d+)?[sdifr]|%[sdifr]")
_CODE_SPAN = re.compile(r"`[^`]+`")


@pytest.fixture(autouse=True)
def _english_again():
    """Each test starts and ends in English: the language is per run, and tests share one run."""
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


# ---- what the code asks to have translated ----


def extracted() -> dict[str, tuple[str, ...]]:
    """msgid -> the message as the code writes it (one string, or singular and plural), with where it is.

    Uses babel.cfg's file patterns and its per-section keywords only (no Babel defaults), as `make messages`
    does; a folder named there that does not exist yet (views/) simply yields nothing.
    """
    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(BABEL_CFG))
    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        REPO_ROOT, method_map, options_map, keywords={}
    ):
        strings = message if isinstance(message, tuple) else (message,)
        if not all(strings):  # _(variable): nothing to translate at this spot
            continue
        key = strings[0]
        if key in found and found[key] != strings:
            raise AssertionError(f"{filename}:{lineno}: {key!r} is used both as {found[key]} and as {strings}")
        found[key] = strings
    return found


def catalog(code: str) -> Catalog:
    with po_path(i18n.LOCALE_DIR, code).open("rb") as po_file:
        return read_po(po_file, locale=code)


def test_babel_cfg_names_the_translation_api_for_every_section() -> None:
    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(BABEL_CFG))
    patterns = [pattern for pattern, _ in method_map]
    assert patterns == ["clinic_finder/**.py", "views/**.py", "app.py", "pages/**.py"]
    for pattern in patterns:
        assert options_map[pattern]["keywords"] == {"_": None, "N_": None, "ngettext": (1, 2)}, pattern


def test_extraction_finds_the_schema_labels_and_page_titles() -> None:
    # Guards the completeness tests below against passing because extraction found nothing.
    messages = extracted()
    assert len(messages) > 100
    for msgid in ("Spanish", "Evening groups", "Who can attend", "Medications (any)", "What is an IOP?"):
        assert msgid in messages


def test_no_translation_call_inside_an_f_string() -> None:
    """Babel reads an f-string as one token on Python 3.11, so `f"{_('Call')}"` is never extracted and the
    reader would meet English: put the words in a variable first, then the variable in the f-string."""
    import tokenize

    from babel.util import pathmatch

    with BABEL_CFG.open(encoding="utf-8") as cfg:
        method_map, _options = parse_mapping_cfg(cfg, filename=str(BABEL_CFG))
    found = []
    for pattern, _method in method_map:
        top = REPO_ROOT / pattern.split("/")[0]
        candidates = [top] if top.is_file() else sorted(top.rglob("*.py"))
        for path in candidates:
            if not pathmatch(pattern, path.relative_to(REPO_ROOT).as_posix()):
                continue
            with path.open("rb") as source:
                for token in tokenize.tokenize(source.readline):
                    if (token.type == tokenize.STRING and re.match(r"[rRbB]*[fF]", token.string)
                            and re.search(r"\b(?:_|N_|ngettext)\(", token.string)):
                        found.append(f"{path.relative_to(REPO_ROOT)}:{token.start[0]}: {token.string[:80]}")
    assert not found, "translation calls inside f-strings (not extracted):\n" + "\n".join(found)


# ---- every interface string has a finished translation ----


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_interface_string_has_an_entry(code: str) -> None:
    entries = catalog(code)
    missing = []
    for msgid, strings in extracted().items():
        entry = entries.get(msgid)
        if entry is None:
            missing.append(msgid)
        elif len(strings) == 2:
            assert entry.pluralizable and entry.id == strings, f"{msgid!r}: the catalog's entry is not {strings}"
    assert not missing, f"{len(missing)} string(s) have no {code} entry; run `make messages` and translate:\n" + (
        "\n".join(missing)
    )


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_entry_is_empty_fuzzy_obsolete_or_stale(code: str) -> None:
    entries = catalog(code)
    in_code = set(extracted())
    problems = []
    for message in entries:
        if not message.id:  # the header
            continue
        key = message.id[0] if message.pluralizable else message.id
        strings = message.string if message.pluralizable else (message.string,)
        if message.pluralizable and len(strings) != entries.num_plurals:
            problems.append(f"{key!r}: {len(strings)} plural forms, the language has {entries.num_plurals}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"{key!r}: not translated (an empty msgstr)")
        if message.fuzzy:
            problems.append(f"{key!r}: marked fuzzy (check the translation, then delete the '#, fuzzy' line)")
        if key not in in_code:
            problems.append(f"{key!r}: no longer in the code (run `make messages`)")
    problems += [f"{key!r}: obsolete entry (#~); delete it" for key in entries.obsolete]
    raw = po_path(i18n.LOCALE_DIR, code).read_text(encoding="utf-8")
    if re.search(r"^#~", raw, re.M):
        problems.append("obsolete '#~' lines left in the file")
    assert not problems, "\n".join(problems)


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text)) | set(_CODE_SPAN.findall(text))


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_placeholders_and_code_words(code: str) -> None:
    """`{name}` / `%(name)s` in the English must be in the translation (and no others), or formatting fails."""
    problems = []
    for message in catalog(code):
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = (_placeholders(s) for s in message.id)
            wanted = [singular] + [plural] * (len(message.string) - 1)
            allowed = singular | plural
            pairs = list(zip(message.string, wanted, strict=True))
        else:
            allowed = _placeholders(message.id)
            pairs = [(message.string, allowed)]
        for translated, needed in pairs:
            have = _placeholders(translated)
            if not needed <= have or not have <= allowed:
                problems.append(f"{message.id!r} -> {translated!r}: placeholders {sorted(have)}, want {sorted(needed)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("english", "translated", "ok"),
    [
        ("{n} programs", "{n} programas", True),
        ("{n} programs", "{count} programas", False),
        ("%(n)s programs", "%(n)s programas", True),
        ("%(n)s programs", "programas", False),
        ("Use `zip`", "Use `código`", False),
        ("Within {miles:,} miles", "A {miles:,} millas", True),
    ],
)
def test_placeholder_check_tells_kept_from_lost(english: str, translated: str, ok: bool) -> None:
    assert (_placeholders(english) == _placeholders(translated)) is ok


# ---- the catalog as the app loads it ----


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_uses_babels_plural_rule_for_the_language(code: str) -> None:
    entries = catalog(code)
    rule = get_plural(code)
    assert (entries.num_plurals, entries.plural_expr) == (rule.num_plurals, rule.plural_expr)


def test_spanish_plural_forms_in_the_compiled_catalog() -> None:
    """Babel's Spanish rule (CLDR): one for 1, a "many" form for whole millions, "other" for the rest."""
    compiled = i18n.translations("es")
    assert [compiled.plural(n) for n in (1, 0, 2, 21, 1_000_000, 2_000_000, 1_000_001)] == [0, 2, 2, 2, 1, 1, 2]


PLURAL_PO = textwrap.dedent(
    """\
    msgid ""
    msgstr ""
    "Language: es\\n"
    "Plural-Forms: nplurals=3; plural=(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2);\\n"
    "Content-Type: text/plain; charset=utf-8\\n"

    msgid "{n} program"
    msgid_plural "{n} programs"
    msgstr[0] "{n} programa"
    msgstr[1] "{n} de programas"
    msgstr[2] "{n} programas"

    #, fuzzy
    msgid "A guess"
    msgstr "Una suposición"
    """
)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 programa"), (0, "0 programas"), (2, "2 programas"), (1_000_000, "1000000 de programas")],
)
def test_load_translations_honours_plural_forms(tmp_path: Path, count: int, expected: str) -> None:
    po = po_path(tmp_path, "es")
    po.parent.mkdir(parents=True)
    po.write_text(PLURAL_PO, encoding="utf-8")
    compiled = load_translations(tmp_path, "es")
    assert compiled.ngettext("{n} program", "{n} programs", count).format(n=count) == expected


def test_load_translations_leaves_fuzzy_guesses_out(tmp_path: Path) -> None:
    po = po_path(tmp_path, "es")
    po.parent.mkdir(parents=True)
    po.write_text(PLURAL_PO, encoding="utf-8")
    assert load_translations(tmp_path, "es").gettext("A guess") == "A guess"


def test_load_translations_of_a_language_without_catalog(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_translations(tmp_path, "es")


def test_no_compiled_catalog_is_kept() -> None:
    assert not list((REPO_ROOT / "locale").rglob("*.mo")), "catalogs are compiled in memory; do not commit .mo files"


# ---- the per-run language ----


@pytest.mark.parametrize(
    ("asked", "used", "label"),
    [
        ("es", "es", "Atención en español"),
        ("en", "en", "Spanish"),
        ("fr", "en", "Spanish"),  # a language we do not have: English
        ("", "en", "Spanish"),
    ],
)
def test_set_language_then_translate(asked: str, used: str, label: str) -> None:
    assert i18n.set_language(asked) == used
    assert i18n.current_language() == used
    assert i18n._("Spanish") == label


def test_unknown_message_stays_english_in_spanish() -> None:
    i18n.set_language("es")
    assert i18n._("A sentence nobody marked") == "A sentence nobody marked"


def test_ngettext_in_english_needs_no_catalog() -> None:
    assert i18n.ngettext("{n} program", "{n} programs", 1) == "{n} program"
    assert i18n.ngettext("{n} program", "{n} programs", 3) == "{n} programs"


def test_language_is_per_run() -> None:
    i18n.set_language("es")
    assert contextvars.Context().run(i18n.current_language) == "en", "a new run starts in English"
    assert i18n.current_language() == "es"


def test_n_marks_without_translating() -> None:
    i18n.set_language("es")
    assert i18n.N_("Spanish") == "Spanish"


@pytest.mark.parametrize(
    ("header", "offered"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("en-US,en", None),
        ("fr,es;q=0.5", "es"),
        ("es", "es"),
        ("ES-us", "es"),
        ("en;q=0.9,es;q=0.8", None),
        ("en,es", None),  # equal preference: the first, English
        ("es;q=0,en", None),  # q=0 means "not Spanish"
        ("es;q=0", None),
        ("", None),
        (None, None),
        ("garbage", None),
        (";;;,,,q=", None),
        ("es;q=abc", None),
        ("*", None),
    ],
)
def test_negotiate_offers_spanish_only_when_preferred(header: str | None, offered: str | None) -> None:
    assert i18n.negotiate(header) == offered
