"""The finder's map frame (views.mapframe): the text rendered once is exactly what st_folium would send."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import streamlit_folium

from clinic_finder import DEFAULT_CLINICS_CSV, mapview
from clinic_finder.csvfile import read_clinics_csv
from views import mapframe

CHICAGO = (41.9543, -87.6629)  # ZIP 60613
RETURNED = ["last_object_clicked_tooltip"]


@pytest.fixture(scope="module")
def clinics() -> pd.DataFrame:
    result = read_clinics_csv(DEFAULT_CLINICS_CSV)
    assert result.clinics is not None
    return result.clinics


def sent(monkeypatch: pytest.MonkeyPatch, draw: Any) -> dict[str, Any]:
    """What `draw()` hands streamlit-folium's component (its callback aside), and what it returns."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: calls.append(kwargs) or {"x": 1})
    assert draw() == {"x": 1}
    assert len(calls) == 1
    return {name: value for name, value in calls[0].items() if name != "on_change"}


@pytest.mark.parametrize("tiles", ["none", "OpenStreetMap"])
@pytest.mark.parametrize(
    ("rows", "origin", "radius"),
    [(slice(0, 150), CHICAGO, 25.0), (slice(0, 554), None, None), (slice(0, 0), CHICAGO, 10.0),
     (slice(40, 60), CHICAGO, None)],
)
def test_what_is_sent_is_what_st_folium_sends(monkeypatch: pytest.MonkeyPatch, clinics: pd.DataFrame, tiles: str,
                                              rows: slice, origin: Any, radius: Any) -> None:
    results = clinics.iloc[rows].reset_index(drop=True)

    def theirs() -> Any:
        return streamlit_folium.st_folium(
            mapview.base_map(tiles), key="map", height=460, use_container_width=True, returned_objects=RETURNED,
            feature_group_to_add=mapview.results_layer(results, origin, radius))

    def ours() -> Any:
        layer = mapframe.layer_text(mapview.base_map(tiles), mapview.results_layer(results, origin, radius))
        return mapframe.show(mapframe.map_text(mapview.base_map(tiles)), layer, key="map", height=460,
                             returned_objects=RETURNED)

    expected = sent(monkeypatch, theirs)
    assert sent(monkeypatch, ours) == expected
    assert f'var packed = "{mapview.pack_clinics(results)}";' in expected["feature_group"]  # these clinics


def test_the_same_text_serves_every_rerun(monkeypatch: pytest.MonkeyPatch, clinics: pd.DataFrame) -> None:
    """Rendered once and sent many times (the page caches both parts): nothing in them is used up by a send."""
    text = mapframe.map_text(mapview.base_map("none"))
    layer = mapframe.layer_text(mapview.base_map("none"), mapview.results_layer(clinics.head(20), CHICAGO, 10.0))
    first = sent(monkeypatch, lambda: mapframe.show(text, layer, "map", 460, RETURNED))
    assert sent(monkeypatch, lambda: mapframe.show(text, layer, "map", 460, RETURNED)) == first
