"""Benchmark the question log: rows/s it sustains, and what logging adds to a reply.

Run: .venv/bin/python scripts/bench_store.py [--rows N] [--repeats N] [--questions N] [--rounds N]

1. Write throughput: rows/s of one flush of a large queue, and rows/s end to end while a
   producer records as fast as it can and the background flusher keeps up (target >= 5,000/s).
2. Reply latency with logging on vs off, around the real engine (``Engine``, the article's
   knowledge, the questions of knowledge/questions.yaml): 100 concurrent users; each reply is
   engine.ask, plus, when logging is on, hash_user + QuestionRecord.from_answer + record().
   The flusher runs in the background meanwhile, so its cost shows in the wall time. Each round
   runs off and on back to back (alternating which goes first); the overhead reported is the
   median, over every question of every round, of its on/off latency ratio: comparing like
   with like is what a busy, shared machine disturbs least.

Throughput numbers are medians over repeats; compare ratios, not absolutes, across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.answers import Language, Status  # noqa: E402 (after the path set-up above)
from bot.engine.evaluation import load_questions  # noqa: E402
from bot.engine.pipeline import Engine, load_engine  # noqa: E402
from bot.questionlog.log import QuestionLog  # noqa: E402
from bot.questionlog.pseudonyms import hash_user  # noqa: E402
from bot.questionlog.records import Channel, QuestionRecord  # noqa: E402

SALT = "benchmark-salt"
USERS = 100
TARGET_ROWS_PER_SECOND = 5000
LOGGING_BUDGET = 0.05


def synthetic_rows(count: int) -> list[QuestionRecord]:
    """``count`` distinct, realistic rows."""
    now = datetime.now(UTC)
    return [
        QuestionRecord(
            asked_at=now,
            channel=Channel.PRIVATE,
            user_hash=hash_user(number % 500, SALT),
            text=f"重庆小面今年的营收目标是多少？#{number}",
            normalized=f"重庆小面今年的营收目标是多少?#{number}",
            language=Language.SIMPLIFIED,
            status=Status.ANSWERED,
            entry_id="noodle-target-2023",
            confidence=0.93,
            latency_ms=0.4,
            knowledge_version="92a5bc919f69",
        )
        for number in range(count)
    ]


async def flush_throughput(folder: Path, rows: list[QuestionRecord]) -> float:
    """Rows/s of one flush writing ``rows`` queued beforehand."""
    path = folder / f"flush-{time.monotonic_ns()}.sqlite3"
    async with QuestionLog(
        path,
        flush_interval_seconds=3600,
        batch_rows=len(rows),
        max_pending_rows=len(rows),
    ) as log:
        for row in rows:
            log.record(row)
        started = time.perf_counter()
        await log.flush()
        return len(rows) / (time.perf_counter() - started)


async def sustained_throughput(folder: Path, rows: list[QuestionRecord]) -> float:
    """Rows/s from first record() to last row on disk, the flusher writing in the background."""
    path = folder / f"sustained-{time.monotonic_ns()}.sqlite3"
    log = QuestionLog(path)
    await log.open()
    started = time.perf_counter()
    for start in range(0, len(rows), 500):
        for row in rows[start : start + 500]:
            log.record(row)
        await asyncio.sleep(0)  # a producer that yields like a handler does
    await log.close()
    return len(rows) / (time.perf_counter() - started)


@dataclass
class Run:
    """One pass over the questions: each reply's elapsed and CPU ms (by question), wall s."""

    elapsed: list[float]
    cpu: list[float]
    wall: float


async def replies(engine: Engine, questions: list[str], log: QuestionLog | None) -> Run:
    """Every question answered once, by USERS concurrent users, timed reply by reply.

    Each reply is timed twice: elapsed, and the event loop thread's CPU time, which leaves out
    the moments other processes on a shared machine had the CPU.
    """
    elapsed = [0.0] * len(questions)
    cpu = [0.0] * len(questions)

    async def user(user_id: int) -> None:
        for number in range(user_id, len(questions), USERS):
            started, started_cpu = time.perf_counter(), time.thread_time()
            answer = engine.ask(questions[number])
            if log is not None:
                log.record(
                    QuestionRecord.from_answer(
                        answer,
                        channel=Channel.PRIVATE,
                        user_hash=hash_user(user_id, SALT),
                        latency_ms=(time.perf_counter() - started) * 1000,
                    )
                )
            cpu[number] = (time.thread_time() - started_cpu) * 1000
            elapsed[number] = (time.perf_counter() - started) * 1000
            await asyncio.sleep(0)  # the next update gets its turn, and so does the flusher

    started = time.perf_counter()
    await asyncio.gather(*(user(user_id) for user_id in range(USERS)))
    return Run(elapsed, cpu, time.perf_counter() - started)


