"""The terminal chat: the same engine as the bot, for a machine with no token.

Two ways in. On a terminal (``run_terminal_chat``): a welcome line, a prompt whose line is
edited as in a shell (arrow keys, the session's questions and earlier sessions' kept in a
history file, through the stdlib ``readline``), and a goodbye line at Ctrl-D or Ctrl-C. Piped
(``run_chat``): one answer per question line, ending at end of input. Either way blank lines get
no reply and no log row, an over-long question gets Telegram's refusal, and questions are
logged like the bot's, marked as coming from the terminal.

Piped input is read as bytes and decoded a line at a time (``input_lines``, which ``ask`` uses
too): a line that is not text gets a one-line reply and the next line is read as usual.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import BinaryIO, TextIO

from bot.config import LimitSettings
from bot.engine.answers import Answer, Language
from bot.engine.pipeline import Engine
from bot.engine.render import answer_text, telegram_length
from bot.engine.textnorm import controls_to_spaces, detect_language
from bot.interrupts import StopRequests
from bot.messages import say
from bot.questionlog.log import QuestionLog
from bot.questionlog.records import Channel, QuestionRecord

logger = logging.getLogger(__name__)

# The terminal has no Telegram user; every terminal question is logged as this one user.
TERMINAL_USER = "terminal"
PROMPT = "> "
# Questions kept in the history file across sessions (readline drops the oldest).
HISTORY_LENGTH = 1000


def terminal_record(answer: Answer, latency_ms: float) -> QuestionRecord:
    """The log row of a question asked at the terminal (chat or `ask --log`)."""
    return QuestionRecord.from_answer(
        answer, channel=Channel.TERMINAL, user_hash=TERMINAL_USER, latency_ms=latency_ms
    )


@dataclass(frozen=True, slots=True)
class UnreadableLine:
    """An input line that is not valid text in the input's encoding."""

    number: int  # counted from 1, every line (empty ones too)
    encoding: str  # as people write it: "UTF-8"

    def reply(self) -> str:
        """The one-line reply a person sees (in the chat, or from a plain `ask`)."""
        return say(
            "unreadable_line", Language.SIMPLIFIED, line=str(self.number), encoding=self.encoding
        )


def input_lines(stdin: BinaryIO, encoding: str = "utf-8") -> Iterator[str | UnreadableLine]:
    """Each line of ``stdin`` decoded on its own, strictly, without its LF or CRLF ending.

    Decoding per line keeps a bad byte to its own line; strictness keeps a lone surrogate (what
    Python's lenient decoding makes of WTF-8 or a stray byte) from ever reaching the engine or
    the output. Splitting at b"\\n" is safe for UTF-8 and the legacy CJK encodings, whose
    multi-byte characters never contain that byte.
    """
    name = codecs.lookup(encoding).name.upper()
    for number, raw in enumerate(iter(stdin.readline, b""), start=1):
        try:
            yield raw.removesuffix(b"\n").removesuffix(b"\r").decode(encoding)
        except UnicodeDecodeError:
            yield UnreadableLine(number, name)


def reply_to(
    line: str | UnreadableLine,
    engine: Engine,
    log: QuestionLog | None,
    max_question_chars: int,
) -> str | None:
    """The chat's reply to one input line; None for a blank line (no reply, nothing logged).

    A question over ``max_question_chars`` (counted as Telegram counts) is declined with the
    bot's own words, unasked and unlogged, as in Telegram. Control characters in a question
    count as spaces (so an escape code is neither matched nor echoed to the terminal in a
    reply that quotes the question).
    """
    if isinstance(line, UnreadableLine):
        return line.reply()
    question = controls_to_spaces(line).strip()
    if not question:
        return None
    if telegram_length(question) > max_question_chars:
        limit = str(max_question_chars)
        return say("question_too_long", detect_language(question), limit=limit)
    started = time.perf_counter()
    answer = engine.ask(question)
    latency_ms = (time.perf_counter() - started) * 1000
    if log is not None:
        log.record(terminal_record(answer, latency_ms))
    return answer_text(answer, engine.knowledge.primary_source)


def welcome(engine: Engine) -> str:
    """The line the terminal chat opens with: which article, and how to leave."""
    source = engine.knowledge.primary_source
    return say(
        "terminal_welcome",
        Language.SIMPLIFIED,
        newspaper=source.newspaper,
        date=source.date,
        title=source.title,
    )


# --- piped input ---------------------------------------------------------------------------------


def _read_lines(
    stdin: BinaryIO,
    encoding: str,
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[str | UnreadableLine | None],
) -> None:
    """Feed stdin's lines to the event loop; None marks the end of input."""
    try:
        for line in input_lines(stdin, encoding):
            loop.call_soon_threadsafe(queue.put_nowait, line)
    finally:
        # However reading ends (a read error too), the chat must not wait for more.
        loop.call_soon_threadsafe(queue.put_nowait, None)


