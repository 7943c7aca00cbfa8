"""The question log's schema: recorded migrations, and the runner that applies them.

Each migration is a script in ``schema/`` named ``NNNN_lower_snake.sql``, listed by name in
``MIGRATION_NAMES``. A database records the names it has applied (the ``migrations`` table);
opening one that records a name this code does not know is refused.

To add a table: write ``schema/0005_feedback.sql`` and append ``"0005_feedback",`` to
``MIGRATION_NAMES``. Never edit or reorder a migration that has shipped.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

logger = logging.getLogger(__name__)

# Append only, in order. (The first four scripts keep the indentation they had as Python
# strings, so the schema text SQLite stores for a new database is what it always was.)
MIGRATION_NAMES: tuple[str, ...] = (
    "0001_questions",
    "0002_admin_audit",
    "0003_inbox",
    "0004_knowledge_version_snapshots",
    "0005_feedback",
    "0006_editor_requests",
    "0007_reply_pseudonyms",
)

MIGRATION_NAME = re.compile(r"^[0-9]{4}_[a-z0-9_]+$")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS migrations (
    name TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
) STRICT
"""


class StoreError(RuntimeError):
    """The database cannot be used by this version of the code."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema change. Applied once, in list order, and recorded in ``migrations``."""

    name: str
    sql: str

    @classmethod
    def from_schema(cls, name: str) -> Migration:
        """The migration whose script is ``schema/<name>.sql`` in this package."""
        script = resources.files(__package__).joinpath("schema", f"{name}.sql")
        return cls(name, script.read_text(encoding="utf-8"))


MIGRATIONS: tuple[Migration, ...] = tuple(Migration.from_schema(name) for name in MIGRATION_NAMES)


def check_names(migrations: Sequence[Migration]) -> None:
    """Refuse a migration whose name could not be quoted safely into its ledger row."""
    for migration in migrations:
        if not MIGRATION_NAME.match(migration.name):
            raise ValueError(f"migration name {migration.name!r} is not NNNN_lower_snake")


async def migrate(
    writer: aiosqlite.Connection, path: Path, migrations: Sequence[Migration]
) -> list[str]:
    """Apply to the database at ``path`` the ``migrations`` it has not recorded, in order;
    the names of those this call applied.

    Raises StoreError when the database records a migration not in ``migrations``.
    """
    await writer.execute(_CREATE_LEDGER)
    await writer.commit()
    known = [migration.name for migration in migrations]
    applied_now: list[str] = []
    for migration in migrations:
        applied = await applied_names(writer)
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                f"{path}: migrated by a newer or different version "
                f"(unknown migrations: {', '.join(unknown)})"
            )
        if migration.name in applied:
            continue
        # One script, one transaction: the schema change and its ledger row commit
        # together or not at all. The name is checked against MIGRATION_NAME, so quoting
        # it into the script is safe.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql.strip().rstrip(';')};\n"
            "INSERT INTO migrations (name, applied_at) "
            f"VALUES ('{migration.name}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\n"
            "COMMIT;"
        )
        try:
            await writer.executescript(script)
        except sqlite3.Error:
            if writer.in_transaction:
                await writer.rollback()
            # Another process opening the same file may have applied it first.
            if migration.name in await applied_names(writer):
                continue
            raise
        applied_now.append(migration.name)
        logger.info("question log: applied migration %s to %s", migration.name, path)
    return applied_now


async def applied_names(connection: aiosqlite.Connection) -> list[str]:
    """The names of the migrations the database records, in order."""
    rows = await connection.execute_fetchall("SELECT name FROM migrations ORDER BY name")
    return [str(row[0]) for row in rows]


async def applied_migrations(reader: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(name, applied_at) of every migration applied to the database, in order."""
    rows = await reader.execute_fetchall("SELECT name, applied_at FROM migrations ORDER BY name")
    return [(str(name), str(applied_at)) for name, applied_at in rows]
