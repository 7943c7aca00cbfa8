"""The admins' reports in words: Telegram HTML for /stats, /top, /unhelpful (in the admin's
language), plain text for ``python -m bot report`` (in English). The wording is
``bot.messages``' (``report_*``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape as escape_html

from bot.engine.answers import Language, Status
from bot.engine.render import MESSAGE_LIMIT, telegram_length
from bot.messages import say
from bot.questionlog.analytics import (
    REPORT_TIMEZONE,
    EntryCount,
    QuestionGroup,
    StatsSummary,
)
from bot.questionlog.feedback import (
    Helpfulness,
    UnhelpfulAnswer,
    UnhelpfulCard,
)

TELEGRAM_MESSAGE_LIMIT = MESSAGE_LIMIT
EXAMPLE_MAX_CHARS = 80
REPORT_VOTED_ENTRIES = 10

ADMINS_ONLY_REPLY = (
    "抱歉，这个命令只供管理员使用。\nSorry, this command is for the bot's admins only."
)

# The message keys naming what the question log records.
LANGUAGE_LABELS: Mapping[str, str] = {
    "zh-hans": "report_language_simplified",
    "zh-hant": "report_language_traditional",
    "en": "report_language_english",
}
STATUS_KEYS: Mapping[Status, str] = {status: f"report_status_{status.value}" for status in Status}
CHANNEL_KEYS: Mapping[str, str] = {
    channel: f"report_channel_{channel}"
    for channel in ("private", "group", "supergroup", "channel", "inline", "terminal")
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


def period_label(days: int | None, language: Language = Language.ENGLISH) -> str:
    """``last 7 days`` / ``last day`` / ``all time`` (``最近 7 天`` / ``全部记录``)."""
    if days is None:
        return say("report_period_all", language)
    if days == 1:
        return say("report_period_day", language)
    return say("report_period_days", language, days=str(days))


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` monospaced columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def format_stats(
    summary: StatsSummary, *, html: bool = False, language: Language = Language.ENGLISH
) -> str:
    """``/stats`` in words: totals, shares by status, language and chat type, busiest hours."""
    markup = _Markup(html)
    period = period_label(summary.days, language)
    if summary.total == 0:
        return markup.text(say("report_no_questions", language, period=period))
    values = {"period": period, "total": f"{summary.total:,}", "users": f"{summary.users:,}"}
    labels = {status: say(STATUS_KEYS[status], language) for status in summary.by_status}
    lines = [
        markup.bold(say("report_stats_title", language, **values)),
        markup.block(
            [
                f"{_pad(labels[status], 11)}{count:>8,}{_percent(count, summary.total):>8}"
                for status, count in summary.by_status.items()
            ]
        ),
        _counts_line(
            markup,
            say("report_languages", language),
            summary.by_language,
            summary.total,
            {key: say(label, language) for key, label in LANGUAGE_LABELS.items()},
            language,
        ),
        _counts_line(
            markup,
            say("report_chats", language),
            summary.by_channel,
            summary.total,
            {key: say(label, language) for key, label in CHANNEL_KEYS.items()},
            language,
        ),
    ]
    busiest = summary.busiest_hours()
    if busiest:
        hours = " · ".join(f"{hour:02d}:00 ({count:,})" for hour, count in busiest)
        zone = REPORT_TIMEZONE.tzname(None) or ""
        lines.append(markup.text(say("report_busiest", language, zone=zone, hours=hours)))
    lines.append(_helpfulness_lines(markup, summary.helpfulness, language))
    return "\n".join(lines)


def _helpfulness_lines(
    markup: _Markup, votes: Mapping[str, Helpfulness], language: Language
) -> str:
    """Votes per entry, most 👎 first: the entries whose answers need a look lead."""
    if not votes:
        return markup.text(say("report_votes_none", language))
    ranked = sorted(votes.items(), key=lambda item: (-item[1].unhelpful, item[1].helpful, item[0]))
    width = max(len(entry) for entry in votes)
    rows = [
        f"{entry:<{width}}  👍 {v.helpful:>4,}  👎 {v.unhelpful:>4,}"
        for entry, v in ranked[:REPORT_VOTED_ENTRIES]
    ]
    if len(ranked) > REPORT_VOTED_ENTRIES:
        rows.append(say("tg_more", language, count=str(len(ranked) - REPORT_VOTED_ENTRIES)))
    return "\n".join([markup.text(say("report_votes_title", language)), markup.block(rows)])


def _counts_line(
    markup: _Markup,
    title: str,
    counts: Mapping[str, int],
    total: int,
    labels: Mapping[str, str],
    language: Language,
) -> str:
    parts = [
        f"{labels.get(key, key)} {count:,} ({_percent(count, total)})"
        for key, count in counts.items()
    ]
    return markup.text(say("report_counts", language, title=title, counts=" · ".join(parts)))


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Every word on the ``/stats`` chart, in one language (``bot.questionlog.chart``)."""

    title: str
    statuses: Mapping[Status, str]
    per_day: str
    questions: str
    no_questions: str
    top_entries: str
    answered: str
    no_answered: str


