"""Analytics over a hand-counted log: stats, top entries, unanswered groups, CSV, chart."""

from __future__ import annotations

import csv
import io
import os
import struct
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.engine.answers import Language, Status
from bot.questionlog import chart
from bot.questionlog.analytics import (
    CSV_COLUMNS,
    EntryCount,
    export_csv,
    group_similar,
    stats_summary,
    top_entries,
    unanswered_groups,
)
from bot.questionlog.chart import build_stats_figure, stats_chart_png
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import chart_labels
from tests.store.conftest import make_record
from tests.store.dataset import (
    AMBIGUOUS,
    ANSWERED,
    HUASHAO,
    NO_ANSWER,
    NOODLE,
    NOW,
    SMALLTALK,
    fill,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parents[2]


async def test_stats_for_the_last_seven_days(log: QuestionLog) -> None:
    """Totals, users, status shares, languages, chats and hours match the hand count."""
    await fill(log)
    summary = await stats_summary(log, 7, now=NOW)
    assert (summary.total, summary.users) == (8, 4)
    assert summary.by_status == {ANSWERED: 5, AMBIGUOUS: 1, NO_ANSWER: 1, SMALLTALK: 1}
    assert summary.share(ANSWERED) == pytest.approx(5 / 8)
    assert summary.share(NO_ANSWER) == pytest.approx(1 / 8)
    assert list(summary.by_language.items()) == [("zh-hans", 5), ("en", 2), ("zh-hant", 1)]
    assert list(summary.by_channel.items()) == [
        ("private", 5),
        ("group", 1),
        ("supergroup", 1),
        ("terminal", 1),
    ]
    assert summary.by_hour == {17: 1, 18: 1, 19: 3, 1: 1, 20: 2}
    assert summary.busiest_hours() == [(19, 3), (20, 2), (1, 1)]
    assert summary.top_entries == (EntryCount(NOODLE, 3), EntryCount(HUASHAO, 2))


async def test_days_are_counted_in_china_time_with_gaps_filled(log: QuestionLog) -> None:
    """Per-day counts use UTC+8 dates (17:30 UTC is the next day) and list empty days."""
    await fill(log)
    summary = await stats_summary(log, 7, now=NOW)
    days = {day.day: dict(day.by_status) for day in summary.per_day}
    assert list(days) == [date(2023, 8, day) for day in range(13, 21)]
    assert days[date(2023, 8, 20)] == {ANSWERED: 4, AMBIGUOUS: 1}
    assert days[date(2023, 8, 19)] == {NO_ANSWER: 1}
    assert days[date(2023, 8, 17)] == {ANSWERED: 1, SMALLTALK: 1}
    assert days[date(2023, 8, 18)] == {}
    assert sum(day.total for day in summary.per_day) == summary.total


async def test_whole_log_when_no_days_given(log: QuestionLog) -> None:
    """Without days every row counts, and the days run from the first question."""
    await fill(log)
    summary = await stats_summary(log, now=NOW)
    assert (summary.total, summary.users, summary.since) == (10, 5, None)
    assert summary.per_day[0].day == date(2023, 8, 10)


async def test_stats_of_an_empty_log(log: QuestionLog) -> None:
    """An empty log gives zeros, not a division by zero."""
    summary = await stats_summary(log, 7, now=NOW)
    assert (summary.total, summary.share(ANSWERED), summary.per_day) == (0, 0.0, ())
    assert summary.busiest_hours() == []


async def test_analytics_see_rows_not_yet_flushed(log: QuestionLog) -> None:
    """A question recorded a moment ago is counted: queries flush first."""
    log.record(make_record(asked_at=NOW))
    assert (await stats_summary(log, 1, now=NOW)).total == 1


async def test_top_entries_count_answered_questions_only(log: QuestionLog) -> None:
    """/top ranks entries by answered questions (small talk excluded), within the window."""
    await fill(log)
    assert await top_entries(log, 10, now=NOW) == [EntryCount(NOODLE, 4), EntryCount(HUASHAO, 2)]
    assert await top_entries(log, 1, 7, now=NOW) == [EntryCount(NOODLE, 3)]


async def test_nonsense_arguments_are_refused(log: QuestionLog) -> None:
    """Zero days or zero entries is a caller's mistake, reported as ValueError."""
    with pytest.raises(ValueError, match="days"):
        await stats_summary(log, 0)
    with pytest.raises(ValueError, match="n must"):
        await top_entries(log, 0)
    with pytest.raises(ValueError, match="n must"):
        await unanswered_groups(log, 0)


GDP = [
    ("大渡口gdp是多少", "大渡口GDP是多少？", NO_ANSWER),
    ("大渡口gdp是多少", "大渡口GDP是多少？", NO_ANSWER),
    ("大渡口gdp是多少", "大渡口gdp是多少", NO_ANSWER),
    ("大渡口的gdp有多少", "大渡口的GDP有多少", AMBIGUOUS),
]
OTHER_DISTRICT = [("沙坪坝的gdp是多少", "沙坪坝的GDP是多少", NO_ANSWER)] * 2
MAYOR = [
    ("who is the mayor", "Who is the mayor?", NO_ANSWER),
    ("the mayor is who", "The mayor is who", NO_ANSWER),
]
WEATHER = [("今天天气如何", "今天天气如何", NO_ANSWER)]


def test_similar_questions_are_grouped_biggest_first() -> None:
    """Near-identical wordings join one group; another district and topic stay apart."""
    groups = group_similar([*WEATHER, *MAYOR, *OTHER_DISTRICT, *GDP])
    assert [(g.representative, g.count) for g in groups] == [
        ("大渡口gdp是多少", 4),
        ("沙坪坝的gdp是多少", 2),
        ("the mayor is who", 2),
        ("今天天气如何", 1),
    ]
    assert groups[0].examples == ("大渡口GDP是多少？", "大渡口gdp是多少", "大渡口的GDP有多少")
    assert groups[0].by_status == {NO_ANSWER: 3, AMBIGUOUS: 1}


def test_stricter_threshold_splits_groups() -> None:
    """Raising the similarity threshold above a pair's score keeps the pair apart."""
    groups = group_similar(GDP, threshold=90)
    assert [(g.representative, g.count) for g in groups] == [
        ("大渡口gdp是多少", 3),
        ("大渡口的gdp有多少", 1),
    ]


def test_empty_normalized_form_falls_back_to_the_text() -> None:
    """A question whose normalised form is empty is grouped by its text."""
    [group] = group_similar([("", "？？", NO_ANSWER), ("", "？？", NO_ANSWER)])
    assert (group.representative, group.count) == ("？？", 2)


async def test_unanswered_groups_skip_answered_and_respect_the_window(log: QuestionLog) -> None:
    """Only declined and ambiguous questions of the window are grouped; n caps the groups."""
    await fill(log)
    groups = await unanswered_groups(log, 10, 7, now=NOW)
    assert sorted(g.representative for g in groups) == ["大渡口的目標", "沙坪坝的gdp是多少"]
    everything = await unanswered_groups(log, 10, now=NOW)
    assert len(everything) == 3
    assert len(await unanswered_groups(log, 1, now=NOW)) == 1


async def test_csv_has_bom_header_and_round_trips_chinese(log: QuestionLog) -> None:
    """The export starts with a UTF-8 BOM and a header; Chinese and newlines read back intact."""
    log.record(make_record(asked_at=NOW, text="重慶小麵\n今年營收目標？"))
    log.record(make_record(asked_at=NOW, text="大渡口区", status=Status.NO_ANSWER, entry_id=None))
    content = await export_csv(log, 7, now=NOW)
    assert content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(header) == CSV_COLUMNS
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [row["text"] for row in by_column] == ["重慶小麵\n今年營收目標？", "大渡口区"]
    assert [row["entry_id"] for row in by_column] == ["noodle-target-2023", ""]
    assert by_column[0]["asked_at_utc"] == "2023-08-20T12:00:00.000000Z"


async def test_csv_window_and_formula_cells(log: QuestionLog) -> None:
    """Rows outside the window are left out; a cell a spreadsheet would run is defused."""
    await fill(log)
    log.record(make_record(asked_at=NOW, text='=HYPERLINK("http://x")', normalized="=x"))
    content = await export_csv(log, 7, now=NOW)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 9
    assert rows[-1]["text"] == '\'=HYPERLINK("http://x")'
    assert rows[-1]["normalized"] == "'=x"


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def test_chart_is_a_png(log: QuestionLog) -> None:
    """The /stats chart is PNG bytes of the expected size."""
    await fill(log)
    content = await stats_chart_png(log, 7, now=NOW)
    assert content.startswith(PNG_SIGNATURE)
    assert png_size(content) == (900, 700)


async def test_chart_is_drawn_by_agg(log: QuestionLog) -> None:
    """The chart's figure sits on an Agg canvas, data or no data."""
    assert isinstance(
        build_stats_figure(await stats_summary(log, 7, now=NOW)).canvas, FigureCanvasAgg
    )
    await fill(log)
    summary = await stats_summary(log, 7, now=NOW)
    assert isinstance(build_stats_figure(summary).canvas, FigureCanvasAgg)


def _figure_texts(figure: Figure) -> set[str]:
    return {text.get_text() for text in figure.findobj(Text)}


async def test_chart_is_worded_in_the_language_it_is_given(log: QuestionLog) -> None:
    """The chart's title, legend, titles and axes read in the labels' language."""
    await fill(log)
    summary = await stats_summary(log, 7, now=NOW)
    chinese = _figure_texts(
        build_stats_figure(summary, chart_labels(summary, Language.SIMPLIFIED))
    )
    assert {"问题（最近 7 天）：8 个，来自 4 位用户", "已回答", "没能回答", "闲聊"} <= chinese
    assert {"每天的问题数（北京时间），按结果分", "最常问的条目", "回答的问题数"} <= chinese
    assert "answered" not in chinese
    english = _figure_texts(build_stats_figure(summary))
    assert {"Questions, last 7 days: 8 from 4 users", "answered", "Top entries"} <= english


def test_chart_falls_back_to_english_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a font that draws Chinese the chart is drawn in English, not in empty boxes;
    with one, in the admin's language."""
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    assert chart.chart_language(Language.SIMPLIFIED) is Language.ENGLISH
    assert chart.chart_language(Language.TRADITIONAL) is Language.ENGLISH
    monkeypatch.setattr(chart, "cjk_font", lambda: "WenQuanYi Micro Hei")
    assert chart.chart_language(Language.TRADITIONAL) is Language.TRADITIONAL
    assert chart.chart_language(Language.ENGLISH) is Language.ENGLISH


def test_chart_ignores_the_global_backend_and_pyplot() -> None:
    """With a GUI backend configured, drawing still works and pyplot is never imported."""
    program = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from bot.questionlog.analytics import StatsSummary\n"
        "from bot.questionlog.chart import render_stats_chart\n"
        "summary = StatsSummary(days=7, since=None, until=datetime.now(UTC), total=0, users=0,"
        " by_status={}, by_language={}, by_channel={}, by_hour={}, per_day=(), top_entries=())\n"
        "assert render_stats_chart(summary).startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    environment = {**os.environ, "MPLBACKEND": "TkAgg"}
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
