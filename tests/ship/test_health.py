"""``python -m bot health``: one line, exit 0 when the bot can answer and log, else 1."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot.config import KnowledgeSettings, Settings, StorageSettings
from bot.health import LOCK_TIMEOUT_SECONDS, run_health
from bot.knowledge import load_knowledge
from tests.ship.conftest import HEALTH_SECONDS_BUDGET, run_bot, write_config


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line a finished ``health`` printed (stdout and stderr together)."""
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_healthy_deployment_prints_ok_with_version_and_log_path(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """Good knowledge and a writable log: exit 0 and `ok: knowledge <version>, log <path>`."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    started = time.monotonic()
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    elapsed = time.monotonic() - started
    version = load_knowledge(knowledge_copy).version
    assert result.returncode == 0, result.stderr
    assert one_line(result) == f"ok: knowledge {version}, log {log}"
    assert elapsed < HEALTH_SECONDS_BUDGET


def test_health_leaves_no_row_in_the_log(knowledge_copy: Path, tmp_path: Path) -> None:
    """The log is created and migrated, but proving it writable adds no question row."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    for _ in range(2):
        assert run_bot("health", "--config", str(config), cwd=tmp_path).returncode == 0
    with sqlite3.connect(log) as connection:
        (rows,) = connection.execute("SELECT count(*) FROM questions").fetchone()
    assert rows == 0


def test_broken_knowledge_is_unhealthy_with_one_line(knowledge_copy: Path, tmp_path: Path) -> None:
    """A knowledge folder that does not validate: exit 1 and `unhealthy: knowledge …`."""
    broken = tmp_path / "knowledge"
    shutil.copytree(knowledge_copy, broken)
    facts = broken / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + "\n- id: [not, an, id]\n", "utf-8")
    config = write_config(tmp_path, broken, tmp_path / "data" / "questions.sqlite3")
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result).startswith(f"unhealthy: knowledge {broken}: ")
    assert "problem(s), first: facts.yaml:" in one_line(result)


def test_missing_knowledge_folder_is_unhealthy(tmp_path: Path) -> None:
    """No knowledge folder at all (a bad mount): exit 1 with one line."""
    config = write_config(tmp_path, tmp_path / "nowhere", tmp_path / "data" / "q.sqlite3")
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result).startswith("unhealthy: knowledge ")


def test_unwritable_log_folder_is_unhealthy_with_one_line(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """The log's folder cannot be created (a file is in the way): exit 1, `unhealthy: …log…`."""
    # A file where the folder should be fails for root too, unlike a chmod.
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result).startswith(f"unhealthy: question log {log}: ")


def test_log_locked_by_another_writer_is_unhealthy_within_the_budget(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    """A log whose write lock is held elsewhere: unhealthy after the lock timeout, not a hang."""
    log = tmp_path / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    assert run_bot("health", "--config", str(config), cwd=tmp_path).returncode == 0
    holder = sqlite3.connect(log, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        result = run_bot("health", "--config", str(config), cwd=tmp_path)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    reason = "OperationalError: database is locked"
    assert one_line(result) == f"unhealthy: question log {log}: {reason}"
    assert LOCK_TIMEOUT_SECONDS <= elapsed < LOCK_TIMEOUT_SECONDS + HEALTH_SECONDS_BUDGET


def test_run_health_in_process_returns_the_status(
    knowledge_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run_health(settings)` returns 0 or 1 and prints the line itself (the CLI's contract)."""
    good = Settings(
        knowledge=KnowledgeSettings(path=str(knowledge_copy)),
        storage=StorageSettings(path=str(tmp_path / "q.sqlite3")),
    )
    assert run_health(good) == 0
    assert capsys.readouterr().out.startswith("ok: knowledge ")
    bad = Settings(
        knowledge=KnowledgeSettings(path=str(tmp_path / "missing")),
        storage=good.storage,
    )
    assert run_health(bad) == 1
    assert capsys.readouterr().err.startswith("unhealthy: knowledge ")
