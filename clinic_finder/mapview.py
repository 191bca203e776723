"""The finder's map: the matching clinics as one clustered Leaflet layer built from arrays, served offline.

Why it is built this way:

* Speed. One Python `folium.Marker` + `folium.Popup` per clinic costs about 1.3 s per rerun at 554 clinics
  (see `bench.py`). Here the clinics travel to the browser as one packed string and a few lines of
  JavaScript create the markers, popups and tooltips there.
* Size. At the 12,744 facilities of the national directory the packed string stays under 1.5 MB because
  the fields go as `|`-separated text (no JSON quoting), a location, city, state or ZIP equal to the
  previous row's is sent as an empty field, and a clinic id that is just the slug of its name and site
  (almost all of them) is derived in the browser instead of being sent (see `_id_code`).
* Safety. Every text field is HTML-escaped in Python before it is packed, so what reaches the browser
  cannot contain `<`, `>`, `"` or `'`; the JavaScript only glues escaped pieces together.
* No CDN. Leaflet, markercluster and jQuery are served by the app from `static/vendor/`
  (`asset_base`); a single failed CDN script would stop streamlit-folium from drawing the map at all,
  and a search for addiction care should not ping third parties. Only tiles come from the tile server.

Clicks map back to clinics through the marker's tooltip: its text ends with a hidden `[clinic:ID]`
(see `clinic_at`). Ask streamlit-folium for just that, so panning and zooming do not rerun the script:
`st_folium(m, key="map", returned_objects=["last_object_clicked_tooltip"])`, then
`clicked_clinic_id(results, state)`. (Checked in Chromium with streamlit-folium 0.27.4: a click returns
"Name · Site [clinic:ID]", the tooltip's textContent; the position alone is ambiguous, as clinics share
ZIP centres and spiderfied markers are drawn away from their position.)
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import json
import math
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from textwrap import dedent
from typing import Any, ClassVar, TypeVar

import folium
import folium.elements
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template
from jinja2 import UndefinedError

from clinic_finder import attendance
from clinic_finder.i18n import _, current_language

E = TypeVar("E", bound=Element)
METERS_PER_MILE = 1609.344
DEFAULT_ASSET_BASE = "/app/static/vendor"
OFFLINE_MAX_ZOOM = 18  # Leaflet needs an explicit maxZoom when there is no tile layer (cluster plugin)
FIT_MAX_ZOOM = 13  # a single clinic should not zoom the map to street level
DEFAULT_CENTER = (35.0, -93.5)  # between Illinois and Texas, for a map with nothing on it
DEFAULT_ZOOM = 5

# Local files (under asset_base) that replace folium's CDN links, by folium's own link names.
LEAFLET_DIR = "leaflet-1.9.4"
LOCAL_JS: dict[str, str] = {
    "leaflet": f"{LEAFLET_DIR}/leaflet.js",
    "jquery": "jquery-3.7.1/jquery.min.js",
    "markerclusterjs": "leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "gesturehandlingjs": "leaflet-gesture-handling-1.2.2/leaflet-gesture-handling.min.js",
}
# The finder's map (base_map, results_layer) loads Leaflet, markercluster and gesture handling as one file, the
# three joined (static/vendor/PROVENANCE.md): streamlit-folium loads a map's scripts one after another.
FINDER_MAP_JS = "finder-map/leaflet-1.9.4+markercluster-1.5.3+gesture-handling-1.2.2.js"
FINDER_JS: dict[str, str] = dict.fromkeys(("leaflet", "markerclusterjs", "gesturehandlingjs"), FINDER_MAP_JS)
LOCAL_CSS: dict[str, str] = {
    "leaflet_css": f"{LEAFLET_DIR}/leaflet.css",
    "markerclustercss": "leaflet.markercluster-1.5.3/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
    "gesturehandlingcss": "leaflet-gesture-handling-1.2.2/leaflet-gesture-handling.min.css",
}
# Their stylesheets joined too (static/vendor/PROVENANCE.md): served by `streamlit run`, each file costs the
# server about 2 ms of CPU on every visitor's first load (make bench).
FINDER_MAP_CSS = "finder-map/leaflet-1.9.4+markercluster-1.5.3+gesture-handling-1.2.2.css"
FINDER_CSS: dict[str, str] = dict.fromkeys(LOCAL_CSS, FINDER_MAP_CSS)
VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"  # what DEFAULT_ASSET_BASE serves
# folium.Map's styling extras that this map does not use (coloured icons, Bootstrap). Dropping them is
# deliberate; any other asset we cannot serve locally is an error rather than a silent CDN request.
DROPPED_ASSETS = frozenset(
    {
        "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
        "awesome_markers_css", "awesome_rotate_css",
    }
)

DIRECTIONS_URL = "https://www.google.com/maps/dir/?api=1&destination="
TOOLTIP_ID = re.compile(r"\[clinic:([a-z0-9]+(?:-[a-z0-9]+)*)\]\s*$")

# ---- packing the clinics into one string ----

FIELD_SEP, ROW_SEP = "|", "^"
# Order of the packed fields; keep in step with the JavaScript in `ClinicCluster` and with `unpack_clinics`.
PACKED_FIELDS = (
    "lat", "lon", "id", "name", "site", "address", "address2", "city", "state", "zip", "phone", "approx", "limits",
)  # fmt: skip
# Fields sent empty when equal to the previous row's (ZIP-centre locations repeat a lot; rows are nearest
# first, so neighbours share a town). Only fields that are never blank in the schema.
DITTO_FIELDS = frozenset({"lat", "lon", "city", "state", "zip"})
# HTML-escape, plus entities for the two separators and the backslash (so the packed text needs no
# escaping inside a JavaScript string), and line breaks/controls to spaces (they mean nothing in HTML
# and would end a JavaScript string literal).
_ESCAPES: dict[int, str] = {
    **{code: " " for code in (*range(0x20), 0x7F, 0x2028, 0x2029)},
    ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;",
    ord(FIELD_SEP): "&#124;", ord(ROW_SEP): "&#94;", ord("\\"): "&#92;",
    # Braces too: text that reaches a Jinja template (folium compiles rendered scripts as templates) must
    # never hold "{{" or "{%" -- a clinic name like "{{ 7*7 }}" would be run as template code on the server.
    ord("{"): "&#123;", ord("}"): "&#125;",
}
_UNESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#124;": "|", "&#94;": "^",
              "&#92;": "\\", "&#123;": "{", "&#125;": "}"}
_UNESCAPE = re.compile("|".join(re.escape(k) for k in _UNESCAPES))


def escape_text(value: object) -> str:
    """HTML-escape one value for the map (None/NaN become blank); safe inside the packed JS string too."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).translate(_ESCAPES).strip()


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPES[m.group(0)], text)


