"""Flood control: how many questions one user may ask per minute.

A sliding window per user. The first refusal in a window is reported as ``NOTIFY`` so the front
end can say so once; later refusals are ``REFUSED`` (silence), so a flooding user cannot make
the bot flood back. Plain Python with an injectable clock: no front end is imported here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

# Forget users idle for a whole window every this many admissions, so memory stays bounded by
# the users active in the last minute rather than every user ever seen.
_PRUNE_EVERY = 1024


class Admission(Enum):
    """The limiter's verdict on one question."""

    ALLOWED = "allowed"
    NOTIFY = "notify"  # refused; the first refusal in this window, worth one polite notice
    REFUSED = "refused"  # refused; the user was already told


class QuestionLimiter:
    """At most ``per_window`` questions per user in any ``window`` seconds (0: unlimited)."""

    def __init__(
        self,
        per_window: int,
        *,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._asked: dict[int, deque[float]] = {}
        # When each user was last told they are over the limit.
        self._notified: dict[int, float] = {}
        self._admissions = 0

    def admit(self, user_id: int) -> Admission:
        """Count one question by ``user_id`` if the limit allows it."""
        if self.per_window <= 0:
            return Admission.ALLOWED
        now = self._clock()
        self._admissions += 1
        if self._admissions % _PRUNE_EVERY == 0:
            self._prune(now)
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.per_window:
            asked.append(now)
            return Admission.ALLOWED
        notified = self._notified.get(user_id)
        if notified is not None and notified > now - self.window:
            return Admission.REFUSED
        self._notified[user_id] = now
        return Admission.NOTIFY

    def tracked_users(self) -> int:
        """How many users the limiter holds state for (for tests of its memory bound)."""
        return len(self._asked)

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        for user_id in [
            u for u, asked in self._asked.items() if not asked or asked[-1] <= horizon
        ]:
            del self._asked[user_id]
        for user_id in [u for u, at in self._notified.items() if at <= horizon]:
            del self._notified[user_id]
