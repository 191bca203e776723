"""Escaping text for where it goes: Streamlit Markdown (`md_escape`) and HTML (`html_text`, `html_attr`).

Any text that comes from a visitor (the page address, a form) or from the clinics CSV passes through one of
these before it reaches a renderer.

Why Markdown needs more than backslashes: Streamlit's Markdown pipeline (remark-gfm's autolinks for bare
URLs, `www.` domains and e-mail addresses; its `:color[…]`/`:material_…:`/`:streamlit:` directives; emoji
short codes; typographic replacements such as `->`) runs on text nodes after character escapes and entities
have been decoded, so `http\\://` and `&#58;` are still linked. Escaping every ASCII punctuation character
stops all block and inline syntax; cutting the text into separate text nodes at the dangerous places (after
':', before '@', between "www" and '.', between two of `<>=~-`) stops the rest. The cut is an empty
`:color[]` directive, which renders as an empty `<span>` and adds nothing to the text or to copy and paste.
Checked in Chromium against 70 hostile and ordinary texts in 16 Markdown contexts (`tests/test_markdown_browser.py`
re-checks it against the installed Streamlit).
"""

from __future__ import annotations

import html
import re

_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_CUT_POINTS = re.compile(r"(?<=:)|(?=@)|(?<=[wW])(?=\.)|(?<=[<>=~-])(?=[<>=~-])")
_CUT = ":color[]"


def md_escape(text: object) -> str:
    """`text` as Markdown that Streamlit shows literally: no links, images, HTML, formatting, directives,
    icons, emoji, math or line breaks (whitespace runs become one space).

    Works as a whole paragraph, inline, inside `**…**`, link text and `:color[…]`/`:color-badge[…]` labels.
    Do not glue the result to your own ':' or 'www' (put a space or Markdown punctuation between).
    """
    if text is None:
        return ""
    flat = _SPACE.sub(" ", str(text)).strip()
    return _CUT.join(_ASCII_PUNCTUATION.sub(r"\\\1", piece) for piece in _CUT_POINTS.split(flat))


def html_text(text: object) -> str:
    """`text` escaped for HTML element content (and quoted attributes); None is blank; line breaks become spaces."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(_SPACE.sub(" ", str(text)).strip(), quote=True)


def html_attr(text: object) -> str:
    """`text` escaped for a double-quoted HTML attribute value (URLs must already be safe URLs)."""
    return html.escape("" if text is None else str(text), quote=True)
