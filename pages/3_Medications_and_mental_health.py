"""Explainer page: Medications and mental health (the words are in content/medications-and-mental-health.md)."""

from views.explainer import show_explainer_page

show_explainer_page("medications-and-mental-health")
