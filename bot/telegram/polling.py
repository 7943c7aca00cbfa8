"""Receiving by long polling: a getUpdates loop with our own retry policy.

An update is confirmed to Telegram by the next getUpdates' ``offset``, so the offset moves on
only once the updates are in the inbox (``Intake.take``), or, when the inbox cannot be written,
once they are answered. The loop asks for no more updates than the backlog has room for.

Retries: 404, 409, 5xx, timeouts and dropped connections are retried for ever with a capped
backoff (a reverse proxy or a self-hosted Bot API server restarting says 404 for a while); 429
waits its ``retry_after``. 401 (the token was revoked) is retried a few times and then ends the
bot with ``TokenRefused``, so that the service manager restarts it and someone notices. (PTB's
``Updater`` gives up for good on the first 401 *or 404*, both ``InvalidToken`` to PTB, leaving
the process up and deaf.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.telegram.http import StatusRecordingRequest
from bot.telegram.intake import Intake
from bot.telegram.ratelimit import retry_after_seconds
from bot.telegram.waiting import Stopped, backoff, sleep_unless_stopped, unless_stopped

logger = logging.getLogger(__name__)

# Telegram's own maximum per getUpdates.
GET_UPDATES_LIMIT = 100
# 401 on this many getUpdates in a row (about 8 s with the backoff) ends the bot.
UNAUTHORIZED_GIVE_UP = 5


class TokenRefused(RuntimeError):
    """Telegram answered 401 Unauthorized to every recent getUpdates: the token is no good."""


async def poll_updates(
    intake: Intake,
    stop: asyncio.Event,
    *,
    long_poll_seconds: int,
    allowed_updates: Sequence[str],
    poll_interval: float = 0.0,
    updates_request: StatusRecordingRequest | None = None,
) -> None:
    """Long-poll getUpdates into ``intake`` until ``stop``; ``TokenRefused`` after persistent
    401s. ``updates_request`` (getUpdates' own HTTP client) tells a 401 from a 404."""
    bot = intake.application.bot
    heartbeat = intake.heartbeat
    offset: int | None = None
    failures = 0
    refused = 0
    while not stop.is_set():
        if isinstance(await unless_stopped(stop, intake.backlog.wait_for_room()), Stopped):
            return
        limit = min(GET_UPDATES_LIMIT, intake.backlog.room)
        delay = 0.0
        # A long poll after a successful one is a bot listening, however long it waits.
        heartbeat.listening = failures == 0
        try:
            result = await unless_stopped(
                stop,
                bot.get_updates(
                    offset=offset,
                    limit=limit,
                    timeout=long_poll_seconds,
                    allowed_updates=list(allowed_updates),
                ),
            )
            if isinstance(result, Stopped):
                return
            updates = result
        except RetryAfter as error:
            delay = retry_after_seconds(error)
            failures += 1
            heartbeat.failed(f"getUpdates: {error}")
            logger.warning("getting updates failed: %s; waiting %.0fs", error, delay)
        except InvalidToken as error:
            failures += 1
            status = updates_request.last_status if updates_request else 401
            heartbeat.failed(f"getUpdates: HTTP {status or '?'}: {error}")
            if status == 401:
                refused += 1
                if refused >= UNAUTHORIZED_GIVE_UP:
                    raise TokenRefused(
                        f"Telegram refused the bot's token {refused} times in a row "
                        f"(401 Unauthorized: {error}): TELEGRAM_BOT_TOKEN is wrong or was "
                        "revoked"
                    ) from error
            else:
                refused = 0
            delay = backoff(failures)
            logger.warning(
                "getting updates failed: HTTP %s %s; retry in %.1fs%s",
                status or "?",
                error,
                delay,
                f" (401 {refused} of {UNAUTHORIZED_GIVE_UP})" if refused else "",
            )
        except TimedOut as error:
            # The long poll's answer did not come in time: ask again at once, the first
            # time (a timeout that comes at once, again and again, must not spin).
            failures += 1
            delay = 0.0 if failures == 1 else backoff(failures - 1)
            heartbeat.failed(f"getUpdates: {error}")
            logger.warning("getting updates failed: %s; retry in %.1fs", error, delay)
        except TelegramError as error:
            failures += 1
            refused = 0
            delay = backoff(failures)
            heartbeat.failed(f"getUpdates: {error}")
            logger.warning("getting updates failed: %s; retry in %.1fs", error, delay)
        else:
            heartbeat.listening = False
            heartbeat.beat()
            if failures:
                logger.info("getting updates works again after %d failures", failures)
            failures = refused = 0
            if updates:
                unstored = await intake.take([(u.update_id, u.to_json(), u) for u in updates])
                if unstored and isinstance(
                    await unless_stopped(stop, asyncio.gather(*unstored)), Stopped
                ):
                    # Not confirmed: Telegram sends them again to the next run.
                    return
                offset = updates[-1].update_id + 1
            delay = max(delay, poll_interval)
        if delay and not await sleep_unless_stopped(stop, delay):
            return