def _escape_column(values: pd.Series) -> list[str]:
    # One translate over the joined column is much faster than one call per cell. NUL is the joiner; a NUL
    # inside a value becomes a space first (as escape_text would make it), so the split is exact.
    cleaned = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]
    if not cleaned:
        return []
    joined = "\x00".join(s.replace("\x00", " ") for s in cleaned)
    table = {k: v for k, v in _ESCAPES.items() if k != 0}
    return [s.strip() for s in joined.translate(table).split("\x00")]


_WORD = re.compile(r"[a-z0-9]+")


def _slug(text: str) -> str:
    """The importer's slug (`samhsa.slugify`), restated so it matches the browser's copy exactly."""
    return "-".join(_WORD.findall(text.lower().replace("&", " and ").replace("'", "")))


def _id_code(clinic_id: str, name: str, site: str) -> str:
    """What to send for an id: "" if it is slug(name site), "-suffix" if it extends that, else the id.

    Only for ASCII names: for those, Python's and JavaScript's lower-casing agree exactly, so the browser
    derives the same id; anything else is sent in full.
    """
    text = f"{name} {site}"
    if not text.isascii():
        return clinic_id
    base = _slug(text)
    if clinic_id == base:
        return ""
    if base and clinic_id.startswith(base + "-"):
        return clinic_id[len(base) :]
    return clinic_id


def _coordinates(values: pd.Series) -> list[str]:
    # 6 decimals is ~10 cm; repr gives the shortest text that reads back as the same number.
    return list(map(repr, np.round(values.to_numpy(dtype=float), 6).tolist()))


def pack_clinics(results: pd.DataFrame) -> str:
    """The clinics as one `^`-separated string of `|`-separated, HTML-escaped fields (`PACKED_FIELDS`)."""
    if results.empty:
        return ""
    raw_names = [str(v) for v in results["name"]]
    raw_sites = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in results["site"]]
    columns: dict[str, list[str]] = {
        "lat": _coordinates(results["lat"]),
        "lon": _coordinates(results["lon"]),
        "id": [
            escape_text(_id_code(str(i), n, s)) for i, n, s in zip(results["id"], raw_names, raw_sites, strict=True)
        ],
        "approx": ["z" if str(p) == "zip" else "" for p in results["location_precision"]],
        # Who the program serves, stated plainly in the popup as on the card ("Women only · Ages 18 and over"),
        # sent as short codes (attendance.limit_codes) that the browser turns into the page's sentences.
        "limits": [",".join(attendance.limit_codes(row)) for row in _limit_rows(results)],
    }
    for name in ("name", "site", "address", "address2", "city", "state", "zip", "phone"):
        columns[name] = _escape_column(results[name])
    for name in DITTO_FIELDS:
        values = columns[name]
        columns[name] = [v if i == 0 or v != values[i - 1] else "" for i, v in enumerate(values)]
    rows = zip(*(columns[f] for f in PACKED_FIELDS), strict=True)
    return ROW_SEP.join(FIELD_SEP.join(row) for row in rows)


_LIMIT_COLUMNS = ("accepts_women", "accepts_men", "age_17_or_younger", "age_18_to_25", "age_26_to_64",
                  "age_65_or_older", "opioid_use_only", "alcohol_use_only", "dui_only", "treats_alcohol_use",
                  "treats_opioid_use")


def _limit_rows(results: pd.DataFrame) -> list[dict[str, object]]:
    present = [c for c in _LIMIT_COLUMNS if c in results]
    values = zip(*(results[c].tolist() for c in present), strict=True) if present else ([()] * len(results))
    return [dict(zip(present, row, strict=True)) for row in values]


def unpack_clinics(packed: str) -> list[dict[str, str]]:
    """Decode `pack_clinics` output as the browser does (fields still HTML-escaped, id resolved); for tests."""
    clinics: list[dict[str, str]] = []
    previous: dict[str, str] = {}
    for row in packed.split(ROW_SEP) if packed else []:
        values = row.split(FIELD_SEP)
        if len(values) != len(PACKED_FIELDS):
            raise ValueError(f"a packed row has {len(values)} fields, expected {len(PACKED_FIELDS)}: {row!r}")
        record = dict(zip(PACKED_FIELDS, values, strict=True))
        for name in DITTO_FIELDS:
            if record[name] == "":
                record[name] = previous[name]
        base = _slug(f"{_unescape(record['name'])} {_unescape(record['site'])}")
        code = record["id"]
        record["id"] = base if code == "" else base + code if code.startswith("-") else code
        clinics.append(record)
        previous = record
    return clinics


