"""Users' feedback in the question log: votes, replies, tapped did-you-mean choices."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import Settings, StorageSettings
from bot.engine.answers import Language, Status
from bot.engine.render import MESSAGE_LIMIT, telegram_length
from bot.questionlog.analytics import stats_summary, top_entries
from bot.questionlog.feedback import (
    Helpfulness,
    PhrasingEvidence,
    UnhelpfulAnswer,
    UnhelpfulCard,
    Vote,
    card_votes_on,
    helpfulness_by_entry,
    phrasing_evidence,
    question_of_reply,
    record_card_vote,
    record_suggestion_tap,
    record_vote,
    unhelpful_answers,
    unhelpful_cards,
    votes_on,
)
from bot.questionlog.log import QuestionLog
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.report import format_stats, format_top, format_unhelpful
from bot.questionlog.report_cli import run_report
from tests.store.conftest import SALT, make_record
from tests.store.dataset import NOODLE, NOW

ALICE, BOB, CAROL, DAVE = (hash_user(user, SALT) for user in (1, 2, 3, 4))
# Replies know a chat by its pseudonym; the raw id is the tests' only.
CHAT_ID = -1_001_234_567_890
CHAT = hash_user(CHAT_ID, SALT)


async def test_a_second_vote_replaces_the_first(log: QuestionLog) -> None:
    """One vote per user per answer: voting again changes it, another user adds one."""
    answer = make_record()
    log.record(answer)
    await record_vote(log, answer.record_id, ALICE, Vote.HELPFUL)
    await record_vote(log, answer.record_id, ALICE, Vote.HELPFUL)
    assert await votes_on(log, answer.record_id) == Helpfulness(1, 0)
    await record_vote(log, answer.record_id, ALICE, Vote.UNHELPFUL)
    assert await votes_on(log, answer.record_id) == Helpfulness(0, 1)
    await record_vote(log, answer.record_id, BOB, Vote.UNHELPFUL)
    assert await votes_on(log, answer.record_id) == Helpfulness(0, 2)
    await record_vote(log, answer.record_id, BOB, None)
    assert await votes_on(log, answer.record_id) == Helpfulness(0, 1)


async def test_helpfulness_per_entry_in_stats_and_top(log: QuestionLog) -> None:
    """Votes add up per entry, in the window of the questions, and show in /stats and /top."""
    noodle = [make_record(asked_at=NOW - timedelta(hours=h)) for h in (1, 2, 3)]
    huashao = make_record(entry_id="huashao-investment", asked_at=NOW - timedelta(hours=1))
    old = make_record(asked_at=NOW - timedelta(days=40))
    for row in (*noodle, huashao, old):
        log.record(row)
    await record_vote(log, noodle[0].record_id, ALICE, Vote.HELPFUL)
    await record_vote(log, noodle[1].record_id, ALICE, Vote.HELPFUL)
    await record_vote(log, noodle[1].record_id, BOB, Vote.UNHELPFUL)
    await record_vote(log, huashao.record_id, CAROL, Vote.UNHELPFUL)
    await record_vote(log, old.record_id, CAROL, Vote.UNHELPFUL)
    since = NOW - timedelta(days=30)
    assert await helpfulness_by_entry(log, since) == {
        NOODLE: Helpfulness(2, 1),
        "huashao-investment": Helpfulness(0, 1),
    }
    assert (await helpfulness_by_entry(log))[NOODLE] == Helpfulness(2, 2)
    top = await top_entries(log, 10, 30, now=NOW)
    assert [(e.entry_id, e.count, e.helpful, e.unhelpful) for e in top] == [
        (NOODLE, 3, 2, 1),
        ("huashao-investment", 1, 0, 1),
    ]
    assert " 1. noodle-target-2023 3  👍 2 👎 1" in format_top(top, 30)
    stats = format_stats(await stats_summary(log, 30, now=NOW))
    assert stats.endswith(
        "Votes per entry:\n"
        "huashao-investment  👍    0  👎    1\n"
        "noodle-target-2023  👍    2  👎    1"
    )


async def test_card_votes_count_once_per_user_per_entry(log: QuestionLog) -> None:
    """A card vote is one per user per entry (again: changed; None: taken back), and per-entry
    helpfulness adds card votes, in the window of their own time, to the votes on answers;
    the retention purge takes the old ones."""
    answer = make_record(asked_at=NOW - timedelta(hours=1))
    log.record(answer)
    await record_vote(log, answer.record_id, ALICE, Vote.HELPFUL)
    await record_card_vote(log, NOODLE, ALICE, Vote.HELPFUL, voted_at=NOW)
    await record_card_vote(log, NOODLE, ALICE, Vote.UNHELPFUL, voted_at=NOW)
    await record_card_vote(log, NOODLE, BOB, Vote.UNHELPFUL, voted_at=NOW)
    await record_card_vote(log, NOODLE, CAROL, Vote.HELPFUL, voted_at=NOW)
    await record_card_vote(log, NOODLE, CAROL, None)
    old = NOW - timedelta(days=40)
    await record_card_vote(log, "huashao-investment", CAROL, Vote.HELPFUL, voted_at=old)
    assert await card_votes_on(log, NOODLE) == Helpfulness(0, 2)
    since = NOW - timedelta(days=30)
    assert await helpfulness_by_entry(log, since) == {NOODLE: Helpfulness(1, 2)}
    assert (await helpfulness_by_entry(log))["huashao-investment"] == Helpfulness(1, 0)
    await log.purge_older_than(30, now=NOW)
    assert await helpfulness_by_entry(log) == {NOODLE: Helpfulness(1, 2)}


async def test_unhelpful_answers_newest_vote_first(log: QuestionLog) -> None:
    """The 👎 answers list the question, its entry and when, the latest vote first."""
    first = make_record(text="小面目标多少", asked_at=NOW - timedelta(hours=5))
    second = make_record(text="华韶投了多少", entry_id="huashao-investment")
    liked = make_record(text="小面明年目标")
    for row in (first, second, liked):
        log.record(row)
    await record_vote(log, first.record_id, ALICE, Vote.UNHELPFUL, voted_at=NOW)
    await record_vote(log, first.record_id, BOB, Vote.UNHELPFUL, voted_at=NOW)
    await record_vote(log, second.record_id, ALICE, Vote.UNHELPFUL, voted_at=NOW - timedelta(1))
    await record_vote(log, liked.record_id, ALICE, Vote.HELPFUL, voted_at=NOW)
    listed = await unhelpful_answers(log, 10)
    assert [(a.text, a.entry_id) for a in listed] == [
        ("小面目标多少", NOODLE),
        ("华韶投了多少", "huashao-investment"),
    ]
    assert listed[0].asked_at == first.asked_at
    assert [a.text for a in await unhelpful_answers(log, 1)] == ["小面目标多少"]


async def test_unhelpful_cards_count_the_votes_of_the_period_most_down_first(
    log: QuestionLog,
) -> None:
    """The entries whose cards got 👎 in the period, most 👎 first, with their 👍 and latest
    vote: older votes and a 👎 changed to 👍 do not count."""
    hour = timedelta(hours=1)
    await record_card_vote(log, NOODLE, ALICE, Vote.UNHELPFUL, voted_at=NOW - 2 * hour)
    await record_card_vote(log, NOODLE, BOB, Vote.UNHELPFUL, voted_at=NOW - 3 * hour)
    await record_card_vote(log, NOODLE, CAROL, Vote.HELPFUL, voted_at=NOW - hour)
    await record_card_vote(log, NOODLE, DAVE, Vote.UNHELPFUL, voted_at=NOW - timedelta(40))
    await record_card_vote(log, "huashao-investment", ALICE, Vote.UNHELPFUL, voted_at=NOW)
    await record_card_vote(log, "key-projects", ALICE, Vote.UNHELPFUL, voted_at=NOW - hour)
    await record_card_vote(log, "key-projects", ALICE, Vote.HELPFUL, voted_at=NOW)
    await record_card_vote(log, "old-entry", BOB, Vote.UNHELPFUL, voted_at=NOW - timedelta(40))
    since = NOW - timedelta(days=30)
    listed = await unhelpful_cards(log, 10, since)
    assert [(c.entry_id, c.unhelpful, c.helpful, c.last_voted_at) for c in listed] == [
        (NOODLE, 2, 1, NOW - hour),
        ("huashao-investment", 1, 0, NOW),
    ]
    assert [c.entry_id for c in await unhelpful_cards(log, 1, since)] == [NOODLE]
    everything = await unhelpful_cards(log, 10)
    assert [(c.entry_id, c.unhelpful) for c in everything] == [
        (NOODLE, 3),
        ("huashao-investment", 1),
        ("old-entry", 1),
    ]


async def test_unhelpful_lists_the_cards_after_the_answers_in_both_languages(
    log: QuestionLog,
) -> None:
    """/unhelpful's card section follows the answers (or the line saying there are none), in
    the admin's language, times in UTC+8."""
    answer = make_record(text="小面目标多少", asked_at=NOW)
    log.record(answer)
    await record_vote(log, answer.record_id, ALICE, Vote.UNHELPFUL, voted_at=NOW)
    await record_card_vote(log, "key-projects", BOB, Vote.UNHELPFUL, voted_at=NOW)
    since = NOW - timedelta(days=30)
    answers = await unhelpful_answers(log, 10, since)
    cards = await unhelpful_cards(log, 10, since)
    assert format_unhelpful(answers, 30, cards=cards) == (
        "Answers voted 👎, last 30 days (newest first)\n"
        "1. 08-20 20:00 noodle-target-2023: 小面目标多少\n\n"
        "Shared cards (inline and guest) voted 👎, last 30 days (most 👎 first)\n"
        "1. key-projects: 👎 1, 👍 0, last vote 08-20 20:00"
    )
    assert format_unhelpful([], 30, cards=cards, html=True, language=Language.SIMPLIFIED) == (
        "没有被点 👎 的回答（最近 30 天）。\n\n"
        "<b>被点 👎 的分享卡片（内联和访客模式，最近 30 天，👎 最多的在前）</b>\n"
        "1. key-projects：👎 1，👍 0，最近一次 08-20 20:00"
    )


