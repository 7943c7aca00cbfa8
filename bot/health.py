"""``python -m bot health``: can this deployment answer questions and log them?

Four checks, in order, each of which must pass:

1. the knowledge folder loads and validates (``load_engine``);
2. the engine answers one of the knowledge's own questions with a citation, rendered as the
   terminal would show it (this also exercises the text normalisation and its data files);
3. the question log opens (folder created, schema migrated) and is writable: a write lock is
   taken on its database file and released with ``ROLLBACK``, so no row is ever added;
4. when a Telegram bot is running on this log (its heartbeat file is there, ``bot.heartbeat``),
   it still receives: its last successful receipt is at most
   ``health.max_heartbeat_age_seconds`` old.

It prints exactly one line, ``ok: knowledge <version>, log <path>`` (followed by
``, bot receiving (<mode>)`` when a bot is running) with exit 0, or ``unhealthy: <reason>``
with exit 1, and needs no token and no network: the same command serves a container's
``HEALTHCHECK``, a systemd timer or a person after an upgrade. Run it as the bot's own user, so
that a log file it creates is the bot's.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import HealthSettings, Settings, StorageSettings
from bot.engine.answers import Answer, Status
from bot.engine.knowledge import KnowledgeError
from bot.engine.pipeline import Engine, load_engine
from bot.engine.render import answer_text
from bot.engine.semantic import SemanticIndexer
from bot.heartbeat import heartbeat_path, read_heartbeat
from bot.messages import counted
from bot.questionlog.log import QuestionLog

# How long to wait for the bot's own writes to release the database (a flush takes
# milliseconds). Together with loading the knowledge this stays far below the HEALTHCHECK
# timeout of the Dockerfile.
LOCK_TIMEOUT_SECONDS = 3.0
LOG_TIMEOUT_SECONDS = 6.0


class Unhealthy(Exception):
    """One check failed; the message is the one-line reason."""


def run_health(settings: Settings) -> int:
    """Run every check; print one line and return the exit status (0 healthy, 1 not)."""
    # The contract is one line: the log messages of what is checked (a migration applied to a
    # new log, a failed close) would add more, and their content is in the reason anyway.
    logging.disable(logging.CRITICAL)
    try:
        version = check_knowledge(
            Path(settings.knowledge.path), SemanticIndexer.from_settings(settings)
        )
        log_path = check_log(settings.storage)
        receiving = check_receiving(heartbeat_path(settings.storage.path), settings.health)
    except Unhealthy as error:
        return _report(f"unhealthy: {' '.join(str(error).split())}", 1)
    except Exception as error:  # anything unexpected is a failed check too, never a traceback
        return _report(f"unhealthy: {_one_line(error)}", 1)
    finally:
        logging.disable(logging.NOTSET)
    bot = f", bot receiving ({receiving})" if receiving else ""
    return _report(f"ok: knowledge {version}, log {log_path}{bot}", 0)


def check_knowledge(directory: Path, semantic: SemanticIndexer | None = None) -> str:
    """Load ``directory`` (with the semantic signal, as a start would) and answer one of its
    questions; return the knowledge version."""
    try:
        engine = load_engine(directory, semantic)
    except KnowledgeError as error:
        first = error.problems[0] if error.problems else "no details"
        problems = counted(len(error.problems), "problem", "problems")
        raise Unhealthy(f"knowledge {directory}: {problems}, first: {first}") from error
    answer = _self_test(engine)
    if answer is None:
        raise Unhealthy(
            f"knowledge {engine.version} from {directory}: "
            "none of its questions is answered with a citation"
        )
    if not answer_text(answer, engine.knowledge.primary_source).strip():
        raise Unhealthy(f"knowledge {engine.version}: an answer rendered as empty text")
    return engine.version


def _self_test(engine: Engine) -> Answer | None:
    """The answer to the first entry question that is answered with a citation, if any.

    Any knowledge folder can be mounted, so the question is taken from the folder itself
    rather than written here: the first phrasing of each figure-carrying entry, in file order,
    until one is answered (normally the very first).
    """
    for entry in engine.knowledge.entries.values():
        if entry.kind == "smalltalk" or not entry.facts:
            continue
        questions = entry.questions_zh or entry.questions_en
        if not questions:
            continue
        answer = engine.ask(questions[0])
        if answer.status is Status.ANSWERED and answer.citations:
            return answer
    return None


def check_log(storage: StorageSettings) -> Path:
    """Open the question log and prove it writable without adding a row; return its path."""
    path = Path(storage.path)
    try:
        asyncio.run(_open_and_close(storage))
        _take_write_lock(path)
    except TimeoutError as error:
        raise Unhealthy(f"question log {path}: busy for over {LOG_TIMEOUT_SECONDS:g}s") from error
    except (OSError, sqlite3.Error, RuntimeError) as error:
        # RuntimeError covers StoreError: a log migrated by a newer version of the bot.
        raise Unhealthy(f"question log {path}: {_one_line(error)}") from error
    return path.resolve()


async def _open_and_close(storage: StorageSettings) -> None:
    """What the bot does at start: create the folder and file, migrate; then close."""
    log = QuestionLog.from_settings(storage)
    async with asyncio.timeout(LOG_TIMEOUT_SECONDS):
        await log.open()
        await log.close()


def _take_write_lock(path: Path) -> None:
    """Take the database's write lock, as a flush would, and give it back unused.

    ``BEGIN IMMEDIATE`` fails on a read-only file or folder, or when another process holds
    the lock for longer than ``LOCK_TIMEOUT_SECONDS``; ``ROLLBACK`` leaves no trace.
    """
    connection = sqlite3.connect(path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def check_receiving(
    path: Path, health: HealthSettings, *, now: datetime | None = None
) -> str | None:
    """The running bot's mode when its heartbeat is fresh; None when no bot is running."""
    try:
        state = read_heartbeat(path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Unhealthy(f"heartbeat {path}: unreadable ({_one_line(error)})") from error
    if state is None:
        return None
    if health.max_heartbeat_age_seconds > 0:
        reason = state.stale_reason(
            now if now is not None else datetime.now(UTC), health.max_heartbeat_age_seconds
        )
        if reason is not None:
            raise Unhealthy(reason)
    return state.mode


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _report(line: str, status: int) -> int:
    print(line, file=sys.stdout if status == 0 else sys.stderr, flush=True)
    return status
