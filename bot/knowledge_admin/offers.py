"""Which phrasings ``/unanswered`` may offer to add: those the regression gate would let
through, so a ➕ button never offers what applying it would refuse.

The gate runs once for a whole set of candidates (all their phrasings added together); only
when that set is refused is it split in halves, down to the phrasings that are refused alone.
What the live version answers right (half of every gate run) is worked out once per version,
and verdicts are kept per version: listing the same candidates again costs nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from bot.knowledge_admin.errors import ChangeError
from bot.knowledge_admin.live import LiveEngine
from bot.knowledge_admin.proposals import Phrasing, RightNow, propose_phrasings, right_now

logger = logging.getLogger(__name__)

# Candidate sets remembered for the live version (a /unanswered list is one set).
_KEPT_SETS = 32


class PhrasingGate:
    """The gate's verdict on sets of candidate phrasings, cached per knowledge version."""

    def __init__(self, live: LiveEngine, *, max_bytes: int) -> None:
        self.live = live
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._version = ""
        self._right_now: RightNow | None = None
        self._verdicts: dict[frozenset[Phrasing], frozenset[Phrasing]] = {}
        self.runs = 0  # gate runs so far (how cheap the offers are, for the tests)

    def known(self) -> RightNow | None:
        """What the live version answers right, if already worked out."""
        known = self._right_now
        return known if known is not None and known.version == self.live.current.version else None

    def passing(self, candidates: Sequence[Phrasing]) -> frozenset[Phrasing]:
        """The candidates that would pass the checks and the regression gate."""
        unique = list(dict.fromkeys(candidates))
        with self._lock:
            version = self.live.current.version
            if version != self._version:
                self._version, self._right_now, self._verdicts = version, None, {}
            key = frozenset(unique)
            if key not in self._verdicts:
                if len(self._verdicts) >= _KEPT_SETS:
                    self._verdicts.clear()
                self._verdicts[key] = frozenset(self._passing(unique))
            return self._verdicts[key]

    def _passing(self, candidates: list[Phrasing]) -> list[Phrasing]:
        if not candidates:
            return []
        if self._right_now is None:
            self._right_now = right_now(self.live.directory, self.live.current)
        self.runs += 1
        try:
            propose_phrasings(self.live, candidates, self.max_bytes, self._right_now)
        except ChangeError as error:
            if len(candidates) == 1:
                logger.info("not offering %s: %s", candidates[0], error.message)
                return []
            half = len(candidates) // 2
            return self._passing(candidates[:half]) + self._passing(candidates[half:])
        return candidates
