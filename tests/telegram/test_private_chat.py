"""Private chats against the project's fake Bot API: the odd inputs, buttons, flood control,
knowledge changes and failures. The fake server rejects what Telegram rejects (bad HTML,
over-long text, oversized callback data), so a reply that arrives was a valid one.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_telegram
from bot.config import LimitSettings
from bot.engine.answers import Answer, Language
from bot.engine.pipeline import Engine, load_engine
from tests.telegram.conftest import (
    REPO,
    BotFactory,
    knowledge_copy,
    person,
    private_chat,
    running,
    settings_for,
)
from tests.telegram.fake_bot_api import FakeBotApi

Json = dict[str, Any]
USER = person(501)
CHAT = private_chat(USER)


def callback_data(message: Json) -> list[str]:
    """The callback data of every button under ``message``."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def test_user_text_is_escaped_in_html_replies(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A first name full of HTML is escaped in the greeting (Telegram would refuse it raw)."""
    user = person(502, name="<b>Tom</b> & <Jerry>")
    async with bot_on_fake():
        fake_api.push_message(user, private_chat(user), "/start")
        (reply,) = await fake_api.wait_sent(502)
    assert reply["html"].startswith("&lt;b&gt;Tom&lt;/b&gt; &amp; &lt;Jerry&gt;，您好！")
    assert reply["text"].startswith("<b>Tom</b> & <Jerry>，您好！")


async def test_questions_containing_markup_are_answered(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A question with <, > and & in it is answered (it never breaks the HTML reply)."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "重庆小面今年营收目标 <是> & <多少>")
        (reply,) = await fake_api.wait_sent(501)
    assert reply["text"].startswith("大渡口力促今年重庆小面产业营收达到50亿元以上。")


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "faq.yaml"}},
    ],
    ids=["sticker", "photo", "voice", "document"],
)
async def test_non_text_in_private_gets_a_short_friendly_reply(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, content: Json
) -> None:
    """Stickers, photos, voice and documents get one short request for text."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, **content)
        (reply,) = await fake_api.wait_sent(501)
    assert reply["text"] == "我只能读文字。请把问题打出来发给我。"


async def test_edited_messages_are_ignored(fake_api: FakeBotApi, bot_on_fake: BotFactory) -> None:
    """Editing a question gets no second answer; the next question is answered as usual."""
    async with bot_on_fake():
        first = fake_api.push_message(USER, CHAT, "重庆小面今年营收目标是多少")
        await fake_api.wait_sent(501, 1)
        fake_api.push_message(
            USER, CHAT, "大渡口有多少个市区级重点项目", edited=True, message_id=first["message_id"]
        )
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        await fake_api.wait_fetched()
    texts = [m["text"] for m in fake_api.sent_to(501)]
    assert len(texts) == 2
    assert texts[1].startswith("五大百亿级产业是")


async def test_whitespace_only_text_asks_for_a_question_with_examples(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, engine: Engine
) -> None:
    """Text that is only whitespace gets a prompt for a question and example buttons."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, " \u3000 \n")
        (reply,) = await fake_api.wait_sent(501)
    assert reply["text"] == "请输入一个关于这篇报道的问题，例如："
    assert callback_data(reply) == [f"a:s:{s.id}" for s in engine.examples(Language.SIMPLIFIED)]


