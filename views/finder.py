"""The finder page: type a ZIP code or a place, pick what you need, see the nearest programs on a map and in a list.

Layout rule: everything above the map is an element or a container that is always there (what comes and goes,
such as a note or a warning, goes inside one), so the map keeps its place in the page and Streamlit updates its
frame instead of remounting it (a remount blanks the map for seconds).
"""

from __future__ import annotations

import gc
import os
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinic_finder import attendance, data_path, finder, geo, mapview
from clinic_finder.explainer import glossary_url, newcomer_panel_html
from clinic_finder.i18n import _, current_language
from clinic_finder.live import LiveClinics
from clinic_finder.markdown import html_attr, html_text, md_escape
from clinic_finder.search import SearchIndex
from views import common, mapframe
from views.components import action_button_html, download_button, filter_panel, html_block, search_bar

HERE_KEY = "here"  # the browser's position after "Use my location": session only, never in the URL


@st.cache_resource(show_spinner=False)  # its own spinner (`serving_clinics`): Streamlit's names the function
def live_clinics(path: str) -> LiveClinics:
    """The clinics and the place-name tables, loaded once per server process (not in a visitor's first search);
    then everything loaded so far is left out of Python's full garbage collections (gc.freeze).

    Why: the process holds about 400,000 objects that live as long as it does (the ZIP and place tables, libraries),
    and each full collection walked them all, 0.1-0.3 s, every dozen or so visitors: most of the server's own CPU per
    first page load (make bench, gc callbacks). What visitors' sessions leave behind is still collected. The first
    clinics list is frozen with the rest: after a staff edit replaces it, reference counting frees it, and any part
    of it caught in a reference cycle stays (once per process, a few MB at most)."""
    live = LiveClinics(path)
    live.current()
    geo.warm_up()
    gc.collect()
    gc.freeze()
    return live


_LOADED: set[str] = set()  # the clinics lists this server process has loaded (`serving_clinics`)


def serving_clinics(path: str) -> LiveClinics:
    """`live_clinics(path)`, saying "Loading the list of programs…" to the first visitor of a new server process,
    who waits a few seconds for it. Only then: a spinner adds an element to the page, every run."""
    if path in _LOADED:
        return live_clinics(path)
    with st.spinner(_("Loading the list of programs…")):
        live = live_clinics(path)
    _LOADED.add(path)
    return live


# Reruns with the same search, data and language (a click, "show more") reuse the results and their cards, and so
# do other visitors opening the same search. `key` (view_key) names everything the view depends on: the search
# centre too, which "Use my location" sets without a place in the search.
@st.cache_resource(max_entries=64, show_spinner=False)
def result_view(
    key: tuple, _index: SearchIndex, _state: finder.SearchState, _origin: tuple[float, float] | None,
    _origin_state: str, _carried: dict[str, str],
) -> finder.ResultView:
    links = finder.CardLinks(
        glossary=lambda name: finder.with_query(glossary_url(name), _carried),
        suggest=lambda clinic_id: finder.with_query(common.SUGGEST_URL, {**_carried, "clinic": clinic_id}),
    )
    return finder.build_result_view(_index, _state, _origin, links, _origin_state)


def view_key(data_key: tuple, state: finder.SearchState, origin: tuple[float, float] | None, origin_state: str,
             carried: dict[str, str]) -> tuple:
    """What a result view (and its map layer) depends on: the data version, the search, its centre, the language
    and the query the cards' links carry."""
    return (data_key, finder.query_key(state), origin, origin_state, current_language(),
            tuple(sorted(carried.items())))


# The map's own text once per tiles and language (its zoom buttons are named in it), and a search's layer once per
# view: st_folium would render both on every run (views.mapframe).
@st.cache_resource(max_entries=8, show_spinner=False)
def map_text(tiles: str, language: str) -> mapframe.MapText:
    return mapframe.map_text(mapview.base_map(tiles))


@st.cache_resource(max_entries=64, show_spinner=False)
def layer_text(key: tuple, tiles: str, _view: finder.ResultView, _suggest_base: str) -> mapframe.LayerText:
    layer = mapview.results_layer(_view.on_map, _view.origin, _view.radius_miles, suggest_base=_suggest_base)
    return mapframe.layer_text(mapview.base_map(tiles), layer)


# ---- the search form ----


