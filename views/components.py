"""The finder's first screen as a few small custom elements (Streamlit's components v2: plain HTML in the page,
no iframe): the search bar, the filters, the language switch, HTML the app built itself (with buttons in it, such
as "Show 20 more"), and a download.

Why not Streamlit's own widgets: Streamlit's frontend loads each kind of element's code the first time it meets
one, and a first page load waits for them one after another (a text input, a selectbox, pills, a toggle, an
expander, st.html, Markdown with HTML, a button: each was one more wait; `make bench` measures the page beside a
bare page with an empty map, and its reference rows show one text input alone at about 1.4x that page). With
these, the finder's first screen needs one kind of element besides the map's, whichever of them it shows.

The search bar: place, distance, Search and "Use my location". The browser's own permission prompt appears for
"Use my location", the labels are real <label>s, and the keyboard meets place, distance, Search and "Use my
location" in that order. A search is sent when the person presses Enter or Search, leaves the box after changing
it, or picks a distance. The position from "Use my location" goes only to this app's server, for this search, and
is not stored or put in the address (a shared link must not carry where someone is).

What any of them sends is unchecked here; the views check it as they would a link (clinic_finder.finder).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from clinic_finder.markdown import html_attr, html_text

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
  const busy = () => locate.getAttribute("aria-disabled") === "true";
  if (!busy()) { locate.textContent = data.locate_label; }
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
    if (busy()) { return; }
    if (!navigator.geolocation) { setTriggerValue("position", {error: "unsupported"}); return; }
    // aria-disabled, not disabled: a disabled button loses the keyboard's focus (to the page's body) and keeps
    // it lost after the search.
    locate.setAttribute("aria-disabled", "true");
    locate.textContent = data.locate_busy;
    const done = () => { locate.removeAttribute("aria-disabled"); locate.textContent = data.locate_label; };
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
form.cf-search .cf-search-locate[aria-disabled="true"] { cursor: progress; }
form.cf-search input:focus-visible, form.cf-search select:focus-visible, form.cf-search button:focus-visible {
  outline: 3px solid #0b4fbf; outline-offset: 2px;
}
"""


# Not st.cache_resource: it hashes the element's text and inspects this function's signature on every call, a few
# milliseconds of each first run for the finder's fifteen elements (make bench); strings hash once in Python.
@functools.cache
def _component(name: str, html: str, js: str, css: str = "") -> Any:
    """A components-v2 element, registered once per server process (the same text: the same element)."""
    return st.components.v2.component(name, html=html, css=css or None, js=js, isolate_styles=False)


def _sent(key: str, name: str) -> object:
    """What element `key` sent under `name` in this run (a trigger value), or None."""
    state = st.session_state.get(key) or {}
    return state.get(name) if hasattr(state, "get") else getattr(state, name, None)


def search_bar(
    *, location: str, radius: str, radius_options: Sequence[tuple[str, str]], labels: dict[str, str],
    max_chars: int, on_search: Callable[[object], None], on_position: Callable[[dict[str, Any]], None],
    key: str = "search_bar",
) -> None:
    """The search bar. `labels`: where_label, placeholder, radius_label, search_label, locate_label,
    locate_busy. The callbacks run before the page is drawn (so they may change the search): `on_search` gets
    what the form sent, unchecked; `on_position` gets {lat, lon} or {error} after "Use my location"."""

    def searched() -> None:
        on_search(_sent(key, "search"))

    def located() -> None:
        position = _sent(key, "position")
        if isinstance(position, dict):
            on_position(position)

    _component("iop_finder.search", _SEARCH_HTML, _SEARCH_JS, _SEARCH_CSS)(
        key=key,
        data={**labels, "location": location, "radius": radius, "max_chars": max_chars,
              "radius_options": [list(option) for option in radius_options]},
        on_search_change=searched, on_position_change=located,
    )


# ---- the filters ----

_FILTERS_HTML = ('<details class="cf-filters"><summary></summary><div class="cf-filters-body"></div></details>'
                 '<p class="cf-active-filters" hidden></p>')

