"""Running a service's emulator (moto, Azurite, gcp-storage-emulator...) for a test session.

Plugin test suites start the official emulator of their service on
127.0.0.1 with :func:`background_service`, which waits until the port
answers, keeps the emulator's output in a log file, and stops the process
(and its children: ``npx`` starts node) when the block ends::

    @pytest.fixture(scope="session")
    def s3_endpoint(tmp_path_factory):
        port = free_port()
        with background_service(
            ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
            port=port,
            log=tmp_path_factory.mktemp("moto") / "moto.log",
        ):
            yield f"http://127.0.0.1:{port}"
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from socialflow.testing.server import free_port

__all__ = [
    "ServiceStartError",
    "background_service",
    "free_port",
    "port_open",
    "stop_process_group",
]


class ServiceStartError(RuntimeError):
    """The emulator exited or never opened its port; the message holds its log's tail."""


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def background_service(
    command: Sequence[str],
    *,
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command``, wait until 127.0.0.1:``port`` accepts, stop it afterwards."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,  # its own process group: we stop node's children too
        )
    try:
        deadline = time.monotonic() + timeout
        while not port_open(port):
            if process.poll() is not None:
                raise ServiceStartError(
                    f"{command[0]} exited with {process.returncode}:\n{_tail(log)}"
                )
            if time.monotonic() > deadline:
                raise ServiceStartError(
                    f"{command[0]} did not open port {port} in {timeout}s:\n{_tail(log)}"
                )
            time.sleep(0.1)
        yield process
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Stop a process started with ``start_new_session=True`` and its children: SIGTERM
    to its group, SIGKILL after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
