"""How receiving waits: for something unless a stop comes first, and between retries.

Shared by the intake's workers, the polling loop and the webhook: a stop (shutdown) must cut
every wait short, and every retry of a Telegram call backs off the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import RetryAfter, TelegramError

from bot.telegram.ratelimit import retry_after_seconds

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# Setting or deleting the webhook at start: attempts before the start fails.
BOOTSTRAP_ATTEMPTS = 4


class Stopped:
    """What ``unless_stopped`` returns when the stop came first."""


STOPPED = Stopped()


async def unless_stopped(stop: asyncio.Event, awaitable: Awaitable[T]) -> T | Stopped:
    """``awaitable``'s result, or ``STOPPED`` (it cancelled) once ``stop`` is set."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if task.cancelled():
        return STOPPED
    return task.result()


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds``; False when ``stop`` was set first."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()
    return not stop.is_set()


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row: doubling, capped."""
    return float(min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1)))


async def with_retries(
    description: str,
    action: Callable[[], Awaitable[object]],
    attempts: int = BOOTSTRAP_ATTEMPTS,
) -> None:
    """Run ``action`` (setting or deleting the webhook at start), retrying Telegram errors."""
    for attempt in range(1, attempts + 1):
        try:
            await action()
            return
        except TelegramError as error:
            if attempt == attempts:
                raise
            delay = (
                retry_after_seconds(error) if isinstance(error, RetryAfter) else backoff(attempt)
            )
            logger.warning(
                "%s failed: %s; retry %d of %d in %.1fs",
                description,
                error,
                attempt,
                attempts - 1,
                delay,
            )
            await asyncio.sleep(delay)