# ---- map elements ----


class ClinicCluster(folium.plugins.MarkerCluster):
    """All clinics in one marker-cluster layer, created in the browser from a packed string (no per-clinic
    Python objects). Each marker gets a lazily built popup and a tooltip that carries the clinic id."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var packed = "{{ this.packed }}";
                // HTML-escaped already (Python side), like every packed field.
                var labels = {{ this.labels|tojson }};
                var suggestBase = {{ this.suggest_base|tojson }};
                var entities = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'",
                                "&#124;": "|", "&#94;": "^", "&#92;": "\\\\", "&#123;": "{", "&#125;": "}"};
                function unescape(text) {
                    return text.replace(/&(?:amp|lt|gt|quot|#x27|#124|#94|#92|#123|#125);/g,
                                        function (e) { return entities[e]; });
                }
                // Same as samhsa.slugify / mapview._slug; only used for ASCII names (see mapview._id_code).
                function slug(text) {
                    var words = text.toLowerCase().replace(/&/g, " and ").replace(/'/g, "").match(/[a-z0-9]+/g);
                    return words ? words.join("-") : "";
                }
                // Limit codes -> sentences (mapview.ClinicCluster.labels: escaped, in the page's language).
                function limitText(codes) {
                    return codes.split(",").map(function (code) {
                        if (code.charAt(0) === "x") {
                            return labels.notForAges.replace("AGES", code.slice(1).split("/").map(function (a) {
                                return labels.ages[a] || "";
                            }).join(", "));
                        }
                        return labels.limits[code] || "";
                    }).join(" · ");
                }
                // Every field is HTML-escaped already (Python side): concatenating them is safe.
                function popup(layer) {
                    var c = layer.clinic;
                    var street = c.address + (c.address2 ? ", " + c.address2 : "");
                    var town = c.city + ", " + c.state + " " + c.zip;
                    var destination = encodeURIComponent(unescape(c.address + ", " + town));
                    var phone = c.phone.split(" x");
                    var digits = phone[0].replace(/[^0-9]/g, "");
                    var tel = (digits.length === 10 ? "+1" + digits : digits) + (phone[1] ? ";ext=" + phone[1] : "");
                    return '<div class="clinic-popup"><b>' + c.name + '</b>' + (c.site ? '<br>' + c.site : '')
                        + '<br>' + street + '<br>' + town
                        + (digits ? '<br><a href="tel:' + tel + '">' + c.phone + '</a>' : '')
                        + '<br><a href="{{ this.directions_url }}' + destination
                        + '" target="_blank" rel="noopener noreferrer">' + labels.directions + '</a>'
                        + (c.approx ? '<br><i>' + labels.approx.replace("ZIPCODE", c.zip) + '</i>' : '')
                        + (c.limits ? '<br><b>' + limitText(c.limits) + '</b>' : '')
                        + '<br><a href="' + suggestBase + encodeURIComponent(c.id)
                        + '" target="_blank" rel="noopener">' + labels.suggest + '</a>'
                        + '</div>';
                }
                // A group's icon says only its count ("12"): a screen reader hears what it is and what pressing it
                // does, in the page's language. Its look is markercluster's own (the default icon function's).
                var ClusterIcon = L.DivIcon.extend({
                    createIcon: function (oldIcon) {
                        var icon = L.DivIcon.prototype.createIcon.call(this, oldIcon);
                        icon.setAttribute("aria-label", this.options.label);
                        return icon;
                    }
                });
                var options = {{ this.options|tojavascript }};
                options.iconCreateFunction = function (group) {
                    var count = group.getChildCount();
                    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
                    return new ClusterIcon({html: "<div><span>" + count + "</span></div>",
                                            className: "marker-cluster marker-cluster-" + size,
                                            iconSize: new L.Point(40, 40),
                                            label: unescape(labels.cluster).replace("COUNT", count)});
                };
                var cluster = L.markerClusterGroup(options);
                var markers = [];
                var rows = packed ? packed.split("^") : [];
                var lat, lon, city, state, zip;
                for (var i = 0; i < rows.length; i++) {
                    var f = rows[i].split("|");
                    if (f[0] !== "") { lat = parseFloat(f[0]); }
                    if (f[1] !== "") { lon = parseFloat(f[1]); }
                    if (f[7] !== "") { city = f[7]; }
                    if (f[8] !== "") { state = f[8]; }
                    if (f[9] !== "") { zip = f[9]; }
                    var base = slug(unescape(f[3]) + " " + unescape(f[4]));
                    var id = f[2] === "" ? base : (f[2].charAt(0) === "-" ? base + f[2] : f[2]);
                    // Named for screen readers (Leaflet would say "Marker", in English on every page).
                    var marker = L.marker([lat, lon], {alt: unescape(f[3]) + (f[4] ? " · " + unescape(f[4]) : "")});
                    marker.clinic = {id: id, name: f[3], site: f[4], address: f[5], address2: f[6], city: city,
                                     state: state, zip: zip, phone: f[10], approx: f[11] === "z", limits: f[12]};
                    // The hidden part is what streamlit-folium returns as last_object_clicked_tooltip.
                    marker.bindTooltip(f[3] + (f[4] ? " · " + f[4] : "")
                                       + '<span hidden> [clinic:' + id + ']</span>');
                    marker.bindPopup(popup);
                    markers.push(marker);
                }
                cluster.addLayers(markers);
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}
        """
    )

    def __init__(self, packed: str, suggest_base: str = "/Suggest_a_correction?clinic=", **options: Any) -> None:
        super().__init__(name="Clinics", control=False, **options)
        self._name = "ClinicCluster"
        if '"' in packed or "\\" in packed or "<" in packed or "\n" in packed:
            raise ValueError("packed clinics must come from pack_clinics (escaped, no quotes or backslashes)")
        self.packed = packed
        self.directions_url = DIRECTIONS_URL.replace("&", "&amp;")  # inside an HTML attribute
        # The popup's words in the current language, escaped like every packed field (they go into HTML).
        self.labels = {
            "directions": escape_text(_("Directions")),
            "approx": escape_text(_("Approximate location (centre of ZIP {zip})").format(zip="ZIPCODE")),
            "suggest": escape_text(_("Something wrong? Suggest a correction")),
            # TRANSLATORS: a group of markers on the map, as a screen reader names it; {count} is 2 or more.
            "cluster": escape_text(_("{count} programs here: press to zoom in").format(count="COUNT")),
            "limits": {code: escape_text(attendance.limit_sentence(code)) for code in attendance.LIMIT_SENTENCES},
            "notForAges": escape_text(_(attendance.NOT_FOR_AGES).format(ages="AGES")),
            "ages": {value: escape_text(label) for value, label in attendance.age_labels().items()},
        }
        if not suggest_base.startswith("/"):
            raise ValueError("the suggestion page must be a path of this app")
        self.suggest_base = suggest_base.replace("&", "&amp;")  # inside an HTML attribute

    def render(self, **kwargs: Any) -> None:
        """As folium renders it, except that the script goes into the page as ready text.

        branca's MacroElement.render wraps each rendered script in a new Element, that is, compiles it as
        a Jinja template. For this layer that means lexing the whole packed list (~60 KB at 554 clinics,
        1.3 MB nationally) on every render, which st_folium does twice a rerun: most of a rerun's time.
        """
        template = self._template
        self._template = _NO_MACROS  # links, includes and children render as usual, without the script
        try:
            super().render(**kwargs)
        finally:
            self._template = template
        script = template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(ReadyText(script), name=self.get_name())


