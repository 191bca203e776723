"""The clinic list as the finder serves it: fresh after every edit, and never broken by a bad edit.

`LiveClinics.current()` looks at the file's modification time and size on every call (one `stat`), and
re-reads the file only when they change, so staff edits (in the app, in Excel, through git) show up on the
next interaction. If the new file is invalid, the last valid list keeps being served and the problems are
kept for the staff page. If there has never been a valid list in this process (the app started on a
broken file), the newest valid backup is served instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clinic_finder.csvfile import Problem, parse_clinics_csv
from clinic_finder.search import SearchIndex
from clinic_finder.store import backup_files


@dataclass(frozen=True)
class Snapshot:
    """One valid version of the list, with its search index."""

    clinics: pd.DataFrame
    index: SearchIndex
    key: tuple[int, int, int]  # (st_mtime_ns, st_size, st_ino) of the file it was read from
    origin: str  # the file it came from (the live file or a backup)


@dataclass(frozen=True)
class LiveState:
    snapshot: Snapshot | None  # None only when no valid list exists anywhere
    problems: list[Problem] = field(default_factory=list)  # why the file on disk is not being served

    @property
    def stale(self) -> bool:
        """True when the list served is not what is on disk right now."""
        return bool(self.problems)


def _file_key(path: Path) -> tuple[int, int, int] | None:
    # The inode too: an atomic save (write + rename) makes a new file even within one mtime tick.
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


class LiveClinics:
    """Serves the newest valid clinic list from `path`; thread-safe (Streamlit sessions run in threads)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._good: Snapshot | None = None
        self._seen_key: tuple[int, int, int] | None = None
        self._problems: list[Problem] = []
        self.reads = 0  # how many times the file was actually parsed (tests check caching with it)

    def current(self) -> LiveState:
        """The list to serve now, re-reading the file only if its mtime or size changed."""
        with self._lock:
            key = _file_key(self.path)
            if key is None:
                self._seen_key = None
                self._problems = [Problem(f"the clinics file {self.path.name} is missing")]
            elif key != self._seen_key:
                self._seen_key = key
                self._load(key)
            if self._good is None:
                self._good = self._newest_valid_backup()
            return LiveState(self._good, list(self._problems))

    def _load(self, key: tuple[int, int, int]) -> None:
        try:
            data = self.path.read_bytes()
        except OSError as error:
            self._problems = [Problem(f"could not read {self.path.name}: {error.strerror or error}")]
            return
        self.reads += 1
        result = parse_clinics_csv(data)
        if result.ok and result.clinics is not None:
            self._good = Snapshot(result.clinics, SearchIndex.build(result.clinics), key, str(self.path))
            self._problems = []
        else:
            self._problems = result.problems

    def _newest_valid_backup(self) -> Snapshot | None:
        for backup in reversed(backup_files(self.path)):  # newest first
            result = parse_clinics_csv(backup.read_bytes())
            if result.ok and result.clinics is not None:
                key = _file_key(backup) or (0, 0, 0)
                return Snapshot(result.clinics, SearchIndex.build(result.clinics), key, str(backup))
        return None
