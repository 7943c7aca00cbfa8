"""The last step of every answer: an ``Answer`` composed from an entry, a decline or a choice.

Wording comes from bot.messages; figures only from the cited facts (a user's own figure is
never repeated back).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.engine.answers import NOT_STATED, UNSURE, Answer, Citation, Language, Status, Suggestion
from bot.engine.figures import is_amount
from bot.engine.knowledge import Entry, Knowledge, Topic
from bot.engine.matching import Matcher
from bot.engine.textnorm import to_traditional
from bot.engine.thresholds import Thresholds
from bot.messages import say


@dataclass(frozen=True, slots=True)
class Premise:
    """Figures a question states that matching set aside: a claim to confirm or correct."""

    figures: frozenset[str] = frozenset()
    # Terms set aside because the article says otherwise (a period, a title, an industry
    # not among the five): the claim had them wrong.
    mistaken: frozenset[str] = frozenset()
    confirming: bool = False


class Composer:
    """Builds the replies of one knowledge version."""

    def __init__(self, knowledge: Knowledge, matcher: Matcher, thresholds: Thresholds) -> None:
        self.knowledge = knowledge
        self._matcher = matcher
        self._thresholds = thresholds
        self.max_choices = thresholds.max_choices

    # --- browsing ----------------------------------------------------------------------------

    def topics(self) -> list[Topic]:
        """Topics that have entries, in file order."""
        used = {e.topic for e in self.knowledge.entries.values() if e.kind == "faq"}
        return [t for t in self.knowledge.topics.values() if t.id in used]

    def entries_in(self, topic_id: str) -> list[Entry]:
        """The FAQ entries of one topic, in file order."""
        return [
            e for e in self.knowledge.entries.values() if e.topic == topic_id and e.kind == "faq"
        ]

    def examples(self, language: Language) -> tuple[Suggestion, ...]:
        """Example questions: the first entry of each of the first topics."""
        firsts = [entries[0] for t in self.topics() if (entries := self.entries_in(t.id))]
        return tuple(self.suggestion(e, language) for e in firsts[: self._thresholds.max_choices])

    # --- answers -----------------------------------------------------------------------------

    def entry_answer(
        self,
        entry: Entry,
        language: Language,
        question: str,
        normalized: str,
        confidence: float,
        premise: Premise | None = None,
    ) -> Answer:
        """The answer of one entry, a claim the question made confirmed or corrected."""
        if entry.kind == "smalltalk":
            source = self.knowledge.primary_source
            pointer = say(
                "smalltalk_pointer", language, title=source.title, title_en=source.title_en
            )
            text = f"{localise(entry.answer_zh, entry.answer_en, language)}\n{pointer}"
            return self.reply(
                question,
                Status.SMALLTALK,
                text,
                language,
                normalized=normalized,
                entry_id=entry.id,
                suggestions=self.examples(language),
                confidence=confidence,
            )
        text = localise(entry.answer_zh, entry.answer_en, language)
        citations = self.citations(entry)
        if premise is not None and (premise.figures or premise.mistaken):
            wrong = premise.figures - self._matcher.figures_of(entry.id)
            if premise.mistaken or wrong:
                # The user's figure is not repeated: every figure in a reply is a cited one.
                text = f"{say('premise_wrong', language)}{text}"
                owner = self.stating(wrong, entry)
                if owner is not None:
                    # "听说小面今年目标是200亿？": 200亿元 is the article's figure for next
                    # year; the reply says so, cited, after the correction.
                    text += say("premise_elsewhere", language) + localise(
                        owner.answer_zh, owner.answer_en, language
                    )
                    citations += tuple(c for c in self.citations(owner) if c not in citations)
            elif premise.confirming:
                text = f"{say('premise_right', language)}{text}"
        return self.reply(
            question,
            Status.ANSWERED,
            text,
            language,
            normalized=normalized,
            entry_id=entry.id,
            citations=citations,
            confidence=confidence,
            suggestions=tuple(
                self.suggestion(self.knowledge.entries[r], language) for r in entry.related
            ),
        )

    def stating(self, figures: frozenset[str], answered: Entry | None = None) -> Entry | None:
        """The entry stating every one of these claimed figures with fewest figures besides
        (the article's own figure, claimed of the wrong thing or period); None when no
        entry, or only the one answered, states them all, or one is a bare count."""
        if not figures or not all(is_amount(f) for f in figures):
            return None
        owners = [
            e
            for e in self.knowledge.entries.values()
            if (answered is None or e.id != answered.id)
            and e.kind != "smalltalk"
            and figures <= self._matcher.figures_of(e.id)
        ]
        return min(owners, key=lambda e: len(self._matcher.figures_of(e.id)), default=None)

    def figure_elsewhere(
        self, owner: Entry, language: Language, question: str, normalized: str
    ) -> Answer:
        """ "首家五星级酒店投资36亿是吧？": the article does not say that (the question is not
        answered), and the figure claimed is its figure for something else (the 万吨
        project's), shown and cited."""
        text = say("premise_not_this", language) + localise(
            owner.answer_zh, owner.answer_en, language
        )
        return self.reply(
            question,
            Status.NO_ANSWER,
            text,
            language,
            normalized=normalized,
            citations=self.citations(owner),
            suggestions=(self.suggestion(owner, language),),
            reason=NOT_STATED,
        )

    def combined(
        self, question: str, language: Language, normalized: str, parts: list[Answer]
    ) -> Answer:
        """One reply to a message asking several things: each answer, and which question the
        article does not answer."""
        lines = []
        shown: list[Answer] = []
        suggestions: list[Suggestion] = []
        for part in parts:
            if part.status is Status.ANSWERED:
                if any(p.entry_id == part.entry_id for p in shown):
                    continue
                lines.append(part.text)
                shown.append(part)
                continue
            if part.status is Status.AMBIGUOUS:
                key = "part_ambiguous"
                suggestions.extend(s for s in part.suggestions if s not in suggestions)
            else:
                key = "part_unsure" if part.reason == UNSURE else "part_not_stated"
            note = replace(part, text=say(key, language, question=part.question))
            lines.append(note.text)
            shown.append(note)
        citations: list[Citation] = []
        for part in shown:
            citations.extend(c for c in part.citations if c not in citations)
        first = next(p for p in shown if p.status is Status.ANSWERED)
        return self.reply(
            question,
            Status.ANSWERED,
            "\n".join(lines),
            language,
            normalized=normalized,
            entry_id=first.entry_id,
            citations=tuple(citations),
            confidence=min(p.confidence for p in shown if p.status is Status.ANSWERED),
            suggestions=tuple(suggestions[: self._thresholds.max_choices]),
            parts=tuple(shown),
        )

    def citations(self, entry: Entry) -> tuple[Citation, ...]:
        """The entry's facts with their verbatim quotes and where they were published."""
        citations = []
        for fact_id in entry.facts:
            fact = self.knowledge.facts[fact_id]
            source = self.knowledge.sources[fact.source]
            citations.append(Citation(fact.id, fact.quote, source.newspaper, source.date))
        return tuple(citations)

    def suggestion(self, entry: Entry, language: Language) -> Suggestion:
        """An entry offered as a choice: its first phrasing in the question's language."""
        return Suggestion(entry.id, self.question_of(entry, language))

    def question_of(self, entry: Entry, language: Language) -> str:
        """The entry's first phrasing in ``language`` (Chinese when it has no English one)."""
        english = entry.questions_en[0] if entry.questions_en else entry.questions_zh[0]
        return localise(entry.questions_zh[0], english, language)

    def not_stated(
        self,
        question: str,
        language: Language,
        *,
        normalized: str,
        related: tuple[Suggestion, ...],
        confidence: float = 0.0,
        reason: str = NOT_STATED,
    ) -> Answer:
        """ "The article does not say", with the related things it does cover when there are
        any."""
        text = say("no_answer", language)
        if related:
            text = f"{text}\n{say('no_answer_suggestions', language)}"
        return self.reply(
            question,
            Status.NO_ANSWER,
            text,
            language,
            normalized=normalized,
            suggestions=related,
            confidence=confidence,
            reason=reason,
        )

    def reply(
        self,
        question: str,
        status: Status,
        text: str,
        language: Language,
        *,
        normalized: str,
        entry_id: str | None = None,
        citations: tuple[Citation, ...] = (),
        suggestions: tuple[Suggestion, ...] = (),
        confidence: float = 0.0,
        reason: str = "",
        parts: tuple[Answer, ...] = (),
    ) -> Answer:
        """An ``Answer`` of this knowledge version."""
        return Answer(
            question=question,
            status=status,
            text=text,
            language=language,
            citations=citations,
            confidence=confidence,
            entry_id=entry_id,
            suggestions=suggestions,
            normalized=normalized,
            knowledge_version=self.knowledge.version,
            reason=reason,
            parts=parts,
        )


def localise(zh: str, en: str, language: Language) -> str:
    """The text in the question's language and script."""
    if language is Language.ENGLISH:
        return en
    return to_traditional(zh) if language is Language.TRADITIONAL else zh