def _seed_from_url() -> None:
    """On a session's first run, the URL (a shared link) decides the search; so does an earlier address that the
    browser's Back or Forward button brings back (each new search is an entry in the browser's history)."""
    run = get_script_run_ctx()
    if st.session_state.get("seeded") and not (run is not None and run.is_history_navigation):
        return
    parsed = finder.state_from_query(common.query())
    state = parsed.state
    st.session_state.update(
        location=state.location, radius=state.radius, needs=list(state.services), pay=list(state.payment),
        age=state.age, gender=state.gender, substance=state.substance, confirmed_only=not state.include_unknown,
        url_notes=parsed.notes, seeded=True,
    )


def _located(position: dict[str, Any]) -> None:
    """The browser's answer to "Use my location": search from there (kept in this session only)."""
    if "lat" in position and "lon" in position:
        st.session_state[HERE_KEY] = (round(float(position["lat"]), 4), round(float(position["lon"]), 4))
        st.session_state["location"] = ""
    else:
        st.session_state["locate_error"] = True


def _searched(sent: object) -> None:
    """The search bar's Search (or Enter, or a new distance): checked like a link, then the page's search."""
    typed = finder.typed_search(sent)
    if typed is None:
        return
    location, radius = typed
    if location:
        st.session_state.pop(HERE_KEY, None)  # a typed place replaces "my location"
    st.session_state["location"], st.session_state["radius"] = location, radius


def _filtered(sent: object) -> None:
    """The filter panel's answer (a box ticked or cleared): checked like a link, then the page's search."""
    typed = finder.typed_filters(sent)
    if typed is not None:
        st.session_state.update(typed)


def _filters_label(state_count: int) -> str:
    if state_count:
        return _("Filters · {count} on").format(count=state_count)
    return _("Filters: what you need, paying, who it is for")


def _choices(name: str, legend: str, values: list[str], labels: dict[str, str], multiple: bool) -> dict[str, Any]:
    options = [{"value": value, "label": labels[value]} for value in values]
    if not multiple:  # a radio group needs a way back to no answer
        options.insert(0, {"value": "", "label": _("Any")})
    return {"name": name, "legend": legend, "multiple": multiple, "options": options}


def _filter_controls(state: finder.SearchState) -> None:
    """The compact filter control, folded: what you need, how you pay, who the care is for, confirmed only, and
    visible "What is this?" links for the filters that are on (same tab, carrying the search, so "Search for a
    program" on the glossary comes back to it). One custom element (views.components.filter_panel): Streamlit's
    expander, pills and toggle were each a module a visitor's first load waited for (make bench)."""
    filters = {n: finder.filter_label(n) for n in (*finder.SERVICE_FILTERS, *finder.PAYMENT_FILTERS)}
    answers = {c.value: _(c.label) for question in attendance.QUESTIONS.values() for c in question}
    names = list(state.required)
    if names:
        links = {"intro": _("What is this?"),
                 "items": [[common.link(glossary_url(n)), finder.filter_label(n)] for n in names]}
    else:
        links = {"intro": "", "items": [[common.link("/Glossary"), _("What do these words mean?")]]}
    filter_panel(
        summary=_filters_label(state.filter_count),
        groups=[_choices("needs", _("What do you need?"), list(finder.SERVICE_FILTERS), filters, True),
                _choices("pay", _("How will you pay?"), list(finder.PAYMENT_FILTERS), filters, True)],
        who={"legend": _("Who is the care for?"),
             "note": _("These leave out programs that would not serve this person. Programs that do not say stay in."),
             "groups": [_choices(key, legend, [c.value for c in attendance.QUESTIONS[question]], answers, False)
                        for key, question, legend in (("age", "age", _("Age")), ("gender", "gender", _("Gender")),
                                                      ("substance", "for", _("Help with")))]},
        confirmed={"label": _("Confirmed only"),
                   "help": _("Show only programs that say they offer everything you picked. Our source has no "
                             "schedules, so this often shows few.")},
        selected={"needs": list(state.services), "pay": list(state.payment), "age": state.age,
                  "gender": state.gender, "substance": state.substance, "confirmed_only": not state.include_unknown},
        links=links, active=_active_line(state, answers), on_change=_filtered,
    )


def _active_line(state: finder.SearchState, answers: dict[str, str]) -> str:
    """Every filter that is on, in one line under the fold ("Evening groups · Medicaid · Age: 18 to 25 ·
    Confirmed only"), so the folded panel's count ("Filters · 4 on") can be read without opening it."""
    parts = [finder.filter_label(n) for n in state.required]
    parts += [f"{legend}: {answers[value]}" for legend, value in (
        (_("Age"), state.age), (_("Gender"), state.gender), (_("Help with"), state.substance)) if value in answers]
    if not state.include_unknown:
        parts.append(_("Confirmed only"))
    return " · ".join(parts)


