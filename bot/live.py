"""The live engine: one consistent knowledge version at a time, swapped without a restart.

``LiveEngine.current`` is read once per question; a reload builds a whole new ``Engine`` and
replaces the reference in one assignment, so a question in flight is answered entirely from the
version it started with. A knowledge folder that fails validation never replaces the good one:
the bot keeps answering from the last good version and the problems are reported.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.engine import Engine
from bot.knowledge import KNOWLEDGE_FILES, KnowledgeError, Problem, load_knowledge

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload did: swapped, unchanged, or refused with the problems."""

    changed: bool
    version: str
    problems: tuple[Problem, ...] = ()

    @property
    def refused(self) -> bool:
        """True when the files on disk are invalid and the old version stayed live."""
        return bool(self.problems)


def _fingerprint(directory: Path) -> str:
    """A hash of the knowledge files' bytes (cheap: a few tens of kilobytes)."""
    digest = hashlib.sha256()
    for name in KNOWLEDGE_FILES:
        try:
            digest.update((directory / name).read_bytes())
        except OSError as error:
            digest.update(f"unreadable {name}: {error.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


class LiveEngine:
    """Holds the engine answering questions now, and reloads it from its folder."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.directory = engine.knowledge.directory
        self._seen = _fingerprint(self.directory)
        self._reported: str | None = None

    @classmethod
    def load(cls, directory: Path) -> LiveEngine:
        """Load ``directory`` (raises ``KnowledgeError`` when it is invalid at start-up)."""
        return cls(Engine(load_knowledge(directory)))

    @property
    def current(self) -> Engine:
        """The engine to answer the next question with."""
        return self._engine

    def __call__(self) -> Engine:
        """The current engine; lets handlers take a plain ``Callable[[], Engine]``."""
        return self._engine

    def swap(self, engine: Engine) -> None:
        """Make ``engine`` live (after it was validated and built)."""
        self._engine = engine
        self._seen = _fingerprint(self.directory)
        self._reported = None
        log.info("knowledge version %s is live", engine.version)

    def reload(self, *, force: bool = False) -> ReloadResult:
        """Reload from disk if the files changed (or always, with ``force``)."""
        fingerprint = _fingerprint(self.directory)
        if not force and fingerprint == self._seen:
            return ReloadResult(False, self._engine.version)
        try:
            engine = Engine(load_knowledge(self.directory))
        except KnowledgeError as error:
            self._seen = fingerprint
            log.warning(
                "knowledge on disk is invalid; keeping version %s:\n%s",
                self._engine.version,
                error,
            )
            return ReloadResult(False, self._engine.version, tuple(error.problems))
        changed = engine.version != self._engine.version
        self.swap(engine)
        self._seen = fingerprint
        return ReloadResult(changed, engine.version)

    def should_report(self, result: ReloadResult) -> bool:
        """True once per distinct invalid state, so admins are not told the same thing twice."""
        if not result.refused:
            return False
        key = "\n".join(str(p) for p in result.problems)
        if key == self._reported:
            return False
        self._reported = key
        return True
