"""The types of request input, shared by every route: ids, cursors, texts.

Bad input must be a 4xx problem at the edge, never a 500 from the database
below: PostgreSQL refuses NUL characters in text and integers past a
column's range; Python's ``int()`` refuses Unicode digits that
``str.isdigit()`` accepts (``"²"``); dates overflow. Routes type their path
and query parameters with these ``Annotated`` types, request bodies derive
from :class:`~socialflow.accounts.schemas.StrictModel` (which checks every string
field with :func:`check_text`), and code that reads raw headers or query
strings (tus, the feeds' fast lane, signed URLs) uses the parsers below.

The rules themselves live in :mod:`socialflow.core.inputs`, which HTTP-free
code (services, ``socialflow.video.media``) shares.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types as at
from pydantic import AfterValidator, StringConstraints

from socialflow.core.errors import ValidationProblem
from socialflow.core.inputs import (
    MAX_BIGINT,
    MAX_DB_ID,
    TEXT_RULE,
    ascii_int,
    check_strings,
    check_text,
    clean_label,
    has_forbidden_chars,
)

__all__ = [
    "MAX_BIGINT",
    "MAX_DB_ID",
    "Cursor",
    "DbId",
    "Expiry",
    "Name",
    "ObjectKey",
    "SafeText",
    "ascii_int",
    "check_strings",
    "check_text",
    "clean_label",
    "id_cursor",
    "query_int",
    "query_text",
]


def id_cursor(cursor: str | None) -> int | None:
    """An id cursor (``next_cursor`` of a page ordered by id), or a 422
    ``invalid-cursor`` problem unless it is an id in the column's range."""
    if cursor is None:
        return None
    number = ascii_int(cursor, maximum=MAX_DB_ID)
    if number is None:
        raise ValidationProblem("The cursor is not valid.", slug="invalid-cursor")
    return number


def query_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    """A query parameter parsed by hand, with the problem FastAPI's parsing would give."""
    number = ascii_int(raw.strip(), maximum=MAX_BIGINT)
    if number is None:
        raise _query_problem(name, "must be an integer", "int_parsing")
    if not minimum <= number <= maximum:
        raise _query_problem(name, f"must be between {minimum} and {maximum}", "out_of_range")
    return number


def query_text(name: str, raw: str, *, max_length: int) -> str:
    """A text query parameter parsed by hand: bounded length, no forbidden characters."""
    if len(raw) > max_length:
        raise _query_problem(name, f"at most {max_length} characters", "string_too_long")
    if has_forbidden_chars(raw):
        raise _query_problem(name, TEXT_RULE, "value_error")
    return raw


def _query_problem(field: str, message: str, code: str) -> ValidationProblem:
    return ValidationProblem(
        f"{field}: {message}",
        errors=[{"field": field, "location": "query", "message": message, "code": code}],
    )


SafeText = Annotated[str, AfterValidator(check_text)]
"""Any text: no NUL, no control characters but tab and newlines, no lone surrogates."""

DbId = Annotated[int, at.Ge(1), at.Le(MAX_DB_ID)]
"""The id of a row (a post, comment, notification, user): 1..2**31-1."""

ObjectKey = Annotated[
    str, StringConstraints(min_length=1, max_length=32), AfterValidator(check_text)
]
"""The id of a video, upload or image (random strings of at most 32 characters)."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(check_text)]
"""A name in a path: a username, a hashtag, an OAuth provider, a rendition."""

Cursor = Annotated[str, StringConstraints(max_length=1000), AfterValidator(check_text)]
"""An opaque ``next_cursor`` given out by a previous page."""

Expiry = Annotated[int, at.Ge(0), at.Le(MAX_BIGINT)]
"""A signed URL's expiry, in seconds since the epoch."""
