"""The Telegram layer's plain parts: flood control, callback data, languages, log lines,
secret redaction, config.example.yaml, and the fake server's own checks."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from telegram import Update
from telegram.error import RetryAfter

from bot.app import QUIET_LOGGERS, build_telegram
from bot.config import Settings, load_settings
from bot.engine.answers import Language
from bot.engine.knowledge import load_knowledge
from bot.engine.pipeline import Engine
from bot.engine.render import (
    CALLBACK_ANSWER_LIMIT,
    cut_text,
    replace_lone_surrogates,
    split_html,
    telegram_length,
)
from bot.redaction import REDACTED, SecretRedactor
from bot.telegram.errors import describe_update
from bot.telegram.flood import Admission, QuestionLimiter
from bot.telegram.keyboards import (
    MAX_CALLBACK_BYTES,
    Action,
    Callback,
    answer_callback,
    label,
    parse_callback,
    resolve,
    topic_callback,
)
from bot.telegram.language import user_language
from bot.telegram.ratelimit import PatientRateLimiter
from tests.telegram.fake_bot_api import BotApiError, check_html, text_entities

REPO = Path(__file__).resolve().parents[2]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_up_to_the_limit_then_notifies_once() -> None:
    """Within a minute: N questions pass, the next is NOTIFY, later ones REFUSED."""
    clock = Clock()
    limiter = QuestionLimiter(3, clock=clock)
    verdicts = [limiter.admit(1) for _ in range(6)]
    assert verdicts == [Admission.ALLOWED] * 3 + [Admission.NOTIFY] + [Admission.REFUSED] * 2
    assert limiter.admit(2) is Admission.ALLOWED


def test_limiter_window_slides() -> None:
    """Questions older than the window no longer count; a new notice is possible later."""
    clock = Clock()
    limiter = QuestionLimiter(2, clock=clock)
    assert [limiter.admit(1) for _ in range(3)][-1] is Admission.NOTIFY
    clock.now += 30
    assert limiter.admit(1) is Admission.REFUSED
    clock.now += 30.5
    assert limiter.admit(1) is Admission.ALLOWED
    assert limiter.admit(1) is Admission.ALLOWED
    assert limiter.admit(1) is Admission.NOTIFY


def test_limiter_zero_means_unlimited() -> None:
    """A limit of 0 lets everything through."""
    limiter = QuestionLimiter(0)
    assert all(limiter.admit(1) is Admission.ALLOWED for _ in range(1000))


def test_limiter_forgets_idle_users() -> None:
    """Users idle for a whole window are pruned, so memory follows active users only."""
    clock = Clock()
    limiter = QuestionLimiter(5, clock=clock)
    for user in range(3000):
        limiter.admit(user)
    clock.now += 61
    for _ in range(1024):
        limiter.admit(-1)
    assert limiter.tracked_users() == 1


def test_callback_data_round_trips() -> None:
    """Every callback the keyboards write decodes to what it stands for."""
    for callback in (
        answer_callback("noodle-revenue-target", Language.TRADITIONAL),
        topic_callback("noodles", Language.ENGLISH),
        Callback(Action.TOPICS, Language.SIMPLIFIED),
    ):
        assert parse_callback(callback.encode()) == callback


def test_long_ids_are_hashed_into_64_bytes_and_resolved() -> None:
    """An id too long for callback data travels as a hash and resolves to itself."""
    long_id = "a-very-long-entry-id-" * 5
    callback = answer_callback(long_id, Language.SIMPLIFIED)
    data = callback.encode()
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert callback.action is Action.ANSWER_HASHED
    decoded = parse_callback(data)
    assert decoded is not None
    assert resolve(decoded, ["other", long_id]) == long_id
    assert resolve(decoded, ["other"]) is None


def test_every_button_of_the_shipped_knowledge_round_trips() -> None:
    """Each entry and topic of knowledge/ survives callback data: fits, decodes, resolves."""
    knowledge = load_knowledge(REPO / "knowledge")
    for language in Language:
        for idents, make in (
            (knowledge.entries, answer_callback),
            (knowledge.topics, topic_callback),
        ):
            for ident in idents:
                data = make(ident, language).encode()
                assert 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES
                decoded = parse_callback(data)
                assert decoded is not None
                assert decoded.language is language
                assert resolve(decoded, idents) == ident


@pytest.mark.parametrize("data", [None, "", "a:s", "z:s:x", "a:q:x", "a:s:", "t:e:"])
def test_foreign_callback_data_is_rejected(data: str | None) -> None:
    """Callback data this bot did not write decodes to None."""
    assert parse_callback(data) is None


def test_labels_are_one_line_and_cut() -> None:
    """Button labels collapse whitespace and end in … when cut."""
    assert label("重庆小面\n今年  营收") == "重庆小面 今年 营收"
    cut = label("x" * 100)
    assert len(cut) == 40
    assert cut.endswith("…")


@pytest.mark.parametrize(
    ("code", "language"),
    [
        (None, Language.SIMPLIFIED),
        ("", Language.SIMPLIFIED),
        ("zh", Language.SIMPLIFIED),
        ("zh-hans", Language.SIMPLIFIED),
        ("zh-CN", Language.SIMPLIFIED),
        ("zh-hant", Language.TRADITIONAL),
        ("zh-TW", Language.TRADITIONAL),
        ("zh_HK", Language.TRADITIONAL),
        ("en", Language.ENGLISH),
        ("en-US", Language.ENGLISH),
        ("de", Language.ENGLISH),
    ],
)
def test_user_language_from_telegram_code(code: str | None, language: Language) -> None:
    """Telegram's language_code picks the greeting language; Chinese when there is none."""
    assert user_language(code) is language


