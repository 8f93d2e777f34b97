"""The development outbox: mail the ``console`` channel "sent", kept to read again.

In development, account mail (verification, password reset, email change)
goes to the ``console`` channel, which logs it among JSON lines of the worker
log. It also keeps each message as a JSON file in
``<project>/.socialflow/outbox/``: the embedded worker writes it, and the API
process (``GET /dev/outbox``) and ``socialflow mail list`` read it, with no
server and no table. Only the newest :data:`KEEP` messages stay.

Never used outside ``environment = "development"``: the files hold live links.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import OutgoingMessage

OUTBOX_FOLDER = "outbox"
KEEP = 200
# Ids are file names: a time that sorts, and a random tail against collisions.
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-\d{6}-[0-9a-f]{4}$")


@dataclass(frozen=True)
class StoredMail:
    """One message as the outbox keeps it."""

    id: str
    to: str
    subject: str
    text: str
    kind: str
    created_at: str


def outbox_enabled(settings: Settings) -> bool:
    return settings.environment == "development"


class Outbox:
    """A folder of JSON files, one per message, newest last by name."""

    def __init__(self, folder: Path, *, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = keep

    @classmethod
    def for_settings(cls, settings: Settings) -> Outbox:
        return cls(settings.state_dir / OUTBOX_FOLDER)

    def store(self, message: OutgoingMessage) -> StoredMail:
        """Write the message (atomically: readers never see half a file), drop the oldest."""
        now = datetime.now(UTC)
        mail = StoredMail(
            id=f"{now:%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}",
            to=message.to,
            subject=message.subject,
            text=message.text,
            kind=message.kind,
            created_at=now.isoformat(timespec="seconds"),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{mail.id}.tmp"
        partial.write_text(json.dumps(asdict(mail)), encoding="utf-8")
        os.replace(partial, self.folder / f"{mail.id}.json")
        self._prune()
        return mail

    def newest(self, limit: int = 50) -> list[StoredMail]:
        """The newest ``limit`` messages, newest first."""
        return [m for m in (self._read(p) for p in self._paths()[::-1][:limit]) if m]

    def get(self, mail_id: str) -> StoredMail | None:
        """One message by id; anything that is not an outbox id finds nothing."""
        if not ID_PATTERN.match(mail_id):
            return None
        return self._read(self.folder / f"{mail_id}.json")

    def _paths(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if ID_PATTERN.match(p.stem))

    def _prune(self) -> None:
        for path in self._paths()[: -self.keep]:
            path.unlink(missing_ok=True)

    @staticmethod
    def _read(path: Path) -> StoredMail | None:
        try:
            return StoredMail(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
