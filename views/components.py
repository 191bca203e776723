"""The finder's search bar: place, distance, Search and "Use my location", as one small custom element.

Why not Streamlit's own text input and selectbox: each of them makes the browser fetch and run a large
module on a visitor's first page load (measured with `make bench`'s first-screen set-up, a bare page
with an empty map plus one element: a text input 1.36x the bare page, a selectbox 1.46x, this whole bar
1.03x). The bar is plain HTML in the page itself (Streamlit's components v2: no iframe), so the browser's
own permission prompt appears for "Use my location", the labels are real <label>s, and the keyboard meets
place, distance, Search and "Use my location" in that order.

A search is sent when the person presses Enter or Search, leaves the box after changing it, or picks a
distance. The position from "Use my location" goes only to this app's server, for this search, and is
not stored or put in the address (a shared link must not carry where someone is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

_SEARCH_HTML = """
<form class="cf-search" role="search" novalidate>
  <div class="cf-search-field cf-search-where">
    <label for="cf-search-where"></label>
    <input id="cf-search-where" name="zip" type="text" autocomplete="postal-code" enterkeyhint="search">
  </div>
  <div class="cf-search-field cf-search-radius">
    <label for="cf-search-radius"></label>
    <select id="cf-search-radius" name="radius"></select>
  </div>
  <div class="cf-search-buttons">
    <button type="submit" class="cf-search-go"></button>
    <button type="button" class="cf-search-locate"></button>
  </div>
</form>
"""

# Called by Streamlit on every run with the current data: it must be safe to run again (handlers are
# assigned, not added), and it must not overwrite what the person is typing with the server's copy unless
# the server's copy changed (a place chosen from "Which one?", a link followed, "Use my location").
_SEARCH_JS = """
export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  const form = parentElement.querySelector("form.cf-search");
  const where = form.querySelector("input");
  const radius = form.querySelector("select");
  const go = form.querySelector(".cf-search-go");
  const locate = form.querySelector(".cf-search-locate");
  form.querySelector("label[for=cf-search-where]").textContent = data.where_label;
  form.querySelector("label[for=cf-search-radius]").textContent = data.radius_label;
  where.placeholder = data.placeholder;
  where.maxLength = data.max_chars;
  go.textContent = data.search_label;
  const options = JSON.stringify(data.radius_options);
  if (radius.dataset.options !== options) {
    radius.replaceChildren(...data.radius_options.map(([value, label]) => new Option(label, value)));
    radius.dataset.options = options;
  }
  if (form.dataset.location !== data.location) { where.value = data.location; form.dataset.location = data.location; }
  if (form.dataset.radius !== data.radius) { radius.value = data.radius; form.dataset.radius = data.radius; }
  if (!locate.disabled) { locate.textContent = data.locate_label; }
  const send = () => {
    const wanted = {location: where.value, radius: radius.value};
    form.dataset.location = wanted.location;
    form.dataset.radius = wanted.radius;
    setTriggerValue("search", wanted);
  };
  form.onsubmit = (event) => { event.preventDefault(); send(); };
  where.onchange = () => { if (where.value !== form.dataset.location) { send(); } };
  radius.onchange = send;
  locate.onclick = () => {
    if (!navigator.geolocation) { setTriggerValue("position", {error: "unsupported"}); return; }
    locate.disabled = true;
    locate.textContent = data.locate_busy;
    const done = () => { locate.disabled = false; locate.textContent = data.locate_label; };
    navigator.geolocation.getCurrentPosition(
      (found) => { done(); setTriggerValue("position", {lat: found.coords.latitude, lon: found.coords.longitude}); },
      (failed) => { done(); setTriggerValue("position", {error: String(failed.code)}); },
      {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000},
    );
  };
}
"""

# Streamlit's own widgets' look (light theme), so the bar sits with the pills below it; 44 px tap targets.
_SEARCH_CSS = """
form.cf-search { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: flex-end; margin: 0; }
form.cf-search .cf-search-field { display: flex; flex-direction: column; gap: 0.25rem; min-width: 0; }
form.cf-search .cf-search-where { flex: 5 1 14rem; }
form.cf-search .cf-search-radius { flex: 2 1 9rem; }
form.cf-search .cf-search-buttons { display: flex; gap: 0.5rem; flex: 3 1 14rem; }
form.cf-search label { font-size: 0.875rem; color: #31333f; }
form.cf-search input, form.cf-search select {
  min-height: 44px; box-sizing: border-box; width: 100%; padding: 0 0.75rem; font: inherit; color: #31333f;
  background: #f0f2f6; border: 1px solid #f0f2f6; border-radius: 0.5rem;
}
form.cf-search input::placeholder { color: #5c5f69; }
form.cf-search button {
  min-height: 44px; padding: 0 0.9rem; border-radius: 0.5rem; font: inherit; font-weight: 600; cursor: pointer;
  flex: 1 1 auto; white-space: nowrap;
}
form.cf-search .cf-search-go { background: #0b4fbf; border: 1px solid #0b4fbf; color: #ffffff; }
form.cf-search .cf-search-locate { background: #ffffff; border: 1px solid #1f6feb; color: #0b4fbf; }
form.cf-search input:focus-visible, form.cf-search select:focus-visible, form.cf-search button:focus-visible {
  outline: 3px solid #0b4fbf; outline-offset: 2px;
}
"""


@st.cache_resource
def _search_component() -> Any:
    return st.components.v2.component(
        "iop_finder.search", html=_SEARCH_HTML, css=_SEARCH_CSS, js=_SEARCH_JS, isolate_styles=False,
    )


def search_bar(
    *, location: str, radius: str, radius_options: Sequence[tuple[str, str]], labels: dict[str, str],
    max_chars: int, on_search: Callable[[object], None], on_position: Callable[[dict[str, Any]], None],
    key: str = "search_bar",
) -> None:
    """The search bar. `labels`: where_label, placeholder, radius_label, search_label, locate_label,
    locate_busy. The callbacks run before the page is drawn (so they may change the search): `on_search` gets
    what the form sent, unchecked; `on_position` gets {lat, lon} or {error} after "Use my location"."""

    def sent(name: str) -> object:
        state = st.session_state.get(key) or {}
        return state.get(name) if hasattr(state, "get") else getattr(state, name, None)

    def searched() -> None:
        on_search(sent("search"))

    def located() -> None:
        position = sent("position")
        if isinstance(position, dict):
            on_position(position)

    _search_component()(
        key=key,
        data={**labels, "location": location, "radius": radius, "max_chars": max_chars,
              "radius_options": [list(option) for option in radius_options]},
        on_search_change=searched, on_position_change=located,
    )
