"""Match a question's features and decide: an answer, a choice of entries, or which decline.

The steps, in order (``Decider.match``):
1. **rank** the entries (bot.engine.matching: coverages, contradictions);
2. **precision filters**: a question asking for a number keeps only entries stating one; a
   figure asked about keeps the entry most specifically about it;
3. **decide**: one entry explaining the question well enough answers it; several competing
   ones, or a question saying too little, make it ambiguous;
4. **say which no**: "the article does not say" when an entry explains the subject once the
   measure and period asked for are set aside; otherwise
5. **semantic recall** (only on the message's second look): the entry nearest in meaning
   answers when matching ranks it too; else its neighbours are offered as guesses.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.engine.analysis import Analysis
from bot.engine.answers import UNSURE, Answer, Language, Status, Suggestion
from bot.engine.compose import Composer, Premise
from bot.engine.figures import figures_in
from bot.engine.knowledge import Knowledge
from bot.engine.matching import Candidate, Matcher
from bot.engine.thresholds import Thresholds
from bot.messages import say

# "多少", "几个", "how many": the question wants a number (not 哪几 "which ones", nor 几句).
_QUANTITY = re.compile(r"多少|(?<!哪)几[个家项亿万倍成]|how (?:much|many)")
# "多少家小面馆", "幾多間企業": a count of businesses, stated by a figure in 家 (50家), not by
# another count of the same entry (五大产业).
_COUNTS_BUSINESSES = re.compile(r"(?:多少|(?<!哪)几|几多|好多)[家间]")


class SemanticSignal(Protocol):
    """Which entries a question is nearest to in meaning (``semantic.SemanticIndex``)."""

    def nearest(self, question: str, k: int = 5) -> list[tuple[str, float]]:
        """``(entry_id, similarity)`` of the ``k`` nearest entries, best first."""
        ...


class Decider:
    """Ranks and decides for one knowledge version."""

    def __init__(
        self,
        knowledge: Knowledge,
        matcher: Matcher,
        composer: Composer,
        semantic: SemanticSignal | None,
        thresholds: Thresholds,
    ) -> None:
        self._entries = knowledge.entries
        self._matcher = matcher
        self._compose = composer
        self._semantic = semantic
        self._t = thresholds
        self._with_figures = frozenset(
            entry.id
            for entry in knowledge.entries.values()
            if any(figures_in(knowledge.facts[f].value) for f in entry.facts)
        )
        self._with_business_counts = frozenset(
            entry.id
            for entry in knowledge.entries.values()
            if any(
                figure.endswith("家")
                for f in entry.facts
                for figure in figures_in(knowledge.facts[f].value)
            )
        )

    def match(
        self,
        question: str,
        normalized: str,
        language: Language,
        analysis: Analysis,
        premise: Premise,
        recall: bool = False,
    ) -> Answer:
        """Rank, filter and decide (``recall``: the semantic signal may answer or guess)."""
        candidates = self._filtered(normalized, self._matcher.rank(analysis))
        information = self._matcher.information(analysis)
        return self._decide(
            question, normalized, language, candidates, information, premise, analysis, recall
        )

    def _filtered(self, normalized: str, candidates: list[Candidate]) -> list[Candidate]:
        """The precision filters on the ranked candidates."""
        if _QUANTITY.search(normalized):
            # "中元今年拿到多少订单": a question asking for a number is only answered by an
            # entry that states one.
            candidates = [c for c in candidates if c.entry.id in self._with_figures]
        if _COUNTS_BUSINESSES.search(normalized):
            candidates = [c for c in candidates if c.entry.id in self._with_business_counts]
        stating = [c for c in candidates if c.states_figures]
        if stating:
            # A figure asked about ("50家指的是什么") is answered by the entry most specifically
            # about it, not by overviews that list it among others.
            fewest = min(len(c.entry.facts) for c in stating)
            candidates = [
                c for c in candidates if not c.states_figures or len(c.entry.facts) == fewest
            ]
        return candidates

    def _decide(
        self,
        question: str,
        normalized: str,
        language: Language,
        candidates: list[Candidate],
        information: float,
        premise: Premise,
        analysis: Analysis,
        recall: bool,
    ) -> Answer:
        t = self._t
        best = candidates[0] if candidates else None
        explaining = [c for c in candidates if self.explains(c)]
        exact = [
            c
            for c in explaining
            if c.entry.kind == "smalltalk"
            and c.question_coverage > t.exact_smalltalk_coverage
            and c.phrasing_coverage > t.exact_smalltalk_coverage
        ]
        # Small talk said word for word ("/start", "谢谢") is never vague.
        vague = (
            information < t.min_specific_weight
            and len(explaining) >= 2
            and len(exact) != 1
            and explaining[0].score - explaining[1].score < t.clear_win
        )
        if len(exact) == 1 and information < t.min_specific_weight:
            explaining = exact
        contenders = [
            c
            for c in explaining
            if best is not None and (vague or c.score >= best.score - t.tie_margin)
        ]
        if not vague:
            contenders = _most_specific(contenders)
        if len(contenders) == 1 and contenders[0].score >= t.answer_score:
            chosen = contenders[0]
            return self._compose.entry_answer(
                chosen.entry, language, question, normalized, chosen.score, premise
            )
        faq_contenders = [c for c in contenders if c.entry.kind == "faq"]
        covering = _covering(faq_contenders) if premise.confirming and premise.figures else None
        if covering is not None and best is not None and best.score >= t.ambiguous_score:
            # "the noodle target is 100亿, right?": whichever target was meant, the claim is
            # checked against all of them, which one entry states together.
            return self._compose.entry_answer(
                covering.entry, language, question, normalized, covering.score, premise
            )
        if best is not None and len(faq_contenders) >= 2 and best.score >= t.ambiguous_score:
            choices = tuple(
                self._compose.suggestion(c.entry, language)
                for c in faq_contenders[: t.max_choices]
            )
            return self._compose.reply(
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
            self._compose.suggestion(c.entry, language)
            for c in candidates
            if c.entry.kind == "faq" and c.score >= t.suggestion_score
        )[: t.max_suggestions]
        confidence = best.score if best else 0.0
        if self._understood(analysis):
            # The subject is one the article covers, but not this measure or period of it
            # (新材料产业的营收, 华韶的算力): the article really does not say.
            return self._compose.not_stated(
                question, language, normalized=normalized, related=near, confidence=confidence
            )
        recalled = self._recall(question, candidates) if recall else None
        if recalled is not None:
            return self._compose.entry_answer(
                recalled.entry, language, question, normalized, recalled.score, premise
            )
        guesses = self._guesses(question, language) if recall else ()
        near = tuple(dict.fromkeys((*guesses, *near)))[: t.max_suggestions]
        return self._compose.reply(
            question,
            Status.NO_ANSWER,
            say("unsure" if near else "unsure_no_guess", language),
            language,
            normalized=normalized,
            suggestions=near,
            confidence=confidence,
            reason=UNSURE,
        )

    def explains(self, candidate: Candidate) -> bool:
        """Whether an entry explains enough of the question to answer it."""
        t = self._t
        return (
            candidate.question_coverage >= t.answer_coverage
            or (
                candidate.missing_terms == 0
                and candidate.question_coverage >= t.full_phrasing_coverage
                and candidate.phrasing_coverage >= t.full_phrasing
            )
            or (
                # "65亿元打造的是什么中心": a figure the entry states identifies it.
                candidate.missing_terms == 0
                and candidate.states_figures
                and candidate.figure_share >= t.figure_share
                and candidate.question_coverage >= t.figure_coverage
            )
        )

    def _understood(self, analysis: Analysis) -> bool:
        """Whether an entry explains what the question is about once the measure, period and
        figures it asks for are set aside: then a decline means the article lacks them."""
        subject = self._matcher.subject_only(analysis)
        if subject is None:
            return False
        return any(self.explains(c) for c in self._matcher.rank(subject))

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
        if (
            similarity < self._t.recall_similarity
            or similarity - runner_up < self._t.recall_margin
        ):
            return None
        lexical = next((c for c in candidates if c.entry.id == entry_id), None)
        if (
            lexical is None
            or lexical.missing_terms
            or lexical.score < self._t.recall_lexical_score
        ):
            return None
        return lexical

    def _guesses(self, question: str, language: Language) -> tuple[Suggestion, ...]:
        """ "您是想问……吗": the entries nearest in meaning (choices, never answers)."""
        if self._semantic is None:
            return ()
        entries = self._entries
        most = self._t.max_suggestions
        return tuple(
            self._compose.suggestion(entries[entry_id], language)
            for entry_id, similarity in self._semantic.nearest(question, most + 2)
            if entry_id in entries
            and entries[entry_id].kind == "faq"
            and similarity >= self._t.guess_similarity
        )[:most]


def _most_specific(contenders: list[Candidate]) -> list[Candidate]:
    """Drop overviews: an entry whose facts include all of another contender's facts and more
    ("小面今年和明年的目标" against "小面今年的目标") gives way to the narrower one."""
    facts = [set(c.entry.facts) for c in contenders]
    return [
        c
        for c, mine in zip(contenders, facts, strict=True)
        if not any(other and other < mine for other in facts)
    ]


def _covering(contenders: list[Candidate]) -> Candidate | None:
    """Of several contenders, the one whose facts include every other's (the entry stating
    both of the noodle targets among the entries stating one each); None if there is none."""
    if len(contenders) < 2:
        return None
    for candidate in contenders:
        facts = set(candidate.entry.facts)
        if all(set(c.entry.facts) <= facts for c in contenders):
            return candidate
    return None
