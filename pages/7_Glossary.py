"""Glossary: one entry per searchable service, anchored by its glossary slug (words in content/glossary.md)."""

from views.explainer import show_glossary

show_glossary()
