"""The steps of answering that can be switched off by name.

``Engine(..., disabled_steps=frozenset({"semantic"}))`` answers without that step, and
``scripts/bench_engine.py --without STEP`` prints the accuracy so: what each step is worth.
The other steps (normalising, matching, deciding, composing) are the engine itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

OPTIONAL_STEPS: Mapping[str, str] = {
    "clauses": "a message cut into its questions, each with its context",
    "homophones": "sound-alike slips of pinyin input corrected (小棉 → 小面)",
    "typos": "one wrong character of a lexicon word corrected (数子车间 → 数字车间)",
    "names": "a question naming an out-of-scope or unknown place, industry or firm declined",
    "exact": "a question that is an entry's own phrasing answered at once",
    "premise": "a claimed figure or period set aside, then confirmed or corrected",
    "semantic": "the sentence encoder's second look at what matching left unsure",
}


def checked_steps(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a set, refused (``ValueError``) when one is no step that can be switched
    off: a misspelt name must not silently leave the step on."""
    steps = frozenset(names)
    unknown = sorted(steps - OPTIONAL_STEPS.keys())
    if unknown:
        raise ValueError(
            f"unknown step {', '.join(map(repr, unknown))}: "
            f"the steps that can be switched off are {', '.join(OPTIONAL_STEPS)}"
        )
    return steps
