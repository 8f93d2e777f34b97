"""Deprecated package: the routers moved into their apps (``socialflow.<app>.routes``)."""
