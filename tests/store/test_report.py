"""The admins' reports in words, and ``python -m bot report``."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings, StorageSettings
from bot.engine.answers import Language, Status
from bot.messages import counted, say
from bot.questionlog.analytics import QuestionGroup, stats_summary, top_entries
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import (
    TELEGRAM_MESSAGE_LIMIT,
    export_filename,
    format_stats,
    format_top,
    format_unanswered,
)
from bot.questionlog.report_cli import run_report
from tests.store.dataset import NOW, fill


async def test_stats_in_plain_text(log: QuestionLog) -> None:
    """The terminal /stats: totals, aligned status shares, languages, chats, busiest hours."""
    await fill(log)
    text = format_stats(await stats_summary(log, 7, now=NOW))
    assert text == (
        "Questions, last 7 days: 8 from 4 users\n"
        "answered          5   62.5%\n"
        "ambiguous         1   12.5%\n"
        "declined          1   12.5%\n"
        "small talk        1   12.5%\n"
        "Languages: Simplified Chinese 5 (62.5%) · English 2 (25.0%) · "
        "Traditional Chinese 1 (12.5%)\n"
        "Chats: private 5 (62.5%) · group 1 (12.5%) · supergroup 1 (12.5%) · terminal 1 (12.5%)\n"
        "Busiest hours (UTC+8): 19:00 (3) · 20:00 (2) · 01:00 (1)\n"
        "Votes: none yet (👍/👎 under the answers)"
    )


async def test_stats_in_telegram_html(log: QuestionLog) -> None:
    """The Telegram /stats has a bold title and the status table monospaced."""
    await fill(log)
    text = format_stats(await stats_summary(log, 7, now=NOW), html=True)
    assert text.startswith("<b>Questions, last 7 days: 8 from 4 users</b>\n<pre>answered ")
    assert "small talk        1   12.5%</pre>" in text


async def test_empty_period_says_so(log: QuestionLog) -> None:
    """With nothing asked, each report says so in one line."""
    assert format_stats(await stats_summary(log, 1, now=NOW)) == "No questions asked (last day)."
    assert format_top([], None) == "No answered questions (all time)."
    assert format_unanswered([], 30) == "No declined or ambiguous questions (last 30 days)."


async def test_top_entries_aligned(log: QuestionLog) -> None:
    """/top lists rank, entry id and count, counts lined up."""
    await fill(log)
    text = format_top(await top_entries(log, 10, now=NOW), None)
    assert text == (
        "Most asked entries, all time\n 1. noodle-target-2023 4  👍 0 👎 0\n"
        " 2. huashao-investment 2  👍 0 👎 0"
    )
    assert "<code>noodle-target-2023</code>" in format_top(
        await top_entries(log, 10, now=NOW), None, html=True
    )


def test_unanswered_shows_counts_statuses_and_examples() -> None:
    """Each group shows its size, how its questions ended, and its example wordings."""
    group = QuestionGroup(
        representative="大渡口gdp是多少",
        count=4,
        examples=("大渡口GDP是多少？", "大渡口的GDP有多少"),
        by_status={Status.NO_ANSWER: 3, Status.AMBIGUOUS: 1},
    )
    assert format_unanswered([group], 7) == (
        "Unanswered questions, last 7 days (similar ones grouped)\n"
        "1. 4× (3 declined, 1 ambiguous)\n"
        "   – 大渡口GDP是多少？\n"
        "   – 大渡口的GDP有多少"
    )


def test_user_text_is_escaped_in_html() -> None:
    """A question's text cannot inject Telegram HTML."""
    group = QuestionGroup("<b>x</b>", 1, ("<b>bold</b> & <a href='x'>",), {Status.NO_ANSWER: 1})
    text = format_unanswered([group], 7, html=True)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='x'&gt;" in text
    assert "<a href" not in text


def test_long_reports_fit_one_telegram_message() -> None:
    """Many long groups are cut to fit 4096 UTF-16 units, saying how many were left out."""
    examples = ("长" * 300, "😀" * 300, "题" * 300)  # an emoji counts two units in Telegram
    groups = [QuestionGroup(f"q{n}", 100 - n, examples, {Status.NO_ANSWER: 1}) for n in range(100)]
    text = format_unanswered(groups, 30, html=True)
    assert len(text.encode("utf-16-le")) // 2 <= TELEGRAM_MESSAGE_LIMIT
    shown = text.count("×")
    assert 0 < shown < 100
    assert text.endswith(f"… and {100 - shown} more")
    assert "长" * 79 + "…" in text  # examples are shortened to 80 characters


