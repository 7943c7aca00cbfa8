"""The answer engine: question in, cited answer (or an honest decline) out.

Plain Python over plain values; no front end is imported here. ``Engine`` is immutable once
built, so a hot reload builds a new one and swaps the reference: a question in flight is
answered from one consistent knowledge version.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.engine.answers import UNSURE, Answer, Citation, Language, Status, Suggestion
from bot.engine.clauses import Clause, clauses, split_respectively
from bot.engine.figures import figures_in
from bot.engine.homophones import HomophoneCorrector
from bot.engine.knowledge import Entry, Knowledge, Topic, load_knowledge
from bot.engine.matching import Analysis, Analyzer, Candidate, Matcher
from bot.engine.textnorm import detect_language, normalize, to_traditional
from bot.messages import say

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
# The semantic recall signal (bot.engine.semantic): it answers a question lexical matching left
# unsure only when its nearest entry is this close, this far ahead of the next entry, and
# ranked by the lexical matcher with at least this score and no specific term missing.
RECALL_SIMILARITY = 0.75
RECALL_MARGIN = 0.1
RECALL_LEXICAL_SCORE = 0.45
GUESS_SIMILARITY = 0.35  # entries offered as "您是想问……吗"

# "是不是300亿", "对不对", "五十家还是一百家", "is it …?": a question checking a figure, maybe
# a wrong one.
# Chongqing speech ends a check with 嗦 or 噻 ("是一季度的噻") as others do with 吗.
_CONFIRMATION = re.compile(
    r"是不是|对不对|对吗|是吗|是否|没错吧|还是|真的|有没有|有没得|[吗吧嗦噻][?？!！。]*$"
    r"|\b(?:is it|isn't it|right|correct|true|really)\b|^(?:is|are|was|does|did) "
)
# "多少", "几个", "how many": the question wants a number (not 哪几 "which ones", nor 几句).
_QUANTITY = re.compile(r"多少|(?<!哪)几[个家项亿万倍成]|how (?:much|many)")
# A number counted by a measure word: 500家, 34个, 7项.
_COUNTED = re.compile(r"(?<![\d.])(\d+)(?:个|家|项)")
_NOT_STATED = "not stated"
# Measures asking what a thing is called: a figure named beside them identifies the thing.
_NAMING_MEASURES = frozenset({"名字"})
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")
_OUT_OF_SCOPE = "out of scope: "
_UNKNOWN_NAME = "unknown name: "
_NAME_DECLINES = (_OUT_OF_SCOPE, _UNKNOWN_NAME)
_WHICH = re.compile(r"哪|什么|啥|谁|\b(?:which|what|who)\b")
_ASKING = re.compile(r"[哪几多什么谁啥咋吗呢么]")


class SemanticSignal(Protocol):
    """Which entries a question is nearest to in meaning (``semantic.SemanticIndex``)."""

    def nearest(self, question: str, k: int = 5) -> list[tuple[str, float]]:
        """``(entry_id, similarity)`` of the ``k`` nearest entries, best first."""
        ...


class SemanticIndexer(Protocol):
    """Builds the semantic signal of a knowledge version (``semantic.SemanticIndexer``)."""

    def index(self, knowledge: Knowledge) -> SemanticSignal:
        """The signal over this knowledge's phrasings."""
        ...


