"""Child processes that never outlive the command that started them.

``socialflow serve`` starts a Celery worker (with beat) as a child process.
Whatever ends serve, the worker must end too:

* SIGTERM or Ctrl-C: :func:`exit_on_sigterm` makes both exceptions, so
  the ``finally`` that stops the worker runs. (uvicorn catches both while it
  serves, shuts down, then raises the same signal again; with Python's default
  SIGTERM handler that killed serve on the spot, skipping every ``finally``.)
* serve killed outright (SIGKILL, a crash): the child asked Linux to send it
  SIGTERM when its parent dies (:func:`die_with_parent`, ``PR_SET_PDEATHSIG``),
  and, on every platform, watches its parent pid (:func:`watch_parent`).

SIGTERM is a Celery worker's warm shutdown: the task at hand finishes, beat and
the pool stop with it. :func:`stop_child` gives it a grace period, then kills
the child's whole process group.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

# From <linux/prctl.h>: "send me this signal when my parent dies".
PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 1.0


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes Linux SIGTERM the child when its parent dies; None elsewhere.

    libc is looked up here, in the parent: between fork and exec the child
    should do as little as possible (one system call).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)

    return arm


def watch_parent(parent_pid: int, *, interval: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """Send this process SIGTERM once ``parent_pid`` is no longer its parent (it died).

    The portable half of :func:`die_with_parent`: an orphan is adopted by
    another process (init, a subreaper), so its parent pid changes. Also covers
    a parent that died between fork and ``prctl``.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="socialflow-watch-parent", daemon=True)
    thread.start()
    return thread


def stop_child(process: subprocess.Popen[bytes], *, grace: float = 15) -> None:
    """SIGTERM ``process``; after ``grace`` seconds, SIGKILL its process group.

    The child must lead its own process group (``start_new_session=True``), so
    the kill also reaches what it started (Celery's pool processes, beat).
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class Terminated(SystemExit):
    """SIGTERM arrived: unwind (running ``finally`` blocks) and exit with 128 + 15."""


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(128 + signum)


def exit_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated`, as SIGINT raises KeyboardInterrupt,
    so that cleanup code in ``finally`` blocks runs however the process is asked to stop."""
    signal.signal(signal.SIGTERM, _raise_terminated)
