"""Benchmark the whole Telegram stack: updates per second, CPU and reply latency per update,
with the question log on and off.

The bot runs as in production (python-telegram-bot, long polling, its rate limiter, handlers,
engine, renderer, keyboards, the question log with its background writes) in this process,
pinned to one core. The Bot API is the tests' fake server in a child process on another core,
over HTTP on 127.0.0.1. Each run queues N private-chat questions from the labelled question set
(answered, ambiguous, declined, in both scripts and English) from distinct users, and times
until N replies have been sent and, with logging on, the logged questions are on disk.

Runs come in pairs, logging off and on back to back (alternating which goes first), so both see
the same machine; "off" skips everything logging does (hashing the user, building the row,
queueing it, writing it). The added cost is the median over pairs of on/off - 1, with the
middle half of the pairs' values to show how much the machine moved between runs. Because a
shared machine easily moves more than logging costs, logging's CPU is also timed where it is
spent: the handlers' logging calls (thread CPU around each) and the SQLite threads' CPU.

Telegram's own send limits (about 30 messages/s) are lifted for the measurement; 429s would
still be honoured. CPU is this process's (the bot's, its SQLite writer thread included)
user+system time over the run. Reply latency is the time the private-chat handler takes, from
the update's dispatch to Telegram's (the fake server's) answer to sendMessage.

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
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

# The benchmark drives the Telegram glue itself.
from telegram import Update, User

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.config import LimitSettings, TelegramSettings  # noqa: E402
from bot.engine.answers import Answer  # noqa: E402 (after the path set-up above)
from bot.engine.pipeline import Engine, load_engine  # noqa: E402
from bot.questionlog.log import QuestionLog  # noqa: E402
from bot.questionlog.records import Channel  # noqa: E402
from bot.telegram.admins import Admins  # noqa: E402
from bot.telegram.inline import InlineAnswers  # noqa: E402
from bot.telegram.ptb import Context  # noqa: E402
from bot.telegram.questions import TelegramBot  # noqa: E402
from bot.telegram.registration import register_handlers  # noqa: E402
from bot.telegram.service import TelegramService  # noqa: E402

Json = dict[str, Any]
SALT = "benchmark-salt"
LOGGING_BUDGET = 0.05


class BenchBot(TelegramBot):
    """The production bot, plus a switch for its question logging and timers."""

    logging_on = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latencies: list[float] = []
        # CPU seconds spent in the handlers' logging call (it never awaits), and calls.
        self.logging_cpu = 0.0
        self.logged = 0

    def log_question(
        self, answer: Answer, user: User, channel: Channel | None, latency_ms: float
    ) -> None:
        if self.logging_on:
            started = time.thread_time()
            super().log_question(answer, user, channel, latency_ms)
            self.logging_cpu += time.thread_time() - started
            self.logged += 1

    async def on_private_text(self, update: Update, context: Context) -> None:
        started = time.perf_counter()
        await super().on_private_text(update, context)
        self.latencies.append(time.perf_counter() - started)


@dataclass
class Run:
    """One run's measurements."""

    logging_on: bool
    seconds: float
    bot_cpu: float
    server_cpu: float
    latency_ms: float  # median handler time of its replies
    logging_cpu: float  # CPU seconds in the handlers' logging calls (0 with logging off)
    background_cpu: float  # CPU seconds of the threads besides the event loop's: SQLite's


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


def background_threads_cpu() -> dict[int, float]:
    """CPU seconds so far of each thread but this one (the event loop's), by thread id.

    They are the question log's SQLite connections: the bot starts no other threads.
    """
    main = threading.get_ident()
    return {
        thread.ident: time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        for thread in threading.enumerate()
        if thread.ident is not None and thread.ident != main and thread.is_alive()
    }


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of process ``pid`` (Linux), 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(
    session: ClientSession, url: str, body: Json, server_pid: int, bot: BenchBot
) -> Run:
    """Queue the updates, wait for as many replies and for the log to be written."""
    bot.latencies.clear()
    logging_cpu = bot.logging_cpu
    before = await sent_count(session, url)
    wanted = before + len(body["updates"])
    server_cpu = cpu_seconds(server_pid)
    background = background_threads_cpu()
    cpu, wall = time.process_time(), time.perf_counter()
    async with session.post(f"{url}/_control/updates", json=body) as reply:
        reply.raise_for_status()
    sent = await sent_count(session, url, wait_for=wanted)
    if sent < wanted:
        raise RuntimeError(f"only {sent - before} of {len(body['updates'])} replies arrived")
    # The run's rows are written within the run: their cost is not left to the next one.
    await bot.question_log.flush()
    elapsed, bot_cpu = time.perf_counter() - wall, time.process_time() - cpu
    background_cpu = sum(
        seconds - background.get(ident, 0.0) for ident, seconds in background_threads_cpu().items()
    )
    return Run(
        bot.logging_on,
        elapsed,
        bot_cpu,
        cpu_seconds(server_pid) - server_cpu,
        1000 * statistics.median(bot.latencies),
        bot.logging_cpu - logging_cpu,
        background_cpu,
    )


