"""Run by test_crash.py: write questions through QuestionLog until killed, saying how far it got.

Usage: python -m tests.store.crash_writer DB FLUSH_INTERVAL BATCH_ROWS BURST PAUSE

Records BURST questions ("question 0", "question 1", …), prints the running total, sleeps PAUSE
seconds, and so on for ever. Before each batch insert it prints "writing FIRST SIZE", so the test
can kill it while a transaction is open.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiosqlite

from bot.questionlog import connections
from bot.questionlog.log import QuestionLog
from bot.questionlog.records import QuestionRecord
from tests.store.conftest import make_record

_insert_batch = connections.insert_batch


async def announcing_insert_batch(
    writer: aiosqlite.Connection, batch: list[QuestionRecord]
) -> int:
    """Announce the batch, then write it as the question log always does."""
    print(f"writing {batch[0].text.split()[-1]} {len(batch)}", flush=True)
    return await _insert_batch(writer, batch)


async def write_until_killed(
    path: Path, interval: float, batch_rows: int, burst: int, pause: float
) -> None:
    """Record bursts of questions for ever; the test ends this process with SIGKILL."""
    # This process only ever runs this log, so replacing the batch insert for all is harmless.
    connections.insert_batch = announcing_insert_batch
    log = QuestionLog(
        path,
        flush_interval_seconds=interval,
        batch_rows=batch_rows,
        max_pending_rows=max(batch_rows, 1_000_000),
    )
    await log.open()
    print("ready", flush=True)
    recorded = 0
    while True:
        for _ in range(burst):
            log.record(make_record(text=f"question {recorded}"))
            recorded += 1
        print(recorded, flush=True)
        await asyncio.sleep(pause)


if __name__ == "__main__":
    db, interval, batch_rows, burst, pause = sys.argv[1:]
    asyncio.run(
        write_until_killed(Path(db), float(interval), int(batch_rows), int(burst), float(pause))
    )
