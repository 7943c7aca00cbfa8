"""The command line: ``python -m bot run | ask | check | report | health``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from bot.chat import terminal_record
from bot.config import TOKEN_ENV, ConfigError, Settings, default_config_path, load_settings
from bot.engine import Engine, load_engine
from bot.knowledge import KnowledgeError, load_knowledge
from bot.render import answer_text
from bot.semantic import SemanticIndexer
from bot.store import QuestionLog


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--config", metavar="PATH", help="settings file (default: config.yaml)")
        return sub

    command("run", "Start the Telegram bot, or a terminal chat when no token is set.")
    ask = command("ask", "Answer questions and print the replies (for testing the knowledge).")
    ask.add_argument("question", nargs="*", help="the question (omit with --json)")
    ask.add_argument(
        "--json", action="store_true", help="read questions from stdin, one JSON line per answer"
    )
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
    if not args.json and not args.question:
        print("ask: give a question, or --json to read questions from stdin", file=sys.stderr)
        return 2
    log = _open_log_or_none(settings) if args.log else None
    return asyncio.run(_ask_all(args, engine, log))


async def _ask_all(args: argparse.Namespace, engine: Engine, log: QuestionLog | None) -> int:
    """Answer the command line's question or stdin's questions, logging them if asked to."""
    if log is not None:
        await log.open()
    try:
        questions = (line.rstrip("\n") for line in sys.stdin) if args.json else None
        for question in questions if questions is not None else [" ".join(args.question)]:
            started = time.perf_counter()
            answer = engine.ask(question)
            if log is not None:
                log.record(terminal_record(answer, (time.perf_counter() - started) * 1000))
            if args.json:
                print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
            else:
                print(answer_text(answer, engine.knowledge.primary_source))
    finally:
        if log is not None:
            await log.close()
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.directory or settings.knowledge.path)
    try:
        knowledge = load_knowledge(directory)
    except KnowledgeError as error:
        for problem in error.problems:
            print(f"{directory / problem.file}:{problem.line}: {problem.field}: {problem.message}")
        print(f"{len(error.problems)} problem(s)", file=sys.stderr)
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


def _run(settings: Settings) -> int:
    if settings.token:
        from bot.app import run_telegram

        return run_telegram(settings)
    from bot.chat import run_chat

    # `docker stop` and systemd send SIGTERM: leave the chat the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    interactive = sys.stdin.isatty()
    if not interactive:
        print(
            f"{TOKEN_ENV} is not set: answering questions from standard input, one per line",
            file=sys.stderr,
        )
    engine = _engine(settings)
    log = _open_log_or_none(settings)
    try:
        return asyncio.run(
            run_chat(
                lambda: engine,
                sys.stdin,
                sys.stdout,
                interactive=interactive,
                log=log,
                max_question_chars=settings.limits.max_question_chars,
            )
        )
    except KeyboardInterrupt:
        # The chat's log was closed (flushed) on the way out.
        if interactive:
            print()
        return 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; the exit status is returned."""
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
        if args.command == "run":
            return _run(settings)
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "check":
            return _check(args, settings)
        if args.command == "report":
            from bot.report import run_report

            return run_report(settings, days=args.days, csv_path=args.csv)
        from bot.health import run_health

        return run_health(settings)
    except KnowledgeError as error:
        print(f"knowledge is invalid ({len(error.problems)} problem(s)):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
