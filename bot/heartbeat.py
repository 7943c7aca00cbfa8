"""The running bot's heartbeat: a small file beside the question log saying it still receives.

A bot can stay up and answer nothing: its getUpdates keeps failing, or Telegram stopped
posting to its webhook. The process cannot see that from outside, so the bot says it: it
``beat``s after every successful getUpdates, every accepted webhook post, every successful
check that its webhook is still registered, and every update it answers (a bot busy with a full
backlog fetches nothing for a while, and is not stuck); a long poll that is waiting for
updates after a successful one counts as receiving too. A timer writes the file every few
seconds with the time of the last beat and the last error. ``python -m bot health`` reads it:
a file whose last beat is older than ``health.max_heartbeat_age_seconds`` is a bot that has
stopped receiving. The bot removes the file when it stops cleanly; a failure exit writes why
it stopped, and after a crash the file stays and goes stale; either way health says so.

Plain Python: no Telegram here, so the health check reads the file without importing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

# How often the file is written at most (seconds); more often when the allowed age is short.
WRITE_EVERY_SECONDS = 5.0

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def heartbeat_path(log_path: str | Path) -> Path:
    """The heartbeat file of the bot logging to ``log_path``: beside it, where it may write."""
    path = Path(log_path)
    return path.with_name(f"{path.name}.heartbeat")


def write_interval(max_age_seconds: float) -> float:
    """Seconds between writes: often enough that a healthy file is never near ``max_age``."""
    if max_age_seconds <= 0:
        return WRITE_EVERY_SECONDS
    return min(WRITE_EVERY_SECONDS, max_age_seconds / 4)


@dataclass(frozen=True, slots=True)
class HeartbeatState:
    """What the file says."""

    pid: int
    mode: str
    written_at: datetime
    last_beat_at: datetime
    last_error: str
    stopped: str = ""

    def stale_reason(self, now: datetime, max_age_seconds: float) -> str | None:
        """Why this bot counts as not receiving, or None while it does."""
        if self.stopped:
            return f"the bot (pid {self.pid}, {self.mode}) stopped: {self.stopped}"
        written = (now - self.written_at).total_seconds()
        if written > max_age_seconds:
            return (
                f"the bot (pid {self.pid}, {self.mode}) has not written its heartbeat for "
                f"{written:.0f}s: it is not running or is hung"
            )
        silent = (now - self.last_beat_at).total_seconds()
        if silent > max_age_seconds:
            error = f"; last error: {self.last_error}" if self.last_error else ""
            return (
                f"the bot (pid {self.pid}) has received nothing by {self.mode} for "
                f"{silent:.0f}s{error}"
            )
        return None


def read_heartbeat(path: Path) -> HeartbeatState | None:
    """The heartbeat in ``path``, or None when there is none (no bot running)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return HeartbeatState(
        pid=int(raw["pid"]),
        mode=str(raw["mode"]),
        written_at=datetime.fromisoformat(raw["written_at"]),
        last_beat_at=datetime.fromisoformat(raw["last_beat_at"]),
        last_error=str(raw.get("last_error", "")),
        stopped=str(raw.get("stopped", "")),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


class Heartbeat:
    """The writer, in the bot. ``beat`` and ``failed`` only change memory; ``write`` writes
    (nothing when ``path`` is None: a bot run without a heartbeat file, in tests)."""

    def __init__(self, path: Path | None, mode: str, *, clock: Clock = _now) -> None:
        self.path = path
        self.mode = mode
        self._clock = clock
        self._last_beat_at = clock()
        self._last_error = ""
        self._stopped = ""
        self._write_failed = False
        # Set while a long poll that followed a successful one waits for updates.
        self.listening = False

    @property
    def last_beat_at(self) -> datetime:
        """When the bot last received something (or answered an update)."""
        if self.listening:
            return self._clock()
        return self._last_beat_at

    def beat(self) -> None:
        """The bot received (or answered) something just now."""
        self._last_beat_at = self._clock()
        self._last_error = ""

    def failed(self, reason: str) -> None:
        """Receiving failed; ``reason`` is shown by health once the beat is stale."""
        self.listening = False
        self._last_error = _one_line(reason)

    def stopped(self, reason: str) -> None:
        """The bot is ending because of ``reason``: written at once, shown by health."""
        self.listening = False
        self._stopped = _one_line(reason) or "unknown reason"
        self.write()

    def write(self) -> None:
        """Write the file atomically (a reader never sees half of it)."""
        if self.path is None:
            return
        state = {
            "pid": os.getpid(),
            "mode": self.mode,
            "written_at": self._clock().isoformat(),
            "last_beat_at": self.last_beat_at.isoformat(),
            "last_error": self._last_error,
            "stopped": self._stopped,
        }
        temporary = self.path.with_name(f"{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:
            # A heartbeat that cannot be written shows as stale, which is the truth; logging
            # it once per failure streak is enough.
            if not self._write_failed:
                logger.warning("could not write the heartbeat %s: %s", self.path, error)
            self._write_failed = True
        else:
            self._write_failed = False

    async def keep_writing(self, interval_seconds: float) -> None:
        """Write now and every ``interval_seconds`` until cancelled."""
        while True:
            self.write()
            await asyncio.sleep(interval_seconds)

    def remove(self) -> None:
        """The bot stopped cleanly: no heartbeat, nothing to report."""
        if self.path is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
