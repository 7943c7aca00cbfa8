"""SIGKILL mid-load: the database stays intact and loses at most the last flush interval."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.questionlog.log import QuestionLog
from tests.store.conftest import make_record

REPO = Path(__file__).resolve().parents[2]
# Time allowed on top of the flush interval for the write itself and a busy test machine.
WRITE_MARGIN_SECONDS = 0.5


@dataclass
class Writer:
    """A crash_writer child and the lines it printed, each with the time it arrived."""

    process: subprocess.Popen[str]
    lines: list[tuple[float, str]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    reader: threading.Thread | None = None

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.arrived:
                self.lines.append((time.monotonic(), line.strip()))
                self.arrived.notify_all()

    def wait_for(self, prefix: str, after: int = 0, within: float = 30.0) -> int:
        """Index of the first line from ``after`` on that starts with ``prefix``."""
        deadline = time.monotonic() + within
        with self.arrived:
            while True:
                for index in range(after, len(self.lines)):
                    if self.lines[index][1].startswith(prefix):
                        return index
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no {prefix!r} line; stderr: {self.stderr()}"
                self.arrived.wait(remaining)

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.stderr and self.process.poll() else ""

    def recorded(self) -> list[tuple[float, int]]:
        """(arrival time, questions recorded so far) from the progress lines."""
        return [(at, int(text)) for at, text in self.lines if text.isdigit()]


def start_writer(db: Path, interval: float, batch_rows: int, burst: int, pause: float) -> Writer:
    """Start tests/store/crash_writer.py writing to ``db``."""
    arguments = [str(db), str(interval), str(batch_rows), str(burst), str(pause)]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", *arguments],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = Writer(process)
    writer.reader = threading.Thread(target=writer.read, daemon=True)
    writer.reader.start()
    return writer


def kill(writer: Writer) -> float:
    """SIGKILL the child (which must still be running) and read its last lines; when killed."""
    assert writer.process.poll() is None, writer.stderr()
    writer.process.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    assert writer.process.wait(timeout=30) == -signal.SIGKILL
    assert writer.reader is not None
    writer.reader.join(timeout=30)
    return killed_at


def inspect_database(db: Path) -> tuple[str, list[int]]:
    """integrity_check's verdict and the numbers of the stored questions, in order."""
    with sqlite3.connect(db) as connection:
        [(verdict,)] = connection.execute("PRAGMA integrity_check").fetchall()
        texts = connection.execute("SELECT text FROM questions").fetchall()
    return verdict, sorted(int(text.split()[-1]) for (text,) in texts)


def rows_stored_by(progress: list[tuple[float, int]], moment: float) -> int:
    """Questions the child had recorded by ``moment``, judged by when its lines arrived."""
    return max((n for at, n in progress if at <= moment), default=0)


def test_sigkill_under_steady_load_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    """Under ~7,000 questions/s the file never lags ~1.5 s behind; a SIGKILL loses no more."""
    db = tmp_path / "questions.sqlite3"
    interval = 1.0
    # batch_rows above what a second brings, so only the interval makes the log write.
    writer = start_writer(db, interval, batch_rows=100_000, burst=100, pause=0.01)
    writer.wait_for("ready")
    samples: list[tuple[float, int]] = []
    with sqlite3.connect(db) as observer:
        load_ends = time.monotonic() + 3.0
        while time.monotonic() < load_ends:
            before_query = time.monotonic()
            [(rows,)] = observer.execute("SELECT count(*) FROM questions").fetchall()
            samples.append((before_query, rows))
            time.sleep(0.05)
    killed_at = kill(writer)

    verdict, numbers = inspect_database(db)
    assert verdict == "ok"
    # Batches are written in order, each in one transaction: what survives is a prefix.
    assert numbers == list(range(len(numbers)))
    progress = writer.recorded()
    allowed_lag = interval + WRITE_MARGIN_SECONDS
    assert rows_stored_by(progress, killed_at - allowed_lag) > 0, "nothing to be sure of"
    assert len(numbers) >= rows_stored_by(progress, killed_at - allowed_lag)
    assert len(numbers) <= progress[-1][1]
    lagging = [
        (round(at - samples[0][0], 2), rows, rows_stored_by(progress, at - allowed_lag))
        for at, rows in samples
        if rows < rows_stored_by(progress, at - allowed_lag)
    ]
    assert not lagging, f"(seconds in, rows stored, rows due) {lagging}"


def test_sigkill_during_a_write_keeps_batches_whole(tmp_path: Path) -> None:
    """Killed while a 50,000-row batch is being inserted: all or none of it, file intact."""
    db = tmp_path / "questions.sqlite3"
    writer = start_writer(db, 1.0, batch_rows=50_000, burst=50_000, pause=1.0)
    writing = writer.wait_for("writing", after=writer.wait_for("ready"))
    # Inserting 50,000 rows takes most of a second; 0.1 s in, the transaction is open.
    time.sleep(0.1)
    kill(writer)
    _, first, size = writer.lines[writing][1].split()

    verdict, numbers = inspect_database(db)
    assert verdict == "ok"
    assert numbers == list(range(len(numbers)))
    assert len(numbers) in (int(first), int(first) + int(size))


def test_log_reopens_and_writes_after_a_kill(tmp_path: Path) -> None:
    """After a SIGKILL the log opens as usual, keeps the rows, and takes new ones."""
    db = tmp_path / "questions.sqlite3"
    writer = start_writer(db, 0.05, batch_rows=1000, burst=100, pause=0.01)
    writer.wait_for("writing", after=writer.wait_for("ready"))
    time.sleep(0.3)
    kill(writer)
    _, before = inspect_database(db)

    async def reopen_and_record() -> int:
        async with QuestionLog(db) as log:
            stored = await log.count()
            log.record(make_record(text="question after restart"))
        return stored

    assert asyncio.run(reopen_and_record()) == len(before) > 0
    with sqlite3.connect(db) as connection:
        [(rows,)] = connection.execute("SELECT count(*) FROM questions").fetchall()
    assert rows == len(before) + 1
