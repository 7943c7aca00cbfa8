"""Kill -9 the Telegram bot during a burst of questions and count what was lost.

The bot is ``python -m bot run`` as in production (Telegram's send limits on: about 30 answers a
second), against the tests' fake Bot API, served by this process on 127.0.0.1. A burst of N
private-chat questions from N users is queued at once; the bot is killed with SIGKILL K times,
each when a random number of answers (between 5 % and 90 % of N) has been sent, and started
again at once; once every question is answered (or a deadline passes) it gets SIGTERM. Then:
updates sent, kills, updates never answered, updates answered more than once, questions without
their row in the log, duplicated rows, and the bot's peak RSS.

A second phase queues a flood of F updates, runs the bot for S seconds, and reads its peak RSS:
the memory a bot takes when far more updates wait than it can answer.

Run: .venv/bin/python scripts/crash_telegram.py [--updates 4000] [--kills 3] [--flood 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.questionlog.pseudonyms import hash_user  # noqa: E402 (after the path set-up above)
from tests.telegram.conftest import knowledge_copy  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402

SALT = "crash-benchmark-salt"
QUESTION = "大渡口有多少个市区级重点项目"
FIRST_USER = 500_000


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write_config(folder: Path, api: FakeBotApi) -> Path:
    """Production settings, except the Bot API's address and no flood limit per user."""
    config = {
        "knowledge": {"path": str(knowledge_copy(folder / "knowledge"))},
        "telegram": {"base_url": api.base_url, "base_file_url": api.base_file_url},
        "storage": {"path": str(folder / "data" / "questions.sqlite3")},
        "limits": {"questions_per_minute": 0},
        "log_level": "WARNING",
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def start_bot(config: Path, token: str, cwd: Path) -> asyncio.subprocess.Process:
    """``python -m bot run``, its output discarded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(TELEGRAM_BOT_TOKEN=token, BOT_USER_HASH_SALT=SALT, PYTHONPATH=str(REPO))
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def push_burst(api: FakeBotApi, count: int, first_user: int) -> list[int]:
    """``count`` questions from as many users; their ids."""
    users = list(range(first_user, first_user + count))
    for user_id in users:
        user = {"id": user_id, "is_bot": False, "first_name": "crash", "language_code": "zh"}
        chat = {"id": user_id, "type": "private", "first_name": "crash"}
        api.push_message(user, chat, QUESTION)
    return users


async def wait_while_answering(
    api: FakeBotApi, done: Callable[[], bool], stall: float = 15.0
) -> None:
    """Until ``done()``, or no answer was sent for ``stall`` seconds (nothing left to answer)."""
    last_count, last_change = -1, time.monotonic()
    while not done():
        if len(api.sent) != last_count:
            last_count, last_change = len(api.sent), time.monotonic()
        elif time.monotonic() - last_change > stall:
            return
        await asyncio.sleep(0.1)


async def crash_run(folder: Path, updates: int, kills: int, seed: int) -> None:
    """The burst with kills; prints the counts."""
    token = f"{secrets.randbelow(900_000) + 100_000}:CRASH-{secrets.token_hex(6)}"
    api = FakeBotApi(token)
    await api.start()
    config = write_config(folder, api)
    log_path = folder / "data" / "questions.sqlite3"
    rng = random.Random(seed)
    moments = sorted(rng.randint(updates // 20, updates * 9 // 10) for _ in range(kills))
    peak = 0.0
    started = time.monotonic()
    try:
        users = push_burst(api, updates, FIRST_USER)
        bot = await start_bot(config, token, folder)
        for moment in moments:
            await wait_while_answering(api, lambda m=moment: len(api.sent) >= m)
            peak = max(peak, peak_rss_mb(bot.pid))
            bot.kill()
            await bot.wait()
            print(f"  kill -9 after {len(api.sent):,} answers sent")
            bot = await start_bot(config, token, folder)
        await wait_while_answering(
            api, lambda: len({int(m["chat"]["id"]) for m in api.sent}) >= updates
        )
        # The answers of updates in flight at the last kill may still be on their way.
        await asyncio.sleep(2)
        peak = max(peak, peak_rss_mb(bot.pid))
        bot.send_signal(signal.SIGTERM)
        status = await bot.wait()
    finally:
        await api.stop()
    elapsed = time.monotonic() - started
    replies = Counter(int(m["chat"]["id"]) for m in api.sent)
    answered = set(replies)
    with contextlib.closing(sqlite3.connect(log_path)) as db:
        rows = Counter(row[0] for row in db.execute("SELECT user_hash FROM questions"))
    hashes = {hash_user(user_id, SALT) for user_id in users}
    print(f"updates sent:                {updates:,}")
    print(f"kills (SIGKILL):             {kills}")
    print(f"updates never answered:      {len(set(users) - answered):,}")
    print(f"updates answered twice:      {sum(1 for n in replies.values() if n == 2):,}")
    print(f"updates answered 3+ times:   {sum(1 for n in replies.values() if n > 2):,}")
    print(f"answers sent in all:         {len(api.sent):,}")
    print(f"questions without a row:     {len(hashes - set(rows)):,}")
    print(f"questions with 2+ rows:      {sum(1 for n in rows.values() if n > 1):,}")
    print(f"bot peak RSS:                {peak:.0f} MB")
    print(f"exit status after SIGTERM:   {status}; {elapsed:.0f} s in all")


async def flood_run(folder: Path, flood: int, seconds: float) -> None:
    """Many more updates waiting than the bot can answer: its peak memory."""
    token = f"{secrets.randbelow(900_000) + 100_000}:FLOOD-{secrets.token_hex(6)}"
    api = FakeBotApi(token)
    await api.start()
    config = write_config(folder, api)
    try:
        push_burst(api, flood, FIRST_USER * 2)
        bot = await start_bot(config, token, folder)
        await asyncio.sleep(seconds)
        peak = peak_rss_mb(bot.pid)
        bot.send_signal(signal.SIGTERM)
        status = await bot.wait()
    finally:
        await api.stop()
    print(
        f"flood of {flood:,} updates, {seconds:.0f} s: {api.highest_fetched:,} fetched, "
        f"{len(api.sent):,} answered, bot peak RSS {peak:.0f} MB, exit {status}"
    )


def main() -> int:
    """Run both phases in temporary folders."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=4000, help="questions in the burst")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs during the burst")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments")
    parser.add_argument("--flood", type=int, default=50_000, help="updates in the flood (0: skip)")
    parser.add_argument("--flood-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(crash_run(Path(folder), args.updates, args.kills, args.seed))
    if args.flood:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(flood_run(Path(folder), args.flood, args.flood_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
