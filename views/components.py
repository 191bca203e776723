"""Small custom elements: the "Use my location" button.

Built with Streamlit's components v2, which run in the page itself (no iframe), so the browser's own
permission prompt appears. The position goes only to this app's server, for this search, and is not stored
or put in the address (a shared link must not carry where someone is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

_LOCATE_JS = """
export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  const button = parentElement.querySelector("button");
  button.textContent = data.label;
  button.onclick = () => {
    if (!navigator.geolocation) { setTriggerValue("position", {error: "unsupported"}); return; }
    button.disabled = true;
    button.textContent = data.busy;
    navigator.geolocation.getCurrentPosition(
      (found) => {
        button.disabled = false;
        button.textContent = data.label;
        setTriggerValue("position", {lat: found.coords.latitude, lon: found.coords.longitude});
      },
      (failed) => {
        button.disabled = false;
        button.textContent = data.label;
        setTriggerValue("position", {error: String(failed.code)});
      },
      {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000},
    );
  };
}
"""
_LOCATE_CSS = """
button.cf-locate {
  min-height: 44px; padding: 0 0.9rem; border: 1px solid #1f6feb; border-radius: 0.5rem; background: #ffffff;
  color: #0b4fbf; font: inherit; font-weight: 600; cursor: pointer; width: 100%;
}
button.cf-locate:focus-visible { outline: 3px solid #0b4fbf; outline-offset: 2px; }
"""


@st.cache_resource
def _locate_component() -> Any:
    return st.components.v2.component(
        "iop_finder.locate",
        html='<button type="button" class="cf-locate"></button>',
        css=_LOCATE_CSS,
        js=_LOCATE_JS,
        isolate_styles=False,
    )


def locate_button(label: str, busy: str, on_position: Callable[[dict[str, Any]], None], key: str = "locate") -> None:
    """A button that asks the browser where it is, only when clicked; `on_position` gets {lat, lon} or {error}
    as a callback (before the page's widgets are drawn, so it may change their values)."""

    def changed() -> None:
        state = st.session_state.get(key) or {}
        position = state.get("position") if hasattr(state, "get") else getattr(state, "position", None)
        if isinstance(position, dict):
            on_position(position)

    _locate_component()(key=key, data={"label": label, "busy": busy}, on_position_change=changed)
