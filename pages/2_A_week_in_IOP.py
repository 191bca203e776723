"""Explainer page: What a week looks like (the words are in content/a-week-in-iop.md)."""

from views.explainer import show_explainer_page

show_explainer_page("a-week-in-iop")
