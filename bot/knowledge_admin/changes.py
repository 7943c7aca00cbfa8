"""Changing the live knowledge safely: propose, review, gate, apply atomically, roll back.

An upload (or a one-tap "add this phrasing") becomes a ``Proposal``: validated with exactly the
checks of ``python -m bot check``, summarised as a diff (entries added, removed, changed; each
changed answer and fact field old → new) and run through a regression gate (labelled questions
that are right now must stay right).

There is one history and one way to make a version live. The history folder holds a snapshot of
every version made live (its files; who, when, how); ``/rollback`` and ``/history`` read it, and
the question log's ``knowledge_versions`` table is a copy of it. An upload, a rollback,
``/reload`` and the watch of the folder all make a version live through
``KnowledgeEditor._make_live``, under one lock: the new version's snapshot is written into the
history first (complete, then renamed into place), then the live files are replaced (temporary
files, fsync, renames), then the engine is swapped. A crash leaves the old version live and
recorded, or the new one recorded and, once ``finish_interrupted_change`` ran at the next start,
live. A disk that refuses a write (full, read-only) changes nothing live and leaves no temporary
file, and the admin is told why in plain words.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.engine.knowledge import EDITABLE_FILES, KnowledgeError, Problem, load_knowledge
from bot.engine.pipeline import Engine
from bot.knowledge_admin.durable import (
    HalfWritten,
    atomic_write,
    discard,
    discard_folder,
    fingerprint,
    replace_files,
    sync_quietly,
)
from bot.knowledge_admin.errors import ChangeError, StorageError
from bot.knowledge_admin.history import (
    PENDING_FILE,
    HistoryVersion,
    finish_interrupted_change,
    folder_name,
    read_snapshot,
    read_versions,
    write_snapshot,
)
from bot.knowledge_admin.live import COMPLETED_AFTER_INTERRUPTION, LiveEngine, read_files
from bot.knowledge_admin.offers import PhrasingGate
from bot.knowledge_admin.proposals import Phrasing, Proposal, propose_file, propose_phrasings

logger = logging.getLogger(__name__)

SERVER = "server"
RELOAD_FROM_DISK = "reload from disk"


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a look at the folder did: a version made live, nothing, or why not."""

    changed: bool
    version: str
    previous: str
    problems: tuple[Problem, ...] = ()
    # A valid edit on disk the history could not record, which therefore did not go live.
    failure: StorageError | None = None

    @property
    def refused(self) -> bool:
        """True when the files on disk are invalid and the old version stayed live."""
        return bool(self.problems)


