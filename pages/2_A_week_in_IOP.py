"""Explainer page: What a week looks like (the words are in content/a-week-in-iop.md)."""

from explainer_view import show_explainer_page

show_explainer_page("a-week-in-iop")
