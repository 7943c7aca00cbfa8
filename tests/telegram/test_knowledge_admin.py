"""Admins update the knowledge over Telegram, against the project's fake Bot API on loopback.

Uploads travel as Telegram sends them (a document in an update, ``getFile``, then the file
download over HTTP); every test works on its own copy of the test knowledge, history folder
and question log in a temporary folder.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_telegram
from bot.config import LimitSettings
from bot.engine.answers import Language
from bot.engine.render import telegram_length
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.diff import Diff, FieldChange
from bot.knowledge_admin.live import LiveEngine
from bot.knowledge_admin.proposals import Proposal
from bot.questionlog.log import QuestionLog
from bot.questionlog.report import ADMINS_ONLY_REPLY
from bot.telegram.keyboards import MAX_CALLBACK_BYTES, Action
from bot.telegram.knowledge_html import diff_html, problems_html
from bot.telegram.pending import (
    ADD_PHRASING,
    APPLY,
    CALLBACK_PREFIX,
    CANCEL,
    DISMISS,
    Expiring,
    callback,
    parse_knowledge_callback,
)
from bot.telegram.service import TelegramService
from tests.engine.faulty_disk import FULL, Fault, FaultyDisk
from tests.telegram.conftest import knowledge_copy, person, private_chat, running, settings_for
from tests.telegram.fake_bot_api import FakeBotApi, check_html

Json = dict[str, Any]
ADMIN = person(9001, name="Ada")
OTHER_ADMIN = person(9002, language_code="en", name="Bo")
STRANGER = person(9100, name="路人")
READER = person(9200, name="读者")
ADMINS = (9001, 9002)

# The regression gate's labelled questions, next to the test knowledge.
QUESTIONS = """\
- q: 重庆小面明年营收目标是多少
  category: direct
  split: tune
  expect: answered
  figures: ["200亿元"]
- q: 大渡口有多少个市区级重点项目
  category: direct
  split: tune
  expect: answered
  figures: ["80个"]
"""
PROJECTS = "大渡口有多少个市区级重点项目"
PROJECTS_ANSWER = "大渡口有80个市区级重点项目。"
NEW_PROJECTS_ANSWER = "大渡口共有80个市区级重点项目（新版）。"
REFUSED = "没有采用，资料没有任何改动。"


def callback_data(message: Json) -> list[str]:
    """The callback data of every button under ``message`` (as the fake server has it now)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in the knowledge folder, by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@dataclass
class Harness:
    """The bot running with live knowledge, and what a test needs to drive and inspect it."""

    fake: FakeBotApi
    service: TelegramService
    live: LiveEngine
    knowledge: Path
    history: Path

    @property
    def log(self) -> QuestionLog:
        """The bot's question log (open while the bot runs)."""
        return self.service.bot.question_log

    def faq(self) -> str:
        """faq.yaml as it is on disk."""
        return (self.knowledge / "faq.yaml").read_text(encoding="utf-8")

    async def next_message(self, user: Json, before: int, within: float = 10.0) -> Json:
        """The first message sent to ``user`` after the first ``before`` ones."""
        chat_id = int(user["id"])
        await self.fake.wait_until(lambda: len(self.fake.sent_to(chat_id)) > before, within)
        return self.fake.sent_to(chat_id)[before]

    async def send(self, user: Json, text: str) -> Json:
        """``user`` writes ``text`` to the bot in private; the bot's reply."""
        before = len(self.fake.sent_to(int(user["id"])))
        self.fake.push_message(user, private_chat(user), text)
        return await self.next_message(user, before)

    async def upload(
        self, user: Json, name: str, content: bytes, *, file_size: int | None = -1
    ) -> Json:
        """``user`` sends ``content`` as the document ``name``; the bot's reply."""
        before = len(self.fake.sent_to(int(user["id"])))
        self.fake.push_document(user, private_chat(user), name, content, file_size=file_size)
        return await self.next_message(user, before)

    async def tap(self, user: Json, message: Json, data: str) -> Json:
        """``user`` taps the button ``data`` under ``message``; the bot's next message."""
        before = len(self.fake.sent_to(int(user["id"])))
        self.fake.push_callback(user, message, data)
        return await self.next_message(user, before)

    async def tap_for_alert(self, user: Json, message: Json, data: str) -> Json:
        """``user`` taps ``data``; the bot's answer to the callback query (no message)."""
        query_id = self.fake.push_callback(user, message, data)
        await self.fake.wait_until(lambda: query_id in self.fake.callback_answers)
        return self.fake.callback_answers[query_id]


