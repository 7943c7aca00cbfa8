"""Asking the editors, follow-ups and guest mode, against the fake Bot API, as users and
admins would: tap "问问编辑", the admins' notices, their replies, replies to the bot's answers,
and an @-mention in a chat the bot is not in."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from tests.telegram.conftest import BotFactory, group_chat, person, private_chat
from tests.telegram.fake_bot_api import FakeBotApi, Fault
from tests.telegram.test_question_log import logged_rows

Json = dict[str, Any]
ASKER = person(801, name="<b>小李</b>")
ADMINS = (901, 902)
EDITOR = person(901, name="编辑甲")
OTHER_EDITOR = person(902, name="编辑乙")
UNANSWERABLE = "华韶智算中心的算力有多少"
ASK_EDITORS = "E:s:"


def buttons(message: Json) -> list[str]:
    """The callback data of every button under a message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def requests_in(log_path: Path) -> list[tuple[Any, ...]]:
    """(question, outcome, reply, reply_chat_id) of every editor request in the log."""
    with contextlib.closing(sqlite3.connect(log_path)) as db:
        return list(
            db.execute(
                "SELECT question, outcome, reply, reply_chat_id FROM editor_requests ORDER BY id"
            )
        )


def know_admins(fake_api: FakeBotApi) -> None:
    """The admins have started a chat with the bot, so it can write to them."""
    for admin in (EDITOR, OTHER_EDITOR):
        fake_api.remember_chat(private_chat(admin))


async def ask_unanswerable(fake_api: FakeBotApi) -> Json:
    """The asker asks what the article does not say; the bot's reply."""
    fake_api.push_message(ASKER, private_chat(ASKER), UNANSWERABLE)
    (reply,) = await fake_api.wait_sent(ASKER["id"])
    return reply


