"""What the question log says: summaries, top entries, unanswered questions, CSV.

Everything here returns plain values (dataclasses, bytes); the wording for admins lives in
``report`` and the chart is drawn in ``chart``. Hours and days are counted in China time
(UTC+8), the readers' and the admins' clock. Each query first flushes the log, so a question
asked a moment ago is counted.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from rapidfuzz import fuzz, process, utils

from bot.engine.answers import Status
from bot.questionlog.feedback import Helpfulness, helpfulness_by_entry
from bot.questionlog.log import QuestionLog
from bot.questionlog.records import format_timestamp

# China has had no daylight saving time since 1991, so a fixed offset is exact.
REPORT_TIMEZONE = timezone(timedelta(hours=8), "UTC+8")
UNANSWERED_STATUSES = (Status.NO_ANSWER, Status.AMBIGUOUS)
# token_sort_ratio: Chinese questions have no spaces, so it is plain similarity over characters;
# English ones may reorder words. 70 puts 大渡口GDP是多少 with 大渡口的GDP有多少 (84) and keeps
# 沙坪坝的GDP是多少 (63) apart; tests/store/test_analytics.py holds such examples.
SIMILARITY_THRESHOLD = 70.0
EXAMPLES_PER_GROUP = 3
CSV_COLUMNS = (
    "asked_at_utc",
    "channel",
    "user_hash",
    "language",
    "status",
    "entry_id",
    "confidence",
    "latency_ms",
    "knowledge_version",
    "text",
    "normalized",
    "record_id",
)
# A spreadsheet runs a cell starting with one of these as a formula; users write the text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The order statuses are listed and stacked in, in the reports and the chart.
STATUS_ORDER = (Status.ANSWERED, Status.AMBIGUOUS, Status.NO_ANSWER, Status.SMALLTALK)
# How many top entries /stats (and its chart) shows.
_CHART_TOP_ENTRIES = 10


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Questions asked on one (UTC+8) day, per status."""

    day: date
    by_status: Mapping[Status, int]

    @property
    def total(self) -> int:
        """All questions that day."""
        return sum(self.by_status.values())