BotStarter = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A fresh copy of the test knowledge, with labelled questions for the regression gate."""
    directory = knowledge_copy(tmp_path / "knowledge")
    (directory / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    return directory


@pytest.fixture
def start_bot(fake_api: FakeBotApi, token: str, knowledge: Path, tmp_path: Path) -> BotStarter:
    """``async with start_bot(watch=seconds) as bot:`` runs the bot with two admins."""

    @asynccontextmanager
    async def start(*, watch: float = 0.0) -> AsyncIterator[Harness]:
        settings = settings_for(
            fake_api.base_url,
            token,
            knowledge,
            log_path=tmp_path / "data" / "questions.sqlite3",
            admins=ADMINS,
            limits=LimitSettings(max_upload_bytes=1_000_000),
        )
        history = tmp_path / "history"
        settings = replace(
            settings,
            knowledge=replace(
                settings.knowledge, history_path=str(history), watch_interval_seconds=watch
            ),
        )
        live = LiveEngine.load(knowledge)
        service = build_telegram(settings, live)
        async with running(service):
            yield Harness(fake_api, service, live, knowledge, history)

    return start


def changed_faq(faq: str) -> str:
    """The FAQ with the key-projects answer reworded (still right: it states 80个)."""
    changed = faq.replace(PROJECTS_ANSWER, NEW_PROJECTS_ANSWER)
    assert changed != faq
    return changed


# --- review and apply --------------------------------------------------------------------------


async def test_upload_apply_swaps_the_knowledge_atomically_with_history_and_audit(
    start_bot: BotStarter,
) -> None:
    """A valid faq.yaml → diff with buttons → Apply: file replaced, history, audit, new answers."""
    async with start_bot() as bot:
        original = bot.faq()
        old_version = bot.live.current.version
        inode = os.stat(bot.knowledge / "faq.yaml").st_ino
        new_faq = changed_faq(original)
        diff = await bot.upload(ADMIN, "faq.yaml", new_faq.encode())
        assert diff["text"].startswith(f"faq.yaml 检查通过。版本 {old_version} → ")
        assert (
            "修改（1）：\n"
            f"  • 条目 key-projects：中文答案 {PROJECTS_ANSWER} → {NEW_PROJECTS_ANSWER}"
        ) in diff["text"]
        apply, cancel = callback_data(diff)
        assert parse_knowledge_callback(apply) is not None
        assert apply.startswith(f"{CALLBACK_PREFIX}:{APPLY}:")
        assert cancel.startswith(f"{CALLBACK_PREFIX}:{CANCEL}:")
        assert bot.faq() == original  # nothing is written before Apply

        applied = await bot.tap(ADMIN, diff, apply)
        new_version = bot.live.current.version
        assert new_version != old_version
        assert applied["text"].startswith(
            f"已应用 faq.yaml：版本 {new_version} 已上线（之前是 {old_version}）。"
        )
        assert callback_data(diff) == []  # the buttons are gone
        # Replaced by a rename (a new inode), with no temporary file left behind.
        assert bot.faq() == new_faq
        assert os.stat(bot.knowledge / "faq.yaml").st_ino != inode
        assert not list(bot.knowledge.glob(".*.tmp"))
        kept = {p.name.split("-")[-1]: p for p in bot.history.iterdir()}
        assert (kept[old_version] / "faq.yaml").read_text(encoding="utf-8") == original
        assert (kept[new_version] / "faq.yaml").read_text(encoding="utf-8") == new_faq
        rows = await bot.log.knowledge_versions()
        assert [(r.version, r.applied_by, r.action, r.previous) for r in rows] == [
            (new_version, "Ada (9001)", "apply faq.yaml", old_version),
            (old_version, "server", "loaded at start", None),  # recorded before it is replaced
        ]

        answer = await bot.send(READER, PROJECTS)
        assert answer["text"].startswith(NEW_PROJECTS_ANSWER)
        source = await bot.send(READER, "/source")
        assert f"资料版本：{new_version}" in source["text"]
        # The answer's log row names the version it came from.
        await bot.log.flush()
        logged = [record async for record in bot.log.records()]
        assert [(r.text, r.knowledge_version) for r in logged] == [(PROJECTS, new_version)]


async def test_changed_figures_are_shown_old_to_new(start_bot: BotStarter) -> None:
    """A facts.yaml upload lists each changed figure, old → new, before anything is applied."""
    async with start_bot() as bot:
        facts = (bot.knowledge / "facts.yaml").read_text(encoding="utf-8")
        new_facts = facts.replace("  value: 50亿元以上\n", "  value: 营收50亿元以上\n", 1)
        diff = await bot.upload(OTHER_ADMIN, "facts.yaml", new_facts.encode())
    assert (
        "Changed (1):\n  • fact noodle-revenue-target-2023: value 50亿元以上 → 营收50亿元以上"
    ) in diff["text"]
    assert [b["text"] for row in diff["reply_markup"]["inline_keyboard"] for b in row] == [
        "✅ Apply",
        "✖ Cancel",
    ]


async def test_review_shows_meaning_changes_and_validation_refuses_wrong_english(
    start_bot: BotStarter,
) -> None:
    """A negated answer and a target made an achievement are shown old → new; an English
    figure ten times the Chinese one is refused at its line."""
    async with start_bot() as bot:
        faq = bot.faq()
        negated = faq.replace(
            "zh: 大渡口力促今年重庆小面产业营收达到50亿元以上。",
            "zh: 大渡口力促今年重庆小面产业营收达到50亿元以上，该目标已经取消。",
        )
        assert negated != faq
        diff = await bot.upload(ADMIN, "faq.yaml", negated.encode())
        facts = (bot.knowledge / "facts.yaml").read_text(encoding="utf-8")
        achieved = facts.replace("  kind: target\n", "  kind: achieved\n", 1)
        fields = await bot.upload(OTHER_ADMIN, "facts.yaml", achieved.encode())
        tenfold = faq.replace(
            "over 5 billion yuan (50亿元以上)", "over 50 billion yuan (50亿元以上)"
        )
        refused = await bot.upload(ADMIN, "faq.yaml", tenfold.encode())
    assert (
        "  • 条目 noodle-revenue-target：中文答案 大渡口力促今年重庆小面产业营收达到"
        "50亿元以上。 → 大渡口力促今年重庆小面产业营收达到50亿元以上，该目标已经取消。"
    ) in diff["text"]
    assert "  • fact noodle-revenue-target-2023: kind target → achieved" in fields["text"]
    assert refused["text"] == (
        f"{REFUSED}原因：faq.yaml 有 1 处问题：\n"
        "faq.yaml:20: noodle-revenue-target.answer.en: "
        "'over 50 billion' is not 50亿元以上 beside it, which is 'over 5 billion'"
    )
    assert "reply_markup" not in refused


async def test_cancel_leaves_everything_as_it_was(start_bot: BotStarter) -> None:
    """Cancel writes nothing; the same Apply button tapped afterwards has expired."""
    async with start_bot() as bot:
        before, version = snapshot(bot.knowledge), bot.live.current.version
        diff = await bot.upload(ADMIN, "faq.yaml", changed_faq(bot.faq()).encode())
        apply, cancel = callback_data(diff)
        cancelled = await bot.tap(ADMIN, diff, cancel)
        assert cancelled["text"] == "已取消，资料没有改动。"
        late = await bot.tap_for_alert(ADMIN, diff, apply)
        assert late["text"].startswith("这次上传已经过期或者处理过了")
        assert late["show_alert"] is True
        assert await bot.log.knowledge_versions() == []
        assert snapshot(bot.knowledge) == before
        assert bot.live.current.version == version
        assert not bot.history.exists()


async def test_unknown_or_foreign_buttons_change_nothing(start_bot: BotStarter) -> None:
    """A made-up key is answered as expired; a non-admin's tap is refused; nothing changes."""
    async with start_bot() as bot:
        before = snapshot(bot.knowledge)
        diff = await bot.upload(ADMIN, "faq.yaml", changed_faq(bot.faq()).encode())
        apply, _ = callback_data(diff)
        made_up = await bot.tap_for_alert(ADMIN, diff, callback(APPLY, "0123456789ab"))
        assert made_up["text"].startswith("这次上传已经过期")
        foreign = await bot.tap_for_alert(STRANGER, diff, apply)
        assert foreign["text"] == ADMINS_ONLY_REPLY
        assert snapshot(bot.knowledge) == before
        # The admin's own button still works after both.
        applied = await bot.tap(ADMIN, diff, apply)
        assert applied["text"].startswith("已应用 faq.yaml")


