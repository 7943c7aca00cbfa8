"""Why a knowledge change was refused: ``ChangeError`` (a reason code, its values, and the
problems line by line), and ``StorageError`` when the disk refused a write.

The reason is a code, not a sentence: ``bot.messages`` words it (``tg_kn_reason_<code>``) in
the language of whoever reads it; ``message`` is its English wording, for the process log.
Problems are the validator's lines (``file:line: field: problem``, as ``python -m bot check``
prints them) or ``Worded`` lines, which the admin reads in their language too.
"""

from __future__ import annotations

import errno
from pathlib import Path

from bot.engine.answers import Language
from bot.messages import say


class Worded(str):
    """A line that is its English text (for the process log, and wherever a plain string is
    expected) and can be worded in any language: the message ``key`` with ``values``. A value
    that is itself ``Worded`` is worded in the same language."""

    key: str
    values: dict[str, str]

    def __new__(cls, key: str, **values: str) -> Worded:
        line = super().__new__(cls, _word(key, values, Language.ENGLISH))
        line.key, line.values = key, values
        return line

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, str]]:
        # Copies and pickles are rebuilt from the key and values, not from the English text.
        return (self.key,), dict(self.values)

    def in_language(self, language: Language) -> str:
        """The line in ``language``."""
        return _word(self.key, self.values, language)


def _word(key: str, values: dict[str, str], language: Language) -> str:
    filled = {
        name: value.in_language(language) if isinstance(value, Worded) else value
        for name, value in values.items()
    }
    return say(key, language, **filled)


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

    def problems_in(self, language: Language) -> list[str]:
        """The problems, the ``Worded`` ones in ``language`` (the validator's stay as written)."""
        return [p.in_language(language) if isinstance(p, Worded) else p for p in self.problems]

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
