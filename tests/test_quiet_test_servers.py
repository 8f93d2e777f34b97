"""Test servers log to a file: a served request prints nothing into pytest's output.

The server thread logs a request after the client has its response; when
that was the test's last request, the line used to be written while pytest
printed its progress (capture is suspended between a test's phases).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

INNER_TESTS = """
import pytest


@pytest.mark.parametrize("round", range(8))
def test_a_request_is_the_last_thing_done(client, round):
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/users/nobody").status_code == 404
"""


@pytest.mark.slow
def test_served_requests_print_nothing_to_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    basetemp = tmp_path / "basetemp"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={basetemp}",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_inner.py"),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "8 passed" in result.stdout
    assert '"event": "request"' not in output
    assert "socialflow.access" not in output
    logs = "".join(path.read_text() for path in basetemp.rglob("server-*.log"))
    assert logs.count('"event": "request"') == 16  # every line is kept, in the file
