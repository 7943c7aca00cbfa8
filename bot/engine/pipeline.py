"""The answer engine: question in, cited answer (or an honest decline) out.

A message goes through named steps, in order:

1. **cut** to ``Thresholds.max_question_chars``;
2. **the message's questions** (bot.engine.message): the message is cut into clauses, each
   question asked with its context, the answers combined;
3. **each question** (bot.engine.question): normalise (width, script, numerals, sound-alike
   slips) → nothing to look up → out-of-scope name → exact phrasing → unknown name → bare
   figure → set claims aside → match and decide (bot.engine.decision: rank → precision
   filters → decide → say which no) → correct a claimed period;
4. **semantic second look**: what matching left unsure is asked once more with the semantic
   signal, which may answer (when matching ranks its entry too) or offer guesses;
5. **compose** (bot.engine.compose): the answer with its citations, or the decline.

Every tuned number is a field of ``Thresholds``; the optional steps (bot.engine.steps) can
be switched off by name. Plain Python over plain values; no front end is imported here.
``Engine`` is immutable once built, so a hot reload builds a new one and swaps the reference:
a question in flight is answered from one consistent knowledge version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from bot.engine.analysis import Analyzer
from bot.engine.answers import UNSURE, Answer, Language, Status, Suggestion
from bot.engine.compose import Composer
from bot.engine.decision import Decider, SemanticSignal
from bot.engine.knowledge import Entry, Knowledge, Topic, load_knowledge
from bot.engine.matching import Matcher
from bot.engine.message import MessageSteps
from bot.engine.question import QuestionSteps
from bot.engine.steps import checked_steps
from bot.engine.textnorm import normalize
from bot.engine.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = ["Engine", "SemanticIndexer", "SemanticSignal", "load_engine"]


class SemanticIndexer(Protocol):
    """Builds the semantic signal of a knowledge version (``semantic.SemanticIndexer``)."""

    def index(self, knowledge: Knowledge) -> SemanticSignal:
        """The signal over this knowledge's phrasings."""
        ...


class Engine:
    """Answers questions from one validated knowledge set."""

    def __init__(
        self,
        knowledge: Knowledge,
        semantic: SemanticIndexer | None = None,
        *,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        disabled_steps: Iterable[str] = frozenset(),
    ) -> None:
        self.knowledge = knowledge
        self.semantic = semantic
        self.thresholds = thresholds
        self.disabled_steps = checked_steps(disabled_steps)
        disabled = self.disabled_steps
        self._semantic = (
            semantic.index(knowledge)
            if semantic is not None and "semantic" not in disabled
            else None
        )
        lexicon = knowledge.lexicon
        analyzer = Analyzer(
            lexicon,
            thresholds,
            correct_typos="typos" not in disabled,
            known_english=_english_words(knowledge),
        )
        matcher = Matcher(
            knowledge.entries.values(),
            knowledge.facts,
            analyzer,
            lexicon.exclusive,
            lexicon.measures,
            normalize,
            "\n".join(source.article.citable_text for source in knowledge.sources.values()),
            lexicon.implies,
            lexicon.unit_measures,
            thresholds,
        )
        self._compose = Composer(knowledge, matcher, thresholds)
        decider = Decider(knowledge, matcher, self._compose, self._semantic, thresholds)
        self._question = QuestionSteps(
            knowledge, analyzer, matcher, self._compose, decider, thresholds, disabled
        )
        self._message = MessageSteps(self._question, analyzer, matcher, self._compose, disabled)

    def for_knowledge(self, knowledge: Knowledge) -> Engine:
        """An engine over other knowledge (an edit, a rollback) with the same signals,
        thresholds and steps."""
        return Engine(
            knowledge,
            self.semantic,
            thresholds=self.thresholds,
            disabled_steps=self.disabled_steps,
        )

    @property
    def version(self) -> str:
        """The knowledge version answers come from."""
        return self.knowledge.version

    def ask(self, question: str) -> Answer:
        """Answer a message as a person typed it: one question, or several, with context."""
        question = question[: self.thresholds.max_question_chars]
        answer = self._message.answer(question)
        if answer.reason != UNSURE or self._semantic is None:
            return answer
        # What matching left unsure, the semantic signal gets one look at: once a message,
        # as its encoding costs more than all the rest of an answer.
        second = self._question.ask(self._message.without_the_writer(question), recall=True)
        if second.status is Status.ANSWERED or second.reason == UNSURE:
            return replace(second, question=question)
        return answer

    def terms_of(self, text: str) -> frozenset[str]:
        """The lexicon terms ``text`` names as matching reads it (normalised, slips corrected):
        what a follow-up borrows of the question before it (``bot.engine.followup``)."""
        return self._question.terms_of(text)

    def names_subject(self, text: str) -> bool:
        """Whether a question names what it is about, beyond what it asks for."""
        return self._question.names_subject(text)

    def answer_entry(self, entry_id: str, language: Language) -> Answer | None:
        """The answer of one entry (a tapped suggestion); None if it no longer exists."""
        entry = self.knowledge.entries.get(entry_id)
        if entry is None:
            return None
        question = self._compose.question_of(entry, language)
        return self._compose.entry_answer(entry, language, question, normalize(question), 1.0)

    # --- browsing ----------------------------------------------------------------------------

    def topics(self) -> list[Topic]:
        """Topics that have entries, in file order."""
        return self._compose.topics()

    def entries_in(self, topic_id: str) -> list[Entry]:
        """The FAQ entries of one topic, in file order."""
        return self._compose.entries_in(topic_id)

    def examples(self, language: Language) -> tuple[Suggestion, ...]:
        """Example questions: the first entry of each of the first topics."""
        return self._compose.examples(language)


def load_engine(
    directory: Path,
    semantic: SemanticIndexer | None = None,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    disabled_steps: Iterable[str] = frozenset(),
) -> Engine:
    """Load, validate and index a knowledge folder (raises ``KnowledgeError``)."""
    return Engine(
        load_knowledge(directory),
        semantic,
        thresholds=thresholds,
        disabled_steps=disabled_steps,
    )


def _english_words(knowledge: Knowledge) -> set[str]:
    """Every English word of the knowledge's phrasings and answers (spelled as it should be)."""
    return {
        word
        for entry in knowledge.entries.values()
        for text in (*entry.questions_en, entry.answer_en)
        for word in re.findall(r"[a-z]+", text.lower())
    }
