"""webhooks: outgoing, signed deliveries of domain events (docs/webhooks.md)."""
