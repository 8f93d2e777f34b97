"""Database access: engine and session factories, and the Alembic migrations."""

from socialflow.core.db.engine import create_db_engine, make_session_factory

__all__ = ["create_db_engine", "make_session_factory"]
