"""One question through its steps, in order (``QuestionSteps.STEPS``):

normalise → nothing to look up → out-of-scope name → exact phrasing → unknown name →
bare figure → set claims aside → match and decide → correct a claimed period.

Each step takes the question as far as it has come (``Asked``) and either ends it with an
``Answer`` or passes it on, maybe changed. Steps that belong to an optional step
(bot.engine.steps) are left out when that step is switched off.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.engine.analysis import Analysis, Analyzer
from bot.engine.answers import Answer, Language, Status
from bot.engine.compose import Composer, Premise
from bot.engine.decision import Decider
from bot.engine.figures import figures_in
from bot.engine.homophones import HomophoneCorrector
from bot.engine.knowledge import Knowledge
from bot.engine.matching import Matcher
from bot.engine.textnorm import detect_language, normalize
from bot.engine.thresholds import Thresholds
from bot.messages import say

# "是不是300亿", "对不对", "五十家还是一百家", "is it …?": a question checking a figure, maybe
# a wrong one. Chongqing speech ends a check with 嗦 or 噻 ("是一季度的噻") as others do with 吗.
_CONFIRMATION = re.compile(
    r"是不是|对不对|对吗|是吗|是否|没错吧|还是|真的|有没有|有没得|[吗吧嗦噻][?？!！。]*$"
    r"|\b(?:is it|isn't it|right|correct|true|really)\b|^(?:is|are|was|does|did) "
)
# "听说…是真的吗", "I hear … is it true?": hearsay checked against the article.
_HEARSAY = re.compile(
    r"听说|据说|有人说|听人说|网传|传言|传闻|是真的吗|真的吗"
    r"|\b(?:i hear|i heard|heard that|rumou?rs?|is (?:it|this|that) true|is true)\b",
    re.IGNORECASE,
)
MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")
OUT_OF_SCOPE = "out of scope: "
# The reason of a decline of hearsay the article does not bear out (the whole message's say).
BEYOND_THE_ARTICLE = "a claim beyond the article"
UNKNOWN_NAME = "unknown name: "
_WHICH = re.compile(r"哪|什么|啥|谁|\b(?:which|what|who)\b")
_ASKING = re.compile(r"[哪几多什么谁啥咋吗呢么]")
# A number counted by a measure word: 500家, 34个, 7项.
_COUNTED = re.compile(r"(?<![\d.])(\d+)(?:个|家|项)")
# Measures asking what a thing is called: a figure named beside them identifies the thing.
_NAMING_MEASURES = frozenset({"名字"})


@dataclass(frozen=True, slots=True)
class Asked:
    """A question as far as the steps have taken it."""

    question: str
    recall: bool
    language: Language = Language.SIMPLIFIED
    normalized: str = ""
    # None when the text holds nothing meaningful (emoji, punctuation).
    analysis: Analysis | None = None
    # The analysis as asked, before claimed figures were set aside.
    stated: Analysis | None = None
    premise: Premise = field(default_factory=Premise)
    # Matching's answer to a confirmation it could not answer: a claimed period may be wrong.
    unconfirmed: Answer | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One named step; ``switch`` is the optional step it belongs to, if any."""

    name: str
    run: Callable[[Asked], Answer | Asked]
    switch: str | None = None


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
        steps = (
            Step("normalise", self._normalise),
            Step("nothing to look up", self._nothing_to_look_up),
            Step("out-of-scope name", self._out_of_scope, "names"),
            Step("exact phrasing", self._exact_phrasing, "exact"),
            Step("unknown name", self._unknown_name, "names"),
            Step("bare figure", self._bare_figure),
            Step("set claims aside", self._set_claims_aside, "premise"),
            Step("match and decide", self._match),
            Step("a claim beyond the article", self._beyond_the_article, "premise"),
            Step("correct a claimed period", self._correct_period, "premise"),
            Step("correct a claimed title", self._correct_title, "premise"),
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
        normalized = normalize(text)
        return self._homophones.correct(normalized) if self._homophones else normalized

    def terms_of(self, text: str) -> frozenset[str]:
        """The lexicon terms ``text`` names as matching reads it."""
        return self._analyzer.analyze(self.normalise(text)).terms

    def names_period_and_measure(self, text: str) -> bool:
        """Whether a question names both a period and a measure (二季度 + 开工率)."""
        analysis = self._analyzer.analyze(self.normalise(text))
        return bool(self._matcher.periods(analysis)) and bool(self._matcher.measures(analysis))

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
        confirming = bool(_CONFIRMATION.search(asked.normalized))
        if len(industries) != len(analysis.out_of_scope) or not (
            confirming or _WHICH.search(asked.normalized)
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
        unknown = self._matcher.unknown_names(_analysis(asked))
        return self._declined_name(asked, unknown[0], UNKNOWN_NAME) if unknown else asked

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
        if self._matcher.names_subject(_analysis(asked)):
            return asked
        # "50是指什么", "50亿是啥": a bare figure that several of the article's figures
        # begin with (50家, 50亿元以上, 50亿级) could be any of them.
        sharing = self._entries_sharing(asked.normalized)
        if len(sharing) < 2:
            return asked
        entries = self._knowledge.entries
        return self._compose.reply(
            asked.question,
            Status.AMBIGUOUS,
            say("ambiguous", asked.language),
            asked.language,
            normalized=asked.normalized,
            suggestions=tuple(
                self._compose.suggestion(entries[e], asked.language)
                for e in sharing[: self._t.max_choices]
            ),
            reason="a figure several figures begin with",
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

    def _set_claims_aside(self, asked: Asked) -> Asked:
        analysis = _analysis(asked)
        named = self._matcher.known_figures(analysis) and analysis.features & _NAMING_MEASURES
        if named:
            # "投了六十五亿的中心叫什么名字": the name asked for is the subject of the entry
            # stating the figure (a reverse question), not a measure the entry must state.
            analysis = self._matcher.without(analysis, frozenset(named))
        checked: frozenset[str] = frozenset()
        confirming = bool(_CONFIRMATION.search(asked.normalized))
        if confirming:
            checked = self._matcher.figures(analysis)
        elif not _WHICH.search(asked.normalized):
            # "开工率才47.4% 咋个这么低": an amount or rate the article never states is a
            # premise to correct, not a reason to decline. ("投资80亿元的是哪个项目" looks a
            # figure up instead: no such figure, no answer.)
            checked = self._matcher.unstated_claims(analysis) | self._unstated_counts(
                asked.normalized, analysis
            )
        stated = analysis
        if checked:
            analysis = self._matcher.without(analysis, checked)
        return replace(
            asked,
            analysis=analysis,
            stated=stated,
            premise=Premise(checked, confirming=confirming),
        )

    def _unstated_counts(self, normalized: str, analysis: Analysis) -> frozenset[str]:
        """Counts the question states that the article never does ("软件企业500家",
        "34个未开工的项目"): a premise to correct, like an unstated amount. A bare number
        with no counter stays a reason to decline (2025, 第3)."""
        counted = {"#" + m.group(1) for m in _COUNTED.finditer(normalized)}
        known = self._matcher.known_figures(analysis)
        return frozenset(
            f for f in self._matcher.figures(analysis) if f in counted and f not in known
        )

    def _match(self, asked: Asked) -> Answer | Asked:
        answer = self._decider.match(
            asked.question,
            asked.normalized,
            asked.language,
            _analysis(asked),
            asked.premise,
            asked.recall,
        )
        if answer.status is not Status.ANSWERED or asked.premise.confirming:
            # A wrong period may be asked ("…, correct?") or stated ("下半年小面营收13.6亿元，
            # 增长了多少"); the next steps correct it or keep this answer. A check the entry
            # answers may claim more than the article says (the next step).
            return replace(asked, unconfirmed=answer)
        return answer

    def _beyond_the_article(self, asked: Asked) -> Answer | Asked:
        # "听说海康要搬离大渡口，是真的吗", "Haikang will move out, is it true?": a claim
        # checked with words the article never uses (搬离, move) is not what the entry about
        # Haikang says; the article does not say, and that entry is offered as related.
        answer = asked.unconfirmed
        if (
            answer is None
            or answer.status is not Status.ANSWERED
            or not asked.premise.confirming
            or asked.premise.figures
            or not _HEARSAY.search(asked.normalized)
            or not self._matcher.unknown_words(_analysis(asked))
        ):
            return asked
        entry = self._knowledge.entries.get(answer.entry_id or "")
        return self._compose.reply(
            asked.question,
            Status.NO_ANSWER,
            f"{say('no_answer', asked.language)}\n{say('no_answer_suggestions', asked.language)}",
            asked.language,
            normalized=asked.normalized,
            suggestions=(self._compose.suggestion(entry, asked.language),) if entry else (),
            confidence=answer.confidence,
            reason=BEYOND_THE_ARTICLE,
        )

    def _correct_period(self, asked: Asked) -> Answer | Asked:
        # "24 unstarted projects to break ground by Q4, correct?": a wrong period is a
        # premise too; the article's own period corrects it.
        # Figures the article states stay to identify the entry (24个未开工的重点项目).
        # Only a claim anchored by a figure the article states is corrected so, and only
        # by the entry stating it: "2024年实际营收200亿了吗" is no claim about 上半年.
        stated = asked.stated
        if asked.unconfirmed is None or asked.unconfirmed.status is Status.ANSWERED or not stated:
            return asked
        periods = self._matcher.periods(stated)
        anchors = self._matcher.known_figures(stated)
        if periods and anchors:
            unstated = self._matcher.figures(stated) - anchors
            loose = self._matcher.without(stated, periods | unstated)
            retry = self._decider.match(
                asked.question,
                asked.normalized,
                asked.language,
                loose,
                replace(asked.premise, mistaken=periods),
            )
            if (
                retry.status is Status.ANSWERED
                and retry.entry_id is not None
                and anchors <= self._matcher.figures_of(retry.entry_id)
            ):
                return retry
        elif periods and asked.premise.confirming and not self._matcher.figures(stated):
            # "未开工的重点项目是不是要求四季度全部开工？": with no figure claimed, a check of
            # a period is corrected by the entry that answers it with another period of the
            # same kind (三季度 for 四季度), and only by one.
            retry = self._decider.match(
                asked.question,
                asked.normalized,
                asked.language,
                self._matcher.without(stated, periods),
                replace(asked.premise, mistaken=periods),
            )
            if (
                retry.status is Status.ANSWERED
                and retry.entry_id is not None
                and self._matcher.group_terms_of(retry.entry_id, periods) > 0
            ):
                return retry
        return asked

    def _correct_title(self, asked: Asked) -> Answer | Asked:
        # "黄红是区委书记吗": a wrong title of someone the article names is corrected by the
        # entry about that someone (the one naming most of their titles: their position, not
        # what they said), with the article's own title.
        stated = asked.stated
        if (
            asked.unconfirmed is None
            or asked.unconfirmed.status is Status.ANSWERED
            or stated is None
            or not asked.premise.confirming
        ):
            return asked
        contrasted = self._matcher.contrasted(stated)
        anchors = frozenset(
            t
            for t in stated.terms - contrasted
            if not self._matcher.is_asked_for(t) and t not in self._matcher.periods(stated)
        )
        if not contrasted or not anchors:
            return asked
        loose = self._matcher.without(_analysis(asked), contrasted)
        about = sorted(
            (
                (self._matcher.group_terms_of(c.entry.id, contrasted), c)
                for c in self._matcher.rank(loose)
                if c.score >= self._t.answer_score
                and anchors <= self._matcher.features_of(c.entry.id)
            ),
            key=lambda pair: -pair[0],
        )
        if about and about[0][0] > (about[1][0] if len(about) > 1 else 0):
            chosen = about[0][1]
            return self._compose.entry_answer(
                chosen.entry,
                asked.language,
                asked.question,
                asked.normalized,
                chosen.score,
                replace(asked.premise, mistaken=contrasted),
            )
        return asked


def _analysis(asked: Asked) -> Analysis:
    """The analysis of a question past "nothing to look up" (which ends those without one)."""
    if asked.analysis is None:
        raise AssertionError("a step after 'nothing to look up' met a question without features")
    return asked.analysis


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
