"""What the engine returns: plain values any front end (Telegram, terminal, JSON) can render."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """How the engine dealt with a question. Only ``ANSWERED`` states figures."""

    ANSWERED = "answered"
    AMBIGUOUS = "ambiguous"
    NO_ANSWER = "no_answer"
    SMALLTALK = "smalltalk"


UNSURE = "unsure"
# The reason of a decline of a question the article understands but does not answer.
NOT_STATED = "not stated"


class Language(StrEnum):
    """The language and script a question was written in; replies use the same."""

    SIMPLIFIED = "zh-hans"
    TRADITIONAL = "zh-hant"
    ENGLISH = "en"

    @property
    def is_chinese(self) -> bool:
        """True for either Chinese script."""
        return self is not Language.ENGLISH


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a figure comes from: the article's own words, newspaper and date."""

    fact: str
    quote: str
    source: str
    date: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An entry offered as a choice or follow-up, with its question in the user's language."""

    id: str
    question: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply to one question."""

    question: str
    status: Status
    text: str
    language: Language
    citations: tuple[Citation, ...] = ()
    confidence: float = 0.0
    entry_id: str | None = None
    suggestions: tuple[Suggestion, ...] = ()
    normalized: str = ""
    knowledge_version: str = ""
    # Why a question was declined, for the log ("foreign place: 沙坪坝", "low score" …).
    # ``UNSURE`` marks a decline where the bot did not understand well enough to say the
    # article lacks it; every other decline means the article does not say.
    reason: str = ""
    # A message asking several things: one answer per question, in order (the answered ones
    # carry citations; ``text`` and ``citations`` are their union, for logs and plain views).
    parts: tuple[Answer, ...] = ()

    def __post_init__(self) -> None:
        # The suggestions ("you may also ask", choices) never offer what this reply answers.
        answered = self.answered_entries()
        if any(s.id in answered for s in self.suggestions):
            kept = tuple(s for s in self.suggestions if s.id not in answered)
            object.__setattr__(self, "suggestions", kept)

    def answered_entries(self) -> frozenset[str]:
        """The entries this reply answers: its own, and every answered part's."""
        pieces = (self, *self.parts)
        return frozenset(
            piece.entry_id
            for piece in pieces
            if piece.entry_id is not None and piece.status is Status.ANSWERED
        )

    def to_json(self) -> dict[str, object]:
        """The stable JSON shape of ``python -m bot ask --json``."""
        return {
            "question": self.question,
            "status": self.status.value,
            "answer": self.text,
            "citations": [
                {"fact": c.fact, "quote": c.quote, "source": c.source, "date": c.date}
                for c in self.citations
            ],
            "confidence": round(self.confidence, 4),
            "id": self.entry_id,
            "suggestions": [{"id": s.id, "question": s.question} for s in self.suggestions],
            "parts": [part.to_json() for part in self.parts],
        }


def unreadable_json(error: str) -> dict[str, object]:
    """The ``ask --json`` object for an input line that could not be read as text.

    The stable keys are all there, empty, so a reader that checks ``status`` first needs no
    special case: ``{"question": null, "status": "error", "error": "line 3 is not valid
    UTF-8", "answer": null, "citations": [], "confidence": 0.0, "id": null, …}``.
    """
    return {
        "question": None,
        "status": "error",
        "error": error,
        "answer": None,
        "citations": [],
        "confidence": 0.0,
        "id": None,
        "suggestions": [],
        "parts": [],
    }


# Left raw by json.dumps(ensure_ascii=False) but unsafe in a line of JSON: DEL and the C1
# controls (U+0085 ends a line for str.splitlines), U+2028/U+2029 (line ends for
# str.splitlines and JavaScript before ES2019), and lone surrogates (UTF-8 has no bytes for
# them).
_UNSAFE_IN_A_LINE = re.compile(r"[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def json_line(shape: Mapping[str, object]) -> str:
    """``shape`` as one line of JSON that every line-based reader splits only at its end.

    Readable characters stay as they are (Chinese is not escaped); the unsafe ones are escaped
    as \\uXXXX, which can only occur inside strings, so the JSON means the same.
    """
    text = json.dumps(shape, ensure_ascii=False)
    return _UNSAFE_IN_A_LINE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