def test_a_long_unhelpful_list_fits_one_message_keeping_both_sections() -> None:
    """Fifty long answers and fifty cards still make one Telegram message: the cards take at
    most half, and each section says how many it left out."""
    answers = [UnhelpfulAnswer("小面" * 60, NOODLE, NOW, NOW) for _ in range(50)]
    cards = [UnhelpfulCard(f"an-entry-with-a-long-name-{i:02d}", 3, 1, NOW) for i in range(50)]
    text = format_unhelpful(answers, 30, cards=cards, html=True)
    assert telegram_length(text, html=True) <= MESSAGE_LIMIT
    answer_part, card_part = text.split("\n\n<b>Shared cards")
    assert re.search(r"\n… and \d+ more$", answer_part)
    assert re.search(r"\n… and \d+ more$", card_part)
    assert telegram_length(card_part, html=True) <= MESSAGE_LIMIT // 2


async def test_a_reply_leads_back_to_its_question(log: QuestionLog) -> None:
    """record_reply maps a sent message to the question it answers (written with a flush)."""
    answer = make_record()
    log.record(answer)
    log.record_reply(CHAT, 7, answer.record_id)
    assert log.pending == 1
    assert await question_of_reply(log, CHAT, 7) == answer.record_id
    assert await question_of_reply(log, CHAT, 8) is None
    assert await question_of_reply(log, hash_user(CHAT_ID + 1, SALT), 7) is None


