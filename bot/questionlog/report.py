"""The admins' reports in words: Telegram HTML for /stats, /top, /unanswered, plain text for
``python -m bot report``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape as escape_html
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.engine.render import MESSAGE_LIMIT, telegram_length
from bot.questionlog.analytics import (
    REPORT_TIMEZONE,
    STATUS_LABELS,
    EntryCount,
    QuestionGroup,
    StatsSummary,
    export_csv,
    stats_summary,
    top_entries,
    unanswered_groups,
    window_start,
)
from bot.questionlog.feedback import Helpfulness, UnhelpfulAnswer, unhelpful_answers
from bot.questionlog.log import QuestionLog

TELEGRAM_MESSAGE_LIMIT = MESSAGE_LIMIT
EXAMPLE_MAX_CHARS = 80
REPORT_TOP_ENTRIES = 10
REPORT_UNANSWERED_GROUPS = 10
REPORT_UNHELPFUL_ANSWERS = 10
REPORT_VOTED_ENTRIES = 10

ADMINS_ONLY_REPLY = (
    "抱歉，这个命令只供管理员使用。\nSorry, this command is for the bot's admins only."
)

LANGUAGE_LABELS: Mapping[str, str] = {
    "zh-hans": "Simplified Chinese",
    "zh-hant": "Traditional Chinese",
    "en": "English",
}


class _Markup:
    """Plain text or Telegram HTML: the few constructs the reports use."""

    def __init__(self, html_mode: bool) -> None:
        self.html = html_mode

    def text(self, value: str) -> str:
        return escape_html(value, quote=False) if self.html else value

    def bold(self, value: str) -> str:
        return f"<b>{self.text(value)}</b>" if self.html else value

    def code(self, value: str) -> str:
        return f"<code>{self.text(value)}</code>" if self.html else value

    def block(self, lines: Sequence[str]) -> str:
        """Lines whose columns must line up: monospaced in Telegram."""
        body = "\n".join(lines)
        return f"<pre>{self.text(body)}</pre>" if self.html else body


def period_label(days: int | None) -> str:
    """``last 7 days`` / ``last day`` / ``all time``."""
    if days is None:
        return "all time"
    return "last day" if days == 1 else f"last {days} days"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def format_stats(summary: StatsSummary, *, html: bool = False) -> str:
    """``/stats`` in words: totals, shares by status, language and chat type, busiest hours."""
    markup = _Markup(html)
    period = period_label(summary.days)
    if summary.total == 0:
        return markup.text(f"No questions asked ({period}).")
    users = "user" if summary.users == 1 else "users"
    lines = [
        markup.bold(f"Questions, {period}: {summary.total:,} from {summary.users:,} {users}"),
        markup.block(
            [
                f"{STATUS_LABELS[status]:<11}{count:>8,}{_percent(count, summary.total):>8}"
                for status, count in summary.by_status.items()
            ]
        ),
        _counts_line(markup, "Languages", summary.by_language, summary.total, LANGUAGE_LABELS),
        _counts_line(markup, "Chats", summary.by_channel, summary.total, {}),
    ]
    busiest = summary.busiest_hours()
    if busiest:
        hours = " · ".join(f"{hour:02d}:00 ({count:,})" for hour, count in busiest)
        lines.append(markup.text(f"Busiest hours ({REPORT_TIMEZONE.tzname(None)}): {hours}"))
    lines.append(_helpfulness_lines(markup, summary.helpfulness))
    return "\n".join(lines)


def _helpfulness_lines(markup: _Markup, votes: Mapping[str, Helpfulness]) -> str:
    """Votes per entry, most 👎 first: the entries whose answers need a look lead."""
    if not votes:
        return markup.text("Votes: none yet (👍/👎 under the answers)")
    ranked = sorted(votes.items(), key=lambda item: (-item[1].unhelpful, item[1].helpful, item[0]))
    width = max(len(entry) for entry in votes)
    rows = [
        f"{entry:<{width}}  👍 {v.helpful:>4,}  👎 {v.unhelpful:>4,}"
        for entry, v in ranked[:REPORT_VOTED_ENTRIES]
    ]
    if len(ranked) > REPORT_VOTED_ENTRIES:
        rows.append(f"… and {len(ranked) - REPORT_VOTED_ENTRIES} more")
    return "\n".join([markup.text("Votes per entry:"), markup.block(rows)])


def _counts_line(
    markup: _Markup, title: str, counts: Mapping[str, int], total: int, labels: Mapping[str, str]
) -> str:
    parts = [
        f"{labels.get(key, key)} {count:,} ({_percent(count, total)})"
        for key, count in counts.items()
    ]
    return markup.text(f"{title}: {' · '.join(parts)}")


def format_top(entries: Sequence[EntryCount], days: int | None, *, html: bool = False) -> str:
    """``/top`` in words: the most asked entries with their counts."""
    markup = _Markup(html)
    period = period_label(days)
    if not entries:
        return markup.text(f"No answered questions ({period}).")
    name_width = max(len(entry.entry_id) for entry in entries)
    count_width = max(len(f"{entry.count:,}") for entry in entries)
    title = markup.bold(f"Most asked entries, {period}")
    lines = [
        f"{rank:>2}. {markup.code(entry.entry_id)}"
        f"{' ' * (name_width - len(entry.entry_id))} {entry.count:>{count_width},}"
        f"  👍 {entry.helpful:,} 👎 {entry.unhelpful:,}"
        for rank, entry in enumerate(entries, start=1)
    ]
    return _fit(title, lines, markup)


def format_unhelpful(
    answers: Sequence[UnhelpfulAnswer], days: int | None, *, html: bool = False
) -> str:
    """The answers voted 👎, newest first: when, the entry, the question."""
    markup = _Markup(html)
    period = period_label(days)
    if not answers:
        return markup.text(f"No answers voted 👎 ({period}).")
    title = markup.bold(f"Answers voted 👎, {period} (newest first)")
    items = [
        markup.text(
            f"{rank}. {answer.asked_at.astimezone(REPORT_TIMEZONE):%m-%d %H:%M} "
            f"{answer.entry_id or '-'}: {_shorten(answer.text)}"
        )
        for rank, answer in enumerate(answers, start=1)
    ]
    return _fit(title, items, markup)


def format_unanswered(
    groups: Sequence[QuestionGroup], days: int | None, *, html: bool = False
) -> str:
    """``/unanswered`` in words: groups of similar declined or ambiguous questions."""
    markup = _Markup(html)
    period = period_label(days)
    if not groups:
        return markup.text(f"No declined or ambiguous questions ({period}).")
    title = markup.bold(f"Unanswered questions, {period} (similar ones grouped)")
    items = []
    for rank, group in enumerate(groups, start=1):
        split = ", ".join(
            f"{count:,} {STATUS_LABELS[status]}"
            for status, count in sorted(group.by_status.items(), key=lambda item: -item[1])
        )
        head = markup.text(f"{rank}. {group.count:,}× ({split})")
        examples = [markup.text(f"   – {_shorten(example)}") for example in group.examples]
        items.append("\n".join([head, *examples]))
    return _fit(title, items, markup)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXAMPLE_MAX_CHARS else flat[: EXAMPLE_MAX_CHARS - 1] + "…"


def _fit(title: str, items: Sequence[str], markup: _Markup) -> str:
    """``title`` and as many ``items`` as fit in one Telegram message, saying what was left."""
    kept: list[str] = []
    length = telegram_length(title, html=markup.html)
    for index, item in enumerate(items):
        remaining = len(items) - index
        # Room for this item plus, should later ones not fit, the line saying so.
        more_line = telegram_length(f"\n… and {remaining} more")
        if length + 1 + telegram_length(item, html=markup.html) + more_line > MESSAGE_LIMIT:
            kept.append(markup.text(f"… and {remaining} more"))
            break
        kept.append(item)
        length += 1 + telegram_length(item, html=markup.html)
    return "\n".join([title, *kept])


def export_filename(days: int | None, now: datetime | None = None) -> str:
    """The name of the ``/export`` document, e.g. ``questions-2023-08-15-last-30-days.csv``."""
    today = (now if now is not None else datetime.now(UTC)).astimezone(REPORT_TIMEZONE).date()
    period = "all" if days is None else f"last-{days}-days"
    return f"questions-{today.isoformat()}-{period}.csv"


def run_report(
    settings: Settings,
    days: int | None = None,
    csv_path: Path | str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``python -m bot report``: print stats, top entries and unanswered groups; 0 on success.

    With ``csv_path`` the log (for the same days) is also written there as CSV.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if days is not None and days < 1:
        print("--days must be at least 1", file=err)
        return 2
    path = Path(settings.storage.path)
    if not path.exists():
        print(
            f"No question log at {path} (storage.path): it is created when the bot "
            "records its first question.",
            file=err,
        )
        return 1
    return asyncio.run(_report(settings, days, Path(csv_path) if csv_path else None, out))


async def _report(settings: Settings, days: int | None, csv_path: Path | None, out: TextIO) -> int:
    log = QuestionLog.from_settings(settings.storage)
    await log.open()
    try:
        sections = [
            format_stats(await stats_summary(log, days)),
            format_top(await top_entries(log, REPORT_TOP_ENTRIES, days), days),
            format_unanswered(await unanswered_groups(log, REPORT_UNANSWERED_GROUPS, days), days),
            format_unhelpful(
                await unhelpful_answers(log, REPORT_UNHELPFUL_ANSWERS, window_start(days)), days
            ),
        ]
        print("\n\n".join(sections), file=out)
        if csv_path is not None:
            content = await export_csv(log, days)
            await asyncio.to_thread(_write_file, csv_path, content)
            print(f"\nWrote {_csv_rows(content):,} questions to {csv_path}", file=out)
    finally:
        await log.close()
    return 0


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _csv_rows(content: bytes) -> int:
    """Data rows in ``content``; counted by parsing, as a question's text may hold newlines."""
    return sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8-sig")))) - 1
