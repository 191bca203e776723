"""The HTML a page's AppTest run drew: st.html bodies, then the HTML of each `views.components.html_block` (the
finder's result list), each kind in page order."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def html_bodies(at: AppTest) -> list[str]:
    bodies = [element.proto.body for element in at.html]
    return bodies + [json.loads(c.proto.json)["html"] for c in at.get("bidi_component")
                     if c.proto.component_name == "iop_finder.html"]
