"""The finder: type a ZIP code or a place, tick what you need, see the nearest IOPs on a map and in a list.

Thin on purpose: the page is `views.finder`; the rules are in `clinic_finder`.
"""

from views.finder import show_finder

show_finder()
