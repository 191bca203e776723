"""The finder map: what is sent to the browser (escaped, local assets only, every clinic once), clicks."""

from __future__ import annotations

import base64
import contextvars
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import folium
import folium.plugins
import pandas as pd
import pytest

from clinic_finder import DEFAULT_CLINICS_CSV, PROJECT_ROOT, mapview
from clinic_finder.csvfile import read_clinics_csv

VENDOR = PROJECT_ROOT / "static" / "vendor"
CHICAGO = (41.9543, -87.6629)  # ZIP 60613
INJECTION = "<img src=x onerror=alert(1)>"
TEMPLATE_INJECTION = "{{ 7*7 }} {{ cycler.__init__.__globals__.os.getpid() }}"


@pytest.fixture(scope="module")
def clinics() -> pd.DataFrame:
    result = read_clinics_csv(DEFAULT_CLINICS_CSV)
    assert result.clinics is not None
    return result.clinics


@pytest.fixture(scope="module")
def hostile(clinics: pd.DataFrame) -> pd.DataFrame:
    """A few real rows with markup, quotes, separators and non-ASCII text in the fields shown."""
    frame = clinics.head(6).copy()
    frame.loc[0, "name"] = INJECTION
    frame.loc[1, "site"] = "Unit \"A\" | 'B' ^ C\\D & </script><script>alert(2)</script>"
    frame.loc[2, "name"] = "Clínica Esperanza"  # non-ASCII: its id is sent in full
    frame.loc[3, "address"] = 'Main St" onclick="alert(3)'
    frame.loc[4, "id"] = "renamed-later-keeps-its-id"  # not the slug of its name
    frame.loc[5, "location_precision"] = "address"
    frame.loc[5, "city"] = TEMPLATE_INJECTION
    return frame


def packed_from(payload: dict) -> str:
    match = re.search(r'var packed = "([^"]*)";', payload["script"])
    assert match, "the clinic layer's data is missing from the script"
    return match.group(1)


def payload_for(results: pd.DataFrame, **kwargs: object) -> dict:
    args: dict = {"origin": CHICAGO, "radius_miles": 25.0, "tiles": "none", **kwargs}
    return mapview.map_payload(mapview.build_map(results, **args))


# ---- escaping ----


def test_template_code_in_the_data_is_never_run(hostile: pd.DataFrame) -> None:
    """Regression: folium compiles rendered scripts as Jinja templates, so "{{ 7*7 }}" in a clinic's
    city came back as "49" (and any Python could run on the server). Braces are escaped, and the
    clinic layer's script is added as ready text."""
    for m in (mapview.build_map(hostile, CHICAGO, 25.0, tiles="none"),
              mapview.build_naive_map(hostile, CHICAGO, 25.0, tiles="none")):
        page = m.get_root().render()
        assert "7*7" in page and "49" not in page.split("7*7")[1][:40]
        # As a number of its own: folium's element ids are random hex, which may hold the pid's digits.
        assert not re.search(rf"(?<![0-9A-Za-z]){os.getpid()}(?![0-9A-Za-z])", page)
        assert "&#123;&#123; 7*7 &#125;&#125;" in page
    row = mapview.unpack_clinics(packed_from(payload_for(hostile)))[5]
    assert mapview._unescape(row["city"]) == TEMPLATE_INJECTION


def test_names_are_escaped_in_what_is_sent(hostile: pd.DataFrame) -> None:
    payload = payload_for(hostile)
    sent = json.dumps(payload)
    assert "<img" not in payload["script"] and "<img" not in sent
    assert "&lt;img src=x onerror=alert(1)&gt;" in payload["script"]
    assert "</script" not in payload["script"].lower()
    assert 'onclick="' not in payload["script"]
    fields = {row["id"]: row for row in mapview.unpack_clinics(packed_from(payload))}
    assert fields[hostile["id"].iloc[1]]["site"] == (
        "Unit &quot;A&quot; &#124; &#x27;B&#x27; &#94; C&#92;D &amp; "
        "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (INJECTION, "&lt;img src=x onerror=alert(1)&gt;"),
        ("Tom's \"Place\" & Co", "Tom&#x27;s &quot;Place&quot; &amp; Co"),
        ("a|b^c\\d", "a&#124;b&#94;c&#92;d"),
        ("{{ 7*7 }} {% x %}", "&#123;&#123; 7*7 &#125;&#125; &#123;% x %&#125;"),
        ("line\nbreak\u2028x", "line break x"),
        (None, ""),
        (float("nan"), ""),
        ("  padded ", "padded"),
    ],
)
def test_escape_text(value: object, expected: str) -> None:
    assert mapview.escape_text(value) == expected


