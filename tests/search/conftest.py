"""The search tests reuse the social tests' actors and API client."""

from tests.social.conftest import actor, api

__all__ = ["actor", "api"]