async def test_taps_under_unsure_replies_are_phrasing_evidence(log: QuestionLog) -> None:
    """Choices tapped under unsure replies count per question form and entry, one per user;
    a tap under an answered reply is no evidence; dismissed forms are left out."""
    unsure = [
        make_record(status=Status.AMBIGUOUS, entry_id=None, text=t, normalized="小面好吃不")
        for t in ("小面好吃不", "小面好吃不", "小面好吃不?")
    ]
    other = make_record(
        status=Status.NO_ANSWER, entry_id=None, text="华韶多大", normalized="华韶多大"
    )
    answered = make_record()
    for message_id, row in enumerate((*unsure, other, answered), start=1):
        log.record(row)
        log.record_reply(CHAT, message_id, row.record_id)
    assert await record_suggestion_tap(log, CHAT, 1, ALICE, "noodle-why")
    assert await record_suggestion_tap(log, CHAT, 1, ALICE, "noodle-why")  # same user again
    assert await record_suggestion_tap(log, CHAT, 2, BOB, "noodle-why")
    assert await record_suggestion_tap(log, CHAT, 3, CAROL, "noodle-why")
    assert await record_suggestion_tap(log, CHAT, 4, ALICE, "huashao-investment")
    assert not await record_suggestion_tap(log, CHAT, 5, ALICE, "noodle-why")
    assert not await record_suggestion_tap(log, CHAT, 99, ALICE, "noodle-why")
    assert await phrasing_evidence(log, 10) == [
        PhrasingEvidence("小面好吃不", "小面好吃不", "noodle-why", 3),
        PhrasingEvidence("华韶多大", "华韶多大", "huashao-investment", 1),
    ]
    await log.dismiss_question("华韶多大", "华韶多大", "admin", "phrasing of huashao-investment")
    assert [e.normalized for e in await phrasing_evidence(log, 10)] == ["小面好吃不"]
    assert len(await phrasing_evidence(log, 10, hide_dismissed=False)) == 2
    assert await phrasing_evidence(log, 10, NOW + timedelta(days=3650)) == []