_NO_MACROS = Template("")


class ReadyText(Element):
    """Text that is already rendered: output as is, never compiled as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class IconImagePath(MacroElement):
    """Sets `L.Icon.Default.imagePath` in the map script: Leaflet's own guess (from the leaflet.css link,
    which streamlit-folium adds asynchronously) fails and the markers would be invisible 404s."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, image_path: str) -> None:
        super().__init__()
        self._name = "IconImagePath"
        self.image_path = image_path


# Leaflet's default marker, by the option names of L.Icon.Default: file names in its images folder.
DEFAULT_ICON_FILES = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png",
                      "shadowUrl": "marker-shadow.png"}


@functools.cache
def default_icon_data_urls() -> dict[str, str]:
    """Leaflet's default marker images (static/vendor) as `data:` URLs, by L.Icon.Default option name."""
    folder = VENDOR_DIR / LEAFLET_DIR / "images"
    return {option: "data:image/png;base64," + base64.b64encode((folder / name).read_bytes()).decode("ascii")
            for option, name in DEFAULT_ICON_FILES.items()}


class InlineDefaultIcon(IconImagePath):
    """The finder's map: Leaflet's marker images inside the map script, so a visitor's browser asks the server for
    two files fewer (about 2 ms of server CPU each when `streamlit run` serves them, make bench; 6 KB of script)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = "";
            L.Icon.Default.mergeOptions({{ this.urls|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__("")
        self._name = "InlineDefaultIcon"
        self.urls = default_icon_data_urls()


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def use_local_assets(m: folium.Map, asset_base: str = DEFAULT_ASSET_BASE, icon: IconImagePath | None = None,
                     ) -> folium.Map:
    """Point every JS/CSS link of a fully built map at the app's vendored copies, and set the icon path (`icon`, by
    default Leaflet's images folder under `asset_base`), unless the map has it already.

    Sets instance attributes only: folium's `add_js_link` edits the class-level lists in place, so
    changing those would leak into every later map. Raises ValueError for an asset we do not vendor.
    """
    base = asset_base.rstrip("/")
    for element in _walk(m):
        if not isinstance(element, folium.elements.JSCSSMixin):
            continue
        unknown = [
            name
            for name, _ in (*element.default_js, *element.default_css)
            if name not in LOCAL_JS and name not in LOCAL_CSS and name not in DROPPED_ASSETS
        ]
        if unknown:
            raise ValueError(f"no local copy of map asset(s) {', '.join(unknown)}; vendor them under static/vendor")
        element.default_js = [(name, f"{base}/{LOCAL_JS[name]}") for name, _ in element.default_js if name in LOCAL_JS]
        element.default_css = [
            (name, f"{base}/{LOCAL_CSS[name]}") for name, _ in element.default_css if name in LOCAL_CSS
        ]
    if not any(isinstance(child, IconImagePath) for child in m._children.values()):
        icon = icon or IconImagePath(f"{base}/{LEAFLET_DIR}/images/")
        m.add_child(icon)
        m._children.move_to_end(icon.get_name(), last=False)  # before any marker is created
    return m


def _new_map(tiles: str) -> folium.Map:
    if tiles.lower() == "none":
        # No tile layer (offline, tests): Leaflet then needs maxZoom as a map option for the cluster plugin.
        return folium.Map(
            location=DEFAULT_CENTER, zoom_start=DEFAULT_ZOOM, tiles=None, max_zoom=OFFLINE_MAX_ZOOM,
            maxZoom=OFFLINE_MAX_ZOOM, control_scale=True,
        )
    # Named tiles (OpenStreetMap by default) come with their attribution from xyzservices.
    return folium.Map(location=DEFAULT_CENTER, zoom_start=DEFAULT_ZOOM, tiles=tiles, control_scale=True)


def _bounds(
    results: pd.DataFrame, origin: tuple[float, float] | None, radius_miles: float | None
) -> list[list[float]] | None:
    lats = list(results["lat"].astype(float)) if not results.empty else []
    lons = list(results["lon"].astype(float)) if not results.empty else []
    if origin is not None:
        lats.append(origin[0])
        lons.append(origin[1])
        if results.empty and radius_miles is not None and radius_miles > 0:
            # Nothing matched: show the whole searched circle, so the empty map explains itself.
            dlat = radius_miles / 69.0
            dlon = radius_miles / (69.0 * max(math.cos(math.radians(origin[0])), 0.01))
            lats += [origin[0] - dlat, origin[0] + dlat]
            lons += [origin[1] - dlon, origin[1] + dlon]
    if not lats:
        return None
    return [[float(np.min(lats)), float(np.min(lons))], [float(np.max(lats)), float(np.max(lons))]]


def _add_search_area(parent: Element, origin: tuple[float, float] | None, radius_miles: float | None) -> None:
    """The search's origin dot and its `radius_miles` circle, on a map or in a layer."""
    if origin is None:
        return
    # Not interactive: a click on them would otherwise reach streamlit-folium as an "object click".
    if radius_miles is not None and radius_miles > 0:
        folium.Circle(
            location=origin, radius=radius_miles * METERS_PER_MILE, color="#1f6feb", weight=2, fill=True,
            fill_opacity=0.05, interactive=False,
        ).add_to(parent)
    folium.CircleMarker(
        location=origin, radius=7, color="#ffffff", weight=2, fill=True, fill_color="#d1242f", fill_opacity=1.0,
        interactive=False,
    ).add_to(parent)


