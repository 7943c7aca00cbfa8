"""The image's build and run steps, replayed in a fresh virtual environment outside the repo.

Marked ``slow`` (it installs every dependency: about a minute; skip with -m "not slow"). It
uses this machine's pip configuration and cache, so it reaches only the package registries pip
is configured for. What it catches: a dependency missing from pyproject.toml, a file the
package needs at run time that `pip install .` does not install, a path the image gets wrong,
a file .dockerignore leaves out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ship.image import ReplayedImage, move_paths_into, replay_build

pytestmark = pytest.mark.slow

QUESTION = "重庆小面明年营收目标是多少"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> ReplayedImage:
    """The Dockerfile's build replayed: fresh venv, COPY from the context, its pip steps."""
    base = tmp_path_factory.mktemp("image")
    venv = base / "venv"
    # The interpreter behind this one, not this project's environment: nothing preinstalled.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    image = replay_build(base / "root", venv)
    # The baked settings point at /app and /data; in the replay those are under the root.
    config = image.workdir / "config.yaml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump(move_paths_into(image.root, settings)), encoding="utf-8")
    return image


def test_build_replays_the_dependency_and_package_installs(image: ReplayedImage) -> None:
    """Both pip steps of the Dockerfile ran: the lock by hash, then the package alone."""
    assert len(image.python_steps) == 2
    assert image.python_steps[0] == (
        "python -m pip install --require-hashes --no-deps -r requirements/image.lock"
    )
    assert image.python_steps[1] == "python -m pip install --no-deps ."


def test_the_locked_install_is_complete(image: ReplayedImage) -> None:
    """`pip check` in the replayed image: every installed package has what it requires."""
    result = image.run(["python", "-m", "pip", "check"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_runs_from_site_packages_not_from_a_source_folder(
    image: ReplayedImage,
) -> None:
    """In the image's workdir, `bot` is the installed package (nothing shadows it)."""
    result = image.run(["python", "-c", "import bot; print(bot.__file__)"])
    assert result.returncode == 0, result.stderr
    location = Path(result.stdout.strip())
    assert location.is_relative_to(image.venv), location
    assert "site-packages" in location.parts


def test_healthcheck_command_is_healthy_in_the_fresh_install(image: ReplayedImage) -> None:
    """The HEALTHCHECK command prints `ok: …` and exits 0, with the log under /data."""
    result = image.run(image.healthcheck)
    assert result.returncode == 0, result.stdout + result.stderr
    line = (result.stdout + result.stderr).strip()
    assert line.startswith("ok: knowledge ")
    assert line.endswith(f"log {image.in_root('/data/questions.sqlite3')}")


def test_entrypoint_without_a_token_says_so_once_and_exits_0(image: ReplayedImage) -> None:
    """ENTRYPOINT + CMD with no token: one line on stderr, status 0, no chat on piped input."""
    result = image.run([*image.entrypoint, *image.cmd], stdin=f"{QUESTION}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("TELEGRAM_BOT_TOKEN is not set: the Telegram bot cannot start")


def test_entrypoint_run_answers_a_terminal_question_in_the_fresh_install(
    image: ReplayedImage,
) -> None:
    """ENTRYPOINT + `run` (what `docker compose run … bot run` does) with no token is the
    terminal chat; it answers with the cited figure."""
    result = image.run([*image.entrypoint, "run"], stdin=f"{QUESTION}\n")
    assert result.returncode == 0, result.stderr
    assert "200亿元" in result.stdout
    assert "「明年力争达到200亿元」" in result.stdout
