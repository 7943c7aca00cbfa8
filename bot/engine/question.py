"""One question through its steps, in order (``QuestionSteps.STEPS``):

normalise → nothing to look up → out-of-scope name → exact phrasing → unknown name →
bare figure → set claims aside → match and decide → a claim beyond the article → correct a
claimed period → correct a claimed title (the premise steps live in bot.engine.premises).

Each step takes the question as far as it has come (``Asked``) and either ends it with an
``Answer`` or passes it on, maybe changed. Steps that belong to an optional step
(bot.engine.steps) are left out when that step is switched off.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from bot.engine.analysis import Analysis, Analyzer
from bot.engine.answers import Answer, Status
from bot.engine.asked import Asked, Step, analysis_of
from bot.engine.compose import Composer, Premise
from bot.engine.decision import Decider
from bot.engine.figures import figures_in
from bot.engine.homophones import HomophoneCorrector
from bot.engine.knowledge import Knowledge
from bot.engine.matching import Matcher
from bot.engine.premises import WHICH, PremiseSteps, claims
from bot.engine.textnorm import detect_language, normalize
from bot.engine.thresholds import Thresholds
from bot.messages import say

# "how many beds will…": the thing counted, a noun right before the verb (not a modifier, as
# "municipal" is in "how many municipal and district level key projects").
_HOW_MANY = re.compile(
    r"\bhow many ([a-z]+)(?=\s+(?:will|would|are|is|were|was|do|does|did|have|has|had|can"
    r"|could|in|of|at|on|there)\b|\s*[?.!,]|$)"
)
MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")
_NORMALISED_TEXTS = 4096
_GOAL_TERMS = frozenset({"目标", "实际"})
# Words that name no particular thing beside a vague amount ("那个大项目").
_VAGUE_THINGS = frozenset({"项目", "重点项目"})
_TENS_OF_YI = re.compile(r"(\d+(?:\.\d+)?)亿元?(?:以上)?")


def _tens_of_yi(figure: str) -> bool:
    """Whether a figure is an amount of 10 to 100 亿 (65亿元)."""
    found = _TENS_OF_YI.fullmatch(figure)
    return found is not None and 10 <= float(found.group(1)) < 100


OUT_OF_SCOPE = "out of scope: "
UNKNOWN_NAME = "unknown name: "
_ASKING = re.compile(r"[哪几多什么谁啥咋吗呢么]")


class QuestionSteps:
    """The steps of one question over one knowledge version."""

    def __init__(
        self,
        knowledge: Knowledge,
        analyzer: Analyzer,
        matcher: Matcher,
        composer: Composer,
        decider: Decider,
        thresholds: Thresholds,
        disabled: frozenset[str],
    ) -> None:
        self._knowledge = knowledge
        self.lexicon = knowledge.lexicon
        self._analyzer = analyzer
        self._matcher = matcher
        self._compose = composer
        self._decider = decider
        self._t = thresholds
        self._homophones = (
            _homophones(knowledge, analyzer) if "homophones" not in disabled else None
        )
        # The article's own place (the subject most facts are about: 大渡口区), as terms.
        subjects = Counter(fact.subject for fact in knowledge.facts.values() if fact.subject)
        self.home_terms = (
            analyzer.analyze(normalize(subjects.most_common(1)[0][0])).terms
            if subjects
            else frozenset()
        )
        # Each figure of the article, as written, with the narrowest FAQ entry stating it.
        self._figure_entries: dict[str, str] = {}
        for entry in sorted(
            (e for e in knowledge.entries.values() if e.kind == "faq"), key=lambda e: len(e.facts)
        ):
            for fact_id in entry.facts:
                for stated in figures_in(knowledge.facts[fact_id].value):
                    self._figure_entries.setdefault(stated, entry.id)
        # A message's clauses are read several times over (asked alone and with context,
        # checked for a subject, for content, for foreign names): each text is normalised
        # once. Bounded, so a flood of distinct messages cannot grow it.
        self._normalised = lru_cache(maxsize=_NORMALISED_TEXTS)(self._normalise_uncached)
        premises = PremiseSteps(knowledge, matcher, composer, decider, thresholds)
        steps = (
            Step("normalise", self._normalise),
            Step("nothing to look up", self._nothing_to_look_up),
            Step("out-of-scope name", self._out_of_scope, "names"),
            Step("exact phrasing", self._exact_phrasing, "exact"),
            Step("unknown name", self._unknown_name, "names"),
            Step("a count of something unknown", self._count_of_the_unknown, "names"),
            Step("bare figure", self._bare_figure),
            Step("a vague amount", self._vague_amount),
            Step("set claims aside", premises.set_claims_aside, "premise"),
            Step("match and decide", self._match),
            Step("a claim beyond the article", premises.beyond_the_article, "premise"),
            Step("correct a claimed period", premises.correct_period, "premise"),
            Step("correct a claimed title", premises.correct_title, "premise"),
            Step("a figure of something else", premises.figure_of_something_else, "premise"),
        )
        self.steps = tuple(s for s in steps if s.switch not in disabled)

    def ask(self, question: str, *, recall: bool = False) -> Answer:
        """Answer one question (the semantic signal may answer or guess, with ``recall``)."""
        asked = Asked(question, recall)
        for step in self.steps:
            result = step.run(asked)
            if isinstance(result, Answer):
                return result
            asked = result
        if asked.unconfirmed is None:
            raise AssertionError("no step answered the question")
        return asked.unconfirmed

    def normalise(self, text: str) -> str:
        """``textnorm.normalize`` plus the knowledge's own sound-alike corrections."""
        return self._normalised(text)

    def _normalise_uncached(self, text: str) -> str:
        normalized = normalize(text)
        return self._homophones.correct(normalized) if self._homophones else normalized

    def terms_of(self, text: str) -> frozenset[str]:
        """The lexicon terms ``text`` names as matching reads it."""
        return self._analyzer.analyze(self.normalise(text)).terms

    def names_period_and_measure(self, text: str) -> bool:
        """Whether a question names both a period and a measure (二季度 + 开工率)."""
        analysis = self._analyzer.analyze(self.normalise(text))
        return bool(self._matcher.periods(analysis)) and bool(self._matcher.measures(analysis))

    def names_a_time_or_new_figure(self, text: str) -> bool:
        """Whether ``text`` names a period, or a number the article never states (2025年)."""
        analysis = self._analyzer.analyze(self.normalise(text))
        return bool(self._matcher.periods(analysis)) or bool(
            self._matcher.figures(analysis) - self._matcher.known_figures(analysis)
        )

    def is_about(self, entry_id: str | None, text: str) -> bool:
        """Whether an entry names some subject of ``text`` (a term beyond the measures,
        periods and figures it asks for, and beyond the article's own place), or ``text``
        names none."""
        subject = {
            t for t in self.terms_of(text) - self.home_terms if not self._matcher.is_asked_for(t)
        }
        if entry_id is None:
            return False
        return not subject or bool(subject & self._matcher.features_of(entry_id))

    def names_subject(self, text: str) -> bool:
        """Whether a question names what it is about, beyond the measure, period or figure
        it asks for."""
        return self._matcher.names_subject(self._analyzer.analyze(self.normalise(text)))

    # --- the steps -----------------------------------------------------------------------------

    def _normalise(self, asked: Asked) -> Asked:
        normalized = self.normalise(asked.question)
        analysis = self._analyzer.analyze(normalized) if MEANINGFUL.search(normalized) else None
        return replace(
            asked,
            language=detect_language(asked.question),
            normalized=normalized,
            analysis=analysis,
            stated=analysis,
        )

    def _nothing_to_look_up(self, asked: Asked) -> Answer | Asked:
        analysis = asked.analysis
        if analysis is not None and (analysis.features or analysis.out_of_scope):
            return asked
        # "👍", "哈哈哈", "请问什么": nothing to look up. A prompt with examples, which is
        # small talk, not a declined question.
        return self._compose.reply(
            asked.question,
            Status.SMALLTALK,
            say("empty_question", asked.language),
            asked.language,
            normalized=asked.normalized,
            suggestions=self._compose.examples(asked.language),
            reason="nothing to look up",
        )

    def _out_of_scope(self, asked: Asked) -> Answer | Asked:
        analysis = asked.analysis
        if analysis is None or not analysis.out_of_scope:
            return asked
        listed = self._among_the_listed(asked, analysis)
        if listed is not None:
            return listed
        return self._declined_name(asked, analysis.out_of_scope[0], OUT_OF_SCOPE)

    def _among_the_listed(self, asked: Asked, analysis: Analysis) -> Answer | None:
        """ "五大产业里有没有汽车产业？", "五大产业是…新能源汽车…，这个名单对吗？": an
        industry the article does not cover, asked of or claimed for the industries it lists,
        is answered by the entry listing them ("不对" when the claim included it)."""
        industries = self._analyzer.foreign_industries(analysis)
        confirming = claims(asked.normalized)
        if len(industries) != len(analysis.out_of_scope) or not (
            confirming or WHICH.search(asked.normalized)
        ):
            return None
        residue = {
            f
            for f in analysis.features
            if f[:2] in ("1:", "2:") and any(f[2:] in name for name in industries)
        }
        loose = self._matcher.without(analysis, frozenset(residue))
        ranked = [c for c in self._matcher.rank(loose) if self._decider.explains(c)]
        if not ranked or ranked[0].question_coverage < self._t.listed_coverage:
            return None
        best = ranked[0]
        if not self._matcher.lists_a_group(best.entry.id):
            return None
        return self._compose.entry_answer(
            best.entry,
            asked.language,
            asked.question,
            asked.normalized,
            best.score,
            Premise(mistaken=frozenset(industries) if confirming else frozenset()),
        )

    def _exact_phrasing(self, asked: Asked) -> Answer | Asked:
        exact = self._matcher.exact(asked.normalized)
        if exact is None:
            return asked
        # The question is one of an entry's own phrasings: no guessing needed.
        return self._compose.entry_answer(
            exact, asked.language, asked.question, asked.normalized, 1.0
        )

    def _unknown_name(self, asked: Asked) -> Answer | Asked:
        unknown = self._matcher.unknown_names(analysis_of(asked))
        return self._declined_name(asked, unknown[0], UNKNOWN_NAME) if unknown else asked

    def _count_of_the_unknown(self, asked: Asked) -> Answer | Asked:
        # "How many beds will the first five-star hotel have?": what is counted is a word
        # the article never uses. The hotel is the article's; its beds are not.
        counted = _HOW_MANY.search(asked.normalized)
        if counted is None:
            return asked
        analysis = analysis_of(asked)
        if not any(counted.group(1).startswith(w) for w in self._matcher.unknown_words(analysis)):
            return asked
        related = [c.entry for c in self._matcher.rank(analysis) if c.entry.kind == "faq"]
        return self._compose.not_stated(
            asked.question,
            asked.language,
            normalized=asked.normalized,
            related=tuple(
                self._compose.suggestion(e, asked.language)
                for e in related[: self._t.max_suggestions]
            ),
        )

    def _declined_name(self, asked: Asked, name: str, why: str) -> Answer:
        return self._compose.reply(
            asked.question,
            Status.NO_ANSWER,
            say("out_of_scope", asked.language, name=name),
            asked.language,
            normalized=asked.normalized,
            reason=f"{why}{name}",
        )

    def _bare_figure(self, asked: Asked) -> Answer | Asked:
        analysis = analysis_of(asked)
        # "what's the 50亿 target about?": a goal names no thing of its own.
        if self._matcher.names_subject(self._matcher.without(analysis, _GOAL_TERMS)):
            return asked
        # "50是指什么", "50亿是啥": a bare figure that several of the article's figures
        # begin with (50家, 50亿元以上, 50亿级) could be any of them.
        sharing = self._entries_sharing(asked.normalized)
        if len(sharing) < 2:
            return asked
        return self._choice(asked, sharing, "a figure several figures begin with")

    def _vague_amount(self, asked: Asked) -> Answer | Asked:
        # "那个投资几十个亿的大项目叫啥": tens of 亿 fits every figure the article gives in that
        # range with what the question asks (华韶's 65亿元, 万吨's 36亿元): a choice, unless
        # the question names its thing.
        if "几十亿" not in asked.normalized:
            return asked
        analysis = analysis_of(asked)
        named = {
            t
            for t in analysis.terms - self.home_terms - _VAGUE_THINGS
            if not self._matcher.is_asked_for(t)
        }
        if named:
            return asked
        # The article's figures in that range stated as what is asked (an investment, when
        # the question asks one), each by the narrowest entry stating it.
        investment = "投资" in analysis.terms
        fitting = list(
            dict.fromkeys(
                self._figure_entries[figure]
                for fact in self._knowledge.facts.values()
                if not investment or "投资" in fact.measure
                for figure in figures_in(fact.value)
                if _tens_of_yi(figure) and figure in self._figure_entries
            )
        )
        if len(fitting) < 2:
            return asked
        return self._choice(asked, fitting, "a vague amount several figures fit")

    def _choice(self, asked: Asked, entry_ids: list[str], reason: str) -> Answer:
        """ "您的问题可以指报道里的几件事", with the entries as the choices (in order)."""
        entries = self._knowledge.entries
        return self._compose.reply(
            asked.question,
            Status.AMBIGUOUS,
            say("ambiguous", asked.language),
            asked.language,
            normalized=asked.normalized,
            suggestions=tuple(
                self._compose.suggestion(entries[e], asked.language)
                for e in entry_ids[: self._t.max_choices]
            ),
            reason=reason,
        )

    def _entries_sharing(self, normalized: str) -> list[str]:
        """For a question naming one figure, the narrowest entry of each figure of the
        article's that it begins (50 → 50家, 50亿元以上, 50亿级)."""
        # "50是啥子的50": the same figure named twice is still one figure.
        named = list(dict.fromkeys(f for f in figures_in(normalized) if f[:1].isdigit()))
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

    def _match(self, asked: Asked) -> Answer | Asked:
        answer = self._decider.match(
            asked.question,
            asked.normalized,
            asked.language,
            analysis_of(asked),
            asked.premise,
            asked.recall,
        )
        if answer.status is not Status.ANSWERED or asked.premise.confirming:
            # A wrong period may be asked ("…, correct?") or stated ("下半年小面营收13.6亿元，
            # 增长了多少"); the next steps correct it or keep this answer. A check the entry
            # answers may claim more than the article says (the next step).
            return replace(asked, unconfirmed=answer)
        return answer


def _homophones(knowledge: Knowledge, analyzer: Analyzer) -> HomophoneCorrector:
    """Sound-alike slips are corrected into the words matching knows, names the article must
    decline included (沙平坝 is 沙坪坝); question words and stop words are kept as typed,
    never the result of a correction."""
    lexicon = knowledge.lexicon
    vocabulary = analyzer.chinese_surfaces()
    for names in lexicon.out_of_scope.values():
        vocabulary.update((name, name) for name in names)
    return HomophoneCorrector(
        vocabulary,
        protected={*lexicon.stopwords_zh, *(w for w in vocabulary if _ASKING.search(w))},
    )
