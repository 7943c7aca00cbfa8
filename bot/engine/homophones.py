"""Correct pinyin-IME slips against the knowledge's own vocabulary.

People typing with a pinyin keyboard pick the wrong character of the right sound: 小棉 for
小面, 营受目表 for 营收目标, 上伴年 for 上半年, 大度口 for 大渡口. Any such slip sounds exactly
like a word the knowledge uses, so the corrector needs no list of typos: a run of characters
that is not a word (neither the knowledge's nor an ordinary one), sounds like vocabulary words
of one term (toneless pinyin, the usual reading of each typed character) and shares at least
one character with one of them in place, is that word.

The shared character keeps unrelated words that merely sound like a vocabulary word as they
are, and a window that starts with a vocabulary word of its own is never rewritten.

The pronunciations come from pypinyin's character table (its JSON file, read directly: importing
the package builds its phrase dictionary too, a quarter of a second at every start).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

_MIN_LENGTH = 2
_MAX_LENGTH = 5
_MAX_READINGS = 16  # keys per word: polyphonic characters multiply readings


def _table(name: str) -> dict[str, object]:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or spec.origin is None:
        return {}
    data: dict[str, object] = json.loads((Path(spec.origin).parent / name).read_text("utf-8"))
    return data


@cache
def _readings() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin readings of every CJK character pypinyin knows, the most common
    first."""
    readings: dict[str, tuple[str, ...]] = {}
    for codepoint, marked in _table("pinyin_dict.json").items():
        toneless = dict.fromkeys(_toneless(reading) for reading in str(marked).split(","))
        readings[chr(int(codepoint))] = tuple(toneless)
    return readings


@cache
def _common_words() -> frozenset[str]:
    """Ordinary Chinese words (pypinyin's phrase list): 成为 and 一片 are words of their own,
    not slips for 称为 or 意片."""
    return frozenset(_table("phrases_dict.json"))


def is_common_word(text: str) -> bool:
    """Whether ``text`` is an ordinary Chinese word (pypinyin's phrase list: 了解, 成为)."""
    return text in _common_words()


def sounds_alike(first: str, second: str) -> bool:
    """Whether two characters share a toneless reading (绿 and 率 are both "lv")."""
    readings = _readings()
    return bool(set(readings.get(first, ())) & set(readings.get(second, ())))


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


def _keys(word: str, readings: dict[str, tuple[str, ...]]) -> list[str]:
    """Every way the word can be read, as space-joined toneless syllables."""
    options = [readings.get(char) for char in word]
    if any(option is None for option in options):
        return []
    keys = []
    for combination in itertools.product(*(o for o in options if o is not None)):
        keys.append(" ".join(combination))
        if len(keys) >= _MAX_READINGS:
            break
    return keys


class HomophoneCorrector:
    """Rewrites sound-alike slips into vocabulary words; immutable once built."""

    def __init__(self, vocabulary: Mapping[str, str], protected: Iterable[str] = ()) -> None:
        """``vocabulary`` maps each word to the term it stands for (盈收 → 营收): words that
        sound alike and mean the same term are no conflict, and a slip becomes the term."""
        readings = _readings()
        self._readings = readings
        self._vocabulary = frozenset(
            w for w in vocabulary if _MIN_LENGTH <= len(w) <= _MAX_LENGTH and _is_cjk(w)
        )
        # Words that are never the result of a correction (question words: 多少 is not 多嫂).
        self._protected = frozenset(protected)
        # sound → (the words that sound so, the term they stand for).
        by_sound: dict[str, tuple[frozenset[str], str] | None] = {}
        for word in sorted(self._vocabulary - self._protected):
            term = vocabulary[word]
            target = term
            for key in _keys(word, readings):
                known = by_sound.get(key, (frozenset(), target))
                # Two words that sound alike for different terms: neither is a safe correction.
                by_sound[key] = (
                    (known[0] | {word}, target)
                    if known is not None and known[1] == target
                    else None
                )
        self._by_sound = {k: v for k, v in by_sound.items() if v is not None}
        self._words = self._vocabulary | self._protected | _common_words()
        self._lengths = sorted(
            {len(w) for words, _ in self._by_sound.values() for w in words}, reverse=True
        )

    def correct(self, text: str) -> str:
        """``text`` with each sound-alike slip replaced by its vocabulary word."""
        if not self._by_sound:
            return text
        # Where the run of Chinese characters at each position ends: words and slips are
        # Chinese only, so no window reaches past it (and other characters are skipped).
        run_end = [0] * (len(text) + 1)
        run_end[len(text)] = len(text)
        for i in range(len(text) - 1, -1, -1):
            run_end[i] = run_end[i + 1] if _is_cjk(text[i]) else i
        out: list[str] = []
        i = 0
        while i < len(text):
            piece = self._piece_at(text, i, run_end[i] - i) if run_end[i] > i else (1, text[i])
            out.append(piece[1])
            i += piece[0]
        return "".join(out)

    def _piece_at(self, text: str, start: int, run: int) -> tuple[int, str]:
        """(characters consumed, what to write): a vocabulary word kept whole, a slip
        corrected, or one character as it is (``run``: Chinese characters from ``start``)."""
        for length in range(min(_MAX_LENGTH, run), _MIN_LENGTH - 1, -1):
            window = text[start : start + length]
            if window in self._vocabulary:
                return length, window  # a word of ours already: never split or rewrite it
        for length in self._lengths:
            if length > run:
                continue
            window = text[start : start + length]
            if window in self._words:
                continue
            if self._splits_a_word(text, start, length):
                continue  # 引进|多少 is no slip for 进度
            # The slip was typed as the character's usual reading (度 read duó is rare).
            key = self._usual_reading(window)
            found = self._by_sound.get(key) if key is not None else None
            if found is None:
                continue
            # Write the word that sounds so and shares most with what was typed (营受 →
            # 营收, not its variant 盈收): the lexicon maps it to its term.
            shared, word = max(
                ((_shared_in_place(window, w), w) for w in found[0] if len(w) == length),
                default=(0, ""),
            )
            if shared:
                return length, word
        return 1, text[start]

    def _usual_reading(self, window: str) -> str | None:
        """The window read character by character in each one's usual reading."""
        syllables = []
        for char in window:
            reading = self._readings.get(char)
            if not reading:
                return None
            syllables.append(reading[0])
        return " ".join(syllables)

    def _splits_a_word(self, text: str, start: int, length: int) -> bool:
        """Whether a question or stop word starts inside the window and runs past its end."""
        end = start + length
        for inner in range(start + 1, end):
            for size in range(end - inner + 1, _MAX_LENGTH + 1):
                if text[inner : inner + size] in self._protected:
                    return True
        return False


def _shared_in_place(window: str, word: str) -> int:
    return sum(a == b for a, b in zip(window, word, strict=True))


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= char <= "\u9fff" for char in text)
