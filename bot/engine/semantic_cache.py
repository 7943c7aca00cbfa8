"""The semantic signal's cache files: blobs that carry the sha256 of their content (a torn
or altered file is recognised and rebuilt, never trusted), mapped arrays, atomic writes."""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

# Bump the digit when what a cache blob holds changes: older files are then rebuilt.
_BLOB_MAGIC = b"DDKSEM1\n"
_ALIGN = 64
_READ_CHUNK = 1 << 20


def write_arrays(path: Path, arrays: Mapping[str, NDArray[Any]], model_id: str) -> None:
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
    write_blob(path, {"kind": "weights", "arrays": index}, chunks, model_id)


def mapped_arrays(
    path: Path, model_id: str, required: Iterable[str]
) -> dict[str, NDArray[Any]] | None:
    """The arrays of a weights blob, read-only views of the mapped file; None if unusable."""
    blob = read_blob(path, "weights", model_id)
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
        missing = [name for name in required if name not in arrays]
        if missing:
            raise ValueError(f"arrays missing: {missing}")
    except (KeyError, TypeError, ValueError) as error:
        log.warning("%s: unusable (%s), rebuilding", path, error)
        return None
    return arrays


# --- cache blobs: header, sha256 of the content, the content --------------------------------


def write_blob(
    path: Path, header: Mapping[str, Any], chunks: Sequence[bytes | memoryview], model_id: str
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
    full = {**header, "model": model_id, "size": size, "sha256": digest.hexdigest()}
    encoded = json.dumps(full, sort_keys=True).encode("utf-8")
    # The content starts aligned, so arrays mapped from it are aligned too.
    start = len(_BLOB_MAGIC) + 8 + len(encoded)
    encoded += b" " * (-start % _ALIGN)
    prefix = _BLOB_MAGIC + len(encoded).to_bytes(8, "little") + encoded
    try:
        atomic_write(path, [prefix, *chunks])
    except OSError as error:
        log.warning("semantic cache %s not written: %s", path, error)
        return False
    return True


def read_blob(
    path: Path, kind: str, model_id: str
) -> tuple[dict[str, Any], mmap.mmap, int] | None:
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
            if header.get("kind") != kind or header.get("model") != model_id:
                raise ValueError("another kind or model")
            start = handle.tell()
            size = os.fstat(handle.fileno()).st_size - start
            if size != header.get("size"):
                raise ValueError(f"{size} bytes of content, {header.get('size')} expected")
            # Hashed through read(), not the mapping: checking does not make it resident.
            if sha256_of(handle) != header.get("sha256"):
                raise ValueError("content does not match its sha256")
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError, UnicodeDecodeError) as error:
            log.warning("%s: unusable (%s), rebuilding", path, error)
            return None
    return header, mapped, start


def sha256_of(handle: Any) -> str:
    """sha256 of the rest of an open binary file, read in chunks."""
    digest = hashlib.sha256()
    while chunk := handle.read(_READ_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def atomic_write(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
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
