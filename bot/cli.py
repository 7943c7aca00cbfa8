"""The command line: ``python -m bot run | ask | check | report | health``."""

from __future__ import annotations

import argparse
import asyncio
import codecs
import logging
import os
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from bot.chat import UnreadableLine, input_lines, terminal_record
from bot.config import TOKEN_ENV, ConfigError, Settings, default_config_path, load_settings
from bot.engine.answers import Answer, json_line, unreadable_json
from bot.engine.knowledge import KnowledgeError, load_knowledge
from bot.engine.pipeline import Engine, load_engine
from bot.engine.render import answer_text
from bot.engine.semantic import SemanticIndexer
from bot.engine.textnorm import controls_to_spaces
from bot.messages import counted
from bot.questionlog.log import QuestionLog

# `run --telegram` with no token: the container's command when .env lacks the token. There is
# no terminal to chat on, so it stops, once. Status 0, because a restart policy that retries
# failures (docker's on-failure, systemd's Restart=on-failure) cannot fix a missing setting and
# would only repeat this line; docker-compose.yml refuses to start without the token anyway.
NO_TOKEN_STATUS = 0
NO_TOKEN_MESSAGE = (
    f"{TOKEN_ENV} is not set: the Telegram bot cannot start (put the token from @BotFather in "
    f".env and start again); exiting with status {NO_TOKEN_STATUS}, not to be restarted"
)
# The terminal chat's line history (readline), beside the question log.
TERMINAL_HISTORY_FILE = "terminal-history"

