"""``socialflow doctor`` names the active storage backend and where it stores."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any


def doctor(project: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialflow", "doctor", "--project", str(project), "--no-broker"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("SOCIALFLOW_")},
             "COLUMNS": "250"},
    )  # fmt: skip


def test_doctor_names_local_storage_and_its_folder(platform: Any) -> None:
    result = doctor(platform.settings.project_dir)
    assert "storage (local)" in result.stdout, result.stdout
    assert f"local storage at {platform.settings.media_dir}" in result.stdout


def test_doctor_fails_naming_the_folder_when_storage_is_not_writable(platform: Any) -> None:
    media = platform.settings.media_dir
    media.mkdir(parents=True, exist_ok=True)
    media.chmod(0o500)
    try:
        if os.access(media, os.W_OK):  # root ignores permission bits
            media.chmod(0o700)
            media.rmdir()
            media.write_text("a file where the media folder should be")
        result = doctor(platform.settings.project_dir)
    finally:
        if media.is_dir():
            media.chmod(0o700)
    assert result.returncode == 1, result.stdout
    assert "storage (local)" in result.stdout
    assert "Failing:" in result.stdout
    assert "storage (local)" in result.stdout.split("Failing:")[1]
    assert f"local storage at {media}" in result.stdout
