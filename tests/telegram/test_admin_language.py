"""The knowledge admin's messages in the admin's language (Chinese by default, English for an
English Telegram), the upload review per entry, and /unanswered offering only what the
regression gate lets through; over the fake Bot API, with test_knowledge_admin's harness."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.answers import Language
from bot.telegram.language import admin_language

# The fixtures knowledge and start_bot are used by name.
from tests.telegram.test_knowledge_admin import (  # noqa: F401
    ADMIN,
    OTHER_ADMIN,
    PROJECTS_ANSWER,
    QUESTIONS,
    READER,
    BotStarter,
    callback_data,
    knowledge,
    start_bot,
)

Json = dict[str, Any]
NOODLES = "小面那边今年能挣几个钱"  # declined; nearest entry noodle-revenue-target
PROJECTS = "重点项目开了几个工"  # declined; nearest entry key-projects
# A labelled question that must stay unanswered: adding NOODLES as a phrasing would answer it.
NOODLES_STAYS_UNANSWERED = f"""\
- q: {NOODLES}
  category: hard_negative
  split: tune
  expect: no_answer
"""
# In the admin's language, what each step says (Ada writes in Chinese, Bo in English).
WORDS = {
    "zh": {
        "refused": "没有采用，资料没有任何改动。原因：",
        "no_earlier": "没有更早的版本可以回滚。",
        "bad_name": "“notes.txt”不是资料文件的名字。",
        "entry": "  • 条目 key-projects：中文答案 {old} → {new}；新增问法 2 条",
        "cancelled": "已取消，资料没有改动。",
        "history": "资料版本，最新的在前（时间为北京时间）：",
        "loaded": " · 服务器 · 启动时加载",
        "unchanged": "磁盘上的资料没有变化，正在使用版本 {version}。",
        "not_offered": "   （加为它的问法通不过回归检查，所以没有 ➕ 按钮）",
        "dismiss": "{rank}. 忽略",
        "add": "2. ➕ 加为“大渡口有多少个市区级重点项目”的问法",
        "already": "“{phrasing}”已经是 noodle-revenue-target 的问法了。",
        "withdrawn": "这个列表的 ➕ 按钮都已撤下；请重新发 /unanswered。",
    },
    "en": {
        "refused": "Refused; nothing was changed. Reason: ",
        "no_earlier": "there is no earlier version to roll back to",
        "bad_name": "“notes.txt” is not a knowledge file name",
        "entry": "  • entry key-projects: answer (zh) {old} → {new}; 2 phrasings added",
        "cancelled": "Cancelled; nothing was changed.",
        "history": "Knowledge versions, newest first (times in UTC+8):",
        "loaded": " · server · loaded at start",
        "unchanged": "The knowledge on disk is unchanged; version {version} is live.",
        "not_offered": "   (as its phrasing it would fail the regression gate, so there is no ➕)",
        "dismiss": "{rank}. Dismiss",
        "add": "2. ➕ phrasing of “How many key projects…",
        "already": "“{phrasing}” is already a phrasing of noodle-revenue-target",
        "withdrawn": "This list's ➕ buttons are withdrawn; send /unanswered again.",
    },
}
BOTH = pytest.mark.parametrize(
    ("admin", "words"), [(ADMIN, WORDS["zh"]), (OTHER_ADMIN, WORDS["en"])], ids=["zh", "en"]
)


def test_admins_read_chinese_unless_their_telegram_is_english() -> None:
    """An admin's language: English for en*, traditional for zh-Hant, else simplified."""
    assert admin_language("en") is admin_language("en-GB") is Language.ENGLISH
    assert admin_language("zh-hant") is admin_language("zh-TW") is Language.TRADITIONAL
    assert admin_language("fr") is admin_language(None) is Language.SIMPLIFIED
    assert admin_language("zh-hans") is Language.SIMPLIFIED


