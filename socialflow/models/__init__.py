"""SQLModel tables, one module per domain.

Importing this package registers every table on ``SQLModel.metadata``; Alembic
and the tests rely on that.
"""

from socialflow.models.user import AccountState, Role, User

__all__ = ["AccountState", "Role", "User"]
