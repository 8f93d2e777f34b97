"""The private date of birth: set, read back and removed by its owner only, validated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from socialflow.accounts.ages import age_on
from socialflow.core.db.base import utcnow
from socialflow.testing.pytest_plugin import DEFAULT_PASSWORD
from tests.social import conftest as social
from tests.social.conftest import Actor

Api = Callable[..., httpx.Response]
actor = social.actor  # fixtures re-exported
api = social.api


def test_birth_date_is_set_seen_only_by_its_owner_and_removed(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice, bob = actor(), actor()
    assert api("GET", "/users/me", alice).json()["birth_date"] is None
    answer = api("PATCH", "/users/me", alice, json={"birth_date": "1994-05-17"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["birth_date"] == "1994-05-17"
    assert api("GET", "/users/me", alice).json()["birth_date"] == "1994-05-17"
    # Other changes leave it alone; nobody else sees it, signed in or not.
    assert api("PATCH", "/users/me", alice, json={"bio": "hi"}).json()["birth_date"] == "1994-05-17"
    for who in (bob, None):
        public = api("GET", f"/users/{alice.name}", who)
        assert public.status_code == 200, public.text
        assert "birth_date" not in public.json()
        assert "1994" not in public.text
    export = api("GET", "/users/me/export", alice).json()
    assert export["account"]["birth_date"] == "1994-05-17"
    cleared = api("PATCH", "/users/me", alice, json={"birth_date": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["birth_date"] is None


def test_bad_birth_dates_are_problems_and_change_nothing(
    api: Api, actor: Callable[..., Actor]
) -> None:
    alice = actor()
    today = utcnow().date()
    api("PATCH", "/users/me", alice, json={"birth_date": "2000-01-01"})
    for bad in (
        (today + timedelta(days=1)).isoformat(),
        today.replace(year=today.year - 121).isoformat(),
        "1000-01-01",
        "2001-02-29",
        "yesterday",
        17,
    ):
        answer = api("PATCH", "/users/me", alice, json={"birth_date": bad, "bio": "changed"})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    me = api("GET", "/users/me", alice).json()
    assert (me["birth_date"], me["bio"]) == ("2000-01-01", "")
    born_today = api("PATCH", "/users/me", alice, json={"birth_date": today.isoformat()})
    assert born_today.status_code == 200, born_today.text


def test_age_counts_whole_years_and_leap_day_birthdays() -> None:
    assert age_on(None, date(2026, 1, 1)) is None
    assert age_on(date(2008, 12, 8), date(2026, 12, 7)) == 17
    assert age_on(date(2008, 12, 7), date(2026, 12, 7)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_deleting_the_account_erases_the_birth_date(
    api: Api, actor: Callable[..., Actor], platform: Any
) -> None:
    from socialflow.accounts.models import User

    alice = actor()
    api("PATCH", "/users/me", alice, json={"birth_date": "1990-03-03"})
    gone = api("DELETE", "/users/me", alice, json={"password": DEFAULT_PASSWORD})
    assert gone.status_code == 204, gone.text
    with platform.session() as session:
        user = session.get(User, alice.id)
        assert user is not None
        assert user.birth_date is None
