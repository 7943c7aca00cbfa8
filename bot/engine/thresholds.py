"""Every tuned number of the engine's decisions, in one place.

Tuned on the tuning half of knowledge/questions.yaml (scripts/bench_engine.py shows the effect
of a change on both halves). The engine takes a ``Thresholds`` (``Engine(..., thresholds=)``),
so a test or a benchmark can try another value without editing code; ``DEFAULT_THRESHOLDS`` is
what the bot answers with.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers that decide what a question gets: an answer, a choice, or a decline."""

    # --- answering (bot/engine/decision.py) ------------------------------------------------
    # Share of the question's weight an entry must explain to answer it.
    answer_coverage: float = 0.75
    # ... or this little, when the question states the entry's closest phrasing almost word
    # for word (full_phrasing) and misses no specific term: what is left is phrasing
    # ("报道里讲话的那位"), since names, periods and measures are checked on their own.
    full_phrasing_coverage: float = 0.6
    full_phrasing: float = 0.95
    # A question naming a figure the entry states (reverse look-up) is explained by it when
    # the figures are at least figure_share of the question and it covers figure_coverage.
    figure_share: float = 0.4
    figure_coverage: float = 0.5
    # The score a single explaining entry needs to be the answer.
    answer_score: float = 0.55
    # Small talk whose question and phrasing coverage both exceed this is said word for word
    # ("/start", "谢谢"): never vague.
    exact_smalltalk_coverage: float = 0.99
    # A question saying less than this weight (目标是多少, 投资多少) that several entries explain
    # is ambiguous ...
    min_specific_weight: float = 3.5
    # ... unless the best entry scores this much above the second.
    clear_win: float = 0.2
    # Entries within this score of the best one compete with it.
    tie_margin: float = 0.08
    # Several FAQ entries competing make the question ambiguous when the best scores this.
    ambiguous_score: float = 0.4
    # Entries scoring this are offered as suggestions beside a decline.
    suggestion_score: float = 0.2
    # An industry the article does not cover, asked of its list ("五大产业里有没有汽车"), is
    # answered by the listing entry only when that entry explains this much of the rest.
    listed_coverage: float = 0.9
    # How many entries an ambiguous question offers as choices (and examples shown).
    max_choices: int = 4
    # How many suggestions a declined question offers.
    max_suggestions: int = 3
    # Longer messages are cut to this many characters before anything else is done.
    max_question_chars: int = 1000

    # --- semantic recall (the sentence encoder, bot/engine/semantic.py) --------------------
    # It answers a question lexical matching left unsure only when its nearest entry is at
    # least this close in cosine ...
    recall_similarity: float = 0.75
    # ... this far ahead of the next entry ...
    recall_margin: float = 0.1
    # ... and ranked by the lexical matcher with at least this score, no specific term missing.
    recall_lexical_score: float = 0.45
    # Entries at least this close are offered as "您是想问……吗" guesses (never answers).
    guess_similarity: float = 0.35

    # --- scoring (bot/engine/matching.py) ----------------------------------------------------
    # A candidate's score is question_coverage * (phrasing_base + (1 - phrasing_base) *
    # phrasing_coverage): explaining the question matters most, stating its phrasing breaks ties.
    phrasing_base: float = 0.55
    # The weight of a figure the question names (#50亿元以上): figures identify entries.
    number_weight: float = 3.0
    # Leftover Chinese bigrams and English words weigh at most this (their IDF otherwise):
    # filler ("要做到", "具体") costs a little; a lexicon term the entry lacks costs its rarity.
    residue_cap: float = 1.5
    # An English word no entry uses.
    unknown_weight: float = 1.0
    # A single leftover Chinese character weighs at most this.
    unigram_weight: float = 0.5
    # A lexicon term this rare (软信, 华韶, 新材料) names what a question is about; an entry
    # lacking it is never answered on a relaxed rule (it counts as a missing term).
    specific_term_weight: float = 2.5
    # A lexicon term no entry uses weighs this (a term, so more than any leftover).
    unseen_term_weight: float = 3.0
    # How many candidates matching ranks for a decision.
    rank_limit: int = 8

    # --- one-character typos (bot/engine/matching.py) ---------------------------------------
    # Lexicon words this long or longer are corrected from one wrong character (数子车间).
    min_fuzzy_length: int = 3
    # ... and at most this long: longer words are rarely mistyped, and each length costs time.
    max_fuzzy_length: int = 5
    # Corrections per run of Chinese (重点像目没开公 has two).
    max_typos: int = 3


DEFAULT_THRESHOLDS = Thresholds()