async def test_retention_deletes_old_feedback_too(log: QuestionLog) -> None:
    """The retention purge deletes votes, taps and replies older than the cutoff."""
    old = make_record(status=Status.AMBIGUOUS, entry_id=None)
    log.record(old)
    log.record_reply(CHAT, 1, old.record_id)
    await record_suggestion_tap(log, CHAT, 1, ALICE, NOODLE)
    await record_vote(log, old.record_id, ALICE, Vote.UNHELPFUL)
    later = datetime.now(UTC) + timedelta(days=2)
    await log.purge_older_than(1, now=later)
    assert await question_of_reply(log, CHAT, 1) is None
    assert await votes_on(log, old.record_id) == Helpfulness(0, 0)
    assert await phrasing_evidence(log, 10, hide_dismissed=False) == []


def test_report_lists_the_unhelpful_answers(db_path: Path) -> None:
    """python -m bot report shows votes per entry, the answers voted 👎 and then the shared
    cards voted 👎."""

    async def populate() -> None:
        async with QuestionLog(db_path) as log:
            answer = make_record(text="小面目标到底多少", asked_at=datetime.now(UTC))
            log.record(answer)
            await record_vote(log, answer.record_id, ALICE, Vote.UNHELPFUL)
            await record_card_vote(log, "key-projects", BOB, Vote.UNHELPFUL)

    asyncio.run(populate())
    out = io.StringIO()
    settings = Settings(storage=StorageSettings(path=str(db_path)))
    assert run_report(settings, 30, None, out=out, err=io.StringIO()) == 0
    printed = out.getvalue()
    assert "noodle-target-2023  👍    0  👎    1" in printed
    assert " 1. noodle-target-2023 1  👍 0 👎 1\n" in printed
    assert "Answers voted 👎, last 30 days (newest first)\n1. " in printed
    assert (
        "noodle-target-2023: 小面目标到底多少\n\nShared cards (inline and guest) voted 👎"
        in printed
    )
    assert "\n1. key-projects: 👎 1, 👍 0, last vote " in printed