class KnowledgeEditor:
    """Proposes, applies and rolls back changes to the live knowledge, one at a time.

    Every change — apply, rollback, ``sync`` (``/reload`` and the watch) — takes ``_lock``
    and makes its version live through ``_make_live``; nothing else swaps the engine.
    """

    def __init__(self, live: LiveEngine, history: Path, *, max_bytes: int) -> None:
        self.live = live
        self.history = history
        self.max_bytes = max_bytes
        # The one lock: two admins applying at once, or an apply during a reload, take turns
        # (and the second finds its proposal stale).
        self._lock = threading.Lock()
        # The files on disk last looked at, so that the watch validates an edit once.
        self._seen = fingerprint(live.files)
        self._reported: str | None = None
        self._logged_failure: str | None = None
        self.offers = PhrasingGate(live, max_bytes=max_bytes)

    @property
    def directory(self) -> Path:
        """The live knowledge folder."""
        return self.live.directory

    # --- proposals (no lock: they change nothing) -------------------------------------------

    def propose(self, name: str, content: bytes) -> Proposal:
        """Validate an upload against the live version; raise ``ChangeError`` when refused."""
        return propose_file(self.live, name, content, self.max_bytes)

    def propose_phrasing(self, entry_id: str, phrasing: str, language: str) -> Proposal:
        """A proposal adding ``phrasing`` to an entry's questions (learning from the log)."""
        addition = [Phrasing(entry_id, phrasing, language)]
        return propose_phrasings(self.live, addition, self.max_bytes, self.offers.known())

    def offerable(self, candidates: Sequence[Phrasing]) -> frozenset[Phrasing]:
        """The candidate phrasings that would pass the checks and the gate now (cached)."""
        return self.offers.passing(candidates)

    # --- changes ------------------------------------------------------------------------------

    def apply(self, proposal: Proposal, actor: str, action: str | None = None) -> HistoryVersion:
        """Make an upload live: recorded in the history, then written, then swapped in."""
        with self._lock:
            self._finish_interrupted()
            problems = self._take_edits_on_disk()
            if problems:
                raise ChangeError("disk_edited_invalid", [str(p) for p in problems])
            if self.live.current.version != proposal.base_version:
                raise ChangeError("stale")
            files = {**self.live.files, proposal.file: proposal.content}
            live = self.live.current.version
            action = action or f"apply {proposal.file}"
            return self._make_live(proposal.engine, files, actor, action, previous=live)

    def rollback(self, actor: str) -> HistoryVersion:
        """Restore the version that was live before the current one, the same way.

        An edit on disk that was not taken yet is recorded first, so the rollback returns to
        the version before it; one that does not validate is replaced.
        """
        with self._lock:
            self._finish_interrupted()
            self._take_edits_on_disk()
            live = self.live.current.version
            versions = self.versions()
            current = next((v for v in versions if v.version == live), None)
            if current is None:
                # The live version was loaded at start and never recorded: the one before it
                # is the newest the history has.
                target = versions[0] if versions else None
            else:
                target = self._newest(current.previous) if current.previous else None
            if target is None:
                raise ChangeError("no_earlier")
            try:
                files = {**self.live.files, **read_snapshot(target.path)}
            except OSError as error:
                raise StorageError(target.path, error) from error
            try:
                knowledge = load_knowledge(self.directory, files)
            except KnowledgeError as error:
                raise ChangeError(
                    "no_longer_validates",
                    [str(p) for p in error.problems],
                    version=target.version,
                ) from error
            return self._make_live(
                self.live.current.for_knowledge(knowledge),
                files,
                actor,
                f"rollback from {live}",
                previous=target.previous,
            )

    def sync(
        self, actor: str = SERVER, action: str = RELOAD_FROM_DISK, *, force: bool = False
    ) -> SyncResult:
        """Take the folder's files if they changed: validated, recorded, made live.

        Invalid files are refused (the old version stays live) and looked at again only when
        they change, or with ``force``; a valid edit the history cannot record does not go live
        and is tried again at the next look.
        """
        with self._lock:
            try:
                self._finish_interrupted()
            except StorageError as error:
                live = self.live.current.version
                return SyncResult(False, live, live, failure=error)
            return self._sync(actor, action, force=force)

    def disk_is_live(self) -> bool:
        """True when the files in the folder are the live version's (nothing left to take)."""
        return read_files(self.directory) == self.live.files

    def should_report(self, result: SyncResult) -> bool:
        """True once per distinct refused or unrecordable state, so admins are told once."""
        if not (result.refused or result.failure):
            return False
        key = "\n".join(str(p) for p in result.problems) or str(result.failure)
        if key == self._reported:
            return False
        self._reported = key
        return True

    # --- the history --------------------------------------------------------------------------

    def versions(self) -> list[HistoryVersion]:
        """Versions in the history folder, newest first."""
        return read_versions(self.history)

    def live_is_recorded(self) -> bool:
        """True when the history's newest version is the live one."""
        versions = self.versions()
        return bool(versions) and versions[0].version == self.live.current.version

    def _newest(self, version: str) -> HistoryVersion | None:
        return next((v for v in self.versions() if v.version == version), None)

    # --- making a version live (under the lock) -----------------------------------------------

    def _finish_interrupted(self) -> None:
        """Complete a change a failure left half-written (see ``replace_files``)."""
        try:
            finished = finish_interrupted_change(self.directory, self.history)
        except OSError as error:
            raise StorageError(self.directory, error) from error
        if finished is None or finished == self.live.current.version:
            return
        files = read_files(self.directory)
        try:
            knowledge = load_knowledge(self.directory, files)
        except KnowledgeError:
            return  # the look at the folder reports it
        self.live.swap(
            self.live.current.for_knowledge(knowledge), files, COMPLETED_AFTER_INTERRUPTION
        )
        self._seen = fingerprint(files)

    def _take_edits_on_disk(self) -> tuple[Problem, ...]:
        """Edits on disk the watch has not taken yet become a recorded version first, so a
        change never overwrites them unrecorded; returns the problems of an invalid edit."""
        result = self._sync(SERVER, RELOAD_FROM_DISK, force=True)
        if result.failure is not None:
            raise result.failure
        return result.problems

    def _sync(self, actor: str, action: str, *, force: bool) -> SyncResult:
        live = self.live.current.version
        on_disk = read_files(self.directory)
        on_disk_print = fingerprint(on_disk)
        if on_disk == self.live.files:
            self._seen, self._reported = on_disk_print, None
            return SyncResult(False, live, live)
        if on_disk_print == self._seen and not force:
            return SyncResult(False, live, live)
        try:
            knowledge = load_knowledge(self.directory, on_disk)
        except KnowledgeError as error:
            self._seen = on_disk_print
            logger.warning("knowledge on disk is invalid; keeping version %s:\n%s", live, error)
            return SyncResult(False, live, live, tuple(error.problems))
        try:
            self._make_live(
                self.live.current.for_knowledge(knowledge), on_disk, actor, action, previous=live
            )
        except StorageError as error:
            if str(error) != self._logged_failure:  # the watch tries again every few seconds
                self._logged_failure = str(error)
                logger.warning(
                    "a valid edit on disk could not be recorded, so it is not live: %s", error
                )
            return SyncResult(False, live, live, failure=error)
        self._logged_failure = None
        self._seen = on_disk_print
        return SyncResult(True, knowledge.version, live)

    def _make_live(
        self,
        engine: Engine,
        files: Mapping[str, bytes],
        actor: str,
        action: str,
        *,
        previous: str | None,
    ) -> HistoryVersion:
        """The one way a version goes live: snapshot into the history, write, swap.

        ``previous`` is the version a rollback of this one restores.
        Raises ``StorageError`` when the disk refuses a write; then nothing live changed and
        no temporary file is left.
        """
        live = self.live.current.version
        versions = self.versions()
        newest = versions[0] if versions else None
        if newest is None or newest.version != live:
            # The live version was loaded at start and is not recorded yet: record it as it
            # was, so that this change can be rolled back to it.
            base = newest.version if newest else None
            newest = write_snapshot(
                self.history,
                self.live.files,
                live,
                SERVER,
                self.live.origin,
                previous=base,
                replaced=base,
                applied_at=self.live.since,
                after=newest,
            )
        on_disk = read_files(self.directory)
        writes = {
            name: files[name]
            for name in EDITABLE_FILES
            if name in files and on_disk.get(name) != files[name]
        }
        name = folder_name(engine.version, newest)
        if writes:
            try:
                self.history.mkdir(parents=True, exist_ok=True)
                atomic_write(
                    self.history / PENDING_FILE, json.dumps({"folder": name}).encode("utf-8")
                )
            except OSError as error:
                discard(self.history / PENDING_FILE)
                raise StorageError(self.history, error) from error
        try:
            snapshot = write_snapshot(
                self.history,
                files,
                engine.version,
                actor,
                action,
                previous=previous,
                replaced=live,
                name=name,
            )
        except StorageError:
            if writes:
                discard(self.history / PENDING_FILE)
            raise
        try:
            durable = not writes or replace_files(self.directory, writes, on_disk)
        except HalfWritten as error:
            # Left pending: the next change, look at the folder or start completes it.
            logger.error("knowledge files half replaced; the change is completed later: %s", error)
            raise StorageError(self.directory, error) from error
        except OSError as error:
            discard_folder(snapshot.path)
            discard(self.history / PENDING_FILE)
            raise StorageError(self.directory, error) from error
        self.live.swap(engine, files, action)
        self._seen, self._reported = fingerprint(files), None
        if writes and durable:
            discard(self.history / PENDING_FILE)
            sync_quietly(self.history)
        return snapshot