# Built with DOM calls and textContent only (no HTML strings), once per set of labels; a rerun with the same
# labels only sets what is ticked, so focus, the open panel and the person's place in it stay.
_FILTERS_JS = """
export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  const details = parentElement.querySelector("details.cf-filters");
  const body = details.querySelector(".cf-filters-body");
  details.querySelector("summary").textContent = data.summary;
  const active = parentElement.querySelector("p.cf-active-filters");
  active.textContent = data.active;
  active.hidden = !data.active;
  const make = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props || {});
    node.append(...children.filter((child) => child !== null));
    return node;
  };
  const choice = (group, option) => {
    const input = make("input", {type: group.multiple ? "checkbox" : "radio", name: "cf-" + group.name,
                                 value: option.value});
    return make("label", {className: "cf-chip"}, input, make("span", {textContent: option.label}));
  };
  const fieldset = (group) => make("fieldset", {className: "cf-filter-group"},
    make("legend", {textContent: group.legend}),
    make("div", {className: "cf-chips"}, ...group.options.map((option) => choice(group, option))));
  const layout = JSON.stringify([data.groups, data.who, data.confirmed]);
  if (body.dataset.layout !== layout) {
    const confirmedHelp = make("span", {className: "cf-filter-help", id: "cf-confirmed-help",
                                        textContent: data.confirmed.help});
    const confirmed = make("input", {type: "checkbox", name: "cf-confirmed_only"});
    confirmed.setAttribute("aria-describedby", "cf-confirmed-help");
    body.replaceChildren(
      ...data.groups.map(fieldset),
      make("fieldset", {className: "cf-filter-group cf-filter-who"},
        make("legend", {textContent: data.who.legend}),
        ...data.who.groups.map(fieldset),
        make("p", {className: "cf-filter-help", textContent: data.who.note})),
      make("label", {className: "cf-chip cf-confirmed"}, confirmed, make("span", {textContent: data.confirmed.label})),
      confirmedHelp,
      make("p", {className: "cf-glossary-links"}));
    body.dataset.layout = layout;
    body.dataset.selected = "";
  }
  const all = [...data.groups, ...data.who.groups];
  const selected = JSON.stringify(data.selected);
  if (body.dataset.selected !== selected) {
    for (const group of all) {
      const wanted = group.multiple ? (data.selected[group.name] || []) : [data.selected[group.name] || ""];
      body.querySelectorAll("input[name='cf-" + group.name + "']").forEach((input) => {
        input.checked = wanted.includes(input.value);
      });
    }
    body.querySelector("input[name='cf-confirmed_only']").checked = Boolean(data.selected.confirmed_only);
    body.dataset.selected = selected;
  }
  const links = body.querySelector(".cf-glossary-links");
  links.replaceChildren(...(data.links.intro ? [data.links.intro + " "] : []),
    ...data.links.items.flatMap(([href, text], index) => [
      ...(index ? [" · "] : []), make("a", {href: href, target: "_self", textContent: text})]));
  body.onchange = () => {
    const sent = {confirmed_only: body.querySelector("input[name='cf-confirmed_only']").checked};
    for (const group of all) {
      const ticked = [...body.querySelectorAll("input[name='cf-" + group.name + "']:checked")].map((i) => i.value);
      sent[group.name] = group.multiple ? ticked : (ticked[0] || null);
    }
    body.dataset.selected = JSON.stringify(sent);
    setTriggerValue("filters", sent);
  };
}
"""

# Chips with Streamlit's look (light theme); 44 px tap targets; what is ticked shows by more than colour
# (the box itself, and a heavier border).
_FILTERS_CSS = """
details.cf-filters > summary { font-weight: 600; }  /* the fold itself: views/style.css, "Folds" */
details.cf-filters .cf-filters-body { padding: 0 1rem 1rem; }
.cf-filters fieldset { border: 0; margin: 0.5rem 0 0; padding: 0; min-width: 0; }
.cf-filters legend { font-weight: 600; color: #31333f; padding: 0; margin-bottom: 0.25rem; }
.cf-filters .cf-filter-who fieldset legend { font-weight: 400; font-size: 0.875rem; }
.cf-filters .cf-chips { display: flex; flex-wrap: wrap; gap: 0.375rem; }
.cf-filters label.cf-chip {
  display: inline-flex; align-items: center; gap: 0.4rem; min-height: 44px; box-sizing: border-box;
  padding: 0 0.75rem; border: 1px solid #d5dae5; border-radius: 1.375rem; background: #ffffff; color: #31333f;
  cursor: pointer; font-size: 0.9375rem;
}
.cf-filters label.cf-chip:has(input:checked) { border: 2px solid #0b4fbf; background: #e8f0fe; }
.cf-filters label.cf-chip:has(input:focus-visible) { outline: 3px solid #0b4fbf; outline-offset: 2px; }
.cf-filters label.cf-chip input { margin: 0; accent-color: #0b4fbf; width: 1.05rem; height: 1.05rem; }
.cf-filters label.cf-confirmed { margin-top: 0.75rem; }
.cf-filters .cf-filter-help { display: block; font-size: 0.875rem; color: #5c5f69; margin: 0.25rem 0 0; }
.cf-filters .cf-glossary-links { margin: 0.75rem 0 0; line-height: 2.75; }
.cf-filters .cf-glossary-links a { padding: 0.8rem 0; }  /* a thumb's height, in the sentence's lines */
p.cf-active-filters { margin: 1rem 0 0; }  /* the filters that are on, under the fold */
"""


