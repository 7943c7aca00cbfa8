"""Inline mode against the fake Bot API: ``@bot question`` in any chat offers cited cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import LimitSettings
from bot.engine.answers import Language
from bot.questionlog.feedback import Helpfulness, helpfulness_by_entry
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.telegram.card_votes import card_key, card_keyboard, entry_of
from bot.telegram.inline import INLINE_QUERIES_PER_QUESTION
from tests.telegram.conftest import TEST_SALT, BotFactory, person, private_chat
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


def labels(markup: Json | None) -> list[str]:
    """The labels of a card's one row of buttons."""
    assert markup is not None
    (row,) = markup["inline_keyboard"]
    return [button["text"] for button in row]


def card_data(result: Json) -> tuple[str, str]:
    """The callback data of a card's 👍 and 👎."""
    (row,) = result["reply_markup"]["inline_keyboard"]
    up, down = (button["callback_data"] for button in row)
    return up, down


async def test_a_card_vote_counts_once_per_user_and_redraws_the_card(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An answer card carries 👍/👎 naming its entry, not the asker's question; taps from the
    cards of different messages count once per user per entry, can be changed, are thanked,
    redraw the tapped card by its inline message id, and show in /top."""
    admin = person(9101, "en", name="Ada")
    async with bot_on_fake(admins=(9101,)) as service:
        query_id = fake_api.push_inline_query(USER, "How many key projects")
        await fake_api.wait_until(lambda: query_id in fake_api.inline_answers)
        first = fake_api.inline_answers[query_id]["results"][0]
        assert labels(first["reply_markup"]) == ["👍", "👎"]
        up, down = card_data(first)
        assert (up, down) == ("c:+e:key-projects", "c:-e:key-projects")
        taps = [
            fake_api.push_inline_callback(USER, up),
            fake_api.push_inline_callback(person(702), down),
        ]
        await fake_api.wait_until(lambda: all(t in fake_api.callback_answers for t in taps))
        assert fake_api.callback_answers[taps[0]]["text"] == "Thanks"
        # The same user on another message of the card: their vote changes, not added.
        changed = fake_api.push_inline_callback(USER, down)
        await fake_api.wait_until(lambda: f"im{changed}" in fake_api.inline_markups)
        assert labels(fake_api.inline_markups[f"im{changed}"]) == ["👍", "👎 2"]
        edits = fake_api.calls_to("editMessageReplyMarkup")
        assert {call.params["inline_message_id"] for call in edits} == {f"im{t}" for t in taps} | {
            f"im{changed}"
        }
        assert all("chat_id" not in call.params for call in edits)
        log: QuestionLog = service.bot.question_log
        assert (await helpfulness_by_entry(log))["key-projects"] == Helpfulness(0, 2)
        fake_api.push_message(admin, private_chat(admin), "/top")
        (top,) = await fake_api.wait_sent(9101)
    assert "key-projects 1  👍 0 👎 2" in top["text"]


async def test_unhelpful_lists_the_cards_voted_down_in_each_admins_language(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A 👎 on a shared card shows in /unhelpful after the answers (none here) as its entry
    with its 👎 and 👍 counts, in English or Chinese as the admin writes."""
    english, chinese = person(9101, "en", name="Ada"), person(9102, "zh-hans", name="李")
    async with bot_on_fake(admins=(9101, 9102)):
        query_id = fake_api.push_inline_query(USER, "How many key projects")
        await fake_api.wait_until(lambda: query_id in fake_api.inline_answers)
        up, down = card_data(fake_api.inline_answers[query_id]["results"][0])
        taps = [
            fake_api.push_inline_callback(USER, down),
            fake_api.push_inline_callback(person(702), down),
            fake_api.push_inline_callback(person(703), up),
        ]
        await fake_api.wait_until(lambda: all(t in fake_api.callback_answers for t in taps))
        fake_api.push_message(english, private_chat(english), "/unhelpful")
        fake_api.push_message(chinese, private_chat(chinese), "/unhelpful")
        (in_english,) = await fake_api.wait_sent(9101)
        (in_chinese,) = await fake_api.wait_sent(9102)
    assert in_english["text"].startswith(
        "No answers voted 👎 (last 30 days).\n\n"
        "Shared cards (inline and guest) voted 👎, last 30 days (most 👎 first)\n"
        "1. key-projects: 👎 2, 👍 1, last vote "
    )
    assert in_chinese["text"].startswith(
        "没有被点 👎 的回答（最近 30 天）。\n\n"
        "被点 👎 的分享卡片（内联和访客模式，最近 30 天，👎 最多的在前）\n"
        "1. key-projects：👎 2，👍 1，最近一次 "
    )


async def test_a_guest_card_carries_the_vote_row_and_a_tap_on_it_counts(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """The card posted for a guest mention has the same 👍/👎; a tap on it is recorded and
    redraws it; a plain card (no answer) has none."""
    stranger_chat = {"id": -100777, "type": "supergroup", "title": "别的群"}
    async with bot_on_fake() as service:
        answered = fake_api.push_guest_message(
            USER, stranger_chat, "@dadukou_test_bot 大渡口有多少个市区级重点项目"
        )
        declined = fake_api.push_guest_message(USER, stranger_chat, "@dadukou_test_bot")
        await fake_api.wait_until(lambda: {answered, declined} <= fake_api.guest_answers.keys())
        card = fake_api.guest_answers[answered]["result"]
        up, _ = card_data(card)
        assert up == "c:+s:key-projects"
        tap = fake_api.push_inline_callback(person(703), up)
        await fake_api.wait_until(lambda: f"im{tap}" in fake_api.inline_markups)
        assert labels(fake_api.inline_markups[f"im{tap}"]) == ["👍 1", "👎"]
        assert fake_api.callback_answers[tap]["text"] == "谢谢反馈"
        log: QuestionLog = service.bot.question_log
        assert (await helpfulness_by_entry(log))["key-projects"] == Helpfulness(1, 0)
    assert "reply_markup" not in fake_api.guest_answers[declined]["result"]


async def test_a_vote_on_a_card_whose_entry_is_gone_counts_nothing(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A card tapped after its entry left the knowledge: told so, nothing recorded or drawn."""
    async with bot_on_fake() as service:
        tap = fake_api.push_inline_callback(USER, "c:+s:no-such-entry")
        await fake_api.wait_until(lambda: tap in fake_api.callback_answers)
        assert await helpfulness_by_entry(service.bot.question_log) == {}
    assert fake_api.callback_answers[tap]["text"].startswith("资料已经更新")
    assert fake_api.calls_to("editMessageReplyMarkup") == []


def test_a_long_entry_id_is_carried_as_a_hash_and_resolved() -> None:
    """An entry id too long for callback data is hashed on the card and found again; a short
    one is carried as is; a key matching no entry resolves to nothing."""
    long_id = "a-very-long-entry-id-" + "x" * 60
    key = card_key(long_id)
    assert key.startswith("#")
    markup = card_keyboard(long_id, Language.TRADITIONAL, Helpfulness(3, 0))
    (row,) = markup.inline_keyboard
    assert [b.text for b in row] == ["👍 3", "👎"]
    assert all(len(str(b.callback_data).encode()) <= 64 for b in row)
    assert entry_of(key, ["key-projects", long_id]) == long_id
    assert entry_of(card_key("key-projects"), ["key-projects"]) == "key-projects"
    assert entry_of(key, ["key-projects"]) is None
