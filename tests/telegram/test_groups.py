"""Group chats against the fake Bot API: the bot answers /ask, mentions and replies to itself,
as replies, and stays silent otherwise (as it must with privacy mode on or off)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from tests.telegram.conftest import BotFactory, group_chat, person
from tests.telegram.fake_bot_api import FakeBotApi

Json = dict[str, Any]
GROUP = group_chat()
ALICE = person(601, name="Alice")
BOB = person(602, "en", name="Bob")


def replied_to(message: Json) -> int | None:
    """The message id a bot message replies to."""
    parameters = message.get("reply_parameters") or {}
    return parameters.get("message_id")


async def test_group_chatter_gets_no_reply(fake_api: FakeBotApi, bot_on_fake: BotFactory) -> None:
    """Ordinary group messages, even questions, other bots' commands and stickers: silence."""
    async with bot_on_fake():
        fake_api.push_message(ALICE, GROUP, "重庆小面今年营收目标是多少")
        fake_api.push_message(BOB, GROUP, "/ask@some_other_bot 小面营收")
        fake_api.push_message(BOB, GROUP, "/weather")
        fake_api.push_message(ALICE, GROUP, "@someone_else 五大产业是什么")
        fake_api.push_message(
            ALICE,
            GROUP,
            sticker={
                "file_id": "s",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        )
        await fake_api.wait_fetched()
    assert fake_api.sent == []


async def test_ask_command_in_a_group_is_answered_as_a_reply(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """/ask question (also /ask@thisbot) is answered in the group, replying to the asker."""
    async with bot_on_fake():
        first = fake_api.push_message(ALICE, GROUP, "/ask 大渡口有多少个市区级重点项目")
        second = fake_api.push_message(BOB, GROUP, "/ask@dadukou_test_bot 五大产业是什么")
        replies = await fake_api.wait_sent(GROUP["id"], 2)
    by_target = {replied_to(r): r for r in replies}
    assert by_target[first["message_id"]]["text"].startswith("大渡口有80个市区级重点项目。")
    assert by_target[second["message_id"]]["text"].startswith("五大百亿级产业是")
    assert "《重庆日报》2023-08-15" in by_target[first["message_id"]]["text"]


async def test_ask_keeps_the_line_breaks_of_a_several_line_question(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """ "/ask …\n…": the question is answered and logged as typed, line break included (not
    re-joined from the command's words)."""
    question = "大渡口有多少个市区级重点项目\n五大产业是什么"
    async with bot_on_fake():
        fake_api.push_message(ALICE, GROUP, f"/ask {question}")
        (reply,) = await fake_api.wait_sent(GROUP["id"])
    assert "80个" in reply["text"]
    assert "五大百亿级产业是" in reply["text"]
    with contextlib.closing(sqlite3.connect(log_path)) as connection:
        logged = [row[0] for row in connection.execute("SELECT text FROM questions")]
    assert logged == [question]


async def test_mention_is_answered_without_the_mention(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A message mentioning the bot is answered as if the mention were not there."""
    async with bot_on_fake():
        question = fake_api.push_message(
            ALICE, GROUP, "@dadukou_test_bot 大渡口有多少个市区级重点项目"
        )
        (reply,) = await fake_api.wait_sent(GROUP["id"])
    assert replied_to(reply) == question["message_id"]
    assert reply["text"].startswith("大渡口有80个市区级重点项目。")


async def test_mention_in_the_middle_with_other_case_is_understood(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """The mention may stand anywhere and in any letter case."""
    async with bot_on_fake():
        fake_api.push_message(BOB, GROUP, "How many key projects @Dadukou_Test_Bot ?")
        (reply,) = await fake_api.wait_sent(GROUP["id"])
    assert reply["text"].startswith("Dadukou has 80 municipal and district key projects.")


async def test_reply_to_the_bot_is_a_question(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Replying to one of the bot's messages asks a question, without any mention."""
    async with bot_on_fake():
        fake_api.push_message(ALICE, GROUP, "/ask 五大产业是什么")
        (answer,) = await fake_api.wait_sent(GROUP["id"])
        follow_up = fake_api.push_message(BOB, GROUP, "How many key projects?", reply_to=answer)
        _, reply = await fake_api.wait_sent(GROUP["id"], 2)
    assert replied_to(reply) == follow_up["message_id"]
    assert reply["text"].startswith("Dadukou has 80 municipal and district key projects.")


async def test_reply_to_someone_else_is_ignored(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Replying to another member's message is not a question for the bot."""
    async with bot_on_fake():
        earlier = fake_api.push_message(ALICE, GROUP, "今天开会")
        fake_api.push_message(BOB, GROUP, "重点项目有多少个", reply_to=earlier)
        await fake_api.wait_fetched()
    assert fake_api.sent == []


async def test_bare_mention_explains_how_to_ask(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A mention with no question gets a one-line how-to in the user's language."""
    async with bot_on_fake():
        fake_api.push_message(BOB, GROUP, "@dadukou_test_bot")
        (reply,) = await fake_api.wait_sent(GROUP["id"])
    assert reply["text"] == (
        "Put your question after @dadukou_test_bot, for example: @dadukou_test_bot "
        "What is this year's revenue target for the Chongqing noodle industry?"
    )


async def test_unknown_command_addressed_to_the_bot_gets_a_pointer(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An unknown command explicitly addressed to this bot is answered; others are not."""
    async with bot_on_fake():
        fake_api.push_message(BOB, GROUP, "/weather@dadukou_test_bot")
        (reply,) = await fake_api.wait_sent(GROUP["id"])
    assert reply["text"] == "I don't know that command. Send /help to see what I can do."


async def test_group_buttons_answer_in_the_group(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Tapping a suggestion under a group answer posts that answer in the group."""
    async with bot_on_fake():
        fake_api.push_message(ALICE, GROUP, "/ask 小面营收目标")
        (choice,) = await fake_api.wait_sent(GROUP["id"])
        fake_api.push_callback(BOB, choice, "a:s:noodle-revenue-target")
        _, answer = await fake_api.wait_sent(GROUP["id"], 2)
    assert answer["text"].startswith("大渡口力促今年重庆小面产业营收达到50亿元以上。")
