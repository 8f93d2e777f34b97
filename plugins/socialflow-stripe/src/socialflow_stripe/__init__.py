"""socialflow-stripe: take payments and pay creators through Stripe (see README.md)."""

from socialflow_stripe.provider import StripeProvider
from socialflow_stripe.settings import StripeSettings

__all__ = ["StripeProvider", "StripeSettings"]
