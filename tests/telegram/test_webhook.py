"""Webhook mode against the fake Bot API: the bot registers its URL and secret, Telegram posts
updates to it, and posts without the secret are refused."""

from __future__ import annotations

from pathlib import Path

from aiohttp import ClientSession

from bot.app import build_telegram
from bot.engine.pipeline import Engine
from tests.telegram.conftest import person, private_chat, running, settings_for, webhook_settings
from tests.telegram.fake_bot_api import FakeBotApi

USER = person(801)


async def test_webhook_mode_registers_and_answers_posted_updates(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """The bot sets its webhook with a secret, never polls, and answers what is posted."""
    webhook = webhook_settings()
    settings = settings_for(
        fake_api.base_url, token, knowledge_dir, log_path=log_path, webhook=webhook
    )
    async with running(build_telegram(settings, lambda: engine)):
        assert fake_api.webhook is not None
        assert fake_api.webhook.url == webhook.url
        # No secret configured: a random one, long enough not to be guessed.
        assert fake_api.webhook.secret is not None
        assert len(fake_api.webhook.secret) >= 32
        fake_api.push_message(USER, private_chat(USER), "大渡口有多少个市区级重点项目")
        (reply,) = await fake_api.wait_sent(801)
    assert reply["text"].startswith("大渡口有80个市区级重点项目。")
    assert fake_api.calls_to("getUpdates") == []


async def test_webhook_uses_the_configured_secret(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """TELEGRAM_WEBHOOK_SECRET, when set, is the secret the webhook is registered with."""
    settings = settings_for(
        fake_api.base_url,
        token,
        knowledge_dir,
        log_path=log_path,
        webhook=webhook_settings(),
        webhook_secret="configured-secret_123",
    )
    async with running(build_telegram(settings, lambda: engine)):
        assert fake_api.webhook is not None
        assert fake_api.webhook.secret == "configured-secret_123"


async def test_webhook_refuses_posts_without_the_secret(
    fake_api: FakeBotApi,
    token: str,
    knowledge_dir: Path,
    engine: Engine,
    client_session: ClientSession,
    log_path: Path,
) -> None:
    """An update posted with a wrong or no secret header is refused with 403 and not answered."""
    webhook = webhook_settings()
    settings = settings_for(
        fake_api.base_url, token, knowledge_dir, log_path=log_path, webhook=webhook
    )
    fake_api.remember_chat(private_chat(USER))
    update = {
        "update_id": 99,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": private_chat(USER),
            "from": USER,
            "text": "大渡口有多少个市区级重点项目",
        },
    }
    async with running(build_telegram(settings, lambda: engine)):
        statuses = []
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
            async with client_session.post(webhook.url, json=update, headers=headers) as reply:
                statuses.append(reply.status)
    assert statuses == [403, 403]
    assert fake_api.sent == []