def chart_labels(summary: StatsSummary, language: Language = Language.ENGLISH) -> ChartLabels:
    """The chart's words for ``summary`` in ``language``: the title is ``/stats``' own."""
    values = {
        "period": period_label(summary.days, language),
        "total": f"{summary.total:,}",
        "users": f"{summary.users:,}",
    }
    return ChartLabels(
        title=say("report_stats_title", language, **values),
        statuses={status: say(key, language) for status, key in STATUS_KEYS.items()},
        per_day=say("chart_per_day", language),
        questions=say("chart_questions", language),
        no_questions=say("chart_no_questions", language),
        top_entries=say("chart_top_entries", language),
        answered=say("chart_answered", language),
        no_answered=say("chart_no_answered", language),
    )


def format_top(
    entries: Sequence[EntryCount],
    days: int | None,
    *,
    html: bool = False,
    language: Language = Language.ENGLISH,
) -> str:
    """``/top`` in words: the most asked entries with their counts."""
    markup = _Markup(html)
    period = period_label(days, language)
    if not entries:
        return markup.text(say("report_top_none", language, period=period))
    name_width = max(len(entry.entry_id) for entry in entries)
    count_width = max(len(f"{entry.count:,}") for entry in entries)
    title = markup.bold(say("report_top_title", language, period=period))
    lines = [
        f"{rank:>2}. {markup.code(entry.entry_id)}"
        f"{' ' * (name_width - len(entry.entry_id))} {entry.count:>{count_width},}"
        f"  👍 {entry.helpful:,} 👎 {entry.unhelpful:,}"
        for rank, entry in enumerate(entries, start=1)
    ]
    return _fit(title, lines, markup, language)


def format_unhelpful(
    answers: Sequence[UnhelpfulAnswer],
    days: int | None,
    *,
    cards: Sequence[UnhelpfulCard] = (),
    html: bool = False,
    language: Language = Language.ENGLISH,
) -> str:
    """The answers voted 👎, newest first: when, the entry, the question. Then the entries
    whose shared cards were voted 👎, most 👎 first: a card has no question to show."""
    markup = _Markup(html)
    period = period_label(days, language)
    card_section = _unhelpful_cards(cards, period, markup, language)
    room = MESSAGE_LIMIT - (telegram_length(f"\n\n{card_section}", html=html) if cards else 0)
    if answers:
        title = markup.bold(say("report_unhelpful_title", language, period=period))
        items = [
            markup.text(
                f"{rank}. {answer.asked_at.astimezone(REPORT_TIMEZONE):%m-%d %H:%M} "
                f"{answer.entry_id or '-'}: {_shorten(answer.text)}"
            )
            for rank, answer in enumerate(answers, start=1)
        ]
        answer_section = _fit(title, items, markup, language, limit=room)
    else:
        answer_section = markup.text(say("report_unhelpful_none", language, period=period))
    return f"{answer_section}\n\n{card_section}" if card_section else answer_section


def _unhelpful_cards(
    cards: Sequence[UnhelpfulCard], period: str, markup: _Markup, language: Language
) -> str:
    """The shared cards' section of /unhelpful, "" without any. Its lines are short, so it
    gets at most half of the message and the answers, the main part, keep the rest."""
    if not cards:
        return ""
    title = markup.bold(say("report_unhelpful_cards_title", language, period=period))
    items = []
    for rank, card in enumerate(cards, start=1):
        when = f"{card.last_voted_at.astimezone(REPORT_TIMEZONE):%m-%d %H:%M}"
        votes = {"down": f"{card.unhelpful:,}", "up": f"{card.helpful:,}", "when": when}
        line = say("report_unhelpful_card", language, rank=str(rank), entry=card.entry_id, **votes)
        items.append(markup.text(line))
    return _fit(title, items, markup, language, limit=MESSAGE_LIMIT // 2)


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
            f"{count:,} {say(STATUS_KEYS[status], Language.ENGLISH)}"
            for status, count in sorted(group.by_status.items(), key=lambda item: -item[1])
        )
        head = markup.text(f"{rank}. {group.count:,}× ({split})")
        examples = [markup.text(f"   – {_shorten(example)}") for example in group.examples]
        items.append("\n".join([head, *examples]))
    return _fit(title, items, markup)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXAMPLE_MAX_CHARS else flat[: EXAMPLE_MAX_CHARS - 1] + "…"


def _fit(
    title: str,
    items: Sequence[str],
    markup: _Markup,
    language: Language = Language.ENGLISH,
    *,
    limit: int = MESSAGE_LIMIT,
) -> str:
    """``title`` and as many ``items`` as fit in ``limit`` (one Telegram message unless told),
    saying what was left."""
    kept: list[str] = []
    length = telegram_length(title, html=markup.html)
    for index, item in enumerate(items):
        remaining = len(items) - index
        # Room for this item plus, should later ones not fit, the line saying so.
        more = say("tg_more", language, count=str(remaining))
        more_line = telegram_length(f"\n{more}")
        if length + 1 + telegram_length(item, html=markup.html) + more_line > limit:
            kept.append(markup.text(more))
            break
        kept.append(item)
        length += 1 + telegram_length(item, html=markup.html)
    return "\n".join([title, *kept])


def export_filename(days: int | None, now: datetime | None = None) -> str:
    """The name of the ``/export`` document, e.g. ``questions-2023-08-15-last-30-days.csv``."""
    today = (now if now is not None else datetime.now(UTC)).astimezone(REPORT_TIMEZONE).date()
    period = "all" if days is None else f"last-{days}-days"
    return f"questions-{today.isoformat()}-{period}.csv"
