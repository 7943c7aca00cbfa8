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
whose phrasings name other periods but not the question's is never a candidate.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.knowledge import Entry, Fact, Lexicon

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?(?:[万亿]|%)?)|(?P<word>[a-z]+(?:'[a-z]+)?)|(?P<cjk>[\u3400-\u9fff]+)"
)
_MAX_ENGLISH_PHRASE = 4

# Weights of features that are not lexicon terms. Leftover Chinese bigrams and unknown English
# words are capped so filler ("要做到", "具体") costs a little, while a lexicon term the entry
# lacks costs its full rarity.
_RESIDUE_CAP = 1.5
_UNKNOWN_WEIGHT = 1.0
_UNIGRAM_WEIGHT = 0.5
_NUMBER_WEIGHT = 3.0


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text as features: what matching compares."""

    features: frozenset[str]
    terms: frozenset[str]
    out_of_scope: tuple[str, ...]


class Analyzer:
    """Turns normalised text into features using the lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._zh: dict[str, str] = {}
        self._en: dict[tuple[str, ...], str] = {}
        stop = "\x00stop"
        for term, variants in lexicon.synonyms.items():
            for surface in (term, *variants):
                self._add_surface(surface.lower(), term)
        for word in lexicon.stopwords_zh:
            self._zh.setdefault(word.lower(), stop)
        for word in lexicon.stopwords_en:
            self._en.setdefault(tuple(word.lower().split()), stop)
        self._stop = stop
        self._max_zh = max((len(s) for s in self._zh), default=1)
        self._out_of_scope_zh: list[str] = []
        self._out_of_scope_en: set[tuple[str, ...]] = set()
        for names in lexicon.out_of_scope.values():
            for name in names:
                if _CJK_RUN.search(name):
                    self._out_of_scope_zh.append(name.lower())
                else:
                    self._out_of_scope_en.add(tuple(name.lower().split()))

    def _add_surface(self, surface: str, term: str) -> None:
        if _CJK_RUN.fullmatch(surface):
            self._zh[surface] = term
        else:
            words = tuple(re.findall(r"[a-z0-9]+", surface))
            if words:
                self._en[words] = term
            else:
                self._zh[surface] = term

    def analyze(self, normalized: str) -> Analysis:
        """Features of ``normalized`` text (the output of ``textnorm.normalize``)."""
        features: set[str] = set()
        terms: set[str] = set()
        words: list[str] = []
        for match in _TOKEN.finditer(normalized):
            if match.group("word"):
                words.append(match.group("word"))
                continue
            self._flush_words(words, features, terms)
            words = []
            if match.group("number"):
                features.add("#" + match.group("number"))
            else:
                self._segment_chinese(match.group("cjk"), features, terms)
        self._flush_words(words, features, terms)
        foreign = [name for name in self._out_of_scope_zh if name in normalized]
        tokens = tuple(re.findall(r"[a-z0-9]+", normalized))
        for name in self._out_of_scope_en:
            if any(tokens[i : i + len(name)] == name for i in range(len(tokens))):
                foreign.append(" ".join(name))
        return Analysis(frozenset(features), frozenset(terms), tuple(foreign))

    def _segment_chinese(self, run: str, features: set[str], terms: set[str]) -> None:
        """Forward maximum matching against lexicon surfaces; bigrams for what is left."""
        residue: list[str] = []
        i = 0
        while i < len(run):
            for length in range(min(self._max_zh, len(run) - i), 0, -1):
                term = self._zh.get(run[i : i + length])
                if term is not None:
                    break
            else:
                residue.append(run[i])
                i += 1
                continue
            _add_residue("".join(residue), features)
            residue = []
            if term != self._stop:
                features.add(term)
                terms.add(term)
            i += length
        _add_residue("".join(residue), features)

    def _flush_words(self, words: list[str], features: set[str], terms: set[str]) -> None:
        """Longest English phrases first; unknown words become features of their own."""
        i = 0
        while i < len(words):
            for length in range(min(_MAX_ENGLISH_PHRASE, len(words) - i), 0, -1):
                phrase = tuple(_stem(w) for w in words[i : i + length])
                term = self._en.get(tuple(words[i : i + length])) or self._en.get(phrase)
                if term is not None:
                    break
            else:
                features.add("w:" + _stem(words[i]))
                i += 1
                continue
            if term != self._stop:
                features.add(term)
                terms.add(term)
            i += length


def _stem(word: str) -> str:
    """A light English stem, enough for plurals: projects → project, industries → industry."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _add_residue(text: str, features: set[str]) -> None:
    if len(text) == 1:
        features.add("1:" + text)
    for i in range(len(text) - 1):
        features.add("2:" + text[i : i + 2])


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry scored against a question."""

    entry: Entry
    score: float
    question_coverage: float
    phrasing_coverage: float


@dataclass(frozen=True, slots=True)
class _IndexedEntry:
    entry: Entry
    features: frozenset[str]
    phrasings: tuple[frozenset[str], ...]
    phrasing_weights: tuple[float, ...]
    exclusive_terms: frozenset[str]


class Matcher:
    """An index over the entries' phrasings; ``rank`` scores the candidates for a question."""

    def __init__(
        self,
        entries: Iterable[Entry],
        facts: dict[str, Fact],
        analyzer: Analyzer,
        exclusive: Sequence[Sequence[str]],
        normalize: Callable[[str], str],
    ) -> None:
        self.analyzer = analyzer
        self._exclusive_group: dict[str, int] = {}
        for index, group in enumerate(exclusive):
            for term in group:
                self._exclusive_group[term] = index
        self._entries: list[_IndexedEntry] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for entry in entries:
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
            features = frozenset().union(*phrasings, numbers)
            exclusive_terms = frozenset(t for t in features if t in self._exclusive_group)
            position = len(self._entries)
            self._entries.append(_IndexedEntry(entry, features, phrasings, (), exclusive_terms))
            for feature in features:
                postings[feature].append(position)
        count = max(len(self._entries), 1)
        self._postings = dict(postings)
        self._idf = {f: math.log(1 + count / len(p)) for f, p in postings.items()}
        # Phrasing weights depend on the IDF, known only once every entry is indexed.
        self._entries = [
            _IndexedEntry(
                e.entry,
                e.features,
                e.phrasings,
                tuple(sum(self.weight(f) for f in p) for p in e.phrasings),
                e.exclusive_terms,
            )
            for e in self._entries
        ]

    def weight(self, feature: str) -> float:
        """How much a feature says: its rarity, capped for leftovers, fixed for unknowns."""
        idf = self._idf.get(feature)
        if feature.startswith("#"):
            return _NUMBER_WEIGHT
        if feature.startswith("1:"):
            return min(idf, _UNIGRAM_WEIGHT) if idf is not None else _UNIGRAM_WEIGHT
        if feature.startswith(("2:", "w:")):
            return min(idf, _RESIDUE_CAP) if idf is not None else _UNKNOWN_WEIGHT
        return idf if idf is not None else _RESIDUE_CAP * 2

    def rank(self, analysis: Analysis, limit: int = 8) -> list[Candidate]:
        """The best-scoring entries for a question, best first."""
        weights = {f: self.weight(f) for f in analysis.features}
        total = sum(weights.values())
        if total == 0:
            return []
        explained: dict[int, float] = defaultdict(float)
        for feature, weight in weights.items():
            for position in self._postings.get(feature, ()):
                explained[position] += weight
        question_exclusive = {
            self._exclusive_group[t]: t for t in analysis.terms if t in self._exclusive_group
        }
        # Score the entries that explain most of the question exactly; the rest cannot win.
        shortlist = sorted(explained.items(), key=lambda item: -item[1])[: limit * 4]
        candidates = []
        for position, covered in shortlist:
            indexed = self._entries[position]
            if self._contradicts(question_exclusive, indexed.exclusive_terms):
                continue
            phrasing_coverage = max(
                (
                    sum(weights[f] for f in phrasing if f in weights) / phrasing_total
                    for phrasing, phrasing_total in zip(
                        indexed.phrasings, indexed.phrasing_weights, strict=True
                    )
                    if phrasing_total > 0
                ),
                default=0.0,
            )
            question_coverage = covered / total
            score = question_coverage * (0.55 + 0.45 * phrasing_coverage)
            candidates.append(
                Candidate(indexed.entry, score, question_coverage, phrasing_coverage)
            )
        candidates.sort(key=lambda c: (-c.score, c.entry.id))
        return candidates[:limit]

    def _contradicts(self, question: dict[int, str], entry_terms: frozenset[str]) -> bool:
        for term in entry_terms:
            group = self._exclusive_group[term]
            wanted = question.get(group)
            if wanted is not None and wanted not in entry_terms:
                return True
        return False