def _fit_view(
    m: folium.Map, results: pd.DataFrame, origin: tuple[float, float] | None, radius_miles: float | None
) -> None:
    bounds = _bounds(results, origin, radius_miles)
    if bounds is not None:
        m.fit_bounds(bounds, padding=(20, 20), max_zoom=FIT_MAX_ZOOM)


def build_map(
    results: pd.DataFrame,
    origin: tuple[float, float] | None,
    radius_miles: float | None,
    tiles: str = "OpenStreetMap",
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.Map:
    """The clinics in `results` (clustered), the search origin (lat, lon degrees) and `radius_miles` circle.

    `tiles="none"` draws no background (offline use, tests); assets load from `asset_base` (the app's
    `static/vendor` as served by Streamlit; prefix it with `server.baseUrlPath` if one is set).
    """
    m = _new_map(tiles)
    _add_search_area(m, origin, radius_miles)
    ClinicCluster(pack_clinics(results), showCoverageOnHover=False, chunkedLoading=True).add_to(m)
    _fit_view(m, results, origin, radius_miles)
    return use_local_assets(m, asset_base)


# ---- the finder's map: a base that never changes, and the search as a layer swapped in place ----
#
# streamlit-folium keys its component on a hash of the *map* script (streamlit_folium/__init__.py, 0.27.4:
# generate_js_hash), so a map whose script changes with the search is a new component: a new iframe, a blank
# map for seconds on every filter click. The base map below holds only the map, its controls and assets (the
# same script every rerun); everything that depends on the search (circle, origin, clinics, the view fit, the
# selected clinic) is one FeatureGroup passed as `st_folium(..., feature_group_to_add=...)`, which the
# frontend swaps inside the existing iframe (index.tsx finalizeOnRender: removes the old layers, evals the new).

POPUP_PAD_TOP_LEFT = (10, 84)  # clear of the zoom buttons (10..75 px tall in touch mode) on a phone
FIT_PAD_TOP_LEFT = (24, 48)  # marker icons stand 41 px above their point
FIT_PAD_BOTTOM_RIGHT = (24, 24)  # cluster icons are 40 px circles


class BaseMapExtras(folium.elements.JSCSSMixin, MacroElement):
    """Static parts of the finder's map: markercluster's and gesture handling's assets (the frontend loads links on
    the first render only, so the base must declare them), popup auto-pan padding, the selected marker's style."""

    # Folium's link names, made local by use_local_assets (the URLs here are never requested).
    default_js: ClassVar[list[tuple[str, str]]] = [
        ("markerclusterjs", "leaflet.markercluster.js"), ("gesturehandlingjs", "leaflet-gesture-handling.min.js"),
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        ("markerclustercss", "MarkerCluster.css"), ("markerclusterdefaultcss", "MarkerCluster.Default.css"),
        ("gesturehandlingcss", "leaflet-gesture-handling.min.css"),
    ]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Popup.mergeOptions({autoPanPaddingTopLeft: L.point({{ this.pad|tojson }})});
            (function () {
                // The zoom buttons' names in the page's language (Leaflet's own are English).
                var zoom = {{ this._parent.get_name() }}.zoomControl;
                var names = {{ this.zoom_names|tojson }};
                if (zoom) {
                    [[zoom._zoomInButton, names.in], [zoom._zoomOutButton, names.out]].forEach(function (pair) {
                        pair[0].title = pair[1];
                        pair[0].setAttribute("aria-label", pair[1]);
                    });
                }
            })();
            (function () {
                var style = document.createElement("style");
                // A long name's label wraps within the half of the map it is drawn in (Leaflet puts it on the
                // side with more room), instead of running past the map's edge.
                style.textContent = ".clinic-selected { filter: hue-rotate(150deg) saturate(2.5); }"
                    + " .leaflet-tooltip { white-space: normal; width: max-content; max-width: 45vw; }";
                document.head.appendChild(style);
            })();
            (function () {
                // Streamlit titles the frame "streamlit_folium.st_folium" and the frame's page says English: a
                // screen reader names the map in the page's language, and the list above it is its text.
                var texts = {{ this.frame_texts|tojson }};
                document.documentElement.lang = texts.lang;
                if (window.frameElement) { window.frameElement.setAttribute("aria-label", texts.frame); }
                var container = {{ this._parent.get_name() }}.getContainer();
                container.setAttribute("role", "region");
                container.setAttribute("aria-label", texts.map);
                var style = document.createElement("style");
                style.textContent = ".leaflet-container:focus-visible { outline: 3px solid #0b4fbf; "
                    + "outline-offset: -3px; }";
                document.head.appendChild(style);
            })();
            // A tap on a phone opens the marker's label and its popup together; the popup says the name already,
            // and the label beside it ran off the map's edge.
            {{ this._parent.get_name() }}.on("popupopen", function (e) {
                var marker = e.popup._source;
                if (marker && marker.closeTooltip) { marker.closeTooltip(); }
            });
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "BaseMapExtras"
        self.pad = list(POPUP_PAD_TOP_LEFT)
        self.zoom_names = {"in": _("Zoom in"), "out": _("Zoom out")}
        self.frame_texts = {"lang": current_language(), "frame": _("Map of the programs in the list"),
                            "map": _("Map: arrow keys move it, plus and minus zoom")}


def gesture_texts() -> dict[str, str]:
    """What the map says when a plain wheel or one finger meets it, in the page's language (GestureHandling's keys)."""
    return {
        "touch": _("Use two fingers to move the map"),
        "scroll": _("Use Ctrl + scroll to zoom the map"),
        "scrollMac": _("Use ⌘ + scroll to zoom the map"),
    }


def base_map(tiles: str = "OpenStreetMap", asset_base: str = DEFAULT_ASSET_BASE) -> folium.Map:
    """The finder's map without any search in it: its script is the same on every rerun (in one language).

    Without jQuery: nothing on this map calls it (folium.Popup would; the clinic popups are plain Leaflet),
    and streamlit-folium loads a map's scripts one after another, so each one delays the markers on a
    visitor's first load (about 50-100 ms for jQuery, make bench)."""
    m = _new_map(tiles)
    m.default_js = [(name, url) for name, url in m.default_js if name != "jquery"]  # this map only
    # The map sits beside the list on a desktop (kept in view as the list scrolls) and across a phone's width:
    # a plain wheel or one finger over it must scroll the page, not zoom the map out to the world or pan it.
    # Leaflet.GestureHandling zooms with Ctrl (or Cmd) + wheel and moves with two fingers, and says so when a
    # plain gesture meets the map; the buttons, double-click and the keyboard zoom as before.
    m.options["gestureHandling"] = True
    m.options["gestureHandlingOptions"] = {"text": gesture_texts(), "duration": 1500}
    BaseMapExtras().add_to(m)
    return _localize(use_local_assets(m, asset_base, InlineDefaultIcon()), asset_base, FINDER_JS, FINDER_CSS)


class FitView(MacroElement):
    """Fit the search circle (`radius_miles` around `origin`) and all clinics, only when the search changed (so a
    click does not move the view), as the layer's first member: before the clinics are drawn.

    Fitted after them, the cluster drew its icons at the base map's zoom and then again at the fitted one: the
    layer's script took 85 ms instead of 74 ms at 150 clinics, and 44 ms instead of 28 ms at 20 (Chromium on a
    2-core machine, medians of 8 loads), all of it before a visitor's first markers."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var viewKey = {{ this.view_key|tojson }};
                var clinics = L.latLngBounds({{ this.marker_bounds|tojson }});
                var origin = {{ this.origin|tojson }};
                var radiusMeters = {{ this.radius_meters|tojson }};
                var Fit = L.Layer.extend({
                    onAdd: function (map) {
                        if (window.__clinicViewKey === viewKey) { return; }
                        window.__clinicViewKey = viewKey;
                        var area = clinics;
                        if (origin && radiusMeters) {  // the circle's square, as L.Circle's own bounds
                            var around = L.latLng(origin).toBounds(2 * radiusMeters);
                            area = clinics.isValid() ? around.extend(clinics) : around;
                        }
                        if (area.isValid()) {
                            map.fitBounds(area, {paddingTopLeft: {{ this.pad_tl|tojson }},
                                                 paddingBottomRight: {{ this.pad_br|tojson }},
                                                 maxZoom: {{ this.max_zoom }}, animate: false});
                        }
                    },
                    onRemove: function () {},
                    getBounds: function () { return L.latLngBounds([]); }  // adds nothing to the group's bounds
                });
                {{ this._parent.get_name() }}.addLayer(new Fit());
            })();
        {% endmacro %}
        """
    )

    def __init__(self, marker_bounds: list[list[float]], origin: tuple[float, float] | None,
                 radius_miles: float | None, view_key: str) -> None:
        super().__init__()
        self._name = "FitView"
        self.marker_bounds, self.view_key = marker_bounds, view_key
        self.origin = list(origin) if origin is not None else None
        self.radius_meters = radius_miles * METERS_PER_MILE if origin is not None and radius_miles else None
        self.pad_tl, self.pad_br = list(FIT_PAD_TOP_LEFT), list(FIT_PAD_BOTTOM_RIGHT)
        self.max_zoom = FIT_MAX_ZOOM