# The whole `ask --json` interface, the object for a line it could not read included.
ASK_JSON_HELP = (
    "read questions from stdin (UTF-8), one per line, and write one JSON object per line, "
    "flushed, with the stable keys question, status, answer, citations, confidence, id, "
    "suggestions, parts; a line that is not valid UTF-8 gets "
    '{"question": null, "status": "error", "error": "line N is not valid UTF-8", '
    '"answer": null, ...} with the other keys empty, and the next line is read as usual'
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", metavar="PATH", help="settings file (default: config.yaml)")
        return sub

    run = command("run", "Start the Telegram bot, or a terminal chat when no token is set.")
    run.add_argument(
        "--telegram",
        action="store_true",
        help=f"the Telegram bot only (what the container runs): without {TOKEN_ENV}, say so "
        f"on stderr and exit {NO_TOKEN_STATUS} instead of starting a terminal chat",
    )
    ask = command("ask", "Answer questions and print the replies (for testing the knowledge).")
    ask.add_argument(
        "question", nargs="*", help="the question (omit it to answer each line piped to stdin)"
    )
    ask.add_argument("--json", action="store_true", help=ASK_JSON_HELP)
    ask.add_argument(
        "--log", action="store_true", help="record the questions in the question log too"
    )
    check = command("check", "Validate a knowledge folder; print every problem.")
    check.add_argument("directory", nargs="?", help="knowledge folder (default: from config)")
    report = command("report", "Print the question-log report.")
    report.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    report.add_argument("--csv", metavar="FILE", help="also write the log as CSV to FILE")
    command("health", "Exit 0 if the knowledge loads and the log is writable.")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(default_config_path(args.config), os.environ)


def _engine(settings: Settings) -> Engine:
    return load_engine(Path(settings.knowledge.path), SemanticIndexer.from_settings(settings))


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    questions: Iterable[str | UnreadableLine]
    if args.json:
        # A machine interface: UTF-8 in and out, whatever the locale.
        questions = input_lines(sys.stdin.buffer)
    elif args.question:
        question = " ".join(args.question)
        if not _decoded_cleanly(question):
            encoding = codecs.lookup(sys.getfilesystemencoding()).name.upper()
            print(f"ask: the question is not valid {encoding}", file=sys.stderr)
            return 2
        questions = [question]
    elif sys.stdin.isatty():
        print("ask: give a question, or pipe questions to stdin", file=sys.stderr)
        return 2
    else:
        questions = input_lines(sys.stdin.buffer, sys.stdin.encoding)
    log = _open_log_or_none(settings) if args.log else None
    piped = not args.question
    return asyncio.run(_ask_all(questions, engine, log, as_json=args.json, piped=piped))


def _decoded_cleanly(argument: str) -> bool:
    """False when Python's lenient decoding of the command line left undecodable bytes in it."""
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:  # the lone surrogates that stand for those bytes
        return False
    return True


async def _ask_all(
    questions: Iterable[str | UnreadableLine],
    engine: Engine,
    log: QuestionLog | None,
    *,
    as_json: bool,
    piped: bool,
) -> int:
    """Answer each question as it is read, writing (and flushing) each reply before the next."""
    if log is not None:
        await log.open()
    try:
        for question in questions:
            if as_json:
                _write_json(_ask_json(question, engine, log))
                continue
            if isinstance(question, UnreadableLine):
                print(question.reply(), end="\n\n", flush=True)
                continue
            # A terminal shows control characters as commands: never echo them back.
            question = controls_to_spaces(question).strip()
            if piped and not question:
                continue
            answer = _ask_one(question, engine, log)
            text = answer_text(answer, engine.knowledge.primary_source)
            print(text, end="\n\n" if piped else "\n", flush=True)
    finally:
        if log is not None:
            await log.close()
    return 0


def _ask_json(
    question: str | UnreadableLine, engine: Engine, log: QuestionLog | None
) -> dict[str, object]:
    if isinstance(question, UnreadableLine):
        return unreadable_json(f"line {question.number} is not valid {question.encoding}")
    return _ask_one(question, engine, log).to_json()


def _ask_one(question: str, engine: Engine, log: QuestionLog | None) -> Answer:
    started = time.perf_counter()
    answer = engine.ask(question)
    if log is not None:
        log.record(terminal_record(answer, (time.perf_counter() - started) * 1000))
    return answer


def _write_json(shape: dict[str, object]) -> None:
    # Bytes, not sys.stdout: JSON is UTF-8 even where the locale is not.
    sys.stdout.buffer.write(json_line(shape).encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def _check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.directory or settings.knowledge.path)
    try:
        knowledge = load_knowledge(directory)
    except KnowledgeError as error:
        for problem in error.problems:
            print(f"{directory / problem.file}:{problem.line}: {problem.field}: {problem.message}")
        print(counted(len(error.problems), "problem", "problems"), file=sys.stderr)
        return 1
    print(
        f"{directory}: ok — {len(knowledge.facts)} facts, {len(knowledge.entries)} entries, "
        f"version {knowledge.version}"
    )
    return 0


def _open_log_or_none(settings: Settings) -> QuestionLog | None:
    """The question log, or None (with a warning) when its folder cannot be written."""
    log = QuestionLog.from_settings(settings.storage)
    path = Path(settings.storage.path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(f"{path.parent} is not writable")
    except OSError as error:
        print(f"question log disabled: {error}", file=sys.stderr)
        return None
    return log


def _run(settings: Settings, *, telegram_only: bool) -> int:
    if settings.token:
        from bot.app import run_telegram

        return run_telegram(settings)
    if telegram_only:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return NO_TOKEN_STATUS
    # `docker stop` and systemd send SIGTERM: leave the chat the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _quiet_logs_for_chat()
    engine = _engine(settings)
    log = _open_log_or_none(settings)
    if sys.stdin.isatty():
        from bot.chat import run_terminal_chat

        return run_terminal_chat(
            lambda: engine,
            sys.stdout,
            log=log,
            max_question_chars=settings.limits.max_question_chars,
            history=Path(settings.storage.path).parent / TERMINAL_HISTORY_FILE,
        )
    from bot.chat import run_chat

    print(
        f"{TOKEN_ENV} is not set: answering questions from standard input, one per line",
        file=sys.stderr,
    )
    # The chat reads in a daemon thread that is still blocked in a read when the chat ends.
    # Shutdown closes sys.stdin, and closing its buffer would wait for that read's lock (a
    # fatal error): the thread reads a file of its own, on a duplicate of the descriptor.
    stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    try:
        return asyncio.run(
            run_chat(
                lambda: engine,
                stdin,
                sys.stdout,
                encoding=sys.stdin.encoding,
                log=log,
                max_question_chars=settings.limits.max_question_chars,
            )
        )
    except KeyboardInterrupt:
        # The chat's log was closed (flushed) on the way out.
        return 0


def _quiet_logs_for_chat() -> None:
    """Only warnings and errors reach stderr in the terminal chat.

    On a terminal stderr shows between the replies; the INFO lines a Telegram bot's operator
    wants (the question log's migrations, the encoder's load) would interrupt the conversation.
    The handler's level, not the loggers': some loggers (aiosqlite) have levels of their own.
    """
    for handler in logging.getLogger().handlers:
        handler.setLevel(max(handler.level, logging.WARNING))


# What a shell reports for a process killed by SIGPIPE (128 + 13).
_BROKEN_PIPE_STATUS = 141


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; the exit status is returned."""
    if sys.stdin is None:
        # Started with standard input closed (`<&-`, some service managers): it reads as
        # empty, as /dev/null would.
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ConfigError as error:
        print(f"config: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiosqlite logs every statement at DEBUG from its own thread: noise that drowns the log
    # and, written after the process's last line, makes "stopped" not the last thing it says.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    try:
        return _command(args, settings)
    except BrokenPipeError:
        # The reader went away (`python -m bot ask … | head -1`): stop quietly, as a shell
        # tool does. Python's own flush of stdout at exit would raise again, so stdout is
        # pointed at /dev/null first (the recipe of Python's signal documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _BROKEN_PIPE_STATUS


def _command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed command."""
    try:
        if args.command == "run":
            return _run(settings, telegram_only=args.telegram)
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "check":
            return _check(args, settings)
        if args.command == "report":
            from bot.questionlog.report_cli import run_report

            return run_report(settings, days=args.days, csv_path=args.csv)
        from bot.health import run_health

        return run_health(settings)
    except KnowledgeError as error:
        problems = counted(len(error.problems), "problem", "problems")
        print(f"knowledge is invalid ({problems}):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
