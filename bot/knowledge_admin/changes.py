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

import errno
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bot.engine.evaluation import judge, load_questions
from bot.engine.knowledge import (
    EDITABLE_FILES,
    FAQ_FILE,
    QUESTIONS_FILE,
    Knowledge,
    KnowledgeError,
    Problem,
    load_knowledge,
)
from bot.engine.pipeline import Engine
from bot.knowledge_admin.live import LiveEngine, read_files

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"^[a-z]+\.yaml$")
_VERSION_DIR = re.compile(r"^\d{8}T\d{6}\d*Z-[0-9a-f]{12}$")
META_FILE = "meta.json"
# In the history folder while live files are replaced: the snapshot they are replaced with.
PENDING_FILE = "pending.json"
# A snapshot is written under this prefix and renamed into place once complete.
_INCOMING = ".incoming-"
_TEMPORARY = ".tmp"
SERVER = "server"
RELOAD_FROM_DISK = "reload from disk"


class ChangeError(Exception):
    """A change was refused; ``problems`` (if any) say why, line by line."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A fact's field whose text changed: its value, kind, period, quote …"""

    fact: str
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """An entry's answer in one language (``zh`` or ``en``), before and after."""

    entry: str
    language: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Diff:
    """What a change does to the knowledge."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    # What the reviewer must read: a negated answer or a target turned into an achievement
    # changes no figure, so each changed answer and fact field is shown old → new.
    answers: tuple[AnswerChange, ...] = ()
    fields: tuple[FieldChange, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the change alters nothing."""
        return not (self.added or self.removed or self.changed or self.answers or self.fields)


# The fields a reviewer reads first come first.
FACT_FIELDS = (
    "value",
    "value_en",
    "kind",
    "period",
    "period_en",
    "subject",
    "subject_en",
    "measure",
    "measure_en",
    "quote",
    "source",
)


@dataclass(frozen=True, slots=True)
class Regression:
    """A labelled question that is right now and would turn wrong."""

    question: str
    now: str
    after: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A validated change, ready to be applied."""

    file: str
    content: bytes
    base_version: str
    new_version: str
    diff: Diff
    engine: Engine = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class HistoryVersion:
    """A version kept in the history folder."""

    version: str
    applied_at: str
    applied_by: str
    action: str
    # The version /rollback restores from this one (repeated rollbacks go further back).
    previous: str | None
    path: Path
    # The version that was live before this one (what /history shows as "was").
    replaced: str | None = None
    # False for snapshots written before the question log copied the history (already there).
    copied_to_log: bool = True


class StorageError(ChangeError):
    """The disk refused a write (full, read-only, …): nothing live changed, nothing was left."""

    def __init__(self, folder: Path, error: OSError) -> None:
        self.folder = folder
        self.kind = storage_problem(error)
        self.detail = error.strerror or str(error)
        super().__init__(f"{_STORAGE_WORDS[self.kind]} ({folder}): {self.detail}")


_STORAGE_WORDS = {
    "full": "the disk is full",
    "read_only": "the disk is read-only",
    "not_allowed": "no permission to write",
    "failed": "could not write",
}


def storage_problem(error: OSError) -> str:
    """What a refused write means, in one word: full, read_only, not_allowed or failed."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "full"
    if error.errno == errno.EROFS:
        return "read_only"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "not_allowed"
    return "failed"


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


def check_file_name(name: str) -> str:
    """The knowledge file an upload replaces; refuses paths and unknown names."""
    base = name.strip()
    if "/" in base or "\\" in base or base.startswith(".") or not _SAFE_NAME.match(base):
        raise ChangeError(f"“{name}” is not a knowledge file name")
    if base not in EDITABLE_FILES:
        raise ChangeError(f"only {', '.join(EDITABLE_FILES)} can be uploaded, not “{name}”")
    return base


