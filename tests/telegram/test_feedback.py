"""Feedback over the fake Bot API: 👍/👎 under answers, reactions, tapped choices as evidence,
/unhelpful, and the digest as admins receive it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_telegram
from bot.config import DigestSettings
from bot.engine.answers import Language
from bot.knowledge_admin.live import LiveEngine
from bot.questionlog.feedback import Helpfulness, phrasing_evidence, votes_on
from bot.questionlog.log import QuestionLog
from bot.telegram.feedback import DigestJob, parse_vote_callback
from tests.store.test_reply_pseudonyms import rows_with
from tests.telegram.conftest import (
    BotFactory,
    group_chat,
    knowledge_copy,
    person,
    private_chat,
    running,
    settings_for,
)
from tests.telegram.fake_bot_api import FakeBotApi, Fault

Json = dict[str, Any]
USER = person(601)
CHAT = private_chat(USER)
ADMIN = person(9101, "en", name="Ada")
ANSWERED = "重庆小面今年营收目标是多少"


def buttons(message: Json) -> list[list[tuple[str, str]]]:
    """(label, callback data) of every button under ``message``, by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [[(b["text"], b["callback_data"]) for b in row] for row in rows]


def vote_row(message: Json) -> list[tuple[str, str]]:
    """The 👍/👎 row: the last one."""
    return buttons(message)[-1]