class ShowSelected(MacroElement):
    """Once the layer is on the map: publish it for the page (`window.__clinicLayer`), then show the selected
    clinic, restyled, with its popup open."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var group = {{ this._parent.get_name() }};
                var cluster = {{ this.cluster.get_name() }};
                var viewKey = {{ this.view_key|tojson }};
                var selected = {{ this.selected_id|tojson }};
                function run() {
                    window.__clinicLayer = {cluster: cluster, viewKey: viewKey, selected: selected};
                    if (!selected) { return; }
                    var marker = null;
                    cluster.eachLayer(function (layer) {
                        if (layer.clinic && layer.clinic.id === selected) { marker = layer; }
                    });
                    if (!marker) { return; }
                    marker.setIcon(new L.Icon.Default({className: "clinic-selected"}));
                    marker.setZIndexOffset(1000);
                    (function show(tries) {  // chunkedLoading: clustered (has __parent) once its chunk is done
                        if (!marker.__parent && tries > 0) { return setTimeout(function () { show(tries - 1); }, 50); }
                        cluster.zoomToShowLayer(marker, function () { marker.openPopup(); });
                    })(100);
                }
                if (group._map) { run(); } else { group.once("add", run); }
            })();
        {% endmacro %}
        """
    )

    def __init__(self, cluster: ClinicCluster, view_key: str, selected_id: str | None) -> None:
        super().__init__()
        self._name = "ShowSelected"
        self.cluster, self.view_key, self.selected_id = cluster, view_key, selected_id


