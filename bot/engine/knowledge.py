"""Load and validate the knowledge folder: sources, facts, FAQ entries and lexicon.

Loading is all-or-nothing: every problem in every file is collected and reported at once as
``file:line: field: what is wrong``, and a set with any problem is refused, so a bad edit can
never replace good knowledge. The files are read and checked by bot.engine.knowledge_files
(sources, facts, FAQ) and bot.engine.lexicon (lexicon.yaml and the package's matching
configuration); the values they make are bot.engine.knowledge_model's, importable from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.engine.knowledge_files import read_facts, read_faq, read_sources
from bot.engine.knowledge_model import (
    EDITABLE_FILES,
    ENTRY_KINDS,
    FACT_KINDS,
    FACTS_FILE,
    FAQ_FILE,
    KNOWLEDGE_FILES,
    LEXICON_FILE,
    MAX_FILE_BYTES,
    QUESTIONS_FILE,
    SOURCES_FILE,
    Entry,
    Fact,
    Knowledge,
    KnowledgeError,
    Lexicon,
    Problem,
    Source,
    Topic,
)
from bot.engine.lexicon import check_out_of_scope_names, read_lexicon, read_matching_config
from bot.engine.records import parse_document
from bot.engine.yamlfile import YamlDocument

__all__ = [
    "EDITABLE_FILES",
    "ENTRY_KINDS",
    "FACTS_FILE",
    "FACT_KINDS",
    "FAQ_FILE",
    "KNOWLEDGE_FILES",
    "LEXICON_FILE",
    "MAX_FILE_BYTES",
    "QUESTIONS_FILE",
    "SOURCES_FILE",
    "Entry",
    "Fact",
    "Knowledge",
    "KnowledgeError",
    "Lexicon",
    "Problem",
    "Source",
    "Topic",
    "load_knowledge",
    "parse_document",
    "version_of",
]


def version_of(contents: Iterable[bytes]) -> str:
    """A short content hash naming a knowledge version."""
    digest = hashlib.sha256()
    for chunk in contents:
        digest.update(hashlib.sha256(chunk).digest())
    return digest.hexdigest()[:12]


def load_knowledge(directory: Path, overrides: dict[str, bytes] | None = None) -> Knowledge:
    """Load and validate ``directory``; ``overrides`` replaces files' bytes (an upload).

    Raises ``KnowledgeError`` listing every problem when the set is inconsistent.
    """
    overrides = overrides or {}
    problems: list[Problem] = []
    docs: dict[str, YamlDocument | None] = {}
    contents: list[bytes] = []
    for name in KNOWLEDGE_FILES:
        if name in overrides:
            raw = overrides[name]
        else:
            try:
                raw = (directory / name).read_bytes()
            except OSError as error:
                problems.append(
                    Problem(name, 1, "file", f"cannot read: {error.strerror or error}")
                )
                docs[name] = None
                continue
        contents.append(raw)
        docs[name] = parse_document(name, raw, problems)

    def read(name: str, fn: Callable[[YamlDocument], Any], empty: Any) -> Any:
        doc = docs.get(name)
        return fn(doc) if doc is not None else empty

    sources: dict[str, Source] = read(
        SOURCES_FILE, lambda d: read_sources(directory, d, problems), {}
    )
    facts: dict[str, Fact] | None = read(
        FACTS_FILE, lambda d: read_facts(d, sources, problems), None
    )
    topics, entries = read(FAQ_FILE, lambda d: read_faq(d, facts, problems), ({}, {}))
    lexicon_doc = docs.get(LEXICON_FILE)
    lexicon = read_lexicon(lexicon_doc, read_matching_config(problems), problems)
    if lexicon_doc is not None:
        check_out_of_scope_names(lexicon, sources, lexicon_doc, problems)
    if problems:
        raise KnowledgeError(
            sorted(
                problems,
                key=lambda p: (
                    KNOWLEDGE_FILES.index(p.file) if p.file in KNOWLEDGE_FILES else 9,
                    p.line,
                ),
            )
        )
    assert facts is not None  # a facts.yaml that could not be read is a problem above
    return Knowledge(sources, facts, topics, entries, lexicon, version_of(contents), directory)
