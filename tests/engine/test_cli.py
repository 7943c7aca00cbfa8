"""The command line, run as users run it: `python -m bot …` in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.engine.conftest import FAQ, REPO, write_knowledge

# The keys of every `ask --json` object: a stable interface.
STABLE_KEYS = {
    "question",
    "status",
    "answer",
    "citations",
    "confidence",
    "id",
    "suggestions",
    "parts",
}


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
    assert set(rows[0]) == STABLE_KEYS
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


# --- Input as it arrives: bytes, not always UTF-8, not always clean ---------------------------

# What line-based readers (str.splitlines, JavaScript) split at besides "\n", and lone
# surrogates, as the bytes they would be written as.
RAW_SEPARATORS = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
LONE_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
NOODLE_TARGET = "小面营收目标\n".encode()  # answered: 200亿元 next year
# A lone surrogate (U+D800) as WTF-8, and 😀 as CESU-8 (two surrogates): neither is UTF-8.
WTF8_SURROGATES = b"\xed\xa0\x80\n" + "小面".encode() + b"\xed\xa0\xbd\xed\xb8\x80\n"


def run_bot_bytes(*args: str | bytes, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m bot ARGS` with no token, feeding and reading raw bytes."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def json_rows(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, object]]:
    """The objects `ask --json` wrote, split as a line-based reader splits them."""
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert not any(raw in result.stdout for raw in RAW_SEPARATORS), result.stdout
    assert not LONE_SURROGATE.search(result.stdout), result.stdout
    rows = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert all(set(row) >= STABLE_KEYS for row in rows), rows
    return rows


def test_ask_json_reports_an_invalid_utf8_line_and_answers_the_next() -> None:
    """A line that is not UTF-8 gets an error object in its place; the next line is answered."""
    rows = json_rows(run_bot_bytes("ask", "--json", stdin=b"\xff\n" + NOODLE_TARGET))
    assert len(rows) == 2
    assert rows[0]["question"] is None
    assert rows[0]["status"] == "error"
    assert rows[0]["error"] == "line 1 is not valid UTF-8"
    assert rows[1]["status"] == "answered"
    assert "200亿元" in str(rows[1]["answer"])


def test_ask_json_reports_surrogates_encoded_as_wtf8() -> None:
    """A lone surrogate in WTF-8 (or a pair in CESU-8) is an unreadable line, never echoed."""
    rows = json_rows(run_bot_bytes("ask", "--json", stdin=WTF8_SURROGATES + NOODLE_TARGET))
    assert [row["status"] for row in rows] == ["error", "error", "answered"]
    assert [row["error"] for row in rows[:2]] == [
        "line 1 is not valid UTF-8",
        "line 2 is not valid UTF-8",
    ]


def test_ask_json_takes_crlf_lines_without_the_carriage_return() -> None:
    """CRLF line ends are line ends: the questions carry no trailing \\r and are answered."""
    rows = json_rows(run_bot_bytes("ask", "--json", stdin="小面营收目标\r\n你好\r\n".encode()))
    assert [row["question"] for row in rows] == ["小面营收目标", "你好"]
    assert [row["status"] for row in rows] == ["answered", "smalltalk"]


def test_ask_json_escapes_line_separators_inside_strings() -> None:
    """U+2028, U+2029 and U+0085 in a question are escaped, so each object stays one line."""
    question = "小面\u2028营收\u2029目标\u0085"
    rows = json_rows(run_bot_bytes("ask", "--json", stdin=question.encode() + b"\n"))
    assert len(rows) == 1
    assert rows[0]["question"] == question
    assert rows[0]["status"] == "answered"


def test_ask_json_answers_a_question_with_a_nul_byte() -> None:
    """A NUL inside a question separates words; it does not cut off the rest of the question."""
    rows = json_rows(run_bot_bytes("ask", "--json", stdin="小面\x00营收目标\n".encode()))
    assert rows[0]["question"] == "小面\x00营收目标"
    assert rows[0]["status"] == "answered"
    assert "200亿元" in str(rows[0]["answer"])


def test_terminal_chat_replies_to_a_bad_line_and_goes_on() -> None:
    """Piped into the chat, undecodable lines get a one-line error each; the rest are answered."""
    # The last question's reply quotes its second half: the escape code must not reach it.
    stdin = (
        b"\xff\n"
        + WTF8_SURROGATES
        + "小面\x00营收目标\r\n小面明年营收目标是多少？上半年\x1b[1m营收多少？\n".encode()
    )
    result = run_bot_bytes("run", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    replies = result.stdout.decode("utf-8").strip().split("\n\n")
    assert replies[:3] == [f"第 {n} 行无法读取：不是有效的 UTF-8 文本。" for n in (1, 2, 3)]
    assert len(replies) == 5
    assert "200亿元" in replies[3]
    assert "200亿元" in replies[4]
    assert "上半年 [1m营收多少" in replies[4]
    assert b"\x1b" not in result.stdout


def test_ask_reads_piped_questions_and_survives_a_bad_line() -> None:
    """`ask` with no question answers piped lines as plain text; a bad line gets an error line."""
    result = run_bot_bytes("ask", stdin=b"\xff\n" + NOODLE_TARGET)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    replies = result.stdout.decode("utf-8").strip().split("\n\n")
    assert replies[0] == "第 1 行无法读取：不是有效的 UTF-8 文本。"
    assert "200亿元" in replies[1]


def test_ask_refuses_a_question_argument_that_is_not_utf8() -> None:
    """An undecodable command-line question is refused with a message, not a traceback."""
    result = run_bot_bytes("ask", b"\xff\xed\xa0\x80", stdin=b"")
    assert result.returncode == 2
    assert result.stderr.decode() == "ask: the question is not valid UTF-8\n"


def test_closed_standard_input_reads_as_empty() -> None:
    """`run` and `ask --json` started with stdin closed (`<&-`) end cleanly, no traceback."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    for args in (["run"], ["ask", "--json"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=60,
            # Close descriptor 0 in the child before Python starts: sys.stdin is then None.
            preexec_fn=lambda: os.close(0),
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr


