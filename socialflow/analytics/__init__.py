"""The analytics app: raw activity events rolled up into per-creator, per-video and
platform statistics (docs/analytics.md)."""
