"""The terminal chat: the same engine as the bot, for a machine with no token.

Interactive on a terminal (a prompt and a welcome line); piped input gets one answer per
question line and the chat ends at end of input. Questions are logged like the bot's, marked
as coming from the terminal.

Input is read as bytes and decoded a line at a time (``input_lines``, which ``ask`` uses too):
a line that is not text gets a one-line reply and the next line is read as usual.
"""

from __future__ import annotations

import asyncio
import codecs
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from bot.config import LimitSettings
from bot.engine.answers import Answer, Language
from bot.engine.pipeline import Engine
from bot.engine.render import answer_text, telegram_length
from bot.engine.textnorm import controls_to_spaces, detect_language
from bot.messages import say
from bot.questionlog.log import QuestionLog
from bot.questionlog.records import Channel, QuestionRecord

# The terminal has no Telegram user; every terminal question is logged as this one user.
TERMINAL_USER = "terminal"


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
    interactive: bool,
    encoding: str = "utf-8",
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
) -> None:
    """Answer each line of ``stdin`` until end of input (or an empty line, interactively).

    A question over ``max_question_chars`` (counted as Telegram counts) is declined with the
    bot's own words, unasked and unlogged, as in Telegram. A line that is not ``encoding`` gets
    a one-line reply; control characters in a question count as spaces (so an escape code is
    neither matched nor echoed to the terminal in a reply that quotes the question).
    """
    source = engine().knowledge.primary_source
    if interactive:
        stdout.write(
            say(
                "terminal_welcome",
                Language.SIMPLIFIED,
                newspaper=source.newspaper,
                date=source.date,
                title=source.title,
            )
            + "\n"
        )
    lines: asyncio.Queue[str | UnreadableLine | None] = asyncio.Queue()
    # A daemon thread, not the loop's executor: a blocked readline must not keep the process
    # alive after Ctrl-C or SIGTERM.
    reader = threading.Thread(
        target=_read_lines,
        args=(stdin, encoding, asyncio.get_running_loop(), lines),
        daemon=True,
    )
    reader.start()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await lines.get()
        if line is None:
            break
        if isinstance(line, UnreadableLine):
            stdout.write(line.reply() + "\n\n")
            stdout.flush()
            continue
        question = controls_to_spaces(line).strip()
        if not question:
            if interactive:
                break
            continue
        if telegram_length(question) > max_question_chars:
            limit = str(max_question_chars)
            text = say("question_too_long", detect_language(question), limit=limit)
            stdout.write(text + "\n\n")
            stdout.flush()
            continue
        current = engine()
        started = time.perf_counter()
        answer = current.ask(question)
        latency_ms = (time.perf_counter() - started) * 1000
        if log is not None:
            log.record(terminal_record(answer, latency_ms))
        stdout.write(answer_text(answer, current.knowledge.primary_source) + "\n\n")
        stdout.flush()


async def run_chat(
    engine: Callable[[], Engine],
    stdin: BinaryIO,
    stdout: TextIO,
    *,
    interactive: bool,
    encoding: str = "utf-8",
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
) -> int:
    """The chat with its log opened first and closed (flushed) however the chat ends."""
    if log is not None:
        await log.open()
    try:
        await chat(
            engine,
            stdin,
            stdout,
            interactive=interactive,
            encoding=encoding,
            log=log,
            max_question_chars=max_question_chars,
        )
    finally:
        if log is not None:
            await log.close()
    return 0
