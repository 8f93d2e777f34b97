"""Server memory under oversized request bodies: N concurrent huge bodies to the login route.

Starts ``socialflow serve`` the way a user does (a fresh temporary project,
default settings, the embedded worker), then sends ``--clients`` concurrent
``--size-mb`` bodies to ``POST /api/v1/auth/login`` (no authentication
needed): first with a ``Content-Length``, then chunked (no length), each on
its own connection from its own thread. Each client keeps sending until the
server answers or closes the connection. Reported: the API process's resident
memory before the load and its peak (``VmHWM`` in ``/proc/<pid>/status``,
which the kernel keeps, so no sample is missed), and the answers.

    .venv/bin/python -m benchmarks.body_limit_memory [--clients 8] [--size-mb 250]

``--max-body-bytes`` sets ``SOCIALFLOW_MAX_BODY_BYTES`` for the server, e.g.
to a value above the body size to see what buffering the bodies would cost.
Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from socialflow.testing.processes import stop_process_group
from socialflow.testing.server import free_port

PIECE = 1024 * 1024


def memory_kb(pid: int, field: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for pid {pid}")


def start_serve(project: Path, port: int, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")}
    env.update(extra_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "socialflow", "serve", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(project / "serve.log").open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("socialflow serve did not start: " + (project / "serve.log").read_text())


def send_huge_body(port: int, size: int, chunked: bool, answers: list[str]) -> None:
    """One client: the head, then 1 MiB pieces until done or the server stops listening."""
    length = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: bench\r\n"
        b"Content-Type: application/json\r\n" + length + b"\r\n\r\n"
    )
    piece = b"x" * PIECE
    framed = b"%x\r\n%s\r\n" % (PIECE, piece) if chunked else piece
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        try:
            sock.sendall(head)
            while sent < size:
                sock.sendall(framed)
                sent += PIECE
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: what a limit looks like
        try:
            status_line = sock.recv(4096).split(b"\r\n", 1)[0].decode()
        except OSError as exc:
            status_line = f"connection {type(exc).__name__}"
    answers.append(f"{status_line or 'closed'} after {sent // PIECE} MiB sent")


def attack(port: int, clients: int, size: int, chunked: bool) -> tuple[float, list[str]]:
    answers: list[str] = []
    threads = [
        threading.Thread(target=send_huge_body, args=(port, size, chunked, answers))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--size-mb", type=int, default=250)
    parser.add_argument("--max-body-bytes", type=int, default=None)
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    extra_env = {}
    if args.max_body_bytes is not None:
        extra_env["SOCIALFLOW_MAX_BODY_BYTES"] = str(args.max_body_bytes)
    with tempfile.TemporaryDirectory(prefix="socialflow-bodylimit-") as folder:
        project = Path(folder)
        port = free_port()
        server = start_serve(project, port, extra_env)
        try:
            idle = memory_kb(server.pid, "VmRSS")
            print(f"socialflow serve (pid {server.pid}) idle RSS: {idle / 1024:.0f} MB")
            for chunked in (False, True):
                kind = "chunked" if chunked else "Content-Length"
                seconds, answers = attack(port, args.clients, size, chunked)
                peak = memory_kb(server.pid, "VmHWM")
                print(
                    f"{args.clients} x {args.size_mb} MB, {kind}: {seconds:.1f} s, "
                    f"peak RSS so far {peak / 1024:.0f} MB"
                )
                for answer in sorted(set(answers)):
                    print(f"    {answers.count(answer)} x {answer}")
            alive = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code
            now = memory_kb(server.pid, "VmRSS")
            print(f"afterwards: /healthz {alive}, RSS {now / 1024:.0f} MB")
        finally:
            stop_process_group(server, timeout=20)


if __name__ == "__main__":
    main()
