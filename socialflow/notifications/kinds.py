"""Which notification kinds a platform knows: the built-in ones and those its apps add.

The social kinds (:class:`~socialflow.notifications.models.NotificationKind`)
are built in; apps add their own through the ``socialflow_notification_kinds``
hook (see :mod:`socialflow.plugins.notification_kinds`). Preferences, the
inbox's ``kinds`` filter and unsubscribe links accept exactly these names,
read from the plugins of the platform that opened the session.
"""

from __future__ import annotations

from socialflow.notifications.models import NotificationKind
from socialflow.plugins.notification_kinds import NotificationKind as AddedKind
from socialflow.plugins.session import DB, plugins_of

BUILT_IN = tuple(kind.value for kind in NotificationKind)
# Built-in kinds that ask something of the user (answer a request, reply): e-mailed by default.
EMAIL_BY_DEFAULT = frozenset({"follow_requested", "mentioned", "replied"})


def added(db: DB) -> dict[str, AddedKind]:
    """The kinds the platform's apps added, by name (none outside a platform)."""
    plugins = plugins_of(db)
    return {} if plugins is None else plugins.notification_kinds()


def names(db: DB) -> tuple[str, ...]:
    """Every kind the platform knows: the built-in ones first, then the added ones by name."""
    return BUILT_IN + tuple(sorted(name for name in added(db) if name not in BUILT_IN))


def emailed_by_default(db: DB) -> frozenset[str]:
    """The kinds e-mailed unless the user turns e-mail off for them."""
    return EMAIL_BY_DEFAULT | {name for name, kind in added(db).items() if kind.email}
