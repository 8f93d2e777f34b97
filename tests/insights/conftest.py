"""The social tests' users and HTTP calls, for the insights tests."""

from __future__ import annotations

from tests.social.conftest import actor, api  # noqa: F401 - fixtures re-exported
