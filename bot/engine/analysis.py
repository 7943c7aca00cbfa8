"""A normalised text as features: what matching compares.

Lexicon terms (synonyms, typos and English words mapped to one canonical term, found by
forward maximum matching, one-character typos corrected), character bigrams of the Chinese
left over, unknown English words, numbers, out-of-scope names, and the words written before a
name head (…区, …产业), which are names if the article does not know them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.engine.homophones import is_common_word, sounds_alike
from bot.engine.knowledge import Lexicon
from bot.engine.textnorm import taiwan_wording
from bot.engine.thresholds import DEFAULT_THRESHOLDS, Thresholds

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_TOKEN = re.compile(
    r"(?P<number>\d+(?:\.\d+)?(?:[万亿]|%)?级?)(?:元|个|家|平方米)?(?:以上|以下|左右)?|(?P<word>[a-z]+)|(?P<cjk>[\u3400-\u9fff]+)"
)
_MIXED = re.compile(r"\d.*[^\d.%]|[^\d.%].*\d")
_POSSESSIVE = re.compile(r"['’]s\b")
_MAX_ENGLISH_PHRASE = 4
# English words shorter than this are never spelling-corrected (too many near neighbours);
# from _TWO_EDITS_FROM letters two edits are allowed.
_MIN_SPELLED = 4
_TWO_EDITS_FROM = 7
_NOT_A_NAME_START = set("一二两三四五六七八九十几多这那哪每各其该本全")
_QUESTION_WORD = re.compile("[哪几多什么谁啥咋]")
# Verbs that put something in a place or a list ("纳入市区级重点", "落户沙坪坝区") or speak
# for it ("代表区政府"): the name, if any, is what follows them.
_PLACING_VERB = re.compile(
    "^(?:纳入|列入|进入|属于|位于|落户|入选|包括|包含|来自|搬到|搬去|在|代表|作为|担任)"
)


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

    def __init__(
        self,
        lexicon: Lexicon,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        *,
        correct_typos: bool = True,
        known_english: Iterable[str] = (),
    ) -> None:
        # Without typo correction (the "typos" step switched off), no run is ever rewritten.
        self._max_typos = thresholds.max_typos if correct_typos else 0
        self._zh: dict[str, str] = {}
        self._en: dict[tuple[str, ...], str] = {}
        self._mixed: list[tuple[re.Pattern[str], str]] = []
        stop = "\x00stop"
        for term, variants in lexicon.synonyms.items():
            for surface in (term, *variants):
                self._add_surface(surface.lower(), term)
        # Readers in Taiwan and Hong Kong write 軟體, 專案, 資訊 for 软件, 项目, 信息: each
        # Chinese surface is known in their wording too (unless that is another surface).
        for term, variants in lexicon.synonyms.items():
            for surface in (term, *variants):
                if _CJK_RUN.fullmatch(surface):
                    regional = taiwan_wording(surface)
                    if regional != surface and regional not in self._zh:
                        self._add_surface(regional, term)
        # Period, measure and name-head words must be recognised as terms even where the
        # lexicon lists them without variants.
        for term in (*(t for group in lexicon.exclusive for t in group), *lexicon.measures):
            if term.lower() not in self._zh:
                self._add_surface(term.lower(), term)
        for word in lexicon.stopwords_zh:
            self._zh.setdefault(word.lower(), stop)
        for word in lexicon.stopwords_en:
            self._en.setdefault(tuple(word.lower().split()), stop)
        # Looked up stemmed as well as written ("aiming to add" finds "aim"), so each phrase
        # is known by its stems too.
        for phrase, known in list(self._en.items()):
            self._en.setdefault(tuple(_stem(w) for w in phrase), known)
        self._mixed.sort(key=lambda item: -len(item[0].pattern))
        # English misspellings ("revenu", "yeer", "Dadukuo") are corrected into the lexicon's
        # own English words; words the knowledge uses otherwise (its English phrasings and
        # answers, stop words, out-of-scope names) are never "corrected".
        targets = {w for phrase in self._en for w in phrase if len(w) >= _MIN_SPELLED}
        self._english_targets = sorted(targets)
        self._english_known = frozenset(
            {w for phrase in self._en for w in phrase}
            | {w.lower() for w in known_english}
            | {
                w.lower()
                for names in lexicon.out_of_scope.values()
                for name in names
                for w in name.split()
            }
        )
        self._spelled = lru_cache(maxsize=4096)(self._spell) if correct_typos else None
        # A message's clauses are analysed several times over (alone, with context, for a
        # subject, for names); an Analysis is immutable, so each text's is kept (bounded).
        self._analysed = lru_cache(maxsize=4096)(self._analyze_uncached)
        self._stop = stop
        self._heads = {h.lower() for h in lexicon.name_heads}
        self._max_zh = max((len(s) for s in self._zh), default=1)
        protected = {t for group in lexicon.exclusive for t in group}
        # One-character typos (数子车间, 开公率, 产业连) are corrected against lexicon words of
        # three or more characters: "数*车间" -> 数字车间. Keys shared by two words are dropped.
        # A key several terms share (开工* : 开工率, 开工了) is settled by sound, if at all.
        fuzzy: dict[str, dict[str, str]] = {}
        for surface, term in self._zh.items():
            if (
                term == stop
                or len(surface) < thresholds.min_fuzzy_length
                or term in protected
                or _QUESTION_WORD.search(surface)
            ):
                # Never "correct" one period into another, nor 在哪一天 into 在哪里.
                continue
            for i in range(len(surface)):
                key = surface[:i] + "*" + surface[i + 1 :]
                fuzzy.setdefault(key, {}).setdefault(term, surface)
        self._fuzzy = {
            key: next(iter(by_term.values()))
            for key, by_term in fuzzy.items()
            if len(by_term) == 1
        }
        self._fuzzy_shared = {
            key: tuple(by_term.values()) for key, by_term in fuzzy.items() if len(by_term) > 1
        }
        self._fuzzy_chars = frozenset(
            "".join(surface for by_term in fuzzy.values() for surface in by_term.values())
        )
        self._fuzzy_lengths = sorted(
            {len(key) for key in fuzzy if len(key) <= thresholds.max_fuzzy_length},
            reverse=True,
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
        # Out-of-scope "topics" (工资, 房租, 天气) are things asked about, not what a message is
        # about: they decline the question asking them, not the other questions beside it.
        self._industries = frozenset(
            " ".join(name.lower().split()) for name in lexicon.out_of_scope.get("industries", ())
        )
        self._aspects = frozenset(
            " ".join(name.lower().split()) for name in lexicon.out_of_scope.get("topics", ())
        )

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
        return self._analysed(normalized)

    def _analyze_uncached(self, normalized: str) -> Analysis:
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

    def foreign_industries(self, analysis: Analysis) -> tuple[str, ...]:
        """The out-of-scope industries a question names (火锅, 汽车)."""
        return tuple(name for name in analysis.out_of_scope if name in self._industries)

    def foreign_subjects(self, analysis: Analysis) -> tuple[str, ...]:
        """The out-of-scope places, industries and firms a question names (not its topics)."""
        return tuple(name for name in analysis.out_of_scope if name not in self._aspects)

    def _segment_chinese(
        self, run: str, features: set[str], terms: set[str], names: list[str]
    ) -> None:
        """Forward maximum matching against lexicon surfaces; bigrams for what is left."""
        segments = self._segments(run)
        for _ in range(self._max_typos):
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
                    # 产业+发 is the word 产业 and one more character, not a typo of 产业链;
                    # 开工+绿 is 开工率 misheard (绿 and 率 sound alike).
                    # (了解+它 is the word 了解 and the next one, not a slip for 了解到.)
                    by_sound = offset in (0, length - 1) and (
                        rest in self._zh or is_common_word(rest)
                    )
                    key = window[:offset] + "*" + window[offset + 1 :]
                    words = self._fuzzy_shared.get(key, ())
                    if key in self._fuzzy:
                        words = (self._fuzzy[key],)
                    if by_sound or len(words) > 1:
                        # Of 开工率 and 开工了, the one whose character sounds like 绿.
                        words = tuple(w for w in words if sounds_alike(w[offset], window[offset]))
                    surface = words[0] if len(words) == 1 else None
                    if surface is not None:
                        return run[:start] + surface + run[start + length :]
        return run

    def _name_candidates(self, residue: str, head_follows: bool, names: list[str]) -> None:
        """Leftover text that ends in, or stands before, a name head (区, 产业 …)."""
        residue = _PLACING_VERB.sub("", residue)
        if residue[:1] in _NOT_A_NAME_START:
            return  # 五个产业, 这些产业, 哪个区: counts and pronouns, not names
        if head_follows and len(residue) >= 2:
            names.append(residue)
        if len(residue) >= 3 and residue[-1] in self._heads:
            names.append(residue[:-1])  # 沙坪坝区: the head is the last character

    def _spell(self, word: str) -> str:
        """The lexicon word ``word`` is a misspelling of (one edit, two from seven letters,
        a swap counting one), when exactly one is that near; else ``word``."""
        if len(word) < _MIN_SPELLED or word in self._english_known or not word.isalpha():
            return word
        limit = 1 if len(word) < _TWO_EDITS_FROM else 2
        nearest = process.extract(
            word, self._english_targets, scorer=OSA.distance, score_cutoff=limit, limit=2
        )
        if not nearest or (len(nearest) > 1 and nearest[1][1] == nearest[0][1]):
            return word
        return str(nearest[0][0])

    def _flush_words(
        self, words: list[str], features: set[str], terms: set[str], names: list[str]
    ) -> None:
        """Longest English phrases first; unknown words become features of their own."""
        if self._spelled is not None:
            words = [self._spelled(w) for w in words]
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


def _stem(word: str) -> str:
    """A light English stem, enough for plurals and verb forms: projects → project,
    industries → industry, aiming → aim, started → start, planned → plan."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    for ending in ("ing", "ed"):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3 and any(c in _VOWELS for c in stem):
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                return stem[:-1]  # planned → plan, stopped → stop
            return stem
    return word


_VOWELS = frozenset("aeiouy")


def _add_residue(text: str, features: set[str]) -> None:
    if len(text) == 1:
        features.add("1:" + text)
    for i in range(len(text) - 1):
        features.add("2:" + text[i : i + 2])
