"""Helpers for the tests that run real processes (and kill them): a fork server, and waiting on processes.

A test module writes its workers as Python source defining functions; `Forker(source, names)` starts one
interpreter that imports the package once and forks a worker per command, so each worker starts at once
(a fresh interpreter per worker would take longer than the moments the tests aim their kills at).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from tests.conftest import ROOT

_LOOP = r"""
print("ready", flush=True)
for line in sys.stdin:
    command, *args = line.split()
    pid = os.fork()
    if pid == 0:
        try:
            COMMANDS[command](*args)
        finally:
            os._exit(0)
    print(pid, flush=True)
"""


class Forker:
    """A fork server running `source` (which must import os and sys); `fork(name, *args)` starts a worker."""

    def __init__(self, source: str, commands: Sequence[str]) -> None:
        table = "COMMANDS = {" + ", ".join(f"{name!r}: {name}" for name in commands) + "}\n"
        self.process = subprocess.Popen([sys.executable, "-c", source + "\n" + table + _LOOP], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"

    def fork(self, *command: str) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(command) + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll until `condition()`; the timeout only stops a hung test, no assertion depends on speed."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.002)
