"""Find intensive outpatient programs (IOP) for addiction and co-occurring mental-health care.

All logic lives here as plain functions; nothing in this package imports streamlit.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINICS_CSV = PROJECT_ROOT / "data" / "clinics.csv"
