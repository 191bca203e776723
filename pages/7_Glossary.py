"""Glossary: one entry per searchable service, anchored by its glossary slug (words in content/glossary.md)."""

from explainer_view import show_glossary

show_glossary()