def filter_panel(
    *, summary: str, groups: Sequence[dict[str, Any]], who: dict[str, Any], confirmed: dict[str, str],
    selected: dict[str, Any], links: dict[str, Any], active: str, on_change: Callable[[object], None],
    key: str = "filter_panel",
) -> None:
    """The filters, folded under `summary`: each group {name, legend, multiple, options: [{value, label}]}
    (multiple: checkboxes; else radio buttons, the first option's value "" meaning no answer); `who`
    {legend, note, groups}; `confirmed` {label, help}; `selected` {group name: value(s), confirmed_only};
    `links` {intro, items: [[href, text]]} (the glossary); `active`, the filters that are on as one line of text
    under the fold ("": none). `on_change` gets what the panel sent, unchecked, before the page is drawn."""

    _component("iop_finder.filters", _FILTERS_HTML, _FILTERS_JS, _FILTERS_CSS)(
        key=key,
        data={"summary": summary, "groups": list(groups), "who": who, "confirmed": confirmed, "selected": selected,
              "links": links, "active": active},
        on_filters_change=lambda: on_change(_sent(key, "filters")),
    )


# ---- the language switch ----

_LANGUAGE_HTML = '<div class="cf-language" role="group"></div><p class="cf-language-note" role="note" hidden></p>'
_LANGUAGE_JS = """
export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  // The page's language, for screen readers' voices and the browser's hyphenation and translation offer:
  // Streamlit's page says "en" whatever it holds.
  document.documentElement.lang = data.value;
  const note = parentElement.querySelector(".cf-language-note");
  note.textContent = data.note;
  note.lang = data.note_language;
  note.hidden = !data.note;
  const group = parentElement.querySelector(".cf-language");
  group.setAttribute("aria-label", data.label);
  const options = JSON.stringify(data.options);
  if (group.dataset.options !== options) {
    group.replaceChildren(...data.options.map(([code, name]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.lang = code;  // each name is said in its own language
      button.value = code;
      button.textContent = name;
      return button;
    }));
    group.dataset.options = options;
  }
  for (const button of group.querySelectorAll("button")) {
    const chosen = button.value === data.value;
    button.setAttribute("aria-pressed", String(chosen));
    button.onclick = chosen ? null : () => setTriggerValue("language", button.value);
  }
}
"""

_LANGUAGE_CSS = """
.cf-language { display: inline-flex; }
.cf-language button {
  min-height: 44px; padding: 0 1rem; font: inherit; font-size: 0.875rem; color: #31333f; background: #ffffff;
  border: 1px solid #d5dae5; cursor: pointer;
}
.cf-language button:first-child { border-radius: 0.5rem 0 0 0.5rem; }
.cf-language button:last-child { border-radius: 0 0.5rem 0.5rem 0; border-left: 0; }
.cf-language button[aria-pressed="true"] {
  background: #e8f0fe; border-color: #0b4fbf; color: #0b4fbf; font-weight: 600;
}
.cf-language button:last-child[aria-pressed="true"] { border-left: 1px solid #0b4fbf; }
.cf-language button:focus-visible { outline: 3px solid #0b4fbf; outline-offset: 2px; }
.cf-language-note {
  margin: 0.5rem 0 0 0; padding: 0.75rem 1rem; border-radius: 0.5rem; background: #e8f0fe; color: #1e3a6e;
}
"""


