"""Benchmark the answer engine: accuracy per category against the rapidfuzz baseline, latency
at the article's size and at a synthetic 10,000-entry FAQ, start to first answer, peak RSS.

Run: .venv/bin/python scripts/bench_engine.py [--repeats N] [--show-errors] [--without STEP]
``--without STEP`` (repeatable) answers with that optional step switched off
(bot/engine/steps.py lists them): what the step is worth is the difference in accuracy.
Numbers are medians over repeats; the machine is shared, so compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.answers import (  # noqa: E402 (after the path set-up above)
    UNSURE,
    Answer,
    Language,
    Status,
)
from bot.engine.evaluation import (  # noqa: E402
    CATEGORIES,
    LabelledQuestion,
    Verdict,
    judge,
    load_questions,
)
from bot.engine.knowledge import Entry, Knowledge, load_knowledge  # noqa: E402
from bot.engine.pipeline import Engine  # noqa: E402
from bot.engine.semantic import SemanticIndexer  # noqa: E402
from bot.engine.steps import OPTIONAL_STEPS  # noqa: E402
from bot.engine.textnorm import detect_language, to_traditional  # noqa: E402

BASELINE_CUTOFF = 70
SEMANTIC_CACHE = REPO / "data" / "semantic-cache"


class Baseline:
    """The plain approach: extractOne with WRatio over every phrasing, answered at >= 70."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.choices: list[str] = []
        self.owners: list[Entry] = []
        for entry in knowledge.entries.values():
            for phrasing in (*entry.questions_zh, *entry.questions_en):
                self.choices.append(phrasing)
                self.owners.append(entry)

    def ask(self, question: str) -> Answer:
        language = detect_language(question)
        best = process.extractOne(
            question,
            self.choices,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=BASELINE_CUTOFF,
        )
        if best is None:
            return Answer(question, Status.NO_ANSWER, "", language)
        entry = self.owners[best[2]]
        if language is Language.ENGLISH:
            text = entry.answer_en
        else:
            text = entry.answer_zh
            text = to_traditional(text) if language is Language.TRADITIONAL else text
        status = Status.SMALLTALK if entry.kind == "smalltalk" else Status.ANSWERED
        return Answer(question, status, text, language, entry_id=entry.id, confidence=best[1])


def accuracy_table(
    questions: list[LabelledQuestion],
    systems: dict[str, Callable[[str], Answer]],
    show_errors: str | None,
) -> None:
    """Accuracy per category and split, each system side by side."""
    verdicts: dict[str, list[tuple[LabelledQuestion, Answer, Verdict]]] = {}
    for name, ask in systems.items():
        verdicts[name] = [(q, a, judge(a, q)) for q in questions for a in (ask(q.question),)]
    names = list(systems)
    header = f"{'category':<14}{'split':<6}{'n':>4}  " + "  ".join(f"{n:>16}" for n in names)
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, question in enumerate(questions):
        groups[(question.category, question.split)].append(index)
        groups[("ALL", question.split)].append(index)
    for category in (*CATEGORIES, "ALL"):
        for split in ("tune", "held"):
            indexes = groups.get((category, split), [])
            if not indexes:
                continue
            cells = []
            for name in names:
                correct = sum(1 for i in indexes if verdicts[name][i][2].correct)
                cells.append(
                    f"{correct:>3}/{len(indexes):<3} {100 * correct / len(indexes):5.1f}%"
                )
            print(
                f"{category:<14}{split:<6}{len(indexes):>4}  "
                + "  ".join(f"{c:>16}" for c in cells)
            )
    print()
    for name in names:
        for split in ("tune", "held"):
            rows = [v for v in verdicts[name] if v[0].split == split]
            in_scope = [v for v in rows if v[0].expect == "answered"]
            declines = [
                v for v in rows if v[0].category in ("out_of_scope", "hard_negative", "ambiguous")
            ]
            right = sum(1 for v in in_scope if v[2].correct)
            declined = sum(1 for v in declines if v[2].not_answered)
            wrong = sum(1 for v in rows if v[2].wrong_answer)
            # An answerable question told "the article does not say" is told a falsehood.
            absent = sum(
                1 for v in in_scope if v[1].status is Status.NO_ANSWER and v[1].reason != UNSURE
            )
            print(
                f"{name:<9} {split:<5} in-scope right figures {_share(right, len(in_scope))}"
                f" | out-of-scope+hard-negative+ambiguous not answered "
                f"{_share(declined, len(declines))} | wrong answers: {wrong}"
                f" | answerable told 'not in the article': {absent}"
            )
    if show_errors:
        print("\nErrors (engine):")
        for question, answer, verdict in verdicts[names[0]]:
            if not verdict.correct and show_errors in ("all", question.split):
                print(
                    f"  [{question.split}/{question.category}] {question.question!r}: "
                    f"{verdict.detail} -> {answer.entry_id} ({answer.confidence:.2f})"
                )


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / max(whole, 1):.1f}%)"


def latency(ask: Callable[[str], Answer], questions: list[str], repeats: int) -> list[float]:
    """Per-question latency in microseconds over ``repeats`` passes."""
    samples = []
    for _ in range(repeats):
        for question in questions:
            start = time.perf_counter_ns()
            ask(question)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


