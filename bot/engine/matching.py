"""Match a normalised question against the FAQ entries.

Each text becomes a set of features: lexicon terms (synonyms, typos and English words mapped
to one canonical term), character bigrams of the Chinese left over, unknown English words,
and numbers. Features are weighted by how rare they are across entries (IDF).

Precision comes first, so the score asks two questions of every candidate entry:
- *question coverage*: how much of what the question says does the entry explain? Words the
  entry never uses (another district, another industry, a metric it does not state) pull this
  down, and a low coverage declines the question instead of answering something near it.
- *phrasing coverage*: how much of the entry's closest phrasing does the question state?
  Entries compete on this; near-ties between entries make the question ambiguous.

Terms in an ``exclusive`` group (periods: 上半年 / 今年 / 明年 …) contradict each other: an entry
whose phrasings name other periods but not the question's is never a candidate. A ``measure``
the question asks for (营收, 投资, 算力 …) must be one the entry states: "华韶智算中心的算力"
is not answered with its investment.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.engine.analysis import Analysis, Analyzer
from bot.engine.figures import is_amount
from bot.engine.knowledge import Entry, Fact
from bot.engine.thresholds import DEFAULT_THRESHOLDS, Thresholds

_FIGURE_UNIT = re.compile(r"\d(?:\.\d+)?(亿元|万元|元|个|家|%)")
# An entry naming at least this many terms of a group (and most of it) lists the group.
_LISTED = 3


def _exact_key(normalized: str) -> str:
    return re.sub(r"[\W_]+", "", normalized)


# Rankings kept for reuse (see Matcher.__init__).
_RANKINGS_KEPT = 256


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry scored against a question."""

    entry: Entry
    score: float
    question_coverage: float
    phrasing_coverage: float
    # Whether the entry states every figure the question names, and how much of the
    # question's weight those figures are.
    states_figures: bool = False
    figure_share: float = 0.0
    # Lexicon terms of the question the entry lacks (names, subjects, measures): relaxed
    # decisions only forgive leftover words, never these.
    missing_terms: int = 0


@dataclass(frozen=True, slots=True)
class _IndexedEntry:
    entry: Entry
    features: frozenset[str]
    phrasings: tuple[frozenset[str], ...]
    phrasing_weights: tuple[float, ...]
    exclusive_terms: frozenset[str]
    # Which phrasings hold each feature: coverage then costs one step per shared feature.
    phrasing_index: dict[str, tuple[int, ...]]
    # The exclusive groups (periods, industries) its exclusive terms belong to.
    exclusive_groups: frozenset[int] = frozenset()