def _radius_label(miles: int | None) -> str:
    return _("Any distance") if miles is None else _("Within {miles} miles").format(miles=miles)


def searched_state() -> finder.SearchState:
    """The search this run answers: the URL's on a session's first run, then what the visitor set (the search bar's
    and filters' callbacks run before the script)."""
    _seed_from_url()
    return finder.SearchState(
        location=st.session_state["location"].strip(), radius=st.session_state["radius"],
        services=tuple(n for n in finder.SERVICE_FILTERS if n in (st.session_state.get("needs") or [])),
        payment=tuple(n for n in finder.PAYMENT_FILTERS if n in (st.session_state.get("pay") or [])),
        include_unknown=not st.session_state.get("confirmed_only", False), age=st.session_state.get("age"),
        gender=st.session_state.get("gender"), substance=st.session_state.get("substance"),
    )


def search_form(state: finder.SearchState) -> None:
    """The search box, distance, my location and the filters, showing `state`."""
    search_bar(
        location=st.session_state["location"], radius=finder.radius_code(st.session_state["radius"]),
        radius_options=[(finder.radius_code(r), _radius_label(r)) for r in finder.RADIUS_CHOICES],
        labels={"where_label": _("ZIP code or place"), "placeholder": _("60613, Houston or Cook County"),
                "radius_label": _("Distance"), "search_label": _("Search"), "locate_label": _("Use my location"),
                "locate_busy": _("Finding you…")},
        max_chars=finder.MAX_LOCATION_LENGTH, on_search=_searched, on_position=_located,
    )
    _filter_controls(state)


def _sync_url(state: finder.SearchState) -> None:
    wanted = finder.query_from_state(state)
    if current_language() != "en":
        wanted["lang"] = current_language()
    if common.query() != wanted:
        st.query_params.from_dict(wanted)


# ---- results ----


def _origin(state: finder.SearchState, messages: Any) -> tuple[tuple[float, float] | None, str, str, bool]:
    """The search centre (degrees), its state, the place's name as understood ("" for none or my location), and
    whether the page can go on."""
    here = st.session_state.get(HERE_KEY)
    if here and not state.location:
        messages.caption(_("Searching near your current location. It is not saved, and not put in the link."))
        origin = (float(here[0]), float(here[1]))
        nearest = geo.nearest_zip(origin[0], origin[1])
        origin_state = nearest.state if nearest else ""
        if origin_state not in geo.COVERED_STATES:
            messages.info(finder.outside_coverage_here_advice())
        return origin, origin_state, "", True
    if st.session_state.pop("locate_error", False):
        messages.warning(_("Your browser did not share your location. Type a ZIP code or a place instead."))
    if not state.location:
        return None, "", "", True
    try:
        place = geo.resolve_place(state.location)
    except geo.PlaceChoiceError as choice:
        messages.warning(md_escape(str(choice)))
        columns = messages.columns(min(len(choice.candidates), 4))
        for index, candidate in enumerate(choice.candidates[:4]):
            columns[index].button(candidate.label, key=f"place-{index}", on_click=_choose_place,
                                  args=(candidate.label,))
        return None, "", "", False
    except geo.PlaceError as error:
        messages.warning(md_escape(str(error)))
        return None, "", "", False
    if geo.outside_coverage(place):
        messages.info(finder.outside_coverage_advice(place.label, geo.state_name(place.state)))
    return (place.lat, place.lon), place.state, place.label, True


def _choose_place(label: str) -> None:
    st.session_state["location"] = label


LIST_PARTS = ("result", "maybe", "video")  # the parts of the list, each with its own "Show more"
# streamlit-folium's frame, as Streamlit titles it (the map's own script names it for screen readers).
MAP_FRAME_SELECTOR = 'iframe[title="streamlit_folium.st_folium"]'
MORE_ACTION = "more:"  # "Show N more" under a part sends MORE_ACTION + the part


def _list_action(sent: object) -> None:
    """A button in the list (its HTML; views.components.action_button_html): "Show N more" under one part.
    Checked like a link: anything else is ignored."""
    part = sent[len(MORE_ACTION):] if isinstance(sent, str) and sent.startswith(MORE_ACTION) else None
    if part in LIST_PARTS:
        st.session_state[f"shown_{part}"] = st.session_state.get(f"shown_{part}", finder.PAGE_SIZE) + finder.PAGE_SIZE


