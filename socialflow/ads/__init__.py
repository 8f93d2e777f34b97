"""Ads: advertisers, campaigns, auctions, pacing and honest counting on the payments ledger."""