async def test_a_tap_sends_the_question_to_every_admin_once(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """The unanswered reply has the button; a tap notifies each admin (name and question
    escaped) and tells the user; a second tap sends nothing again."""
    know_admins(fake_api)
    async with bot_on_fake(admins=ADMINS):
        reply = await ask_unanswerable(fake_api)
        assert buttons(reply)[-1] == ASK_EDITORS
        first = fake_api.push_callback(ASKER, reply, ASK_EDITORS)
        notices = [(await fake_api.wait_sent(admin))[0] for admin in ADMINS]
        await fake_api.wait_until(lambda: first in fake_api.callback_answers)
        second = fake_api.push_callback(ASKER, reply, ASK_EDITORS)
        await fake_api.wait_until(lambda: second in fake_api.callback_answers)
    assert fake_api.callback_answers[first]["text"].startswith("已把您的问题转给编辑")
    assert fake_api.callback_answers[second]["text"] == "这个问题已经转给编辑了。"
    for notice in notices:
        assert "&lt;b&gt;小李&lt;/b&gt;" in notice["html"]
        assert UNANSWERABLE in notice["text"]
    assert [len(fake_api.sent_to(admin)) for admin in ADMINS] == [1, 1]
    assert requests_in(log_path) == [(UNANSWERABLE, None, None, ASKER["id"])]


async def test_answers_carry_votes_and_no_answers_carry_the_editors_button(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An answer with figures has 👍/👎 and no editors button; an unanswered reply has the
    button and no votes; with nobody admin, no reply offers the button."""
    know_admins(fake_api)
    async with bot_on_fake(admins=ADMINS):
        fake_api.push_message(ASKER, private_chat(ASKER), "大渡口有多少个市区级重点项目")
        (answered,) = await fake_api.wait_sent(ASKER["id"])
        declined = await ask_unanswerable_again(fake_api, 2)
    async with bot_on_fake():
        unanswered = await ask_unanswerable_again(fake_api, 3)
    assert ASK_EDITORS not in buttons(answered)
    assert any(data.startswith("v:") for data in buttons(answered))
    assert buttons(declined)[-1] == ASK_EDITORS
    assert not any(data.startswith("v:") for data in buttons(declined))
    assert ASK_EDITORS not in buttons(unanswered)


async def ask_unanswerable_again(fake_api: FakeBotApi, count: int) -> Json:
    """The asker asks the unanswerable question once more; the bot's ``count``-th reply."""
    fake_api.push_message(ASKER, private_chat(ASKER), UNANSWERABLE)
    return (await fake_api.wait_sent(ASKER["id"], count))[count - 1]


async def test_an_admins_other_replies_are_questions_and_stats_count_requests(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """An admin's reply to an answer (not a notice) is a follow-up question like anyone's;
    /stats has one line counting the questions sent to the editors."""
    know_admins(fake_api)
    async with bot_on_fake(admins=ADMINS):
        reply = await ask_unanswerable(fake_api)
        fake_api.push_callback(ASKER, reply, ASK_EDITORS)
        await fake_api.wait_sent(EDITOR["id"])
        fake_api.push_message(EDITOR, private_chat(EDITOR), "重庆小面今年营收目标是多少")
        answer = (await fake_api.wait_sent(EDITOR["id"], 2))[1]
        fake_api.push_message(EDITOR, private_chat(EDITOR), "那明年呢", reply_to=answer)
        follow_up = (await fake_api.wait_sent(EDITOR["id"], 3))[2]
        fake_api.push_message(EDITOR, private_chat(EDITOR), "/stats")
        stats = (await fake_api.wait_sent(EDITOR["id"], 4))[3]
    assert "200亿元" in follow_up["text"]
    assert "问编辑：1 次（已送达回复 0 次）" in stats["text"].splitlines()


async def test_an_admins_reply_reaches_the_user_and_is_logged(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """A reply to the notice reaches the user under the bot's reply; the admin is told;
    another admin's later reply is not delivered twice; the route is gone from the log."""
    know_admins(fake_api)
    async with bot_on_fake(admins=ADMINS):
        reply = await ask_unanswerable(fake_api)
        fake_api.push_callback(ASKER, reply, ASK_EDITORS)
        notice = (await fake_api.wait_sent(EDITOR["id"]))[0]
        other_notice = (await fake_api.wait_sent(OTHER_EDITOR["id"]))[0]
        fake_api.push_message(
            EDITOR, private_chat(EDITOR), "报道没写<算力>，我们去问问", reply_to=notice
        )
        relayed = (await fake_api.wait_sent(ASKER["id"], 2))[1]
        told = (await fake_api.wait_sent(EDITOR["id"], 2))[1]
        fake_api.push_message(
            OTHER_EDITOR, private_chat(OTHER_EDITOR), "我也来答", reply_to=other_notice
        )
        late = (await fake_api.wait_sent(OTHER_EDITOR["id"], 2))[1]
    assert relayed["text"] == "编辑回复：报道没写<算力>，我们去问问"
    assert "&lt;算力&gt;" in relayed["html"]
    assert relayed["reply_parameters"]["message_id"] == reply["message_id"]
    assert told["text"] == "已转给读者。"
    assert late["text"].startswith("没能送达：这个问题已经有人回复")
    assert len(fake_api.sent_to(ASKER["id"])) == 2
    assert requests_in(log_path) == [
        (UNANSWERABLE, "delivered", "报道没写<算力>，我们去问问", None)
    ]


async def test_a_user_who_blocked_the_bot_is_reported_to_the_admin(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """Telegram refuses the reply (blocked): the admin is told why, the reply is logged."""
    know_admins(fake_api)
    async with bot_on_fake(admins=ADMINS[:1]):
        reply = await ask_unanswerable(fake_api)
        fake_api.push_callback(ASKER, reply, ASK_EDITORS)
        notice = (await fake_api.wait_sent(EDITOR["id"]))[0]
        fake_api.inject(
            "sendMessage", Fault.refused(403, "Forbidden: bot was blocked by the user")
        )
        fake_api.push_message(EDITOR, private_chat(EDITOR), "答复", reply_to=notice)
        told = (await fake_api.wait_sent(EDITOR["id"], 2))[1]
    assert told["text"].startswith("没能送达：读者屏蔽了机器人")
    assert requests_in(log_path) == [(UNANSWERABLE, "undelivered", "答复", ASKER["id"])]


async def test_a_reply_to_an_answer_is_a_follow_up_even_after_a_restart(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """ "有好多" replying to the bot's answer is read with that answer's question, by a bot
    restarted in between; sent on its own it states no figure."""
    user = person(811, name="小赵")
    chat = private_chat(user)
    async with bot_on_fake():
        fake_api.push_message(user, chat, "重庆小面明年营收目标是多少")
        (answer,) = await fake_api.wait_sent(user["id"])
    async with bot_on_fake():
        fake_api.push_message(user, chat, "有好多", reply_to=answer)
        (follow_up,) = (await fake_api.wait_sent(user["id"], 2))[1:]
        fake_api.push_message(user, chat, "有好多")
        (alone,) = (await fake_api.wait_sent(user["id"], 3))[2:]
    assert "200亿元" in follow_up["text"]
    assert "<blockquote>" in follow_up["html"]
    assert "200亿元" not in alone["text"]
    assert [row["text"] for row in logged_rows(log_path)][-2:] == ["有好多"] * 2


async def test_in_a_group_a_reply_to_the_bot_is_a_follow_up(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """In a group, replying to the bot's answer addresses it and is read in its context:
    "那明年呢" after the key projects is declined (the article states no projects for next
    year), not answered with next year's noodle target as it is when asked alone."""
    group = group_chat()
    alice = person(821, name="Alice")
    async with bot_on_fake():
        fake_api.push_message(alice, group, "/ask 大渡口有多少个市区级重点项目")
        (answer,) = await fake_api.wait_sent(group["id"])
        question = fake_api.push_message(alice, group, "那明年呢", reply_to=answer)
        follow_up = (await fake_api.wait_sent(group["id"], 2))[1]
        fake_api.push_message(alice, group, "/ask 那明年呢")
        alone = (await fake_api.wait_sent(group["id"], 3))[2]
    assert "80个" in answer["text"]
    assert follow_up["text"].startswith("这篇报道没有提到")
    assert "200亿元" not in follow_up["text"]
    assert follow_up["reply_parameters"]["message_id"] == question["message_id"]
    assert "200亿元" in alone["text"]


async def test_an_english_follow_up_is_read_with_the_answered_question(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """ "what about next year?" replying to the key projects asks about them, so the
    article's silence is said, and no noodle figure is given."""
    user = person(812, language_code="en", name="Sam")
    chat = private_chat(user)
    async with bot_on_fake():
        fake_api.push_message(user, chat, "How many key projects does Dadukou have?")
        (answer,) = await fake_api.wait_sent(user["id"])
        fake_api.push_message(user, chat, "what about next year?", reply_to=answer)
        follow_up = (await fake_api.wait_sent(user["id"], 2))[1]
    assert "80" in answer["text"]
    assert follow_up["text"].startswith("The article does not say")
    assert "20 billion" not in follow_up["text"]


async def test_a_guest_mention_posts_the_inline_card(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """@bot question in a chat the bot is not in: the first inline card is posted with
    answerGuestQuery; an unanswerable one gets its plain reply; both are logged as guest."""
    stranger_chat = {"id": -100777, "type": "supergroup", "title": "别的群"}
    user = person(831, name="老张")
    async with bot_on_fake():
        answered = fake_api.push_guest_message(
            user, stranger_chat, "@dadukou_test_bot 大渡口有多少个市区级重点项目"
        )
        declined = fake_api.push_guest_message(
            user, stranger_chat, f"@dadukou_test_bot {UNANSWERABLE}"
        )
        await fake_api.wait_until(lambda: {answered, declined} <= fake_api.guest_answers.keys())
    card = fake_api.guest_answers[answered]["result"]
    assert card["title"] == "大渡口有多少个市区级重点项目"
    assert (
        "<blockquote>对80个市区级重点项目</blockquote>"
        in card["input_message_content"]["message_text"]
    )
    no_card = fake_api.guest_answers[declined]["result"]["input_message_content"]
    assert no_card["message_text"].startswith(f"<b>{UNANSWERABLE}</b>")
    assert "<blockquote>" not in no_card["message_text"]
    assert fake_api.sent == []
    assert [row["channel"] for row in logged_rows(log_path)] == ["guest", "guest"]


async def test_guest_messages_are_requested_from_telegram(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Polling asks Telegram for guest messages too (allowed_updates)."""
    async with bot_on_fake():
        fake_api.push_message(ASKER, private_chat(ASKER), UNANSWERABLE)
        await fake_api.wait_sent(ASKER["id"])
    allowed = fake_api.calls_to("getUpdates")[0].params.get("allowed_updates")
    assert "guest_message" in allowed
