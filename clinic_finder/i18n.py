"""Marking text for translation.

`N_("text")` marks a string for the message catalog without translating it where it is defined (the schema's
labels and help texts are defined once, at import time, and translated where they are shown).
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark `message` for extraction into the catalog; return it unchanged."""
    return message
