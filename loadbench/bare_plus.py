"""Reference pages for `make bench`: the bare page (`bare_map.py`) with one more element above its map.

Which element comes from LOADBENCH_ELEMENT: "text_input" or "selectbox" (Streamlit's own), or "search_bar"
(the finder's search bar, `views.components.search_bar`). Each shows, beside the bare page in the same
run, what one kind of element costs a first page load: Streamlit's frontend loads each kind's code the
first time it sees one, which is why the finder's first screen cannot be as quick as a page with only a map.
"""

import os
import runpy
import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the project, for views.components

element = os.environ.get("LOADBENCH_ELEMENT", "")
if element == "text_input":
    st.text_input("ZIP code or place", value="60613", key="where")
elif element == "selectbox":
    st.selectbox("Distance", [5, 10, 25, 50, 100], index=2, key="radius")
elif element == "search_bar":
    from views.components import search_bar

    search_bar(
        location="60613", radius="25", radius_options=[(str(m), f"Within {m} miles") for m in (5, 10, 25, 50, 100)],
        labels={"where_label": "ZIP code or place", "placeholder": "60613", "radius_label": "Distance",
                "search_label": "Search", "locate_label": "Use my location", "locate_busy": "Finding you…"},
        max_chars=80, on_search=lambda sent: None, on_position=lambda position: None,
    )
else:
    raise ValueError(f"LOADBENCH_ELEMENT must be text_input, selectbox or search_bar, not {element!r}")
runpy.run_path(str(HERE / "bare_map.py"))