async def latency_on_off(
    folder: Path, engine: Engine, questions: list[str], rounds: int
) -> dict[str, list[Run]]:
    """Each round runs the questions with logging off and on, back to back, in turn first."""
    runs: dict[str, list[Run]] = {"off": [], "on": []}
    async with QuestionLog(folder / "replies.sqlite3") as log:
        for round_number in range(rounds):
            for mode in ("off", "on") if round_number % 2 == 0 else ("on", "off"):
                runs[mode].append(await replies(engine, questions, log if mode == "on" else None))
    return runs


def added_by_logging(runs: dict[str, list[Run]], measure: str) -> tuple[float, float]:
    """Median over every (round, question) of on/off - 1, and of on - off in µs.

    Comparing the same question in the same round cancels both the questions' very different
    costs and the machine's drift.
    """
    ratios, differences = [], []
    for on, off in zip(runs["on"], runs["off"], strict=True):
        for on_ms, off_ms in zip(getattr(on, measure), getattr(off, measure), strict=True):
            ratios.append(on_ms / off_ms)
            differences.append((on_ms - off_ms) * 1000)
    return statistics.median(ratios) - 1, statistics.median(differences)


def record_cost_us(engine: Engine, count: int) -> float:
    """Median µs of hash_user + QuestionRecord.from_answer + record(), the handler's share."""

    async def measure() -> float:
        answer = engine.ask("重庆小面今年的营收目标是多少？")
        samples = []
        with tempfile.TemporaryDirectory() as folder:
            async with QuestionLog(Path(folder) / "cost.sqlite3") as log:
                for number in range(count):
                    started = time.perf_counter()
                    log.record(
                        QuestionRecord.from_answer(
                            answer,
                            channel=Channel.PRIVATE,
                            user_hash=hash_user(number, SALT),
                            latency_ms=0.5,
                        )
                    )
                    samples.append((time.perf_counter() - started) * 1e6)
                    if number % 100 == 0:
                        await asyncio.sleep(0)
        return statistics.median(samples)

    return asyncio.run(measure())


def median_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements."""
    return statistics.median(measure() for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per throughput run")
    parser.add_argument(
        "--questions", type=int, default=1000, help="questions per latency run (default 1000)"
    )
    parser.add_argument("--rounds", type=int, default=40, help="latency rounds (default 40)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement")
    args = parser.parse_args()

    rows = synthetic_rows(args.rows)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        flush_rate = median_of(args.repeats, lambda: asyncio.run(flush_throughput(folder, rows)))
        sustained_rate = median_of(
            args.repeats, lambda: asyncio.run(sustained_throughput(folder, rows))
        )
        print(f"write throughput ({args.rows:,} rows, median of {args.repeats})")
        print(f"  one flush of a full queue:        {flush_rate:>10,.0f} rows/s")
        print(
            f"  sustained, record() to disk:       {sustained_rate:>10,.0f} rows/s"
            f"   (target >= {TARGET_ROWS_PER_SECOND:,}/s: "
            f"{'met' if sustained_rate >= TARGET_ROWS_PER_SECOND else 'NOT MET'})"
        )

        engine = load_engine(REPO / "knowledge")
        labelled = [
            item.question for item in load_questions(REPO / "knowledge" / "questions.yaml")
        ]
        questions = [labelled[number % len(labelled)] for number in range(args.questions)]
        engine.ask(questions[0])  # first-call set-up is not a reply cost
        runs = asyncio.run(latency_on_off(folder, engine, questions, args.rounds))

    cost = record_cost_us(engine, 20_000)
    print(
        f"\nreply latency around engine.ask ({len(questions):,} questions x {args.rounds} rounds "
        f"per mode, {USERS} concurrent users; medians)"
    )
    print("                 elapsed     thread CPU")
    for mode in ("off", "on"):
        elapsed = statistics.median(ms for run in runs[mode] for ms in run.elapsed)
        cpu = statistics.median(ms for run in runs[mode] for ms in run.cpu)
        print(f"  logging {mode + ':':<4}  {elapsed:.3f} ms    {cpu:.3f} ms")
    for measure, label in (("elapsed", "elapsed"), ("cpu", "thread CPU")):
        share, micros = added_by_logging(runs, measure)
        verdict = "met" if share < LOGGING_BUDGET else "NOT MET"
        print(
            f"  added by logging, {label}: {share:+.1%} per reply ({micros:+.1f} µs; "
            f"budget < {LOGGING_BUDGET:.0%}: {verdict})"
        )
    wall = statistics.median(
        on.wall / off.wall for on, off in zip(runs["on"], runs["off"], strict=True)
    )
    print(f"  wall time of a round, background writes included: {wall - 1:+.1%}")
    print(f"  hash_user + QuestionRecord.from_answer + record() alone: {cost:.1f} µs median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
