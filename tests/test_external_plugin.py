"""A plugin package written outside this repository, depending only on socialflow,
runs the storage conformance suite with plain ``pytest``: no copied test code,
no conftest from us. The suite comes from the installed ``socialflow`` (its
``pytest11`` entry point and :mod:`socialflow.testing.conformance`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from socialflow.testing.conformance import StorageConformance

PYPROJECT = """
[project]
name = "memstore"
version = "0.0.1"
dependencies = ["socialflow"]

[project.entry-points.socialflow]
memstore = "memstore"

[tool.pytest.ini_options]
addopts = "-ra --strict-markers --strict-config -p no:cacheprovider"
testpaths = ["tests"]
"""

BACKEND = '''
"""An in-memory storage backend whose signed URLs are HMAC tokens."""

import hashlib
import hmac
import threading
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import quote

from socialflow import hookimpl
from socialflow.plugins.protocols import ObjectInfo, ObjectNotFound, StorageError, UploadedPart


def valid_key(key):
    if not key or key.startswith("/") or "\\\\" in key or "\\x00" in key:
        raise StorageError(f"invalid key {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise StorageError(f"invalid key {key!r}")
    return key


class MemoryStore:
    name = "memstore"

    def __init__(self, base_url="http://127.0.0.1:1", secret=b"s3cret"):
        self.base_url, self.secret = base_url, secret
        self.objects, self.uploads = {}, {}
        self.lock = threading.Lock()

    def sign(self, key, expires, filename):
        message = f"{key}|{expires}|{filename or ''}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def put(self, key, data, *, content_type=None):
        body = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else data.read()
        with self.lock:
            self.objects[valid_key(key)] = (body, content_type, datetime.now(timezone.utc))
        return self.stat(key)

    def _object(self, key):
        try:
            return self.objects[valid_key(key)]
        except KeyError:
            raise ObjectNotFound(key) from None

    def get(self, key):
        return self._object(key)[0]

    def open(self, key, *, chunk_size=1024 * 1024):
        body = self.get(key)
        return (body[i : i + chunk_size] for i in range(0, len(body), chunk_size))

    def read_range(self, key, start, end=None):
        if start < 0 or (end is not None and end < start):
            raise StorageError("invalid range")
        body = self.get(key)
        return body[start:] if end is None else body[start : end + 1]

    def stat(self, key):
        body, content_type, modified = self._object(key)
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return ObjectInfo(key, len(body), content_type, etag, modified)

    def exists(self, key):
        return valid_key(key) in self.objects

    def delete(self, key):
        with self.lock:
            self.objects.pop(valid_key(key), None)

    def list(self, prefix):
        return sorted(k for k in list(self.objects) if k.startswith(prefix))

    def delete_prefix(self, prefix):
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    def signed_url(self, key, *, expires_in=3600, filename=None):
        expires = int(time.time()) + expires_in
        url = f"{self.base_url}/{quote(valid_key(key))}?expires={expires}"
        url += f"&sig={self.sign(key, expires, filename)}"
        return url + (f"&filename={quote(filename)}" if filename else "")

    def create_multipart(self, key, *, content_type=None):
        valid_key(key)
        upload = uuid.uuid4().hex
        self.uploads[upload] = {}
        return upload

    def upload_part(self, key, upload_id, part_number, data):
        body = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else data.read()
        self.uploads[upload_id][part_number] = body
        digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return UploadedPart(part_number, digest, len(body))

    def complete_multipart(self, key, upload_id, parts):
        chunks = self.uploads.pop(upload_id)
        ordered = sorted(parts, key=lambda p: p.part_number)
        return self.put(key, b"".join(chunks[p.part_number] for p in ordered))

    def abort_multipart(self, key, upload_id):
        self.uploads.pop(upload_id, None)

    def check(self):
        self.put("_health/probe", b"ok")
        self.delete("_health/probe")
        return f"memstore with {len(self.objects)} objects (writable)"


@hookimpl
def socialflow_storage_backends():
    return {"memstore": lambda settings: MemoryStore()}
'''

TEST = '''
"""Serve signed URLs over real HTTP from a tiny server, and run socialflow's suite."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from socialflow.testing.conformance import StorageConformance

from memstore import MemoryStore


@pytest.fixture(scope="module")
def served():
    store = MemoryStore()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            key = unquote(parts.path[1:])
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            expires = int(query.get("expires", "0"))
            filename = query.get("filename")
            ok = query.get("sig") == store.sign(key, expires, filename) and expires >= time.time()
            body = store.objects.get(key, (None,))[0] if ok else None
            self.send_response(200 if body is not None else 403)
            if filename and body is not None:
                self.send_header("Content-Disposition", f'attachment; filename="{filename}"')
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    store.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield store
    server.shutdown()


class TestMemoryStore(StorageConformance):
    @pytest.fixture
    def backend(self, served):
        return served


def test_registered_through_the_platform(platform):
    """The socialflow pytest plugin's fixtures work here too."""
    assert "memstore" in platform.plugins.provider_factories("storage")
'''


@pytest.mark.each_backend
def test_external_package_runs_the_suite_with_plain_pytest(tmp_path: Path) -> None:
    package = tmp_path / "socialflow-memstore"
    (package / "src").mkdir(parents=True)
    (package / "tests").mkdir()
    (package / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (package / "src" / "memstore.py").write_text(BACKEND)
    (package / "tests" / "test_memstore.py").write_text(TEST)
    # As after `pip install -e .`: the package importable, its entry point known.
    dist_info = package / "src" / "memstore-0.0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: memstore\nVersion: 0.0.1\n")
    (dist_info / "entry_points.txt").write_text("[socialflow]\nmemstore = memstore\n")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=package,
        env={**os.environ, "PYTHONPATH": str(package / "src")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    # Every storage conformance test ran and passed (none skipped), and the platform test.
    assert f"{suite_size(StorageConformance) + 1} passed" in result.stdout, output
    assert "skipped" not in result.stdout, output


def suite_size(suite: type) -> int:
    """How many tests a suite class expands to, parametrizations included."""
    total = 0
    for name in dir(suite):
        if name.startswith("test_"):
            count = 1
            for mark in getattr(getattr(suite, name), "pytestmark", []):
                if mark.name == "parametrize":
                    count *= len(mark.args[1])
            total += count
    return total
