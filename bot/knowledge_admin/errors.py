"""Why a knowledge change was refused: ``ChangeError`` (with its problems, line by line), and
``StorageError`` when the disk refused a write."""

from __future__ import annotations

import errno
from pathlib import Path


class ChangeError(Exception):
    """A change was refused; ``problems`` (if any) say why, line by line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class StorageError(ChangeError):
    """The disk refused a write (full, read-only, …): nothing live changed, nothing was left."""

    def __init__(self, folder: Path, error: OSError) -> None:
        self.folder = folder
        self.kind = storage_problem(error)
        self.detail = error.strerror or str(error)
        super().__init__(f"{_STORAGE_WORDS[self.kind]} ({folder}): {self.detail}")


_STORAGE_WORDS = {
    "full": "the disk is full",
    "read_only": "the disk is read-only",
    "not_allowed": "no permission to write",
    "failed": "could not write",
}


def storage_problem(error: OSError) -> str:
    """What a refused write means, in one word: full, read_only, not_allowed or failed."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "full"
    if error.errno == errno.EROFS:
        return "read_only"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "not_allowed"
    return "failed"
