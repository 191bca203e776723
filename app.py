"""Finder page (placeholder until the finder issue lands): the clinics as a table."""

import streamlit as st

from clinic_finder import DEFAULT_CLINICS_CSV
from clinic_finder.csvfile import read_clinics_csv

st.set_page_config(page_title="IOP Finder — Illinois & Texas", page_icon="🧭", layout="wide")
st.title("Intensive outpatient programs in Illinois and Texas")
result = read_clinics_csv(DEFAULT_CLINICS_CSV)
if result.clinics is None:
    st.info("The clinic list is being updated. Please try again in a few minutes, or call 1-800-662-4357.")
else:
    st.dataframe(result.clinics, hide_index=True)
