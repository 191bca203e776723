"""Explainer page: Questions people ask (FAQ) (the words are in content/faq.md)."""

from views.explainer import show_explainer_page

show_explainer_page("faq")