@dataclass(frozen=True, slots=True)
class EntryCount:
    """How often one knowledge entry answered a question, and its answers' 👍 and 👎."""

    entry_id: str
    count: int
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True, slots=True)
class StatsSummary:
    """The numbers behind ``/stats``: totals and how they split."""

    days: int | None
    since: datetime | None
    until: datetime
    total: int
    users: int
    by_status: Mapping[Status, int]
    by_language: Mapping[str, int]
    by_channel: Mapping[str, int]
    by_hour: Mapping[int, int]
    per_day: tuple[DayCounts, ...]
    top_entries: tuple[EntryCount, ...]
    # Votes per entry, on the answers to the period's questions.
    helpfulness: Mapping[str, Helpfulness] = field(default_factory=dict)

    def share(self, status: Status) -> float:
        """The fraction (0-1) of questions that ended with ``status``."""
        return self.by_status.get(status, 0) / self.total if self.total else 0.0

    def busiest_hours(self, n: int = 3) -> list[tuple[int, int]]:
        """The ``n`` (UTC+8 hour, questions) with most questions, busiest first."""
        ranked = sorted(self.by_hour.items(), key=lambda item: (-item[1], item[0]))
        return [(hour, count) for hour, count in ranked[:n] if count > 0]


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Similar unanswered questions: how many, the commonest wordings, and how they ended."""

    representative: str
    count: int
    examples: tuple[str, ...]
    by_status: Mapping[Status, int] = field(default_factory=dict)


def window_start(days: int | None, now: datetime | None = None) -> datetime | None:
    """The start of the last ``days`` days before ``now``; None (whole log) when days is None."""
    if days is None:
        return None
    if days < 1:
        raise ValueError("days must be at least 1")
    return (now if now is not None else datetime.now(UTC)) - timedelta(days=days)


def _check_count(n: int) -> None:
    if n < 1:
        raise ValueError("n must be at least 1")


async def stats_summary(
    log: QuestionLog, days: int | None = None, *, now: datetime | None = None
) -> StatsSummary:
    """Totals, shares by status, language and channel, hours and days, for ``/stats``."""
    until = now if now is not None else datetime.now(UTC)
    since = window_start(days, until)
    await log.flush()
    offset = _utc_offset()
    raw_status = await log.counts_by("status", since)
    per_day_rows = await log.counts_by_day_and_status(since, offset)
    top = await log.entry_counts(_CHART_TOP_ENTRIES, since)
    votes = await helpfulness_by_entry(log, since)
    return StatsSummary(
        days=days,
        since=since,
        until=until,
        total=sum(raw_status.values()),
        users=await log.count_users(since),
        by_status={status: raw_status.get(status.value, 0) for status in STATUS_ORDER},
        by_language=_descending(await log.counts_by("language", since)),
        by_channel=_descending(await log.counts_by("channel", since)),
        by_hour=await log.counts_by_hour(since, offset),
        per_day=_fill_days(per_day_rows, since, until),
        top_entries=tuple(_entry_count(entry, count, votes) for entry, count in top),
        helpfulness=votes,
    )


def _entry_count(entry: str, count: int, votes: Mapping[str, Helpfulness]) -> EntryCount:
    helpfulness = votes.get(entry, Helpfulness())
    return EntryCount(entry, count, helpfulness.helpful, helpfulness.unhelpful)


async def top_entries(
    log: QuestionLog, n: int = 10, days: int | None = None, *, now: datetime | None = None
) -> list[EntryCount]:
    """The ``n`` entries that answered most questions, most asked first, for ``/top``."""
    _check_count(n)
    since = window_start(days, now)
    await log.flush()
    counts = await log.entry_counts(n, since)
    votes = await helpfulness_by_entry(log, since)
    return [_entry_count(entry, count, votes) for entry, count in counts]


async def unanswered_groups(
    log: QuestionLog,
    n: int = 10,
    days: int | None = None,
    *,
    now: datetime | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
    hide_dismissed: bool = False,
) -> list[QuestionGroup]:
    """Declined and ambiguous questions grouped by similarity, biggest groups first.

    With ``hide_dismissed``, groups an admin dismissed (or added as a phrasing) are left out.
    """
    _check_count(n)
    since = window_start(days, now)
    await log.flush()
    questions = await log.question_texts(UNANSWERED_STATUSES, since)
    dismissed = [d.normalized for d in await log.dismissed_questions()] if hide_dismissed else []

    def group() -> list[QuestionGroup]:
        groups = group_similar(questions, threshold=threshold)
        return without_dismissed(groups, dismissed, threshold=threshold)

    # Thousands of distinct questions take a second or more to group: not on the event loop.
    return (await asyncio.to_thread(group))[:n]


def without_dismissed(
    groups: Iterable[QuestionGroup],
    dismissed: Iterable[str],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[QuestionGroup]:
    """``groups`` less those whose representative is, or resembles, a dismissed form.

    Similar is what puts two questions in one group, so a group that formed around another
    wording of a dismissed question stays hidden too.
    """
    forms = list(dict.fromkeys(dismissed))
    if not forms:
        return list(groups)
    return [
        group
        for group in groups
        if process.extractOne(
            group.representative,
            forms,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=threshold,
        )
        is None
    ]


def group_similar(
    questions: Iterable[tuple[str, str, Status]],
    *,
    threshold: float = SIMILARITY_THRESHOLD,
    examples: int = EXAMPLES_PER_GROUP,
) -> list[QuestionGroup]:
    """Group (normalized, text, status) triples whose normalized forms are alike.

    Identical forms are counted first; then, commonest form first, each form joins the group
    whose first (commonest) form it most resembles at ``threshold`` or above, or starts its own.
    Comparing against one form per group keeps groups from drifting through chains of
    near-neighbours, and costs forms x groups comparisons rather than forms squared.
    """
    form_counts: Counter[str] = Counter()
    form_texts: dict[str, Counter[str]] = {}
    form_statuses: dict[str, Counter[Status]] = {}
    for normalized, text, status in questions:
        form = normalized.strip() or text.strip().lower()
        form_counts[form] += 1
        form_texts.setdefault(form, Counter())[text.strip()] += 1
        form_statuses.setdefault(form, Counter())[status] += 1

    leaders: list[str] = []
    members: list[list[str]] = []
    for form, _ in sorted(form_counts.items(), key=lambda item: (-item[1], item[0])):
        match = process.extractOne(
            form,
            leaders,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=threshold,
        )
        if match is None:
            leaders.append(form)
            members.append([form])
        else:
            members[match[2]].append(form)

    groups = []
    for forms in members:
        texts: Counter[str] = Counter()
        statuses: Counter[Status] = Counter()
        for form in forms:
            texts.update(form_texts[form])
            statuses.update(form_statuses[form])
        ranked_texts = sorted(texts.items(), key=lambda item: (-item[1], item[0]))
        groups.append(
            QuestionGroup(
                representative=forms[0],
                count=sum(form_counts[form] for form in forms),
                examples=tuple(text for text, _ in ranked_texts[:examples]),
                by_status=dict(statuses),
            )
        )
    # Stable sort: among equal counts, the group whose leader was commoner stays first.
    groups.sort(key=lambda group: -group.count)
    return groups


async def export_csv(
    log: QuestionLog, days: int | None = None, *, now: datetime | None = None
) -> bytes:
    """The log (or its last ``days`` days) as CSV: UTF-8 with a BOM, header row first.

    The BOM makes Excel read the file as UTF-8, so Chinese shows as written. Cells a
    spreadsheet would run as a formula get a leading apostrophe.
    """
    since = window_start(days, now)
    await log.flush()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for row in log.records(since):
        writer.writerow(
            [
                format_timestamp(row.asked_at),
                row.channel.value,
                row.user_hash,
                row.language.value,
                row.status.value,
                row.entry_id or "",
                f"{row.confidence:.4f}",
                f"{row.latency_ms:.2f}",
                row.knowledge_version,
                _defuse_formula(row.text),
                _defuse_formula(row.normalized),
                row.record_id,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _utc_offset() -> timedelta:
    offset = REPORT_TIMEZONE.utcoffset(None)
    return offset if offset is not None else timedelta(0)


def _descending(counts: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _fill_days(
    rows: Iterable[tuple[str, str, int]], since: datetime | None, until: datetime
) -> tuple[DayCounts, ...]:
    """Per-day counts with the empty days in between, so the chart's gaps are visible."""
    by_day: dict[date, dict[Status, int]] = {}
    for day_text, status, count in rows:
        by_day.setdefault(date.fromisoformat(day_text), {})[Status(status)] = count
    if not by_day:
        return ()
    first = since.astimezone(REPORT_TIMEZONE).date() if since is not None else min(by_day)
    last = max(until.astimezone(REPORT_TIMEZONE).date(), max(by_day))
    first = min(first, min(by_day))
    days = []
    day = first
    while day <= last:
        days.append(DayCounts(day, by_day.get(day, {})))
        day += timedelta(days=1)
    return tuple(days)


def _defuse_formula(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_PREFIXES) else cell
