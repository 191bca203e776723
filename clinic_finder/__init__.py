"""Find intensive outpatient programs (IOP) for addiction and co-occurring mental-health care.

All logic lives here as plain functions; nothing in this package imports streamlit.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINICS_CSV = PROJECT_ROOT / "data" / "clinics.csv"
DATA_ENV_VAR = "CLINIC_FINDER_DATA"


def data_path() -> Path:
    """The clinics CSV in use: $CLINIC_FINDER_DATA when set (tests, deployments), else data/clinics.csv."""
    value = os.environ.get(DATA_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else DEFAULT_CLINICS_CSV
