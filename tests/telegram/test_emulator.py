"""The bot end to end against telegram-test-api, an independent Bot API emulator (npm).

The bot runs exactly as in production (python-telegram-bot, long polling, HTTP on loopback);
only the Bot API server is the emulator, behind the tests' compatibility layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession

from bot.engine.answers import Language
from bot.engine.pipeline import Engine
from bot.telegram.service import TelegramService
from tests.telegram.emulator import CompatProxy, EmulatorProcess, EmulatorUser

Json = dict[str, Any]
UserFactory = Callable[..., EmulatorUser]


def buttons(reply: Json) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button under a bot message."""
    markup = reply["message"].get("reply_markup") or {}
    return [
        (b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row
    ]


def suggestion_buttons(reply: Json) -> list[tuple[str, str]]:
    """The buttons above an answer's 👍/👎 row (which must be there, last)."""
    *suggestions, (up, up_data), (down, down_data) = buttons(reply)
    assert (up, down) == ("👍", "👎")
    assert (up_data[:3], down_data[:3]) == ("v:+", "v:-")
    return suggestions


async def test_private_question_gets_cited_answer(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """A private question is answered in HTML with the quote and 《重庆日报》2023-08-15."""
    user = emulator_user()
    await user.say("重庆小面今年的营收目标是多少？")
    (reply,) = await user.replies(1)
    message = reply["message"]
    assert message["parse_mode"] == "HTML"
    assert message["text"] == (
        "大渡口力促今年重庆小面产业营收达到50亿元以上。\n"
        "<blockquote>力促今年实现重庆小面产业营收50亿元以上</blockquote>\n"
        "— 《重庆日报》2023-08-15"
    )
    assert suggestion_buttons(reply) == [
        ("重庆小面明年营收目标是多少", "a:s:noodle-revenue-next-year"),
        ("大渡口有多少个市区级重点项目", "a:s:key-projects"),
    ]


async def test_traditional_question_gets_traditional_answer(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """A question in traditional characters is answered in traditional characters."""
    user = emulator_user()
    await user.say("重慶小麵今年的營收目標是多少？")
    (reply,) = await user.replies(1)
    text = reply["message"]["text"]
    assert text.startswith("大渡口力促今年重慶小麵產業營收達到50億元以上。")
    assert "《重慶日報》2023-08-15" in text
    # The quote is shown in the reply's script (the answer's citation keeps the article's own).
    assert "<blockquote>力促今年實現重慶小麵產業營收50億元以上</blockquote>" in text
    assert buttons(reply)[0] == ("重慶小麵明年營收目標是多少", "a:t:noodle-revenue-next-year")


async def test_english_question_gets_english_answer(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """An English question is answered in English, keeping the article's figure and source."""
    user = emulator_user()
    await user.say("What is the noodle revenue target this year?")
    (reply,) = await user.replies(1)
    text = reply["message"]["text"]
    assert text.startswith("Dadukou aims for Chongqing noodle industry revenue of over 5 billion")
    assert "Chongqing Daily (《重庆日报》), 2023-08-15" in text
    assert all(data.startswith("a:e:") for _, data in suggestion_buttons(reply))
    assert buttons(reply)[-1][1].startswith("v:-e:")  # thanked in English


async def test_ambiguous_question_offers_buttons_and_a_tap_answers(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """An ambiguous question gets one button per meaning; tapping one answers that meaning."""
    user = emulator_user()
    await user.say("小面营收目标")
    (choice,) = await user.replies(1)
    assert choice["message"]["text"] == "您的问题可以指报道里的几件事，请选一个："
    offered = dict(buttons(choice))
    assert offered == {
        "重庆小面明年营收目标是多少": "a:s:noodle-revenue-next-year",
        "重庆小面今年营收目标是多少": "a:s:noodle-revenue-target",
    }
    await user.tap(choice, offered["重庆小面明年营收目标是多少"])
    (answer,) = await user.replies(1)
    assert answer["message"]["text"].startswith("大渡口明年力争重庆小面产业营收达到200亿元。")
    assert "<blockquote>明年力争达到200亿元</blockquote>" in answer["message"]["text"]


async def test_start_greets_in_chinese_by_default_with_example_buttons(
    emulated_bot: TelegramService, emulator_user: UserFactory, engine: Engine
) -> None:
    """/start without a language code greets in Chinese and offers the examples as buttons."""
    user = emulator_user(language_code=None)
    await user.command("/start")
    (reply,) = await user.replies(1)
    text = reply["message"]["text"]
    assert text.startswith("测试用户，您好！")
    assert "《重庆日报》2023-08-15《大渡口区：推动五大百亿级产业高质量发展》" in text
    expected = [(s.question, f"a:s:{s.id}") for s in engine.examples(Language.SIMPLIFIED)]
    assert buttons(reply) == expected


async def test_start_greets_in_english_for_english_users(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """/start from a user whose Telegram is in English greets in English."""
    user = emulator_user(language_code="en-GB")
    await user.command("/start")
    (reply,) = await user.replies(1)
    assert reply["message"]["text"].startswith("Hello, 测试用户! I answer questions about one")
    assert all(data.startswith("a:e:") for _, data in buttons(reply))


async def test_help_explains_commands_groups_and_inline_mode(
    emulated_bot: TelegramService, emulator_user: UserFactory
) -> None:
    """/help names the commands and how to ask in groups and inline, with the bot's username."""
    user = emulator_user(language_code="zh-TW")
    await user.command("/help")
    (reply,) = await user.replies(1)
    text = reply["message"]["text"]
    for command in ("/topics", "/source", "/ask"):
        assert command in text
    assert "@TestNameBot" in text
    assert "直接發問題給我" in text  # traditional, from language_code zh-TW


async def test_topics_browse_by_editing_the_message_then_answer(
    emulated_bot: TelegramService,
    emulator_user: UserFactory,
    emulator: EmulatorProcess,
    client_session: ClientSession,
    token: str,
) -> None:
    """/topics lists topics; a topic tap edits the message into its questions; a tap answers."""
    user = emulator_user()
    await user.command("/topics")
    (listing,) = await user.replies(1)
    assert listing["message"]["text"] == "报道里的话题，请选一个："
    assert buttons(listing) == [
        ("重庆小面", "t:s:noodles"),
        ("重点项目", "t:s:projects"),
        ("五大产业", "t:s:industries"),
    ]
    await user.tap(listing, "t:s:projects")

    async def edited() -> Json:
        body = {"token": token}
        async with client_session.post(f"{emulator.url}/getUpdatesHistory", json=body) as reply:
            history = (await reply.json())["result"]
        return next(h for h in history if h.get("messageId") == listing["messageId"])

    for _ in range(100):
        message = await edited()
        if message["message"]["text"] != listing["message"]["text"]:
            break
        await user.no_more_replies(0.02)
    assert message["message"]["text"] == "“重点项目”方面可以问："
    assert buttons(message) == [
        ("大渡口有多少个市区级重点项目", "a:s:key-projects"),
        ("« 全部话题", "T:s:"),
    ]
    await user.tap(message, "a:s:key-projects")
    (answer,) = await user.replies(1)
    assert answer["message"]["text"].startswith("大渡口有80个市区级重点项目。")


async def test_source_names_the_article_and_knowledge_version(
    emulated_bot: TelegramService, emulator_user: UserFactory, engine: Engine
) -> None:
    """/source shows newspaper, date, title and the knowledge version."""
    user = emulator_user(language_code="en")
    await user.command("/source")
    (reply,) = await user.replies(1)
    text = reply["message"]["text"]
    assert "Chongqing Daily (《重庆日报》), 2023-08-15" in text
    assert "《大渡口区：推动五大百亿级产业高质量发展》" in text
    assert f"Knowledge version: {engine.knowledge.version}" in text


async def test_menu_commands_are_set_in_chinese_and_english(
    emulated_bot: TelegramService, compat_proxy: CompatProxy
) -> None:
    """At start-up the command menu is set for everyone (Chinese) and for English users."""
    names = ["start", "help", "topics", "source", "ask"]
    assert [c["command"] for c in compat_proxy.commands[""]] == names
    assert [c["command"] for c in compat_proxy.commands["en"]] == names
    assert compat_proxy.commands[""][2]["description"] == "按话题浏览"
    assert compat_proxy.commands["en"][2]["description"] == "Browse by topic"
