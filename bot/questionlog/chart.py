"""The ``/stats`` chart: questions per day by status, and the top entries, as a PNG.

Its words are passed in (``report.chart_labels``, in the admin's language). Chinese needs a
font with CJK glyphs (the image installs WenQuanYi Micro Hei); where none is installed,
``chart_language`` says to draw in English rather than in empty boxes.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from datetime import datetime
from functools import cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot.engine.answers import Language, Status
from bot.questionlog.analytics import STATUS_ORDER, StatsSummary, stats_summary
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import ChartLabels, chart_labels

STATUS_COLOURS: Mapping[Status, str] = {
    Status.ANSWERED: "#2e7d32",
    Status.AMBIGUOUS: "#f9a825",
    Status.NO_ANSWER: "#c62828",
    Status.SMALLTALK: "#90a4ae",
}
# About this many date labels under the bars, whatever the period.
_DATE_LABELS = 10
# Fonts with Chinese glyphs (simplified and traditional), the first one installed is used:
# Debian's fonts-wqy-microhei (the image's), then common Noto / Source Han / desktop ones.
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "PingFang SC",
)


@cache
def cjk_font() -> str | None:
    """The name of an installed font that draws Chinese, or None."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def chart_language(language: Language) -> Language:
    """The language the chart can be drawn in: ``language``, or English without a CJK font."""
    return language if language is Language.ENGLISH or cjk_font() else Language.ENGLISH


async def stats_chart_png(
    log: QuestionLog,
    days: int | None = None,
    *,
    now: datetime | None = None,
    language: Language = Language.ENGLISH,
) -> bytes:
    """The ``/stats`` chart as PNG: questions per day by status, and the top entries."""
    summary = await stats_summary(log, days, now=now)
    labels = chart_labels(summary, chart_language(language))
    # Drawing takes a good fraction of a second; a worker thread keeps replies flowing.
    return await asyncio.to_thread(render_stats_chart, summary, labels)


def render_stats_chart(summary: StatsSummary, labels: ChartLabels | None = None) -> bytes:
    """``summary`` drawn as a PNG, worded by ``labels`` (English when None)."""
    figure = build_stats_figure(summary, labels)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_stats_figure(summary: StatsSummary, labels: ChartLabels | None = None) -> Figure:
    """The chart as a matplotlib figure drawn by the Agg (raster, no display) backend.

    The figure is built on its own Agg canvas instead of through pyplot, whose global state
    is neither thread-safe nor ever freed in a long-running bot; for the same reason the CJK
    font is given to each text rather than set in matplotlib's global settings.
    """
    words = labels if labels is not None else chart_labels(summary)
    cjk = cjk_font()
    # Latin text in the default font, anything it lacks from the CJK one.
    family = ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
    font = {"fontfamily": family}
    figure = Figure(figsize=(9, 7), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    days_axes, entries_axes = figure.subplots(2, 1, height_ratios=(3, 2))
    figure.suptitle(words.title, **font)

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
                label=words.statuses[status],
            )
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        # About ten date labels whatever the period, so a year of days stays readable.
        step = max(1, len(positions) // _DATE_LABELS)
        days_axes.set_xticks(
            positions[::step], [day.day.isoformat() for day in summary.per_day[::step]]
        )
        days_axes.tick_params(axis="x", labelrotation=45, labelsize="small")
        days_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        days_axes.legend(loc="upper left", prop=FontProperties(family=family, size="small"))
    else:
        days_axes.text(0.5, 0.5, words.no_questions, ha="center", va="center", **font)
        days_axes.set_xticks([])
    days_axes.set_title(words.per_day, **font)
    days_axes.set_ylabel(words.questions, **font)

    if summary.top_entries:
        names = [entry.entry_id for entry in reversed(summary.top_entries)]
        counts = [entry.count for entry in reversed(summary.top_entries)]
        entries_axes.barh(names, counts, color=STATUS_COLOURS[Status.ANSWERED])
        entries_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        entries_axes.set_xlabel(words.answered, **font)
    else:
        entries_axes.text(0.5, 0.5, words.no_answered, ha="center", va="center", **font)
        entries_axes.set_yticks([])
    entries_axes.set_title(words.top_entries, **font)
    return figure
