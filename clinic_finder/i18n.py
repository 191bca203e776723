"""Translations: every interface string goes through `_()` / `ngettext()`; the catalogs live in `locale/`.

The language is per script run: the page calls `set_language(code)` first thing (from `?lang=es`), and
everything that runs after it in that thread — views and package functions alike — translates through it.
English is the source language (message ids are the English text), so "en" needs no catalog.

`N_("text")` marks a string for the catalog without translating it where it is defined (the schema's labels
and help texts are defined once, at import time, and translated where they are shown, with `_()`).
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
from pathlib import Path

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark `message` for extraction into the catalog; return it unchanged."""
    return message


def language_in_link(text: str) -> str | None:
    """The language a link's `lang=` names ("es", " ES " -> "es"), or None when it is not one we speak."""
    code = text.strip().lower()
    return code if code in LANGUAGES else None


def set_language(code: str) -> str:
    """Use `code` ("en", "es") for the rest of this run; unknown codes fall back to English. Returns the code used."""
    chosen = code if code in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


def current_language() -> str:
    """The language of this run ("en" unless `set_language` chose another)."""
    return _language.get()


@functools.cache
def translations(code: str) -> _gettext.NullTranslations:
    """The compiled catalog for `code` (English: none needed)."""
    if code == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    from clinic_finder.catalog import load_translations  # Babel is only needed for other languages

    return load_translations(LOCALE_DIR, code, DOMAIN)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language (its own plural rules)."""
    return translations(current_language()).ngettext(singular, plural, count)


def negotiate(accept_language: str | None) -> str | None:
    """The language to *offer* from a browser's Accept-Language header, if it prefers one we have but
    English (e.g. "es-MX,es;q=0.9,en;q=0.8" -> "es"); None otherwise. Never used to switch by itself."""
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        code = pieces[0].split("-")[0].lower()
        quality = 1.0
        for piece in pieces[1:]:
            if piece.startswith("q="):
                try:
                    quality = float(piece[2:])
                except ValueError:
                    quality = 0.0
        if code in LANGUAGES and quality > 0 and (best is None or quality > best[0]):  # q=0: "not this one"
            best = (quality, code)
    return best[1] if best and best[1] != DEFAULT_LANGUAGE else None
