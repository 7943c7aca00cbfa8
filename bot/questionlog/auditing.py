"""The question log's audit-trail methods: knowledge versions made live, questions dismissed.

A base class of ``bot.questionlog.log.QuestionLog``, like ``reading.LogQueries``, so callers
keep asking the log itself (``log.knowledge_versions()``); the SQL is in ``audit``. Writes are
rare single statements that the log commits between the flusher's batches (``_write``); reads
go to the query-only connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.questionlog import audit
from bot.questionlog.audit import DismissedQuestion, KnowledgeVersionRecord


class LogAudit:
    """The admins' audit trail, over the connections ``QuestionLog`` opens."""

    _reader: aiosqlite.Connection | None

    async def _write(self, sql: str, params: Sequence[Any]) -> None:
        """One statement on the write connection, committed: ``QuestionLog``'s."""
        raise NotImplementedError

    def _audit_reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("the question log is not open")
        return self._reader

    async def record_knowledge_version(
        self,
        version: str,
        applied_by: str,
        action: str,
        previous: str | None,
        *,
        applied_at: datetime | None = None,
        snapshot: str | None = None,
    ) -> None:
        """Note that ``version`` went live (an apply, a rollback, a reload from disk).

        ``snapshot`` names its folder in the knowledge history; a snapshot already noted is
        not noted twice.
        """
        moment = applied_at if applied_at is not None else datetime.now(UTC)
        await audit.record_knowledge_version(
            self._write, version, applied_by, action, previous, moment, snapshot
        )

    async def recorded_snapshots(self) -> set[str]:
        """The knowledge history's snapshots the audit table has a row for."""
        return await audit.recorded_snapshots(self._audit_reader())

    async def knowledge_versions(self, limit: int = 20) -> list[KnowledgeVersionRecord]:
        """The ``limit`` latest rows of the audit table, newest first."""
        return await audit.knowledge_versions(self._audit_reader(), limit)

    async def dismiss_question(
        self,
        normalized: str,
        text: str,
        dismissed_by: str,
        resolution: str = "dismissed",
        *,
        dismissed_at: datetime | None = None,
    ) -> None:
        """Hide the unanswered question ``normalized`` (and its group) from ``/unanswered``."""
        moment = dismissed_at if dismissed_at is not None else datetime.now(UTC)
        await audit.dismiss_question(
            self._write, normalized, text, dismissed_by, resolution, moment
        )

    async def dismissed_questions(self) -> list[DismissedQuestion]:
        """Every dismissed question, oldest first."""
        return await audit.dismissed_questions(self._audit_reader())
