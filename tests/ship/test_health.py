"""``python -m bot health``: one line, exit 0 when the bot can answer, log and (when one is
running) receive, else 1."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.config import KnowledgeSettings, Settings, StorageSettings
from bot.engine.knowledge import load_knowledge
from bot.health import LOCK_TIMEOUT_SECONDS, run_health
from bot.heartbeat import Heartbeat, heartbeat_path
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
    assert re.search(r"\b(1 problem|\d+ problems), first: facts\.yaml:", one_line(result))


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


def write_heartbeat(
    log: Path,
    *,
    beat_ago: float,
    written_ago: float = 0.0,
    error: str = "",
    stopped: str = "",
) -> None:
    """A running bot's heartbeat beside ``log``: its last beat and write so long ago."""
    now = datetime.now(UTC)
    moment = [now - timedelta(seconds=beat_ago)]
    heartbeat = Heartbeat(heartbeat_path(log), "polling", clock=lambda: moment[0])
    if error:
        heartbeat.failed(error)
    moment[0] = now - timedelta(seconds=written_ago)
    if stopped:
        heartbeat.stopped(stopped)
    else:
        heartbeat.write()


def test_a_receiving_bot_is_named_in_the_ok_line(knowledge_copy: Path, tmp_path: Path) -> None:
    """A running bot with a fresh heartbeat: ok, and the line says it is receiving."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    write_heartbeat(log, beat_ago=2)
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    version = load_knowledge(knowledge_copy).version
    assert result.returncode == 0, result.stderr
    assert one_line(result) == f"ok: knowledge {version}, log {log}, bot receiving (polling)"


def test_a_bot_that_receives_nothing_is_unhealthy(knowledge_copy: Path, tmp_path: Path) -> None:
    """A heartbeat still written but with no receipt for 5 minutes: unhealthy, with the error."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    write_heartbeat(log, beat_ago=300, error="getUpdates: HTTP 404 Not Found")
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert re.fullmatch(
        r"unhealthy: the bot \(pid \d+\) has received nothing by polling for 30\ds; "
        r"last error: getUpdates: HTTP 404 Not Found",
        one_line(result),
    )


def test_a_heartbeat_no_longer_written_is_unhealthy(knowledge_copy: Path, tmp_path: Path) -> None:
    """A heartbeat last written 10 minutes ago (the bot was killed or hangs): unhealthy."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    write_heartbeat(log, beat_ago=600, written_ago=600)
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert re.fullmatch(
        r"unhealthy: the bot \(pid \d+, polling\) has not written its heartbeat for 60\ds: "
        r"it is not running or is hung",
        one_line(result),
    )


def test_a_bot_that_stopped_on_an_error_is_unhealthy(knowledge_copy: Path, tmp_path: Path) -> None:
    """A bot that ended on an error wrote why; health reports it until a new start."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    write_heartbeat(log, beat_ago=3, stopped="TokenRefused: 401 Unauthorized")
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert re.fullmatch(
        r"unhealthy: the bot \(pid \d+, polling\) stopped: TokenRefused: 401 Unauthorized",
        one_line(result),
    )


def test_heartbeat_age_zero_turns_the_check_off(knowledge_copy: Path, tmp_path: Path) -> None:
    """health.max_heartbeat_age_seconds: 0 accepts any heartbeat, however old."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["health"] = {"max_heartbeat_age_seconds": 0}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    write_heartbeat(log, beat_ago=600, written_ago=600)
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert one_line(result).endswith(", bot receiving (polling)")


def test_an_unreadable_heartbeat_is_unhealthy(knowledge_copy: Path, tmp_path: Path) -> None:
    """A heartbeat file that is not the bot's JSON: unhealthy, one line naming the file."""
    log = tmp_path / "data" / "questions.sqlite3"
    config = write_config(tmp_path, knowledge_copy, log)
    log.parent.mkdir(parents=True)
    heartbeat_path(log).write_text("not json", encoding="utf-8")
    result = run_bot("health", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert one_line(result).startswith(f"unhealthy: heartbeat {heartbeat_path(log)}: unreadable")
