"""What the engine returns: plain values any front end (Telegram, terminal, JSON) can render."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """How the engine dealt with a question. Only ``ANSWERED`` states figures."""

    ANSWERED = "answered"
    AMBIGUOUS = "ambiguous"
    NO_ANSWER = "no_answer"
    SMALLTALK = "smalltalk"


UNSURE = "unsure"


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