def test_naive_popup_is_escaped_too(hostile: pd.DataFrame) -> None:
    popup = mapview.popup_html(hostile.iloc[0].to_dict())
    assert "<img" not in popup and "&lt;img" in popup
    assert 'href="tel:+1' in popup
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in popup


# ---- assets ----


@pytest.mark.parametrize("tiles", ["none", "OpenStreetMap"])
@pytest.mark.parametrize("asset_base", ["/app/static/vendor", "/finder/app/static/vendor/"])
def test_only_local_asset_urls(clinics: pd.DataFrame, tiles: str, asset_base: str) -> None:
    payload = payload_for(clinics.head(20), tiles=tiles, asset_base=asset_base)
    links = payload["css_links"] + payload["js_links"]
    base = asset_base.rstrip("/") + "/"
    assert links and all(link.startswith(base) and "://" not in link for link in links)
    assert not re.search(r"https?://", payload["header"])
    for link in links:  # every link names a vendored file
        assert (VENDOR / link[len(base) :]).is_file(), link
    assert f'L.Icon.Default.imagePath = "{base}leaflet-1.9.4/images/";' in payload["script"]
    # Any other absolute URL is a link the person may follow (directions) or the tile server.
    allowed = ("https://www.google.com/maps/dir/", "https://tile.openstreetmap.org/", "https://www.openstreetmap.org/")
    for url in re.findall(r"https?://[^\s\"'\\]+", json.dumps(payload)):
        assert url.startswith(allowed), url


def test_finder_map_loads_leaflet_markercluster_and_gesture_handling_in_one_file(clinics: pd.DataFrame) -> None:
    """The finder's map (base + a search's layer, as st_folium collects them) loads one script, no jQuery:
    streamlit-folium loads them one after another, so each is a wait before the markers show."""
    m = mapview.base_map("none")
    m.add_child(mapview.results_layer(clinics.head(20), (41.95, -87.66), 10))
    payload = mapview.map_payload(m)
    # One file: Leaflet, markercluster and Leaflet.GestureHandling joined (static/vendor/PROVENANCE.md).
    assert payload["js_links"] == [f"{mapview.DEFAULT_ASSET_BASE}/{mapview.FINDER_MAP_JS}"]
    joined = VENDOR / mapview.FINDER_MAP_JS
    assert joined.read_bytes() == b"\n".join(
        (VENDOR / mapview.LOCAL_JS[name]).read_bytes() for name in ("leaflet", "markerclusterjs", "gesturehandlingjs"))
    assert not re.search(r"jQuery|\$\(", payload["script"] + payload["header"])
    assert any(name == "jquery" for name, _url in folium.Map.default_js)  # other folium maps keep it


def test_finder_map_loads_its_four_stylesheets_as_one_file(clinics: pd.DataFrame) -> None:
    """Leaflet's, markercluster's and gesture handling's styles joined (static/vendor/PROVENANCE.md): one request
    instead of four, about 2 ms of server CPU each under `streamlit run`. Leaflet's image links still work."""
    m = mapview.base_map("none")
    m.add_child(mapview.results_layer(clinics.head(20), (41.95, -87.66), 10))
    payload = mapview.map_payload(m)
    assert payload["css_links"] == [f"{mapview.DEFAULT_ASSET_BASE}/{mapview.FINDER_MAP_CSS}"]
    leaflet_css = (VENDOR / mapview.LOCAL_CSS["leaflet_css"]).read_bytes()
    assert b"url(images/" in leaflet_css
    joined = VENDOR / mapview.FINDER_MAP_CSS
    assert joined.read_bytes() == b"\n".join((
        leaflet_css.replace(b"url(images/", b"url(../leaflet-1.9.4/images/"),
        *((VENDOR / mapview.LOCAL_CSS[name]).read_bytes()
          for name in ("markerclustercss", "markerclusterdefaultcss", "gesturehandlingcss")),
    ))
    for image in re.findall(rb"url\((\.\./[^)#]+)\)", joined.read_bytes()):
        assert (joined.parent / image.decode()).resolve().is_file(), image
    # Other maps keep the three files.
    assert len(payload_for(clinics.head(3))["css_links"]) == 3