async def test_only_the_uploader_can_apply_or_cancel(start_bot: BotStarter) -> None:
    """Another admin tapping Apply or Cancel is refused and changes nothing; the uploader's
    own tap still works and the change is credited to the uploader."""
    async with start_bot() as bot:
        before, version = snapshot(bot.knowledge), bot.live.current.version
        new_faq = changed_faq(bot.faq())
        diff = await bot.upload(ADMIN, "faq.yaml", new_faq.encode())
        apply, cancel = callback_data(diff)
        for data in (apply, cancel):
            refused = await bot.tap_for_alert(OTHER_ADMIN, diff, data)
            assert refused["text"] == (
                "This upload is Ada (9001)'s: only they can apply or cancel it. To change the "
                "knowledge, send the file yourself."
            )
            assert refused["show_alert"] is True
        assert snapshot(bot.knowledge) == before
        assert bot.live.current.version == version
        assert callback_data(diff) == [apply, cancel]  # left for the uploader
        assert bot.fake.sent_to(9002) == []

        applied = await bot.tap(ADMIN, diff, apply)
        assert applied["text"].startswith("已应用 faq.yaml")
        rows = await bot.log.knowledge_versions()
    assert bot.faq() == new_faq
    assert (rows[0].applied_by, rows[0].action) == ("Ada (9001)", "apply faq.yaml")


async def test_rollback_restores_and_history_lists_who_and_when(start_bot: BotStarter) -> None:
    """Two applies by two admins, two rollbacks; /history shows each version once, on its
    newest row (who and when), with how often it was live before."""
    async with start_bot() as bot:
        original, first = bot.faq(), bot.live.current.version
        faq_a = changed_faq(original)
        diff = await bot.upload(ADMIN, "faq.yaml", faq_a.encode())
        await bot.tap(ADMIN, diff, callback_data(diff)[0])
        second = bot.live.current.version
        faq_b = faq_a.replace("      zh: 你好！", "      zh: 您好！")
        diff = await bot.upload(OTHER_ADMIN, "faq.yaml", faq_b.encode())
        applied = await bot.tap(OTHER_ADMIN, diff, callback_data(diff)[0])
        third = bot.live.current.version
        assert applied["text"].startswith(f"Applied faq.yaml: version {third} is live")

        back = await bot.send(ADMIN, "/rollback")
        assert back["text"] == f"已回滚：版本 {second} 已上线（之前是 {third}）。"
        assert bot.faq() == faq_a
        assert (await bot.send(READER, PROJECTS))["text"].startswith(NEW_PROJECTS_ANSWER)
        back = await bot.send(ADMIN, "/rollback")
        assert back["text"] == f"已回滚：版本 {first} 已上线（之前是 {second}）。"
        assert bot.faq() == original
        assert bot.live.current.version == first
        assert (await bot.send(READER, PROJECTS))["text"].startswith(PROJECTS_ANSWER)
        nothing_left = await bot.send(ADMIN, "/rollback")
        assert nothing_left["text"] == (f"{REFUSED}原因：没有更早的版本可以回滚。")

        history = await bot.send(OTHER_ADMIN, "/history")
    lines = history["text"].splitlines()
    assert lines[0] == "Knowledge versions, newest first (times in UTC+8):"
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    # Each version once, on its newest row.
    expected = [
        rf"{first} \(live\) · {when} · Ada \(9001\) · rollback from {second} \(was {second}\)"
        r" \(also live 1 time before\)",
        rf"{second} · {when} · Ada \(9001\) · rollback from {third} \(was {third}\)"
        r" \(also live 1 time before\)",
        rf"{third} · {when} · Bo \(9002\) · apply faq.yaml \(was {second}\)",
    ]
    assert len(lines) == 1 + len(expected)
    for line, pattern in zip(lines[1:], expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)


