"""The knowledge's own files read and checked: sources.yaml, facts.yaml and faq.yaml."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.engine.article import ArticleFormatError, clean_article
from bot.engine.figure_checks import (
    disagreement,
    english_disagreements,
    quantities,
    uncarried_figures,
)
from bot.engine.figures import english_numbers, figures_in
from bot.engine.knowledge_model import (
    ENTRY_KINDS,
    FACT_KINDS,
    FACTS_FILE,
    FAQ_FILE,
    SOURCES_FILE,
    Entry,
    Fact,
    Problem,
    Source,
    Topic,
)
from bot.engine.records import RecordReader
from bot.engine.yamlfile import YamlDocument


def read_sources(directory: Path, doc: YamlDocument, problems: list[Problem]) -> dict[str, Source]:
    reader = RecordReader(SOURCES_FILE, doc, problems)
    sources: dict[str, Source] = {}
    seen: set[str] = set()
    fields_ = (
        "id",
        "newspaper",
        "newspaper_en",
        "date",
        "published",
        "title",
        "title_en",
        "raw_file",
        "sha256",
        "received",
    )
    for index, record in reader.records(doc.data, (), "sources"):
        path = (index,)
        ident = reader.record_id(record, path, f"sources[{index}]", seen)
        label = ident or f"sources[{index}]"
        reader.check_keys(record, path, label, fields_)
        values = {name: reader.text(record, name, path, label) for name in fields_ if name != "id"}
        raw_path = directory / values["raw_file"]
        try:
            raw = raw_path.read_bytes()
        except OSError:
            reader.problem(
                (*path, "raw_file"), f"{label}.raw_file", f"cannot read {values['raw_file']}"
            )
            continue
        if hashlib.sha256(raw).hexdigest() != values["sha256"]:
            reader.problem(
                (*path, "sha256"),
                f"{label}.sha256",
                "does not match raw_file: the source must stay as received",
            )
        try:
            article = clean_article(raw.decode("utf-8"))
        except (UnicodeDecodeError, ArticleFormatError) as error:
            reader.problem(
                (*path, "raw_file"), f"{label}.raw_file", f"not an article page: {error}"
            )
            continue
        for name, derived in (
            ("title", article.title),
            ("date", article.date),
            ("newspaper", article.newspaper),
        ):
            if values[name] and values[name] != derived:
                reader.problem(
                    (*path, name),
                    f"{label}.{name}",
                    f"{values[name]!r} but the article says {derived!r}",
                )
        if ident:
            sources[ident] = Source(id=ident, article=article, **values)
    if not sources and not problems:
        problems.append(Problem(SOURCES_FILE, 1, "sources", "no source"))
    return sources


def read_facts(
    doc: YamlDocument, sources: dict[str, Source], problems: list[Problem]
) -> dict[str, Fact]:
    reader = RecordReader(FACTS_FILE, doc, problems)
    facts: dict[str, Fact] = {}
    seen: set[str] = set()
    text_fields = (
        "subject",
        "subject_en",
        "measure",
        "measure_en",
        "value",
        "value_en",
        "kind",
        "quote",
        "source",
    )
    for index, record in reader.records(doc.data, (), "facts"):
        path = (index,)
        ident = reader.record_id(record, path, f"facts[{index}]", seen)
        label = ident or f"facts[{index}]"
        reader.check_keys(record, path, label, ("id", *text_fields, "period", "period_en"))
        values = {name: reader.text(record, name, path, label) for name in text_fields}
        period = reader.text(record, "period", path, label, required=False)
        period_en = reader.text(record, "period_en", path, label, required=False)
        if period and not period_en:
            reader.problem(path, f"{label}.period_en", "missing translation of period")
        if values["kind"] and values["kind"] not in FACT_KINDS:
            reader.problem(
                (*path, "kind"), f"{label}.kind", f"must be one of {', '.join(FACT_KINDS)}"
            )
        source = sources.get(values["source"])
        if values["source"] and source is None and sources:
            reader.problem(
                (*path, "source"), f"{label}.source", f"unknown source {values['source']!r}"
            )
        quote = values["quote"]
        if (
            source is not None
            and quote
            and ("\n" in quote or quote not in source.article.citable_text)
        ):
            reader.problem(
                (*path, "quote"), f"{label}.quote", f"not found verbatim in {source.id}"
            )
        if values["value"] and quote and values["value"] not in quote:
            reader.problem(
                (*path, "value"), f"{label}.value", f"{values['value']!r} is not in the quote"
            )
        if period and quote and period not in quote:
            reader.problem((*path, "period"), f"{label}.period", f"{period!r} is not in the quote")
        # value_en is what English answers are checked against in words: it must be the
        # value's exact conversion (50亿元以上 → "over 5 billion yuan").
        value_figures = quantities(figures_in(values["value"]))
        for number in english_numbers(values["value_en"]):
            wrong = disagreement(number, value_figures, beside="the value {figure}")
            if wrong:
                reader.problem((*path, "value_en"), f"{label}.value_en", wrong)
        if ident:
            facts[ident] = Fact(id=ident, period=period, period_en=period_en, **values)
    return facts


def read_faq(
    doc: YamlDocument, facts: dict[str, Fact] | None, problems: list[Problem]
) -> tuple[dict[str, Topic], dict[str, Entry]]:
    """Topics and entries; ``facts`` is None when facts.yaml could not be read at all."""
    reader = RecordReader(FAQ_FILE, doc, problems)
    if not isinstance(doc.data, dict):
        reader.problem((), "faq", "expected a mapping with 'topics' and 'entries'")
        return {}, {}
    reader.check_keys(doc.data, (), "faq", ("topics", "entries"))
    topics: dict[str, Topic] = {}
    seen: set[str] = set()
    for index, record in reader.records(doc.data.get("topics"), ("topics",), "topics"):
        path = ("topics", index)
        ident = reader.record_id(record, path, f"topics[{index}]", seen)
        reader.check_keys(record, path, ident or f"topics[{index}]", ("id", "zh", "en"))
        zh = reader.text(record, "zh", path, ident)
        en = reader.text(record, "en", path, ident)
        if ident:
            topics[ident] = Topic(ident, zh, en)

    entries: dict[str, Entry] = {}
    related_refs: list[tuple[tuple[str | int, ...], str, str]] = []
    seen_entries: set[str] = set()
    for index, record in reader.records(doc.data.get("entries"), ("entries",), "entries"):
        path = ("entries", index)
        ident = reader.record_id(record, path, f"entries[{index}]", seen_entries)
        label = ident or f"entries[{index}]"
        reader.check_keys(
            record, path, label, ("id", "kind", "topic", "questions", "answer", "facts", "related")
        )
        kind = reader.text(record, "kind", path, label, required=False) or "faq"
        if kind not in ENTRY_KINDS:
            reader.problem(
                (*path, "kind"), f"{label}.kind", f"must be one of {', '.join(ENTRY_KINDS)}"
            )
        is_faq = kind == "faq"
        topic = reader.text(record, "topic", path, label, required=is_faq)
        if topic and topic not in topics:
            reader.problem((*path, "topic"), f"{label}.topic", f"unknown topic {topic!r}")
        questions = reader.mapping(record, "questions", path, label)
        qpath = (*path, "questions")
        reader.check_keys(questions, qpath, f"{label}.questions", ("zh", "en"))
        questions_zh = reader.texts(questions, "zh", qpath, f"{label}.questions")
        questions_en = reader.texts(questions, "en", qpath, f"{label}.questions")
        answer = reader.mapping(record, "answer", path, label)
        apath = (*path, "answer")
        reader.check_keys(answer, apath, f"{label}.answer", ("zh", "en"))
        answer_zh = reader.text(answer, "zh", apath, f"{label}.answer")
        answer_en = reader.text(answer, "en", apath, f"{label}.answer")
        cited = reader.texts(record, "facts", path, label, required=False)
        unknown = [f for f in cited if facts is not None and f not in facts]
        for position, fact_id in enumerate(cited):
            if fact_id in unknown:
                reader.problem(
                    (*path, "facts", position), f"{label}.facts", f"unknown fact {fact_id!r}"
                )
        if not is_faq and cited:
            reader.problem((*path, "facts"), f"{label}.facts", "small talk cites no facts")
        # Figures can only be checked against facts that were read; an unknown id is the
        # problem to fix first, not every figure it would have carried.
        checkable = facts is not None and not unknown
        cited_facts = [facts[f] for f in cited] if facts is not None and checkable else []
        for language, text, key in (("zh", answer_zh, "zh"), ("en", answer_en, "en")):
            if not checkable:
                break
            for missing in uncarried_figures(text, cited_facts, english=language == "en"):
                reader.problem(
                    (*apath, key),
                    f"{label}.answer.{key}",
                    f"figure {missing!r} is not carried by any cited fact",
                )
            if language == "en":
                for wrong in english_disagreements(text, cited_facts):
                    reader.problem((*apath, key), f"{label}.answer.{key}", wrong)
        related = reader.texts(record, "related", path, label, required=False)
        for position, other in enumerate(related):
            related_refs.append(((*path, "related", position), f"{label}.related", other))
        if ident:
            entries[ident] = Entry(
                ident,
                kind,
                topic,
                questions_zh,
                questions_en,
                answer_zh,
                answer_en,
                cited,
                related,
            )
    for ref_path, label, other in related_refs:
        if other not in entries:
            reader.problem(ref_path, label, f"unknown entry {other!r}")
    return topics, entries
