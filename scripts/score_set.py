"""Score a new question set the moment it arrives (its first-seen score), before any tuning.

Run: .venv/bin/python scripts/score_set.py FILE.yaml [--show-errors] [--without STEP]

FILE is in knowledge/questions.yaml's format; ``split`` may be left out (a new set has none
yet). Prints the shares the README reports: answerable questions answered with the right
figures, questions that must not be answered left unanswered, wrong answers, and how many
answerable questions were told the article does not say.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.engine.answers import UNSURE, Status  # noqa: E402 (after the path set-up above)
from bot.engine.evaluation import CATEGORIES, load_questions, score  # noqa: E402
from bot.engine.pipeline import load_engine  # noqa: E402
from bot.engine.semantic import SemanticIndexer  # noqa: E402
from bot.engine.steps import OPTIONAL_STEPS  # noqa: E402

SEMANTIC_CACHE = REPO / "data" / "semantic-cache"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--knowledge", type=Path, default=REPO / "knowledge")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument(
        "--without-semantic", action="store_true", help="the same as --without semantic"
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        choices=list(OPTIONAL_STEPS),
        metavar="STEP",
        help=f"score with this step switched off (repeatable): {', '.join(OPTIONAL_STEPS)}",
    )
    args = parser.parse_args()
    without = frozenset(args.without) | ({"semantic"} if args.without_semantic else set())
    items = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    for item in items:
        item.setdefault("split", "held")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "questions.yaml"
        path.write_text(yaml.dump(items, Dumper=_NoAliases, allow_unicode=True), encoding="utf-8")
        questions = load_questions(path)
    semantic = None if "semantic" in without else SemanticIndexer.load(SEMANTIC_CACHE)
    engine = load_engine(args.knowledge, semantic, disabled_steps=without)
    results = score(questions, engine.ask)

    answerable = [r for r in results if r[0].expect == "answered"]
    guarded = [r for r in results if r[0].expect in ("no_answer", "ambiguous")]
    right = sum(1 for _, _, v in answerable if v.correct)
    kept = sum(1 for _, _, v in guarded if v.not_answered)
    wrong = sum(1 for _, _, v in results if v.wrong_answer)
    told_absent = sum(
        1 for _, a, _ in answerable if a.status is Status.NO_ANSWER and a.reason != UNSURE
    )
    print(f"{args.file.name}: {len(results)} questions")
    print(f"  answerable right:      {right}/{len(answerable)} {_pct(right, len(answerable))}")
    print(f"  must-not not answered: {kept}/{len(guarded)} {_pct(kept, len(guarded))}")
    print(f"  wrong answers:         {wrong}")
    print(f"  answerable told 'the article does not say': {told_absent}")
    per_category: Counter[str] = Counter()
    per_category_right: Counter[str] = Counter()
    for label, _, verdict in results:
        per_category[label.category] += 1
        per_category_right[label.category] += verdict.correct
    for category in CATEGORIES:
        if per_category[category]:
            total = per_category[category]
            print(f"  {category:<14} {per_category_right[category]}/{total}")
    if args.show_errors:
        for label, answer, verdict in results:
            if not verdict.correct:
                print(f"- {label.question}\n    [{label.category}] {verdict.detail}")
                print(f"    -> {answer.status.value} {answer.entry_id} ({answer.reason})")
    return 0


class _NoAliases(yaml.SafeDumper):
    """The labelled-set loader refuses YAML aliases, which a dump makes of repeated lists."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


if __name__ == "__main__":
    raise SystemExit(main())
