"""Serving the finder to many visitors: nginx in front of several Streamlit processes (`make serve`)."""