def test_finder_map_carries_leaflets_marker_images_in_its_script(clinics: pd.DataFrame) -> None:
    """The default marker, its retina copy and its shadow as data: URLs of the vendored files, set before any
    marker is made: no request for them (two fewer per first load)."""
    m = mapview.base_map("none")
    m.add_child(mapview.results_layer(clinics.head(20), (41.95, -87.66), 10))
    payload = mapview.map_payload(m)
    script = payload["script"]
    assert isinstance(next(iter(m._children.values())), mapview.InlineDefaultIcon)
    assert 'L.Icon.Default.imagePath = "";' in script
    options = json.loads(re.search(r"L\.Icon\.Default\.mergeOptions\((\{.*?\})\);", script).group(1))
    assert set(options) == {"iconUrl", "iconRetinaUrl", "shadowUrl"}
    for option, url in options.items():
        prefix = "data:image/png;base64,"
        assert url.startswith(prefix), option
        on_disk = VENDOR / "leaflet-1.9.4" / "images" / mapview.DEFAULT_ICON_FILES[option]
        assert base64.b64decode(url[len(prefix):]) == on_disk.read_bytes(), option
    assert ".png" not in json.dumps(payload).replace("data:image/png", "")


def test_class_level_asset_lists_are_untouched(clinics: pd.DataFrame) -> None:
    mapview.build_map(clinics.head(3), None, None, tiles="none")
    assert all(url.startswith("https://") for _, url in folium.Map.default_js)
    assert all(url.startswith("https://") for _, url in folium.plugins.MarkerCluster.default_css)
    naive = mapview.map_payload(mapview.build_naive_map(clinics.head(3), None, None, tiles="none"))
    assert all(link.startswith("https://") for link in naive["js_links"])  # the baseline keeps CDNs


def test_icon_path_is_set_before_any_marker(clinics: pd.DataFrame) -> None:
    m = mapview.build_map(clinics.head(3), CHICAGO, 10.0, tiles="none")
    assert isinstance(next(iter(m._children.values())), mapview.IconImagePath)
    script = mapview.map_payload(m)["script"]
    assert script.index("L.Icon.Default.imagePath") < script.index("L.marker(")


def test_an_asset_we_do_not_vendor_is_an_error(clinics: pd.DataFrame) -> None:
    m = mapview.build_map(clinics.head(3), None, None, tiles="none")
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="no local copy"):
        mapview.use_local_assets(m)


def _provenance_hashes() -> dict[str, str]:
    text = (VENDOR / "PROVENANCE.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \| `[^`]+` \| ([0-9a-f]{64}) \|$", text, flags=re.MULTILINE))


def test_vendored_files_match_provenance() -> None:
    hashes = _provenance_hashes()
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {"PROVENANCE.md"}
    assert set(hashes) == on_disk
    for name, digest in hashes.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    for package in ("leaflet-1.9.4", "leaflet.markercluster-1.5.3", "jquery-3.7.1", "leaflet-gesture-handling-1.2.2"):
        assert any("LICEN" in p.name for p in (VENDOR / package).iterdir()), package


# ---- content ----


def test_every_clinic_id_exactly_once_in_order(clinics: pd.DataFrame, hostile: pd.DataFrame) -> None:
    for table in (clinics, hostile):
        sent = mapview.unpack_clinics(packed_from(payload_for(table)))
        assert [row["id"] for row in sent] == list(table["id"])


def test_packed_rows_round_trip(hostile: pd.DataFrame) -> None:
    rows = mapview.unpack_clinics(mapview.pack_clinics(hostile))
    for row, (_, clinic) in zip(rows, hostile.iterrows(), strict=True):
        assert (float(row["lat"]), float(row["lon"])) == pytest.approx((clinic["lat"], clinic["lon"]))
        assert (row["city"], row["state"], row["zip"]) == tuple(
            mapview.escape_text(clinic[c]) for c in ("city", "state", "zip"))
        assert row["name"] == mapview.escape_text(clinic["name"])
        assert row["approx"] == ("z" if clinic["location_precision"] == "zip" else "")