class Matcher:
    """An index over the entries' phrasings; ``rank`` scores the candidates for a question."""

    def __init__(
        self,
        entries: Iterable[Entry],
        facts: dict[str, Fact],
        analyzer: Analyzer,
        exclusive: Sequence[Sequence[str]],
        measures: Iterable[str],
        normalize: Callable[[str], str],
        source_text: str = "",
        implies: dict[str, str] | None = None,
        unit_measures: dict[str, str] | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.analyzer = analyzer
        self._thresholds = thresholds
        self._source_text = normalize(source_text)
        self._measures = frozenset(measures)
        self._unit_measures = dict(unit_measures or {})
        self._exclusive_group: dict[str, int] = {}
        self._group_sizes: dict[int, int] = {}
        for index, group in enumerate(exclusive):
            self._group_sizes[index] = len(group)
            for term in group:
                self._exclusive_group[term] = index
        # Periods are the exclusive terms the lexicon relates by implication (上半年 → 今年);
        # the other exclusive groups (industries) name what a question is about.
        related = {t for pair in (implies or {}).items() for t in pair}
        self._periods = frozenset(
            t for group in exclusive if related.intersection(group) for t in group
        )
        self._entries: list[_IndexedEntry] = []
        self._entry_figures: dict[str, frozenset[str]] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        entries_list = list(entries)
        for entry in entries_list:
            phrasings = tuple(
                analyzer.analyze(normalize(text)).features
                for text in (*entry.questions_zh, *entry.questions_en)
            )
            numbers = {
                feature
                for fact_id in entry.facts
                if fact_id in facts
                for feature in analyzer.analyze(normalize(facts[fact_id].value)).features
                if feature.startswith("#")
            }
            self._entry_figures[entry.id] = frozenset(numbers)
            # The periods its facts state are the entry's too: an entry citing this year's and
            # next year's targets explains "今年和明年的目标" whatever its phrasings say.
            periods = {
                term
                for fact_id in entry.facts
                if fact_id in facts and facts[fact_id].period
                for term in analyzer.analyze(normalize(facts[fact_id].period)).terms
            }
            features = frozenset().union(*phrasings, numbers, periods)
            # An entry about 重点项目 is about 项目 too (the lexicon's implications).
            features |= {implies[t] for t in features if implies and t in implies}
            # What the cited facts are about (their period and measure) counts too: an entry on
            # a 下半年 target contradicts a question about 去年 even if no phrasing says 下半年.
            stated = frozenset().union(
                *(
                    analyzer.analyze(normalize(f"{fact.period} {fact.measure}")).terms
                    for fact_id in entry.facts
                    if (fact := facts.get(fact_id)) is not None
                )
            )
            stated = stated | features | self._unit_measures_of(entry, facts)
            # 上半年 is a part of 今年: an entry about 上半年 answers "今年上半年 …" too.
            stated = stated | {implies[t] for t in stated if implies and t in implies}
            exclusive_terms = frozenset(
                t
                for t in stated
                if t in self._exclusive_group or t in self._measures or t.startswith("#")
            )
            position = len(self._entries)
            phrasing_index: dict[str, list[int]] = defaultdict(list)
            for number, phrasing in enumerate(phrasings):
                for feature in phrasing:
                    phrasing_index[feature].append(number)
            self._entries.append(
                _IndexedEntry(
                    entry,
                    features,
                    phrasings,
                    (),
                    exclusive_terms,
                    {f: tuple(n) for f, n in phrasing_index.items()},
                    frozenset(
                        self._exclusive_group[t]
                        for t in exclusive_terms
                        if t in self._exclusive_group
                    ),
                )
            )
            for feature in features:
                postings[feature].append(position)
        count = max(len(self._entries), 1)
        self._features_by_id = {indexed.entry.id: indexed.features for indexed in self._entries}
        self._exact: dict[str, Entry | None] = {}
        for entry in entries_list:
            for text in (*entry.questions_zh, *entry.questions_en):
                key = _exact_key(normalize(text))
                # A phrasing two entries share is no exact answer for either.
                self._exact[key] = entry if self._exact.get(key, entry) is entry else None
        self._postings = dict(postings)
        self._idf = {f: math.log(1 + count / len(p)) for f, p in postings.items()}
        # Phrasing weights depend on the IDF, known only once every entry is indexed.
        self._entries = [
            replace(e, phrasing_weights=tuple(sum(map(self.weight, p)) for p in e.phrasings))
            for e in self._entries
        ]
        # One message ranks the same words several times (alone, with its context, as part of
        # a longer question): about a fifth of the calls. A window this small holds one
        # message's rankings and a few of the previous one's, never a whole benchmark pass.
        self._ranked = lru_cache(maxsize=_RANKINGS_KEPT)(self._rank_uncached)

    def weight(self, feature: str) -> float:
        """How much a feature says: its rarity, capped for leftovers, fixed for unknowns."""
        idf = self._idf.get(feature)
        if feature.startswith("#"):
            return self._thresholds.number_weight
        if feature.startswith("1:"):
            unigram = self._thresholds.unigram_weight
            return min(idf, unigram) if idf is not None else unigram
        if feature.startswith(("2:", "w:")):
            cap = self._thresholds.residue_cap
            return min(idf, cap) if idf is not None else self._thresholds.unknown_weight
        return idf if idf is not None else self._thresholds.unseen_term_weight

    def _unit_measures_of(self, entry: Entry, facts: dict[str, Fact]) -> set[str]:
        """Measures an entry states through its figures' units (65亿元 → 金额)."""
        found = set()
        for fact_id in entry.facts:
            fact = facts.get(fact_id)
            if fact is None:
                continue
            for number in _FIGURE_UNIT.finditer(fact.value):
                measure = self._unit_measures.get(number.group(1))
                if measure is not None:
                    found.add(measure)
            if fact.period and "period" in self._unit_measures:
                found.add(self._unit_measures["period"])
        return found

    @staticmethod
    def figures(analysis: Analysis) -> frozenset[str]:
        """The figures a question names (as features: ``#500亿``)."""
        return frozenset(f for f in analysis.features if f.startswith("#"))

    def known_figures(self, analysis: Analysis) -> frozenset[str]:
        """The figures a question names that the article states somewhere."""
        return frozenset(f for f in self.figures(analysis) if f in self._idf)

    def unstated_claims(self, analysis: Analysis) -> frozenset[str]:
        """Amounts and rates the question names that the article never states (500亿, 47.4%);
        bare numbers and years (2025) are left alone: they name periods and counts, and an
        unknown one is a reason to decline."""
        return frozenset(f for f in self.figures(analysis) if f not in self._idf and is_amount(f))

    @staticmethod
    def without(analysis: Analysis, features: frozenset[str]) -> Analysis:
        """The analysis less some of its features (figures, periods)."""
        return replace(
            analysis, features=analysis.features - features, terms=analysis.terms - features
        )

    def features_of(self, entry_id: str) -> frozenset[str]:
        """The features of an entry's phrasings."""
        return self._features_by_id.get(entry_id, frozenset())

    def contrasted(self, analysis: Analysis) -> frozenset[str]:
        """The question's terms of exclusive groups other than periods (a title: 区委书记)."""
        return frozenset(
            t for t in analysis.terms if t in self._exclusive_group and t not in self._periods
        )

    def group_terms_of(self, entry_id: str, terms: frozenset[str]) -> int:
        """How many terms of the exclusive groups of ``terms`` (titles) an entry names."""
        groups = {self._exclusive_group[t] for t in terms if t in self._exclusive_group}
        return sum(
            1 for t in self.features_of(entry_id) if self._exclusive_group.get(t, -1) in groups
        )

    def lists_a_group(self, entry_id: str) -> bool:
        """Whether an entry names most of an exclusive group other than periods (the five
        industries): it answers what is and is not among them."""
        counts: dict[int, int] = {}
        for term in self.features_of(entry_id):
            group = self._exclusive_group.get(term)
            if group is not None and term not in self._periods:
                counts[group] = counts.get(group, 0) + 1
        return any(
            count * 2 > self._group_sizes[group] and count >= _LISTED
            for group, count in counts.items()
        )

    def figures_of(self, entry_id: str) -> frozenset[str]:
        """The figures an entry's facts state, as features."""
        return self._entry_figures.get(entry_id, frozenset())

    def periods(self, analysis: Analysis) -> frozenset[str]:
        """The periods a question names."""
        return frozenset(f for f in analysis.features if f in self._periods)

    def is_asked_for(self, feature: str) -> bool:
        """Whether a feature is a measure, period or figure (what a question asks for)."""
        return feature.startswith("#") or feature in self._measures or feature in self._periods

    def measures(self, analysis: Analysis) -> frozenset[str]:
        """The measures a question asks for (投资, 算力, 营收)."""
        return frozenset(f for f in analysis.features if f in self._measures)

    def names_subject(self, analysis: Analysis) -> bool:
        """Whether a question names a term beyond the measure, period or figure it asks for."""
        return any(not self.is_asked_for(term) for term in analysis.terms)

    def subject_only(self, analysis: Analysis) -> Analysis | None:
        """The question less the measures, periods and figures it asks for; None when it asks
        for none of them, or asks for nothing else."""
        asked = frozenset(f for f in analysis.features if self.is_asked_for(f))
        if not asked or asked == analysis.features:
            return None
        return self.without(analysis, asked)

    def exact(self, normalized: str) -> Entry | None:
        """The entry with a phrasing that is this very question (bar punctuation and space)."""
        return self._exact.get(_exact_key(normalized))

    def information(self, analysis: Analysis) -> float:
        """How much a question says: the summed weight of its features."""
        return sum(self.weight(f) for f in analysis.features)

    def rank(self, analysis: Analysis, limit: int | None = None) -> list[Candidate]:
        """The best-scoring entries for a question, best first."""
        limit = self._thresholds.rank_limit if limit is None else limit
        return list(self._ranked(analysis.features, analysis.terms, limit))

    def _rank_uncached(
        self, features: frozenset[str], terms: frozenset[str], limit: int
    ) -> tuple[Candidate, ...]:
        analysis = Analysis(features, terms, ())
        weights = {f: self.weight(f) for f in analysis.features}
        total = sum(weights.values())
        if total == 0:
            return ()
        number_weight = sum(w for f, w in weights.items() if f.startswith("#"))
        explained: dict[int, float] = defaultdict(float)
        for feature, weight in weights.items():
            for position in self._postings.get(feature, ()):
                explained[position] += weight
        # Numbers in a question are figures it asks about: an entry must state each of them.
        question_exclusive = frozenset(
            t
            for t in analysis.terms | analysis.features
            if t in self._exclusive_group or t in self._measures or t.startswith("#")
        )
        # Score the entries that explain most of the question exactly; the rest cannot win.
        shortlist = sorted(explained.items(), key=lambda item: -item[1])[: limit * 2]
        figures = frozenset(f for f in weights if f.startswith("#"))
        candidates = []
        for position, covered in shortlist:
            indexed = self._entries[position]
            if self._contradicts(
                question_exclusive, indexed.exclusive_terms, indexed.exclusive_groups
            ):
                continue
            shared: dict[int, float] = defaultdict(float)
            for feature, weight in weights.items():
                for number in indexed.phrasing_index.get(feature, ()):
                    shared[number] += weight
            phrasing_coverage = max(
                (
                    weight / indexed.phrasing_weights[number]
                    for number, weight in shared.items()
                    if indexed.phrasing_weights[number] > 0
                ),
                default=0.0,
            )
            question_coverage = covered / total
            # Figures the entry states count as phrasing: "74.4%是什么数据" names no phrasing
            # of its entry, but its figure is that entry's.
            phrasing_coverage = max(phrasing_coverage, number_weight / total)
            base = self._thresholds.phrasing_base
            score = question_coverage * (base + (1 - base) * phrasing_coverage)
            candidates.append(
                Candidate(
                    indexed.entry,
                    score,
                    question_coverage,
                    phrasing_coverage,
                    bool(figures) and figures <= indexed.features,
                    number_weight / total,
                    sum(
                        1
                        for t in analysis.terms - indexed.features
                        if weights.get(t, 0.0) >= self._thresholds.specific_term_weight
                    ),
                )
            )
        candidates.sort(key=lambda c: (-c.score, c.entry.id))
        return tuple(candidates[:limit])

    def unknown_names(self, analysis: Analysis) -> list[str]:
        """Name candidates that neither the article nor any entry uses: places, industries,
        firms it does not cover (领域 in 领域产业 is the article's own word, 麻辣烫 is not)."""
        unknown = []
        for name in analysis.name_candidates:
            if name.removeprefix("w:") in self._source_text:
                continue
            if name.startswith("w:"):
                parts = {name}
            else:
                parts = {"2:" + name[i : i + 2] for i in range(len(name) - 1)}
            if not any(part in self._idf for part in parts):
                unknown.append(name.removeprefix("w:"))
        return unknown

    def unknown_words(self, analysis: Analysis) -> list[str]:
        """Words of the question (two-character runs, English words) that neither the
        article nor any entry uses: 搬离, 上市, "move" — what a rumour adds to the article."""
        return [
            f[2:]
            for f in sorted(analysis.features)
            if f[:2] in ("2:", "w:") and f not in self._idf and f[2:] not in self._source_text
        ]

    def _contradicts(
        self,
        question: frozenset[str],
        entry_terms: frozenset[str],
        entry_groups: frozenset[int],
    ) -> bool:
        """True when the question asks for a measure the entry does not state, or names a
        term of an exclusive group (a period) that the entry speaks of otherwise."""
        for term in question - entry_terms:
            if term.startswith("#"):
                if term not in self._idf:
                    return True  # a figure the article never states: 2025年, 70%
                continue  # a figure of the article's, perhaps named as context (80个重点项目里…)
            if term in self._measures:
                return True
            if self._exclusive_group.get(term, -1) in entry_groups:
                return True
        return False
