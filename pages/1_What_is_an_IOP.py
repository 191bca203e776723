"""Explainer page: What is an IOP? (the words are in content/what-is-an-iop.md)."""

from views.explainer import show_explainer_page

show_explainer_page("what-is-an-iop")