def language_buttons(
    *, label: str, options: Sequence[tuple[str, str]], value: str, on_choose: Callable[[object], None],
    key: str = "language_buttons", note: str = "", note_language: str = "",
) -> None:
    """The language switch: one button per (code, name), the current one pressed. `on_choose` gets the code of
    the one clicked, unchecked, before the page is drawn. One small custom element rather than Streamlit's
    segmented control, whose module every page's first load waited for (make bench). `note` (plain text, in
    `note_language`) is shown under the buttons, in this element: a note of its own would be one element more
    above the map, now and then, and the map's frame is kept only while the elements above it stay the same."""

    _component("iop_finder.language", _LANGUAGE_HTML, _LANGUAGE_JS, _LANGUAGE_CSS)(
        key=key, data={"label": label, "options": [list(option) for option in options], "value": value,
                       "note": note, "note_language": note_language},
        on_language_change=lambda: on_choose(_sent(key, "language")),
    )


# ---- HTML the app built itself ----

# innerHTML, and only when the HTML changed (a click elsewhere leaves the list's nodes, and an open "More about
# this clinic", as they were). The HTML comes as UTF-8 bytes (a Uint8Array): Streamlit sends bytes as they are,
# where a dict would be turned into JSON twice and hashed on every run (about a tenth of a first run's CPU for the
# list's 200 KB, py-spy on a served process).
_BLOCK_HTML = '<div class="cf-html"></div>'
_BLOCK_JS = """
// Whether the person has pressed a key or a pointer on this page yet: a page just opened keeps its focus where the
// browser put it.
let interacted = false;
for (const type of ["keydown", "pointerdown"]) {
  document.addEventListener(type, () => { interacted = true; }, {capture: true, once: true});
}

export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  const box = parentElement.querySelector(".cf-html");
  const html = new TextDecoder().decode(data);
  if (box.cfHtml !== html) {
    // What the person opened or pressed is drawn again by the new HTML ("Show 20 more" adds cards to the list):
    // a card's open "More about this clinic" stays open. The focus goes to the first thing a pressed button added
    // (its `data-adds` names what it adds), so the keyboard and a screen reader go on where the new cards start
    // instead of staying on a button now below them (or on nothing, once the last ones are shown); a button that
    // added nothing keeps the focus.
    const pressed = box.contains(document.activeElement) ? document.activeElement : null;
    const adds = pressed && pressed.dataset.adds;
    const before = adds ? box.querySelectorAll(adds).length : 0;
    const opened = new Set([...box.querySelectorAll("[id] > details[open]")].map((d) => d.parentElement.id));
    box.innerHTML = html;
    box.cfHtml = html;
    for (const details of box.querySelectorAll("[id] > details")) {
      if (opened.has(details.parentElement.id)) { details.open = true; }
    }
    // HTML with a [data-live] part is a polite live region from its second drawing on: a screen reader hears
    // what changed (the results' count), not the page's first drawing.
    if (box.querySelector("[data-live]")) { box.setAttribute("role", "status"); } else { box.removeAttribute("role"); }
    // A control that goes away with the new answer (a "Which one?" place button, removed once the run ends)
    // leaves the focus on the page's body: then the keyboard goes on from the answer's heading, not from the top.
    const heading = box.querySelector("[data-live] h2");
    if (heading) {
      const until = performance.now() + 3000;
      const watch = () => {
        if (!heading.isConnected) { return; }
        if (interacted && (!document.activeElement || document.activeElement === document.body)) {
          heading.tabIndex = -1;
          heading.focus();
        } else if (performance.now() < until) {
          requestAnimationFrame(watch);
        }
      };
      watch();
    }
    const added = adds ? box.querySelectorAll(adds)[before] : undefined;
    if (added) {
      added.tabIndex = -1;
      added.focus();
    } else if (pressed && pressed.dataset.action) {
      const action = pressed.dataset.action;
      const again = [...box.querySelectorAll("button[data-action]")].find((b) => b.dataset.action === action);
      if (again) { again.focus(); }
    }
  }
  for (const button of box.querySelectorAll("button[data-action]")) {
    button.onclick = () => setTriggerValue("action", button.dataset.action);
  }
  // A link with data-focus moves the focus to that element of the page (the list's "Skip the list, to the map").
  for (const link of box.querySelectorAll("a[data-focus]")) {
    link.onclick = (event) => {
      const target = document.querySelector(link.dataset.focus);
      if (target) { event.preventDefault(); target.focus(); }
    };
  }
}
"""