def diff_knowledge(old: Knowledge, new: Knowledge) -> Diff:
    """Entries and facts added, removed and changed; answers and fact fields old → new."""
    added: list[str] = []
    removed: list[str] = []
    changed: list[str] = []
    for kind, before, after in (
        ("fact", old.facts, new.facts),
        ("entry", old.entries, new.entries),
        ("topic", old.topics, new.topics),
    ):
        added += [f"{kind} {key}" for key in after if key not in before]
        removed += [f"{kind} {key}" for key in before if key not in after]
        changed += [
            f"{kind} {key}" for key in after if key in before and after[key] != before[key]
        ]
    answers = [
        AnswerChange(key, language, getattr(old.entries[key], field), getattr(entry, field))
        for key, entry in new.entries.items()
        if key in old.entries
        for language, field in (("zh", "answer_zh"), ("en", "answer_en"))
        if getattr(old.entries[key], field) != getattr(entry, field)
    ]
    fields = [
        FieldChange(key, name, getattr(old.facts[key], name), getattr(fact, name))
        for key, fact in new.facts.items()
        if key in old.facts
        for name in FACT_FIELDS
        if getattr(old.facts[key], name) != getattr(fact, name)
    ]
    if old.lexicon != new.lexicon:
        changed.append("lexicon")
    return Diff(tuple(added), tuple(removed), tuple(changed), tuple(answers), tuple(fields))


# Around what changed in a long answer, this many characters are shown on each side.
EXCERPT_CONTEXT = 30


def changed_excerpts(old: str, new: str, context: int = EXCERPT_CONTEXT) -> tuple[str, str]:
    """``old`` and ``new`` cut to what differs plus ``context`` characters each side ("…")."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - context)
    keep = max(0, suffix - context)

    def cut(text: str) -> str:
        end = len(text) - keep
        return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")

    return cut(old), cut(new)


def regressions(directory: Path, now: Engine, after: Engine) -> list[Regression]:
    """Labelled questions answered right by ``now`` and wrongly by ``after``."""
    path = directory / QUESTIONS_FILE
    if not path.exists():
        return []
    found = []
    for label in load_questions(path):
        current = now.ask(label.question)
        if not judge(current, label).correct:
            continue
        proposed = after.ask(label.question)
        verdict = judge(proposed, label)
        if not verdict.correct:
            found.append(Regression(label.question, current.text, verdict.detail))
    return found


# --- the file system: every write goes through these, so faults can be injected and counted ---


def _write_new(path: Path, content: bytes) -> None:
    """Create (or truncate) ``path`` with ``content``, flushed to the disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(path: Path) -> None:
    """Make a folder's renames durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _discard(path: Path) -> None:
    """Remove a file if it is there; a failure is logged, never raised (used while failing)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)


