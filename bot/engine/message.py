"""A message as a person typed it: cut into clauses, each question asked with its context.

The steps (``MessageSteps.answer``): ask the whole message → a foreign subject declines it →
cut into clauses and pair each asking clause with its context → ask each question → one
answer, or every answer combined with a note on each question the article does not answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.analysis import Analyzer
from bot.engine.answers import NOT_STATED, UNSURE, Answer, Language, Status
from bot.engine.borrowing import asked_terms, kept_terms, written
from bot.engine.clauses import (
    Clause,
    asks_each,
    clauses,
    is_elliptical,
    sets_aside,
    split_compared,
    split_english_pair,
    split_respectively,
)
from bot.engine.compose import Composer
from bot.engine.matching import Matcher
from bot.engine.premises import BEYOND_THE_ARTICLE
from bot.engine.question import MEANINGFUL, OUT_OF_SCOPE, UNKNOWN_NAME, QuestionSteps
from bot.engine.textnorm import detect_language

_NAME_DECLINES = (OUT_OF_SCOPE, UNKNOWN_NAME)
# Above this many characters the semantic signal reads a message's asking clauses only.
_SEMANTIC_CHARS = 80
# A question's words and the question word ending it: "新材料" and "多少".
_ASKING_TAIL = re.compile(r"(.*?)((?:是|有|为)?(?:多少|好多|几多|几个|几家|哪些|什么|啥)?[?？]?)")


class MessageSteps:
    """The lexical reply to a message; each of its questions goes through ``QuestionSteps``."""

    def __init__(
        self,
        one: QuestionSteps,
        analyzer: Analyzer,
        matcher: Matcher,
        composer: Composer,
        disabled: frozenset[str],
    ) -> None:
        self._one = one
        self._analyzer = analyzer
        self._matcher = matcher
        self._compose = composer
        self._cut = "clauses" not in disabled
        self._names = "names" not in disabled

    def answer(self, question: str) -> Answer:
        """The lexical reply to a message: its questions, context set aside."""
        whole = self._one.ask(question)
        if (
            not self._cut
            or (whole.status is Status.SMALLTALK and whole.entry_id is None)
            or whole.reason == BEYOND_THE_ARTICLE
        ):
            # Nothing to look up, the message taken as one question, or hearsay checked as a
            # whole ("I hear Haikang will move out, is it true?": the claim is one question).
            return whole
        pieces = clauses(question)
        subject = " ".join(c.text for c in pieces if not c.about_writer)
        if self._foreign(subject):
            # Another place, industry or firm the question itself is about (not the writer's
            # own town or trade in "我在杭州做投资…"): declined, whatever else the message asks
            # — unless each of its questions says which place it is about.
            home = self._home_questions(question, pieces, whole.language, whole.normalized)
            if home is not None:
                return home
            if whole.status is not Status.ANSWERED:
                return whole
            return replace(self._one.ask(subject), question=question)
        questions = self._questions(pieces) or [("", question, "")]
        if (
            len(questions) == 1
            and not questions[0][0]
            and len(pieces) == 1
            and not pieces[0].framed
        ):
            # One plain question: its parts are itself, unless it asks of two things.
            return self._each_of_a_pair(question, whole) or whole
        parts = _settled_by_each_other(
            [self._ask_part(*question_and_context) for question_and_context in questions],
            self._compose,
        )
        answered = _distinct_answers(parts)
        if whole.status is Status.ANSWERED and not answered:
            return whole
        if (
            not answered
            and whole.reason == UNSURE
            and len(pieces) > 1
            and all(p.reason == UNSURE for p in parts if p.status is Status.NO_ANSWER)
        ):
            # "Thanks, that's really helpful!": one clause is small talk, the rest filler
            # (not a question the bot understood: "Where is the Wandun project? Who is
            # developer?" asks of the project, not of the bot's developer).
            for piece in pieces:
                chat = self._one.ask(piece.text)
                if chat.status is Status.SMALLTALK and chat.entry_id is not None:
                    return replace(chat, question=question)
        asked = [p for p in parts if p.status is not Status.SMALLTALK]
        if (
            not answered
            and whole.reason == UNSURE
            and len(asked) > 1
            and all(p.reason == NOT_STATED for p in asked)
        ):
            # "春风动力投资多少？北星电子呢": each question understood, none stated by the
            # article. The whole message read as one blurs them; each alone is clear.
            related = tuple(dict.fromkeys(s for p in asked for s in p.suggestions))
            return self._compose.not_stated(
                question,
                whole.language,
                normalized=whole.normalized,
                related=related[: self._compose.max_choices],
                confidence=max(p.confidence for p in asked),
            )
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
        if len(answered) == 1 and all(
            p.status is Status.ANSWERED or p.reason == UNSURE for p in asked
        ):
            # One question with context around it, or one question and filler the bot could
            # not place: the answer, without a note on the filler.
            return replace(answered[0], question=question)
        return self._compose.combined(question, whole.language, whole.normalized, asked)

    def _each_of_a_pair(self, question: str, whole: Answer) -> Answer | None:
        """ "What are the targets for new software companies and software revenue growth?":
        an English question asking of two things, each answered by its own entry (one of
        them the whole question's answer, if it had one), gets both answers; None otherwise
        ("digital workshops and smart factories" are one entry's)."""
        if whole.language is not Language.ENGLISH:
            return None
        halves = split_english_pair(question)
        if not halves:
            return None
        parts = [self._one.ask(half) for half in halves]
        entries = {p.entry_id for p in parts if p.status is Status.ANSWERED}
        if len(entries) != 2 or (
            whole.status is Status.ANSWERED and whole.entry_id not in entries
        ):
            return None
        return self._compose.combined(question, whole.language, whole.normalized, parts)

    def without_the_writer(self, question: str) -> str:
        """The message with the clauses about its writer set aside ("我是香港记者，" of "我是
        香港记者，想问下半年经济工作从哪三方面去抓"): what the semantic signal is shown, so
        that the writer's town or trade does not pull it away from the question."""
        if not self._cut:
            return question
        pieces = clauses(question)
        kept = [c.text for c in pieces if not c.about_writer]
        text = " ".join(kept) if kept and len(kept) < len(pieces) else question
        if len(text) > _SEMANTIC_CHARS:
            # The encoder's time grows with the text (7 ms at 120 characters, 17 ms at 400):
            # a long message is shown its questions only.
            asking = [c.text for c in pieces if c.asks and not c.about_writer]
            text = " ".join(asking) or text
        return text

    def _home_questions(
        self, question: str, pieces: list[Clause], language: Language, normalized: str
    ) -> Answer | None:
        """ "大渡口的开工率是多少？九龙坡呢？": a message asking of the article's place and of
        another gets the article's answers and a decline of the other place's. A question
        that leaves its place unsaid is about the article's place before the first question
        about another one ("上半年小面营收好多 九龙坡的又是好多": the writer starts with the
        article's subject, then turns away), and about that other place after it ("what about
        hotpot, any target for that?"). None when no question names another place."""
        questions = self._questions(pieces)
        home = self._one.home_terms
        if len(questions) < 2 or not home:
            return None
        parts: list[Answer] = []
        elsewhere: Answer | None = None
        for context, text, _ in questions:
            if self._foreign(text):
                # With its context: "五大百亿级产业…里头还有没有钢铁" asks of the list the
                # article gives (answered by it), "九龙坡的又是好多" of another place.
                elsewhere = self._ask_with_context(context, text)
                parts.append(elsewhere)
            elif elsewhere is not None and not home <= self._one.terms_of(text):
                parts.append(replace(elsewhere, question=text))
            else:
                # Not leaning on the question before: it may be the other place's ("成都那边
                # 小面产业搞得咋样 有大渡口大不").
                parts.append(self._ask_with_context(context, text))
        if elsewhere is None:
            return None
        if not any(p.status is Status.ANSWERED for p in parts):
            return None
        return self._compose.combined(question, language, normalized, parts)

    def _questions(self, pieces: list[Clause]) -> list[tuple[str, str, str]]:
        """(context, question, previous) triples: each asking clause with the content-bearing
        clauses before it. A question that names no subject of its own ("投了好多钱",
        "啥时候完工") takes the one before it as context: "华韶那个智算中心 投了好多钱
        建起来要带动啥子产业嘛" asks both things of the 华韶 centre. One that names only a
        generic subject ("which industries is it expected to drive?") keeps the question
        before it as ``previous``, whose subject it may lean on when it alone is unclear."""
        asking = [i for i, c in enumerate(pieces) if c.asks]
        if not asking:
            return []
        pairs: list[tuple[str, str, str]] = []
        # "想去重庆华韶智算中心工作，想先了解它会带动哪些产业": what the writer says of
        # themselves may name the "it" of their first question (never a foreign name: the
        # writer's own town or trade is not the subject).
        previous = " ".join(
            c.text
            for c in pieces[: asking[0]]
            if c.about_writer and self._carries_content(c.text) and not self._foreign(c.text)
        )
        start = 0
        compared_before = False
        for number, index in enumerate(asking):
            before = [
                c.text
                for c in pieces[start:index]
                if not c.about_writer and not sets_aside(c.text) and self._carries_content(c.text)
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
            leaned_on = ""
            if not context:
                if self._one.names_subject(text) or number == 0:
                    leaned_on = previous
                else:
                    context = previous
            compared = split_compared(text, context)
            if compared:
                pairs.extend(("", each, "") for each in compared)
            elif not (compared_before and asks_each(text)):
                # ("哪个投资更大？各多少": the comparison's answers already give each one's.)
                pairs.extend((context, each, leaned_on) for each in self._respectively(text))
            compared_before = bool(compared)
            previous = " ".join(part for part in (context, text) if part)
            start = index + 1
        return pairs

    def _respectively(self, text: str) -> list[str]:
        """``split_respectively``, each thing asked what the last one is asked: in
        "新材料和生医今年营收目标分别多少" the period and measures follow the last thing
        only, but are every thing's."""
        each = split_respectively(text)
        if len(each) < 2:
            return each
        lexicon = self._one.lexicon
        last = self._one.terms_of(each[-1])
        language = detect_language(text)
        repaired = []
        for thing in each[:-1]:
            missing = asked_terms(lexicon, self._one.terms_of(thing), last)
            if missing:
                # Written where the user would have: "新材料" + "今年营收" + "多少".
                match = _ASKING_TAIL.fullmatch(thing)
                name, asking = match.groups() if match else (thing, "")
                words = written(missing, lexicon, language).replace(" ", "")
                thing = f"{name}{words}{asking}"
            repaired.append(thing)
        return [*repaired, each[-1]]

    def _ask_part(self, context: str, text: str, previous: str) -> Answer:
        """One question of a message: with its context when that is answered, else alone
        (unless it names no subject of its own, which only its context can give). One the
        bot is unsure of alone is asked of the previous question's subject (its "it"), with
        nothing of what that question asked for."""
        lexicon = self._one.lexicon
        if previous and is_elliptical(text):
            # "春风动力投资多少？北星电子呢": 北星电子's investment, which the article may not
            # state (not the entry that merely names 北星电子).
            asked = asked_terms(lexicon, self._one.terms_of(text), self._one.terms_of(previous))
            if asked:
                language = detect_language(text)
                return replace(
                    self._one.ask(f"{text} {written(asked, lexicon, language)}"), question=text
                )
        answer = self._ask_with_context(context, text)
        if answer.status is Status.ANSWERED or answer.reason != UNSURE or not previous:
            return answer
        subject = kept_terms(
            lexicon, self._one.terms_of(text), self._one.terms_of(previous), subject_only=True
        )
        if not subject:
            return answer
        leaning = self._one.ask(f"{written(subject, lexicon, detect_language(text))} {text}")
        return replace(leaning, question=text) if leaning.status is Status.ANSWERED else answer

    def _ask_with_context(self, context: str, text: str) -> Answer:
        if not context:
            return self._one.ask(text)
        with_context = self._one.ask(f"{context} {text}")
        if with_context.status is Status.ANSWERED:
            return replace(with_context, question=text)
        alone = self._one.ask(text)
        if not self._one.names_subject(text):
            # "华韶投资多少？另外二季度开工率是多少": a period and a measure pin one fact
            # without a subject; a bare measure ("啥时候完工", "建在哪里") needs the context's
            # subject, and the context's decline stands.
            # ("那明年呢" names a period alone: it is the context's question for next year.)
            if alone.status is Status.ANSWERED and (
                self._one.names_period_and_measure(text)
                or (
                    # "…大渡口在搞小面产业 要丰富啥子消费平台": unsure with the context, whose
                    # best guesses include what the question alone answers, and that answer
                    # is about the context's subject ("江苏血透投资多少？年产值预计多少亿元"
                    # is not answered with the district's new output).
                    with_context.reason == UNSURE
                    and alone.entry_id in {s.id for s in with_context.suggestions}
                    and self._one.is_about(alone.entry_id, context)
                )
            ):
                return replace(alone, question=text)
            return replace(with_context, question=text)
        if with_context.reason == NOT_STATED and self._one.names_a_time_or_new_figure(context):
            # "到2025年，小面产业营收要达到多少": the context sets the question's period, and
            # for it the article gives nothing (its answer alone would be this year's).
            return replace(with_context, question=text)
        if alone.status is Status.ANSWERED or with_context.reason == UNSURE:
            return replace(alone, question=text)
        return replace(with_context, question=text)

    def _carries_content(self, text: str) -> bool:
        """Whether a clause names anything the knowledge knows (a term or a figure)."""
        analysis = self._analyzer.analyze(self._one.normalise(text))
        return bool(analysis.terms) or any(f.startswith("#") for f in analysis.features)

    def _foreign(self, text: str) -> bool:
        """Whether the message is about a place, industry or firm the article does not cover
        (a topic it does not cover, 工资 or 房租, declines only the question asking it)."""
        normalized = self._one.normalise(text)
        if not self._names or not MEANINGFUL.search(normalized):
            return False
        analysis = self._analyzer.analyze(normalized)
        return bool(self._analyzer.foreign_subjects(analysis)) or bool(
            self._matcher.unknown_names(analysis)
        )


def _settled_by_each_other(parts: list[Answer], composer: Composer) -> list[Answer]:
    """ "How many projects under negotiation will be pushed to sign, and how many signed
    projects …?": a question that could mean two things, one of which another question of
    the message asks, means the other one. Only a full list of choices is narrowed so (the
    choices are cut at the threshold's count)."""
    answered = {p.entry_id for p in parts if p.status is Status.ANSWERED}
    settled = []
    for part in parts:
        choices = [s.id for s in part.suggestions]
        left = [c for c in choices if c not in answered]
        if (
            part.status is Status.AMBIGUOUS
            and 1 < len(choices) < composer.max_choices
            and len(left) == 1
            and (entry := composer.knowledge.entries.get(left[0])) is not None
        ):
            part = composer.entry_answer(
                entry, part.language, part.question, part.normalized, part.confidence
            )
        settled.append(part)
    return settled


def _distinct_answers(parts: list[Answer]) -> list[Answer]:
    """The answered parts, one per entry, in order."""
    seen: set[str | None] = set()
    distinct = []
    for part in parts:
        if part.status is Status.ANSWERED and part.entry_id not in seen:
            seen.add(part.entry_id)
            distinct.append(part)
    return distinct