async def test_edit_on_disk_then_rollback_returns_to_the_upload(start_bot: BotStarter) -> None:
    """Apply an upload, edit faq.yaml on the server, /rollback: the upload's version is back.
    /history shows the edit, and the audit table holds the same versions as the history."""
    async with start_bot() as bot:
        first = bot.live.current.version
        faq_a = changed_faq(bot.faq())
        diff = await bot.upload(ADMIN, "faq.yaml", faq_a.encode())
        await bot.tap(ADMIN, diff, callback_data(diff)[0])
        second = bot.live.current.version
        (bot.knowledge / "faq.yaml").write_text(
            faq_a.replace("      zh: 你好！", "      zh: 您好！"), encoding="utf-8"
        )
        back = await bot.send(ADMIN, "/rollback")
        history = await bot.send(OTHER_ADMIN, "/history")
        rows = await bot.log.knowledge_versions()
        edited = next(r.version for r in rows if r.action == "reload from disk")
        assert back["text"] == f"已回滚：版本 {second} 已上线（之前是 {edited}）。"
        assert bot.faq() == faq_a
        assert bot.live.current.version == second
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    expected = [
        rf"{second} \(live\) · {when} · Ada \(9001\) · rollback from {edited} \(was {edited}\)"
        r" \(also live 1 time before\)",
        rf"{edited} · {when} · server · reload from disk \(was {second}\)",
        rf"{first} · {when} · server · loaded at start",
    ]
    lines = history["text"].splitlines()[1:]
    assert len(lines) == len(expected)
    for line, pattern in zip(lines, expected, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    assert [(r.version, r.action) for r in rows] == [
        (second, f"rollback from {edited}"),
        (edited, "reload from disk"),
        (second, "apply faq.yaml"),
        (first, "loaded at start"),
    ]


async def test_files_edited_while_the_bot_was_down(
    start_bot: BotStarter, knowledge: Path, tmp_path: Path
) -> None:
    """Started on files edited while it was stopped: /history shows the live version as not
    yet recorded, and /rollback returns to the version recorded before the edit."""
    earlier = KnowledgeEditor(LiveEngine.load(knowledge), tmp_path / "history", max_bytes=10**6)
    faq_a = changed_faq((knowledge / "faq.yaml").read_text(encoding="utf-8"))
    recorded = earlier.apply(earlier.propose("faq.yaml", faq_a.encode()), "Ada (9001)").version
    (knowledge / "faq.yaml").write_text(faq_a.replace("zh: 你好！", "zh: 您好！"), "utf-8")
    async with start_bot() as bot:
        edited = bot.live.current.version
        history = await bot.send(OTHER_ADMIN, "/history")
        back = await bot.send(ADMIN, "/rollback")
        assert bot.faq() == faq_a
    lines = history["text"].splitlines()
    assert re.fullmatch(
        rf"{edited} \(live\) · [\d\- :]+ · loaded at start \(recorded with the next change\)",
        lines[1],
    )
    assert lines[2].startswith(f"{recorded} · ")
    assert back["text"] == f"已回滚：版本 {recorded} 已上线（之前是 {edited}）。"


async def test_full_history_disk_refuses_apply_in_plain_words(
    start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Apply with the history's disk full: the admin reads "disk full", nothing goes live, no
    temporary file is left; once there is room, the upload sent again applies."""
    async with start_bot() as bot:
        before, version = snapshot(bot.knowledge), bot.live.current.version
        new_faq = changed_faq(bot.faq())
        diff = await bot.upload(ADMIN, "faq.yaml", new_faq.encode())
        disk = FaultyDisk(monkeypatch, bot.history.parent)
        disk.arm(Fault(FULL, 1, bot.history.resolve()))
        refused = await bot.tap(ADMIN, diff, callback_data(diff)[0])
        answer = await bot.send(READER, PROJECTS)
        assert bot.live.current.version == version
        assert snapshot(bot.knowledge) == before
        assert not bot.history.exists()
        disk.disarm()
        again = await bot.upload(ADMIN, "faq.yaml", new_faq.encode())
        applied = await bot.tap(ADMIN, again, callback_data(again)[0])
    assert refused["text"] == f"{REFUSED}原因：磁盘已满（{bot.history}）。请腾出空间后再试。"
    assert answer["text"].startswith(PROJECTS_ANSWER)
    assert applied["text"].startswith("已应用 faq.yaml")
    assert bot.faq() == new_faq


# --- bad input: refused with a clear message, nothing changed ---------------------------------

ALIAS_BOMB = (
    b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
)
TEN_MB = b"# padding\n" * 1_000_000


def faq_edit(old: str, new: str) -> Callable[[str], bytes]:
    """An upload: the test FAQ with ``old`` replaced by ``new``."""

    def make(faq: str) -> bytes:
        assert old in faq
        return faq.replace(old, new, 1).encode()

    return make


@pytest.mark.parametrize(
    ("name", "content", "file_size", "expected", "downloaded"),
    [
        pytest.param(
            "faq.yaml",
            faq_edit("entries:\n", "entries:\n  - id: [broken\n"),
            -1,
            "faq.yaml:14: file: YAML syntax: did not find expected ',' or ']'",
            True,
            id="yaml-syntax-error",
        ),
        pytest.param(
            "faq.yaml",
            faq_edit("    topic: noodles\n", "    topic: [noodles]\n"),
            -1,
            "faq.yaml:14: noodle-revenue-target.topic: expected text, got a list",
            True,
            id="wrong-type",
        ),
        pytest.param(
            "faq.yaml",
            faq_edit("    topic: noodles\n", "    topic: noodles\n    colour: red\n"),
            -1,
            "faq.yaml:15: noodle-revenue-target.colour: unknown field",
            True,
            id="unknown-field",
        ),
        pytest.param(
            "faq.yaml",
            lambda _: ALIAS_BOMB,
            -1,
            "faq.yaml:1: file: anchors and aliases (& and *) are not allowed",
            True,
            id="alias-bomb",
        ),
        pytest.param(
            "faq.yaml",
            lambda _: b"\xff\xfe" + "入口".encode("utf-16-le"),
            -1,
            "faq.yaml 不是 UTF-8 文本（第 0 个字节）。",
            True,
            id="not-utf-8",
        ),
        pytest.param(
            "faq.yaml",
            lambda _: TEN_MB,
            -1,
            "faq.yaml 有 10,000,000 字节，上限是 1,000,000 字节。",
            False,
            id="10-mb-declared",
        ),
        pytest.param(
            "faq.yaml",
            lambda _: TEN_MB,
            1000,
            "faq.yaml 有 10,000,000 字节，上限是 1,000,000 字节。",
            False,
            id="10-mb-size-understated",
        ),
        pytest.param(
            "../x",
            lambda faq: faq.encode(),
            -1,
            "“../x”不是资料文件的名字。",
            False,
            id="path-like-name",
        ),
        pytest.param(
            "../faq.yaml",
            lambda faq: faq.encode(),
            -1,
            "“../faq.yaml”不是资料文件的名字。",
            False,
            id="path-to-a-knowledge-file",
        ),
        pytest.param(
            "sources.yaml",
            lambda faq: faq.encode(),
            -1,
            "只能上传 facts.yaml, faq.yaml, lexicon.yaml，不能上传“sources.yaml”。",
            False,
            id="not-an-editable-file",
        ),
        pytest.param(
            "report.pdf",
            lambda _: b"%PDF-1.4",
            -1,
            "“report.pdf”不是资料文件的名字。",
            False,
            id="not-a-knowledge-file",
        ),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_changes(
    start_bot: BotStarter,
    name: str,
    content: Callable[[str], bytes],
    file_size: int,
    expected: str,
    downloaded: bool,
) -> None:
    """Each bad upload gets the reason in words and no buttons; disk and version stay as is."""
    async with start_bot() as bot:
        before, version = snapshot(bot.knowledge), bot.live.current.version
        reply = await bot.upload(ADMIN, name, content(bot.faq()), file_size=file_size)
        assert bot.live.current.version == version
        assert (await bot.send(READER, PROJECTS))["text"].startswith(PROJECTS_ANSWER)
    assert reply["text"].startswith(REFUSED)
    assert expected in reply["text"]
    assert "reply_markup" not in reply
    assert snapshot(bot.knowledge) == before
    assert not bot.history.exists()
    assert bool(bot.fake.downloads) is downloaded
    if not downloaded and name != "faq.yaml":
        assert bot.fake.calls_to("getFile") == []  # the name alone was enough


async def test_upload_from_a_non_admin_is_refused_and_logged(
    start_bot: BotStarter, caplog: pytest.LogCaptureFixture
) -> None:
    """A stranger's faq.yaml is refused politely before any download; other files ask for text."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.admins")
    async with start_bot() as bot:
        before = snapshot(bot.knowledge)
        reply = await bot.upload(STRANGER, "faq.yaml", changed_faq(bot.faq()).encode())
        other = await bot.upload(STRANGER, "holiday.pdf", b"%PDF-1.4")
        command = await bot.send(STRANGER, "/rollback")
    assert reply["text"].startswith("只有管理员可以更新资料。")
    assert other["text"] == "我只能读文字。请把问题打出来发给我。"
    assert command["text"] == ADMINS_ONLY_REPLY
    assert bot.fake.calls_to("getFile") == []
    assert snapshot(bot.knowledge) == before
    refusals = [r.getMessage() for r in caplog.records if "not an admin" in r.getMessage()]
    assert len(refusals) == 2
    assert all("9100" not in line for line in refusals)  # the pseudonym, not the id


async def test_two_admins_applying_at_once(start_bot: BotStarter) -> None:
    """Two changes checked against one version, applied together: one lands, one is stale."""
    async with start_bot() as bot:
        faq = bot.faq()
        faq_a = changed_faq(faq)
        faq_b = faq.replace("      zh: 你好！", "      zh: 您好！")
        diff_a = await bot.upload(ADMIN, "faq.yaml", faq_a.encode())
        diff_b = await bot.upload(OTHER_ADMIN, "faq.yaml", faq_b.encode())
        sent_a, sent_b = len(bot.fake.sent_to(9001)), len(bot.fake.sent_to(9002))
        bot.fake.push_callback(ADMIN, diff_a, callback_data(diff_a)[0])
        bot.fake.push_callback(OTHER_ADMIN, diff_b, callback_data(diff_b)[0])
        outcome_a = await bot.next_message(ADMIN, sent_a)
        outcome_b = await bot.next_message(OTHER_ADMIN, sent_b)
        rows = await bot.log.knowledge_versions()
    outcomes = {outcome_a["text"][:4], outcome_b["text"][:4]}
    assert outcomes in ({"已应用 ", "Refu"}, {REFUSED[:4], "Appl"})
    stale = outcome_b if outcome_b["text"].startswith("Refused") else outcome_a
    stale_reason = (
        "the knowledge changed since this upload was checked"
        if stale is outcome_b
        else "检查之后资料已经变了；请重新上传。"
    )
    assert stale_reason in stale["text"]
    landed = faq_a if outcome_a["text"].startswith("已应用") else faq_b
    assert bot.faq() == landed
    assert [r.action for r in rows] == ["apply faq.yaml", "loaded at start"]


async def test_regression_gate_refuses_turning_a_right_answer_wrong(
    start_bot: BotStarter,
) -> None:
    """An upload that loses a figure a labelled question needs is refused with the list."""
    async with start_bot() as bot:
        before = snapshot(bot.knowledge)
        reply = await bot.upload(
            ADMIN,
            "faq.yaml",
            faq_edit("营收达到200亿元。", "营收翻番。")(bot.faq()),
        )
    assert reply["text"] == (
        f"{REFUSED}原因：1 个现在答对的标注问题会变成答错：\n"
        "重庆小面明年营收目标是多少 — 答案里没有 200亿元"
    )
    assert "<pre>" in reply["html"]
    assert snapshot(bot.knowledge) == before


async def test_identical_upload_needs_no_apply(start_bot: BotStarter) -> None:
    """The live file sent back unchanged is said to be identical, without buttons."""
    async with start_bot() as bot:
        reply = await bot.upload(ADMIN, "faq.yaml", bot.faq().encode())
        version = bot.live.current.version
    assert reply["text"] == f"faq.yaml 和正在使用的版本 {version} 完全一样，不需要应用。"
    assert "reply_markup" not in reply


# --- editing on the server --------------------------------------------------------------------


POLL_SECONDS = 0.02


async def wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Poll ``condition`` until it holds (a swap on disk sends nothing to wait on)."""
    for _ in range(int(within / POLL_SECONDS)):
        if condition():
            return
        await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError("the condition did not hold in time")


async def wait_for_rows(log: QuestionLog, count: int) -> list[Any]:
    """The audit table once it has ``count`` rows."""
    for _ in range(int(5 / POLL_SECONDS)):
        rows = await log.knowledge_versions()
        if len(rows) >= count:
            return rows
        await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError(f"the audit table has fewer than {count} rows")


async def test_edit_on_disk_is_swapped_in_without_a_restart(start_bot: BotStarter) -> None:
    """A valid edit of faq.yaml on the server is live within the watch interval."""
    async with start_bot(watch=0.1) as bot:
        old_version = bot.live.current.version
        (bot.knowledge / "faq.yaml").write_text(changed_faq(bot.faq()), encoding="utf-8")
        await wait_for(lambda: bot.live.current.version != old_version)
        answer = await bot.send(READER, PROJECTS)
        source = await bot.send(ADMIN, "/source")
        rows = await wait_for_rows(bot.log, 1)
    assert answer["text"].startswith(NEW_PROJECTS_ANSWER)
    assert f"资料版本：{bot.live.current.version}" in source["text"]
    assert (rows[0].applied_by, rows[0].action, rows[0].previous) == (
        "server",
        "reload from disk",
        old_version,
    )
    assert bot.fake.sent_to(9002) == []  # a good edit is not worth a message


async def test_broken_edit_on_disk_is_reported_once_and_answers_go_on(
    start_bot: BotStarter,
) -> None:
    """A broken facts.yaml on disk: each admin is told once, answers stay on the last good one."""
    async with start_bot(watch=0.05) as bot:
        # Admins have talked to the bot before (Bo, in English, as an admin).
        bot.fake.remember_chat(private_chat(ADMIN))
        await bot.send(OTHER_ADMIN, "/history")
        version = bot.live.current.version
        facts = (bot.knowledge / "facts.yaml").read_text(encoding="utf-8")
        (bot.knowledge / "facts.yaml").write_text(facts + "- id: [broken\n", encoding="utf-8")
        told_ada = await bot.next_message(ADMIN, 0)
        told_bo = await bot.next_message(OTHER_ADMIN, 1)
        await asyncio.sleep(0.5)  # ten more checks of the same broken file
        assert (len(bot.fake.sent_to(9001)), len(bot.fake.sent_to(9002))) == (1, 2)
        answer = await bot.send(READER, PROJECTS)
        assert bot.live.current.version == version

        (bot.knowledge / "facts.yaml").write_text(facts, encoding="utf-8")
        (bot.knowledge / "faq.yaml").write_text(changed_faq(bot.faq()), encoding="utf-8")
        fixed = await bot.next_message(OTHER_ADMIN, 2)
    assert told_ada["text"].startswith(
        f"磁盘上的资料有问题，没有采用；仍在用版本 {version} 回答。问题：\n"
        "facts.yaml:49: file: YAML syntax"
    )
    assert told_bo["text"].startswith("The knowledge on disk has problems")
    assert answer["text"].startswith(PROJECTS_ANSWER)
    assert (
        fixed["text"] == "The knowledge on disk is fixed: version "
        f"{bot.live.current.version} is live."
    )


async def test_broken_edit_put_back_as_it_was_is_live_again(start_bot: BotStarter) -> None:
    """A broken file on disk put back exactly as it was: the admins hear it is live again."""
    async with start_bot(watch=0.05) as bot:
        await bot.send(OTHER_ADMIN, "/history")  # Bo has written to the bot, in English
        version = bot.live.current.version
        facts = (bot.knowledge / "facts.yaml").read_text(encoding="utf-8")
        (bot.knowledge / "facts.yaml").write_text(facts + "- id: [broken\n", encoding="utf-8")
        await bot.next_message(OTHER_ADMIN, 1)
        (bot.knowledge / "facts.yaml").write_text(facts, encoding="utf-8")
        fixed = await bot.next_message(OTHER_ADMIN, 2)
        await asyncio.sleep(0.3)  # more looks at the same good files tell no one again
        assert len(bot.fake.sent_to(9002)) == 3
    assert fixed["text"] == f"The knowledge on disk is fixed: version {version} is live."
    assert bot.live.current.version == version


async def test_broken_edit_seen_by_reload_then_fixed_tells_the_other_admins(
    start_bot: BotStarter,
) -> None:
    """/reload shows the problems to the admin who asked; when /reload then takes the fixed
    files, the other admins are told the knowledge is live again."""
    async with start_bot() as bot:
        await bot.send(OTHER_ADMIN, "/history")
        facts = (bot.knowledge / "facts.yaml").read_text(encoding="utf-8")
        (bot.knowledge / "facts.yaml").write_text(facts + "- id: [broken\n", encoding="utf-8")
        refused = await bot.send(ADMIN, "/reload")
        (bot.knowledge / "facts.yaml").write_text(facts, encoding="utf-8")
        reloaded = await bot.send(ADMIN, "/reload")
        told_bo = await bot.next_message(OTHER_ADMIN, 1)
        version = bot.live.current.version
    assert refused["text"].startswith("磁盘上的资料有问题，没有采用")
    assert reloaded["text"] == f"磁盘上的资料没有变化，正在使用版本 {version}。"
    assert told_bo["text"] == f"The knowledge on disk is fixed: version {version} is live."


async def test_edit_on_disk_the_history_cannot_record_is_not_live(
    start_bot: BotStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid edit on the server while the history's disk is full stays off (the admins are
    told why); it goes live, recorded, once the disk has room."""
    async with start_bot(watch=0.05) as bot:
        bot.fake.remember_chat(private_chat(ADMIN))
        version = bot.live.current.version
        disk = FaultyDisk(monkeypatch, bot.history.parent)
        disk.arm(Fault(FULL, 1, bot.history.resolve()))
        (bot.knowledge / "faq.yaml").write_text(changed_faq(bot.faq()), encoding="utf-8")
        told = await bot.next_message(ADMIN, 0)
        answer = await bot.send(READER, PROJECTS)
        assert bot.live.current.version == version
        disk.disarm()
        fixed = await bot.next_message(ADMIN, 1)
        rows = await wait_for_rows(bot.log, 2)
    assert told["text"] == (
        "磁盘上的资料改动检查通过，但没能记入历史，所以没有采用；仍在用版本 "
        f"{version} 回答。原因：磁盘已满（{bot.history}）。请腾出空间后再试。"
    )
    assert answer["text"].startswith(PROJECTS_ANSWER)
    assert fixed["text"] == f"磁盘上的资料已经修好：版本 {bot.live.current.version} 已上线。"
    assert [(r.version, r.action) for r in rows] == [
        (bot.live.current.version, "reload from disk"),
        (version, "loaded at start"),
    ]


async def test_reload_command_forces_a_reload(start_bot: BotStarter) -> None:
    """/reload takes an edit at once, reports an unchanged folder, and shows problems."""
    async with start_bot() as bot:
        old_version = bot.live.current.version
        unchanged = await bot.send(ADMIN, "/reload")
        (bot.knowledge / "faq.yaml").write_text(changed_faq(bot.faq()), encoding="utf-8")
        reloaded = await bot.send(ADMIN, "/reload")
        new_version = bot.live.current.version
        (bot.knowledge / "faq.yaml").write_text("entries: [\n", encoding="utf-8")
        broken = await bot.send(OTHER_ADMIN, "/reload")
        answer = await bot.send(READER, PROJECTS)
    assert unchanged["text"] == f"磁盘上的资料没有变化，正在使用版本 {old_version}。"
    assert reloaded["text"] == f"已重新加载：版本 {new_version} 已上线（之前是 {old_version}）。"
    assert broken["text"].startswith(
        f"The knowledge on disk has problems and was not loaded; still answering from version "
        f"{new_version}. Problems:\nfaq.yaml:2: file: YAML syntax"
    )
    assert answer["text"].startswith(NEW_PROJECTS_ANSWER)


# --- learning from the log ----------------------------------------------------------------------

UNANSWERED_NOODLES = "小面那边今年能挣几个钱"
UNANSWERED_PROJECTS = "大渡口重点工程几处完工"


async def test_unanswered_groups_add_as_phrasing_and_dismiss(start_bot: BotStarter) -> None:
    """/unanswered offers "add as a phrasing" and "dismiss"; both stick and change what follows."""
    async with start_bot() as bot:
        for question in [UNANSWERED_NOODLES] * 3 + [UNANSWERED_PROJECTS] * 2:
            reply = await bot.send(READER, question)
            # Declined: as not in the article, or as not understood (both are "unanswered").
            assert reply["text"].startswith(("这篇报道没有提到这一点", "我不太确定"))
        listing = await bot.send(ADMIN, "/unanswered")
        assert listing["text"].splitlines() == [
            "没能回答的问题（最近 30 天，相似的合并为一组）：",
            f"1. 3 次：{UNANSWERED_NOODLES}",
            "   最接近的条目：noodle-revenue-target（重庆小面今年营收目标是多少）",
            f"2. 2 次：{UNANSWERED_PROJECTS}",
        ]
        rows = listing["reply_markup"]["inline_keyboard"]
        assert [[b["text"] for b in row] for row in rows] == [
            ["1. ➕ 加为“重庆小面今年营收目标是多少”的问法", "1. 忽略"],
            ["2. 忽略"],
        ]
        add, _, dismiss = callback_data(listing)
        assert parse_knowledge_callback(add) == (ADD_PHRASING, add.split(":")[2])
        old_version = bot.live.current.version

        added = await bot.tap(ADMIN, listing, add)
        new_version = bot.live.current.version
        assert added["text"] == (
            f"已把“{UNANSWERED_NOODLES}”加为条目 noodle-revenue-target 的问法：版本 "
            f"{new_version} 已上线（之前是 {old_version}）。"
        )
        assert callback_data(listing) == [dismiss]  # that group's buttons are gone
        assert UNANSWERED_NOODLES in bot.faq()
        answer = await bot.send(READER, UNANSWERED_NOODLES)
        assert answer["text"].startswith("大渡口力促今年重庆小面产业营收达到50亿元以上。")

        listing = await bot.send(ADMIN, "/unanswered")
        assert [line for line in listing["text"].splitlines() if line[0].isdigit()] == [
            f"1. 2 次：{UNANSWERED_PROJECTS}"
        ]
        (dismiss,) = callback_data(listing)
        assert parse_knowledge_callback(dismiss) == (DISMISS, dismiss.split(":")[2])
        dismissed = await bot.tap(ADMIN, listing, dismiss)
        assert (
            dismissed["text"]
            == f"已忽略：“{UNANSWERED_PROJECTS}”这一组不再出现在 /unanswered 里。"
        )
        assert "reply_markup" not in listing or callback_data(listing) == []
        empty = await bot.send(ADMIN, "/unanswered 10 all")
        assert empty["text"] == "没有没能回答的问题（全部记录）。"

        versions = await bot.log.knowledge_versions()
        handled = await bot.log.dismissed_questions()
    assert [(v.action, v.applied_by) for v in versions] == [
        ("add phrasing to noodle-revenue-target", "Ada (9001)"),
        ("loaded at start", "server"),
    ]
    assert sorted((d.text, d.resolution) for d in handled) == [
        (UNANSWERED_PROJECTS, "dismissed"),
        (UNANSWERED_NOODLES, "phrasing of noodle-revenue-target"),
    ]


async def test_unanswered_usage_and_strangers(start_bot: BotStarter) -> None:
    """Bad arguments get the usage; a non-admin gets the admins-only reply."""
    async with start_bot() as bot:
        usage = await bot.send(OTHER_ADMIN, "/unanswered -1")
        stranger = await bot.send(STRANGER, "/unanswered")
    assert usage["text"].startswith("Usage: /unanswered [n] [days]")
    assert stranger["text"] == ADMINS_ONLY_REPLY


# --- the plain parts --------------------------------------------------------------------------


def test_callback_data_is_this_modules_own_and_fits() -> None:
    """The knowledge buttons' prefix is none of keyboards.py's actions; data fits 64 bytes."""
    assert CALLBACK_PREFIX not in {action.value for action in Action}
    for verb in (APPLY, CANCEL, ADD_PHRASING, DISMISS):
        data = callback(verb, Expiring[int](60).put(1))
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert parse_knowledge_callback(data) == (verb, data.split(":")[2])
    for foreign in ("a:s:key-projects", "k:x:abc", "k:a:", "k:a:b:c", None, ""):
        assert parse_knowledge_callback(foreign) is None


def test_expiring_values_are_taken_once_and_expire() -> None:
    """A key works once; after the time-to-live it is gone; the oldest go first when full."""
    now = [0.0]
    kept: Expiring[str] = Expiring(10, limit=2, clock=lambda: now[0])
    first = kept.put("one")
    assert kept.take(first) == "one"
    assert kept.take(first) is None
    second = kept.put("two")
    now[0] = 10.0
    assert kept.take(second) is None
    a, b, c = kept.put("a"), kept.put("b"), kept.put("c")
    assert (kept.take(a), kept.take(b), kept.take(c)) == (None, "b", "c")


def test_long_problem_lists_are_escaped_and_cut_to_fit_a_message() -> None:
    """Thousands of problems still make one valid Telegram message, saying how many were cut."""
    problems = [f"faq.yaml:{n}: entries[{n}].answer: <b>bad</b> & worse" for n in range(2000)]
    html = problems_html("Refused; nothing was changed.", problems, Language.ENGLISH)
    text = check_html(html)  # Telegram's own parse: balanced, known tags only
    assert telegram_length(text) <= 4096
    assert "&lt;b&gt;bad&lt;/b&gt; &amp; worse" in html
    assert text.splitlines()[-1].startswith("… and ")


def test_huge_diffs_fit_a_message() -> None:
    """A diff touching every entry is cut to one message, ending with the question."""
    diff = Diff(
        added=tuple(f"entry new-{n}" for n in range(3000)),
        fields=(FieldChange("x", "value", "1亿元", "2亿元"),),
    )
    proposal = Proposal("faq.yaml", b"", "aaaaaaaaaaaa", "bbbbbbbbbbbb", diff, engine=None)  # type: ignore[arg-type]
    text = check_html(diff_html(proposal, Language.ENGLISH))
    assert telegram_length(text) <= 4096
    assert text.endswith("Apply or cancel?")
    assert "… and " in text