def test_derivable_ids_are_not_sent_twice(clinics: pd.DataFrame) -> None:
    packed = mapview.pack_clinics(clinics)
    codes = [row.split("|")[2] for row in packed.split("^")]
    assert sum(code == "" for code in codes) > len(codes) * 0.8  # most ids are the slug of name and site


@pytest.mark.parametrize(
    ("origin", "radius", "circle", "centre"),
    [
        (CHICAGO, 25.0, True, True),
        (CHICAGO, None, False, True),
        (CHICAGO, 0.0, False, True),
        (None, None, False, False),
        (None, 25.0, False, False),  # a radius without an origin means nothing
    ],
)
def test_origin_and_radius(clinics: pd.DataFrame, origin, radius, circle: bool, centre: bool) -> None:
    script = payload_for(clinics.head(10), origin=origin, radius_miles=radius)["script"]
    assert ("L.circle(" in script) is circle
    assert ("L.circleMarker(" in script) is centre
    if circle:
        assert f'"radius": {25.0 * mapview.METERS_PER_MILE}' in script
    if centre:
        assert f"[{CHICAGO[0]}, {CHICAGO[1]}]" in script


def test_view_is_fitted_to_results_and_origin(clinics: pd.DataFrame) -> None:
    results = clinics[clinics["state"] == "TX"].head(30)
    m = mapview.build_map(results, CHICAGO, None, tiles="none")
    (south, west), (north, east) = next(c for c in m._children.values() if isinstance(c, folium.FitBounds)).bounds
    lats = [*results["lat"], CHICAGO[0]]
    lons = [*results["lon"], CHICAGO[1]]
    assert (south, west, north, east) == (min(lats), min(lons), max(lats), max(lons))


def test_tiles_none_versus_openstreetmap(clinics: pd.DataFrame) -> None:
    offline = payload_for(clinics.head(5), tiles="none")["script"]
    assert "L.tileLayer(" not in offline
    assert '"maxZoom": 18' in offline
    osm = mapview.map_payload(mapview.build_map(clinics.head(5), None, None))["script"]  # the default tiles
    assert "L.tileLayer(" in osm and "tile.openstreetmap.org" in osm
    assert "OpenStreetMap\\u003c/a\\u003e contributors" in osm  # the attribution, escaped by folium


def test_no_per_clinic_python_objects(clinics: pd.DataFrame) -> None:
    def elements(m: folium.Map) -> list:
        return list(mapview._walk(m))

    few = elements(mapview.build_map(clinics.head(3), CHICAGO, 25.0, tiles="none"))
    many = elements(mapview.build_map(clinics, CHICAGO, 25.0, tiles="none"))
    assert len(few) == len(many)
    # The origin dot and the radius are folium vector layers (subclasses of Marker): one each, not per clinic.
    assert not any(type(e) is folium.Marker or isinstance(e, folium.Popup | folium.Tooltip) for e in many)
    naive = elements(mapview.build_naive_map(clinics.head(3), CHICAGO, 25.0, tiles="none"))
    assert sum(type(e) is folium.Marker for e in naive) == 3  # the baseline really is per clinic


@pytest.mark.parametrize(("origin", "radius"), [(None, None), (CHICAGO, 10.0), (CHICAGO, None)])
def test_empty_results(clinics: pd.DataFrame, origin, radius) -> None:
    empty = clinics.iloc[0:0]
    payload = payload_for(empty, origin=origin, radius_miles=radius)
    assert packed_from(payload) == ""
    assert mapview.unpack_clinics("") == []
    assert ("fitBounds" in payload["script"]) is (origin is not None)


def test_payload_stays_small_at_554(clinics: pd.DataFrame) -> None:
    assert payload_for(clinics)["bytes"] <= 150 * 1024


# ---- clicks ----