def test_describe_update_names_what_failed() -> None:
    """The log line of an update has its id, kind, chat, user and text."""
    update = Update.de_json(
        {
            "update_id": 77,
            "message": {
                "message_id": 5,
                "date": 1_700_000_000,
                "chat": {"id": -100, "type": "supergroup", "title": "g"},
                "from": {"id": 42, "is_bot": False, "first_name": "A"},
                "text": "小面" * 80,
            },
        },
        None,
    )
    line = describe_update(update)
    assert line.startswith("update 77 (message), chat -100 (supergroup), user 42, text '小面")
    assert len(line) < 200
    assert describe_update(None) == "no update (NoneType)"


def test_redactor_hides_secrets_in_messages_arguments_and_tracebacks() -> None:
    """A secret in a format argument or an exception never reaches the formatted output."""
    redactor = SecretRedactor(["12345:SECRET", None, ""])
    try:
        raise RuntimeError("failed calling /bot12345:SECRET/getMe")
    except RuntimeError as error:
        exc_info = (type(error), error, error.__traceback__)
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "url %s", ("http://h/bot12345:SECRET",), exc_info
    )
    assert redactor.filter(record)
    output = logging.Formatter().format(record)
    assert "SECRET" not in output
    assert f"url http://h/bot{REDACTED}" in output
    assert f"/bot{REDACTED}/getMe" in output


