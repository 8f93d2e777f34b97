"""Conformance suites: the behaviour every provider of a kind must show.

A suite is a class of pytest tests. A provider's own test module subclasses
it and supplies the provider through a fixture; pytest then runs every
inherited test against it::

    import pytest
    from socialflow.testing.conformance import StorageConformance

    class TestMyBackend(StorageConformance):
        @pytest.fixture
        def backend(self):
            return MyBackend(...)

The suites import nothing of socialflow's API or services: they exercise the
provider only through its Protocol in :mod:`socialflow.plugins.protocols`, so
a plugin package outside this repository, depending only on ``socialflow``,
runs exactly the checks the built-ins pass.
"""

from socialflow.testing.conformance.moderation import ModeratorConformance
from socialflow.testing.conformance.notification import NotificationChannelConformance
from socialflow.testing.conformance.payments import PaymentProviderConformance
from socialflow.testing.conformance.ranker import RankerConformance
from socialflow.testing.conformance.search import SearchBackendConformance
from socialflow.testing.conformance.storage import SignedFetch, StorageConformance
from socialflow.testing.conformance.streaming import StreamingProviderConformance

__all__ = [
    "ModeratorConformance",
    "NotificationChannelConformance",
    "PaymentProviderConformance",
    "RankerConformance",
    "SearchBackendConformance",
    "SignedFetch",
    "StorageConformance",
    "StreamingProviderConformance",
]
