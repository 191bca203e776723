"""The bare page the load bench compares the finder with: Streamlit holding an empty `st_folium` map.

Leaflet comes from the app's vendored copies (`static` here links to the project's), as on the finder, so
the page contacts no third party; the map has no tiles, nothing on it and no other plugin.
"""

import folium
from streamlit_folium import st_folium

VENDOR = "/app/static/vendor/leaflet-1.9.4"

bare = folium.Map(location=(41.95, -87.66), zoom_start=10, tiles=None)
bare.default_js = [("leaflet", f"{VENDOR}/leaflet.js")]
bare.default_css = [("leaflet_css", f"{VENDOR}/leaflet.css")]
st_folium(bare, key="map", height=460)
