"""``AiohttpRequest``, the bot's HTTP client for the Bot API, against the fake server:
uploads, timeouts, long polling and broken connections map to what PTB expects."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.http import AiohttpRequest
from tests.telegram.conftest import person, private_chat
from tests.telegram.emulator import free_port
from tests.telegram.fake_bot_api import FakeBotApi, Fault

CHAT = private_chat(person(1201))


@pytest.fixture
async def bot(fake_api: FakeBotApi, token: str) -> AsyncIterator[Bot]:
    """A plain PTB Bot on AiohttpRequest with a short read timeout, talking to the fake API."""
    fake_api.remember_chat(CHAT)
    request = AiohttpRequest(connection_pool_size=4, read_timeout=0.5)
    async with Bot(token, base_url=fake_api.base_url, request=request) as client:
        yield client


async def test_uploads_are_sent_as_multipart(bot: Bot, fake_api: FakeBotApi) -> None:
    """A document goes up as multipart form data with its name, bytes and caption."""
    message = await bot.send_document(
        CHAT["id"], document=b"question,answer\n", filename="log.csv", caption="导出"
    )
    assert message.document is not None
    assert message.document.file_name == "log.csv"
    (sent,) = fake_api.sent_to(CHAT["id"])
    assert sent["content"] == "question,answer\n"
    assert sent["caption"] == "导出"


async def test_a_response_slower_than_the_read_timeout_is_timed_out(
    bot: Bot, fake_api: FakeBotApi
) -> None:
    """No answer within the read timeout raises PTB's TimedOut."""
    fake_api.inject("sendMessage", Fault.slow(2.0))
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT["id"], "hi")


async def test_long_polling_may_outlast_the_read_timeout(bot: Bot) -> None:
    """getUpdates waits its long-poll time (PTB adds it to the read timeout) and returns []."""
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_a_dropped_connection_is_a_network_error_without_the_token(
    bot: Bot, fake_api: FakeBotApi, token: str
) -> None:
    """A connection closed without an answer raises NetworkError, and its text has no token."""
    fake_api.inject("sendMessage", Fault.dropped_request())
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(CHAT["id"], "hi")
    assert not isinstance(raised.value, TimedOut)
    assert token not in str(raised.value)


async def test_a_refused_connection_is_a_network_error(token: str) -> None:
    """Nothing listening on the Bot API's port raises NetworkError."""
    request = AiohttpRequest(connection_pool_size=1)
    url = f"http://127.0.0.1:{free_port()}/bot"
    client = Bot(token, base_url=url, request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await client.get_me()
    finally:
        await request.shutdown()


async def test_requests_before_initialize_are_refused(token: str) -> None:
    """Using the client before initialize() is a programming error, said plainly."""
    request = AiohttpRequest(connection_pool_size=1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botx/getMe", "POST")
