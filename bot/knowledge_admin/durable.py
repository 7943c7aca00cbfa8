"""Durable file writes: every write of the knowledge and its history goes through these, so that
a crash leaves the old or the new file, a failure leaves no temporary file, and a test can
inject faults and count them (``tests/engine/faulty_disk.py``)."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

TEMPORARY_SUFFIX = ".tmp"


def write_new(path: Path, content: bytes) -> None:
    """Create (or truncate) ``path`` with ``content``, flushed to the disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_folder(path: Path) -> None:
    """Make a folder's renames durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def discard(path: Path) -> None:
    """Remove a file if it is there; a failure is logged, never raised (used while failing)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)


def discard_folder(path: Path) -> None:
    """Remove a (flat) snapshot folder if it is there; failures are logged, never raised."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)
        return
    for entry in entries:
        discard(Path(entry.path))
    try:
        os.rmdir(path)
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)


def temporary_of(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMPORARY_SUFFIX}")


def atomic_write(path: Path, content: bytes) -> None:
    """Write ``path`` so that a crash leaves the old or the new file; on failure, no trace."""
    temporary = temporary_of(path)
    try:
        write_new(temporary, content)
        os.replace(temporary, path)
    except OSError:
        discard(temporary)
        raise
    fsync_folder(path.parent)


class HalfWritten(OSError):
    """Some live files were replaced and could not be put back (two faults in a row)."""


def replace_files(directory: Path, files: Mapping[str, bytes], old: Mapping[str, bytes]) -> bool:
    """Replace ``files`` in ``directory``: every temporary file written first, then the renames.

    A full or read-only disk fails while writing: the live files stay as they were. A failure
    of a rename (not what a full disk does) puts the renamed files back; if that fails too,
    ``HalfWritten`` is raised and the change is completed by ``finish_interrupted_change``.
    Returns False when the renames are done but the folder could not be synced (they may not
    survive a power cut: the caller keeps the pending marker, which completes them then).
    """
    temporaries = {name: temporary_of(directory / name) for name in files}
    try:
        for name, content in files.items():
            write_new(temporaries[name], content)
    except OSError:
        for temporary in temporaries.values():
            discard(temporary)
        raise
    renamed: list[str] = []
    try:
        for name in files:
            os.replace(temporaries[name], directory / name)
            renamed.append(name)
    except OSError as error:
        for temporary in temporaries.values():
            discard(temporary)
        try:
            for name in renamed:
                if name in old:
                    atomic_write(directory / name, old[name])
                else:
                    os.unlink(directory / name)
        except OSError as second:
            raise HalfWritten(second.errno, second.strerror) from error
        raise
    try:
        fsync_folder(directory)
    except OSError as error:
        logger.warning("could not sync %s after replacing knowledge files: %s", directory, error)
        return False
    return True


def fingerprint(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def sync_quietly(folder: Path) -> None:
    """Sync a folder after a removal; a failure only risks the removal being undone."""
    try:
        fsync_folder(folder)
    except OSError as error:
        logger.warning("could not sync %s: %s", folder, error)
