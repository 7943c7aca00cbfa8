"""What a knowledge change does, as a reviewer reads it: entries and facts added, removed and
changed; each changed answer (zh, en), entry field and fact field old → new, and how many
phrasings each entry gained or lost."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.knowledge import Knowledge
from bot.engine.knowledge_model import Entry


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
class EntryChange:
    """A changed entry beyond its answers: its other fields old → new (lists joined with ", ")
    and how many phrasings (zh and en together) it gained and lost."""

    entry: str
    fields: tuple[FieldChange, ...] = ()
    phrasings_added: int = 0
    phrasings_removed: int = 0


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
    entries: tuple[EntryChange, ...] = ()

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
# An entry's fields besides its answers and phrasings, as the reviewer reads them.
ENTRY_FIELDS = ("topic", "kind", "facts", "related")


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
    entries = [
        _entry_change(key, old.entries[key], entry)
        for key, entry in new.entries.items()
        if key in old.entries and entry != old.entries[key]
    ]
    if old.lexicon != new.lexicon:
        changed.append("lexicon")
    return Diff(
        tuple(added),
        tuple(removed),
        tuple(changed),
        tuple(answers),
        tuple(fields),
        tuple(e for e in entries if e.fields or e.phrasings_added or e.phrasings_removed),
    )


def _entry_change(key: str, old: Entry, new: Entry) -> EntryChange:
    def text(value: object) -> str:
        return ", ".join(value) if isinstance(value, tuple) else str(value)

    fields = tuple(
        FieldChange(key, name, text(getattr(old, name)), text(getattr(new, name)))
        for name in ENTRY_FIELDS
        if getattr(old, name) != getattr(new, name)
    )
    before = {*old.questions_zh, *old.questions_en}
    after = {*new.questions_zh, *new.questions_en}
    return EntryChange(key, fields, len(after - before), len(before - after))


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
