"""The command line, run as users run it: `python -m bot …` in a subprocess."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.engine.conftest import FAQ, REPO, write_knowledge


def run_bot(*args: str, stdin: str = "", cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` with no token in the environment."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def test_check_accepts_the_shipped_knowledge() -> None:
    """`check` on the shipped folder says ok and exits 0."""
    result = run_bot("check", "knowledge")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    """`check DIR` prints each problem as file:line: field: message and exits 1."""
    faq = FAQ.replace("topic: digital", "topic: digits").replace("      en: Hello!\n", "")
    directory = write_knowledge(tmp_path / "k", faq_yaml=faq)
    result = run_bot("check", str(directory))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{directory}/faq.yaml:30: huashao.topic: unknown topic 'digits'",
        f"{directory}/faq.yaml:45: greeting.answer.en: missing",
    ]


def test_ask_prints_the_answer_with_its_citation() -> None:
    """`ask QUESTION` prints the reply, the quote and the newspaper and date."""
    result = run_bot("ask", "重庆小面明年营收目标是多少")
    assert result.returncode == 0, result.stderr
    assert "200亿元" in result.stdout
    assert "「" in result.stdout
    assert "《重庆日报》2023-08-15" in result.stdout


def test_ask_json_answers_each_line_in_order() -> None:
    """`ask --json` writes one JSON object per input line, in order, with the stable keys."""
    questions = ["重庆小面明年营收目标是多少", "沙坪坝区的五大产业是什么", "你好"]
    result = run_bot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert [r["status"] for r in rows] == ["answered", "no_answer", "smalltalk"]
    assert set(rows[0]) == {
        "question",
        "status",
        "answer",
        "citations",
        "confidence",
        "id",
        "suggestions",
        "parts",
    }
    assert rows[0]["citations"][0]["source"] == "重庆日报"


def test_run_without_token_is_a_terminal_chat() -> None:
    """`run` with no token answers piped questions, one reply each, and exits at end of input."""
    result = run_bot("run", stdin="重慶小麵明年營收目標是多少\nWhat are the five industries?\n")
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().split("\n\n")
    assert len(replies) == 2
    assert "200億元" in replies[0]
    assert "new materials" in replies[1].lower()


def test_unknown_config_setting_is_refused(tmp_path: Path) -> None:
    """A config file naming an unknown setting stops the command with a clear message."""
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  mode: polling\n  tokn: x\n", encoding="utf-8")
    result = run_bot("ask", "--config", str(config), "你好")
    assert result.returncode == 2
    assert "config.telegram.tokn: unknown setting" in result.stderr


def _logged(database: Path) -> list[tuple[str, str, str]]:
    """(channel, text, status) of every row in a question log."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT channel, text, status FROM questions").fetchall()


def test_terminal_chat_questions_are_logged_as_terminal(tmp_path: Path) -> None:
    """Each terminal-chat question gets one log row marked terminal, flushed at exit."""
    config = tmp_path / "config.yaml"
    database = tmp_path / "data" / "questions.sqlite3"
    config.write_text(
        f"knowledge:\n  path: {REPO / 'knowledge'}\nstorage:\n  path: {database}\n",
        encoding="utf-8",
    )
    result = run_bot("run", "--config", str(config), stdin="小面明年营收目标\n沙坪坝区五大产业\n")
    assert result.returncode == 0, result.stderr
    assert _logged(database) == [
        ("terminal", "小面明年营收目标", "answered"),
        ("terminal", "沙坪坝区五大产业", "no_answer"),
    ]


def test_ask_logs_only_when_asked(tmp_path: Path) -> None:
    """`ask` leaves the log alone; `ask --log` records the question."""
    config = tmp_path / "config.yaml"
    database = tmp_path / "questions.sqlite3"
    config.write_text(
        f"knowledge:\n  path: {REPO / 'knowledge'}\nstorage:\n  path: {database}\n",
        encoding="utf-8",
    )
    assert run_bot("ask", "--config", str(config), "你好").returncode == 0
    assert not database.exists()
    assert run_bot("ask", "--config", str(config), "--log", "你好").returncode == 0
    assert _logged(database) == [("terminal", "你好", "smalltalk")]


def test_terminal_chat_declines_over_long_questions_as_telegram_does() -> None:
    """Over the question limit (in UTF-16 units, as Telegram counts) the chat asks to shorten."""
    # 600 characters; and 300 emoji, 300 characters but 600 UTF-16 units.
    result = run_bot("run", stdin="小面" * 300 + "\n" + "😀" * 300 + "\n" + "小面明年营收目标\n")
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().split("\n\n")
    assert replies[:2] == ["问题太长了（最多 500 个字）。请问得简短一些。"] * 2
    assert "200亿元" in replies[2]


def test_ask_uses_the_semantic_signal() -> None:
    """The command line answers from the engine with its semantic signal loaded: a question
    lexical matching alone is unsure of is answered."""
    question = "How many municipal and district level key projects does Dadukou have in total?"
    result = run_bot("ask", "--json", stdin=question + "\n")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["status"] == "answered"
    assert "80个" in row["answer"]
