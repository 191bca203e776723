"""The finder's map frame: streamlit-folium's component, fed text rendered once per language and once per search.

st_folium renders the whole folium map to text on every call: about 15 ms of server CPU on every run of the
finder, the largest single part of a first page load's own cost (make bench, a profile of the script). The map's
own script is the same for every visitor in one language, and a search's layer is the same for everyone who opens
that search, so each is rendered once, with streamlit-folium's own functions, and handed to its component the way
st_folium hands it. tests/test_mapframe.py checks that the arguments are st_folium's own, so an upgrade of
streamlit-folium that changes them fails there, not in a visitor's browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium

from clinic_finder import mapview


@dataclass(frozen=True)
class MapText:
    """The map's own part of what st_folium sends (the same for every search)."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
    zoom: Any


@dataclass(frozen=True)
class LayerText:
    """One feature group on that map, as st_folium sends it, with every script and style file the map needs."""

    feature_group: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def map_text(fig: folium.Map) -> MapText:
    """Render `fig` (used up) as st_folium does before it adds a layer."""
    fig.get_root().render()
    fig.render()
    html = streamlit_folium._get_html(fig)  # before _get_map_string, which renames the map's elements
    header = streamlit_folium._get_header(fig)
    script = streamlit_folium._get_map_string(fig)
    try:
        (south, west), (north, east) = fig.get_bounds()
    except AttributeError:
        south = west = north = east = None
    bounds = {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}
    return MapText(script, header, html, streamlit_folium.get_full_id(fig), bounds, fig.options.get("zoom"))


def layer_text(fig: folium.Map, layer: folium.FeatureGroup) -> LayerText:
    """Render `layer` on `fig` (a fresh map like the one map_text rendered; both used up) as st_folium does."""
    feature_group = streamlit_folium._get_feature_group_string(layer, map=fig, idx=0)
    css_links, js_links = mapview.asset_links(fig)  # the layer is on the map now
    return LayerText(feature_group, tuple(css_links), tuple(js_links))


def show(map_text: MapText, layer: LayerText, key: str, height: int, returned_objects: Sequence[str]) -> Any:
    """The map in the page, at the container's width and `height` pixels; returns what st_folium returns (the
    `returned_objects` of the visitor's last interaction, or their defaults)."""
    defaults = {"bounds": map_text.bounds, "zoom": map_text.zoom}
    defaults = {name: defaults.get(name) for name in _RETURNED if name in returned_objects}
    hash_key = streamlit_folium.generate_js_hash(map_text.script, key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return streamlit_folium._component_func(
        script=map_text.script, header=map_text.header, html=map_text.html, id=map_text.map_id, key=hash_key,
        height=height, width=None, returned_objects=list(returned_objects), default=defaults, zoom=None,
        center=None, feature_group=layer.feature_group, return_on_hover=False, layer_control=None,
        pixelated=False, css_links=list(layer.css_links), js_links=list(layer.js_links), on_change=changed,
        wrap_longitude=False,
    )


# st_folium's returned objects, in its order (its defaults: None but the bounds and zoom).
_RETURNED = (
    "last_clicked", "last_object_clicked", "last_object_clicked_count", "last_object_clicked_tooltip",
    "last_object_clicked_popup", "all_drawings", "last_active_drawing", "bounds", "zoom", "last_circle_radius",
    "last_circle_polygon", "selected_layers", "selected_tags", "last_geocoder_result",
)