async def test_over_long_question_is_declined_politely(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A question over the configured length gets a short request to shorten it."""
    async with bot_on_fake(limits=LimitSettings(max_question_chars=50)):
        fake_api.push_message(USER, CHAT, "小面" * 2000)
        (reply,) = await fake_api.wait_sent(501)
    assert reply["text"] == "问题太长了（最多 50 个字）。请问得简短一些。"


async def test_unknown_command_in_private_points_to_help(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An unknown command in a private chat gets a pointer to /help."""
    async with bot_on_fake():
        fake_api.push_message(person(503, "en"), private_chat(person(503)), "/weather tomorrow")
        (reply,) = await fake_api.wait_sent(503)
    assert reply["text"] == "I don't know that command. Send /help to see what I can do."


async def test_ask_without_a_question_explains_usage(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """/ask alone explains how to use it, with an example question."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "/ask")
        (reply,) = await fake_api.wait_sent(501)
    assert reply["text"] == "请把问题写在 /ask 后面，例如：/ask 重庆小面今年营收目标是多少"


async def test_flood_control_answers_up_to_the_limit_and_warns_once(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Past the per-minute limit a user gets one polite notice, then silence; others are fine."""
    other = person(504)
    async with bot_on_fake(limits=LimitSettings(questions_per_minute=3)):
        for _ in range(7):
            fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        fake_api.push_message(other, private_chat(other), "大渡口有多少个市区级重点项目")
        await fake_api.wait_fetched()
    texts = [m["text"] for m in fake_api.sent_to(501)]
    notice = "您问得太快了，请过一分钟再问。"
    assert texts.count(notice) == 1
    assert len(texts) == 4
    assert sum(t.startswith("大渡口有80个市区级重点项目") for t in texts) == 3


async def test_tapped_flood_is_told_in_the_button_toast(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Button taps count as questions; over the limit the tap's toast says so."""
    async with bot_on_fake(limits=LimitSettings(questions_per_minute=1)):
        fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        (answer,) = await fake_api.wait_sent(501)
        query_id = fake_api.push_callback(USER, answer, "a:s:five-industries")
        await fake_api.wait_until(lambda: query_id in fake_api.callback_answers)
    assert fake_api.callback_answers[query_id]["text"] == "您问得太快了，请过一分钟再问。"
    assert len(fake_api.sent_to(501)) == 1


async def test_button_of_a_vanished_entry_says_so_after_a_knowledge_change(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, engine: Engine, tmp_path: Path
) -> None:
    """After a reload without an entry, its old button says so and offers current examples."""
    current = [engine]

    async with bot_on_fake(engine_provider=lambda: current[0]):
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        (answer,) = await fake_api.wait_sent(501)
        assert callback_data(answer)[:-2] == ["a:s:noodle-revenue-target"]

        # The knowledge changes: the noodle target entry is renamed (so the old id is gone).
        changed = knowledge_copy(tmp_path / "knowledge")
        faq = changed / "faq.yaml"
        renamed = re.sub(r"noodle-revenue-target(?![-\w])", "noodle-target-2023", faq.read_text())
        faq.write_text(renamed)
        current[0] = load_engine(changed)

        fake_api.push_callback(USER, answer, "a:s:noodle-revenue-target")
        fake_api.push_callback(USER, answer, "a:s:key-projects")
        replies = (await fake_api.wait_sent(501, 3))[1:]
    # The two taps are handled concurrently: find each reply by what it says.
    (gone,) = [r for r in replies if r["text"].startswith("资料已经更新")]
    assert gone["text"] == "资料已经更新，这个问题没有了。请重新提问，或者试试这些："
    assert "a:s:noodle-target-2023" in callback_data(gone)
    (still_there,) = [r for r in replies if r is not gone]
    assert still_there["text"].startswith("大渡口有80个市区级重点项目。")
    shutil.rmtree(changed)


async def test_garbage_callback_data_is_acknowledged_and_ignored(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Callback data this bot never wrote is acknowledged, with no message and no error."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        (answer,) = await fake_api.wait_sent(501)
        query_id = fake_api.push_callback(USER, answer, "x:y")
        await fake_api.wait_until(lambda: query_id in fake_api.callback_answers)
    assert len(fake_api.sent_to(501)) == 1


async def test_topics_browse_back_and_a_vanished_topic(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Topic buttons edit the list in place, « goes back, a gone topic shows the list, and a
    tap on what is already shown is acknowledged without a second copy."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "/topics")
        (listing,) = await fake_api.wait_sent(501)
        fake_api.push_callback(USER, listing, "t:s:noodles")
        await fake_api.wait_until(lambda: listing.get("edit_date") is not None)
        assert listing["text"] == "“重庆小面”方面可以问："
        assert callback_data(listing) == [
            "a:s:noodle-revenue-target",
            "a:s:noodle-revenue-next-year",
            "T:s:",
        ]
        fake_api.push_callback(USER, listing, "T:s:")
        await fake_api.wait_until(lambda: listing["text"] == "报道里的话题，请选一个：")
        fake_api.push_callback(USER, listing, "t:s:weather")
        await fake_api.wait_until(
            lambda: listing["text"].startswith("资料已经更新，这个话题没有了")
        )
        fake_api.push_callback(USER, listing, "T:s:")
        await fake_api.wait_until(lambda: listing["text"] == "报道里的话题，请选一个：")
        # Tapping what is already shown cannot edit it ("not modified"): the message already
        # shows the list, so the tap is answered and nothing new is sent.
        fake_api.push_callback(USER, listing, "T:s:")
        await fake_api.wait_until(lambda: len(fake_api.callback_answers) == 5)
        fake_api.push_message(USER, CHAT, "/topics")
        await fake_api.wait_sent(501, 2)
    first, second = fake_api.sent_to(501)
    assert first is listing
    assert second["text"] == "报道里的话题，请选一个："


class BrokenEngine(Engine):
    """An engine whose ``ask`` fails, as a bug would."""

    def ask(self, question: str) -> Answer:
        raise RuntimeError("engine bug")


@pytest.mark.error_logs_expected
async def test_handler_failure_is_logged_with_context_and_apologised_for(
    fake_api: FakeBotApi,
    bot_on_fake: BotFactory,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing handler is logged with the update's details; the user gets an apology."""
    broken = BrokenEngine(engine.knowledge)
    async with bot_on_fake(engine_provider=lambda: broken):
        fake_api.push_message(USER, CHAT, "小面营收")
        (reply,) = await fake_api.wait_sent(501)
        fake_api.push_message(USER, CHAT, "/source")
        await fake_api.wait_sent(501, 2)
    assert reply["text"] == "抱歉，出了点问题，请稍后再试。"
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.name == "bot.telegram.errors"
    message = record.getMessage()
    assert "(message)" in message
    assert "chat 501 (private)" in message
    assert "user 501" in message
    assert "'小面营收'" in message
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_shipped_knowledge_answers_over_telegram(
    fake_api: FakeBotApi, token: str, log_path: Path
) -> None:
    """With the real knowledge/ folder (the default engine), a question gets its cited figure."""
    settings = settings_for(fake_api.base_url, token, REPO / "knowledge", log_path=log_path)
    async with running(build_telegram(settings)):
        fake_api.push_message(USER, CHAT, "重庆小面今年的营收目标是多少？")
        (reply,) = await fake_api.wait_sent(501)
    assert "50亿元以上" in reply["text"]
    assert "<blockquote>" in reply["html"]
    assert reply["text"].endswith("《重庆日报》2023-08-15")


class EmojiEngine(Engine):
    """An engine whose answers are 60 lines of 50 emoji: 3,000 characters, 6,059 UTF-16 units."""

    TEXT = "\n".join(f"{n:02d}" + "🎉" * 50 for n in range(60))

    def ask(self, question: str) -> Answer:
        return replace(super().ask(question), text=self.TEXT)

    def answer_entry(self, entry_id: str, language: Language) -> Answer | None:
        answer = super().answer_entry(entry_id, language)
        return replace(answer, text=self.TEXT) if answer is not None else None


async def test_answer_too_long_in_utf16_is_split_on_lines(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, engine: Engine
) -> None:
    """An answer under 4096 characters but over 4096 UTF-16 units arrives whole, in parts."""
    emoji = EmojiEngine(engine.knowledge)
    async with bot_on_fake(engine_provider=lambda: emoji):
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        await fake_api.wait_sent(501, 2)
        await fake_api.wait_fetched()
    parts = fake_api.sent_to(501)
    assert len(parts) == 2
    # Every line whole, in order, in exactly one part; the quote and source after them.
    lines = "\n".join(p["text"] for p in parts).splitlines()
    assert lines[:60] == EmojiEngine.TEXT.splitlines()
    assert parts[1]["html"].count("<blockquote>") == parts[1]["html"].count("</blockquote>")
    assert parts[1]["text"].endswith("《重庆日报》2023-08-15")
    # The suggestion buttons come with the last part, under the whole answer.
    assert callback_data(parts[0]) == []
    assert callback_data(parts[1])[0] == "a:s:noodle-revenue-target"
    assert [data[:3] for data in callback_data(parts[1])[1:]] == ["v:+", "v:-"]


async def test_tap_under_an_inline_message_fits_the_alert_in_utf16(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, engine: Engine
) -> None:
    """A tap under an inline message gets the answer in an alert of at most 200 UTF-16 units."""
    emoji = EmojiEngine(engine.knowledge)
    async with bot_on_fake(engine_provider=lambda: emoji):
        query_id = fake_api.push_inline_callback(USER, "a:s:five-industries")
        await fake_api.wait_until(lambda: query_id in fake_api.callback_answers)
    alert = fake_api.callback_answers[query_id]
    assert alert["show_alert"] is True
    assert alert["text"].startswith("00🎉🎉")
    assert alert["text"].endswith("…")
    assert len(alert["text"].encode("utf-16-le")) // 2 <= 200


async def test_browse_tap_on_a_message_that_cannot_be_edited_sends_a_new_one(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """ "Message to edit not found" (deleted, too old) does not lose the tap: a new list comes."""
    gone = {
        "message_id": 9999,
        "date": 0,
        "chat": CHAT,
        "from": {"id": 424242, "is_bot": True, "first_name": "bot"},
        "text": "报道里的话题，请选一个：",
    }
    fake_api.remember_chat(CHAT)
    async with bot_on_fake():
        fake_api.push_callback(USER, gone, "t:s:noodles")
        (listing,) = await fake_api.wait_sent(501)
    assert listing["text"] == "“重庆小面”方面可以问："
    assert callback_data(listing)[-1] == "T:s:"


async def test_browse_taps_count_against_the_flood_limit(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Topic taps past the per-minute limit edit nothing (each is answered); others browse on."""
    other = person(505)
    async with bot_on_fake(limits=LimitSettings(questions_per_minute=3)):
        fake_api.push_message(USER, CHAT, "/topics")
        (listing,) = await fake_api.wait_sent(501)
        taps = [
            fake_api.push_callback(USER, listing, "t:s:noodles" if n % 2 else "T:s:")
            for n in range(12)
        ]
        fake_api.push_message(other, private_chat(other), "/topics")
        (theirs,) = await fake_api.wait_sent(505)
        their_tap = fake_api.push_callback(other, theirs, "t:s:noodles")
        await fake_api.wait_until(lambda: theirs.get("edit_date") is not None)
        await fake_api.wait_until(
            lambda: all(t in fake_api.callback_answers for t in [*taps, their_tap])
        )
    flooded = [fake_api.callback_answers[t].get("text") for t in taps]
    assert flooded.count("您问得太快了，请过一分钟再问。") == 12 - 3
    edits = [c for c in fake_api.calls_to("editMessageText") if c.params["chat_id"] == 501]
    assert len(edits) <= 3


async def test_lone_surrogate_in_a_first_name_does_not_stop_the_greeting(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """A first name with a lone surrogate (valid JSON, not UTF-8) is greeted with U+FFFD."""
    user = person(506, name="小\ud800王")
    async with bot_on_fake():
        fake_api.push_message(user, private_chat(user), "/start")
        (reply,) = await fake_api.wait_sent(506)
    assert reply["text"].startswith("小\ufffd王，您好！")
    assert len(fake_api.calls_to("sendMessage")) == 1
