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

from bot.engine.knowledge import Entry, Fact, Lexicon

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?(?:[万亿]|%)?级?)(?:元|个|家|平方米)?(?:以上|以下|左右)?|(?P<word>[a-z]+)|(?P<cjk>[\u3400-\u9fff]+)"
)
_MIXED = re.compile(r"\d.*[^\d.%]|[^\d.%].*\d")
_FIGURE_UNIT = re.compile(r"\d(?:\.\d+)?(亿元|万元|元|个|家|%)")
_POSSESSIVE = re.compile(r"['’]s\b")
_CLAIM = re.compile(r"[万亿%.]")
_MAX_ENGLISH_PHRASE = 4
_NOT_A_NAME_START = set("一二两三四五六七八九十几多这那哪每各其该本全")
_MIN_FUZZY_LENGTH = 3
_MAX_TYPOS = 3  # corrections per run of Chinese: 重点像目没开公 has two
_MAX_FUZZY_LENGTH = 5  # longer words are rarely mistyped, and each length costs time

# Weights of features that are not lexicon terms. Leftover Chinese bigrams and unknown English
# words are capped so filler ("要做到", "具体") costs a little, while a lexicon term the entry
# lacks costs its full rarity.
_RESIDUE_CAP = 1.5
_UNKNOWN_WEIGHT = 1.0
_UNIGRAM_WEIGHT = 0.5
_NUMBER_WEIGHT = 3.0
_QUESTION_WORD = re.compile("[哪几多什么谁啥咋]")
# A lexicon term this rare (软信, 华韶, 新材料) names what a question is about; an entry that
# lacks it is never answered on a relaxed rule.
_SPECIFIC_TERM_WEIGHT = 2.5


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text as features: what matching compares."""

    features: frozenset[str]
    terms: frozenset[str]
    out_of_scope: tuple[str, ...]
    # Words written right before a name head (…区, …产业, … district): names, if unknown.
    name_candidates: tuple[str, ...] = ()


class Analyzer:
    """Turns normalised text into features using the lexicon."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._zh: dict[str, str] = {}
        self._en: dict[tuple[str, ...], str] = {}
        self._mixed: list[tuple[re.Pattern[str], str]] = []
        stop = "\x00stop"
        for term, variants in lexicon.synonyms.items():
            for surface in (term, *variants):
                self._add_surface(surface.lower(), term)
        # Period, measure and name-head words must be recognised as terms even where the
        # lexicon lists them without variants.
        for term in (*(t for group in lexicon.exclusive for t in group), *lexicon.measures):
            if term.lower() not in self._zh:
                self._add_surface(term.lower(), term)
        for word in lexicon.stopwords_zh:
            self._zh.setdefault(word.lower(), stop)
        for word in lexicon.stopwords_en:
            self._en.setdefault(tuple(word.lower().split()), stop)
        self._mixed.sort(key=lambda item: -len(item[0].pattern))
        self._stop = stop
        self._heads = {h.lower() for h in lexicon.name_heads}
        self._max_zh = max((len(s) for s in self._zh), default=1)
        protected = {t for group in lexicon.exclusive for t in group}
        # One-character typos (数子车间, 开公率, 产业连) are corrected against lexicon words of
        # three or more characters: "数*车间" -> 数字车间. Keys shared by two words are dropped.
        fuzzy: dict[str, str | None] = {}
        for surface, term in self._zh.items():
            if (
                term == stop
                or len(surface) < _MIN_FUZZY_LENGTH
                or term in protected
                or _QUESTION_WORD.search(surface)
            ):
                # Never "correct" one period into another, nor 在哪一天 into 在哪里.
                continue
            for i in range(len(surface)):
                key = surface[:i] + "*" + surface[i + 1 :]
                fuzzy[key] = surface if fuzzy.get(key, surface) == surface else None
        self._fuzzy = {key: surface for key, surface in fuzzy.items() if surface is not None}
        self._fuzzy_chars = frozenset("".join(self._fuzzy.values()))
        self._fuzzy_lengths = sorted(
            {len(key) for key in self._fuzzy if len(key) <= _MAX_FUZZY_LENGTH}, reverse=True
        )
        self._out_of_scope_zh: list[str] = []
        self._out_of_scope_en: set[tuple[str, ...]] = set()
        for names in lexicon.out_of_scope.values():
            for name in names:
                if _CJK_RUN.search(name):
                    self._out_of_scope_zh.append(name.lower())
                else:
                    self._out_of_scope_en.add(tuple(name.lower().split()))
        self._out_of_scope_en_sizes = sorted({len(name) for name in self._out_of_scope_en})

    def _add_surface(self, surface: str, term: str) -> None:
        if _MIXED.search(surface) or surface.isdigit():
            # q3, h1, 2023年, 5星级: letters or Chinese glued to digits, which the tokenizer
            # would split, so they are rewritten as their term before tokenizing.
            self._mixed.append(
                (re.compile(rf"(?<![a-z0-9]){re.escape(surface)}(?![a-z0-9])"), term)
            )
            return
        if _CJK_RUN.fullmatch(surface):
            self._zh[surface] = term
        else:
            words = tuple(re.findall(r"[a-z0-9]+", surface))
            if words:
                self._en[words] = term
            else:
                self._zh[surface] = term

    def chinese_surfaces(self) -> dict[str, str]:
        """Every Chinese word the lexicon knows (terms and their variants), each with the
        term it stands for (stop words stand for themselves)."""
        return {
            s: (s if t == self._stop else t) for s, t in self._zh.items() if _CJK_RUN.fullmatch(s)
        }

    def analyze(self, normalized: str) -> Analysis:
        """Features of ``normalized`` text (the output of ``textnorm.normalize``)."""
        normalized = _POSSESSIVE.sub("", normalized)
        for pattern, term in self._mixed:
            normalized = pattern.sub(f" {term} ", normalized)
        features: set[str] = set()
        terms: set[str] = set()
        names: list[str] = []
        words: list[str] = []
        for match in _TOKEN.finditer(normalized):
            if match.group("word"):
                words.append(match.group("word"))
                continue
            self._flush_words(words, features, terms, names)
            words = []
            if match.group("number"):
                features.add("#" + match.group("number"))
            else:
                self._segment_chinese(match.group("cjk"), features, terms, names)
        self._flush_words(words, features, terms, names)
        foreign = [name for name in self._out_of_scope_zh if name in normalized]
        if self._out_of_scope_en:
            tokens = tuple(re.findall(r"[a-z0-9]+", normalized))
            for size in self._out_of_scope_en_sizes:
                for i in range(len(tokens) - size + 1):
                    if tokens[i : i + size] in self._out_of_scope_en:
                        foreign.append(" ".join(tokens[i : i + size]))
        return Analysis(frozenset(features), frozenset(terms), tuple(foreign), tuple(names))

    def _segment_chinese(
        self, run: str, features: set[str], terms: set[str], names: list[str]
    ) -> None:
        """Forward maximum matching against lexicon surfaces; bigrams for what is left."""
        segments = self._segments(run)
        for _ in range(_MAX_TYPOS):
            corrected = self._correct_typos(run, segments)
            if corrected == run:
                break
            run, segments = corrected, self._segments(corrected)
        residue: list[str] = []
        for text, term in segments:
            if term is None:
                residue.append(text)
                continue
            left = "".join(residue)
            self._name_candidates(left, text in self._heads or term in self._heads, names)
            _add_residue(left, features)
            residue = []
            if term != self._stop:
                features.add(term)
                terms.add(term)
        left = "".join(residue)
        self._name_candidates(left, False, names)
        _add_residue(left, features)

    def _segments(self, run: str) -> list[tuple[str, str | None]]:
        """(surface, term) pieces by forward maximum matching; term None for a leftover char."""
        segments: list[tuple[str, str | None]] = []
        i = 0
        while i < len(run):
            for length in range(min(self._max_zh, len(run) - i), 0, -1):
                term = self._zh.get(run[i : i + length])
                if term is not None:
                    segments.append((run[i : i + length], term))
                    i += length
                    break
            else:
                segments.append((run[i], None))
                i += 1
        return segments

    def _correct_typos(self, run: str, segments: list[tuple[str, str | None]]) -> str:
        """Replace a lexicon word misspelt by one leftover character with the word."""
        leftover: list[int] = []
        position = 0
        for text, term in segments:
            if term is None:
                leftover.append(position)
            position += len(text)
        if not leftover:
            return run
        # Prefix counts of characters that occur in correctable words: a window is only worth
        # a look-up when every character but the suspect one could belong to such a word.
        known = [0]
        for char in run:
            known.append(known[-1] + (char in self._fuzzy_chars))
        for p in leftover:
            suspect = known[p + 1] - known[p]
            for length in self._fuzzy_lengths:
                if length > len(run):
                    continue
                for start in range(max(0, p - length + 1), min(p, len(run) - length) + 1):
                    if known[start + length] - known[start] - suspect != length - 1:
                        continue
                    window = run[start : start + length]
                    offset = p - start
                    rest = window[:offset] + window[offset + 1 :]
                    if offset in (0, length - 1) and rest in self._zh:
                        # 产业+发 is the word 产业 and one more character, not a typo of 产业链.
                        continue
                    surface = self._fuzzy.get(window[:offset] + "*" + window[offset + 1 :])
                    if surface is not None:
                        return run[:start] + surface + run[start + length :]
        return run

    def _name_candidates(self, residue: str, head_follows: bool, names: list[str]) -> None:
        """Leftover text that ends in, or stands before, a name head (区, 产业 …)."""
        if residue[:1] in _NOT_A_NAME_START:
            return  # 五个产业, 这些产业, 哪个区: counts and pronouns, not names
        if head_follows and len(residue) >= 2:
            names.append(residue)
        if len(residue) >= 3 and residue[-1] in self._heads:
            names.append(residue[:-1])  # 沙坪坝区: the head is the last character

    def _flush_words(
        self, words: list[str], features: set[str], terms: set[str], names: list[str]
    ) -> None:
        """Longest English phrases first; unknown words become features of their own."""
        i = 0
        unknown: str | None = None
        while i < len(words):
            for length in range(min(_MAX_ENGLISH_PHRASE, len(words) - i), 0, -1):
                phrase = tuple(_stem(w) for w in words[i : i + length])
                term = self._en.get(tuple(words[i : i + length])) or self._en.get(phrase)
                if term is not None:
                    break
            else:
                if words[i] in self._heads and unknown is not None:
                    names.append(unknown)
                unknown = "w:" + _stem(words[i])
                features.add(unknown)
                i += 1
                continue
            if unknown is not None and (" ".join(words[i : i + length]) in self._heads):
                names.append(unknown)
            unknown = None
            if term != self._stop:
                features.add(term)
                terms.add(term)
            i += length