async def chat(
    engine: Callable[[], Engine],
    stdin: BinaryIO,
    stdout: TextIO,
    *,
    encoding: str = "utf-8",
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
) -> None:
    """Answer each line of ``stdin`` (see ``reply_to``), one reply each, until end of input."""
    lines: asyncio.Queue[str | UnreadableLine | None] = asyncio.Queue()
    # A daemon thread, not the loop's executor: a blocked readline must not keep the process
    # alive after Ctrl-C or SIGTERM.
    reader = threading.Thread(
        target=_read_lines,
        args=(stdin, encoding, asyncio.get_running_loop(), lines),
        daemon=True,
    )
    reader.start()
    while (line := await lines.get()) is not None:
        text = reply_to(line, engine(), log, max_question_chars)
        if text is not None:
            stdout.write(text + "\n\n")
            stdout.flush()


async def run_chat(
    engine: Callable[[], Engine],
    stdin: BinaryIO,
    stdout: TextIO,
    *,
    encoding: str = "utf-8",
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
) -> int:
    """The piped chat with its log opened first and closed (flushed) however the chat ends."""
    if log is not None:
        await log.open()
    try:
        await chat(
            engine,
            stdin,
            stdout,
            encoding=encoding,
            log=log,
            max_question_chars=max_question_chars,
        )
    finally:
        if log is not None:
            await log.close()
    return 0


# --- on a terminal -------------------------------------------------------------------------------


def _line_editing(history: Path | None) -> ModuleType | None:
    """readline, set up with ``history`` loaded; None where Python has no readline.

    Importing it is what makes ``input()`` edit lines: arrow keys, Ctrl-R, the history.
    """
    try:
        import readline
    except ImportError:  # a Python built without it: plain input() still works
        return None
    readline.set_history_length(HISTORY_LENGTH)
    if history is not None:
        try:
            readline.read_history_file(history)
        except FileNotFoundError:
            pass  # the first session
        except OSError as error:
            logger.warning("terminal chat: history %s not read: %s", history, error)
    return readline


def _forget_blank_line(readline: ModuleType | None) -> None:
    """Drop the blank line readline just put in the history: Up should bring back questions."""
    if readline is None:
        return
    length = readline.get_current_history_length()
    if length and not str(readline.get_history_item(length) or "").strip():
        readline.remove_history_item(length - 1)


def _save_history(readline: ModuleType | None, history: Path | None) -> None:
    """Write the history file, readable by its owner only (it holds the questions asked)."""
    if readline is None or history is None:
        return
    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        history.touch(mode=0o600)
        readline.write_history_file(history)
    except OSError as error:
        logger.warning("terminal chat: history not saved to %s: %s", history, error)


def run_terminal_chat(
    engine: Callable[[], Engine],
    stdout: TextIO,
    *,
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
    history: Path | None = None,
) -> int:
    """The chat on a terminal, until Ctrl-D, Ctrl-C or SIGTERM.

    Lines are read with ``input()`` in the main thread, outside any running event loop: that
    is where readline restores the terminal when Ctrl-C interrupts it, and where Ctrl-C
    interrupts at all (asyncio's own SIGINT handler would only cancel a task). The event loop
    runs in between, to open the log, write each question's row at once and close it.
    Ctrl-C and SIGTERM end the wait for a line (``StopRequests``, which also catches the ones
    readline misses); one that comes while a question is answered ends the chat after its
    reply and log row.
    """
    readline = _line_editing(history)
    stdout.write(welcome(engine()) + "\n")
    number = 0
    with StopRequests() as stop, asyncio.Runner() as runner:
        if log is not None:
            runner.run(log.open())
        try:
            while True:
                stdout.flush()
                try:
                    number += 1
                    with stop.waiting_for_a_line():
                        line: str | UnreadableLine = input(PROMPT)
                except UnicodeDecodeError:
                    line = UnreadableLine(number, _terminal_encoding())
                except EOFError:
                    break
                text = reply_to(line, engine(), log, max_question_chars)
                if text is None:
                    _forget_blank_line(readline)
                    continue
                stdout.write(text + "\n\n")
                if log is not None and log.pending:
                    _flush(runner, log)
        except KeyboardInterrupt:
            pass
        finally:
            # The cursor is after the prompt (Ctrl-D) or after ^C: the goodbye on a line of
            # its own, and the shell's prompt on the next.
            stdout.write("\n" + say("terminal_goodbye", Language.SIMPLIFIED) + "\n")
            stdout.flush()
            _save_history(readline, history)
            if log is not None:
                runner.run(log.close())
    return 0


def _flush(runner: asyncio.Runner, log: QuestionLog) -> None:
    """Write the queued rows now: while the chat waits for a line, no flusher runs."""
    try:
        runner.run(log.flush())
    except Exception as error:  # a full or read-only disk: the rows stay queued for the next try
        logger.warning("question log: %d rows not written yet: %s", log.pending, error)


def _terminal_encoding() -> str:
    """The terminal's encoding as people write it (what ``input()`` decodes with)."""
    return codecs.lookup(sys.stdin.encoding or "utf-8").name.upper()
