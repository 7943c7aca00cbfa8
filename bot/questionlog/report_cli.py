"""``python -m bot report``: the question log's report printed on the server (in English),
optionally with the log written out as CSV. The sections are the admins' reports
(bot.questionlog.report), the same as /stats, /top, /unanswered and /unhelpful show.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.messages import counted
from bot.questionlog.analytics import (
    export_csv,
    stats_summary,
    top_entries,
    unanswered_groups,
    window_start,
)
from bot.questionlog.feedback import unhelpful_answers, unhelpful_cards
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import format_stats, format_top, format_unanswered, format_unhelpful

REPORT_TOP_ENTRIES = 10
REPORT_UNANSWERED_GROUPS = 10
REPORT_UNHELPFUL_ANSWERS = 10


def run_report(
    settings: Settings,
    days: int | None = None,
    csv_path: Path | str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``python -m bot report``: print stats, top entries, unanswered groups and what was voted
    👎 (answers, then shared cards); 0 on success.

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
    since = window_start(days)
    try:
        sections = [
            format_stats(await stats_summary(log, days)),
            format_top(await top_entries(log, REPORT_TOP_ENTRIES, days), days),
            format_unanswered(await unanswered_groups(log, REPORT_UNANSWERED_GROUPS, days), days),
            format_unhelpful(
                await unhelpful_answers(log, REPORT_UNHELPFUL_ANSWERS, since),
                days,
                cards=await unhelpful_cards(log, REPORT_UNHELPFUL_ANSWERS, since),
            ),
        ]
        print("\n\n".join(sections), file=out)
        if csv_path is not None:
            content = await export_csv(log, days)
            await asyncio.to_thread(_write_file, csv_path, content)
            written = counted(_csv_rows(content), "question", "questions")
            print(f"\nWrote {written} to {csv_path}", file=out)
    finally:
        await log.close()
    return 0


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _csv_rows(content: bytes) -> int:
    """Data rows in ``content``; counted by parsing, as a question's text may hold newlines."""
    return sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8-sig")))) - 1
