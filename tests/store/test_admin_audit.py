"""The admins' tables: knowledge versions (the audit trail) and dismissed unanswered questions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.questionlog.analytics import QuestionGroup, unanswered_groups, without_dismissed
from bot.questionlog.log import QuestionLog
from bot.questionlog.migrations import MIGRATIONS
from tests.store.dataset import NOW, fill

MOMENT = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


async def test_the_admin_tables_come_with_a_migration_of_their_own(db_path: Path) -> None:
    """The audit and dismissal tables are one appended migration, after the questions table."""
    assert [m.name for m in MIGRATIONS][:2] == ["0001_questions", "0002_admin_audit"]
    async with QuestionLog(db_path):
        pass
    with sqlite3.connect(db_path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"knowledge_versions", "dismissed_questions"} <= tables


async def test_knowledge_versions_are_kept_newest_first(log: QuestionLog) -> None:
    """Each version made live is a row: who, when, how, and what was live before."""
    await log.record_knowledge_version(
        "aaa", "Ada (1)", "apply faq.yaml", "000", applied_at=MOMENT
    )
    await log.record_knowledge_version(
        "bbb", "server", "reload from disk", "aaa", applied_at=MOMENT + timedelta(minutes=5)
    )
    await log.record_knowledge_version("aaa", "Bo (2)", "rollback from bbb", "bbb")
    rows = await log.knowledge_versions()
    assert [(r.version, r.applied_by, r.action, r.previous) for r in rows] == [
        ("aaa", "Bo (2)", "rollback from bbb", "bbb"),
        ("bbb", "server", "reload from disk", "aaa"),
        ("aaa", "Ada (1)", "apply faq.yaml", "000"),
    ]
    assert rows[-1].applied_at == MOMENT
    assert len(await log.knowledge_versions(limit=1)) == 1


async def test_a_version_without_a_previous_one(log: QuestionLog) -> None:
    """The first version recorded may have nothing before it."""
    await log.record_knowledge_version("aaa", "server", "reload from disk", None)
    (row,) = await log.knowledge_versions()
    assert row.previous is None


async def test_a_history_snapshot_is_copied_once(log: QuestionLog) -> None:
    """Rows name their knowledge-history snapshot; copying one again adds no second row."""
    snapshot = "20240501T083000000000Z-aaaaaaaaaaaa"
    for _ in range(2):
        await log.record_knowledge_version(
            "aaaaaaaaaaaa", "Ada (1)", "apply faq.yaml", None, applied_at=MOMENT, snapshot=snapshot
        )
    await log.record_knowledge_version("bbb", "server", "reload", "aaa")  # no snapshot named
    assert [r.version for r in await log.knowledge_versions()] == ["bbb", "aaaaaaaaaaaa"]
    assert await log.recorded_snapshots() == {snapshot}
    assert "0004_knowledge_version_snapshots" in [m.name for m in MIGRATIONS]


async def test_dismissing_twice_keeps_one_row_with_the_latest_resolution(log: QuestionLog) -> None:
    """A question dismissed, then added as a phrasing, is one row saying the latter."""
    await log.dismiss_question("小面挣几个钱", "小面挣几个钱？", "Ada (1)", dismissed_at=MOMENT)
    await log.dismiss_question("小面挣几个钱", "小面挣几个钱？", "Bo (2)", "phrasing of noodles")
    (row,) = await log.dismissed_questions()
    assert (row.normalized, row.text, row.dismissed_by, row.resolution) == (
        "小面挣几个钱",
        "小面挣几个钱？",
        "Bo (2)",
        "phrasing of noodles",
    )


async def test_dismissed_groups_are_hidden_on_request(log: QuestionLog) -> None:
    """``hide_dismissed`` leaves out a dismissed group; the report's default still shows it."""
    await fill(log)
    await log.dismiss_question("沙坪坝的gdp是多少", "沙坪坝的GDP是多少？", "Ada (1)")
    everything = await unanswered_groups(log, 10, now=NOW)
    shown = await unanswered_groups(log, 10, now=NOW, hide_dismissed=True)
    assert "沙坪坝的gdp是多少" in [g.representative for g in everything]
    assert sorted(g.representative for g in shown) == ["who is the mayor", "大渡口的目標"]
    # n counts the groups shown, not the hidden ones.
    assert len(await unanswered_groups(log, 2, now=NOW, hide_dismissed=True)) == 2


def test_another_wording_of_a_dismissed_question_stays_hidden() -> None:
    """A group led by a similar form (as similar as grouping needs) counts as dismissed."""
    groups = [
        QuestionGroup("大渡口的gdp有多少", 3, ("大渡口的GDP有多少",)),
        QuestionGroup("小面明年营收目标", 2, ("小面明年营收目标",)),
    ]
    kept = without_dismissed(groups, ["大渡口gdp是多少"])
    assert [g.representative for g in kept] == ["小面明年营收目标"]
    assert without_dismissed(groups, []) == groups
