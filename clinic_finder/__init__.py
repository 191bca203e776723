"""Find intensive outpatient programs (IOP) for addiction and co-occurring mental-health care.

All logic lives here as plain functions; nothing in this package imports streamlit.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINICS_CSV = PROJECT_ROOT / "data" / "clinics.csv"


def data_path() -> Path:
    """The clinics CSV the app serves: $CLINIC_FINDER_DATA if set (tests, other deployments), else data/clinics.csv."""
    import os

    configured = os.environ.get("CLINIC_FINDER_DATA", "").strip()
    return Path(configured) if configured else DEFAULT_CLINICS_CSV