def html_block(html: str, key: str, on_action: Callable[[object], None] | None = None) -> None:
    """HTML that this app built with every visitor- or CSV-supplied part escaped (clinic_finder.markdown's
    html_text and html_attr), put in the page as is. Its buttons made by `action_button_html` send their action
    to `on_action` (unchecked, before the page is drawn).

    For the result list: st.html runs DOMPurify over its HTML in the visitor's browser, about a tenth of a
    second for a page of cards on a first load (make bench, Chromium profiles), and our cards are escaped
    where they are made (tests/test_injection_browser.py plants the audit's payloads in a clinic's fields)."""
    block = _component("iop_finder.html", _BLOCK_HTML, _BLOCK_JS, _BUTTON_CSS)
    if on_action is None:
        block(key=key, data=html.encode("utf-8"))
    else:
        block(key=key, data=html.encode("utf-8"), on_action_change=lambda: on_action(_sent(key, "action")))


# ---- a button ----

# Streamlit's widgets' look (light theme), 44 px high for a thumb.
_BUTTON_CSS = """
button.cf-action {
  min-height: 44px; padding: 0 1rem; font: inherit; color: #31333f; background: #ffffff; cursor: pointer;
  border: 1px solid #d5dae5; border-radius: 0.5rem;
}
button.cf-action:hover { border-color: #0b4fbf; color: #0b4fbf; }
button.cf-action:focus-visible { outline: 3px solid #0b4fbf; outline-offset: 2px; }
"""


def action_button_html(label: str, action: str, adds: str = "") -> str:
    """A button inside `html_block`'s HTML whose click sends `action` to the block's `on_action`: "Show 20 more"
    under a part of the list, in the list's own element (each element is drawn in turn while the map waits, and
    Streamlit's button is one more module for a first load to fetch; make bench).

    `adds`, a CSS selector of what the click adds (the part's cards), moves the focus to the first one added."""
    adds_attr = f' data-adds="{html_attr(adds)}"' if adds else ""
    return (f'<button type="button" class="cf-action" data-action="{html_attr(action)}"{adds_attr}>'
            f"{html_text(label)}</button>")


# ---- a download ----

# The file comes in the data of the run that answers the click, once (its token says which click), and is saved
# from a Blob. The tokens already saved are kept by the module, which lives as long as the page, so a second
# drawing of the same data (a remount) does not save the file twice.
_DOWNLOAD_HTML = '<p class="cf-caption" hidden></p><button type="button" class="cf-action cf-download"></button>'
_DOWNLOAD_JS = """
const saved = new Set();
export default function (component) {
  const { parentElement, setTriggerValue, data } = component;
  const caption = parentElement.querySelector("p.cf-caption");
  caption.textContent = data.caption;
  caption.hidden = !data.caption;
  const button = parentElement.querySelector("button.cf-download");
  button.textContent = data.label;
  button.onclick = () => { button.setAttribute("aria-busy", "true"); setTriggerValue("download", true); };
  if (!data.file || saved.has(data.file.token)) { return; }
  saved.add(data.file.token);
  button.removeAttribute("aria-busy");
  const url = URL.createObjectURL(new Blob([data.file.text], {type: data.mime}));
  const link = document.createElement("a");
  link.href = url;
  link.download = data.file_name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
"""


def download_button(label: str, *, file_name: str, mime: str, make: Callable[[], str], key: str,
                    caption: str = "") -> None:
    """A button that saves the text `make()` returns as `file_name`, made only when someone clicks (the click
    reruns the page, whose run sends the file once), under `caption` (plain text, in this element rather than one
    of its own: a first screen's elements are drawn in turn while the map waits). Streamlit's download button
    keeps the file in the server process's memory under /media/, and its element code is one more module for a
    first load to fetch and run while the map waits (make bench)."""
    # Callbacks run before the page is drawn: a token marks this click's file, taken by the run that sends it.
    token_key = f"{key}__token"

    def clicked() -> None:
        st.session_state[token_key] = secrets.token_hex(8)

    token = st.session_state.pop(token_key, None)
    data: dict[str, object] = {"label": label, "file_name": file_name, "mime": mime, "caption": caption}
    if token:
        data["file"] = {"token": token, "text": make()}
    button = _component("iop_finder.download", _DOWNLOAD_HTML, _DOWNLOAD_JS, _BUTTON_CSS)
    button(key=key, data=data, on_download_change=clicked)
