"""Starting nginx with the RTMP module for a test, on the configuration the provider writes."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from socialflow.builtins.nginx_live.config import MODULE, NginxLayout, nginx_config
from socialflow.builtins.nginx_live.provider import NginxRtmpStreaming
from socialflow.testing.services import require_binary, skip_or_fail
from socialflow.testing.waiting import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


@contextlib.contextmanager
def running_nginx(
    provider: NginxRtmpStreaming, *, callback_base: str, prefix: Path
) -> Iterator[Path]:
    """nginx in the foreground on the provider's ports; yields its error log, stopped after."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx or not Path(MODULE).exists():
        skip_or_fail("nginx with the RTMP module is not installed (libnginx-mod-rtmp)")
    prefix.mkdir(parents=True, exist_ok=True)
    # nginx logs stream names (keys) and callback URLs at "info": tests keep the
    # operator's level, so that they would see a key leaking into the log.
    layout = NginxLayout(prefix=prefix, user="root" if os.geteuid() == 0 else None)
    text = nginx_config(
        provider, callback_base=callback_base, layout=layout, ffmpeg=require_binary("ffmpeg")
    )
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    provider.registry.ensure()
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(prefix / "stderr.log").open("wb"),
        start_new_session=True,
    )
    try:
        control_port = int(provider.config.control_url.split(":")[2].split("/")[0])
        wait_until(
            lambda: (
                process.poll() is not None
                or (_listening(provider.config.rtmp_port) and _listening(control_port))
            ),
            timeout=10,
            what="nginx listening",
        )
        assert process.poll() is None, (prefix / "stderr.log").read_text()
        yield prefix / "error.log"
    finally:
        # SIGQUIT: nginx's graceful stop, which also ends exec_push children.
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(3)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
