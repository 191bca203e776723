"""Today's date, in one place.

Every "checked today" and "not in the future" in the package asks `today()`: the tests hold it to the day the
suite started, so a run that crosses midnight still compares a save's date with the date it expects.
"""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """The server's local date."""
    return dt.date.today()
