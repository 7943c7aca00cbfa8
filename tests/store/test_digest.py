"""The admins' digest: what it gathers, how it reads in Chinese and English, when it runs."""

from __future__ import annotations

from datetime import time

from bot.config import DigestSettings
from bot.digest import Digest, digest_schedule, format_digest, gather_digest
from bot.engine.answers import Language
from bot.questionlog.analytics import REPORT_TIMEZONE, QuestionGroup
from bot.questionlog.feedback import Helpfulness, Vote, record_vote
from bot.questionlog.log import QuestionLog
from tests.store.dataset import HUASHAO, NOODLE, NOW, ROWS, fill


async def _week_with_votes(log: QuestionLog) -> Digest:
    await fill(log)
    by_text = {row.text: row for row in ROWS}
    await record_vote(log, by_text["小面营收目标"].record_id, "a", Vote.UNHELPFUL)
    await record_vote(log, by_text["小面营收目标"].record_id, "b", Vote.UNHELPFUL)
    await record_vote(log, by_text["小面目标是多少"].record_id, "a", Vote.HELPFUL)
    await record_vote(log, by_text["华韶投资多少"].record_id, "a", Vote.UNHELPFUL)
    await record_vote(log, by_text["华韶投资多少"].record_id, "b", Vote.HELPFUL)
    return await gather_digest(log, 7, now=NOW)


async def test_digest_gathers_the_week(log: QuestionLog) -> None:
    """Questions, users, answered, biggest unanswered groups and the 👎 entries, most first."""
    digest = await _week_with_votes(log)
    assert (digest.total, digest.users, digest.answered) == (8, 4, 5)
    assert sorted(group.count for group in digest.unanswered) == [1, 1]
    assert digest.unhelpful == ((NOODLE, Helpfulness(1, 2)), (HUASHAO, Helpfulness(1, 1)))


async def test_digest_in_chinese_and_english(log: QuestionLog) -> None:
    """The digest reads in the admin's language, HTML-escaped, with the week's dates."""
    digest = await _week_with_votes(log)
    chinese = format_digest(digest, Language.SIMPLIFIED)
    assert chinese.startswith("<b>问答机器人周报（2023-08-13 至 2023-08-20）</b>\n")
    assert "问题 8 个，来自 4 位用户；回答了 5 个（62%）。" in chinese
    assert "noodle-target-2023：👎 2，👍 1\nhuashao-investment：👎 1，👍 1" in chinese
    assert "沙坪坝的GDP是多少？" in chinese
    english = format_digest(digest, Language.ENGLISH)
    assert english.startswith("<b>The bot's weekly digest (2023-08-13 to 2023-08-20)</b>\n")
    assert "8 questions from 4 users; 5 answered (62%)." in english
    assert "noodle-target-2023: 👎 2, 👍 1" in english
    assert "問答機器人週報" in format_digest(digest, Language.TRADITIONAL)


def test_digest_escapes_questions_and_says_when_all_is_quiet() -> None:
    """A user's <b> is shown, not obeyed; an empty day says so; no 👎 says so."""
    group = QuestionGroup("<b>x</b>", 2, ("<b>x</b> & y",))
    busy = Digest(1, NOW, 3, 2, 1, (group,), ())
    html = format_digest(busy, Language.ENGLISH)
    assert html.startswith("<b>The bot's daily digest (to 2023-08-20 20:00)</b>\n")
    assert "1. 2×: &lt;b&gt;x&lt;/b&gt; &amp; y" in html
    assert html.endswith("No answer was voted 👎.")
    quiet = Digest(1, NOW, 0, 0, 0, (), ())
    assert format_digest(quiet, Language.SIMPLIFIED).endswith("这段时间没有人提问。")


def test_digest_counts_agree_with_their_number_in_english() -> None:
    """One question from one user reads singular, two from two plural; Chinese is unchanged."""
    one = Digest(1, NOW, 1, 1, 1, (), ())
    assert "\n1 question from 1 user; 1 answered (100%).\n" in format_digest(one, Language.ENGLISH)
    two = Digest(1, NOW, 2, 2, 1, (), ())
    assert "\n2 questions from 2 users; 1 answered (50%).\n" in format_digest(
        two, Language.ENGLISH
    )
    assert "问题 1 个，来自 1 位用户；回答了 1 个（100%）。" in format_digest(
        one, Language.SIMPLIFIED
    )


def test_digest_schedule_from_settings() -> None:
    """off: none; daily: every day, one day's worth; weekly: its weekday (0 = Sunday), 7 days."""
    assert digest_schedule(DigestSettings()) is None
    daily = digest_schedule(DigestSettings(schedule="daily", time="08:30"))
    assert daily is not None
    assert daily.at == time(8, 30, tzinfo=REPORT_TIMEZONE)
    assert (daily.days, daily.period_days) == ((0, 1, 2, 3, 4, 5, 6), 1)
    monday = digest_schedule(DigestSettings(schedule="weekly"))
    sunday = digest_schedule(DigestSettings(schedule="weekly", weekday="sun"))
    assert monday is not None
    assert sunday is not None
    assert (monday.days, sunday.days, monday.period_days) == ((1,), (0,), 7)
