"""Fixtures of the Telegram tests: loopback servers, the bot running against them, users.

Every test speaks real HTTP on 127.0.0.1 only. Tokens are made up at run time and do not look
like real ones. The knowledge is a small fixed set (tests/telegram/knowledge) next to a copy
of the real article, so these tests do not move when the real FAQ is tuned. Each bot logs its
questions to a question log of its own in the test's temporary folder.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.app import build_telegram
from bot.config import (
    HealthSettings,
    KnowledgeSettings,
    LimitSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebhookSettings,
)
from bot.engine.pipeline import Engine, load_engine
from bot.telegram.service import TelegramService
from tests.telegram.emulator import CompatProxy, EmulatorProcess, EmulatorUser, free_port
from tests.telegram.fake_bot_api import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
TEST_KNOWLEDGE = Path(__file__).with_name("knowledge")
# The salt of the user pseudonyms in the tests' question logs.
TEST_SALT = "telegram-tests-salt"
Json = dict[str, Any]


def make_token() -> str:
    """A made-up bot token: a six-digit id, so it can never be mistaken for a real one."""
    return f"{secrets.randbelow(900_000) + 100_000}:TEST-token-{secrets.token_hex(6)}"


def knowledge_copy(directory: Path) -> Path:
    """The test knowledge (facts, FAQ, lexicon) beside a copy of the real article."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "knowledge" / "sources.yaml", directory / "sources.yaml")
    shutil.copytree(REPO / "knowledge" / "sources", directory / "sources", dirs_exist_ok=True)
    for name in ("facts.yaml", "faq.yaml", "lexicon.yaml"):
        shutil.copy(TEST_KNOWLEDGE / name, directory / name)
    return directory


@pytest.fixture(scope="session")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge folder for the Telegram tests."""
    return knowledge_copy(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture(scope="session")
def engine(knowledge_dir: Path) -> Engine:
    """The engine over the test knowledge, loaded once."""
    return load_engine(knowledge_dir)


@pytest.fixture
def token() -> str:
    """A fresh made-up token per test."""
    return make_token()


def settings_for(
    base_url: str,
    token: str,
    knowledge_dir: Path,
    *,
    log_path: Path,
    poll_interval: float = 0.0,
    limits: LimitSettings | None = None,
    webhook: WebhookSettings | None = None,
    webhook_secret: str | None = None,
    admins: tuple[int, ...] = (),
    storage: StorageSettings | None = None,
    health: HealthSettings | None = None,
) -> Settings:
    """Settings pointing the bot at a loopback Bot API server, logging questions to
    ``log_path`` (``storage`` sets the rest of the log's settings)."""
    telegram = TelegramSettings(
        base_url=base_url,
        base_file_url=base_url.replace("/bot", "/file/bot"),
        poll_interval=poll_interval,
    )
    if webhook is not None:
        telegram = replace(telegram, mode="webhook", webhook=webhook)
    return Settings(
        knowledge=KnowledgeSettings(path=str(knowledge_dir)),
        telegram=telegram,
        storage=replace(storage or StorageSettings(), path=str(log_path)),
        limits=limits or LimitSettings(),
        health=health or HealthSettings(),
        admins=admins,
        token=token,
        webhook_secret=webhook_secret,
        user_hash_salt=TEST_SALT,
    )


@asynccontextmanager
async def running(
    service: TelegramService, within: float = 10.0
) -> AsyncIterator[TelegramService]:
    """Run ``service`` in the background for the ``async with`` body, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    ready = asyncio.create_task(service.ready.wait())
    async with asyncio.timeout(within):
        await asyncio.wait((task, ready), return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # raises what made the bot stop
        raise RuntimeError("the bot stopped before it was ready")
    try:
        yield service
    finally:
        stop.set()
        async with asyncio.timeout(within):
            await task


@pytest.fixture
async def fake_api(token: str) -> AsyncIterator[FakeBotApi]:
    """The project's fake Bot API server, on a free loopback port."""
    server = FakeBotApi(token)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


BotFactory = Callable[..., "asyncio.AbstractAsyncContextManager[TelegramService]"]


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """Where the test's bot keeps its question log."""
    return tmp_path / "data" / "questions.sqlite3"


@pytest.fixture
def bot_on_fake(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> BotFactory:
    """``async with bot_on_fake(**settings):`` runs the bot against ``fake_api``."""

    def start(*, engine_provider: Callable[[], Engine] | None = None, **options: Any) -> Any:
        settings = settings_for(
            fake_api.base_url, token, knowledge_dir, log_path=log_path, **options
        )
        service = build_telegram(settings, engine_provider or (lambda: engine))
        return running(service)

    return start


# --- people and chats ------------------------------------------------------------------------


def person(user_id: int, language_code: str | None = "zh-hans", name: str = "小王") -> Json:
    """A Telegram user."""
    user: Json = {"id": user_id, "is_bot": False, "first_name": name}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def private_chat(user: Json) -> Json:
    """The private chat between ``user`` and the bot."""
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def group_chat(chat_id: int = -1001234567, title: str = "大渡口读报群") -> Json:
    """A supergroup the bot is in."""
    return {"id": chat_id, "type": "supergroup", "title": title}


# --- the emulator ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    """telegram-test-api, started once for the session."""
    process = EmulatorProcess()
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
async def compat_proxy(emulator: EmulatorProcess) -> AsyncIterator[CompatProxy]:
    """The compatibility layer in front of the emulator."""
    proxy = CompatProxy(emulator.url)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


@pytest.fixture
async def client_session() -> AsyncIterator[ClientSession]:
    """An HTTP client for the tests' own requests."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
async def emulated_bot(
    compat_proxy: CompatProxy, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> AsyncIterator[TelegramService]:
    """The bot running against the emulator (through the compatibility layer)."""
    # The emulator ignores getUpdates' timeout and answers at once: poll at an interval.
    settings = settings_for(
        compat_proxy.base_url, token, knowledge_dir, log_path=log_path, poll_interval=0.02
    )
    async with running(build_telegram(settings, lambda: engine)) as service:
        yield service


@pytest.fixture
def emulator_user(
    emulator: EmulatorProcess, token: str, client_session: ClientSession
) -> Callable[..., EmulatorUser]:
    """``emulator_user(user_id, language_code)``: a user talking to the emulated bot."""

    def make(user_id: int = 1001, language_code: str | None = None) -> EmulatorUser:
        return EmulatorUser(
            emulator.url, token, client_session, user_id=user_id, language_code=language_code
        )

    return make


# --- no failure goes unnoticed ---------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of tests that provoke error logs on purpose."""
    config.addinivalue_line(
        "markers", "error_logs_expected: the test provokes ERROR log records on purpose"
    )
    # PTB warns about its own RetryAfter whenever it builds one (the type of retry_after will
    # change); the bot never reads that attribute, and the 429 tests build many.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning",
    )


@pytest.fixture(autouse=True)
def no_error_logs(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail any test during which the bot or PTB logged an ERROR, unless it expects that."""
    yield
    if request.node.get_closest_marker("error_logs_expected"):
        return
    errors = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.name.startswith(("bot", "telegram"))
    ]
    assert not errors, f"unexpected error logs: {errors}"


def webhook_settings() -> WebhookSettings:
    """A webhook on a free loopback port; the public URL is the same address here."""
    port = free_port()
    return WebhookSettings(
        url=f"http://127.0.0.1:{port}/hook", listen="127.0.0.1", port=port, path="hook"
    )
