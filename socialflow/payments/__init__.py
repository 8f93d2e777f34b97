"""payments: a double-entry ledger, tiers, subscriptions, tips, payouts (docs/payments.md)."""
