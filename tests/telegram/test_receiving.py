"""Nothing stuck: getUpdates failing does not end polling, a revoked token ends the process,
and ``health`` tells a bot that has stopped receiving (its heartbeat goes stale)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from bot.app import build_telegram
from bot.config import HealthSettings
from bot.engine.pipeline import Engine
from bot.health import Unhealthy, check_receiving
from bot.heartbeat import heartbeat_path
from bot.questionlog.pseudonyms import hash_user
from tests.telegram.conftest import (
    TEST_SALT,
    BotFactory,
    person,
    private_chat,
    running,
    settings_for,
    webhook_settings,
)
from tests.telegram.fake_bot_api import FakeBotApi, Fault
from tests.telegram.test_process import environment, start_bot

USER = person(950)
CHAT = private_chat(USER)
QUESTION = "大渡口有多少个市区级重点项目"
ANSWER_START = "大渡口有80个市区级重点项目。"
# Short, so that a test sees a heartbeat go stale within seconds.
QUICK_HEALTH = HealthSettings(max_heartbeat_age_seconds=1.0)


def process_config(directory: Path, fake_api: FakeBotApi, knowledge_dir: Path) -> Path:
    """Settings for a bot process logging to ``directory/data``."""
    config = {
        "knowledge": {"path": str(knowledge_dir)},
        "telegram": {"base_url": fake_api.base_url, "base_file_url": fake_api.base_file_url},
        "storage": {"path": str(directory / "data" / "questions.sqlite3")},
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def fail_get_updates(fake_api: FakeBotApi, *faults: Fault) -> None:
    """Queue ``faults`` for the next getUpdates calls, and end the long poll waiting now.

    An edited message ends it: the bot takes it and, by design, says nothing to it.
    """
    fake_api.inject("getUpdates", *faults)
    fake_api.push_message(USER, CHAT, QUESTION, edited=True)


def logged_users(log_path: Path) -> list[str]:
    """The user pseudonyms of the logged questions."""
    with contextlib.closing(sqlite3.connect(log_path)) as db:
        return [row[0] for row in db.execute("SELECT user_hash FROM questions")]


async def health_line(config: Path, cwd: Path) -> tuple[int, str]:
    """``python -m bot health --config CONFIG``: its status and its one line."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "health",
        "--config",
        str(config),
        cwd=cwd,
        env=environment(None),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(30):
        output, _ = await process.communicate()
    return int(process.returncode or 0), output.decode().strip()


def receiving(settings_log: Path) -> str | None:
    """What health says of the bot logging to ``settings_log``: its mode, or Unhealthy."""
    return check_receiving(heartbeat_path(settings_log), QUICK_HEALTH)


async def wait_for_health(log_path: Path, *, healthy: bool, within: float = 20.0) -> str:
    """Poll the heartbeat until health is (or is not) satisfied; the mode or the reason."""
    async with asyncio.timeout(within):
        while True:
            try:
                mode = receiving(log_path)
            except Unhealthy as error:
                if not healthy:
                    return str(error)
            else:
                if healthy and mode is not None:
                    return mode
            await asyncio.sleep(0.05)


async def test_polling_outlives_404s_and_a_401_from_get_updates(
    fake_api: FakeBotApi, bot_on_fake: BotFactory
) -> None:
    """404 (Telegram's and a proxy's page) and a 401: polling goes on, the question is answered."""
    async with bot_on_fake():
        fake_api.inject("getUpdates", Fault.error(404), Fault.from_proxy(404), Fault.error(401))
        fake_api.push_message(USER, CHAT, QUESTION)
        (reply,) = await fake_api.wait_sent(950, within=20)
    assert reply["text"].startswith(ANSWER_START)
    assert fake_api.pending_faults("getUpdates") == 0


