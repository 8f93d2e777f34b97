"""The nginx.conf of the ``nginx-rtmp`` provider, as ``socialflow live nginx-config`` writes it.

What it sets up, and why:

* ``on_publish`` / ``on_publish_done`` call the live app with the callback
  secret in the URL: nginx waits for the answer before taking the stream, so
  a wrong key is refused before a byte of video is kept.
* ``exec_push`` runs ffmpeg per publish; ``$name`` is the broadcast ref the
  callback answered with (a redirect), never the key. ffmpeg pulls the
  stream back from nginx (``-rw_timeout``: a stalled stream ends it) and
  writes the HLS ladder; ``exec_kill_signal term`` lets it close its
  playlists when the publisher leaves; one that dies is started again after
  a second (``respawn_timeout``) and continues the playlists (``append_list``).
* ``allow play 127.0.0.1``: viewers get HLS from socialflow, RTMP playback is
  only for that ffmpeg.
* ``rtmp_control`` on a loopback HTTP port: how the provider drops publishers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from socialflow.builtins.local_live.ladder import LiveRung, ladder_arguments
from socialflow.builtins.nginx_live.provider import NginxRtmpStreaming

MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


@dataclass(frozen=True)
class NginxLayout:
    """Where nginx keeps its own files (pid, logs, temp folders) and who its workers are."""

    prefix: Path
    user: str | None = None
    module: str = MODULE
    worker_processes: int = 1
    log_level: str = "warn"


def _quote(argument: str) -> str:
    """One exec_push argument as an nginx token: double-quoted when it has to be."""
    if argument and all(c.isalnum() or c in "-_./:=+,%$" for c in argument):
        return argument
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def exec_push_command(provider: NginxRtmpStreaming, ffmpeg: str) -> str:
    """The ``exec_push`` line's arguments: ffmpeg pulling ``$name`` back and making the ladder."""
    config = provider.config
    source = f"rtmp://127.0.0.1:{config.rtmp_port}/{config.application}/$name"
    arguments = [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-rw_timeout",
        str(int(config.rw_timeout * 1_000_000)),
        "-i",
        source,
        *ladder_arguments(
            out_dir=f"{provider.registry.broadcasts}/$name",
            rungs=[LiveRung(h) for h in sorted(set(config.renditions), reverse=True)],
            segment_seconds=config.segment_seconds,
            preset=config.preset,
            append=True,
        ),
    ]
    return " ".join(_quote(a) for a in arguments)


def nginx_config(
    provider: NginxRtmpStreaming, *, callback_base: str, layout: NginxLayout, ffmpeg: str
) -> str:
    """The whole nginx.conf: ``callback_base`` is the API's base URL as nginx reaches it
    (``http://127.0.0.1:8000/api/v1``)."""
    config = provider.config
    secret = config.callback_secret.get_secret_value() if config.callback_secret else ""
    if not secret:
        raise ValueError("set [plugin.nginx_rtmp] callback_secret first")
    control = urlsplit(config.control_url)
    if control.hostname is None or control.port is None:
        raise ValueError("control_url needs a host and a port (http://127.0.0.1:8088/control)")
    callbacks = callback_base.rstrip("/") + "/live/nginx"
    prefix = layout.prefix
    user = f"user {layout.user};\n" if layout.user else ""
    return f"""# Written by `socialflow live nginx-config`: the nginx-rtmp streaming provider.
# Holds the callback secret: readable by nginx and the operator only.
load_module {layout.module};
{user}worker_processes {layout.worker_processes};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log {layout.log_level};

events {{
    worker_connections 1024;
}}

rtmp {{
    server {{
        listen {config.rtmp_host}:{config.rtmp_port};
        chunk_size 4096;

        application {config.application} {{
            live on;
            record off;
            allow play 127.0.0.1;
            deny play all;
            notify_method post;
            on_publish {callbacks}/on_publish?secret={secret};
            on_publish_done {callbacks}/on_publish_done?secret={secret};
            exec_kill_signal term;
            respawn_timeout 1s;
            exec_push {exec_push_command(provider, ffmpeg)};
        }}
    }}
}}

http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    server {{
        listen {control.hostname}:{control.port};
        location {control.path or "/control"} {{
            rtmp_control all;
        }}
    }}
}}
"""


def shell_line(prefix: Path, conf: Path) -> str:
    """How to start nginx on the written file (printed for the operator)."""
    return f"nginx -p {shlex.quote(str(prefix))} -c {shlex.quote(str(conf))}"