def _section(heading: str, caption: str) -> str:
    return f'<h3 class="cf-section">{html_text(heading)}</h3><p class="cf-caption">{html_text(caption)}</p>'


def _cards_html(view: finder.ResultView, frame: Any, part: str, group_by_state: bool = False, before: str = "") -> str:
    """One part of the list as HTML: `before` (its heading), its cards, and "Show N more" when there are more."""
    shown = st.session_state.get(f"shown_{part}", finder.PAGE_SIZE)
    pieces: list[str] = []
    current_state = None
    for row in view.rows(frame, shown):
        if group_by_state and row["state"] != current_state:
            current_state = row["state"]
            name = finder.COVERED_STATE_NAMES.get(str(current_state), str(current_state))
            pieces.append('<h3 class="cf-section">' + html_text(_(name)) + "</h3>")
        pieces.append(view.card(row))
    if not pieces:
        return ""
    more = ""
    if len(frame) > shown:
        label = _("Show {count} more").format(count=min(finder.PAGE_SIZE, len(frame) - shown))
        button = action_button_html(label, MORE_ACTION + part, adds=f'[data-part="{part}"] > .cf-card')
        more = f'<p class="cf-show-more">{button}</p>'
    return f'{before}<div data-part="{part}">{"".join(pieces)}</div>{more}'


def _selected_card(view: finder.ResultView, selected: dict[str, Any], where: str) -> None:
    """The clinic clicked on the map, `where` ("desktop" or "phone": the stylesheet shows one), as the list draws
    it (html_block: no st.html, whose module and sanitiser a first click would wait for)."""
    heading = _("Selected on the map")
    html_block(f'<div class="cf-{where}-only"><h3 class="cf-section">{html_text(heading)}</h3>'
               f"{view.card(selected)}</div>", key=f"selected-{where}-{selected['id']}")


def result_list(view: finder.ResultView) -> None:
    """The list, all its parts in one element of HTML the app built (views.components.html_block): a first screen's
    elements are drawn one after another while the map waits (make bench), and 20 cards were once 40 of them."""
    parts = [_cards_html(view, view.confirmed, "result", group_by_state=not view.has_origin)]
    if len(view.maybe):
        parts.append(_cards_html(view, view.maybe, "maybe", before=_section(
            _("Might match — call to confirm"),
            _("Our source does not say whether these offer everything you picked. Call and ask."))))
    if len(view.by_video):
        state_name = _(finder.COVERED_STATE_NAMES[view.video_state])
        parts.append(_cards_html(view, view.by_video, "video", before=_section(
            _("By video anywhere in {state}").format(state=state_name),
            _("These programs offer video sessions and are in {state}, farther away. Video treatment usually needs "
              "you to be in {state} during sessions, and the program licensed there: call to confirm they take "
              "people from where you live.").format(state=state_name))))
    html = "".join(parts)
    if html:
        # The keyboard meets the map after every card (the list is first, as the map's text alternative): a link,
        # shown when focused, goes straight to it.
        skip = _("Skip the list, to the map")
        html = (f'<a class="cf-skip" href="#" data-focus="{html_attr(MAP_FRAME_SELECTOR)}">{html_text(skip)}</a>'
                + html)
        html_block(html, key="cards", on_action=_list_action)


def show_finder() -> None:
    """The whole finder page (the sidebar last, so the search and answers come first)."""
    try:
        _page()
    finally:
        _end_of_page()


