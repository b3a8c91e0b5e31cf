"""Task processes: start one attempt in its own process group, wait with a deadline, stop it.

A task runs ``python -m lakeforge.jobs.launcher <context.json>`` in a new session, so a
timeout or cancel reaches the task's own children too: the group gets ``SIGTERM``, then
``SIGKILL`` after a grace period if anything is still alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.05
DEFAULT_GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class Finished:
    """How a task process ended."""

    exit_code: int | None
    timed_out: bool = False
    canceled: bool = False


def launcher_command(context_file: Path, python: str | None = None) -> list[str]:
    """The command that runs one task attempt described by ``context_file``."""
    return [python or sys.executable, "-m", "lakeforge.jobs.launcher", str(context_file)]


def start(
    command: list[str], cwd: Path, env: Mapping[str, str], log_file: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new process group, stdout and stderr appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], grace_s: float = DEFAULT_GRACE_S) -> None:
    """Terminate the process group, then kill it if it outlives ``grace_s``."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            # the leader is gone; make sure no child of the group lingers
            os.killpg(proc.pid, signal.SIGKILL)
        except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
            continue
        return


def wait(
    proc: subprocess.Popen[bytes],
    timeout_s: float | None,
    cancel: threading.Event | None = None,
    grace_s: float = DEFAULT_GRACE_S,
) -> Finished:
    """Wait for ``proc``; stop it at the deadline (``timeout_s``; None or 0: none) or on cancel."""
    deadline = time.monotonic() + timeout_s if timeout_s else None
    while True:
        try:
            code = proc.wait(timeout=POLL_S)
            return Finished(code)
        except subprocess.TimeoutExpired:
            pass
        if cancel is not None and cancel.is_set():
            stop(proc, grace_s)
            return Finished(proc.returncode, canceled=True)
        if deadline is not None and time.monotonic() >= deadline:
            stop(proc, grace_s)
            return Finished(proc.returncode, timed_out=True)


__all__ = ["DEFAULT_GRACE_S", "Finished", "launcher_command", "start", "stop", "wait"]
