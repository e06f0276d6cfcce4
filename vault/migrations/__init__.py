"""Numbered schema migrations of ``vault.db``.

The schema version lives in ``PRAGMA user_version``: 0 is an empty database, N means steps
1..N have run. On unlock, :func:`migrate` runs every missing step in order, each in its own
transaction together with the version bump, so a crash leaves the file at a whole version.
A file whose version is above :data:`LATEST` was written by newer code: UnsupportedFormat.

Adding a migration (say version 2):

1. Write ``vault/migrations/m0002_<what>.py`` with ``def upgrade(connection) -> None`` that
   issues plain DDL/DML through ``connection.exec_driver_sql(...)`` (SQLAlchemy
   ``Connection``, a transaction is already open). Spell the SQL out; never use the ORM models
   or ``metadata.create_all`` here, because models change later and a migration must not.
2. Append the module to :data:`STEPS` below.
3. Update ``vault/models.py`` to match.
4. Commit a fixture made with the new version (``tests/fixtures/vault/make_vN.py``) and keep the
   older fixture tests green: they prove old files still upgrade.

Notes: ``PRAGMA foreign_keys`` cannot change inside a transaction; a step that rebuilds a table
(SQLite's create-copy-drop-rename dance) must not rely on turning it off, so copy child rows
before dropping parents or recreate children too.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection

from .._errors import UnsupportedFormat
from . import (
    m0001_initial,
    m0002_wallets,
    m0003_apps,
    m0004_files,
    m0005_comms,
    m0006_unsettled_sends,
    m0007_paid_before,
)


class MigrationStep(Protocol):
    def upgrade(self, connection: Connection) -> None: ...


# in order: version N has run steps 1..N
STEPS: tuple[MigrationStep, ...] = (m0001_initial, m0002_wallets, m0003_apps, m0004_files, m0005_comms)
STEPS += (m0006_unsettled_sends, m0007_paid_before)
LATEST: int = len(STEPS)


def schema_version(connection: Connection) -> int:
    value = connection.exec_driver_sql("PRAGMA user_version").scalar()
    return int(value or 0)


def migrate(connection: Connection) -> int:
    """Bring the database to :data:`LATEST`; return the version it had before.

    ``connection`` must not be inside a transaction; each step commits on its own.
    """
    start = schema_version(connection)
    if connection.in_transaction():
        connection.commit()
    if start > LATEST:
        raise UnsupportedFormat(f"vault schema version {start} is newer than this program supports ({LATEST})")
    for version in range(start + 1, LATEST + 1):
        with connection.begin():
            STEPS[version - 1].upgrade(connection)
            # PRAGMA arguments cannot be bound parameters; version is our own int.
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    return start