_SYLLABLES = "安北长成春大东丰福广海和华江金景嘉康兰乐利龙美明南宁平庆荣瑞盛泰天万祥新兴阳永裕正中"
_MEASURES = ["营收", "投资", "产值", "税收", "就业人数", "出口额", "用地面积", "增长率"]
_PERIODS = ["今年", "明年", "上半年", "下半年", "一季度", "三季度"]


def synthetic_knowledge(base: Knowledge, size: int, seed: int = 7) -> Knowledge:
    """``base`` plus made-up entries up to ``size``: new subjects x measures x periods."""
    rng = random.Random(seed)
    entries = dict(base.entries)
    while len(entries) < size:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        subject = name + rng.choice(["科技", "产业园", "项目", "集团", "产业"])
        measure = rng.choice(_MEASURES)
        period = rng.choice(_PERIODS)
        entry_id = f"synthetic-{len(entries)}"
        entries[entry_id] = Entry(
            id=entry_id,
            kind="faq",
            topic=next(iter(base.topics)),
            questions_zh=(
                f"{subject}{period}{measure}是多少",
                f"{period}{subject}的{measure}有多少",
                f"{subject}{measure}",
                f"请问{subject}{period}的{measure}目标",
            ),
            questions_en=(f"What is the {measure} of {subject} {period}?",),
            answer_zh=f"{subject}{period}{measure}。",
            answer_en=f"{subject} {measure}.",
            facts=(),
            related=(),
        )
    return replace(base, entries=entries)


_FIRST_ANSWER = """
import runpy, sys
sys.argv = ["bot", "ask", "重庆小面今年营收目标是多少"]
try:
    runpy.run_module("bot", run_name="__main__")
except SystemExit:
    pass
# VmHWM is this program's own peak: ru_maxrss would keep the peak of the benchmark process
# it was forked from, across the exec.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(peak.split()[1], file=sys.stderr)
"""


def start_to_first_answer() -> tuple[float, float]:
    """Wall time of `python -m bot ask` from process start to printed answer, and the peak
    RSS that process reports of itself (VmHWM)."""
    samples = []
    peak_kb = 0
    for _ in range(5):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _FIRST_ANSWER],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        samples.append(time.perf_counter() - start)
        peak_kb = max(peak_kb, int(done.stderr.strip().splitlines()[-1]))
    return statistics.median(samples), peak_kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--show-errors", choices=("tune", "held", "all"), help="list the engine's errors"
    )
    parser.add_argument("--accuracy-only", action="store_true")
    parser.add_argument(
        "--without-semantic", action="store_true", help="the same as --without semantic"
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=list(OPTIONAL_STEPS),
        metavar="STEP",
        help=f"answer with this step switched off (repeatable): {', '.join(OPTIONAL_STEPS)}",
    )
    args = parser.parse_args()
    without = frozenset(args.without) | ({"semantic"} if args.without_semantic else set())

    knowledge = load_knowledge(REPO / "knowledge")
    questions = load_questions(REPO / "knowledge" / "questions.yaml")
    lexical = Engine(knowledge, disabled_steps=without | {"semantic"})
    # No cache of question vectors: the latency loop repeats questions, and every one should
    # pay its encoding as a first-time question would.
    semantic = (
        None
        if "semantic" in without
        else SemanticIndexer.load(SEMANTIC_CACHE, question_cache_size=0)
    )
    engine = Engine(knowledge, semantic, disabled_steps=without)
    baseline = Baseline(knowledge)
    print(
        f"knowledge {knowledge.version}: {len(knowledge.facts)} facts, "
        f"{len(knowledge.entries)} entries; {len(questions)} labelled questions; "
        f"semantic signal {'off' if semantic is None else 'on'}"
        + (f"; without {', '.join(sorted(without))}" if without else "")
        + "\n"
    )
    accuracy_table(questions, {"engine": engine.ask, "baseline": baseline.ask}, args.show_errors)
    if args.accuracy_only:
        return 0

    texts = [q.question for q in questions]
    print("\nLatency per question (engine time, microseconds):")
    timed = [("engine", engine.ask), ("lexical", lexical.ask), ("baseline", baseline.ask)]
    for label, ask in timed:
        samples = latency(ask, texts, args.repeats)
        print(
            f"  {label:<9} article size ({len(knowledge.entries)} entries): "
            f"median {statistics.median(samples):7.1f}  p99 {percentile(samples, 0.99):7.1f}"
        )
    start = time.perf_counter()
    big = synthetic_knowledge(knowledge, 10_000)
    big_engine = Engine(big, disabled_steps=without | {"semantic"})
    build_s = time.perf_counter() - start
    samples = latency(big_engine.ask, texts, max(args.repeats // 4, 3))
    print(
        f"  engine    10,000 entries: median {statistics.median(samples):7.1f}  "
        f"p99 {percentile(samples, 0.99):7.1f}  (index built in {build_s:.2f} s)"
    )
    big_baseline = Baseline(big)
    samples = latency(big_baseline.ask, texts, 1)
    print(
        f"  baseline  10,000 entries: median {statistics.median(samples):7.1f}  "
        f"p99 {percentile(samples, 0.99):7.1f}"
    )
    own_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del big_engine, big_baseline, big
    seconds, child_rss = start_to_first_answer()
    print(
        f"\nStart to first answer (python -m bot ask, median of 5): {seconds * 1000:.0f} ms; "
        f"peak RSS {child_rss:.0f} MB"
    )
    print(f"Peak RSS of this benchmark process (with the 10,000-entry index): {own_rss:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