def _discard_folder(path: Path) -> None:
    """Remove a (flat) snapshot folder if it is there; failures are logged, never raised."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)
        return
    for entry in entries:
        _discard(Path(entry.path))
    try:
        os.rmdir(path)
    except OSError as error:
        logger.error("could not remove %s: %s", path, error)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}{_TEMPORARY}")


def _atomic_write(path: Path, content: bytes) -> None:
    """Write ``path`` so that a crash leaves the old or the new file; on failure, no trace."""
    temporary = _temporary(path)
    try:
        _write_new(temporary, content)
        os.replace(temporary, path)
    except OSError:
        _discard(temporary)
        raise
    _fsync_folder(path.parent)


class _HalfWritten(OSError):
    """Some live files were replaced and could not be put back (two faults in a row)."""


def _replace_files(directory: Path, files: Mapping[str, bytes], old: Mapping[str, bytes]) -> bool:
    """Replace ``files`` in ``directory``: every temporary file written first, then the renames.

    A full or read-only disk fails while writing: the live files stay as they were. A failure
    of a rename (not what a full disk does) puts the renamed files back; if that fails too,
    ``_HalfWritten`` is raised and the change is completed by ``finish_interrupted_change``.
    Returns False when the renames are done but the folder could not be synced (they may not
    survive a power cut: the caller keeps the pending marker, which completes them then).
    """
    temporaries = {name: _temporary(directory / name) for name in files}
    try:
        for name, content in files.items():
            _write_new(temporaries[name], content)
    except OSError:
        for temporary in temporaries.values():
            _discard(temporary)
        raise
    renamed: list[str] = []
    try:
        for name in files:
            os.replace(temporaries[name], directory / name)
            renamed.append(name)
    except OSError as error:
        for temporary in temporaries.values():
            _discard(temporary)
        try:
            for name in renamed:
                if name in old:
                    _atomic_write(directory / name, old[name])
                else:
                    os.unlink(directory / name)
        except OSError as second:
            raise _HalfWritten(second.errno, second.strerror) from error
        raise
    try:
        _fsync_folder(directory)
    except OSError as error:
        logger.warning("could not sync %s after replacing knowledge files: %s", directory, error)
        return False
    return True


def _fingerprint(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def _read_snapshot(folder: Path) -> dict[str, bytes]:
    """The knowledge files a snapshot holds."""
    return {
        name: (folder / name).read_bytes() for name in EDITABLE_FILES if (folder / name).exists()
    }


def finish_interrupted_change(directory: Path, history: Path) -> str | None:
    """Complete a change a crash interrupted, and remove what it left half-written.

    Run before the knowledge is loaded at start (and before every change). A snapshot named by
    the pending marker is complete: its files are written into the live folder. Returns the
    version it made live, if any.
    """
    # Run at every look at the folder: only what is there is touched.
    for leftover in [_temporary(directory / file) for file in EDITABLE_FILES]:
        if leftover.exists():
            _discard(leftover)
    if not history.is_dir():
        return None
    for entry in history.iterdir():
        if entry.name.startswith(_INCOMING):
            _discard_folder(entry)
        elif entry.name == _temporary(history / PENDING_FILE).name:
            _discard(entry)
    pending = history / PENDING_FILE
    if not pending.exists():
        return None
    name: object = None
    try:
        name = json.loads(pending.read_text(encoding="utf-8"))["folder"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.error("unreadable %s (%s): removed", pending, error)
    folder = history / name if isinstance(name, str) and _VERSION_DIR.match(name) else None
    newest = max(
        (entry.name for entry in history.iterdir() if _VERSION_DIR.match(entry.name)), default=""
    )
    version = None
    # Only the newest snapshot can be the one interrupted: a marker naming an older one is
    # left over from a change that completed (its removal failed), and is just removed.
    if folder is not None and folder.name == newest and (folder / META_FILE).exists():
        files = _read_snapshot(folder)
        on_disk = read_files(directory)
        changed = {n: content for n, content in files.items() if on_disk.get(n) != content}
        _replace_files(directory, changed, on_disk)
        version = json.loads((folder / META_FILE).read_text(encoding="utf-8"))["version"]
        logger.warning("finished the interrupted change to knowledge version %s", version)
    os.unlink(pending)
    _sync_quietly(history)
    return version if isinstance(version, str) else None


def _sync_quietly(folder: Path) -> None:
    """Sync a folder after a removal; a failure only risks the removal being undone."""
    try:
        _fsync_folder(folder)
    except OSError as error:
        logger.warning("could not sync %s: %s", folder, error)


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
        self._seen = _fingerprint(live.files)
        self._reported: str | None = None
        self._logged_failure: str | None = None

    @property
    def directory(self) -> Path:
        """The live knowledge folder."""
        return self.live.directory

    # --- proposals (no lock: they change nothing) -------------------------------------------

    def propose(self, name: str, content: bytes) -> Proposal:
        """Validate an upload against the live version; raise ``ChangeError`` when refused."""
        file = check_file_name(name)
        if len(content) > self.max_bytes:
            raise ChangeError(f"{file} is {len(content):,} bytes; the limit is {self.max_bytes:,}")
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ChangeError(f"{file} is not UTF-8 text (byte {error.start})") from error
        now = self.live.current
        try:
            knowledge = load_knowledge(self.directory, {**self.live.files, file: content})
        except KnowledgeError as error:
            raise ChangeError(
                f"{file} has {len(error.problems)} problem(s)", [str(p) for p in error.problems]
            ) from error
        diff = diff_knowledge(now.knowledge, knowledge)
        engine = self.live.current.for_knowledge(knowledge)
        found = regressions(self.directory, now, engine)
        if found:
            raise ChangeError(
                f"{len(found)} labelled question(s) answered right now would turn wrong",
                [f"{r.question} — {r.after}" for r in found],
            )
        return Proposal(file, content, now.version, knowledge.version, diff, engine)

    def propose_phrasing(self, entry_id: str, phrasing: str, language: str) -> Proposal:
        """A proposal adding ``phrasing`` to an entry's questions (learning from the log)."""
        text = self.live.files[FAQ_FILE].decode("utf-8")
        data = yaml.safe_load(text)
        entry = next((e for e in data.get("entries", []) if e.get("id") == entry_id), None)
        if entry is None:
            raise ChangeError(f"there is no entry {entry_id} any more")
        phrasings = entry.setdefault("questions", {}).setdefault(language, [])
        if phrasing in phrasings:
            raise ChangeError(f"“{phrasing}” is already a phrasing of {entry_id}")
        phrasings.append(phrasing)
        content = _insert_phrasing(text, entry_id, language, phrasing)
        if content is None or yaml.safe_load(content) != data:
            # The file is not laid out as expected: rewrite it whole (comments are lost, the
            # content is the same).
            content = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        return self.propose(FAQ_FILE, content.encode("utf-8"))

    # --- changes ------------------------------------------------------------------------------

    def apply(self, proposal: Proposal, actor: str, action: str | None = None) -> HistoryVersion:
        """Make an upload live: recorded in the history, then written, then swapped in."""
        with self._lock:
            self._finish_interrupted()
            problems = self._take_edits_on_disk()
            if problems:
                raise ChangeError(
                    "the knowledge files on the server were edited and have problems; they "
                    "must be fixed (or rolled back) first",
                    [str(p) for p in problems],
                )
            if self.live.current.version != proposal.base_version:
                raise ChangeError(
                    "the knowledge changed since this upload was checked; upload it again"
                )
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
                raise ChangeError("there is no earlier version to roll back to")
            try:
                files = {**self.live.files, **_read_snapshot(target.path)}
            except OSError as error:
                raise StorageError(target.path, error) from error
            try:
                knowledge = load_knowledge(self.directory, files)
            except KnowledgeError as error:
                raise ChangeError(
                    f"version {target.version} no longer validates",
                    [str(p) for p in error.problems],
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
        if not self.history.exists():
            return []
        found = []
        for folder in self.history.iterdir():
            meta_path = folder / META_FILE
            if not (_VERSION_DIR.match(folder.name) and meta_path.exists()):
                continue
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                logger.warning("skipped the unreadable snapshot %s: %s", folder, error)
                continue
            found.append(
                HistoryVersion(
                    meta["version"],
                    meta["applied_at"],
                    meta["applied_by"],
                    meta["action"],
                    meta.get("previous"),
                    folder,
                    meta.get("replaced", meta.get("previous")),
                    copied_to_log="replaced" in meta,
                )
            )
        found.sort(key=lambda v: v.path.name, reverse=True)
        return found

    def live_is_recorded(self) -> bool:
        """True when the history's newest version is the live one."""
        versions = self.versions()
        return bool(versions) and versions[0].version == self.live.current.version

    def _newest(self, version: str) -> HistoryVersion | None:
        return next((v for v in self.versions() if v.version == version), None)

    # --- making a version live (under the lock) -----------------------------------------------

    def _finish_interrupted(self) -> None:
        """Complete a change a failure left half-written (see ``_replace_files``)."""
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
            self.live.current.for_knowledge(knowledge), files, "completed after an interruption"
        )
        self._seen = _fingerprint(files)

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
        fingerprint = _fingerprint(on_disk)
        if on_disk == self.live.files:
            self._seen, self._reported = fingerprint, None
            return SyncResult(False, live, live)
        if fingerprint == self._seen and not force:
            return SyncResult(False, live, live)
        try:
            knowledge = load_knowledge(self.directory, on_disk)
        except KnowledgeError as error:
            self._seen = fingerprint
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
        self._seen = fingerprint
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
            newest = self._write_snapshot(
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
        name = self._folder_name(engine.version, newest)
        if writes:
            try:
                self.history.mkdir(parents=True, exist_ok=True)
                _atomic_write(
                    self.history / PENDING_FILE, json.dumps({"folder": name}).encode("utf-8")
                )
            except OSError as error:
                _discard(self.history / PENDING_FILE)
                raise StorageError(self.history, error) from error
        try:
            snapshot = self._write_snapshot(
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
                _discard(self.history / PENDING_FILE)
            raise
        try:
            durable = not writes or _replace_files(self.directory, writes, on_disk)
        except _HalfWritten as error:
            # Left pending: the next change, look at the folder or start completes it.
            logger.error("knowledge files half replaced; the change is completed later: %s", error)
            raise StorageError(self.directory, error) from error
        except OSError as error:
            _discard_folder(snapshot.path)
            _discard(self.history / PENDING_FILE)
            raise StorageError(self.directory, error) from error
        self.live.swap(engine, files, action)
        self._seen, self._reported = _fingerprint(files), None
        if writes and durable:
            _discard(self.history / PENDING_FILE)
            _sync_quietly(self.history)
        return snapshot

    def _folder_name(self, version: str, after: HistoryVersion | None) -> str:
        """A new snapshot's folder name: its time, so that names sort as versions were made."""
        moment = datetime.now(UTC)
        while True:
            name = f"{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{version}"
            if after is None or name > after.path.name:
                return name
            moment += timedelta(microseconds=1)

    def _write_snapshot(
        self,
        files: Mapping[str, bytes],
        version: str,
        actor: str,
        action: str,
        *,
        previous: str | None,
        replaced: str | None,
        applied_at: datetime | None = None,
        name: str | None = None,
        after: HistoryVersion | None = None,
    ) -> HistoryVersion:
        """Write a complete snapshot folder: in a temporary folder, then renamed into place."""
        name = name or self._folder_name(version, after)
        incoming = self.history / f"{_INCOMING}{name}"
        folder = self.history / name
        moment = applied_at or datetime.now(UTC)
        applied = moment.isoformat(timespec="seconds")
        meta = {
            "version": version,
            "applied_at": applied,
            "applied_by": actor,
            "action": action,
            "previous": previous,
            "replaced": replaced,
        }
        try:
            self.history.mkdir(parents=True, exist_ok=True)
            os.mkdir(incoming)
            for file in EDITABLE_FILES:
                if file in files:
                    _write_new(incoming / file, files[file])
            _write_new(incoming / META_FILE, json.dumps(meta, ensure_ascii=False).encode())
            _fsync_folder(incoming)
            os.rename(incoming, folder)
            _fsync_folder(self.history)
        except OSError as error:
            _discard_folder(incoming)
            if folder.exists():
                _discard_folder(folder)
            raise StorageError(self.history, error) from error
        return HistoryVersion(version, applied, actor, action, previous, folder, replaced)


def _insert_phrasing(text: str, entry_id: str, language: str, phrasing: str) -> str | None:
    """Insert a phrasing line into a block-style entry, keeping the file's layout."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if line.rstrip() == f"  - id: {entry_id}"), None
    )
    if start is None:
        return None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")), len(lines)
    )
    header = next(
        (i for i in range(start, end) if lines[i].rstrip() == f"      {language}:"), None
    )
    if header is None:
        return None
    at = header + 1
    while at < end and lines[at].startswith("        - "):
        at += 1
    lines.insert(at, f"        - {json.dumps(phrasing, ensure_ascii=False)}\n")
    return "".join(lines)
