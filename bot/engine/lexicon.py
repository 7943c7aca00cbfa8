"""The lexicon, from two files with two owners.

- ``knowledge/lexicon.yaml`` is the admins': the words people use (synonyms, typos, English
  words for each term) and the names the article does not cover (out_of_scope). It can be
  edited and uploaded like facts.yaml and faq.yaml.
- ``bot/engine/matching_config.yaml`` is the code's, shipped inside the package: how matching
  reads a question (stop words, exclusive groups, measures, name heads, implications, units
  that state measures). Changing it changes what the matcher's rules mean, so it is changed
  with the code and measured with scripts/bench_engine.py, never uploaded.

A lexicon.yaml holding a section of the matching configuration is refused with a problem
saying so, so an admin's edit can never silently rewrite the matcher's rules.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from bot.engine.knowledge_model import LEXICON_FILE, Lexicon, Problem, Source
from bot.engine.records import RecordReader, parse_document
from bot.engine.yamlfile import YamlDocument

# Where problems of the matching configuration are reported (it is the package's file).
MATCHING_CONFIG_FILE = "bot/engine/matching_config.yaml"
_MATCHING_CONFIG_RESOURCE = "matching_config.yaml"

ADMIN_SECTIONS = ("synonyms", "out_of_scope")
CODE_SECTIONS = ("stopwords", "exclusive", "measures", "name_heads", "implies", "unit_measures")


def matching_config_bytes() -> bytes:
    """The shipped matching configuration, as packaged."""
    return resources.files("bot.engine").joinpath(_MATCHING_CONFIG_RESOURCE).read_bytes()


def read_lexicon(
    lexicon_doc: YamlDocument | None, config_doc: YamlDocument | None, problems: list[Problem]
) -> Lexicon:
    """The lexicon: the admins' words from lexicon.yaml, the rules from the configuration."""
    synonyms, out = _read_words(lexicon_doc, problems) if lexicon_doc else ({}, {})
    if config_doc is None:
        return Lexicon(synonyms, (), (), (), out)
    return _read_rules(config_doc, synonyms, out, problems)


def read_matching_config(problems: list[Problem]) -> YamlDocument | None:
    """The shipped configuration parsed (a problem when it is broken: a bug, not an edit)."""
    return parse_document(MATCHING_CONFIG_FILE, matching_config_bytes(), problems)


def _read_words(
    doc: YamlDocument, problems: list[Problem]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """lexicon.yaml's synonyms and out-of-scope names; a code-owned section is refused."""
    reader = RecordReader(LEXICON_FILE, doc, problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        reader.problem((), "lexicon", "expected a mapping")
    for key in data:
        if key in CODE_SECTIONS:
            reader.problem(
                (key,),
                key,
                "not admin-editable: it is part of the matching configuration owned by the "
                f"code ({MATCHING_CONFIG_FILE}); remove it from {LEXICON_FILE}",
            )
    reader.check_keys(
        {k: v for k, v in data.items() if k not in CODE_SECTIONS}, (), "lexicon", ADMIN_SECTIONS
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
    out: dict[str, tuple[str, ...]] = {}
    raw_out = data.get("out_of_scope", {})
    if not isinstance(raw_out, dict):
        reader.problem(("out_of_scope",), "out_of_scope", "expected a mapping of kind: [names]")
        raw_out = {}
    for kind in raw_out:
        out[str(kind)] = reader.texts(raw_out, kind, ("out_of_scope",), "out_of_scope")
    return synonyms, out


def _read_rules(
    doc: YamlDocument,
    synonyms: dict[str, tuple[str, ...]],
    out: dict[str, tuple[str, ...]],
    problems: list[Problem],
) -> Lexicon:
    """The matching configuration's sections, checked among themselves.

    Its terms need not be synonyms terms: the analyzer knows every exclusive and measure term
    as a term of its own, and lexicon.yaml only adds variants.
    """
    reader = RecordReader(MATCHING_CONFIG_FILE, doc, problems)
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        reader.problem((), "matching configuration", "expected a mapping")
    reader.check_keys(data, (), "matching configuration", CODE_SECTIONS)
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
    name_heads = reader.texts(data, "name_heads", (), "matching", required=False)
    measures = reader.texts(data, "measures", (), "matching", required=False)
    implies: dict[str, str] = {}
    raw_implies = data.get("implies", {})
    if not isinstance(raw_implies, dict):
        reader.problem(("implies",), "implies", "expected a mapping of part: whole")
        raw_implies = {}
    for part, whole in raw_implies.items():
        if not isinstance(whole, str) or not whole.strip():
            reader.problem(("implies", part), f"implies.{part}", "expected a term")
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


def check_out_of_scope_names(
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
