"""Trust and safety: reports, the review queue, moderation actions, appeals, the admin API."""
