"""Explainer page: IOP or residential rehab? (the words are in content/iop-or-residential.md)."""

from views.explainer import show_explainer_page

show_explainer_page("iop-or-residential")
