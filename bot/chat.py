"""The terminal chat: the same engine as the bot, for a machine with no token.

Interactive on a terminal (a prompt and a welcome line); piped input gets one answer per
question line and the chat ends at end of input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.answers import Answer, Language
from bot.engine import Engine
from bot.messages import say
from bot.render import answer_text


def run_chat(
    engine: Engine,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    on_answer: Callable[[Answer], None] | None = None,
) -> int:
    """Answer each line of ``stdin`` until end of input (or an empty line, interactively)."""
    source = engine.knowledge.primary_source
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
    try:
        _chat_loop(engine, stdin, stdout, interactive=interactive, on_answer=on_answer)
    except KeyboardInterrupt:
        # Ctrl-C, or SIGTERM turned into one by the command line: a normal way to leave.
        if interactive:
            stdout.write("\n")
    return 0


def _chat_loop(
    engine: Engine,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    on_answer: Callable[[Answer], None] | None,
) -> None:
    source = engine.knowledge.primary_source
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            if interactive:
                break
            continue
        answer = engine.ask(question)
        if on_answer is not None:
            on_answer(answer)
        stdout.write(answer_text(answer, source) + "\n\n")
        stdout.flush()
