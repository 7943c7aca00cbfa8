"""The answer engine: question in, cited answer (or an honest decline) out.

Plain Python over plain values; no front end is imported here. ``Engine`` is immutable once
built, so a hot reload builds a new one and swaps the reference: a question in flight is
answered from one consistent knowledge version.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.answers import Answer, Citation, Language, Status, Suggestion
from bot.figures import figures_in
from bot.knowledge import Entry, Knowledge, Topic, load_knowledge
from bot.matching import Analyzer, Candidate, Matcher
from bot.messages import say
from bot.textnorm import detect_language, normalize, to_traditional

# Decision thresholds, tuned on the tuning half of knowledge/questions.yaml.
ANSWER_COVERAGE = 0.75  # share of the question an entry must explain to be answered
# ... or less, when the question states the entry's closest phrasing word for word: what is left
# is phrasing ("报道里讲话的那位"), since names, periods and measures are checked on their own.
FULL_PHRASING_COVERAGE = 0.6
FULL_PHRASING = 0.95
ANSWER_SCORE = 0.55
# A question naming a figure that one entry states (reverse look-up) needs less coverage.
FIGURE_SHARE = 0.4
FIGURE_COVERAGE = 0.5
# A question saying this little (目标是多少, 投资多少) that several entries explain is ambiguous.
MIN_SPECIFIC_WEIGHT = 3.5
CLEAR_WIN = 0.2  # ... unless one entry fits it far better than the rest
AMBIGUOUS_SCORE = 0.4
TIE_MARGIN = 0.08  # entries this close to the best one compete with it
SUGGESTION_SCORE = 0.2
MAX_CHOICES = 4
MAX_SUGGESTIONS = 3
MAX_QUESTION_CHARS = 1000

# "是不是300亿", "对不对", "五十家还是一百家", "is it …?": a question checking a figure, maybe
# a wrong one.
_CONFIRMATION = re.compile(
    r"是不是|对不对|对吗|是吗|是否|没错吧|还是|[吗吧][?？!！。]*$"
    r"|\b(?:is it|isn't it|right|correct)\b|^(?:is|are|was|does|did) "
)
# "多少", "几个", "how many": the question wants a number (not 哪几 "which ones", nor 几句).
_QUANTITY = re.compile(r"多少|(?<!哪)几[个家项亿万倍成]|how (?:much|many)")
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")


class Engine:
    """Answers questions from one validated knowledge set."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._with_figures = frozenset(
            entry.id
            for entry in knowledge.entries.values()
            if any(figures_in(knowledge.facts[f].value) for f in entry.facts)
        )
        self._analyzer = Analyzer(knowledge.lexicon)
        self._matcher = Matcher(
            knowledge.entries.values(),
            knowledge.facts,
            self._analyzer,
            knowledge.lexicon.exclusive,
            knowledge.lexicon.measures,
            normalize,
            "\n".join(source.article.citable_text for source in knowledge.sources.values()),
            knowledge.lexicon.implies,
            knowledge.lexicon.unit_measures,
        )

    @property
    def version(self) -> str:
        """The knowledge version answers come from."""
        return self.knowledge.version

    # --- asking ------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer one question as a person typed it."""
        question = question[:MAX_QUESTION_CHARS]
        language = detect_language(question)
        normalized = normalize(question)
        analysis = self._analyzer.analyze(normalized) if _MEANINGFUL.search(normalized) else None
        if analysis is None or (not analysis.features and not analysis.out_of_scope):
            # "👍", "哈哈哈", "请问什么": nothing to look up. A prompt with examples, which is
            # small talk, not a declined question.
            return self._reply(
                question,
                Status.SMALLTALK,
                say("empty_question", language),
                language,
                normalized=normalized,
                suggestions=self.examples(language),
                reason="nothing to look up",
            )
        if analysis.out_of_scope:
            name = analysis.out_of_scope[0]
            return self._reply(
                question,
                Status.NO_ANSWER,
                say("out_of_scope", language, name=name),
                language,
                normalized=normalized,
                reason=f"out of scope: {name}",
            )
        exact = self._matcher.exact(normalized)
        if exact is not None:
            # The question is one of an entry's own phrasings: no guessing needed.
            return self._entry_answer(exact, language, question, normalized, 1.0)
        unknown = self._matcher.unknown_names(analysis)
        if unknown:
            return self._reply(
                question,
                Status.NO_ANSWER,
                say("out_of_scope", language, name=unknown[0]),
                language,
                normalized=normalized,
                reason=f"unknown name: {unknown[0]}",
            )
        if _CONFIRMATION.search(normalized):
            analysis = self._matcher.without_figures(analysis)
        candidates = self._matcher.rank(analysis)
        if _QUANTITY.search(normalized):
            # "中元今年拿到多少订单": a question asking for a number is only answered by an
            # entry that states one.
            candidates = [c for c in candidates if c.entry.id in self._with_figures]
        stating = [c for c in candidates if c.states_figures]
        if stating:
            # A figure asked about ("50家指的是什么") is answered by the entry most specifically
            # about it, not by overviews that list it among others.
            fewest = min(len(c.entry.facts) for c in stating)
            candidates = [
                c for c in candidates if not c.states_figures or len(c.entry.facts) == fewest
            ]
        information = self._matcher.information(analysis)
        return self._decide(question, normalized, language, candidates, information)

    def _decide(
        self,
        question: str,
        normalized: str,
        language: Language,
        candidates: list[Candidate],
        information: float,
    ) -> Answer:
        best = candidates[0] if candidates else None
        explaining = [c for c in candidates if _explains(c)]
        exact = [
            c
            for c in explaining
            if c.entry.kind == "smalltalk"
            and c.question_coverage > 0.99
            and c.phrasing_coverage > 0.99
        ]
        # Small talk said word for word ("/start", "谢谢") is never vague.
        vague = (
            information < MIN_SPECIFIC_WEIGHT
            and len(explaining) >= 2
            and len(exact) != 1
            and explaining[0].score - explaining[1].score < CLEAR_WIN
        )
        if len(exact) == 1 and information < MIN_SPECIFIC_WEIGHT:
            explaining = exact
        contenders = [
            c
            for c in explaining
            if best is not None and (vague or c.score >= best.score - TIE_MARGIN)
        ]
        if not vague:
            contenders = _most_specific(contenders)
        if len(contenders) == 1 and contenders[0].score >= ANSWER_SCORE:
            chosen = contenders[0]
            return self._entry_answer(chosen.entry, language, question, normalized, chosen.score)
        faq_contenders = [c for c in contenders if c.entry.kind == "faq"]
        if best is not None and len(faq_contenders) >= 2 and best.score >= AMBIGUOUS_SCORE:
            choices = tuple(
                self._suggestion(c.entry, language) for c in faq_contenders[:MAX_CHOICES]
            )
            return self._reply(
                question,
                Status.AMBIGUOUS,
                say("ambiguous", language),
                language,
                normalized=normalized,
                suggestions=choices,
                confidence=best.score,
                reason="several entries fit",
            )
        near = tuple(
            self._suggestion(c.entry, language)
            for c in candidates
            if c.entry.kind == "faq" and c.score >= SUGGESTION_SCORE
        )[:MAX_SUGGESTIONS]
        text = say("no_answer", language)
        if near:
            text = f"{text}\n{say('no_answer_suggestions', language)}"
        return self._reply(
            question,
            Status.NO_ANSWER,
            text,
            language,
            normalized=normalized,
            suggestions=near,
            confidence=best.score if best else 0.0,
            reason="no entry fits",
        )

    def answer_entry(self, entry_id: str, language: Language) -> Answer | None:
        """The answer of one entry (a tapped suggestion); None if it no longer exists."""
        entry = self.knowledge.entries.get(entry_id)
        if entry is None:
            return None
        question = self._question_of(entry, language)
        return self._entry_answer(entry, language, question, normalize(question), 1.0)

    def _entry_answer(
        self, entry: Entry, language: Language, question: str, normalized: str, confidence: float
    ) -> Answer:
        if entry.kind == "smalltalk":
            source = self.knowledge.primary_source
            pointer = say(
                "smalltalk_pointer", language, title=source.title, title_en=source.title_en
            )
            text = f"{self._localise(entry.answer_zh, entry.answer_en, language)}\n{pointer}"
            return self._reply(
                question,
                Status.SMALLTALK,
                text,
                language,
                normalized=normalized,
                entry_id=entry.id,
                suggestions=self.examples(language),
                confidence=confidence,
            )
        return self._reply(
            question,
            Status.ANSWERED,
            self._localise(entry.answer_zh, entry.answer_en, language),
            language,
            normalized=normalized,
            entry_id=entry.id,
            citations=self._citations(entry),
            confidence=confidence,
            suggestions=tuple(
                self._suggestion(self.knowledge.entries[r], language) for r in entry.related
            ),
        )

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
        return tuple(self._suggestion(e, language) for e in firsts[:MAX_CHOICES])

    # --- composition -------------------------------------------------------------------------

    def _citations(self, entry: Entry) -> tuple[Citation, ...]:
        citations = []
        for fact_id in entry.facts:
            fact = self.knowledge.facts[fact_id]
            source = self.knowledge.sources[fact.source]
            citations.append(Citation(fact.id, fact.quote, source.newspaper, source.date))
        return tuple(citations)

    def _suggestion(self, entry: Entry, language: Language) -> Suggestion:
        return Suggestion(entry.id, self._question_of(entry, language))

    def _question_of(self, entry: Entry, language: Language) -> str:
        english = entry.questions_en[0] if entry.questions_en else entry.questions_zh[0]
        return self._localise(entry.questions_zh[0], english, language)

    @staticmethod
    def _localise(zh: str, en: str, language: Language) -> str:
        if language is Language.ENGLISH:
            return en
        return to_traditional(zh) if language is Language.TRADITIONAL else zh

    def _reply(
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
    ) -> Answer:
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
        )


def _explains(candidate: Candidate) -> bool:
    """Whether an entry explains enough of the question to answer it."""
    return (
        candidate.question_coverage >= ANSWER_COVERAGE
        or (
            candidate.missing_terms == 0
            and candidate.question_coverage >= FULL_PHRASING_COVERAGE
            and candidate.phrasing_coverage >= FULL_PHRASING
        )
        or (
            # "65亿元打造的是什么中心": a figure the entry states identifies it.
            candidate.missing_terms == 0
            and candidate.states_figures
            and candidate.figure_share >= FIGURE_SHARE
            and candidate.question_coverage >= FIGURE_COVERAGE
        )
    )


def _most_specific(contenders: list[Candidate]) -> list[Candidate]:
    """Drop overviews: an entry whose facts include all of another contender's facts and more
    ("小面今年和明年的目标" against "小面今年的目标") gives way to the narrower one."""
    facts = [set(c.entry.facts) for c in contenders]
    return [
        c
        for c, mine in zip(contenders, facts, strict=True)
        if not any(other and other < mine for other in facts)
    ]


def load_engine(directory: Path) -> Engine:
    """Load, validate and index a knowledge folder (raises ``KnowledgeError``)."""
    return Engine(load_knowledge(directory))
