"""Where ``socialflow serve`` listens, and the ``public_url`` that follows from it.

Playback and thumbnail URLs, mail links and the token issuer are built from
``public_url``. Left unset, it follows the server: ``serve --port 8123`` (and
``demo --port 8123``) hands out ``http://127.0.0.1:8123`` URLs, and so does
its embedded worker, which reads the same ``SOCIALFLOW_PUBLIC_URL``. Set, it
wins, and a value that does not point at this server is reported at start and
by ``socialflow doctor`` (right behind a proxy, a mistake otherwise).

Kept free of heavy imports: the CLI loads it at start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from socialflow.core.settings import ENV_PREFIX, Settings

PUBLIC_URL_ENV = f"{ENV_PREFIX}PUBLIC_URL"
LISTENER_FILE = "listener.json"
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def local_url(host: str, port: int) -> str:
    """The URL a client on this machine uses for a server bound to ``host:port``.

    A wildcard bind (``0.0.0.0``, ``::``) is reached at ``127.0.0.1``.
    """
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def public_url_is_set(settings: Settings) -> bool:
    """Whether ``public_url`` came from the environment, ``socialflow.toml`` or code."""
    return "public_url" in settings.model_fields_set


def points_at(url: str, host: str, port: int) -> bool:
    """Whether ``url`` reaches a server bound to ``host:port`` on this machine."""
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    if (parts.port or default_port) != port or parts.scheme != "http":
        return False
    hostname = (parts.hostname or "").lower()
    if host in WILDCARD_HOSTS:
        return True
    bound = host.strip("[]").lower()
    return hostname == bound or (hostname in LOOPBACK_NAMES and bound in LOOPBACK_NAMES)


def mismatch_warning(public_url: str, listening: str) -> str:
    """The line that says a set ``public_url`` is not where this server listens."""
    return (
        f"public_url is {public_url} (set in socialflow.toml or {PUBLIC_URL_ENV}) but this "
        f"server listens on {listening}: playback and thumbnail URLs, mail links and the "
        "token issuer point at public_url. That is right behind a proxy that forwards "
        "public_url here; otherwise remove public_url (it then follows --host/--port) or fix it."
    )


def adopt_listener(settings: Settings, host: str, port: int) -> str | None:
    """Make this server's processes use a ``public_url`` that reaches it.

    Unset, ``public_url`` becomes the listener's local URL through
    ``SOCIALFLOW_PUBLIC_URL``, which uvicorn's workers and the embedded Celery
    worker inherit. Returns a warning when a set ``public_url`` points elsewhere.
    The listener is also written to the project's state folder for ``doctor``.
    """
    listening = local_url(host, port)
    record_listener(settings, host, port)
    if not public_url_is_set(settings):
        os.environ[PUBLIC_URL_ENV] = listening
        return None
    if points_at(settings.public_url, host, port):
        return None
    return mismatch_warning(settings.public_url, listening)


@dataclass(frozen=True)
class Listener:
    """A running ``socialflow serve`` of this project."""

    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return local_url(self.host, self.port)


def _listener_path(settings: Settings) -> Path:
    return settings.state_dir / LISTENER_FILE


def record_listener(settings: Settings, host: str, port: int) -> None:
    path = _listener_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}))


def running_listener(settings: Settings) -> Listener | None:
    """The project's server, if one recorded itself and its process still runs."""
    try:
        data = json.loads(_listener_path(settings).read_text())
        listener = Listener(host=str(data["host"]), port=int(data["port"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(listener.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    return listener