def test_terminal_chat_skips_blank_lines_without_reply_or_log_row(tmp_path: Path) -> None:
    """Piped into the chat, empty and blank lines get no reply and no log row."""
    config = tmp_path / "config.yaml"
    database = tmp_path / "data" / "questions.sqlite3"
    config.write_text(
        f"knowledge:\n  path: {REPO / 'knowledge'}\nstorage:\n  path: {database}\n",
        encoding="utf-8",
    )
    result = run_bot("run", "--config", str(config), stdin="\n  \n\t\n小面明年营收目标\n\n")
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().split("\n\n")
    assert len(replies) == 1
    assert "200亿元" in replies[0]
    assert _logged(database) == [("terminal", "小面明年营收目标", "answered")]


def test_terminal_chat_keeps_info_log_lines_out(tmp_path: Path) -> None:
    """In the chat only warnings reach stderr: a new log's INFO migration lines do not show."""
    config = tmp_path / "config.yaml"
    database = tmp_path / "data" / "questions.sqlite3"
    config.write_text(
        f"knowledge:\n  path: {REPO / 'knowledge'}\nstorage:\n  path: {database}\n"
        "log_level: DEBUG\n",
        encoding="utf-8",
    )
    result = run_bot("run", "--config", str(config), stdin="小面明年营收目标\n")
    assert result.returncode == 0, result.stderr
    assert database.exists()
    assert result.stderr.splitlines() == [
        "TELEGRAM_BOT_TOKEN is not set: answering questions from standard input, one per line"
    ]
    assert "INFO" not in result.stdout
    assert "DEBUG" not in result.stdout


def test_run_telegram_without_a_token_says_so_once_and_exits_0() -> None:
    """`run --telegram` (the image's command) with no token: one line on stderr, status 0, and
    no chat even when questions are piped in."""
    result = run_bot("run", "--telegram", stdin="小面明年营收目标\n")
    assert result.returncode == 0
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("TELEGRAM_BOT_TOKEN is not set: the Telegram bot cannot start")
    assert "status 0" in line


def test_ask_json_stops_quietly_when_its_reader_goes_away() -> None:
    """`ask --json | head -1`: the closed pipe ends the run with 141 and no traceback."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin = process.stdin

    def feed() -> None:
        # Written from a thread: 2,000 lines are more than a pipe holds before the bot's
        # answers are read, and the bot stops reading once its reader has gone.
        with contextlib.suppress(BrokenPipeError):
            stdin.write("小面今年的营收目标是多少\n".encode() * 2000)
        with contextlib.suppress(BrokenPipeError):
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert process.stdout.readline().startswith(b"{")
    process.stdout.close()  # the reader leaves, as `head -1` does
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    writer.join(timeout=10)
    assert b"Traceback" not in stderr
