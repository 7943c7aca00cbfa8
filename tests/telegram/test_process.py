"""``python -m bot run`` as a process: the Telegram bot with a token, the terminal chat without;
clean shutdown on SIGTERM/SIGINT; and the token never in any log line of a whole session."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
import yaml

from tests.shared_cache import SEMANTIC_CACHE
from tests.telegram.conftest import TEST_SALT, person, private_chat
from tests.telegram.fake_bot_api import FakeBotApi, Fault

USER = person(1101)
CHAT = private_chat(USER)


def write_config(directory: Path, fake_api: FakeBotApi | None, knowledge_dir: Path) -> Path:
    """A config.yaml for the process, logging at DEBUG (the most a log can reveal)."""
    config: dict[str, object] = {
        "knowledge": {"path": str(knowledge_dir)},
        "log_level": "DEBUG",
        "semantic": {"cache_path": str(SEMANTIC_CACHE)},
    }
    if fake_api is not None:
        config["telegram"] = {
            "base_url": fake_api.base_url,
            "base_file_url": fake_api.base_file_url,
        }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def environment(token: str | None, salt: str | None = TEST_SALT) -> dict[str, str]:
    """The process environment, with the token and the user hash salt (or without)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    if salt is not None:
        env["BOT_USER_HASH_SALT"] = salt
    return env


class BotProcess:
    """``python -m bot run --config PATH``, its output collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output: list[str] = []
        assert process.stdout is not None
        self._reader = asyncio.create_task(self._read(process.stdout))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.output.append(line.decode("utf-8", "replace"))

    async def finish(self, within: float = 15.0) -> tuple[int, str]:
        """Wait for the exit; the exit status and everything it printed."""
        async with asyncio.timeout(within):
            status = await self.process.wait()
            await self._reader
        return status, "".join(self.output)


async def start_bot(
    config: Path, token: str | None, cwd: Path, *, salt: str | None = TEST_SALT
) -> BotProcess:
    """Start the command line in ``cwd`` (stdout and stderr together)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=cwd,
        env=environment(token, salt),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    return BotProcess(process)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_bot_process_answers_then_stops_cleanly_on_signal(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path, signum: int
) -> None:
    """With a token the bot answers; a signal mid-reply still delivers it, then exit 0."""
    config = write_config(tmp_path, fake_api, knowledge_dir)
    bot = await start_bot(config, token, tmp_path)
    try:
        fake_api.push_message(USER, CHAT, "大渡口有多少个市区级重点项目")
        await fake_api.wait_sent(1101, within=30)
        fake_api.inject("sendMessage", Fault.slow(1.0))
        fake_api.push_message(USER, CHAT, "五大产业是什么")
        await fake_api.wait_until(lambda: fake_api.pending_faults("sendMessage") == 0)
        bot.process.send_signal(signum)
        status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 0, output
    _, in_flight = fake_api.sent_to(1101)
    assert in_flight["text"].startswith("五大百亿级产业是")
    # aiosqlite's thread logs "operation … completed" after handing over its result, so that
    # DEBUG line may come after the bot's own last one.
    own_lines = [line for line in output.splitlines() if "DEBUG aiosqlite:" not in line]
    assert "stopped" in own_lines[-1]


async def test_token_never_appears_in_a_whole_sessions_output(
    fake_api: FakeBotApi, token: str, knowledge_dir: Path, tmp_path: Path
) -> None:
    """At DEBUG, through questions, a button, a failure and retries, no line holds the token."""
    config = write_config(tmp_path, fake_api, knowledge_dir)
    bot = await start_bot(config, token, tmp_path)
    try:
        fake_api.push_message(USER, CHAT, "小面营收目标")
        (choice,) = await fake_api.wait_sent(1101, within=30)
        fake_api.inject("sendMessage", Fault.server_error(502), Fault.dropped_request())
        fake_api.inject("getUpdates", Fault.server_error(500))
        fake_api.push_callback(USER, choice, "a:s:noodle-revenue-target")
        await fake_api.wait_sent(1101, 2, within=15)
        bot.process.send_signal(signal.SIGTERM)
        status, output = await bot.finish()
    finally:
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert status == 0, output
    # The session did log verbosely, including the failures and the requests made.
    assert "DEBUG" in output
    assert "sendMessage failed" in output
    assert "getting updates failed" in output
    secret = token.split(":", 1)[1]
    assert token not in output
    assert secret not in output
    # PTB logs its base URL at DEBUG: that line is there, with the token redacted.
    assert f"Set Bot API URL: {fake_api.base_url}[REDACTED]" in output


async def test_without_a_token_run_is_the_terminal_chat(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    """Without TELEGRAM_BOT_TOKEN, ``run`` answers questions from standard input."""
    config = write_config(tmp_path, None, knowledge_dir)
    bot = await start_bot(config, None, tmp_path)
    assert bot.process.stdin is not None
    bot.process.stdin.write("大渡口有多少个市区级重点项目\n".encode())
    bot.process.stdin.close()
    status, output = await bot.finish()
    assert status == 0, output
    assert "大渡口有80个市区级重点项目。" in output
    assert "「对80个市区级重点项目」" in output
