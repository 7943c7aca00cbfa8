"""The semantic signal: which FAQ entries a question is nearest to in meaning.

Beside the lexical matcher (matching.py), a multilingual sentence encoder
(bot.engine.semantic_encoder: the pinned model, verified and loaded) maps a question and every
FAQ phrasing to a vector; the cosine between them says how close they are in meaning, in
Chinese (simplified or traditional) and English alike. It is a recall signal: it finds the
entry a reworded question is about, but scores unrelated questions well above zero too, so it
never decides on its own whether to answer. Each knowledge version's phrasing vectors are
cached (bot.engine.semantic_cache), named by the version and the model.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.config import Settings
from bot.engine.knowledge import Knowledge
from bot.engine.semantic_cache import atomic_write
from bot.engine.semantic_encoder import (
    DIMENSIONS,
    MODEL_DISTRIBUTION,
    MODEL_FILES,
    MODEL_ID,
    MODEL_VERSION,
    Encoder,
    ModelMismatchError,
    SentenceEncoder,
    Vectors,
    check_installed_version,
    installed_model_dir,
    load_encoder,
    verify_model_files,
)
from bot.engine.textnorm import to_simplified

__all__ = [
    "DIMENSIONS",
    "KEPT_PHRASING_CACHES",
    "MODEL_DISTRIBUTION",
    "MODEL_FILES",
    "MODEL_ID",
    "MODEL_VERSION",
    "QUESTION_CACHE_SIZE",
    "Encoder",
    "ModelMismatchError",
    "SemanticIndex",
    "SemanticIndexer",
    "SentenceEncoder",
    "Vectors",
    "check_installed_version",
    "installed_model_dir",
    "load_encoder",
    "phrasings_of",
    "question_text",
    "verify_model_files",
]

log = logging.getLogger(__name__)

# Questions asked again (the same words) are not encoded again.
QUESTION_CACHE_SIZE = 2048
# Phrasing caches of this many knowledge versions are kept (a rollback finds its own).
KEPT_PHRASING_CACHES = 8
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


# --- the index of phrasings --------------------------------------------------------------


def phrasings_of(knowledge: Knowledge) -> list[tuple[str, str]]:
    """Every entry's phrasings, Chinese then English, as ``(entry_id, text)``."""
    return [
        (entry.id, text)
        for entry in knowledge.entries.values()
        for text in (*entry.questions_zh, *entry.questions_en)
    ]


def question_text(question: str) -> str:
    """What is encoded for a question: simplified script, as the phrasings are written."""
    return to_simplified(question.strip())


