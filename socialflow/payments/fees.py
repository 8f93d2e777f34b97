"""The platform's fee and the shares of partial refunds, in integer minor units."""

from __future__ import annotations


def platform_fee(amount: int, fee_bps: int) -> int:
    """The platform's share of ``amount``: ``fee_bps`` basis points, rounded half up."""
    return (amount * fee_bps + 5_000) // 10_000


def fee_share(*, charge_amount: int, charge_fee: int, before: int, after: int) -> int:
    """The part of the platform's fee given back when the refunded (or disputed) total
    of a charge goes from ``before`` to ``after``.

    Computed on running totals, so the parts of several partial refunds add up to the
    whole fee exactly once the charge is refunded in full (no cent lost to rounding).
    """
    return (after * charge_fee) // charge_amount - (before * charge_fee) // charge_amount
