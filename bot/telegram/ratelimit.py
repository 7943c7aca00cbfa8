"""``PatientRateLimiter``: Telegram's send limits, flood waits per chat, and bounded retries of
transient failures, for every Bot API call the bot makes.

Telegram's own limits (about 30 messages a second overall, 20 a minute per group), 429
``retry_after`` honoured for the chat it was given for only, plus a few retries of transient
failures (5xx, timeouts, dropped connections, malformed replies), so a reply is not lost to one
bad response. A retried send whose first response was lost may arrive twice; for a
question-answering bot a duplicate answer is the lesser evil.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

# python-telegram-bot's own rate limiter is built on aiolimiter (its rate-limiter extra).
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

logger = logging.getLogger(__name__)

# Requests that Telegram answers only once and only within seconds: a retry after a lost
# response fails ("query is too old") instead of helping.
_NOT_RETRIED = frozenset({"answerCallbackQuery", "answerInlineQuery"})
# Past this many chats' budgets or flood waits held, those no longer needed are forgotten.
_MAX_TRACKED_CHATS = 512


class PatientRateLimiter(BaseRateLimiter[int]):
    """Telegram's send limits, flood waits per chat, and bounded retries of transient failures.

    The budgets are ``AIORateLimiter``'s: ``overall_max_rate`` messages per
    ``overall_time_period`` across all chats and ``group_max_rate`` per ``group_time_period`` in
    each group. Unlike ``AIORateLimiter``, which stops every request while any one waits out a
    429, a ``retry_after`` holds back only the chat it was given for (Telegram's flood waits
    are per chat): one busy group must not delay another user's answer. Requests that name no
    chat (answering a tap or an inline query) wait only for themselves.

    Transient failures (5xx, timeouts, dropped connections, a malformed reply) are retried with
    backoff, except for the requests Telegram answers only once (``_NOT_RETRIED``).
    """

    def __init__(
        self,
        *,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        max_retries: int = 3,
        transient_retries: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self._overall = (
            AsyncLimiter(overall_max_rate, overall_time_period)
            if overall_max_rate and overall_time_period
            else None
        )
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[int | str, AsyncLimiter] = {}
        # When each chat's flood wait ends, on the event loop's clock.
        self._flood_until: dict[int | str, float] = {}
        self.max_retries = max_retries
        self.transient_retries = transient_retries
        self.backoff_seconds = backoff_seconds

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send within the budgets; wait out 429s for this chat; retry transient failures."""
        chat = _chat_key(data.get("chat_id"))
        max_retries = rate_limit_args or self.max_retries
        floods = transient = 0
        own_flood_until = 0.0
        while True:
            await self._wait_for_chat(chat, own_flood_until)
            try:
                return await self._send(chat, callback, args, kwargs)
            except RetryAfter as error:
                if floods >= max_retries:
                    logger.warning("%s: still flood-limited after %d waits", endpoint, floods)
                    raise
                floods += 1
                seconds = retry_after_seconds(error) + 0.1
                own_flood_until = asyncio.get_running_loop().time() + seconds
                if chat is not None:
                    if len(self._flood_until) > _MAX_TRACKED_CHATS:
                        self._forget_idle_chats()
                    held = self._flood_until.get(chat, 0.0)
                    self._flood_until[chat] = max(held, own_flood_until)
                logger.info(
                    "%s: flood wait of %.1fs for chat %s (retry %d of %d)",
                    endpoint,
                    seconds,
                    chat if chat is not None else "(none)",
                    floods,
                    max_retries,
                )
            except BadRequest:
                # A BadRequest is a NetworkError to PTB, but retrying it fails the same way.
                raise
            except NetworkError as error:
                if transient >= self.transient_retries or endpoint in _NOT_RETRIED:
                    raise
                delay = self.backoff_seconds * 2**transient
                transient += 1
                logger.warning(
                    "%s failed (%s); retry %d of %d in %.1fs",
                    endpoint,
                    error,
                    transient,
                    self.transient_retries,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _wait_for_chat(self, chat: int | str | None, own_until: float) -> None:
        """Sleep until the chat's flood wait (and this request's own) is over."""
        loop = asyncio.get_running_loop()
        while True:
            until = max(own_until, self._flood_until.get(chat, 0.0) if chat is not None else 0.0)
            remaining = until - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(remaining)

    async def _send(
        self,
        chat: int | str | None,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """One attempt, within the group's and the overall budget (both only for chats)."""
        group = self._group_limiter(chat)
        overall = self._overall if chat is not None else None
        async with group or contextlib.nullcontext(), overall or contextlib.nullcontext():
            return await callback(*args, **kwargs)

    def _group_limiter(self, chat: int | str | None) -> AsyncLimiter | None:
        """The budget of a group or channel (negative ids, @usernames); None for other chats."""
        rate, period = self._group_rate
        is_group = isinstance(chat, str) or (isinstance(chat, int) and chat < 0)
        if not (rate and period and is_group):
            return None
        assert chat is not None
        if len(self._groups) > _MAX_TRACKED_CHATS:
            self._forget_idle_chats()
        limiter = self._groups.get(chat)
        if limiter is None:
            limiter = self._groups[chat] = AsyncLimiter(rate, period)
        return limiter

    def _forget_idle_chats(self) -> None:
        """Drop the state of groups whose budget is full again and of flood waits that are over."""
        now = asyncio.get_running_loop().time()
        for key in [
            k for k, limiter in self._groups.items() if limiter.has_capacity(limiter.max_rate)
        ]:
            del self._groups[key]
        for key in [k for k, until in self._flood_until.items() if until <= now]:
            del self._flood_until[key]


def _chat_key(chat_id: object) -> int | str | None:
    """The chat a request goes to, as one key whether PTB passed the id as int or string."""
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    try:
        return int(text)
    except ValueError:
        return text


def retry_after_seconds(error: RetryAfter) -> float:
    """``error.retry_after`` in seconds (PTB is changing its type from int to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
