"""The admins' question-log commands against the fake Bot API over loopback: /stats (words and
a PNG chart), /top, /export (a CSV document), refusal of everyone else, argument checking.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.questionlog.analytics import CSV_COLUMNS
from bot.questionlog.pseudonyms import hash_user
from bot.questionlog.report import ADMINS_ONLY_REPLY
from tests.telegram.conftest import TEST_SALT, BotFactory, group_chat, person, private_chat
from tests.telegram.fake_bot_api import BotApiError, FakeBotApi, Fault

Json = dict[str, Any]
ADMIN_ID = 8123456701
ADMIN = person(ADMIN_ID, "en", name="Admin")
ADMIN_CHAT = private_chat(ADMIN)
STRANGER_ID = 8123456702
STRANGER = person(STRANGER_ID)
STRANGER_CHAT = private_chat(STRANGER)
ASKER = person(8123456703)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot sent: how, where, and its bytes as uploaded."""

    method: str
    chat_id: int
    file_name: str
    content: bytes
    caption: str | None


class FakeBotApiWithUploads(FakeBotApi):
    """The fake Bot API plus ``sendPhoto``, keeping the bytes of every photo and document."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.uploads: list[Upload] = []
        self._photo_ids = itertools.count(1)

    def _methods(self) -> Any:
        return {
            **super()._methods(),
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document_keeping_bytes,
        }

    def _keep(self, method: str, params: Json, field: str) -> None:
        upload = params.get(field)
        if not isinstance(upload, dict):
            raise BotApiError(400, f"Bad Request: there is no {field} in the request")
        caption = params.get("caption")
        self.uploads.append(
            Upload(
                method,
                int(params["chat_id"]),
                upload["file_name"],
                upload["content"],
                None if caption is None else str(caption),
            )
        )

    async def _send_document_keeping_bytes(self, params: Json) -> Json:
        self._keep("sendDocument", params, "document")
        return await self._send_document(params)

    async def _send_photo(self, params: Json) -> Json:
        chat = self._chat(params)
        self._keep("sendPhoto", params, "photo")
        number = next(self._photo_ids)
        message: Json = {
            "message_id": next(self._counter(int(chat["id"]))),
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "photo": [
                {"file_id": f"photo{number}", "file_unique_id": f"uphoto{number}"}
                | {"width": 900, "height": 700, "file_size": len(self.uploads[-1].content)}
            ],
        }
        if "caption" in params:
            message["caption"] = params["caption"]
        self.sent.append(message)
        return message

    def uploads_to(self, chat_id: int) -> list[Upload]:
        """Files sent to ``chat_id`` so far."""
        return [u for u in self.uploads if u.chat_id == chat_id]


@pytest.fixture
async def fake_api(token: str) -> AsyncIterator[FakeBotApiWithUploads]:
    """The fake Bot API with sendPhoto (this module's bots send charts)."""
    server = FakeBotApiWithUploads(token)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def admin_bot(bot_on_fake: BotFactory) -> Any:
    """The bot with ADMIN as its only admin."""
    return bot_on_fake(admins=(ADMIN_ID,))


async def ask_questions(fake_api: FakeBotApi, questions: list[str]) -> None:
    """ASKER asks ``questions`` in a private chat; returns once all are answered."""
    for question in questions:
        fake_api.push_message(ASKER, private_chat(ASKER), question)
    await fake_api.wait_sent(ASKER["id"], len(questions))


@pytest.mark.parametrize("command", ["/stats", "/top 5", "/export"])
async def test_non_admin_is_refused_and_the_attempt_logged(
    fake_api: FakeBotApiWithUploads,
    bot_on_fake: BotFactory,
    caplog: pytest.LogCaptureFixture,
    command: str,
) -> None:
    """Anyone not in admins gets the admins-only reply, no data; a WARNING names the pseudonym."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.admins")
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, ["五大产业是什么"])
        fake_api.push_message(STRANGER, STRANGER_CHAT, command)
        (reply,) = await fake_api.wait_sent(STRANGER_ID)
        await fake_api.wait_fetched()
    assert reply["text"] == ADMINS_ONLY_REPLY
    assert fake_api.uploads == []
    (warning,) = [r for r in caplog.records if r.name == "bot.telegram.admins"]
    assert warning.levelno == logging.WARNING
    name = command.split()[0]
    assert warning.getMessage() == (
        f"refused {name} to user {hash_user(STRANGER_ID, TEST_SALT)}: not an admin"
    )
    assert str(STRANGER_ID) not in warning.getMessage()


async def test_admin_stats_sends_the_summary_and_a_png_chart(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """/stats answers an admin with the totals in words, then the chart as a PNG photo."""
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, ["五大产业是什么", "小面营收目标", "沙坪坝的GDP是多少"])
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/stats")
        summary, photo = await fake_api.wait_sent(ADMIN_ID, 2, within=15)
    assert summary["text"].startswith("Questions, last 30 days: 3 from 1 user\n")
    assert "<pre>answered" in summary["html"]
    assert "Chats: private 3 (100.0%)" in summary["text"]
    assert "photo" in photo
    (chart,) = fake_api.uploads_to(ADMIN_ID)
    assert chart.method == "sendPhoto"
    assert chart.content.startswith(PNG_SIGNATURE)
    assert chart.caption == (
        "Questions (last 30 days): per day by outcome, and the entries asked most."
    )


async def test_admin_stats_of_a_quiet_period_sends_no_chart(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """/stats over a period without questions says so, and sends no empty chart."""
    async with admin_bot(bot_on_fake):
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/stats 7")
        (reply,) = await fake_api.wait_sent(ADMIN_ID)
        await fake_api.wait_fetched()
    assert reply["text"] == "No questions asked (last 7 days)."
    assert fake_api.uploads == []


async def test_admin_top_lists_entries_with_their_counts(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """/top ranks answered entries by questions; /top 1 all keeps only the first."""
    async with admin_bot(bot_on_fake):
        await ask_questions(
            fake_api, ["五大产业是什么", "大渡口有多少个市区级重点项目", "五大产业是什么"]
        )
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/top")
        await fake_api.wait_sent(ADMIN_ID)
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/top 1 all")
        top, top_one = await fake_api.wait_sent(ADMIN_ID, 2)
    assert top["text"].splitlines() == [
        "Most asked entries, last 30 days",
        " 1. five-industries 2  👍 0 👎 0",
        " 2. key-projects    1  👍 0 👎 0",
    ]
    assert top_one["text"].splitlines() == [
        "Most asked entries, all time",
        " 1. five-industries 2  👍 0 👎 0",
    ]


async def test_admin_export_sends_the_questions_as_csv_with_a_bom(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """/export sends a CSV document: UTF-8 with a BOM, a header, one row per question."""
    questions = ["五大产业是什么", "=1+1 小面营收目标", "How many key projects"]
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, questions)
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/export 7")
        (message,) = await fake_api.wait_sent(ADMIN_ID, within=15)
    (document,) = fake_api.uploads_to(ADMIN_ID)
    assert document.method == "sendDocument"
    assert message["document"]["file_name"] == document.file_name
    assert re.fullmatch(r"questions-\d{4}-\d{2}-\d{2}-last-7-days\.csv", document.file_name)
    assert document.content.startswith(UTF8_BOM)
    assert document.caption is not None
    assert document.caption.startswith("The question log (last 7 days) as CSV")
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    # A cell a spreadsheet would run as a formula is defused with an apostrophe.
    assert sorted(r["text"] for r in rows) == sorted(
        ["五大产业是什么", "'=1+1 小面营收目标", "How many key projects"]
    )
    assert {r["user_hash"] for r in rows} == {hash_user(ASKER["id"], TEST_SALT)}
    assert str(ASKER["id"]).encode() not in document.content


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("/stats abc", "Usage: /stats [days]"),
        ("/stats 0", "Usage: /stats [days]"),
        ("/stats 7 30", "Usage: /stats [days]"),
        ("/stats 3651", "Usage: /stats [days]"),
        ("/top x", "Usage: /top [n] [days]"),
        ("/top 51", "Usage: /top [n] [days]"),
        ("/top 5 7 9", "Usage: /top [n] [days]"),
        ("/top 5 -7", "Usage: /top [n] [days]"),
        ("/export -3", "Usage: /export [days]"),
        ("/export 1.5", "Usage: /export [days]"),
        ("/export 99999999999999999999", "Usage: /export [days]"),
    ],
)
async def test_bad_arguments_get_the_usage(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory, command: str, usage: str
) -> None:
    """An argument that is not a number in range (or one too many) gets the command's usage."""
    async with admin_bot(bot_on_fake):
        fake_api.push_message(ADMIN, ADMIN_CHAT, command)
        (reply,) = await fake_api.wait_sent(ADMIN_ID)
        await fake_api.wait_fetched()
    assert reply["text"].startswith(usage)
    assert len(fake_api.sent_to(ADMIN_ID)) == 1
    assert fake_api.uploads == []


async def test_usage_is_in_the_admins_language(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """A Chinese-speaking admin gets the usage in Chinese."""
    admin = person(ADMIN_ID, "zh-hans")
    async with admin_bot(bot_on_fake):
        fake_api.push_message(admin, private_chat(admin), "/top 二")
        (reply,) = await fake_api.wait_sent(ADMIN_ID)
    assert reply["text"].startswith("用法：/top [条数] [天数]。")


async def test_admin_commands_in_a_group_reveal_nothing(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """In a group even an admin's /stats, /top and /export send no figures and no files."""
    group = group_chat()
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, ["五大产业是什么"])
        for command in ("/stats", "/top", "/export", "/stats@dadukou_test_bot"):
            fake_api.push_message(ADMIN, group, command)
        await fake_api.wait_fetched()
    assert fake_api.uploads == []
    assert not any("five-industries" in m.get("text", "") for m in fake_api.sent_to(group["id"]))
    assert not any("Questions" in m.get("text", "") for m in fake_api.sent_to(group["id"]))


async def test_a_file_telegram_refuses_is_explained_in_one_line(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The chart or the export refused by the Bot API: the admin reads why, and it is logged."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.admin_stats")
    refusal = "File is too big"  # as PTB words "Bad Request: file is too big"
    fake_api.inject("sendPhoto", Fault.refused(400, "Bad Request: file is too big"))
    fake_api.inject("sendDocument", Fault.refused(400, "Bad Request: file is too big"))
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, ["五大产业是什么"])
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/stats")
        _summary, chart_failed = await fake_api.wait_sent(ADMIN_ID, 2, within=15)
        fake_api.push_message(ADMIN, ADMIN_CHAT, "/export")
        (export_failed,) = (await fake_api.wait_sent(ADMIN_ID, 3, within=15))[2:]
    assert chart_failed["text"] == (
        f"The chart could not be sent (Telegram said: {refusal}); the figures above stand. "
        "Try again in a moment."
    )
    assert export_failed["text"] == (
        f"The export could not be sent (Telegram said: {refusal}). Try again in a moment, or "
        "choose fewer days."
    )
    assert fake_api.uploads == []
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.admin_stats"]
    assert len(logged) == 2
    assert all(refusal in line for line in logged)


async def test_stats_top_and_unhelpful_in_chinese_for_a_chinese_admin(
    fake_api: FakeBotApiWithUploads, bot_on_fake: BotFactory
) -> None:
    """An admin whose Telegram is Chinese reads /stats (words and caption), /top and
    /unhelpful in Chinese; the figures are the same as in English."""
    admin = person(ADMIN_ID, "zh-hans")
    chat = private_chat(admin)
    async with admin_bot(bot_on_fake):
        await ask_questions(fake_api, ["五大产业是什么", "五大产业是什么", "沙坪坝的GDP是多少"])
        fake_api.push_message(admin, chat, "/stats")
        summary, _photo = await fake_api.wait_sent(ADMIN_ID, 2, within=15)
        fake_api.push_message(admin, chat, "/top 5 7")
        fake_api.push_message(admin, chat, "/unhelpful")
        top, unhelpful = sorted(
            (await fake_api.wait_sent(ADMIN_ID, 4))[2:], key=lambda m: "👎 的回答" in m["text"]
        )
    lines = summary["text"].splitlines()
    assert lines[0] == "问题（最近 30 天）：3 个，来自 1 位用户"
    assert re.fullmatch(r"已回答 +2 +66\.7%", lines[1])
    assert "聊天：私聊 3 (100.0%)" in summary["text"]
    assert "投票：还没有（答案下面的 👍/👎）" in summary["text"]
    (chart,) = fake_api.uploads_to(ADMIN_ID)
    assert chart.caption == "问题统计（最近 30 天）：每天的问题数（按结果分）和最常问的条目。"
    assert top["text"].splitlines() == [
        "最常问的条目（最近 7 天）",
        " 1. five-industries 2  👍 0 👎 0",
    ]
    assert unhelpful["text"] == "没有被点 👎 的回答（最近 30 天）。"
