"""Proposals: an upload (or a one-tap "add this phrasing") validated with exactly the checks of
``python -m bot check``, summarised as a diff and run through the regression gate (labelled
questions that are right now must stay right). A proposal changes nothing; applying it is
``KnowledgeEditor.apply``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.engine.answers import Answer, Status
from bot.engine.evaluation import LabelledQuestion, judge, load_questions
from bot.engine.knowledge import (
    EDITABLE_FILES,
    FAQ_FILE,
    QUESTIONS_FILE,
    KnowledgeError,
    load_knowledge,
)
from bot.engine.pipeline import Engine
from bot.engine.textnorm import to_simplified
from bot.knowledge_admin.diff import Diff, diff_knowledge
from bot.knowledge_admin.errors import ChangeError, Worded
from bot.knowledge_admin.live import LiveEngine

_SAFE_NAME = re.compile(r"^[a-z]+\.yaml$")


@dataclass(frozen=True, slots=True)
class Regression:
    """A labelled question that is right now and would turn wrong: ``after`` says how (in
    English), ``line`` is the admin's line for it, in any language."""

    question: str
    now: str
    after: str
    line: Worded


@dataclass(frozen=True, slots=True)
class Proposal:
    """A validated change, ready to be applied."""

    file: str
    content: bytes
    base_version: str
    new_version: str
    diff: Diff
    engine: Engine = field(repr=False, compare=False)


def check_file_name(name: str) -> str:
    """The knowledge file an upload replaces; refuses paths and unknown names."""
    base = name.strip()
    if "/" in base or "\\" in base or base.startswith(".") or not _SAFE_NAME.match(base):
        raise ChangeError("not_a_file_name", name=name)
    if base not in EDITABLE_FILES:
        raise ChangeError("not_editable", files=", ".join(EDITABLE_FILES), name=name)
    return base


@dataclass(frozen=True, slots=True)
class RightNow:
    """The labelled questions ``version`` answers right, with its answers' texts: half of a
    gate run, the same for every proposal against that version."""

    version: str
    labels: tuple[tuple[LabelledQuestion, str], ...]


def right_now(directory: Path, now: Engine) -> RightNow:
    """The labelled questions (``questions.yaml``) ``now`` answers right."""
    path = directory / QUESTIONS_FILE
    if not path.exists():
        return RightNow(now.version, ())
    right = []
    for label in load_questions(path):
        current = now.ask(label.question)
        if judge(current, label).correct:
            right.append((label, current.text))
    return RightNow(now.version, tuple(right))


def regressions(
    directory: Path, now: Engine, after: Engine, known: RightNow | None = None
) -> list[Regression]:
    """Labelled questions answered right by ``now`` and wrongly by ``after`` (``known``: what
    ``now`` answers right, when already worked out)."""
    if known is None or known.version != now.version:
        known = right_now(directory, now)
    found = []
    for label, current in known.labels:
        answer = after.ask(label.question)
        verdict = judge(answer, label)
        if not verdict.correct:
            line = Worded(
                "tg_kn_regression", question=label.question, why=why_wrong(answer, label)
            )
            found.append(Regression(label.question, current, verdict.detail, line))
    return found


def why_wrong(answer: Answer, label: LabelledQuestion) -> Worded:
    """How ``answer`` fails ``label`` (which ``judge`` found it does), in words for admins.

    ``judge``'s own detail is English for the benchmark; this follows its cases.
    """
    status = Worded(f"report_status_{answer.status.value}")
    if label.expect == "answered":
        if answer.status is not Status.ANSWERED:
            return Worded("tg_kn_regression_not_answered", status=status)
        # Replies may be in traditional script; labels are in the article's simplified script.
        text = to_simplified(answer.text)
        missing = [f for f in (*label.figures, *label.mentions) if f not in text]
        return Worded("tg_kn_regression_lacks", missing=", ".join(missing))
    expected = Worded(f"report_status_{label.expect}")
    if answer.status is Status.ANSWERED:
        return Worded("tg_kn_regression_answered", entry=answer.entry_id or "", expected=expected)
    return Worded("tg_kn_regression_status", status=status, expected=expected)


def propose_file(
    live: LiveEngine,
    name: str,
    content: bytes,
    max_bytes: int,
    known: RightNow | None = None,
) -> Proposal:
    """Validate an upload against the live version; raise ``ChangeError`` when refused."""
    file = check_file_name(name)
    if len(content) > max_bytes:
        raise ChangeError("too_big", file=file, size=f"{len(content):,}", limit=f"{max_bytes:,}")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ChangeError("not_utf8", file=file, byte=str(error.start)) from error
    now = live.current
    try:
        knowledge = load_knowledge(live.directory, {**live.files, file: content})
    except KnowledgeError as error:
        raise ChangeError(
            "problems",
            [str(p) for p in error.problems],
            file=file,
            count=str(len(error.problems)),
        ) from error
    diff = diff_knowledge(now.knowledge, knowledge)
    engine = live.current.for_knowledge(knowledge)
    found = regressions(live.directory, now, engine, known)
    if found:
        raise ChangeError("regressions", [r.line for r in found], count=str(len(found)))
    return Proposal(file, content, now.version, knowledge.version, diff, engine)


@dataclass(frozen=True, slots=True)
class Phrasing:
    """A question to add to an entry's phrasings, under ``language`` (``zh`` or ``en``)."""

    entry_id: str
    text: str
    language: str


def propose_phrasing(
    live: LiveEngine, entry_id: str, phrasing: str, language: str, max_bytes: int
) -> Proposal:
    """A proposal adding ``phrasing`` to an entry's questions (learning from the log)."""
    return propose_phrasings(live, [Phrasing(entry_id, phrasing, language)], max_bytes)


def propose_phrasings(
    live: LiveEngine,
    phrasings: Sequence[Phrasing],
    max_bytes: int,
    known: RightNow | None = None,
) -> Proposal:
    """One proposal adding every one of ``phrasings`` (checked and gated once, together)."""
    text = live.files[FAQ_FILE].decode("utf-8")
    data = yaml.safe_load(text)
    content: str | None = text
    for phrasing in phrasings:
        entry = next(
            (e for e in data.get("entries", []) if e.get("id") == phrasing.entry_id), None
        )
        if entry is None:
            raise ChangeError("no_entry", entry=phrasing.entry_id)
        known_phrasings = entry.setdefault("questions", {}).setdefault(phrasing.language, [])
        if phrasing.text in known_phrasings:
            raise ChangeError("already_phrasing", phrasing=phrasing.text, entry=phrasing.entry_id)
        known_phrasings.append(phrasing.text)
        if content is not None:
            content = _insert_phrasing(
                content, phrasing.entry_id, phrasing.language, phrasing.text
            )
    if content is None or yaml.safe_load(content) != data:
        # The file is not laid out as expected: rewrite it whole (comments are lost, the
        # content is the same).
        content = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return propose_file(live, FAQ_FILE, content.encode("utf-8"), max_bytes, known)


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
