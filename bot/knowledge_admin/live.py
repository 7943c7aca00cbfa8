"""The live engine: one consistent knowledge version at a time, swapped without a restart.

``LiveEngine.current`` is read once per question; a change builds a whole new ``Engine`` and
replaces the reference in one assignment, so a question in flight is answered entirely from the
version it started with. Only ``changes.KnowledgeEditor`` swaps it in (an upload, a
rollback, ``/reload`` and the watch of the folder all go through it), after the new version was
validated and recorded in the history.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from bot.engine.knowledge import KNOWLEDGE_FILES, load_knowledge
from bot.engine.pipeline import Engine, SemanticIndexer

log = logging.getLogger(__name__)

LOADED_AT_START = "loaded at start"
COMPLETED_AFTER_INTERRUPTION = "completed after an interruption"


def read_files(directory: Path) -> dict[str, bytes]:
    """The knowledge files' bytes as they are on disk; a file that cannot be read is left out
    (loading then reports it)."""
    files = {}
    for name in KNOWLEDGE_FILES:
        try:
            files[name] = (directory / name).read_bytes()
        except OSError:
            continue
    return files


class LiveEngine:
    """Holds the engine answering questions now, and the exact bytes it was built from."""

    def __init__(
        self, engine: Engine, files: Mapping[str, bytes], *, origin: str = LOADED_AT_START
    ) -> None:
        self._engine = engine
        self.directory = engine.knowledge.directory
        self._files = dict(files)
        # When and how the live version became live (for a history that has not recorded it).
        self.since = datetime.now(UTC)
        self.origin = origin

    @classmethod
    def load(cls, directory: Path, semantic: SemanticIndexer | None = None) -> LiveEngine:
        """Load ``directory`` (raises ``KnowledgeError`` when it is invalid at start-up); every
        later version gets the same ``semantic`` signal (``Engine.for_knowledge``)."""
        files = read_files(directory)
        return cls(Engine(load_knowledge(directory, files), semantic), files)

    @property
    def current(self) -> Engine:
        """The engine to answer the next question with."""
        return self._engine

    def __call__(self) -> Engine:
        """The current engine; lets handlers take a plain ``Callable[[], Engine]``."""
        return self._engine

    @property
    def files(self) -> dict[str, bytes]:
        """The knowledge files of the live version, by name (a copy)."""
        return dict(self._files)

    def swap(self, engine: Engine, files: Mapping[str, bytes], origin: str) -> None:
        """Make ``engine`` live (validated, built and recorded by the editor)."""
        self._files = dict(files)
        self.since = datetime.now(UTC)
        self.origin = origin
        self._engine = engine
        log.info("knowledge version %s is live", engine.version)