async def test_every_answer_gets_a_vote_row_and_a_tap_counts_once(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """👍/👎 under the answer carry its record id (≤ 64 bytes); a tap is thanked, counted once
    per user, changeable, and the row shows the counts."""
    async with bot_on_fake() as service:
        fake_api.push_message(USER, CHAT, ANSWERED)
        (answer,) = await fake_api.wait_sent(601)
        (up_label, up), (down_label, down) = vote_row(answer)
        assert (up_label, down_label) == ("👍", "👎")
        assert all(len(data.encode()) <= 64 for data in (up, down))
        parsed = parse_vote_callback(up)
        assert parsed is not None
        _, language, record_id = parsed
        assert language is Language.SIMPLIFIED
        first = fake_api.push_callback(USER, answer, up)
        again = fake_api.push_callback(USER, answer, up)
        await fake_api.wait_until(lambda: again in fake_api.callback_answers)
        assert fake_api.callback_answers[first]["text"] == "谢谢反馈"
        log: QuestionLog = service.bot.question_log
        assert await votes_on(log, record_id) == Helpfulness(1, 0)
        # The row is redrawn after the tap is answered.
        await fake_api.wait_until(lambda: [b[0] for b in vote_row(answer)] == ["👍 1", "👎"])
        # The suggestion rows above are kept.
        assert buttons(answer)[0][0][1].startswith("a:s:")
        changed = fake_api.push_callback(USER, answer, down)
        await fake_api.wait_until(lambda: changed in fake_api.callback_answers)
        other = fake_api.push_callback(person(602), answer, down)
        await fake_api.wait_until(lambda: other in fake_api.callback_answers)
        await fake_api.wait_until(lambda: [b[0] for b in vote_row(answer)] == ["👍", "👎 2"])
        assert await votes_on(log, record_id) == Helpfulness(0, 2)


async def test_an_unsure_reply_has_no_vote_row_and_english_is_thanked_in_english(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """Only answers are voted on; an English answer's tap says "Thanks"."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, "小面好吃不")
        (unsure,) = await fake_api.wait_sent(601)
        fake_api.push_message(USER, CHAT, "How many key projects does Dadukou have?")
        english = (await fake_api.wait_sent(601, 2))[1]
        query = fake_api.push_callback(USER, english, vote_row(english)[0][1])
        await fake_api.wait_until(lambda: query in fake_api.callback_answers)
    assert all(not data.startswith("v:") for row in buttons(unsure) for _, data in row)
    assert fake_api.callback_answers[query]["text"] == "Thanks"


async def test_reactions_on_an_answer_count_as_votes(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """The bot asks for message_reaction updates; 👍 then 👎 changes the vote, taking the
    reaction back takes the vote back, other emoji and other messages count nothing."""
    group = group_chat()
    async with bot_on_fake() as service:
        fake_api.push_message(USER, group, f"@dadukou_test_bot {ANSWERED}")
        (answer,) = await fake_api.wait_sent(int(group["id"]))
        parsed = parse_vote_callback(vote_row(answer)[0][1])
        assert parsed is not None
        record_id = parsed[2]
        log: QuestionLog = service.bot.question_log

        async def react(new: list[str], old: list[str], expected: Helpfulness) -> None:
            update = fake_api.push_reaction(USER, answer, new, old)
            await fake_api.wait_fetched(update)
            await fake_api.wait_until(lambda: fake_api.waiting_updates == 0)
            for _ in range(50):
                if await votes_on(log, record_id) == expected:
                    return
                await asyncio.sleep(0.05)
            assert await votes_on(log, record_id) == expected

        await react(["👍"], [], Helpfulness(1, 0))
        await react(["👎"], ["👍"], Helpfulness(0, 1))
        await react(["🔥", "👎"], ["👎"], Helpfulness(0, 1))
        await react([], ["🔥", "👎"], Helpfulness(0, 0))
    assert fake_api.allowed_updates is not None
    assert "message_reaction" in fake_api.allowed_updates


async def test_a_reaction_redraws_the_counts_and_keeps_the_other_buttons(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """👍 as a reaction edits the answer's buttons like a tap: the counts shown, every row
    above kept as sent, the 👍/👎 data unchanged; taking it back clears the count."""
    async with bot_on_fake():
        fake_api.push_message(USER, CHAT, ANSWERED)
        (answer,) = await fake_api.wait_sent(601)
        sent = buttons(answer)
        assert len(sent) >= 2  # suggestions above the 👍/👎 row
        fake_api.push_reaction(USER, answer, ["👍"])
        await fake_api.wait_until(lambda: [b[0] for b in vote_row(answer)] == ["👍 1", "👎"])
        assert buttons(answer)[:-1] == sent[:-1]
        assert [b[1] for b in vote_row(answer)] == [b[1] for b in sent[-1]]
        (edit,) = fake_api.calls_to("editMessageReplyMarkup")
        assert (edit.params["chat_id"], edit.params["message_id"]) == (601, answer["message_id"])
        fake_api.push_reaction(person(602), answer, ["👎"])
        await fake_api.wait_until(lambda: [b[0] for b in vote_row(answer)] == ["👍 1", "👎 1"])
        fake_api.push_reaction(USER, answer, [], ["👍"])
        await fake_api.wait_until(lambda: [b[0] for b in vote_row(answer)] == ["👍", "👎 1"])
    assert buttons(answer)[:-1] == sent[:-1]
    assert len(fake_api.calls_to("editMessageReplyMarkup")) == 3


async def test_a_reaction_on_an_answer_too_old_to_edit_still_counts(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram refusing the edit (a message too old to edit) is no failure: the reaction's
    vote counts and the refusal is logged at INFO, not as an error."""
    caplog.set_level(logging.INFO, logger="bot.telegram.feedback")
    async with bot_on_fake() as service:
        fake_api.push_message(USER, CHAT, ANSWERED)
        (answer,) = await fake_api.wait_sent(601)
        parsed = parse_vote_callback(vote_row(answer)[0][1])
        assert parsed is not None
        refusal = "Bad Request: message can't be edited"
        fake_api.inject("editMessageReplyMarkup", Fault.refused(400, refusal))
        fake_api.push_reaction(USER, answer, ["👎"])
        await fake_api.wait_until(lambda: fake_api.pending_faults("editMessageReplyMarkup") == 0)
        for _ in range(50):
            if any("could not redraw" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        assert await votes_on(service.bot.question_log, parsed[2]) == Helpfulness(0, 1)
    (logged,) = [r for r in caplog.records if "could not redraw" in r.getMessage()]
    assert logged.levelno == logging.INFO
    assert "can't be edited" in logged.getMessage()
    assert [b[0] for b in vote_row(answer)] == ["👍", "👎"]


async def test_a_group_leaves_no_raw_chat_id_in_the_log(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """An answer, a reaction and a tapped choice in a group: each finds its question, and no
    row of the log holds the group's id (replies know the chat by its pseudonym)."""
    group = group_chat(-1_001_555_666_777)
    group_id = int(group["id"])
    async with bot_on_fake() as service:
        fake_api.push_message(USER, group, f"@dadukou_test_bot {ANSWERED}")
        (answer,) = await fake_api.wait_sent(group_id)
        parsed = parse_vote_callback(vote_row(answer)[0][1])
        assert parsed is not None
        log: QuestionLog = service.bot.question_log
        fake_api.push_reaction(USER, answer, ["👍"])
        fake_api.push_message(USER, group, "@dadukou_test_bot 小面好吃不")
        unsure = (await fake_api.wait_sent(group_id, 2))[1]
        fake_api.push_callback(USER, unsure, buttons(unsure)[0][0][1])
        await fake_api.wait_sent(group_id, 3)
        for _ in range(50):
            if await votes_on(log, parsed[2]) == Helpfulness(1, 0) and await phrasing_evidence(
                log, 5
            ):
                break
            await asyncio.sleep(0.05)
        assert await votes_on(log, parsed[2]) == Helpfulness(1, 0)
        assert len(await phrasing_evidence(log, 5)) == 1
        assert await log.read("SELECT count(*) FROM replies") == [(3,)]
    assert rows_with(log_path, group_id) == []


async def test_a_tapped_choice_is_offered_as_a_phrasing_in_unanswered(
    fake_api: FakeBotApi, token: str, tmp_path: Path
) -> None:
    """Tapping a did-you-mean choice records (question → entry); /unanswered offers it in one
    tap, which adds the phrasing through the same path, and the offer is gone afterwards."""
    knowledge = knowledge_copy(tmp_path / "knowledge")
    settings = settings_for(
        fake_api.base_url, token, knowledge, log_path=tmp_path / "q.sqlite3", admins=(9101,)
    )
    history = str(tmp_path / "history")
    settings = replace(
        settings,
        knowledge=replace(settings.knowledge, history_path=history, watch_interval_seconds=0),
    )
    async with running(build_telegram(settings, LiveEngine.load(knowledge))) as service:
        for user_id in (601, 603):
            user = person(user_id)
            fake_api.push_message(user, private_chat(user), "小面好吃不")
            (unsure,) = await fake_api.wait_sent(user_id)
            choice = next(data for row in buttons(unsure) for _, data in row)
            fake_api.push_callback(user, unsure, choice)
            await fake_api.wait_sent(user_id, 2)
        entry = choice.split(":", 2)[2]
        log: QuestionLog = service.bot.question_log
        for _ in range(50):
            if await phrasing_evidence(log, 5):
                break
            await asyncio.sleep(0.05)
        fake_api.push_message(ADMIN, private_chat(ADMIN), "/unanswered")
        (listing,) = await fake_api.wait_sent(9101)
        assert f"“小面好吃不” → {entry} (tapped 2×)" in listing["text"]
        (offer,) = [
            (text, data) for row in buttons(listing) for text, data in row if "tapped" in text
        ]
        assert offer[0] == f"2. ➕ add “小面好吃不” as a phrasing of {entry} (tapped 2×)"
        fake_api.push_callback(ADMIN, listing, offer[1])
        (added,) = (await fake_api.wait_sent(9101, 2))[1:]
        assert added["text"].startswith(f"Added “小面好吃不” as a phrasing of entry {entry}")
        assert await phrasing_evidence(log, 5) == []


async def test_unhelpful_lists_the_answers_voted_down(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """/unhelpful shows the question, the entry and when; /top shows 👍 and 👎 per entry."""
    async with bot_on_fake(admins=(9101,)):
        fake_api.push_message(USER, CHAT, ANSWERED)
        (answer,) = await fake_api.wait_sent(601)
        query = fake_api.push_callback(USER, answer, vote_row(answer)[1][1])
        await fake_api.wait_until(lambda: query in fake_api.callback_answers)
        fake_api.push_message(ADMIN, private_chat(ADMIN), "/unhelpful")
        fake_api.push_message(ADMIN, private_chat(ADMIN), "/top")
        replies = await fake_api.wait_sent(9101, 2)
    # The two commands are handled concurrently: their replies may come in either order.
    unhelpful, top = sorted(replies, key=lambda m: not m["text"].startswith("Answers voted"))
    assert unhelpful["text"].startswith("Answers voted 👎, last 30 days (newest first)\n1. ")
    assert unhelpful["text"].endswith(f"noodle-revenue-target: {ANSWERED}")
    assert "noodle-revenue-target 1  👍 0 👎 1" in top["text"]


async def test_the_digest_reaches_each_admin_in_their_language(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """The digest job sends every admin the summary, in the language they last wrote in."""
    chinese_admin = person(9102, "zh-hans")
    async with bot_on_fake(admins=(9101, 9102)) as service:
        fake_api.push_message(USER, CHAT, ANSWERED)
        await fake_api.wait_sent(601)
        fake_api.remember_chat(private_chat(ADMIN))
        fake_api.remember_chat(private_chat(chinese_admin))
        job = DigestJob(
            service.bot.question_log,
            DigestSettings(schedule="weekly"),
            admins=(9101, 9102),
            language_of=lambda admin: Language.ENGLISH if admin == 9101 else Language.SIMPLIFIED,
        )
        assert await job.send_now(service.application.bot) == 2
    (english,) = fake_api.sent_to(9101)
    (chinese,) = fake_api.sent_to(9102)
    assert english["text"].startswith("The bot's weekly digest (")
    assert "1 question from 1 user; 1 answered (100%)." in english["text"]
    assert chinese["text"].startswith("问答机器人周报（")
