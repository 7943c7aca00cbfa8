"""What the admins' buttons stand for: pending uploads and ``/unanswered`` groups, held in
memory under short random keys that expire, the callback data naming them, and the one reading
of a tap on them (``admin_tap``) both kinds of button share.

A button tapped after a restart or after its time is answered with "send it again", never with
someone else's change. An upload's Apply / Cancel belong to the admin who uploaded it.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import CallbackQuery, Update, User

from bot.engine.answers import Language
from bot.knowledge_admin.proposals import Proposal
from bot.telegram.admins import Admins

# Callback data of the admins' buttons: "k:<verb>:<key>". bot.telegram.keyboards uses other
# first fields (a, h, t, u, T); a test keeps them apart.
CALLBACK_PREFIX = "k"
APPLY, CANCEL, ADD_PHRASING, DISMISS = "a", "c", "p", "d"
# The patterns the two kinds of admin button are registered under.
UPLOAD_BUTTONS = f"^{CALLBACK_PREFIX}:[{APPLY}{CANCEL}]:"
GROUP_BUTTONS = f"^{CALLBACK_PREFIX}:[{ADD_PHRASING}{DISMISS}]:"
ANY_ADMIN_BUTTON = f"^{CALLBACK_PREFIX}:"
PROPOSAL_TTL_SECONDS = 30 * 60
LIST_TTL_SECONDS = 24 * 60 * 60
MAX_PENDING = 200
_KEY_BYTES = 6

T = TypeVar("T")


class Expiring(Generic[T]):
    """Values under short random keys, each usable once, gone after ``ttl`` seconds."""

    def __init__(
        self, ttl: float, *, limit: int = MAX_PENDING, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.limit = limit
        self._clock = clock
        self._values: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def put(self, value: T) -> str:
        """Keep ``value``; returns its key (12 hex digits)."""
        self._expire()
        while len(self._values) >= self.limit:
            self._values.popitem(last=False)
        key = secrets.token_hex(_KEY_BYTES)
        self._values[key] = (self._clock() + self.ttl, value)
        return key

    def peek(self, key: str) -> T | None:
        """The value under ``key``, kept; None when unknown, taken or expired."""
        self._expire()
        kept = self._values.get(key)
        return kept[1] if kept is not None else None

    def take(self, key: str) -> T | None:
        """The value under ``key``, removed; None when unknown, taken or expired."""
        self._expire()
        kept = self._values.pop(key, None)
        return kept[1] if kept is not None else None

    def __len__(self) -> int:
        self._expire()
        return len(self._values)

    def _expire(self) -> None:
        now = self._clock()
        for key in [k for k, (deadline, _) in self._values.items() if deadline <= now]:
            del self._values[key]


@dataclass(frozen=True, slots=True)
class Upload:
    """A proposal behind its Apply / Cancel buttons, and the admin who sent it."""

    proposal: Proposal
    # Only the admin who uploaded may apply or cancel it (and is credited in the history).
    uploader_id: int
    uploader: str


@dataclass(frozen=True, slots=True)
class GroupChoice:
    """One ``/unanswered`` group behind its buttons."""

    representative: str
    phrasing: str
    # The entry the phrasing would be added to; None when no entry is near (or the gate
    # would refuse the phrasing: then there is no ➕ button).
    entry_id: str | None


def callback(verb: str, key: str) -> str:
    """The callback data of one of this module's buttons."""
    return f"{CALLBACK_PREFIX}:{verb}:{key}"


def parse_knowledge_callback(data: str | None) -> tuple[str, str] | None:
    """(verb, key) of this module's callback data, else None."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CALLBACK_PREFIX or not parts[2]:
        return None
    if parts[1] not in (APPLY, CANCEL, ADD_PHRASING, DISMISS):
        return None
    return parts[1], parts[2]


@dataclass(frozen=True, slots=True)
class AdminTap:
    """A tap on one of this module's buttons: what it asks, by which admin, in what language."""

    query: CallbackQuery
    verb: str
    key: str
    user: User
    language: Language


def admin_tap(update: Update, admins: Admins) -> AdminTap | None:
    """The admin's tap in ``update``; None when it is not one of this module's buttons.

    The registration lets only admins' taps through to the handlers that call this.
    """
    query = update.callback_query
    parsed = parse_knowledge_callback(query.data if query else None)
    if query is None or parsed is None:
        return None
    verb, key = parsed
    return AdminTap(query, verb, key, query.from_user, admins.language(query.from_user))
