"""Inline mode against the fake Bot API: ``@bot question`` in any chat offers cited cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import LimitSettings
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.inline import INLINE_QUERIES_PER_QUESTION
from tests.telegram.conftest import TEST_SALT, BotFactory, person
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.test_question_log import logged_rows

Json = dict[str, Any]
USER = person(701)


async def inline_results(fake_api: FakeBotApi, bot_on_fake: BotFactory, query: str) -> list[Json]:
    """The results the bot answers ``query`` with."""
    async with bot_on_fake():
        query_id = fake_api.push_inline_query(USER, query)
        await fake_api.wait_until(lambda: query_id in fake_api.inline_answers)
    results: list[Json] = fake_api.inline_answers[query_id]["results"]
    return results


async def test_inline_question_offers_the_cited_answer_first(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """The answer's card comes first; its message has the question, answer, quote and source."""
    results = await inline_results(fake_api, bot_on_fake, "How many key projects")
    assert [r["title"] for r in results] == [
        "How many key projects does Dadukou have?",
        "Which five industries is Dadukou developing?",
    ]
    first = results[0]
    assert first["type"] == "article"
    assert first["description"] == "Dadukou has 80 municipal and district key projects."
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["message_text"] == (
        "<b>How many key projects does Dadukou have?</b>\n"
        "Dadukou has 80 municipal and district key projects.\n"
        "<blockquote>对80个市区级重点项目</blockquote>\n"
        "— Chongqing Daily (《重庆日报》), 2023-08-15"
    )


async def test_ambiguous_inline_question_offers_each_meaning(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An ambiguous inline question offers one cited card per meaning."""
    results = await inline_results(fake_api, bot_on_fake, "小面营收目标")
    assert sorted(r["title"] for r in results) == [
        "重庆小面今年营收目标是多少",
        "重庆小面明年营收目标是多少",
    ]
    assert all("<blockquote>" in r["input_message_content"]["message_text"] for r in results)


async def test_empty_inline_query_offers_examples(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An empty inline query offers a few example answers, at most three."""
    results = await inline_results(fake_api, bot_on_fake, "")
    assert [r["title"] for r in results] == [
        "重庆小面今年营收目标是多少",
        "大渡口有多少个市区级重点项目",
        "大渡口要发展哪五大百亿级产业",
    ]


async def test_inline_question_the_article_cannot_answer_offers_nothing(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A question outside the article gets no cards (never an uncited guess)."""
    assert await inline_results(fake_api, bot_on_fake, "沙坪坝的GDP是多少") == []


async def test_over_long_inline_query_offers_nothing(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An inline query over the question length limit is answered with no cards."""
    assert await inline_results(fake_api, bot_on_fake, "小面" * 400) == []


async def test_inline_flood_is_bounded_per_user(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """Many inline queries from one user: a bounded number answered and logged; others are not."""
    flooder, other = person(702), person(703)
    limits = LimitSettings(questions_per_minute=3)
    async with bot_on_fake(limits=limits):
        flood = [fake_api.push_inline_query(flooder, "How many key projects") for _ in range(60)]
        theirs = fake_api.push_inline_query(other, "How many key projects")
        await fake_api.wait_until(
            lambda: all(q in fake_api.inline_answers for q in [*flood, theirs]), within=15
        )
    answered = [q for q in flood if fake_api.inline_answers[q]["results"]]
    budget = INLINE_QUERIES_PER_QUESTION * limits.questions_per_minute
    assert len(answered) == budget
    refused = next(fake_api.inline_answers[q] for q in flood if q not in answered)
    # Telegram must not cache the empty answer for this text, nor show it to anyone else.
    assert refused["cache_time"] == 0
    assert refused["is_personal"] is True
    assert fake_api.inline_answers[theirs]["results"]
    rows = logged_rows(log_path)
    assert len(rows) == budget + 1
    assert sum(r["user_hash"] == hash_user(703, TEST_SALT) for r in rows) == 1
