"""Registers the ``stripe`` payment provider and the ``[plugin.stripe]`` settings section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialflow.plugins.specs import hookimpl

from socialflow_stripe.settings import SECTION, StripeSettings

if TYPE_CHECKING:
    from socialflow.core.settings import Settings

    from socialflow_stripe.provider import StripeProvider


def make_stripe_provider(settings: Settings) -> StripeProvider:
    """Validate ``[plugin.stripe]`` and build the provider; no network yet."""
    from socialflow_stripe.provider import StripeProvider

    return StripeProvider(settings.plugin_config(SECTION, StripeSettings))


@hookimpl
def socialflow_payment_providers() -> dict[str, object]:
    return {"stripe": make_stripe_provider}


@hookimpl
def socialflow_settings_model() -> tuple[str, type[StripeSettings]]:
    return SECTION, StripeSettings
