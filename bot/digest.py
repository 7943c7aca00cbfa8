"""The admins' digest: a daily or weekly summary of the question log, in the admin's language.

``gather_digest`` reads the numbers (plain values), ``format_digest`` words them as Telegram
HTML (every piece of user text escaped), and ``digest_schedule`` turns ``config.digest`` into
the time and days a job queue runs it at. Sending is the Telegram side's
(``bot.telegram.feedback``). Times are China time (UTC+8), like every report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from html import escape as escape_html

from bot.config import WEEKDAYS, DigestSettings
from bot.engine.answers import Language, Status
from bot.messages import say
from bot.questionlog.analytics import (
    REPORT_TIMEZONE,
    QuestionGroup,
    stats_summary,
    unanswered_groups,
)
from bot.questionlog.feedback import Helpfulness, helpfulness_by_entry
from bot.questionlog.log import QuestionLog

DIGEST_GROUPS = 3
DIGEST_UNHELPFUL_ENTRIES = 5
EXAMPLE_MAX_CHARS = 60
_PERIOD_DAYS = {"daily": 1, "weekly": 7}


@dataclass(frozen=True, slots=True)
class Digest:
    """What one digest says."""

    days: int
    until: datetime
    total: int
    users: int
    answered: int
    unanswered: tuple[QuestionGroup, ...]
    # (entry id, its votes) of entries voted 👎, most 👎 first.
    unhelpful: tuple[tuple[str, Helpfulness], ...]


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When a digest goes out: at ``at`` (UTC+8) on ``days`` (0 = Sunday … 6 = Saturday,
    the job queue's numbering), covering the last ``period_days`` days."""

    at: time
    days: tuple[int, ...]
    period_days: int


def digest_schedule(settings: DigestSettings) -> DigestSchedule | None:
    """The schedule ``settings`` ask for; None when the digest is off."""
    period = _PERIOD_DAYS.get(settings.schedule)
    if period is None:
        return None
    hour, minute = settings.hour_minute
    at = time(hour, minute, tzinfo=REPORT_TIMEZONE)
    if settings.schedule == "daily":
        return DigestSchedule(at, tuple(range(7)), period)
    # WEEKDAYS starts on Monday; the job queue counts from Sunday.
    return DigestSchedule(at, ((WEEKDAYS.index(settings.weekday) + 1) % 7,), period)


async def gather_digest(log: QuestionLog, days: int, *, now: datetime | None = None) -> Digest:
    """The digest of the last ``days`` days before ``now``."""
    until = now if now is not None else datetime.now(UTC)
    summary = await stats_summary(log, days, now=until)
    groups = await unanswered_groups(log, DIGEST_GROUPS, days, now=until, hide_dismissed=True)
    votes = await helpfulness_by_entry(log, summary.since)
    unhelpful = sorted(
        ((entry, v) for entry, v in votes.items() if v.unhelpful),
        key=lambda item: (-item[1].unhelpful, item[1].helpful, item[0]),
    )
    return Digest(
        days=days,
        until=until,
        total=summary.total,
        users=summary.users,
        answered=summary.by_status.get(Status.ANSWERED, 0),
        unanswered=tuple(groups),
        unhelpful=tuple(unhelpful[:DIGEST_UNHELPFUL_ENTRIES]),
    )


def format_digest(digest: Digest, language: Language) -> str:
    """``digest`` as Telegram HTML in ``language``."""
    until_local = digest.until.astimezone(REPORT_TIMEZONE)
    if digest.days == 1:
        title = say("digest_title_daily", language, until=f"{until_local:%Y-%m-%d %H:%M}")
    else:
        since_local = until_local - timedelta(days=digest.days)
        title = say(
            "digest_title_weekly",
            language,
            since=since_local.date().isoformat(),
            until=until_local.date().isoformat(),
        )
    lines = [f"<b>{_escape(title)}</b>"]
    if digest.total == 0:
        lines.append(_escape(say("digest_no_questions", language)))
        return "\n".join(lines)
    rate = f"{100 * digest.answered / digest.total:.0f}%"
    lines.append(
        _escape(
            say(
                "digest_questions",
                language,
                total=f"{digest.total:,}",
                users=f"{digest.users:,}",
                answered=f"{digest.answered:,}",
                rate=rate,
            )
        )
    )
    if digest.unanswered:
        lines += ["", _escape(say("digest_unanswered_head", language))]
        lines += [
            _escape(
                say(
                    "digest_unanswered_item",
                    language,
                    rank=str(rank),
                    count=f"{group.count:,}",
                    example=_shorten(
                        group.examples[0] if group.examples else group.representative
                    ),
                )
            )
            for rank, group in enumerate(digest.unanswered, start=1)
        ]
    lines.append("")
    if digest.unhelpful:
        lines.append(_escape(say("digest_unhelpful_head", language)))
        lines += [
            _escape(
                say(
                    "digest_unhelpful_item",
                    language,
                    entry=entry,
                    down=str(votes.unhelpful),
                    up=str(votes.helpful),
                )
            )
            for entry, votes in digest.unhelpful
        ]
    else:
        lines.append(_escape(say("digest_all_helpful", language)))
    return "\n".join(lines)


def _escape(text: str) -> str:
    return escape_html(text, quote=False)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXAMPLE_MAX_CHARS else flat[: EXAMPLE_MAX_CHARS - 1] + "…"