def test_clinic_at(clinics: pd.DataFrame) -> None:
    results = clinics.head(40).reset_index(drop=True)
    target = results.iloc[7]
    shared = results[results.duplicated(["lat", "lon"], keep=False)]
    alone = results[~results.duplicated(["lat", "lon"], keep=False)].iloc[0]
    tooltip = f"{target['name']} · {target['site']} [clinic:{target['id']}]"
    cases = [
        (target["lat"], target["lon"], tooltip, target["id"]),
        (None, None, tooltip, target["id"]),
        (alone["lat"], alone["lon"], "Some other layer", None),  # a tooltip without an id is not a clinic
        (1.0, 2.0, "Gone [clinic:not-in-these-results]", None),
        (alone["lat"], alone["lon"], None, alone["id"]),
        (alone["lat"] + 0.01, alone["lon"], None, None),
        (None, None, None, None),
    ]
    if not shared.empty:  # several clinics at one ZIP centre: the position alone cannot tell
        cases.append((shared.iloc[0]["lat"], shared.iloc[0]["lon"], None, None))
    for lat, lng, text, expected in cases:
        assert mapview.clinic_at(results, lat, lng, text) == expected, (lat, lng, text)
    assert mapview.clinic_at(results.iloc[0:0], 1.0, 2.0) is None


def test_clicked_clinic_id_reads_what_st_folium_returns(clinics: pd.DataFrame) -> None:
    results = clinics.head(10)
    clinic = results.iloc[3]
    # streamlit-folium's tooltip text is the tooltip's textContent: the hidden span's text included.
    state = {"last_object_clicked_tooltip": f"{clinic['name']} · {clinic['site']} [clinic:{clinic['id']}]"}
    assert mapview.clicked_clinic_id(results, state) == clinic["id"]
    assert mapview.clicked_clinic_id(results, None) is None
    nothing = {"last_object_clicked_tooltip": None, "last_object_clicked": None}
    assert mapview.clicked_clinic_id(results, nothing) is None


def test_tooltip_id_is_the_last_one(clinics: pd.DataFrame) -> None:
    # A name that itself looks like a marker cannot redirect the click: the real id comes last.
    text = "Fake [clinic:someone-else] · Site [clinic:the-real-one]"
    assert mapview.clinic_id_from_tooltip(text) == "the-real-one"
    assert mapview.clinic_id_from_tooltip("no id here") is None


# ---- fidelity to streamlit-folium and to the browser ----


def test_payload_matches_streamlit_folium(hostile: pd.DataFrame) -> None:
    import streamlit_folium as sf  # only here: the package itself never imports streamlit

    def reference(m: folium.Map) -> dict:
        m.get_root().render()
        m.render()
        html, header, script = sf._get_html(m), sf._get_header(m), sf._get_map_string(m)
        return {"script": script, "header": header, "html": html, "id": sf.get_full_id(m)}

    for tiles in ("none", "OpenStreetMap"):
        ours = payload_for(hostile, tiles=tiles)
        theirs = reference(mapview.build_map(hostile, CHICAGO, 25.0, tiles=tiles))
        assert {k: ours[k] for k in theirs} == theirs



# A stub of what the clinic layer's script calls of Leaflet: the markers it makes and the cluster's options are kept.
STUB_LEAFLET = """
    const fs = require("fs");
    const markers = [];
    let options = null;
    global.L = {
      markerClusterGroup: (given) => { options = given; return {addLayers: (ms) => markers.push(...ms)}; },
      marker: (ll) => ({ll, bindTooltip(t) { this.tooltip = t; }, bindPopup(p) { this.popup = p; }}),
      Point: function (x, y) { this.x = x; this.y = y; },
      DivIcon: {
        prototype: {createIcon() { return {attributes: {}, setAttribute(k, v) { this.attributes[k] = v; }}; }},
        extend(methods) {
          function Icon(opts) { this.options = opts; }
          Icon.prototype = Object.assign(Object.create(L.DivIcon.prototype), methods);
          return Icon;
        },
      },
    };
    eval(fs.readFileSync(process.argv[2], "utf8"));
"""


def run_layer_in_node(script: str, report: str, tmp_path: Path) -> str:
    """Run the clinic layer's part of a map's `script` in node against STUB_LEAFLET, then `report` (JavaScript
    that prints what the test reads); returns what it printed."""
    start = script.index("(function () {")
    layer = script[start : script.index("})();", start) + len("})();")].replace("cluster.addTo(map_div)", "")
    (tmp_path / "layer.js").write_text(layer, encoding="utf-8")
    (tmp_path / "harness.js").write_text(STUB_LEAFLET + report, encoding="utf-8")
    return subprocess.run(["node", str(tmp_path / "harness.js"), str(tmp_path / "layer.js")],
                          capture_output=True, text=True, check=True).stdout