def _page() -> None:
    common.choose_language()  # for the address (start_page sets it again, the same)
    state = searched_state()
    _sync_url(state)  # first: every link on the page ("New to IOP?", the filters', the menu) carries the address
    common.start_page(lambda: _("IOP Finder — Illinois & Texas"), "🧭", layout="wide", menu_now=False,
                      intro=_intro_html)
    search_form(state)
    if st.session_state.get("last_state") != state:  # a new search starts at the top of the list
        st.session_state["last_state"] = state
        for part in LIST_PARTS:
            st.session_state.pop(f"shown_{part}", None)
    # What the page has to say about the search (notes, a place it could not read) and then the headline, in one
    # container that is always there (see the top of this module).
    messages = st.container(key="finder-headline")
    for note in st.session_state.get("url_notes", []):
        messages.info(note)  # built from escaped parts (finder.state_from_query)
    live = serving_clinics(str(data_path())).current()
    if live.snapshot is None:
        messages.info(_("The clinic list is being updated right now. Please try again in a few minutes — or call "
                        "SAMHSA's National Helpline, [{number}]({href}), free and 24/7.").format(
                            number=finder.NATIONAL_HELPLINE, href=finder.HELPLINE_HREF))
        return
    if live.stale:
        messages.caption(_("The clinic list is being updated; you are seeing the most recent checked version."))
    origin, origin_state, place_label, ok = _origin(state, messages)
    if not ok:
        return
    carried = dict(sorted(common.carried_query().items()))  # one order for the cached cards' links
    key = view_key(live.snapshot.key, state, origin, origin_state, carried)
    view = result_view(key, live.snapshot.index, state, origin, origin_state, carried)
    headline, hint = finder.summary_line(view.result, state)
    with messages:
        lines = "".join(f'<p class="cf-caption">{html_text(line)}</p>'
                        for line in (finder.near_line(place_label, state.radius), hint,
                                     finder.excluded_line(view.result)) if line)
        # data-live: a screen reader hears the new count when a filter, the distance or the place changes it.
        html_block(f'<div data-live><h2 class="cf-headline">{html_text(headline)}</h2>{lines}</div>', key="headline")
        # Outside Illinois and Texas, the coverage note above already says who can help: "choose a wider
        # distance" would lead to programs hundreds of miles away.
        if view.result.clinics.empty and view.by_video.empty and origin_state in geo.COVERED_STATES:
            st.info(finder.no_results_advice(state))
    # The list comes first in the page (and so first for the keyboard and on a phone); the map beside it on a
    # desktop. The clinic clicked on the map is shown where the person is looking: at the top of the list,
    # beside the map, on a desktop; right under the map on a phone (the stylesheet shows one of the two).
    list_column, map_column = st.columns([2, 3], gap="medium")
    with map_column:
        clicked_id = _map(view, key, carried)
        selected = view.row_of(clicked_id) if clicked_id else None
        if selected is not None:
            _selected_card(view, selected, "phone")
        # The map's text alternative is the list: the caption says so (screen readers meet the list first).
        # TRANSLATORS: the downloaded file's name; keep it one word of letters, digits and hyphens, then .csv.
        download_button(_("Download these results (CSV)"), file_name=_("iop-programs.csv"),
                        mime="text/csv;charset=utf-8", make=lambda: view.csv_bytes.decode("utf-8"),
                        key="download", caption=_("Every program on the map is also in the list."))
    with list_column:
        if selected is not None:
            _selected_card(view, selected, "desktop")
        result_list(view)


def _intro_html() -> str:
    """The title, what the finder is, and "New to IOP?" (for phones, where the sidebar is folded away), as HTML
    in the crisis lines' element (common.crisis_lines), like the list: Streamlit's title and captions are
    Markdown, rendered in the visitor's browser on every first load, each one element more."""
    title = html_text(_("Find an IOP near you"))
    about = html_text(_("Intensive outpatient programs for addiction and co-occurring mental-health care in "
                        "Illinois and Texas. We do not track or log your searches."))
    return (f'<h1 class="cf-page-title">{title}</h1><p class="cf-caption">{about}</p>'
            + _newcomer_panel(_("New to IOP? Five things to know"), expanded=False))


def _newcomer_panel(summary: str, expanded: bool) -> str:
    """The five facts, folded under `summary`: a plain <details> (Streamlit's expander and Markdown cost a first
    load their rendering, twice: the panel is in the sidebar and, for phones, in the page)."""
    opened = " open" if expanded else ""
    return (f'<details class="cf-newcomer"{opened}><summary>{html_text(summary)}</summary>'
            f"{newcomer_panel_html(link=common.link)}</details>")


def _end_of_page() -> None:
    common.finish_page(sidebar_html=_newcomer_panel(_("New to IOP?"), expanded=True))


def _map(view: finder.ResultView, key: tuple, carried: dict[str, str]) -> str | None:
    """The map (frame kept across searches: only the results layer changes) and the clinic clicked on it."""
    tiles = os.environ.get("CLINIC_FINDER_TILES") or "OpenStreetMap"
    suggest_base = finder.with_query(common.SUGGEST_URL, carried)
    suggest_base += ("&" if "?" in suggest_base else "?") + "clinic="
    # Only the clicked marker's tooltip comes back: panning and zooming do not rerun the script.
    map_state = mapframe.show(map_text(tiles, current_language()), layer_text(key, tiles, view, suggest_base),
                              key="map", height=460, returned_objects=["last_object_clicked_tooltip"])
    return mapview.clicked_clinic_id(view.on_map, map_state)
