"""Writing files so that a crash or a power cut leaves the old file or the new one, never half of one.

Used by every file the app writes: the clinics list (`store`), the staff accounts (`accounts`) and the
suggestion queue (`suggestions`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def version(path: Path) -> tuple[int, int, int] | None:
    """(mtime_ns, size, inode) of `path`, None if there is no file: changes whenever the file does (the inode
    too: an atomic save renames a new file in, even within one mtime tick). Other OSErrors propagate."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so that a rename in it survives a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_temp(path: Path, data: bytes) -> Path:
    """`data` in a new fsynced temp file beside `path` (same folder: renaming it over `path` is atomic).

    mkstemp creates it readable by its owner only (0600), which the accounts file relies on.
    """
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return Path(temp_name)


def replace_with(temp: Path, path: Path) -> None:
    """Rename the temp file over `path` (atomic on POSIX) and flush the folder; the temp goes on failure."""
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file, fsync, rename, fsync the folder."""
    replace_with(write_temp(path, data), path)