class SemanticIndex:
    """The phrasings' vectors of one knowledge version, and the entries nearest a question.

    Built once per knowledge version: the phrasings are encoded on the first build and their
    vectors kept in ``cache_dir`` (named by the version and the model), so a restart reads them
    instead. Immutable after construction apart from the question cache; thread-safe.
    """

    def __init__(
        self,
        phrasings: Iterable[tuple[str, str]],
        encoder: Encoder,
        *,
        version: str,
        cache_dir: Path | None = None,
        question_cache_size: int = QUESTION_CACHE_SIZE,
    ) -> None:
        grouped: dict[str, list[str]] = {}
        for entry_id, text in phrasings:
            grouped.setdefault(entry_id, []).append(text)
        self._encoder = encoder
        self.version = version
        self.entry_ids: tuple[str, ...] = tuple(grouped)
        self.texts: tuple[str, ...] = tuple(t for texts in grouped.values() for t in texts)
        counts = np.array([len(texts) for texts in grouped.values()], dtype=np.int64)
        self._starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        rows = [(entry_id, text) for entry_id, texts in grouped.items() for text in texts]
        self._digest = hashlib.sha256(
            json.dumps([encoder.model_id, rows], ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        name = f"phrasings-{_SAFE_NAME.sub('_', version)}-{_SAFE_NAME.sub('_', encoder.model_id)}"
        self.cache_path = cache_dir / f"{name}.npz" if cache_dir is not None else None
        self.vectors: Vectors = self._load_or_encode()
        self._questions: OrderedDict[str, Vectors] = OrderedDict()
        self._question_cache_size = question_cache_size
        self._lock = threading.Lock()

    @classmethod
    def for_knowledge(
        cls,
        knowledge: Knowledge,
        encoder: Encoder,
        cache_dir: Path | None = None,
        question_cache_size: int = QUESTION_CACHE_SIZE,
    ) -> SemanticIndex:
        """The index of every entry's phrasings (FAQ and small talk, zh and en)."""
        return cls(
            phrasings_of(knowledge),
            encoder,
            version=knowledge.version,
            cache_dir=cache_dir,
            question_cache_size=question_cache_size,
        )

    # --- asking ------------------------------------------------------------------------------

    def encode_question(self, question: str) -> Vectors:
        """The question's unit vector ``(d,)``; a question seen lately is not encoded again."""
        key = question_text(question)
        with self._lock:
            cached = self._questions.get(key)
            if cached is not None:
                self._questions.move_to_end(key)
                return cached
        vector: Vectors = np.array(self._encoder.encode([key])[0], dtype=np.float32)
        vector.flags.writeable = False
        with self._lock:
            self._questions[key] = vector
            if len(self._questions) > self._question_cache_size:
                self._questions.popitem(last=False)
        return vector

    def entry_scores(self, question: str) -> dict[str, float]:
        """Every entry's best cosine over its phrasings, in index order."""
        best = self._best_per_entry(self.encode_question(question))
        return {
            entry_id: float(score) for entry_id, score in zip(self.entry_ids, best, strict=True)
        }

    def nearest(self, question: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` entries nearest the question: ``(entry_id, best cosine)``, best first."""
        if not self.entry_ids or k <= 0:
            return []
        best = self._best_per_entry(self.encode_question(question))
        # Stable, so equal scores keep the knowledge's order.
        order = np.argsort(-best, kind="stable")[:k]
        return [(self.entry_ids[i], float(best[i])) for i in order]

    def _best_per_entry(self, vector: Vectors) -> NDArray[np.float32]:
        if not self.entry_ids:
            return np.zeros(0, dtype=np.float32)
        similarities = self.vectors @ vector
        return np.maximum.reduceat(similarities, self._starts)

    # --- the cache of phrasing vectors --------------------------------------------------------

    def _load_or_encode(self) -> Vectors:
        if not self.texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        cached = self._read_cache()
        if cached is not None:
            return cached
        vectors = np.ascontiguousarray(self._encoder.encode(list(self.texts)), dtype=np.float32)
        if vectors.shape[0] != len(self.texts):
            raise ValueError(f"encoder gave {vectors.shape[0]} rows for {len(self.texts)} texts")
        vectors.flags.writeable = False
        self._write_cache(vectors)
        return vectors

    def _read_cache(self) -> Vectors | None:
        if self.cache_path is None:
            return None
        try:
            with np.load(self.cache_path, allow_pickle=False) as stored:
                digest = str(stored["digest"])
                vectors: Vectors = np.asarray(stored["vectors"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            log.warning(
                "%s: unreadable (%s), encoding the phrasings again", self.cache_path, error
            )
            return None
        if (
            digest != self._digest
            or vectors.dtype != np.float32
            or vectors.ndim != 2
            or vectors.shape[0] != len(self.texts)
            or not np.isfinite(vectors).all()
        ):
            log.warning("%s: not these phrasings, encoding them again", self.cache_path)
            return None
        vectors.flags.writeable = False
        return vectors

    def _write_cache(self, vectors: Vectors) -> None:
        if self.cache_path is None:
            return
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.cache_path, [_npz_bytes(self._digest, vectors)])
        except OSError as error:
            log.warning("semantic cache %s not written: %s", self.cache_path, error)
            return
        _prune_phrasing_caches(self.cache_path.parent, self._encoder.model_id, self.cache_path)


def _npz_bytes(digest: str, vectors: Vectors) -> bytes:
    """The phrasing cache: an uncompressed npz, whose zip members are CRC-checked when read."""
    buffer = io.BytesIO()
    np.savez(buffer, digest=np.array(digest), vectors=vectors)
    return buffer.getvalue()


def _prune_phrasing_caches(folder: Path, model_id: str, keep: Path) -> None:
    """Delete all but the newest ``KEPT_PHRASING_CACHES`` phrasing caches of one model."""

    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # deleted meanwhile by another process pruning too
            return 0.0

    pattern = f"phrasings-*-{_SAFE_NAME.sub('_', model_id)}.npz"
    others = sorted((p for p in folder.glob(pattern) if p != keep), key=modified, reverse=True)
    for old in others[KEPT_PHRASING_CACHES - 1 :]:
        old.unlink(missing_ok=True)


class SemanticIndexer:
    """One loaded encoder, indexing each knowledge version the bot loads (a start, an edit,
    a rollback), the vectors cached in ``cache_dir``."""

    def __init__(
        self,
        encoder: Encoder,
        cache_dir: Path | None = None,
        question_cache_size: int = QUESTION_CACHE_SIZE,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        # 0 encodes every question afresh: what a benchmark of the encoding cost needs.
        self.question_cache_size = question_cache_size

    @classmethod
    def load(
        cls, cache_dir: Path | None, question_cache_size: int = QUESTION_CACHE_SIZE
    ) -> SemanticIndexer:
        """The pinned encoder, loaded (from its caches in ``cache_dir`` when there)."""
        return cls(load_encoder(cache_dir), cache_dir, question_cache_size)

    @classmethod
    def from_settings(cls, settings: Settings) -> SemanticIndexer:
        """The indexer the settings describe (``semantic.cache_path``)."""
        return cls.load(Path(settings.semantic.cache_path))

    def index(self, knowledge: Knowledge) -> SemanticIndex:
        """The index of one knowledge version."""
        return SemanticIndex.for_knowledge(
            knowledge, self.encoder, self.cache_dir, self.question_cache_size
        )
