"""Message catalogs: read a language's `.po` file with Babel and compile it in memory.

Only the human-edited `locale/<code>/LC_MESSAGES/<domain>.po` is kept in the repository; no compiled `.mo`
file is committed, so the two can never disagree. `clinic_finder.i18n.translations()` calls
`load_translations` once per language and caches the result.

Fuzzy entries (a guess `pybabel update` may make) are left out, as gettext's own compiler does: the
reader sees the English text rather than a guess. The test in `tests/test_i18n.py` fails on any fuzzy,
empty or missing entry, so that never reaches a release.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def po_path(locale_dir: Path | str, code: str, domain: str = "messages") -> Path:
    """Where the catalog of language `code` lives: `<locale_dir>/<code>/LC_MESSAGES/<domain>.po`."""
    return Path(locale_dir) / code / "LC_MESSAGES" / f"{domain}.po"


def load_translations(locale_dir: Path | str, code: str, domain: str = "messages") -> gettext.GNUTranslations:
    """The translations of `code`, compiled in memory from its `.po` file.

    The catalog's `Plural-Forms` header goes into the compiled catalog, so `ngettext` follows the
    language's own plural rules. Raises FileNotFoundError when the language has no catalog.
    """
    path = po_path(locale_dir, code, domain)
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=code, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