class Engine:
    """Answers questions from one validated knowledge set."""

    def __init__(self, knowledge: Knowledge, semantic: SemanticIndexer | None = None) -> None:
        self.knowledge = knowledge
        self.semantic = semantic
        self._semantic = semantic.index(knowledge) if semantic is not None else None
        self._with_figures = frozenset(
            entry.id
            for entry in knowledge.entries.values()
            if any(figures_in(knowledge.facts[f].value) for f in entry.facts)
        )
        # Each figure of the article, as written, with the narrowest FAQ entry stating it.
        self._figure_entries: dict[str, str] = {}
        for entry in sorted(
            (e for e in knowledge.entries.values() if e.kind == "faq"), key=lambda e: len(e.facts)
        ):
            for fact_id in entry.facts:
                for stated in figures_in(knowledge.facts[fact_id].value):
                    self._figure_entries.setdefault(stated, entry.id)
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
        # The article's own place (the subject most facts are about: 大渡口区), as terms.
        subjects = Counter(fact.subject for fact in knowledge.facts.values() if fact.subject)
        self._home = (
            self._analyzer.analyze(normalize(subjects.most_common(1)[0][0])).terms
            if subjects
            else frozenset()
        )
        # Sound-alike slips are corrected into the words matching knows, names the article
        # must decline included (沙平坝 is 沙坪坝); question words and stop words are kept
        # as typed, never the result of a correction.
        lexicon = knowledge.lexicon
        vocabulary = self._analyzer.chinese_surfaces()
        for names in lexicon.out_of_scope.values():
            vocabulary.update((name, name) for name in names)
        self._homophones = HomophoneCorrector(
            vocabulary,
            protected={*lexicon.stopwords_zh, *(w for w in vocabulary if _ASKING.search(w))},
        )

    def for_knowledge(self, knowledge: Knowledge) -> Engine:
        """An engine over other knowledge (an edit, a rollback) with the same signals."""
        return Engine(knowledge, self.semantic)

    @property
    def version(self) -> str:
        """The knowledge version answers come from."""
        return self.knowledge.version

    # --- asking ------------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer a message as a person typed it: one question, or several, with context."""
        question = question[:MAX_QUESTION_CHARS]
        answer = self._answer(question)
        if answer.reason != UNSURE or self._semantic is None:
            return answer
        # What matching left unsure, the semantic signal gets one look at: once a message,
        # as its encoding costs more than all the rest of an answer.
        second = self._ask_one(question, recall=True)
        if second.status is Status.ANSWERED or second.reason == UNSURE:
            return second
        return answer

    def _answer(self, question: str) -> Answer:
        """The lexical reply to a message: its questions, context set aside."""
        whole = self._ask_one(question)
        if whole.status is Status.SMALLTALK and whole.entry_id is None:
            return whole  # nothing to look up
        pieces = clauses(question)
        subject = " ".join(c.text for c in pieces if not c.about_writer)
        if self._foreign(subject):
            # Another place, industry or firm the question itself is about (not the writer's
            # own town or trade in "我在杭州做投资…"): declined, whatever else the message asks
            # — unless each of its questions says which place it is about.
            home = self._home_questions(question, pieces, whole.language, whole.normalized)
            if home is not None:
                return home
            return whole if whole.status is not Status.ANSWERED else self._ask_one(subject)
        questions = self._questions(pieces) or [("", question)]
        if len(questions) == 1 and not questions[0][0] and len(pieces) == 1:
            return whole  # one plain question: its parts are itself
        parts = [self._ask_part(context, text) for context, text in questions]
        answered = _distinct_answers(parts)
        if whole.status is Status.ANSWERED and not answered:
            return whole
        if not answered and whole.reason == UNSURE and len(pieces) > 1:
            # "Thanks, that's really helpful!": one clause is small talk, the rest filler.
            for piece in pieces:
                chat = self._ask_one(piece.text)
                if chat.status is Status.SMALLTALK and chat.entry_id is not None:
                    return replace(chat, question=question)
        if not answered:
            # A long message whose question alone is clearer (ambiguous beats unsure), or
            # whose whole was declined for a name that is only the writer's own.
            if (
                whole.status is Status.NO_ANSWER
                and len(parts) == 1
                and (
                    parts[0].status is Status.AMBIGUOUS
                    or (parts[0].reason != UNSURE and whole.reason == UNSURE)
                    or whole.reason.startswith(_NAME_DECLINES)
                )
            ):
                return replace(parts[0], question=question)
            return whole
        asked = [p for p in parts if p.status is not Status.SMALLTALK]
        if len(answered) == 1 and all(
            p.status is Status.ANSWERED or p.reason == UNSURE for p in asked
        ):
            # One question with context around it, or one question and filler the bot could
            # not place: the answer, without a note on the filler.
            return replace(answered[0], question=question)
        return self._combined(question, whole.language, whole.normalized, asked)

    def _home_questions(
        self, question: str, pieces: list[Clause], language: Language, normalized: str
    ) -> Answer | None:
        """ "大渡口的开工率是多少？九龙坡呢？": a message asking of the article's place and of
        another, each question naming its own, gets the article's answers and a decline of
        the other place's. None when any question leaves its place unsaid."""
        questions = self._questions(pieces)
        if len(questions) < 2 or not self._home:
            return None
        parts: list[Answer] = []
        for _, text in questions:
            if self._foreign(text):
                parts.append(replace(self._ask_one(text), question=text))
                continue
            terms = self._analyzer.analyze(self._normalize(text)).terms
            if not self._home <= terms:
                return None
            parts.append(replace(self._ask_one(text), question=text))
        if not any(p.status is Status.ANSWERED for p in parts):
            return None
        return self._combined(question, language, normalized, parts)

    def _questions(self, pieces: list[Clause]) -> list[tuple[str, str]]:
        """(context, question) pairs: each asking clause with the content-bearing clauses
        before it. A question that names no subject of its own ("投了好多钱", "啥时候完工")
        takes the one before it as context: "华韶那个智算中心 投了好多钱 建起来要带动啥子产业嘛"
        asks both things of the 华韶 centre."""
        asking = [i for i, c in enumerate(pieces) if c.asks]
        if not asking:
            return []
        pairs: list[tuple[str, str]] = []
        previous = ""
        start = 0
        for number, index in enumerate(asking):
            before = [
                c.text
                for c in pieces[start:index]
                if not c.about_writer and self._carries_content(c.text)
            ]
            text = pieces[index].text
            if number == len(asking) - 1:
                # "24个未开工项目都有哪些，列个名单": what follows the last question is part of it.
                after = [
                    c.text
                    for c in pieces[index + 1 :]
                    if not c.about_writer and self._carries_content(c.text)
                ]
                text = " ".join([text, *after])
            context = " ".join(before)
            if not context and not self._names_subject(text):
                context = previous
            for each in split_respectively(text):
                pairs.append((context, each))
            previous = " ".join(part for part in (context, text) if part)
            start = index + 1
        return pairs

    def _ask_part(self, context: str, text: str) -> Answer:
        """One question of a message: with its context when that is answered, else alone
        (unless it names no subject of its own, which only its context can give)."""
        if not context:
            return self._ask_one(text)
        with_context = self._ask_one(f"{context} {text}")
        if with_context.status is Status.ANSWERED:
            return replace(with_context, question=text)
        alone = self._ask_one(text)
        if not self._names_subject(text):
            # "华韶投资多少？另外二季度开工率是多少": a period and a measure pin one fact
            # without a subject; a bare measure ("啥时候完工", "建在哪里") needs the context's
            # subject, and the context's decline stands.
            if alone.status is Status.ANSWERED and self._names_period(text):
                return replace(alone, question=text)
            return replace(with_context, question=text)
        if alone.status is Status.ANSWERED or with_context.reason == UNSURE:
            return replace(alone, question=text)
        return replace(with_context, question=text)

    def _unstated_counts(self, normalized: str, analysis: Analysis) -> frozenset[str]:
        """Counts the question states that the article never does ("软件企业500家",
        "34个未开工的项目"): a premise to correct, like an unstated amount. A bare number
        with no counter stays a reason to decline (2025, 第3)."""
        counted = {"#" + m.group(1) for m in _COUNTED.finditer(normalized)}
        known = self._matcher.known_figures(analysis)
        return frozenset(
            f for f in self._matcher.figures(analysis) if f in counted and f not in known
        )

    def _entries_sharing(self, normalized: str) -> list[str]:
        """For a question naming one figure, the narrowest entry of each figure of the
        article's that it begins (50 → 50家, 50亿元以上, 50亿级)."""
        named = [f for f in figures_in(normalized) if f[:1].isdigit()]
        if len(named) != 1:
            return []
        (figure,) = named
        begun = [
            stated
            for stated in self._figure_entries
            if stated.startswith(figure)
            and not stated[len(figure) : len(figure) + 1].isdigit()
            and stated[len(figure) : len(figure) + 1] != "."
        ]
        return list(dict.fromkeys(self._figure_entries[stated] for stated in sorted(begun)))

    def _names_period(self, text: str) -> bool:
        """Whether a question names a period (上半年, 二季度, 明年)."""
        return bool(self._matcher.periods(self._analyzer.analyze(self._normalize(text))))

    def terms_of(self, text: str) -> frozenset[str]:
        """The lexicon terms ``text`` names as matching reads it (normalised, slips corrected):
        what a follow-up borrows of the question before it (``bot.engine.followup``)."""
        return self._analyzer.analyze(self._normalize(text)).terms

    def names_subject(self, text: str) -> bool:
        """Whether a question names what it is about, beyond what it asks for."""
        return self._names_subject(text)

    def _names_subject(self, text: str) -> bool:
        """Whether a question names what it is about, beyond the measure, period or figure
        it asks for."""
        analysis = self._analyzer.analyze(self._normalize(text))
        return self._matcher.names_subject(analysis)

    def _combined(
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
        return self._reply(
            question,
            Status.ANSWERED,
            "\n".join(lines),
            language,
            normalized=normalized,
            entry_id=first.entry_id,
            citations=tuple(citations),
            confidence=min(p.confidence for p in shown if p.status is Status.ANSWERED),
            suggestions=tuple(suggestions[:MAX_CHOICES]),
            parts=tuple(shown),
        )

    def _carries_content(self, text: str) -> bool:
        """Whether a clause names anything the knowledge knows (a term or a figure)."""
        analysis = self._analyzer.analyze(self._normalize(text))
        return bool(analysis.terms) or any(f.startswith("#") for f in analysis.features)

    def _foreign(self, text: str) -> bool:
        normalized = self._normalize(text)
        if not _MEANINGFUL.search(normalized):
            return False
        analysis = self._analyzer.analyze(normalized)
        return bool(analysis.out_of_scope) or bool(self._matcher.unknown_names(analysis))

    def _normalize(self, text: str) -> str:
        """``textnorm.normalize`` plus the knowledge's own sound-alike corrections."""
        return self._homophones.correct(normalize(text))

    def _ask_one(self, question: str, *, recall: bool = False) -> Answer:
        """Answer one question (consulting the semantic signal when unsure, with ``recall``)."""
        language = detect_language(question)
        normalized = self._normalize(question)
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
                reason=f"{_OUT_OF_SCOPE}{name}",
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
                reason=f"{_UNKNOWN_NAME}{unknown[0]}",
            )
        if not self._matcher.names_subject(analysis):
            # "50是指什么", "50亿是啥": a bare figure that several of the article's figures
            # begin with (50家, 50亿元以上, 50亿级) could be any of them.
            sharing = self._entries_sharing(normalized)
            if len(sharing) >= 2:
                return self._reply(
                    question,
                    Status.AMBIGUOUS,
                    say("ambiguous", language),
                    language,
                    normalized=normalized,
                    suggestions=tuple(
                        self._suggestion(self.knowledge.entries[e], language)
                        for e in sharing[:MAX_CHOICES]
                    ),
                    reason="a figure several figures begin with",
                )
        checked: frozenset[str] = frozenset()
        confirming = bool(_CONFIRMATION.search(normalized))
        if confirming:
            checked = self._matcher.figures(analysis)
        elif not _WHICH.search(normalized):
            # "开工率才47.4% 咋个这么低": an amount or rate the article never states is a
            # premise to correct, not a reason to decline. ("投资80亿元的是哪个项目" looks a
            # figure up instead: no such figure, no answer.)
            checked = self._matcher.unstated_claims(analysis) | self._unstated_counts(
                normalized, analysis
            )
        named = self._matcher.known_figures(analysis) and analysis.features & _NAMING_MEASURES
        if named:
            # "投了六十五亿的中心叫什么名字": the name asked for is the subject of the entry
            # stating the figure (a reverse question), not a measure the entry must state.
            analysis = self._matcher.without(analysis, frozenset(named))
        stated = analysis
        if checked:
            analysis = self._matcher.without(analysis, checked)
        premise = _Premise(checked, confirming=confirming)
        answer = self._match(question, normalized, language, analysis, premise, recall)
        if answer.status is not Status.ANSWERED:
            # "24 unstarted projects to break ground by Q4, correct?", "下半年小面营收13.6亿元，
            # 增长了多少": a wrong period is a premise too, asked or stated; the article's own
            # period corrects it.
            # Figures the article states stay to identify the entry (24个未开工的重点项目).
            # Only a claim anchored by a figure the article states is corrected so, and only
            # by the entry stating it: "2024年实际营收200亿了吗" is no claim about 上半年.
            periods = self._matcher.periods(analysis)
            anchors = self._matcher.known_figures(stated)
            if periods and anchors:
                unstated = self._matcher.figures(stated) - anchors
                loose = self._matcher.without(stated, periods | unstated)
                retry = self._match(
                    question, normalized, language, loose, replace(premise, periods=periods)
                )
                if (
                    retry.status is Status.ANSWERED
                    and retry.entry_id is not None
                    and anchors <= self._matcher.figures_of(retry.entry_id)
                ):
                    return retry
        if confirming and answer.status is not Status.ANSWERED:
            # "黄红是区委书记吗": a wrong title of someone the article names is corrected by
            # the entry about that someone, with the article's own title.
            contrasted = self._matcher.contrasted(stated)
            anchors = frozenset(
                t
                for t in stated.terms - contrasted
                if not self._matcher.is_asked_for(t) and t not in self._matcher.periods(stated)
            )
            if contrasted and anchors:
                # Among the entries about that someone, the one naming most of their titles
                # (their position, not what they said).
                loose = self._matcher.without(analysis, contrasted)
                about = sorted(
                    (
                        (self._matcher.group_terms_of(c.entry.id, contrasted), c)
                        for c in self._matcher.rank(loose)
                        if c.score >= ANSWER_SCORE
                        and anchors <= self._matcher.features_of(c.entry.id)
                    ),
                    key=lambda pair: -pair[0],
                )
                if about and about[0][0] > (about[1][0] if len(about) > 1 else 0):
                    chosen = about[0][1]
                    return self._entry_answer(
                        chosen.entry,
                        language,
                        question,
                        normalized,
                        chosen.score,
                        replace(premise, periods=contrasted),
                    )
        return answer

    def _match(
        self,
        question: str,
        normalized: str,
        language: Language,
        analysis: Analysis,
        premise: _Premise,
        recall: bool = False,
    ) -> Answer:
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
        return self._decide(
            question, normalized, language, candidates, information, premise, analysis, recall
        )

    def _decide(
        self,
        question: str,
        normalized: str,
        language: Language,
        candidates: list[Candidate],
        information: float,
        premise: _Premise,
        analysis: Analysis,
        recall: bool = False,
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
            return self._entry_answer(
                chosen.entry, language, question, normalized, chosen.score, premise
            )
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
        if self._understood(analysis):
            # The subject is one the article covers, but not this measure or period of it
            # (新材料产业的营收, 华韶的算力): the article really does not say.
            text = say("no_answer", language)
            if near:
                text = f"{text}\n{say('no_answer_suggestions', language)}"
            reason = _NOT_STATED
        else:
            recalled = self._recall(question, candidates) if recall else None
            if recalled is not None:
                return self._entry_answer(
                    recalled.entry, language, question, normalized, recalled.score, premise
                )
            guesses = self._guesses(question, language) if recall else ()
            near = tuple(dict.fromkeys((*guesses, *near)))[:MAX_SUGGESTIONS]
            text = say("unsure" if near else "unsure_no_guess", language)
            reason = UNSURE
        return self._reply(
            question,
            Status.NO_ANSWER,
            text,
            language,
            normalized=normalized,
            suggestions=near,
            confidence=best.score if best else 0.0,
            reason=reason,
        )

    def _recall(self, question: str, candidates: list[Candidate]) -> Candidate | None:
        """The entry the semantic signal finds nearest in meaning, when the lexical matcher
        ranks it too (so every precision check has passed it) and both are clear about it.

        A recall signal, never a gate: it only answers what lexical matching left unsure.
        """
        if self._semantic is None or not candidates:
            return None
        nearest = self._semantic.nearest(question, 2)
        if not nearest:
            return None
        entry_id, similarity = nearest[0]
        runner_up = nearest[1][1] if len(nearest) > 1 else 0.0
        if similarity < RECALL_SIMILARITY or similarity - runner_up < RECALL_MARGIN:
            return None
        lexical = next((c for c in candidates if c.entry.id == entry_id), None)
        if lexical is None or lexical.missing_terms or lexical.score < RECALL_LEXICAL_SCORE:
            return None
        return lexical

    def _guesses(self, question: str, language: Language) -> tuple[Suggestion, ...]:
        """ "您是想问……吗": the entries nearest in meaning (choices, never answers)."""
        if self._semantic is None:
            return ()
        entries = self.knowledge.entries
        return tuple(
            self._suggestion(entries[entry_id], language)
            for entry_id, similarity in self._semantic.nearest(question, MAX_SUGGESTIONS + 2)
            if entry_id in entries
            and entries[entry_id].kind == "faq"
            and similarity >= GUESS_SIMILARITY
        )[:MAX_SUGGESTIONS]

    def _understood(self, analysis: Analysis) -> bool:
        """Whether an entry explains what the question is about once the measure, period and
        figures it asks for are set aside: then a decline means the article lacks them."""
        subject = self._matcher.subject_only(analysis)
        if subject is None:
            return False
        return any(_explains(c) for c in self._matcher.rank(subject))

    def answer_entry(self, entry_id: str, language: Language) -> Answer | None:
        """The answer of one entry (a tapped suggestion); None if it no longer exists."""
        entry = self.knowledge.entries.get(entry_id)
        if entry is None:
            return None
        question = self._question_of(entry, language)
        return self._entry_answer(entry, language, question, normalize(question), 1.0)

    def _entry_answer(
        self,
        entry: Entry,
        language: Language,
        question: str,
        normalized: str,
        confidence: float,
        premise: _Premise | None = None,
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
        text = self._localise(entry.answer_zh, entry.answer_en, language)
        if premise is not None and (premise.figures or premise.periods):
            if premise.periods or premise.figures - self._matcher.figures_of(entry.id):
                # The user's figure is not repeated: every figure in a reply is a cited one.
                text = f"{say('premise_wrong', language)}{text}"
            elif premise.confirming:
                text = f"{say('premise_right', language)}{text}"
        return self._reply(
            question,
            Status.ANSWERED,
            text,
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
        parts: tuple[Answer, ...] = (),
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
            parts=parts,
        )


@dataclass(frozen=True, slots=True)
class _Premise:
    """Figures a question states that matching set aside: a claim to confirm or correct."""

    figures: frozenset[str] = frozenset()
    # Periods set aside because no entry states the question's: the claim had them wrong.
    periods: frozenset[str] = frozenset()
    confirming: bool = False


def _distinct_answers(parts: list[Answer]) -> list[Answer]:
    """The answered parts, one per entry, in order."""
    seen: set[str | None] = set()
    distinct = []
    for part in parts:
        if part.status is Status.ANSWERED and part.entry_id not in seen:
            seen.add(part.entry_id)
            distinct.append(part)
    return distinct


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


def load_engine(directory: Path, semantic: SemanticIndexer | None = None) -> Engine:
    """Load, validate and index a knowledge folder (raises ``KnowledgeError``)."""
    return Engine(load_knowledge(directory), semantic)