def test_http_client_loggers_stay_at_warning(engine: Engine, knowledge_dir: Path) -> None:
    """Building the bot sets httpx and httpcore to WARNING: no request URL (token) is logged."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    settings = Settings(token="1:TEST-token-x", user_hash_salt="salt")
    build_telegram(settings, lambda: engine)
    assert all(logging.getLogger(n).level == logging.WARNING for n in QUIET_LOGGERS)


def test_building_without_a_token_is_refused(engine: Engine) -> None:
    """The Telegram bot cannot be built without a token."""
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        build_telegram(Settings(), lambda: engine)


def _documented_keys(cls: type[Any], raw: dict[str, Any], where: str) -> list[str]:
    """Settings of dataclass ``cls`` missing from ``raw`` (recursively)."""
    missing = []
    secrets = {"token", "webhook_secret", "user_hash_salt"}
    for field in fields(cls):
        if field.name in secrets:
            continue
        if field.name not in raw:
            missing.append(f"{where}.{field.name}")
            continue
        default = getattr(cls(), field.name)
        if is_dataclass(default):
            missing += _documented_keys(type(default), raw[field.name], f"{where}.{field.name}")
    return missing


def test_config_example_documents_every_setting_and_loads() -> None:
    """config.example.yaml names every setting of bot/config.py and loads as the defaults."""
    path = REPO / "config.example.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _documented_keys(Settings, raw, "config") == []
    assert load_settings(path, {}) == Settings()
    text = path.read_text(encoding="utf-8")
    for variable in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "BOT_USER_HASH_SALT"):
        assert variable in text


@pytest.mark.parametrize("html", ["<b>open", "a <script>x</script>", "</b>", "<b><i>x</b></i>"])
def test_fake_server_refuses_html_telegram_refuses(html: str) -> None:
    """The fake Bot API rejects malformed or unsupported HTML, as Telegram does."""
    with pytest.raises(BotApiError, match="can't parse entities"):
        check_html(html)


def test_fake_server_reads_html_as_telegram_shows_it() -> None:
    """Entities decode and tags vanish in the text the fake server keeps."""
    assert check_html("<b>1 &lt; 2</b> &amp; <blockquote>q</blockquote>") == "1 < 2 & q"


def test_fake_server_marks_commands_and_mentions_like_a_client() -> None:
    """The entities a Telegram client would attach, with UTF-16 offsets."""
    assert text_entities("/ask 小面 @bot_name") == [
        {"type": "bot_command", "offset": 0, "length": 4},
        {"type": "mention", "offset": 8, "length": 9},
    ]


# --- Telegram's measure of text, and fitting text to it ----------------------------------------


def test_telegram_length_counts_utf16_units_of_the_parsed_text() -> None:
    """An emoji counts two; tags count nothing and an entity one, as Telegram parses HTML."""
    assert telegram_length("😀") == 2
    assert telegram_length("重庆") == 2
    assert telegram_length("<b>a</b> &amp; 😀", html=True) == 6  # "a & " and two
    assert telegram_length("<b>a</b>") == 8  # plain text: the brackets are text


def test_split_html_cuts_on_lines_and_keeps_each_part_valid() -> None:
    """Parts break between lines, each within the limit, a tag open across a cut is reopened."""
    lines = [f"{n:03d} &amp; " + "😀" * 40 for n in range(100)]
    html = "<blockquote>" + "\n".join(lines) + "</blockquote>\n— 《重庆日报》"
    parts = split_html(html, limit=1000)
    assert len(parts) > 1
    shown = [check_html(part) for part in parts]  # Telegram's own parse: balanced, known tags
    assert all(telegram_length(text) <= 1000 for text in shown)
    assert all(part.startswith("<blockquote>") for part in parts[:-1])
    assert "\n".join(shown) == check_html(html)


def test_split_html_cuts_an_overlong_line_between_characters_never_in_an_entity() -> None:
    """One line longer than the limit is cut between characters, never inside &amp; or a tag."""
    html = "<b>" + "&amp;😀<i>x</i>" * 1000 + "</b>"
    parts = split_html(html, limit=500)
    shown = [check_html(part) for part in parts]
    assert all(0 < telegram_length(text) <= 500 for text in shown)
    assert "".join(shown) == "&😀x" * 1000


def test_html_that_fits_is_one_part_unchanged() -> None:
    """Text within the limit is sent as it is."""
    assert split_html("<b>小面</b>\n50亿元") == ["<b>小面</b>\n50亿元"]


def test_cut_text_fits_the_limit_in_utf16_with_an_ellipsis() -> None:
    """A plain text over the limit is cut, with "…", to at most the limit in UTF-16 units."""
    cut = cut_text("😀" * 150, CALLBACK_ANSWER_LIMIT)
    assert cut == "😀" * 99 + "…"
    assert cut_text("短", CALLBACK_ANSWER_LIMIT) == "短"


def test_lone_surrogates_are_replaced_and_pairs_kept() -> None:
    """A lone surrogate becomes U+FFFD; a split pair is joined; other text is untouched."""
    assert replace_lone_surrogates("小\ud800王") == "小\ufffd王"
    assert replace_lone_surrogates("\ud83d\ude00") == "😀"
    assert replace_lone_surrogates("重庆😀 ok") == "重庆😀 ok"


# --- the send-rate limiter -------------------------------------------------------------------


def _request(limiter: PatientRateLimiter, send: Any, chat_id: int) -> Any:
    """One sendMessage to ``chat_id`` through ``limiter``, as PTB makes it."""
    return limiter.process_request(send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None)


async def test_flood_wait_holds_only_the_chat_it_was_given_for() -> None:
    """After a 429 for chat 1, chat 2 is sent at once; chat 1's sends wait out its retry_after."""
    limiter = PatientRateLimiter()
    sent: list[int] = []
    refused = asyncio.Event()

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        if sent == [1]:
            refused.set()
            raise RetryAfter(30)
        return True

    first = asyncio.create_task(_request(limiter, send, 1))
    later = asyncio.create_task(_request(limiter, send, 1))
    try:
        async with asyncio.timeout(5):
            await refused.wait()
            assert await _request(limiter, send, 2) is True
        for _ in range(20):
            await asyncio.sleep(0)
        assert sent == [1, 2]
        assert not first.done()
        assert not later.done()
    finally:
        first.cancel()
        later.cancel()


async def test_overall_budget_holds_across_chats() -> None:
    """Sends to many chats share the overall budget: past it they wait, whatever the chat."""
    limiter = PatientRateLimiter(overall_max_rate=2, overall_time_period=60)
    sent: list[int] = []

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    tasks = [asyncio.create_task(_request(limiter, send, chat_id)) for chat_id in range(1, 5)]
    try:
        for _ in range(50):
            await asyncio.sleep(0)
        assert len(sent) == 2
    finally:
        for task in tasks:
            task.cancel()
