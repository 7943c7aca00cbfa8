"""Why a knowledge change was refused: ``ChangeError`` (a reason code, its values, and the
problems line by line), and ``StorageError`` when the disk refused a write.

The reason is a code, not a sentence: ``bot.messages`` words it (``tg_kn_reason_<code>``) in
the language of whoever reads it; ``message`` is its English wording, for the process log.
"""

from __future__ import annotations

import errno
from pathlib import Path

from bot.engine.answers import Language
from bot.messages import say


class ChangeError(Exception):
    """A change was refused for ``reason`` (a code; ``values`` fill its wording); ``problems``
    (if any) say why, line by line."""

    def __init__(self, reason: str, problems: list[str] | None = None, **values: str) -> None:
        self.reason = reason
        self.values = values
        self.problems = problems or []
        super().__init__(self.message)

    def reason_in(self, language: Language) -> str:
        """The reason worded in ``language``."""
        return say(f"tg_kn_reason_{self.reason}", language, **self.values)

    @property
    def message(self) -> str:
        """The reason in English, as the process log and the tests read it."""
        return self.reason_in(Language.ENGLISH)


class StorageError(ChangeError):
    """The disk refused a write (full, read-only, …): nothing live changed, nothing was left."""

    def __init__(self, folder: Path, error: OSError) -> None:
        self.folder = folder
        self.kind = storage_problem(error)
        self.detail = error.strerror or str(error)
        super().__init__(f"storage_{self.kind}", folder=str(folder), detail=self.detail)


def storage_problem(error: OSError) -> str:
    """What a refused write means, in one word: full, read_only, not_allowed or failed."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "full"
    if error.errno == errno.EROFS:
        return "read_only"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "not_allowed"
    return "failed"
