"""A user's age from the private date of birth they may set on their own account.

Other apps ask for an age, never for the date: an age-gated feature (an ad
with a minimum viewer age) needs "at least 18 today", not the birthday. An
account without a date of birth has no known age, and features that need one
treat it as too young.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from socialflow.accounts.models import User
from socialflow.core.errors import ValidationProblem

OLDEST_YEARS = 120
USERS = User.__table__  # type: ignore[attr-defined]


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years between ``birth_date`` and ``day`` (None when unknown).

    Someone born on 29 February turns a year older on 1 March in common years.
    """
    if birth_date is None:
        return None
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_birth_date(birth_date: date, today: date) -> None:
    """A date of birth must be a real one: not in the future, not before anyone alive."""
    if birth_date > today:
        raise ValidationProblem("The date of birth is in the future.", slug="bad-birth-date")
    age = age_on(birth_date, today)
    if age is not None and age >= OLDEST_YEARS:
        raise ValidationProblem(
            f"The date of birth is more than {OLDEST_YEARS} years ago.", slug="bad-birth-date"
        )


def age_of(connection: Connection, user_id: int, day: date) -> int | None:
    """The user's age on ``day``, or None without a date of birth (or without the user)."""
    born = connection.execute(
        select(USERS.c.birth_date).where(USERS.c.id == user_id)
    ).scalar_one_or_none()
    return age_on(born, day)
