"""Changing the live knowledge safely: propose, review, gate, apply atomically, roll back.

An upload (or a one-tap "add this phrasing") becomes a ``Proposal``: validated with exactly the
checks of ``python -m bot check``, summarised as a diff (entries added, removed, changed; each
changed figure old → new) and run through a regression gate (labelled questions that are right
now must stay right). Applying writes the file atomically (temporary file, fsync, rename) after
keeping the previous version in the history folder, then swaps the live engine. Nothing is
written unless every step passed, and a proposal made against an older version is refused.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.engine import Engine
from bot.evaluation import judge, load_questions
from bot.knowledge import (
    EDITABLE_FILES,
    FAQ_FILE,
    QUESTIONS_FILE,
    Knowledge,
    KnowledgeError,
    load_knowledge,
)
from bot.live import LiveEngine

_SAFE_NAME = re.compile(r"^[a-z]+\.yaml$")
_VERSION_DIR = re.compile(r"^\d{8}T\d{6}\d*Z-[0-9a-f]{12}$")


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
    # The version that was live before this one, which /rollback restores.
    previous: str | None
    path: Path


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


def _atomic_write(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that a crash leaves either the old or the new file."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class KnowledgeEditor:
    """Proposes, applies and rolls back changes to the live knowledge, one at a time."""

    def __init__(self, live: LiveEngine, history: Path, *, max_bytes: int) -> None:
        self.live = live
        self.history = history
        self.max_bytes = max_bytes
        # Two admins applying at once: one waits, then finds its proposal stale.
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        """The live knowledge folder."""
        return self.live.directory

    def propose(self, name: str, content: bytes) -> Proposal:
        """Validate an upload against the live set; raise ``ChangeError`` when refused."""
        file = check_file_name(name)
        if len(content) > self.max_bytes:
            raise ChangeError(f"{file} is {len(content):,} bytes; the limit is {self.max_bytes:,}")
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ChangeError(f"{file} is not UTF-8 text (byte {error.start})") from error
        now = self.live.current
        try:
            knowledge = load_knowledge(self.directory, {file: content})
        except KnowledgeError as error:
            raise ChangeError(
                f"{file} has {len(error.problems)} problem(s)", [str(p) for p in error.problems]
            ) from error
        diff = diff_knowledge(now.knowledge, knowledge)
        engine = Engine(knowledge)
        found = regressions(self.directory, now, engine)
        if found:
            raise ChangeError(
                f"{len(found)} labelled question(s) answered right now would turn wrong",
                [f"{r.question} — {r.after}" for r in found],
            )
        return Proposal(file, content, now.version, knowledge.version, diff, engine)

    def propose_phrasing(self, entry_id: str, phrasing: str, language: str) -> Proposal:
        """A proposal adding ``phrasing`` to an entry's questions (learning from the log)."""
        path = self.directory / FAQ_FILE
        text = path.read_text(encoding="utf-8")
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

    def apply(self, proposal: Proposal, actor: str) -> HistoryVersion:
        """Keep the current files in history, write the new one atomically, swap the engine."""
        with self._lock:
            live = self.live.current.version
            if live != proposal.base_version:
                raise ChangeError(
                    "the knowledge changed since this upload was checked; upload it again"
                )
            if self._latest(live) is None:
                self._snapshot(live, actor, "as found before the first change", None)
            _atomic_write(self.directory / proposal.file, proposal.content)
            self.live.swap(proposal.engine)
            return self._snapshot(proposal.new_version, actor, f"apply {proposal.file}", live)

    def rollback(self, actor: str) -> HistoryVersion:
        """Restore the version that was live before the current one, the same atomic way."""
        with self._lock:
            live = self.live.current.version
            current = self._latest(live)
            target = self._latest(current.previous) if current and current.previous else None
            if target is None:
                raise ChangeError("there is no earlier version to roll back to")
            overrides = {
                name: (target.path / name).read_bytes()
                for name in EDITABLE_FILES
                if (target.path / name).exists()
            }
            try:
                knowledge = load_knowledge(self.directory, overrides)
            except KnowledgeError as error:
                raise ChangeError(
                    f"version {target.version} no longer validates",
                    [str(p) for p in error.problems],
                ) from error
            for name, content in overrides.items():
                _atomic_write(self.directory / name, content)
            self.live.swap(Engine(knowledge))
            return self._snapshot(
                knowledge.version, actor, f"rollback from {live}", target.previous
            )

    def versions(self) -> list[HistoryVersion]:
        """Versions in the history folder, newest first."""
        if not self.history.exists():
            return []
        found = []
        for folder in self.history.iterdir():
            meta_path = folder / "meta.json"
            if not (_VERSION_DIR.match(folder.name) and meta_path.exists()):
                continue
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            found.append(
                HistoryVersion(
                    meta["version"],
                    meta["applied_at"],
                    meta["applied_by"],
                    meta["action"],
                    meta.get("previous"),
                    folder,
                )
            )
        found.sort(key=lambda v: v.path.name, reverse=True)
        return found

    def _latest(self, version: str) -> HistoryVersion | None:
        return next((v for v in self.versions() if v.version == version), None)

    def _snapshot(
        self, version: str, actor: str, action: str, previous: str | None
    ) -> HistoryVersion:
        """Copy the editable files as they are now into a new history folder."""
        moment = datetime.now(UTC)
        folder = self.history / f"{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{version}"
        folder.mkdir(parents=True, exist_ok=False)
        for name in EDITABLE_FILES:
            source = self.directory / name
            if source.exists():
                shutil.copy2(source, folder / name)
        applied_at = moment.isoformat(timespec="seconds")
        meta = {
            "version": version,
            "applied_at": applied_at,
            "applied_by": actor,
            "action": action,
            "previous": previous,
        }
        _atomic_write(folder / "meta.json", json.dumps(meta, ensure_ascii=False).encode())
        return HistoryVersion(version, applied_at, actor, action, previous, folder)


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