def test_browser_side_decoding_matches_python(hostile: pd.DataFrame, tmp_path: Path) -> None:
    """Run the clinic layer's JavaScript against a stub Leaflet: same ids, escaped popups and tooltips."""
    out = run_layer_in_node(payload_for(hostile)["script"], """
        console.log(JSON.stringify(markers.map((m) => ({id: m.clinic.id, ll: m.ll, tooltip: m.tooltip,
                                                         popup: m.popup(m)}))));
    """, tmp_path)
    markers = json.loads(out)
    assert [m["id"] for m in markers] == list(hostile["id"])
    for marker, (_, clinic) in zip(markers, hostile.iterrows(), strict=True):
        assert marker["ll"] == pytest.approx([clinic["lat"], clinic["lon"]])
        assert marker["tooltip"].endswith(f"<span hidden> [clinic:{clinic['id']}]</span>")
        assert "<img" not in marker["popup"] and "<script" not in marker["popup"]
        assert f'href="tel:+1{clinic["phone"][:12].replace("-", "")}' in marker["popup"]
        assert ("Approximate location" in marker["popup"]) is (clinic["location_precision"] == "zip")
    first = markers[0]["popup"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in first
    destination = f"{hostile.iloc[0]['address']}, {hostile.iloc[0]['city']}, IL {hostile.iloc[0]['zip']}"
    from urllib.parse import quote

    assert f"https://www.google.com/maps/dir/?api=1&amp;destination={quote(destination, safe='')}" in first
    # The hostile address stays inside the text: its quotes arrive as entities, not as an attribute.
    assert 'Main St&quot; onclick=&quot;alert(3)' in markers[3]["popup"]


@pytest.mark.parametrize(("language", "label"), [("en", "12 programs here: press to zoom in"),
                                                 ("es", "12 programas aquí: pulse para acercar el mapa")])
def test_a_group_of_clinics_on_the_map_is_named_for_a_screen_reader(
        clinics: pd.DataFrame, tmp_path: Path, language: str, label: str) -> None:
    """A cluster's icon says only its count: it is named by what it is and what pressing it does, in the page's
    language, and keeps markercluster's own look (its default icon's classes, markup and size)."""
    from clinic_finder import i18n

    def layer_script() -> str:
        i18n.set_language(language)  # in a copy of this context: the other tests keep English
        return payload_for(clinics.head(30))["script"]

    out = run_layer_in_node(contextvars.copy_context().run(layer_script), """
        console.log(JSON.stringify([2, 12, 150].map((n) => {
          const icon = options.iconCreateFunction({getChildCount: () => n});
          return {className: icon.options.className, html: icon.options.html,
                  size: [icon.options.iconSize.x, icon.options.iconSize.y],
                  label: icon.createIcon().attributes["aria-label"]};
        })));
    """, tmp_path)
    small, medium, large = json.loads(out)
    assert medium["label"] == label
    assert small["label"].startswith("2 ") and large["label"].startswith("150 ")
    assert [small["className"], medium["className"], large["className"]] == [
        "marker-cluster marker-cluster-small", "marker-cluster marker-cluster-medium",
        "marker-cluster marker-cluster-large"]
    assert medium["html"] == "<div><span>12</span></div>" and medium["size"] == [40, 40]


def test_the_layer_fits_the_view_before_it_draws_the_clinics(clinics: pd.DataFrame) -> None:
    """The view is fitted by the layer's first member, so the cluster draws its icons once, at the fitted zoom."""
    group = mapview.results_layer(clinics.head(20), CHICAGO, 25.0)
    assert type(next(iter(group._children.values()))) is mapview.FitView
    m = mapview.base_map("none")
    m.add_child(group)
    script = mapview.map_payload(m)["script"]
    assert script.index("new Fit()") < script.index("L.circle(") < script.index("L.markerClusterGroup(")
    assert "var radiusMeters = 40233.6;" in script  # 25 miles
