"""The steps that read a question as a claim to check (its premise) rather than a lookup.

"听说小面今年目标是100亿？": the claimed figure is set aside before matching (so that it does
not decide which entry answers), and after matching a claim the answer does not bear out is
declined, a wrong period or a wrong title corrected by the entry that states the right one.
The answer then says "对" or "不对，报道说的是…" (bot.engine.compose) and never repeats the
user's figure.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.analysis import Analysis
from bot.engine.answers import NOT_STATED, Answer, Status
from bot.engine.asked import Asked, analysis_of
from bot.engine.compose import Composer, Premise
from bot.engine.decision import Decider
from bot.engine.knowledge import Knowledge
from bot.engine.matching import Matcher
from bot.engine.thresholds import Thresholds

# "是不是300亿", "对不对", "五十家还是一百家", "is it …?": a question checking a figure, maybe
# a wrong one. Chongqing speech ends a check with 嗦 or 噻 ("是一季度的噻") as others do with 吗,
# English with a tag ("…by Q4, yes?").
CONFIRMATION = re.compile(
    r"是不是|对不对|对吗|是吗|是否|没错吧|还是|真的|有没有|有没得|[吗吧嗦噻][?？!！。]*$"
    r"|\b(?:is it|isn't it|right|correct|true|really)\b|^(?:is|are|was|does|did) "
    r"|\b(?:yes|yeah|no|ok)\s*[?？]\s*$|\bis (?:that|this) (?:what|so|how)\b"
)
# "听说…是真的吗", "I hear … is it true?": hearsay checked against the article.
_HEARSAY = re.compile(
    r"听说|据说|有人说|听人说|网传|传言|传闻|是真的吗|真的吗|视频[^,，。?？]{0,4}说"
    r"|\b(?:i hear|i heard|heard that|i read|i saw|someone said|people say|rumou?rs?"
    r"|is (?:it|this|that) true|is true)\b",
    re.IGNORECASE,
)
# "哪个", "什么", "which": a question looking a figure up, not one claiming it.
WHICH = re.compile(r"哪|什么|啥|谁|\b(?:which|what|who)\b")
# "好多", "啥时候", "how much": a question looking something up, whatever it heard before.
_LOOKUP = re.compile(
    r"多少|好多|几多|几[个家项]|时候|咋|怎么|为何|如何|多大|多久|好大|好久"
    r"|\b(?:how|when|where|why)\b"
)
# "有没有提", "有数吗": whether the article gives something, not a claim that it is so.
_EXISTENCE = re.compile(r"有没有|有没得|有木有|有无|有数吗|提到了?吗|提了吗|提没提|说了吗|说没说")
# "我记得是要招5个", "I remember it was 47.4%": what the writer recalls is a claim to check.
_RECALLED = re.compile(
    r"我?记[得的]|印象[中里]|好像是|\b(?:i (?:remember|recall|think|believe))\b", re.IGNORECASE
)


# The reason of a decline of hearsay the article does not bear out (the whole message's say).
BEYOND_THE_ARTICLE = "a claim beyond the article"

# A number counted by a measure word: 500家, 34个, 7项, 七十几个 (70几个).
_COUNTED = re.compile(r"(?<![\d.])(\d+)[几多]?(?:个|家|项)")
# Measures asking what a thing is called: a figure named beside them identifies the thing.
_NAMING_MEASURES = frozenset({"名字"})


def _looks_up(normalized: str) -> bool:
    """Whether a question asks what or whether the article says ("…多少家 有数吗",
    "十四五末的目标有没有提"), rather than claiming something of a period."""
    return bool(
        WHICH.search(normalized) or _LOOKUP.search(normalized) or _EXISTENCE.search(normalized)
    )


def claims(normalized: str) -> bool:
    """Whether a question puts a figure or fact forward to be checked: it asks for
    confirmation ("是不是", "对吗", "correct?"), or repeats hearsay or the writer's memory and
    asks nothing else ("听说小面今年目标是100亿" claims 100亿 as surely as "…是100亿吗";
    "听说要修五星级酒店，啥时候开工" asks when)."""
    if CONFIRMATION.search(normalized):
        return True
    recalled = _HEARSAY.search(normalized) or _RECALLED.search(normalized)
    return bool(recalled) and not (WHICH.search(normalized) or _LOOKUP.search(normalized))


class PremiseSteps:
    """The premise steps of one question over one knowledge version."""

    def __init__(
        self,
        knowledge: Knowledge,
        matcher: Matcher,
        composer: Composer,
        decider: Decider,
        thresholds: Thresholds,
    ) -> None:
        self._knowledge = knowledge
        self._matcher = matcher
        self._compose = composer
        self._decider = decider
        self._t = thresholds

    def set_claims_aside(self, asked: Asked) -> Asked:
        analysis = analysis_of(asked)
        named = self._matcher.known_figures(analysis) and analysis.features & _NAMING_MEASURES
        if named:
            # "投了六十五亿的中心叫什么名字": the name asked for is the subject of the entry
            # stating the figure (a reverse question), not a measure the entry must state.
            analysis = self._matcher.without(analysis, frozenset(named))
        checked: frozenset[str] = frozenset()
        confirming = claims(asked.normalized)
        if confirming:
            checked = self._matcher.figures(analysis)
        elif not WHICH.search(asked.normalized):
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

    def beyond_the_article(self, asked: Asked) -> Answer | Asked:
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
            or not self._matcher.unknown_words(analysis_of(asked))
        ):
            return asked
        entry = self._knowledge.entries.get(answer.entry_id or "")
        return self._compose.not_stated(
            asked.question,
            asked.language,
            normalized=asked.normalized,
            related=(self._compose.suggestion(entry, asked.language),) if entry else (),
            confidence=answer.confidence,
            reason=BEYOND_THE_ARTICLE,
        )

    def figure_of_something_else(self, asked: Asked) -> Answer | Asked:
        # "首家五星酒店那个项目投资36亿是吧？": the article gives the hotel no investment,
        # and 36亿 is its figure for the 万吨 project: "不对", with that project's fact.
        answer = asked.unconfirmed
        if (
            answer is None
            or answer.status is Status.ANSWERED
            or answer.reason != NOT_STATED
            or not asked.premise.confirming
            or not asked.premise.figures
        ):
            return asked
        owner = self._compose.stating(asked.premise.figures)
        if owner is None:
            return asked
        return self._compose.figure_elsewhere(
            owner, asked.language, asked.question, asked.normalized
        )

    def correct_period(self, asked: Asked) -> Answer | Asked:
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
        elif periods and asked.premise.confirming and not _looks_up(asked.normalized):
            # "未开工的重点项目是不是要求四季度全部开工？": with no figure of the article's
            # claimed, a check of a period is corrected by the entry that answers it with
            # another period of the same kind (三季度 for 四季度), and only by one — also when
            # the claimed figure is wrong too ("start rate was 47.4% in Q1, correct?").
            retry = self._decider.match(
                asked.question,
                asked.normalized,
                asked.language,
                self._matcher.without(stated, periods | self._matcher.figures(stated)),
                replace(asked.premise, mistaken=periods),
            )
            if (
                retry.status is Status.ANSWERED
                and retry.entry_id is not None
                and self._matcher.group_terms_of(retry.entry_id, periods) > 0
            ):
                return retry
        return asked

    def correct_title(self, asked: Asked) -> Answer | Asked:
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
        loose = self._matcher.without(analysis_of(asked), contrasted)
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
