"""The HTML a page's AppTest run drew: st.html bodies, then the HTML of each `views.components.html_block` (the
finder's result list), each kind in page order."""

from __future__ import annotations

import html
import re

from streamlit.testing.v1 import AppTest


def html_bodies(at: AppTest) -> list[str]:
    bodies = [element.proto.body for element in at.html]
    return bodies + [c.proto.bytes.decode("utf-8") for c in at.get("bidi_component")
                     if c.proto.component_name == "iop_finder.html"]


def heading(at: AppTest, tag: str) -> str:
    """The text of the first <h1> or <h2> (tag) that the page drew as HTML (the finder's title, its headline)."""
    for body in html_bodies(at):
        found = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", body, re.DOTALL)
        if found:
            return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
    raise AssertionError(f"no <{tag}> on the page")
