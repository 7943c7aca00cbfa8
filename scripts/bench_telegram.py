"""Benchmark the whole Telegram stack: updates per second and CPU per update.

The bot runs as in production (python-telegram-bot, long polling, AIORateLimiter, handlers,
engine, renderer, keyboards) in this process, pinned to one core. The Bot API is the tests'
fake server in a child process on another core, over HTTP on 127.0.0.1. Each run queues N
private-chat questions from the labelled question set (answered, ambiguous, declined, in both
scripts and English) from distinct users, and times until N replies have been sent.

Telegram's own send limits (about 30 messages/s) are lifted for the measurement; 429s would
still be honoured. CPU is this process's (the bot's) user+system time over the run.

Run: .venv/bin/python scripts/bench_telegram.py [--updates N] [--runs R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.app import build_telegram  # noqa: E402 (after the path set-up above)
from bot.config import (  # noqa: E402
    KnowledgeSettings,
    LimitSettings,
    Settings,
    TelegramSettings,
)
from bot.engine import Engine, load_engine  # noqa: E402

Json = dict[str, Any]


def questions() -> list[str]:
    """Every question of the labelled set, as users typed them."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (REPO / "knowledge" / "questions.yaml").read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=loader)
    return [str(item["q"]) for item in raw if str(item.get("q", "")).strip()]


def pin(pid: int, core: int) -> None:
    """Keep ``pid`` on one core, when the machine has that core."""
    with contextlib.suppress(AttributeError, OSError):
        if core < (os.cpu_count() or 1):
            os.sched_setaffinity(pid, {core})


def start_server(token: str) -> tuple[subprocess.Popen[str], str]:
    """The fake Bot API in a child process; its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.telegram.fake_bot_api", "--token", token],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("listening"):
        server.kill()
        raise RuntimeError("the fake Bot API server did not start")
    pin(server.pid, 1)
    return server, f"http://127.0.0.1:{int(line.split()[1])}"


def updates_for(count: int, first_user: int, asked: list[str]) -> Json:
    """``count`` questions, one user each, and the chats the server must know."""
    chats, updates = [], []
    now = int(time.time())
    for i in range(count):
        user_id = first_user + i
        user = {"id": user_id, "is_bot": False, "first_name": "bench", "language_code": "zh"}
        chat = {"id": user_id, "type": "private", "first_name": "bench"}
        chats.append(chat)
        message = {
            "message_id": 1,
            "date": now,
            "chat": chat,
            "from": user,
            "text": asked[i % len(asked)],
        }
        updates.append({"message": message})
    return {"chats": chats, "updates": updates}


async def sent_count(session: ClientSession, url: str, wait_for: int = 0) -> int:
    """How many messages the bot has sent so far (once at least ``wait_for``, or 60 s)."""
    async with session.get(f"{url}/_control/stats", params={"sent": wait_for}) as reply:
        return int((await reply.json())["sent"])


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of process ``pid`` (Linux), 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(
    session: ClientSession, url: str, body: Json, server_pid: int
) -> tuple[float, float, float]:
    """Queue the updates, wait for as many replies: (seconds, bot CPU s, server CPU s)."""
    before = await sent_count(session, url)
    wanted = before + len(body["updates"])
    server_cpu = cpu_seconds(server_pid)
    cpu, wall = time.process_time(), time.perf_counter()
    async with session.post(f"{url}/_control/updates", json=body) as reply:
        reply.raise_for_status()
    sent = await sent_count(session, url, wait_for=wanted)
    if sent < wanted:
        raise RuntimeError(f"only {sent - before} of {len(body['updates'])} replies arrived")
    elapsed, bot_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return elapsed, bot_cpu, cpu_seconds(server_pid) - server_cpu


async def bench(updates: int, runs: int) -> list[tuple[float, float, float]]:
    """Start server and bot, warm up, then ``runs`` measured runs of ``updates`` each."""
    token = f"{secrets.randbelow(900_000) + 100_000}:BENCH-{secrets.token_hex(6)}"
    server, url = start_server(token)
    pin(0, 0)
    engine: Engine = load_engine(REPO / "knowledge")
    settings = Settings(
        knowledge=KnowledgeSettings(path=str(REPO / "knowledge")),
        telegram=TelegramSettings(base_url=f"{url}/bot", base_file_url=f"{url}/file/bot"),
        # Distinct users per question: flood control stays out of the measurement.
        limits=LimitSettings(questions_per_minute=0),
        token=token,
    )
    service = build_telegram(settings, lambda: engine, telegram_send_limits=False)
    asked = questions()
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    results = []
    try:
        async with asyncio.timeout(30):
            await service.ready.wait()
        async with ClientSession() as session:
            warm_up = updates_for(min(updates, 500), 1, asked)
            await one_run(session, url, warm_up, server.pid)
            for run in range(runs):
                body = updates_for(updates, 1_000_000 * (run + 1), asked)
                results.append(await one_run(session, url, body, server.pid))
            async with session.get(f"{url}/_control/stats") as reply:
                calls = (await reply.json())["calls"]
            print("Bot API calls:", ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
    finally:
        stop.set()
        await task
        server.terminate()
        server.wait()
    return results


def main() -> int:
    """Print updates/s and CPU ms per update for each run and their medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=3000, help="updates per run")
    parser.add_argument("--runs", type=int, default=5, help="measured runs")
    args = parser.parse_args()
    results = asyncio.run(bench(args.updates, args.runs))
    rates = [args.updates / wall for wall, _, _ in results]
    cpu_ms = [1000 * cpu / args.updates for _, cpu, _ in results]
    server_ms = [1000 * cpu / args.updates for _, _, cpu in results]
    print(f"{args.updates} private-chat questions per run, {len(questions())} distinct texts")
    for i, (rate, cpu, server_cpu) in enumerate(zip(rates, cpu_ms, server_ms, strict=True), 1):
        print(
            f"  run {i}: {rate:7.0f} updates/s  {cpu:5.2f} ms CPU/update"
            f"  (fake server: {server_cpu:5.2f} ms)"
        )
    print(
        f"median: {statistics.median(rates):.0f} answered updates/s, "
        f"{statistics.median(cpu_ms):.2f} ms CPU per update (bot process, one core)"
    )
    print("target: >= 300 updates/s; Telegram itself caps a bot near 30 messages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
