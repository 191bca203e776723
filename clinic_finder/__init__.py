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


PROCESSES_ENV_VAR = "CLINIC_FINDER_PROCESSES"


def server_processes() -> int:
    """How many server processes share the visitors ($CLINIC_FINDER_PROCESSES, set by `make serve`; else 1).

    The sign-in throttles and the suggestion limit count in each process's memory: with several processes
    behind one address, each takes its share of the limits, so all of them together hold to one server's."""
    value = os.environ.get(PROCESSES_ENV_VAR, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1
