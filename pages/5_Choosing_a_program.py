"""Explainer page: Choosing and calling a program (the words are in content/choosing-a-program.md)."""

from views.explainer import show_explainer_page

show_explainer_page("choosing-a-program")
