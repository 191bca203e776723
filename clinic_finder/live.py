"""The clinic list as the finder serves it: fresh after every edit, and never broken by a bad edit.

`LiveClinics.current()` looks at the file's modification time and size on every call (one `stat`), and
re-reads the file only when they change, so staff edits (in the app, in Excel, through git) show up on the
next interaction. If the new file is invalid, the last valid list keeps being served and the problems are
kept for the staff page. If there has never been a valid list in this process (the app started on a
broken file), the newest valid backup is served instead.

One `LiveClinics` serves every session, in every language: the problems are said in the language of the run
that asks (`LiveState.problems`), worked out once per language for each version of the file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from clinic_finder import files
from clinic_finder.csvfile import Problem, parse_clinics_csv
from clinic_finder.i18n import _, current_language
from clinic_finder.search import SearchIndex
from clinic_finder.store import backup_files, fingerprint_bytes, read_audit_log


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
    try:
        return files.version(path)
    except OSError:  # unreadable counts as missing: the last valid list keeps being served
        return None


class LiveClinics:
    """Serves the newest valid clinic list from `path`; thread-safe (Streamlit sessions run in threads)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._good: Snapshot | None = None
        self._seen_key: tuple[int, int, int] | None = None
        # Why the file on disk is not served (None: it is), as a function of the run's language, and what it
        # said in each language so far.
        self._why: Callable[[], list[Problem]] | None = None
        self._said: dict[str, list[Problem]] = {}
        self.reads = 0  # how many times the file was actually read and parsed (tests check caching with it)

    def current(self) -> LiveState:
        """The list to serve now, re-reading the file only if its mtime or size changed."""
        with self._lock:
            key = _file_key(self.path)
            if key is None:
                self._seen_key = None
                name = self.path.name
                self._set_problems(lambda: [Problem(_("the clinics file {name} is missing").format(name=name))])
            elif key != self._seen_key:
                self._seen_key = key
                self._load(key)
            if self._good is None:
                self._good = self._newest_valid_backup()
            return LiveState(self._good, self._problems_now())

    def _set_problems(self, why: Callable[[], list[Problem]] | None, said: list[Problem] | None = None) -> None:
        self._why = why
        self._said = {current_language(): said} if said is not None else {}

    def _problems_now(self) -> list[Problem]:
        """Why the file on disk is not served, in this run's language (a copy: callers may change it)."""
        if self._why is None:
            return []
        language = current_language()
        if language not in self._said:
            self._said[language] = self._why()
        return list(self._said[language])

    def _load(self, key: tuple[int, int, int]) -> None:
        try:
            data = self.path.read_bytes()
        except OSError as error:
            name, reason = self.path.name, error.strerror or error
            self._set_problems(lambda: [Problem(_("could not read {path}: {reason}").format(path=name, reason=reason))])
            return
        self.reads += 1
        result = parse_clinics_csv(data)
        if result.ok and result.clinics is not None and self._cut_short(data, len(result.clinics)):
            had, has, name = len(self._good.clinics) if self._good else 0, len(result.clinics), self.path.name
            self._set_problems(lambda: [Problem(_(
                "{name} now has {has} clinics where the list had {had}: it may have been cut short (a copy that did "
                "not finish, a spreadsheet saved while filtered). The finder keeps serving the {had}. Restore a "
                "backup or fix the file; if the shorter list is meant, restart the app, or save it through the "
                "Staff page or the command line, which record it."
            ).format(name=name, has=has, had=had))])
        elif result.ok and result.clinics is not None:
            self._good = Snapshot(result.clinics, SearchIndex.build(result.clinics), key, str(self.path))
            self._set_problems(None)
        else:
            # Another language's problems come from checking the same bytes again, in that language.
            self._set_problems(lambda: parse_clinics_csv(data).problems, result.problems)

    def _cut_short(self, data: bytes, count: int) -> bool:
        """True when a valid file holds under half the clinics served, and no recorded save wrote it.

        Why: a file cut at a row boundary (a copy that did not finish, a spreadsheet saved while filtered) is
        valid, and would hide the missing clinics from every visitor without a word. A save through the app or
        the command line (lock, backup, audit log) is meant, so it is served."""
        if self._good is None or count >= len(self._good.clinics) / 2 or len(self._good.clinics) - count < 10:
            return False
        written = fingerprint_bytes(data)
        return not any(entry.get("fingerprint") == written for entry in read_audit_log(self.path, recover=False))

    def _newest_valid_backup(self) -> Snapshot | None:
        for backup in reversed(backup_files(self.path)):  # newest first
            result = parse_clinics_csv(backup.read_bytes())
            if result.ok and result.clinics is not None:
                key = _file_key(backup) or (0, 0, 0)
                return Snapshot(result.clinics, SearchIndex.build(result.clinics), key, str(backup))
        return None
