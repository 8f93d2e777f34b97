"""Domain logic: keyword-only functions over a session. No FastAPI in here."""
