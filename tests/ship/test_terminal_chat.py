"""The terminal chat on a real terminal: `python -m bot run` with no token, on a pseudo-terminal.

The child gets a pty as its controlling terminal (so Ctrl-C is the terminal's SIGINT, as when a
person presses it) and a fresh data folder (so the question log's INFO lines about its
migrations would show, were they let through). Keys are sent as a terminal sends them.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import signal
import sqlite3
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import TERMINAL_HISTORY_FILE
from tests.ship.conftest import REPO, bot_environment, write_config

QUESTION = "小面明年营收目标"
ANSWER = "200亿元"
UP = "\x1b[A"  # the Up arrow, as an xterm sends it
ENTER = "\r"
CTRL_C = "\x03"
CTRL_D = "\x04"
GOODBYE = "再见！"


@dataclass
class Terminal:
    """A child process on a pty: what it has written so far, and keys to send it."""

    process: subprocess.Popen[bytes]
    master: int
    slave: int
    seen: str = ""

    def type(self, keys: str) -> None:
        """Send ``keys`` as typed."""
        os.write(self.master, keys.encode("utf-8"))

    def expect(self, text: str, timeout: float = 30) -> str:
        """Wait until ``text`` shows after what was already matched; return what came before."""
        deadline = time.monotonic() + timeout
        buffer = b""
        while text not in buffer.decode("utf-8", errors="replace"):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never showed; the terminal has: {buffer!r}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    buffer += os.read(self.master, 65536)
                except OSError:  # the child has exited and the pty is closed
                    break
        shown = buffer.decode("utf-8", errors="replace")
        self.seen += shown
        assert text in shown, f"{text!r} never showed; the terminal has: {shown!r}"
        return shown[: shown.index(text)]

    def wait(self, timeout: float = 15) -> int:
        """The child's exit status, after reading what it still writes."""
        status = self.process.wait(timeout=timeout)
        while select.select([self.master], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk.decode("utf-8", errors="replace")
        return status


def _take_terminal() -> None:
    """In the child: the pty on stdin becomes the controlling terminal of its new session."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def config(knowledge_copy: Path, tmp_path: Path) -> Path:
    """Settings with a fresh data folder: the question log is created (and migrated) at start."""
    return write_config(tmp_path, knowledge_copy, tmp_path / "data" / "questions.sqlite3")


@pytest.fixture
def terminal(config: Path, tmp_path: Path) -> Iterator[Terminal]:
    """`python -m bot run` on a pty, started, its welcome line shown."""
    master, slave = os.openpty()
    env = bot_environment()
    env.update(
        PYTHONPATH=str(REPO), TERM="xterm", INPUTRC=os.devnull, HOME=str(tmp_path), LANG="C.UTF-8"
    )
    env.pop("LC_ALL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    session = Terminal(process, master, slave)
    try:
        session.expect("Ctrl-D")
        session.expect("> ")
        yield session
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
        os.close(slave)


def logged(config: Path) -> list[str]:
    """The texts of the log's rows, oldest first."""
    with sqlite3.connect(config.parent / "data" / "questions.sqlite3") as connection:
        return [row[0] for row in connection.execute("SELECT text FROM questions ORDER BY rowid")]


def test_a_question_is_answered_and_written_to_the_log_at_once(
    terminal: Terminal, config: Path
) -> None:
    """On a terminal a question gets its answer, and its log row is on disk before the next."""
    terminal.type(QUESTION + ENTER)
    assert ANSWER in terminal.expect("> ")
    assert logged(config) == [QUESTION]


def test_blank_lines_get_no_reply_and_no_log_row(terminal: Terminal, config: Path) -> None:
    """Enter on an empty or blank line shows the prompt again: no reply, no row, no exit."""
    terminal.type(ENTER)
    assert terminal.expect("> ").strip() == ""
    terminal.type("   " + ENTER)
    assert terminal.expect("> ").strip() == ""
    terminal.type(QUESTION + ENTER)
    assert ANSWER in terminal.expect("> ")
    assert logged(config) == [QUESTION]


def test_ctrl_d_says_goodbye_on_a_new_line_and_exits_0(terminal: Terminal) -> None:
    """Ctrl-D at the prompt: a newline, the goodbye line, status 0, nothing after it."""
    terminal.type(CTRL_D)
    terminal.expect(GOODBYE)
    assert terminal.wait() == 0
    assert terminal.seen.endswith("> \r\n" + GOODBYE + "\r\n"), repr(terminal.seen[-40:])


def test_ctrl_c_says_goodbye_and_leaves_the_terminal_as_it_found_it(terminal: Terminal) -> None:
    """Ctrl-C mid-line: the goodbye on its own line, status 0, echo and line mode restored."""
    terminal.type("小面")
    terminal.expect("小面")
    # While readline edits a line the terminal is in its raw mode: no echo, no line mode.
    assert termios.tcgetattr(terminal.slave)[3] & (termios.ECHO | termios.ICANON) == 0
    terminal.type(CTRL_C)
    terminal.expect(GOODBYE)
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.seen
    assert terminal.seen.endswith("> 小面\r\n" + GOODBYE + "\r\n"), repr(terminal.seen[-40:])
    # What a pty starts with, and what the shell after the chat needs.
    modes = termios.tcgetattr(terminal.slave)[3]
    assert modes & (termios.ECHO | termios.ICANON) == termios.ECHO | termios.ICANON


def _signal_a_side_thread(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to one of the chat's threads other than its main thread (tgkill).

    The kernel gives a signal sent to a process to any thread that does not block it; this
    makes the case where it is not the main thread happen every time.
    """
    threads = sorted(int(tid) for tid in os.listdir(f"/proc/{process.pid}/task"))
    side = next(tid for tid in threads if tid != process.pid)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.tgkill(process.pid, side, signum) != 0:
        raise OSError(ctypes.get_errno(), "tgkill failed")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_that_lands_on_another_thread_still_ends_the_chat(
    terminal: Terminal, config: Path, signum: int
) -> None:
    """Ctrl-C or SIGTERM caught by a side thread (readline's wait never sees it) ends the chat."""
    terminal.type(QUESTION + ENTER)
    assert ANSWER in terminal.expect("> ")
    _signal_a_side_thread(terminal.process, signum)
    terminal.expect(GOODBYE, timeout=10)
    assert terminal.wait() == 0
    assert "Traceback" not in terminal.seen
    assert logged(config) == [QUESTION]
    modes = termios.tcgetattr(terminal.slave)[3]
    assert modes & (termios.ECHO | termios.ICANON) == termios.ECHO | termios.ICANON


def test_up_arrow_brings_back_the_last_question(terminal: Terminal, config: Path) -> None:
    """Lines are edited as in a shell: Up recalls the previous question, Enter asks it again."""
    terminal.type(QUESTION + ENTER)
    terminal.expect("> ")
    terminal.type(ENTER)  # a blank line in between is not part of the history
    terminal.expect("> ")
    terminal.type(UP + ENTER)
    assert ANSWER in terminal.expect("> ")
    assert logged(config) == [QUESTION, QUESTION]


def test_the_history_is_kept_for_the_next_session(
    terminal: Terminal, config: Path, tmp_path: Path
) -> None:
    """The questions are saved beside the log at exit (owner-only) and recalled next time."""
    terminal.type(QUESTION + ENTER)
    terminal.expect("> ")
    terminal.type(CTRL_D)
    assert terminal.wait() == 0
    history = tmp_path / "data" / TERMINAL_HISTORY_FILE
    assert QUESTION in history.read_text(encoding="utf-8")
    assert history.stat().st_mode & 0o077 == 0


def test_no_log_line_reaches_the_conversation(terminal: Terminal) -> None:
    """The log's INFO lines (its migrations, on this fresh folder) stay out of the terminal."""
    terminal.type(QUESTION + ENTER)
    terminal.expect("> ")
    terminal.type(CTRL_D)
    assert terminal.wait() == 0
    assert "INFO" not in terminal.seen
    assert "migration" not in terminal.seen


def test_an_over_long_question_is_declined_as_telegram_declines_it(
    terminal: Terminal, config: Path
) -> None:
    """Over 500 characters (as Telegram counts) on a terminal: Telegram's refusal, no row."""
    terminal.type("小面" * 300 + ENTER)
    assert "问题太长了（最多 500 个字）。请问得简短一些。" in terminal.expect("> ")
    terminal.type(CTRL_D)
    assert terminal.wait() == 0
    assert logged(config) == []
