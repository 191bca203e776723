"""Streamlit view code for every page: widgets in, `clinic_finder` calls, elements out.

`common` (page frame, language, menu, crisis lines), `finder`, `explainer`, `staff`, `suggest`.
"""
