"""The updates taken to be answered: in the inbox and in memory, waiting or being answered, at
most ``capacity`` of them, so that a burst makes the poller wait instead of memory grow."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Update

from bot.questionlog.inbox import InboxEntry


@dataclass(slots=True)
class Taken:
    """An update taken to be answered. ``answered`` is set when it is, for an update that is
    not in the inbox (it could not be written) and so must not be confirmed before."""

    entry: InboxEntry
    update: Update
    answered: asyncio.Future[None] | None = None


class Backlog:
    """Updates in the inbox and in memory, waiting or being answered: at most ``capacity``.

    The poller asks for no more than ``room``; webhook posts wait for room, so they may exceed
    it by the posts Telegram makes at once (its ``max_connections``, 40 by default).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("the backlog needs room for at least one update")
        self.capacity = capacity
        self._queue: asyncio.Queue[Taken] = asyncio.Queue()
        self._held = 0
        self._has_room = asyncio.Event()
        self._has_room.set()
        # Times the poller found the backlog full and waited (for the tests and the logs).
        self.full_waits = 0

    @property
    def held(self) -> int:
        """Updates waiting or being answered."""
        return self._held

    @property
    def room(self) -> int:
        """How many more updates may be taken."""
        return max(0, self.capacity - self._held)

    def put(self, taken: Taken) -> None:
        """Take an update to be answered."""
        self._held += 1
        self._queue.put_nowait(taken)
        if self.room == 0:
            self._has_room.clear()

    async def get(self) -> Taken:
        """The next update to answer."""
        return await self._queue.get()

    def done(self) -> None:
        """An update taken by ``get`` was answered."""
        self._held -= 1
        if self.room > 0:
            self._has_room.set()

    async def wait_for_room(self) -> None:
        """Return once at least one more update may be taken."""
        if self.room == 0:
            self.full_waits += 1
        while self.room == 0:
            await self._has_room.wait()