def _exact_key(normalized: str) -> str:
    return re.sub(r"[\W_]+", "", normalized)


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
    ) -> None:
        self.analyzer = analyzer
        self._source_text = normalize(source_text)
        self._measures = frozenset(measures)
        self._unit_measures = dict(unit_measures or {})
        self._exclusive_group: dict[str, int] = {}
        for index, group in enumerate(exclusive):
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
                )
            )
            for feature in features:
                postings[feature].append(position)
        count = max(len(self._entries), 1)
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
        return frozenset(
            f for f in self.figures(analysis) if f not in self._idf and _CLAIM.search(f)
        )

    @staticmethod
    def without(analysis: Analysis, features: frozenset[str]) -> Analysis:
        """The analysis less some of its features (figures, periods)."""
        return replace(
            analysis, features=analysis.features - features, terms=analysis.terms - features
        )

    def features_of(self, entry_id: str) -> frozenset[str]:
        """The features of an entry's phrasings."""
        for indexed in self._entries:
            if indexed.entry.id == entry_id:
                return indexed.features
        return frozenset()

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

    def rank(self, analysis: Analysis, limit: int = 8) -> list[Candidate]:
        """The best-scoring entries for a question, best first."""
        weights = {f: self.weight(f) for f in analysis.features}
        total = sum(weights.values())
        if total == 0:
            return []
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
            if self._contradicts(question_exclusive, indexed.exclusive_terms):
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
            score = question_coverage * (0.55 + 0.45 * phrasing_coverage)
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
                        if weights.get(t, 0.0) >= _SPECIFIC_TERM_WEIGHT
                    ),
                )
            )
        candidates.sort(key=lambda c: (-c.score, c.entry.id))
        return candidates[:limit]

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

    def _contradicts(self, question: frozenset[str], entry_terms: frozenset[str]) -> bool:
        """True when the question asks for a measure the entry does not state, or names a
        term of an exclusive group (a period) that the entry speaks of otherwise."""
        entry_groups = {
            self._exclusive_group[t] for t in entry_terms if t in self._exclusive_group
        }
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