def test_export_filename_names_day_and_period() -> None:
    """The /export document is named after the UTC+8 date and the period."""
    late_evening_utc = datetime(2023, 8, 14, 17, 0, tzinfo=UTC)  # already the 15th in Chongqing
    assert export_filename(30, late_evening_utc) == "questions-2023-08-15-last-30-days.csv"
    assert export_filename(None, late_evening_utc) == "questions-2023-08-15-all.csv"


def settings_for(path: Path) -> Settings:
    """Settings whose question log is at ``path``."""
    return Settings(storage=StorageSettings(path=str(path)))


def test_report_prints_sections_and_writes_csv(db_path: Path, tmp_path: Path) -> None:
    """The report prints stats, top entries and unanswered groups, and writes the CSV."""

    async def populate() -> None:
        async with QuestionLog(db_path) as log:
            await fill(log)

    asyncio.run(populate())
    out, err = io.StringIO(), io.StringIO()
    csv_path = tmp_path / "out" / "questions.csv"
    assert run_report(settings_for(db_path), None, csv_path, out=out, err=err) == 0
    printed = out.getvalue()
    assert printed.startswith("Questions, all time: 10 from 5 users\n")
    assert "Most asked entries, all time\n 1. noodle-target-2023 4  👍 0 👎 0\n" in printed
    assert "Unanswered questions, all time (similar ones grouped)\n" in printed
    assert f"Wrote 10 questions to {csv_path}" in printed
    content = csv_path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))) == 10
    assert err.getvalue() == ""


def test_report_without_a_log_fails_politely(db_path: Path) -> None:
    """No database at storage.path: exit status 1 and a sentence saying where it looked."""
    out, err = io.StringIO(), io.StringIO()
    assert run_report(settings_for(db_path), 30, None, out=out, err=err) == 1
    assert str(db_path) in err.getvalue()
    assert not db_path.exists()


def test_report_refuses_zero_days(db_path: Path) -> None:
    """--days 0 is a usage error (exit status 2)."""
    err = io.StringIO()
    assert run_report(settings_for(db_path), 0, None, out=io.StringIO(), err=err) == 2
    assert "--days" in err.getvalue()


def test_english_admin_counts_agree_with_one_and_two() -> None:
    """Every English admin count says "1 user", "1 problem" … and "2 users", "2 problems" …;
    the Chinese texts stay as written."""
    english, chinese = Language.ENGLISH, Language.SIMPLIFIED
    title = {"period": "last 7 days", "total": "1"}
    assert say("report_stats_title", english, **title, users="1").endswith("1 from 1 user")
    assert say("report_stats_title", english, **title, users="2").endswith("1 from 2 users")
    for key, one, two in (
        ("tg_kn_reason_problems", "facts.yaml has 1 problem", "facts.yaml has 2 problems"),
        ("tg_kn_reason_regressions", "1 labelled question answered", "2 labelled questions"),
        ("tg_kn_diff_phrasings_added", "1 phrasing added", "2 phrasings added"),
        ("tg_kn_diff_phrasings_removed", "1 phrasing removed", "2 phrasings removed"),
        ("tg_kn_history_earlier", "also live 1 time before", "also live 2 times before"),
    ):
        assert one in say(key, english, file="facts.yaml", count="1"), key
        assert two in say(key, english, file="facts.yaml", count="2"), key
    assert say("tg_ed_closed", english, days="1").endswith("over 1 day old.")
    assert say("tg_ed_closed", english, days="2").endswith("over 2 days old.")
    assert say("tg_kn_reason_problems", chinese, file="f", count="1") == "f 有 1 处问题："
    # Thousands are plural: the count arrives formatted.
    assert say("tg_kn_reason_problems", english, file="f", count="1,001") == "f has 1,001 problems"


def test_command_line_counts_agree_with_their_number() -> None:
    """The command line's own English lines count the same way."""
    assert counted(1, "question", "questions") == "1 question"
    assert counted(1204, "question", "questions") == "1,204 questions"
