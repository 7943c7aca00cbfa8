"""A small, valid knowledge folder that tests copy and break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"

FACTS = """\
- id: noodle-revenue-target-2023
  subject: 重庆小面产业
  subject_en: Chongqing noodle industry
  measure: 营收
  measure_en: revenue
  value: 50亿元以上
  value_en: over 5 billion yuan
  period: 今年
  period_en: this year (2023)
  kind: target
  quote: 力促今年实现重庆小面产业营收50亿元以上
  source: cqrb-2023-08-15
- id: noodle-revenue-target-2024
  subject: 重庆小面产业
  subject_en: Chongqing noodle industry
  measure: 营收
  measure_en: revenue
  value: 200亿元
  value_en: 20 billion yuan
  period: 明年
  period_en: next year (2024)
  kind: target
  quote: 明年力争达到200亿元
  source: cqrb-2023-08-15
- id: huashao-investment
  subject: 重庆华韶智算中心
  subject_en: Chongqing Huashao computing centre
  measure: 投资
  measure_en: investment
  value: 65亿元
  value_en: 6.5 billion yuan
  kind: fact
  quote: 投资65亿元打造的重庆华韶智算中心
  source: cqrb-2023-08-15
"""

FAQ = """\
topics:
  - id: noodles
    zh: 重庆小面
    en: Chongqing noodles
  - id: digital
    zh: 数字赋能
    en: Digital economy
entries:
  - id: noodle-revenue-target
    topic: noodles
    questions:
      zh: [重庆小面今年营收目标是多少, 小面产业今年营收要达到多少]
      en: ["What is this year's revenue target for Chongqing noodles?"]
    answer:
      zh: 大渡口力促今年重庆小面产业营收50亿元以上。
      en: Dadukou aims for noodle revenue of over 5 billion yuan (50亿元以上) this year.
    facts: [noodle-revenue-target-2023]
    related: [noodle-revenue-next-year]
  - id: noodle-revenue-next-year
    topic: noodles
    questions:
      zh: [重庆小面明年营收目标是多少, 小面产业明年营收要达到多少]
      en: ["What is next year's noodle revenue target?"]
    answer:
      zh: 明年重庆小面产业营收力争达到200亿元。
      en: Next year the aim is 20 billion yuan (200亿元).
    facts: [noodle-revenue-target-2024]
    related: [noodle-revenue-target]
  - id: huashao
    topic: digital
    questions:
      zh: [华韶智算中心投资多少, 投资65亿元的是哪个项目]
      en: ["How much is invested in the Huashao computing centre?"]
    answer:
      zh: 重庆华韶智算中心投资65亿元。
      en: The Chongqing Huashao computing centre is a 6.5 billion yuan (65亿元) investment.
    facts: [huashao-investment]
    related: []
  - id: greeting
    kind: smalltalk
    questions:
      zh: [你好, 在吗]
      en: [hello, hi]
    answer:
      zh: 你好！
      en: Hello!
"""

LEXICON = """\
synonyms:
  营收: [营业收入, 赢收, revenue, sales]
  小面: [noodle, noodles]
  目标: [target, goal]
  今年: [this year]
  明年: [next year]
  投资: [investment, invest, invested]
  智算中心: [computing centre, computing center]
  华韶: [huashao]
  重庆: [chongqing]
  产业: [industry]
  大渡口: [大渡口区, dadukou]
out_of_scope:
  places: [沙坪坝, 北京, beijing]
  industries: [火锅]
"""


def write_knowledge(directory: Path, **files: str) -> Path:
    """Write a knowledge folder: the real source plus the given (or default) files."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(KNOWLEDGE / "sources.yaml", directory / "sources.yaml")
    shutil.copytree(KNOWLEDGE / "sources", directory / "sources", dirs_exist_ok=True)
    contents = {"facts.yaml": FACTS, "faq.yaml": FAQ, "lexicon.yaml": LEXICON}
    contents.update({name.replace("_", "."): text for name, text in files.items()})
    for name, text in contents.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def small_knowledge(tmp_path: Path) -> Path:
    """A valid three-fact knowledge folder in a temporary directory."""
    return write_knowledge(tmp_path / "knowledge")
