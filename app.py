"""The finder: type a ZIP code or city, tick what you need, see the nearest IOPs on a map and in a list.

Thin on purpose: widgets in, `clinic_finder` calls, output. The search lives in the URL so it can be shared.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit_folium import st_folium

from clinic_finder import data_path, finder, mapview
from clinic_finder.explainer import glossary_url, newcomer_panel_markdown
from clinic_finder.geo import PlaceError, resolve_place
from clinic_finder.live import LiveClinics
from clinic_finder.search import SearchIndex
from explainer_view import page_top

st.set_page_config(page_title="IOP Finder — Illinois & Texas", page_icon="🧭", layout="wide")
PAGE_SIZE = 20


@st.cache_resource
def live_clinics(path: str) -> LiveClinics:
    return LiveClinics(path)


# Reruns with the same search and data (a click, "show more") reuse the results, their cards and the
# download. Keyed on the data file's version, so staff edits show.
@st.cache_resource(max_entries=64, show_spinner=False)
def result_view(
    data_key: tuple, search_key: tuple, _index: SearchIndex, _state: finder.SearchState,
    _origin: tuple[float, float] | None,
) -> finder.ResultView:
    return finder.build_result_view(_index, _state, _origin, glossary_url)


def seed_widgets_from_url() -> None:
    """On a session's first run, the URL (a shared link) decides the search."""
    if st.session_state.get("seeded"):
        return
    parsed = finder.state_from_query(st.query_params.to_dict())
    state = parsed.state
    st.session_state.update(
        location=state.location,
        radius=state.radius,
        unknown=state.include_unknown,
        url_notes=parsed.notes,
        seeded=True,
        **{f"svc_{name}": name in state.services for name in finder.SERVICE_FILTERS},
        **{f"pay_{name}": name in state.payment for name in finder.PAYMENT_FILTERS},
    )


def help_with_link(name: str) -> str:
    return f"{finder.filter_help(name)} [What is this?]({glossary_url(name)})"


def checkboxes(names: tuple[str, ...], prefix: str, columns: int) -> tuple[str, ...]:
    # Row by row, so a phone (where columns stack) still reads them in order.
    for start in range(0, len(names), columns):
        for cell, name in zip(st.columns(columns), names[start : start + columns], strict=False):
            with cell:
                st.checkbox(finder.filter_label(name), key=f"{prefix}_{name}", help=help_with_link(name))
    return tuple(name for name in names if st.session_state[f"{prefix}_{name}"])


def search_form() -> finder.SearchState:
    where, radius = st.columns([3, 2])
    where.text_input(
        "ZIP code or city", key="location", placeholder="60613 or Chicago, IL", max_chars=finder.MAX_LOCATION_LENGTH
    )
    radius.selectbox(
        "Distance",
        finder.RADIUS_CHOICES,
        key="radius",
        format_func=lambda r: "Any distance" if r is None else f"Within {r} miles",
    )
    st.markdown("**What do you need?**")
    services = checkboxes(finder.SERVICE_FILTERS, "svc", 3)
    st.markdown("**How will you pay?**")
    payment = checkboxes(finder.PAYMENT_FILTERS, "pay", 4)
    st.checkbox(
        "Also show clinics where this is unknown",
        key="unknown",
        help="Our source does not say for many clinics (it has no schedules at all). These are marked "
        "“unknown — call to confirm”.",
    )
    return finder.SearchState(
        location=st.session_state["location"].strip(),
        radius=st.session_state["radius"],
        services=services,
        payment=payment,
        include_unknown=st.session_state["unknown"],
    )


def clinic_card(view: finder.ResultView, row: dict, where: str = "result") -> None:
    with st.container(border=True, key=f"{where}-{row['id']}"):
        st.markdown(view.card_markdown(row))


def result_list(view: finder.ResultView) -> None:
    shown = st.session_state.setdefault("shown", PAGE_SIZE)
    state_names = {"IL": "Illinois", "TX": "Texas"}
    current_state = None
    for row in view.rows(shown):
        if not view.has_origin and row["state"] != current_state:  # no location: grouped by state
            current_state = row["state"]
            st.subheader(state_names.get(current_state, current_state))
        clinic_card(view, row)
    if len(view.listing) > shown:
        st.button(f"Show {min(PAGE_SIZE, len(view.listing) - shown)} more", key="more", on_click=show_more)


def show_more() -> None:
    st.session_state["shown"] = st.session_state.get("shown", PAGE_SIZE) + PAGE_SIZE


# ---- page ----

page_top()
st.title("Find an IOP near you")
st.caption(
    "Intensive outpatient programs for addiction and co-occurring mental-health care in Illinois and Texas. "
    "We do not track or log your searches."
)

with st.sidebar:
    with st.expander("New to IOP?", expanded=True):
        st.markdown(newcomer_panel_markdown(), unsafe_allow_html=True)  # our own content/ text

seed_widgets_from_url()
for note in st.session_state.get("url_notes", []):
    st.info(note)
state = search_form()
wanted_query = finder.query_from_state(state)
if st.query_params.to_dict() != wanted_query:
    st.query_params.from_dict(wanted_query)
if st.session_state.get("last_state") != state:  # a new search starts at the top of the list
    st.session_state["last_state"] = state
    st.session_state["shown"] = PAGE_SIZE

live = live_clinics(str(data_path())).current()
if live.snapshot is None:
    st.info(
        "The clinic list is being updated right now. Please try again in a few minutes — or call SAMHSA's "
        f"National Helpline, [{finder.NATIONAL_HELPLINE}]({finder.tel_href('800-662-4357')}), free and 24/7."
    )
    st.stop()
if live.stale:
    st.caption("The clinic list is being updated; you are seeing the most recent checked version.")

origin = None
if state.location:
    try:
        place = resolve_place(state.location)
    except PlaceError as error:
        st.warning(str(error))
        st.stop()
    origin = (place.lat, place.lon)

search_key = finder.query_key(state)
view = result_view(live.snapshot.key, search_key, live.snapshot.index, state, origin)
result = view.result
headline, hint = finder.summary_line(result, state)
st.markdown(f"### {headline}")
if hint:
    st.caption(hint)
if result.clinics.empty:
    st.info(finder.no_results_advice(state))
    st.stop()

map_column, list_column = st.columns([3, 2], gap="medium")
with map_column:
    tiles = os.environ.get("CLINIC_FINDER_TILES") or "OpenStreetMap"
    clinic_map = mapview.build_map(result.clinics, view.origin, view.radius_miles, tiles=tiles)
    # Only clicks come back: panning and zooming do not rerun the script.
    map_state = st_folium(
        clinic_map,
        key="map",
        height=460,
        use_container_width=True,
        returned_objects=["last_object_clicked", "last_object_clicked_tooltip"],
    )
    clicked_id = mapview.clicked_clinic_id(result.clinics, map_state)
    selected = view.row_of(clicked_id) if clicked_id else None
    if selected:
        st.markdown("**Selected on the map**")
        clinic_card(view, selected, where="selected")
    st.download_button(
        "Download these results (CSV)",
        data=view.csv_bytes,
        file_name="iop-clinics.csv",
        mime="text/csv",
        key="download",
        on_click="ignore",
    )
with list_column:
    result_list(view)
