"""Load and validate the knowledge folder: sources, facts, FAQ entries and lexicon.

Loading is all-or-nothing: every problem in every file is collected and reported at once as
``file:line: field: what is wrong``, and a set with any problem is refused, so a bad edit can
never replace good knowledge.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.engine.article import ArticleFormatError, CleanArticle, clean_article
from bot.engine.figures import (
    EnglishNumber,
    Quantity,
    chinese_quantities,
    english_numbers,
    figure_spans,
    figures_in,
)
from bot.engine.yamlfile import YamlDocument, YamlFileError, parse_yaml

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
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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


# --- reading fields with line-numbered problems -------------------------------------------


class _Reader:
    """Collects problems while reading one file's records."""

    def __init__(self, file: str, doc: YamlDocument, problems: list[Problem]) -> None:
        self.file = file
        self.doc = doc
        self.problems = problems

    def problem(self, path: tuple[str | int, ...], label: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.doc.line_of(path), label, message))

    def records(
        self, value: Any, path: tuple[str | int, ...], label: str
    ) -> list[tuple[int, dict[str, Any]]]:
        if not isinstance(value, list):
            self.problem(path, label, f"expected a list, got {_type_name(value)}")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                result.append((index, item))
            else:
                self.problem((*path, index), f"{label}[{index}]", "expected a mapping")
        return result

    def check_keys(
        self,
        record: dict[str, Any],
        path: tuple[str | int, ...],
        label: str,
        allowed: Iterable[str],
    ) -> None:
        allowed = set(allowed)
        for key in record:
            if key not in allowed:
                self.problem((*path, key), f"{label}.{key}", "unknown field")

    def text(
        self,
        record: dict[str, Any],
        key: str,
        path: tuple[str | int, ...],
        label: str,
        *,
        required: bool = True,
    ) -> str:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(path, f"{label}.{key}", "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem((*path, key), f"{label}.{key}", f"expected text, got {_type_name(value)}")
            return ""
        text = str(value).strip()
        if required and not text:
            self.problem((*path, key), f"{label}.{key}", "empty")
        return text

    def texts(
        self,
        record: dict[str, Any],
        key: str,
        path: tuple[str | int, ...],
        label: str,
        *,
        required: bool = True,
    ) -> tuple[str, ...]:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(path, f"{label}.{key}", "missing")
            return ()
        if not isinstance(value, list):
            self.problem(
                (*path, key), f"{label}.{key}", f"expected a list, got {_type_name(value)}"
            )
            return ()
        result = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem((*path, key, index), f"{label}.{key}[{index}]", "expected text")
            elif not str(item).strip():
                self.problem((*path, key, index), f"{label}.{key}[{index}]", "empty")
            else:
                result.append(str(item).strip())
        if required and not result and not any(True for _ in value):
            self.problem((*path, key), f"{label}.{key}", "empty list")
        return tuple(result)

    def mapping(
        self, record: dict[str, Any], key: str, path: tuple[str | int, ...], label: str
    ) -> dict[str, Any]:
        value = record.get(key)
        if value is None:
            self.problem(path, f"{label}.{key}", "missing")
            return {}
        if not isinstance(value, dict):
            self.problem(
                (*path, key), f"{label}.{key}", f"expected a mapping, got {_type_name(value)}"
            )
            return {}
        return value

    def record_id(
        self, record: dict[str, Any], path: tuple[str | int, ...], label: str, seen: set[str]
    ) -> str:
        ident = self.text(record, "id", path, label)
        if not ident:
            return ""
        if not _ID.match(ident):
            self.problem((*path, "id"), f"{ident}.id", "use lower-case letters, digits and dashes")
        if ident in seen:
            self.problem((*path, "id"), f"{ident}.id", "duplicate id")
            return ""  # the first record with this id stays the one referred to
        seen.add(ident)
        return ident


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


# --- loading ---------------------------------------------------------------------------------


def parse_document(name: str, raw: bytes, problems: list[Problem]) -> YamlDocument | None:
    """Parse one knowledge file's bytes (from disk or an upload)."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(
            Problem(name, 1, "file", f"too large ({len(raw)} bytes, limit {MAX_FILE_BYTES})")
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(name, line, "file", "not UTF-8 text"))
        return None
    try:
        return parse_yaml(text)
    except YamlFileError as error:
        problems.append(Problem(name, error.line, "file", error.message))
        return None


def _read_sources(
    directory: Path, doc: YamlDocument, problems: list[Problem]
) -> dict[str, Source]:
    reader = _Reader(SOURCES_FILE, doc, problems)
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


def _read_facts(
    doc: YamlDocument, sources: dict[str, Source], problems: list[Problem]
) -> dict[str, Fact]:
    reader = _Reader(FACTS_FILE, doc, problems)
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
        value_figures = _quantities(figures_in(values["value"]))
        for number in english_numbers(values["value_en"]):
            wrong = _disagreement(number, value_figures, beside="the value {figure}")
            if wrong:
                reader.problem((*path, "value_en"), f"{label}.value_en", wrong)
        if ident:
            facts[ident] = Fact(id=ident, period=period, period_en=period_en, **values)
    return facts


def _read_faq(
    doc: YamlDocument, facts: dict[str, Fact] | None, problems: list[Problem]
) -> tuple[dict[str, Topic], dict[str, Entry]]:
    """Topics and entries; ``facts`` is None when facts.yaml could not be read at all."""
    reader = _Reader(FAQ_FILE, doc, problems)
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
            for missing in _uncarried_figures(text, cited_facts, english=language == "en"):
                reader.problem(
                    (*apath, key),
                    f"{label}.answer.{key}",
                    f"figure {missing!r} is not carried by any cited fact",
                )
            if language == "en":
                for wrong in _english_disagreements(text, cited_facts):
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


def _uncarried_figures(text: str, cited: list[Fact], *, english: bool) -> list[str]:
    """Chinese figures in an answer that no cited fact carries.

    English keeps each Chinese figure as written ("(50亿元以上)"): those must be carried as
    written too; its own numbers are checked by ``_english_disagreements``.
    """
    carried = " ".join(f"{f.value} {f.period} {f.value_en} {f.period_en}" for f in cited)
    figures = figures_in(text)
    if english:
        figures = [f for f in figures if _HAS_CJK.search(f)]
    return list(dict.fromkeys(f for f in figures if f not in carried))


Figure = tuple[str, Quantity]


def _quantities(figures: Iterable[str]) -> list[Figure]:
    """Each figure with each amount it states (a date states two)."""
    return [(figure, q) for figure in figures for q in chinese_quantities(figure)]


def _english_disagreements(text: str, cited: list[Fact]) -> list[str]:
    """Numbers in an English answer that are not the exact conversion of a cited figure.

    A number right before a parenthesised Chinese figure ("over 5 billion yuan (50亿元以上)")
    must be that figure's conversion; any other number must be the conversion of some figure
    of the cited facts' values and periods, or a number their English period states (a year,
    "Q2 2023").
    """
    spans = [(start, end, f) for start, end, f in figure_spans(text) if _HAS_CJK.search(f)]
    masked = text
    for start, end, _ in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    allowed = _quantities(
        f for fact in cited for f in (*figures_in(fact.value), *figures_in(fact.period))
    )
    allowed += [
        (fact.period_en, n.quantity) for fact in cited for n in english_numbers(fact.period_en)
    ]
    problems = []
    for number in english_numbers(masked):
        beside = _quantities(_figures_beside(text, number.end, spans))
        wrong = _disagreement(
            number, beside or allowed, beside="{figure} beside it" if beside else ""
        )
        if wrong:
            problems.append(wrong)
    return list(dict.fromkeys(problems))


# How far after a number its Chinese figure may follow: "1 project at the 5-billion-yuan level
# (50亿级项目1个)" is 30 characters. A clause's end (", ", "; ", ". ") or the end of the
# parentheses the number is in ("(今年, 2023) and … (200亿元)") comes first.
_BESIDE_CHARACTERS = 40
_CLAUSE_END = re.compile(r"[,;.] |[,;.]$|\)")


def _figures_beside(text: str, end: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """The Chinese figures in the parentheses that follow a number in its clause."""
    window = text[end : end + _BESIDE_CHARACTERS]
    clause = _CLAUSE_END.search(window)
    window = window[: clause.start()] if clause else window
    opening = window.find("(")
    if opening < 0:
        return []
    start = end + opening
    closing = text.find(")", start)
    closing = len(text) if closing < 0 else closing
    return [f for s, _, f in spans if start < s < closing and chinese_quantities(f)]


def _disagreement(number: EnglishNumber, figures: list[Figure], *, beside: str) -> str | None:
    """Why ``number`` is not the English conversion of one of ``figures``; None when it is.

    ``beside`` names where ``figures`` come from when they are the only ones the number can be
    ("{figure} beside it", "the value {figure}"); empty when they are every figure of the
    cited facts.
    """
    said = number.quantity
    if said.literal:
        if any(q.literal == said.literal for _, q in figures):
            return None
        return f"{number.text!r} is not a figure of the cited facts"
    same = [
        (figure, q)
        for figure, q in figures
        if not q.literal and q.value == said.value and q.percent == said.percent
    ]
    if not same:
        if beside and figures:
            # The figure nearest in size is the one meant: "3 projects … (20亿级项目2个)" is 2个.
            figure, meant = min(figures, key=lambda f: _distance(f[1].value, said.value))
            where = beside.format(figure=figure)
            return f"{number.text!r} is not {where}, which is {meant.english()!r}"
        if beside:
            return f"{number.text!r} is not a figure of {beside.format(figure='')}".rstrip()
        digits = _significant(said.value)
        near = [(f, q) for f, q in figures if not q.literal and _significant(q.value) == digits]
        hint = "".join(f"; {f} is {q.english()!r}" for f, q in near[:2])
        return (
            f"{number.text!r} is not a figure of the cited facts or its English conversion{hint}"
        )
    if any(q.qualifier == said.qualifier for _, q in same):
        return None
    figure, meant = same[0]
    if meant.qualifier and not said.qualifier:
        return f"{number.text!r} drops the qualifier of {figure}: write {meant.english()!r}"
    if said.qualifier and not meant.qualifier:
        return f"{number.text!r} says {said.qualifier!r}, but {figure} has no 以上, 以下 or 左右"
    return f"{number.text!r} says {said.qualifier!r}, but {figure} is {meant.english()!r}"


def _distance(one: Decimal, other: Decimal) -> float:
    """How far apart two amounts are in orders of magnitude."""
    if one <= 0 or other <= 0:
        return float("inf")
    return abs(float(one.log10() - other.log10()))


def _significant(value: Decimal) -> str:
    """The significant digits of ``value``: 5e9 and 50 share "5"; 1.36e9 and 13.6 "136"."""
    return f"{value:f}".replace(".", "").strip("0")


_HAS_CJK = re.compile(r"[\u3400-\u9fff]")


def _read_lexicon(doc: YamlDocument, problems: list[Problem]) -> Lexicon:
    reader = _Reader(LEXICON_FILE, doc, problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        reader.problem((), "lexicon", "expected a mapping")
    reader.check_keys(
        data,
        (),
        "lexicon",
        (
            "synonyms",
            "stopwords",
            "exclusive",
            "out_of_scope",
            "name_heads",
            "measures",
            "implies",
            "unit_measures",
        ),
    )
    synonyms: dict[str, tuple[str, ...]] = {}
    raw_synonyms = data.get("synonyms", {})
    if not isinstance(raw_synonyms, dict):
        reader.problem(("synonyms",), "synonyms", "expected a mapping of term: [variants]")
        raw_synonyms = {}
    variant_owner: dict[str, str] = {}
    for term, _variants in raw_synonyms.items():
        variants = reader.texts(raw_synonyms, term, ("synonyms",), "synonyms", required=False)
        for variant in variants:
            key = variant.lower()
            if key in variant_owner and variant_owner[key] != term:
                reader.problem(
                    ("synonyms", term),
                    f"synonyms.{term}",
                    f"{variant!r} is already a variant of {variant_owner[key]!r}",
                )
            variant_owner[key] = term
        synonyms[str(term)] = variants
    stop = data.get("stopwords", {})
    if not isinstance(stop, dict):
        reader.problem(("stopwords",), "stopwords", "expected a mapping with zh and en")
        stop = {}
    stopwords_zh = reader.texts(stop, "zh", ("stopwords",), "stopwords")
    stopwords_en = reader.texts(stop, "en", ("stopwords",), "stopwords")
    exclusive: list[tuple[str, ...]] = []
    raw_exclusive = data.get("exclusive", [])
    if not isinstance(raw_exclusive, list):
        reader.problem(("exclusive",), "exclusive", "expected a list of lists")
        raw_exclusive = []
    for index, group in enumerate(raw_exclusive):
        exclusive.append(
            reader.texts({"g": group}, "g", ("exclusive", index), f"exclusive[{index}]")
        )
    out: dict[str, tuple[str, ...]] = {}
    raw_out = data.get("out_of_scope", {})
    if not isinstance(raw_out, dict):
        reader.problem(("out_of_scope",), "out_of_scope", "expected a mapping of kind: [names]")
        raw_out = {}
    for kind in raw_out:
        out[str(kind)] = reader.texts(raw_out, kind, ("out_of_scope",), "out_of_scope")
    name_heads = reader.texts(data, "name_heads", (), "lexicon", required=False)
    measures = reader.texts(data, "measures", (), "lexicon", required=False)
    for term in measures:
        if term not in synonyms:
            reader.problem(("measures",), "measures", f"{term!r} is not a synonyms term")
    implies: dict[str, str] = {}
    raw_implies = data.get("implies", {})
    if not isinstance(raw_implies, dict):
        reader.problem(("implies",), "implies", "expected a mapping of part: whole")
        raw_implies = {}
    for part, whole in raw_implies.items():
        if not isinstance(whole, str) or whole not in synonyms or part not in synonyms:
            reader.problem(("implies", part), f"implies.{part}", "both must be synonyms terms")
        else:
            implies[str(part)] = whole
    unit_measures: dict[str, str] = {}
    raw_units = data.get("unit_measures", {})
    if not isinstance(raw_units, dict):
        reader.problem(("unit_measures",), "unit_measures", "expected a mapping of unit: measure")
        raw_units = {}
    for unit, measure in raw_units.items():
        if not isinstance(measure, str) or measure not in measures:
            reader.problem(("unit_measures", unit), f"unit_measures.{unit}", "not a measure")
        else:
            unit_measures[str(unit)] = measure
    return Lexicon(
        synonyms,
        stopwords_zh,
        stopwords_en,
        tuple(exclusive),
        out,
        name_heads,
        measures,
        implies,
        unit_measures,
    )


def _check_out_of_scope_names(
    lexicon: Lexicon, sources: dict[str, Source], doc: YamlDocument, problems: list[Problem]
) -> None:
    """An out-of-scope name the article itself uses would decline questions it answers."""
    text = " ".join(s.article.citable_text for s in sources.values()).lower()
    for kind, names in lexicon.out_of_scope.items():
        for name in names:
            if name.lower() in text:
                problems.append(
                    Problem(
                        LEXICON_FILE,
                        doc.line_of(("out_of_scope", kind)),
                        f"out_of_scope.{kind}",
                        f"{name!r} appears in the article",
                    )
                )


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
        SOURCES_FILE, lambda d: _read_sources(directory, d, problems), {}
    )
    facts: dict[str, Fact] | None = read(
        FACTS_FILE, lambda d: _read_facts(d, sources, problems), None
    )
    topics, entries = read(FAQ_FILE, lambda d: _read_faq(d, facts, problems), ({}, {}))
    lexicon: Lexicon = read(
        LEXICON_FILE, lambda d: _read_lexicon(d, problems), Lexicon({}, (), (), (), {})
    )
    lexicon_doc = docs.get(LEXICON_FILE)
    if lexicon_doc is not None:
        _check_out_of_scope_names(lexicon, sources, lexicon_doc, problems)
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
