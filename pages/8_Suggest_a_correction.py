"""Suggest a correction: a visitor's note about one clinic (`?clinic=<id>`), opened from a result card or the map.

Thin on purpose: the page is `views.suggest`; the queue and its limits are in `clinic_finder.suggestions`.
"""

from views.suggest import show_suggest

show_suggest()