async def bench(updates: int, runs: int, folder: Path) -> list[Run]:
    """Start server and bot, warm up, then ``runs`` pairs of runs (logging off and on)."""
    token = f"{secrets.randbelow(900_000) + 100_000}:BENCH-{secrets.token_hex(6)}"
    server, url = start_server(token)
    pin(0, 0)
    engine: Engine = load_engine(REPO / "knowledge")
    # As bot.app.build_telegram composes it, with BenchBot for TelegramBot.
    bot = BenchBot(
        lambda: engine,
        # Distinct users per question: flood control stays out of the measurement.
        limits=LimitSettings(questions_per_minute=0),
        question_log=QuestionLog(folder / "questions.sqlite3"),
        user_hash_salt=SALT,
    )
    service = TelegramService.build(
        bot,
        token=token,
        telegram=TelegramSettings(base_url=f"{url}/bot", base_file_url=f"{url}/file/bot"),
        webhook_secret=None,
        telegram_send_limits=False,
    )
    register_handlers(
        service.application,
        questions=bot,
        inline=InlineAnswers(bot),
        admins=Admins((), user_hash_salt=SALT),
    )
    asked = questions()
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    results = []
    try:
        async with asyncio.timeout(30):
            await service.ready.wait()
        async with ClientSession() as session:
            for logging_on in (False, True):
                bot.logging_on = logging_on
                warm_up = updates_for(min(updates, 500), 1 + 1000 * logging_on, asked)
                await one_run(session, url, warm_up, server.pid, bot)
            for run in range(2 * runs):
                # off, on, on, off, off, on, ...: each mode goes first in every other pair.
                bot.logging_on = run % 4 in (1, 2)
                body = updates_for(updates, 1_000_000 * (run + 1), asked)
                results.append(await one_run(session, url, body, server.pid, bot))
            async with session.get(f"{url}/_control/stats") as reply:
                calls = (await reply.json())["calls"]
            print("Bot API calls:", ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
            print(f"questions logged: {bot.question_log.written:,}")
    finally:
        stop.set()
        await task
        server.terminate()
        server.wait()
    return results


def main() -> int:
    """Print each run, the medians per mode, and what logging adds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=1000, help="updates per run")
    parser.add_argument("--runs", type=int, default=15, help="measured runs per mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(bench(args.updates, args.runs, Path(folder)))
    n = args.updates
    print(f"{n} private-chat questions per run, {len(questions())} distinct texts")
    for i, run in enumerate(results, 1):
        print(
            f"  run {i:2d} (log {'on ' if run.logging_on else 'off'}): "
            f"{n / run.seconds:6.0f} updates/s  {1000 * run.bot_cpu / n:5.3f} ms CPU/update  "
            f"{run.latency_ms:6.2f} ms reply latency  "
            f"(fake server: {1000 * run.server_cpu / n:5.2f} ms CPU)"
        )
    by_mode = {mode: [r for r in results if r.logging_on is mode] for mode in (False, True)}
    print(f"medians of {args.runs} runs per mode (bot process, one core):")
    for mode, runs in by_mode.items():
        print(
            f"  question log {'on: ' if mode else 'off:'} "
            f"{statistics.median(n / r.seconds for r in runs):6.0f} updates/s  "
            f"{statistics.median(1000 * r.bot_cpu / n for r in runs):5.3f} ms CPU/update  "
            f"{statistics.median(r.latency_ms for r in runs):6.2f} ms reply latency"
        )
    # Pairs ran back to back: compare within each pair, where the machine was the same.
    pairs = list(zip(by_mode[True], by_mode[False], strict=True))
    for label, measure in (
        ("CPU per update", lambda r: r.bot_cpu),
        ("reply latency", lambda r: r.latency_ms),
        ("wall time per run", lambda r: r.seconds),
    ):
        added = sorted(measure(on) / measure(off) - 1 for on, off in pairs)
        median = statistics.median(added)
        low, high = added[len(added) // 4], added[(3 * len(added)) // 4]
        verdict = "met" if median < LOGGING_BUDGET else "NOT MET"
        print(
            f"  added by the question log, {label}: {median:+.1%} "
            f"(median of {len(pairs)} pairs, middle half {low:+.1%} to {high:+.1%}; "
            f"budget < {LOGGING_BUDGET:.0%}: {verdict})"
        )
    # The same cost timed where it is spent, free of the machine's drift between runs.
    logged = sum(r.logging_cpu for r in by_mode[True]) / (n * len(by_mode[True]))
    background = sum(r.background_cpu - off.background_cpu for r, off in pairs) / (n * len(pairs))
    off_cpu = statistics.median(r.bot_cpu / n for r in by_mode[False])
    share = (logged + background) / off_cpu
    print(
        f"  logging's own CPU, timed directly: {1e6 * logged:.1f} µs in the handlers (hash, "
        f"row, enqueue) + {1e6 * background:.1f} µs of SQLite writes = "
        f"{1e6 * (logged + background):.1f} µs per update, {share:+.1%} on the CPU per update "
        f"with logging off (budget < {LOGGING_BUDGET:.0%}: "
        f"{'met' if share < LOGGING_BUDGET else 'NOT MET'})"
    )
    print("target: >= 300 updates/s; Telegram itself caps a bot near 30 messages/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
