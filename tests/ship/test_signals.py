"""Stopping: SIGTERM (what `docker stop` and systemd send) ends `python -m bot run` cleanly.

Terminal mode here (no token); the Telegram mode's shutdown is tested in tests/telegram.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.ship.conftest import REPO, bot_environment, write_config

QUESTION = "重庆小面明年营收目标是多少"


async def sigterm_the_terminal_chat(knowledge: Path, tmp_path: Path) -> tuple[int, str]:
    """Start the chat with stdin kept open, wait for one answer, SIGTERM it: (status, stderr)."""
    config = write_config(tmp_path, knowledge, tmp_path / "data" / "questions.sqlite3")
    env = bot_environment()
    env["PYTHONPATH"] = str(REPO)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        # An answer proves the chat is up and back to waiting on its (still open) input.
        process.stdin.write(f"{QUESTION}\n".encode())
        await process.stdin.drain()
        async with asyncio.timeout(30):
            first = await process.stdout.readline()
        assert "200亿元" in first.decode()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(5):
            status = await process.wait()
        return status, (await process.stderr.read()).decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigterm_ends_the_terminal_chat_promptly_without_a_traceback(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """With stdin still open, SIGTERM ends the terminal chat within 5 s and prints no error."""
    _, errors = await sigterm_the_terminal_chat(knowledge_copy, tmp_path)
    # stderr has the notice that questions come from standard input and log lines, no error.
    lines = errors.splitlines()
    assert lines[0] == (
        "TELEGRAM_BOT_TOKEN is not set: answering questions from standard input, one per line"
    )
    assert not any(word in errors for word in ("Traceback", "ERROR", "Error"))


async def test_sigterm_ends_the_terminal_chat_with_status_zero(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """After SIGTERM the terminal chat exits 0, as the Telegram bot does."""
    status, errors = await sigterm_the_terminal_chat(knowledge_copy, tmp_path)
    assert status == 0, f"status {status}: {errors}"
