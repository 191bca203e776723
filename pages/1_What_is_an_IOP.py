"""Explainer page: What is an IOP? (the words are in content/what-is-an-iop.md)."""

from explainer_view import show_explainer_page

show_explainer_page("what-is-an-iop")