@BOTH
async def test_knowledge_commands_answer_in_the_admins_language(
    start_bot: BotStarter,  # noqa: F811 (the fixture)
    admin: Json,
    words: dict[str, str],
) -> None:
    """/rollback's refusal, a refused upload, the review of a good one (per entry), Cancel,
    /history and /reload, each in the language of the admin who asked."""
    async with start_bot() as bot:
        version = bot.live.current.version
        nothing = await bot.send(admin, "/rollback")
        bad = await bot.upload(admin, "notes.txt", b"hello")
        new_answer = "大渡口共有80个市区级重点项目。"
        faq = bot.faq().replace(PROJECTS_ANSWER, new_answer)
        faq = faq.replace("重点项目有多少个]", "重点项目有多少个, 重点项目几个, 有几个重点项目]")
        review = await bot.upload(admin, "faq.yaml", faq.encode())
        cancelled = await bot.tap(admin, review, callback_data(review)[1])
        reloaded = await bot.send(admin, "/reload")
        # /reload recorded nothing (unchanged); an apply records the version loaded at start.
        again = await bot.upload(admin, "faq.yaml", faq.encode())
        await bot.tap(admin, again, callback_data(again)[0])
        history = await bot.send(admin, "/history")
    assert nothing["text"] == words["refused"] + words["no_earlier"]
    assert bad["text"] == words["refused"] + words["bad_name"]
    assert words["entry"].format(old=PROJECTS_ANSWER, new=new_answer) in review["text"]
    assert cancelled["text"] == words["cancelled"]
    assert reloaded["text"] == words["unchanged"].format(version=version)
    lines = history["text"].splitlines()
    assert lines[0] == words["history"]
    assert lines[-1].startswith(version)
    assert lines[-1].endswith(words["loaded"])


async def ask(bot: Any, questions: list[str]) -> None:
    """READER asks each of ``questions`` (each declined)."""
    for question in questions:
        reply = await bot.send(READER, question)
        assert reply["text"].startswith(("这篇报道没有提到这一点", "我不太确定"))


@BOTH
async def test_unanswered_withholds_a_phrasing_the_gate_would_refuse(
    start_bot: BotStarter,  # noqa: F811 (the fixture)
    admin: Json,
    words: dict[str, str],
) -> None:
    """A group whose phrasing would turn a labelled question wrong gets no ➕ (only Dismiss)
    and says why; the other group keeps its ➕."""
    async with start_bot() as bot:
        (bot.knowledge / "questions.yaml").write_text(
            QUESTIONS + NOODLES_STAYS_UNANSWERED, encoding="utf-8"
        )
        await ask(bot, [NOODLES, NOODLES, PROJECTS])
        listing = await bot.send(admin, "/unanswered")
    lines = listing["text"].splitlines()
    assert lines[3] == words["not_offered"]
    assert lines[4].startswith("2. ")
    assert lines[4].endswith(PROJECTS)
    assert words["not_offered"] not in lines[5:]
    rows = listing["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        [words["dismiss"].format(rank=1)],
        [words["add"], words["dismiss"].format(rank=2)],
    ]


@BOTH
async def test_a_refused_offer_withdraws_the_others_and_is_said_once(
    start_bot: BotStarter,  # noqa: F811 (the fixture)
    admin: Json,
    words: dict[str, str],
) -> None:
    """The knowledge changed after the list was made (the phrasing is in it now): the tapped
    ➕ is refused in one message, and every other ➕ of the list goes; Dismiss stays."""
    async with start_bot() as bot:
        await ask(bot, [NOODLES, NOODLES, PROJECTS])
        listing = await bot.send(admin, "/unanswered")
        add_noodles, _, add_projects, dismiss_projects = callback_data(listing)
        phrasings = "zh: [重庆小面今年营收目标是多少, 小面产业今年要做到多少营收"
        edited = bot.faq().replace(phrasings, f"{phrasings}, {NOODLES}")
        assert NOODLES in edited
        (bot.knowledge / "faq.yaml").write_text(edited, encoding="utf-8")
        await bot.send(admin, "/reload")
        sent = len(bot.fake.sent_to(int(admin["id"])))
        refused = await bot.tap(admin, listing, add_noodles)
        assert callback_data(listing) == [dismiss_projects]
        assert add_projects not in callback_data(listing)
        assert len(bot.fake.sent_to(int(admin["id"]))) == sent + 1
    assert refused["text"] == (
        words["refused"] + words["already"].format(phrasing=NOODLES) + "\n" + words["withdrawn"]
    )
