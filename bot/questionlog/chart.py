"""The ``/stats`` chart: questions per day by status, and the top entries, as a PNG."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.engine.answers import Status
from bot.questionlog.analytics import STATUS_LABELS, STATUS_ORDER, StatsSummary, stats_summary
from bot.questionlog.log import QuestionLog

STATUS_COLOURS: Mapping[Status, str] = {
    Status.ANSWERED: "#2e7d32",
    Status.AMBIGUOUS: "#f9a825",
    Status.NO_ANSWER: "#c62828",
    Status.SMALLTALK: "#90a4ae",
}
# About this many date labels under the bars, whatever the period.
_DATE_LABELS = 10


async def stats_chart_png(
    log: QuestionLog, days: int | None = None, *, now: datetime | None = None
) -> bytes:
    """The ``/stats`` chart as PNG: questions per day by status, and the top entries."""
    summary = await stats_summary(log, days, now=now)
    # Drawing takes a good fraction of a second; a worker thread keeps replies flowing.
    return await asyncio.to_thread(render_stats_chart, summary)


def render_stats_chart(summary: StatsSummary) -> bytes:
    """``summary`` drawn as a PNG."""
    figure = build_stats_figure(summary)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_stats_figure(summary: StatsSummary) -> Figure:
    """The chart as a matplotlib figure drawn by the Agg (raster, no display) backend.

    The figure is built on its own Agg canvas instead of through pyplot, whose global state
    is neither thread-safe nor ever freed in a long-running bot. Labels are ASCII (entry ids
    are ASCII) because the server has no CJK font.
    """
    figure = Figure(figsize=(9, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    days_axes, entries_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    period = f"last {summary.days} days" if summary.days is not None else "all time"
    figure.suptitle(f"Questions, {period}: {summary.total} from {summary.users} users")

    if summary.per_day:
        positions = list(range(len(summary.per_day)))
        bottoms = [0] * len(positions)
        for status in STATUS_ORDER:
            counts = [day.by_status.get(status, 0) for day in summary.per_day]
            days_axes.bar(
                positions,
                counts,
                bottom=bottoms,
                width=0.8,
                color=STATUS_COLOURS[status],
                label=STATUS_LABELS[status],
            )
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        # About ten date labels whatever the period, so a year of days stays readable.
        step = max(1, len(positions) // _DATE_LABELS)
        days_axes.set_xticks(
            positions[::step], [day.day.isoformat() for day in summary.per_day[::step]]
        )
        days_axes.tick_params(axis="x", labelrotation=45, labelsize="small")
        days_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        days_axes.legend(loc="upper left", fontsize="small")
    else:
        days_axes.text(0.5, 0.5, "No questions in this period", ha="center", va="center")
        days_axes.set_xticks([])
    days_axes.set_title("Questions per day (UTC+8) by status")
    days_axes.set_ylabel("questions")

    if summary.top_entries:
        names = [entry.entry_id for entry in reversed(summary.top_entries)]
        counts = [entry.count for entry in reversed(summary.top_entries)]
        entries_axes.barh(names, counts, color=STATUS_COLOURS[Status.ANSWERED])
        entries_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        entries_axes.set_xlabel("questions answered")
    else:
        entries_axes.text(0.5, 0.5, "No answered questions", ha="center", va="center")
        entries_axes.set_yticks([])
    entries_axes.set_title("Top entries")
    return figure
