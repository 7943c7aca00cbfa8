"""The knowledge as plain values: sources, facts, topics, entries, the lexicon, problems.

Loading and validating them is bot.engine.knowledge (which re-exports these names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.article import CleanArticle

SOURCES_FILE = "sources.yaml"
FACTS_FILE = "facts.yaml"
FAQ_FILE = "faq.yaml"
LEXICON_FILE = "lexicon.yaml"
QUESTIONS_FILE = "questions.yaml"
KNOWLEDGE_FILES = (SOURCES_FILE, FACTS_FILE, FAQ_FILE, LEXICON_FILE)
EDITABLE_FILES = (FACTS_FILE, FAQ_FILE, LEXICON_FILE)
MAX_FILE_BYTES = 2_000_000

FACT_KINDS = ("target", "achieved", "plan", "fact")
ENTRY_KINDS = ("faq", "smalltalk")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the knowledge, located in its file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge set is inconsistent; ``problems`` lists everything wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Source:
    """An article the knowledge quotes."""

    id: str
    newspaper: str
    newspaper_en: str
    date: str
    published: str
    title: str
    title_en: str
    raw_file: str
    sha256: str
    received: str
    article: CleanArticle


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure the article states, with its verbatim quote."""

    id: str
    subject: str
    subject_en: str
    measure: str
    measure_en: str
    value: str
    value_en: str
    period: str
    period_en: str
    kind: str
    quote: str
    source: str


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of entries for browsing."""

    id: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Entry:
    """A FAQ entry: phrasings to match, answers in both languages, the facts it cites."""

    id: str
    kind: str
    topic: str
    questions_zh: tuple[str, ...]
    questions_en: tuple[str, ...]
    answer_zh: str
    answer_en: str
    facts: tuple[str, ...]
    related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words that steer matching: synonyms, stop words, contradictions, out-of-scope names."""

    synonyms: dict[str, tuple[str, ...]]
    stopwords_zh: tuple[str, ...]
    stopwords_en: tuple[str, ...]
    exclusive: tuple[tuple[str, ...], ...]
    out_of_scope: dict[str, tuple[str, ...]]
    # Words that end a name (区, 产业, 公司, district …): an unknown word right before one is a
    # place, industry or company the article does not mention.
    name_heads: tuple[str, ...] = ()
    # What can be asked of a subject (营收, 投资, 开工率, 算力 …): a question asking for one is
    # only answered by an entry that states it.
    measures: tuple[str, ...] = ()
    # A period inside another (上半年 → 今年): an entry naming the part also names the whole.
    implies: dict[str, str] = field(default_factory=dict)
    # A fact value's unit states a measure (亿元 → 金额, 个 → 数量).
    unit_measures: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """A validated, consistent knowledge set."""

    sources: dict[str, Source]
    facts: dict[str, Fact]
    topics: dict[str, Topic]
    entries: dict[str, Entry]
    lexicon: Lexicon
    version: str
    directory: Path = field(compare=False)

    @property
    def primary_source(self) -> Source:
        """The article (the first source)."""
        return next(iter(self.sources.values()))