def _localize(
    element: E, asset_base: str, scripts: Mapping[str, str] = FINDER_JS, styles: Mapping[str, str] = FINDER_CSS,
) -> E:
    """use_local_assets for a layer (st_folium adds it to the map before collecting its js/css links), with the
    finder's joined script and style files by default."""
    base = asset_base.rstrip("/")
    files = {**LOCAL_JS, **scripts}
    sheets = {**LOCAL_CSS, **styles}
    for item in _walk(element):
        if isinstance(item, folium.elements.JSCSSMixin):
            item.default_js = [(n, f"{base}/{files[n]}") for n, _ in item.default_js if n in files]
            item.default_css = [(n, f"{base}/{sheets[n]}") for n, _ in item.default_css if n in sheets]
    return element


def _marker_bounds(results: pd.DataFrame) -> list[list[float]]:
    if results.empty:
        return []
    lat, lon = results["lat"].astype(float), results["lon"].astype(float)
    return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]


def results_layer(
    results: pd.DataFrame,
    origin: tuple[float, float] | None,
    radius_miles: float | None,
    selected_id: str | None = None,
    suggest_base: str = "/Suggest_a_correction?clinic=",
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.FeatureGroup:
    """Everything of one search on the map (origin and `radius_miles` circle, clustered clinics, view fit,
    selected clinic), as the layer `st_folium(base_map(), feature_group_to_add=...)` swaps in place."""
    group = folium.FeatureGroup(name="Results", control=False)
    packed = pack_clinics(results)
    view_key = hashlib.sha256(json.dumps([packed, origin, radius_miles]).encode()).hexdigest()[:16]
    FitView(_marker_bounds(results), origin, radius_miles, view_key).add_to(group)  # first: see FitView
    _add_search_area(group, origin, radius_miles)
    cluster = ClinicCluster(packed, suggest_base, showCoverageOnHover=False, chunkedLoading=True).add_to(group)
    ShowSelected(cluster, view_key, selected_id).add_to(group)
    _localize(group, asset_base)
    return group


def popup_html(clinic: Mapping[str, Any]) -> str:
    """The popup of one clinic as HTML, every value escaped (the naive map's; ours is built in JS)."""
    name, site = escape_text(clinic["name"]), escape_text(clinic.get("site"))
    address2 = escape_text(clinic.get("address2"))
    town = f"{escape_text(clinic['city'])}, {escape_text(clinic['state'])} {escape_text(clinic['zip'])}"
    destination = urllib.parse.quote(f"{clinic['address']}, {clinic['city']}, {clinic['state']} {clinic['zip']}",
                                     safe="")
    phone = escape_text(clinic["phone"])
    digits = re.sub(r"[^0-9]", "", phone.split(" x")[0])
    parts = [f"<b>{name}</b>", site, escape_text(clinic["address"]) + (f", {address2}" if address2 else ""), town,
             f'<a href="tel:+1{digits}">{phone}</a>',
             f'<a href="{html.escape(DIRECTIONS_URL + destination)}" target="_blank" '
             'rel="noopener noreferrer">Directions</a>']
    if clinic.get("location_precision") == "zip":
        parts.append(f"<i>Approximate location (centre of ZIP {escape_text(clinic['zip'])})</i>")
    return '<div class="clinic-popup">' + "<br>".join(p for p in parts if p) + "</div>"


def build_naive_map(
    results: pd.DataFrame,
    origin: tuple[float, float] | None,
    radius_miles: float | None,
    tiles: str = "OpenStreetMap",
) -> folium.Map:
    """The same map built the usual folium way (a `folium.Marker` + `folium.Popup` per clinic, CDN assets).

    Only for `bench.py`, to show what the array-built map saves; never serve it.
    """
    m = _new_map(tiles)
    _add_search_area(m, origin, radius_miles)
    cluster = folium.plugins.MarkerCluster(control=False, showCoverageOnHover=False).add_to(m)
    for clinic in results.to_dict("records"):
        folium.Marker(
            location=(clinic["lat"], clinic["lon"]),
            popup=folium.Popup(popup_html(clinic), max_width=300),
            tooltip=escape_text(clinic["name"]),
        ).add_to(cluster)
    _fit_view(m, results, origin, radius_miles)
    return m


# ---- mapping a click back to a clinic ----


def clinic_id_from_tooltip(tooltip: str | None) -> str | None:
    """The clinic id in a marker's tooltip text as streamlit-folium returns it, or None."""
    match = TOOLTIP_ID.search(tooltip or "")
    return match.group(1) if match else None


def clinic_at(
    results: pd.DataFrame, lat: float | None, lng: float | None, tooltip: str | None = None
) -> str | None:
    """The id of the clicked clinic in `results`, or None.

    With streamlit-folium's `last_object_clicked_tooltip` the id is read from it (reliable). Otherwise
    only the position (degrees) is known: it names a clinic only if exactly one sits there, because many
    clinics share a ZIP centre and a spiderfied cluster moves markers away from their true position.
    """
    ids = set(results["id"]) if not results.empty else set()
    if tooltip is not None:
        found = clinic_id_from_tooltip(tooltip)
        return found if found in ids else None
    if lat is None or lng is None or results.empty:
        return None
    here = np.flatnonzero(
        (np.abs(results["lat"].to_numpy(dtype=float) - lat) < 1e-6)
        & (np.abs(results["lon"].to_numpy(dtype=float) - lng) < 1e-6)
    )
    return str(results["id"].iloc[here[0]]) if len(here) == 1 else None


def clicked_clinic_id(results: pd.DataFrame, map_state: Mapping[str, Any] | None) -> str | None:
    """The clinic id behind the value `st_folium` returned (tooltip first, else the clicked position)."""
    if not map_state:
        return None
    tooltip = map_state.get("last_object_clicked_tooltip")
    clicked = map_state.get("last_object_clicked") or {}
    return clinic_at(results, clicked.get("lat"), clicked.get("lng"), tooltip)


# ---- what streamlit-folium sends to the browser ----
# A port of streamlit_folium 0.27.4's st_folium() preparation (MIT licence, randyzwitch/streamlit-folium):
# importing streamlit_folium would import streamlit, which this package never does. tests/test_mapview.py
# checks that this port gives the same output as the installed streamlit_folium.

_SUFFIX = re.compile("_[a-z0-9]+(?!_)")
_ELEMENT_REF = re.compile(r"\{\{\s*'([A-Za-z_$][A-Za-z0-9_$]*)'\s*\}\}")


def _full_id(m: Element) -> str:
    return f"{m._name.lower()}_{m._id}"


def _leaflet_string(m: Element, base_id: str, mappings: dict[str, str]) -> str:
    mappings[m._id] = base_id
    with contextlib.suppress(AttributeError):
        element_id = m.element_name.replace("map_", "").replace("tile_layer_", "")
        parent_id = m.element_parent_name.replace("map_", "").replace("tile_layer_", "")
        if element_id not in mappings:
            mappings[element_id] = m._parent._id
        if parent_id not in mappings:
            mappings[parent_id] = m._parent._parent._id
    m._id = base_id
    try:
        leaflet = m._template.module.script(m)
    except UndefinedError:
        leaflet = m._template.render(this=m, kwargs={})
    for index, child in enumerate(m._children.values()):
        with contextlib.suppress(UndefinedError, AttributeError):
            leaflet += "\n" + _leaflet_string(child, f"{base_id}_{index}", mappings)
    return leaflet


def _map_script(m: folium.Map) -> str:
    mappings: dict[str, str] = {}
    leaflet = _leaflet_string(m, "div", mappings)

    def replace(match: re.Match[str]) -> str:
        text = match.group()
        replacement = mappings.get(text.strip("_"))
        return text.replace(text.strip("_"), replacement) if replacement else text

    leaflet = _ELEMENT_REF.sub(r"\1", _SUFFIX.sub(replace, leaflet))
    leaflet = leaflet.replace("alert(coords);", "")
    leaflet = re.sub(r"drawnItems_draw_control_div_\d+", "drawnItems", leaflet)
    leaflet = dedent(leaflet)
    if "drawnItems" not in leaflet:
        leaflet += "\nvar drawnItems = [];"
    return leaflet


def _header(m: folium.Map) -> str:
    header = m.get_root().header.render()
    header = re.sub(
        r'<script\b[^>]*\bsrc=["\'][^"\']*["\'][^>]*>.*?</script\b[^>]*>', "", header, flags=re.IGNORECASE | re.DOTALL
    )
    header = re.sub(r'<link rel="stylesheet" href=".*?"/>', "", header)
    header = re.sub(r'(L\.Icon\.Default\.imagePath\s*=\s*["\'])([^"\']*?/dist)(["\'])', r"\1\2/images/\3", header)
    return header.replace(_full_id(m), "map_div")


def asset_links(m: folium.Map) -> tuple[list[str], list[str]]:
    """The style and script files of `m` and everything on it, each once, in st_folium's order."""
    css_links: list[str] = []
    js_links: list[str] = []
    for element in _walk(m):
        if isinstance(element, folium.elements.JSCSSMixin):
            css_links.extend(href for _, href in element.default_css)
            js_links.extend(src for _, src in element.default_js)
    return list(dict.fromkeys(css_links)), list(dict.fromkeys(js_links))


def map_payload(m: folium.Map) -> dict[str, Any]:
    """What `st_folium(m)` sends to the browser (script, header, html, css_links, js_links) and its size
    in bytes as JSON (`bytes`). Renumbers the map's element ids the way st_folium does."""
    m.get_root().render()
    m.render()
    html_part = re.sub(r'<div class="folium-map" id=".*" ></div>', "", m.get_root().html.render()).strip()
    header = _header(m)
    script = _map_script(m)
    css_links, js_links = asset_links(m)
    payload: dict[str, Any] = {
        "script": script,
        "header": header,
        "html": html_part,
        "id": _full_id(m),
        "css_links": css_links,
        "js_links": js_links,
    }
    payload["bytes"] = len(json.dumps(payload).encode("utf-8"))  # Streamlit sends json.dumps(args)
    return payload
