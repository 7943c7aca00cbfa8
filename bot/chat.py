"""The terminal chat: the same engine as the bot, for a machine with no token.

Interactive on a terminal (a prompt and a welcome line); piped input gets one answer per
question line and the chat ends at end of input. Questions are logged like the bot's, marked
as coming from the terminal.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TextIO

from bot.answers import Answer, Language
from bot.config import LimitSettings
from bot.engine import Engine
from bot.messages import say
from bot.render import answer_text, telegram_length
from bot.store import Channel, QuestionLog, QuestionRecord
from bot.textnorm import detect_language

# The terminal has no Telegram user; every terminal question is logged as this one user.
TERMINAL_USER = "terminal"


def terminal_record(answer: Answer, latency_ms: float) -> QuestionRecord:
    """The log row of a question asked at the terminal (chat or `ask --log`)."""
    return QuestionRecord.from_answer(
        answer, channel=Channel.TERMINAL, user_hash=TERMINAL_USER, latency_ms=latency_ms
    )


def _read_lines(stdin: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
    """Feed stdin's lines to the event loop; "" marks the end of input."""
    for line in iter(stdin.readline, ""):
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, "")


async def chat(
    engine: Callable[[], Engine],
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    log: QuestionLog | None = None,
    max_question_chars: int = LimitSettings().max_question_chars,
) -> None:
    """Answer each line of ``stdin`` until end of input (or an empty line, interactively).

    A question over ``max_question_chars`` (counted as Telegram counts) is declined with the
    bot's own words, unasked and unlogged, as in Telegram.
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
    lines: asyncio.Queue[str] = asyncio.Queue()
    # A daemon thread, not the loop's executor: a blocked readline must not keep the process
    # alive after Ctrl-C or SIGTERM.
    reader = threading.Thread(
        target=_read_lines, args=(stdin, asyncio.get_running_loop(), lines), daemon=True
    )
    reader.start()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await lines.get()
        if not line:
            break
        question = line.strip()
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
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
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
            log=log,
            max_question_chars=max_question_chars,
        )
    finally:
        if log is not None:
            await log.close()
    return 0