async def test_a_token_refused_for_good_ends_the_process_with_status_1(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path
) -> None:
    """401 on every getUpdates: exit 1 with a clear CRITICAL line; the log is written first."""
    config = process_config(tmp_path, fake_api, knowledge_dir)
    bot = await start_bot(config, token, tmp_path)
    try:
        fake_api.push_message(USER, CHAT, QUESTION)
        await fake_api.wait_sent(950, within=30)
        fail_get_updates(fake_api, *[Fault.error(401)] * 50)
        status, output = await bot.finish(within=60)
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 1, output
    (critical,) = [line for line in output.splitlines() if " CRITICAL " in line]
    assert "Telegram refused the bot's token 5 times in a row (401 Unauthorized" in critical
    assert "TELEGRAM_BOT_TOKEN is wrong or was revoked; exiting with status 1" in critical
    assert logged_users(tmp_path / "data" / "questions.sqlite3") == [hash_user(950, TEST_SALT)]
    # The heartbeat says why the bot stopped, for health to report.
    health_status, line = await health_line(config, tmp_path)
    assert health_status == 1
    assert line.startswith("unhealthy: the bot (pid ")
    assert "stopped: TokenRefused: Telegram refused the bot's token" in line


@pytest.mark.parametrize("status", [404, 401])
async def test_sigterm_while_get_updates_fails_exits_cleanly(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path, status: int
) -> None:
    """SIGTERM while getUpdates keeps failing: exit 0, the log written, no heartbeat left."""
    config = process_config(tmp_path, fake_api, knowledge_dir)
    log_path = tmp_path / "data" / "questions.sqlite3"
    bot = await start_bot(config, token, tmp_path)
    try:
        fake_api.push_message(USER, CHAT, QUESTION)
        await fake_api.wait_sent(950, within=30)
        before = len(fake_api.calls_to("getUpdates"))
        fail_get_updates(fake_api, *[Fault.error(status)] * 50)
        await fake_api.wait_until(lambda: len(fake_api.calls_to("getUpdates")) >= before + 3, 20)
        bot.process.send_signal(signal.SIGTERM)
        exit_status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert exit_status == 0, output
    assert f"getting updates failed: HTTP {status}" in output
    own_lines = [line for line in output.splitlines() if "DEBUG aiosqlite:" not in line]
    assert own_lines[-1].endswith("stopped")
    assert logged_users(log_path) == [hash_user(950, TEST_SALT)]
    assert not heartbeat_path(log_path).exists()


async def test_health_tells_a_bot_whose_get_updates_fails(
    fake_api: FakeBotApi, bot_on_fake: BotFactory, log_path: Path
) -> None:
    """Healthy while polling works, unhealthy (with the error) while it fails, healthy again."""
    async with bot_on_fake(health=QUICK_HEALTH):
        assert await wait_for_health(log_path, healthy=True) == "polling"
        # 0.5 + 1 + 2 + 4 s of backoff: far longer than the heartbeat's 1 s.
        fail_get_updates(fake_api, *[Fault.from_proxy(404)] * 4)
        reason = await wait_for_health(log_path, healthy=False)
        assert await wait_for_health(log_path, healthy=True) == "polling"
    assert reason.startswith("the bot (pid ")
    assert "has received nothing by polling for " in reason
    assert "last error: getUpdates: HTTP 404" in reason
    # A clean stop leaves no heartbeat: no bot, nothing to report.
    assert receiving(log_path) is None


async def test_health_tells_a_webhook_telegram_no_longer_posts_to(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, engine: Engine, log_path: Path
) -> None:
    """A webhook bot is healthy with no traffic; once its webhook is gone, unhealthy."""
    webhook = webhook_settings()
    settings = settings_for(
        fake_api.base_url,
        token,
        knowledge_dir,
        log_path=log_path,
        webhook=webhook,
        health=QUICK_HEALTH,
    )
    async with running(build_telegram(settings, lambda: engine)):
        # Checked three times by now, with not one update posted.
        await fake_api.wait_until(lambda: len(fake_api.calls_to("getWebhookInfo")) >= 3)
        assert await wait_for_health(log_path, healthy=True) == "webhook"
        # Someone deleted the webhook (or set another URL): nothing will be posted to us.
        fake_api.webhook = None
        reason = await wait_for_health(log_path, healthy=False)
    assert "has received nothing by webhook for " in reason
    assert "last error: the webhook is not set (Telegram has '')" in reason
