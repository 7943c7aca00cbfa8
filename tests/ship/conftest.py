"""Fixtures of the shipping tests: the CLI as a process, settings files, the slow marker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.shared_cache import SEMANTIC_CACHE

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
# `python -m bot health` must take less than this; the HEALTHCHECK timeout is at least twice it.
HEALTH_SECONDS_BUDGET = 5


def pytest_configure(config: pytest.Config) -> None:
    """Register ``slow``: the fresh-install test (about a minute); skip with -m "not slow"."""
    config.addinivalue_line(
        "markers", "slow: installs the package into a fresh virtual environment (network)"
    )


def bot_environment() -> dict[str, str]:
    """This machine's environment without any of the bot's secrets (no token: no Telegram)."""
    drop = ("TELEGRAM_", "BOT_")
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


def run_bot(
    *args: str, cwd: Path, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in ``cwd`` with this checkout's package."""
    env = bot_environment()
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_config(directory: Path, knowledge: Path, log: Path) -> Path:
    """A settings file naming ``knowledge`` and the question log ``log``."""
    path = directory / "config.yaml"
    settings = {
        "knowledge": {"path": str(knowledge), "history_path": str(log.parent / "history")},
        "storage": {"path": str(log)},
        "semantic": {"cache_path": str(SEMANTIC_CACHE)},
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def knowledge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real knowledge folder, for tests that must not touch the checkout's."""
    target = tmp_path_factory.mktemp("knowledge") / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target
