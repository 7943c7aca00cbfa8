"""The Dockerfile, compose file, .env.example and .dockerignore keep their promises.

No image is built (none can be pulled here): the files are parsed and their promises checked
one by one. tests/ship/test_fresh_install.py replays the build's install steps.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from bot.config import TOKEN_ENV, USER_HASH_SALT_ENV, WEBHOOK_SECRET_ENV, load_settings
from bot.engine.semantic import MODEL_DISTRIBUTION, MODEL_VERSION
from tests.ship.conftest import HEALTH_SECONDS_BUDGET
from tests.ship.image import (
    DOCKERFILE,
    Instruction,
    context_files,
    dockerignore_patterns,
    exec_form,
    instructions,
    is_ignored,
    model_pins,
    parser,
    seconds,
    split_flags,
)

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
BAKED_CONFIG = REPO / "docker" / "settings.yaml"
SECRET_NAMES = (TOKEN_ENV, USER_HASH_SALT_ENV, WEBHOOK_SECRET_ENV)
# A Bot API token: the bot's numeric id, a colon, 35 characters.
TOKEN_SHAPE = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}")


def named(name: str) -> list[Instruction]:
    """The Dockerfile's instructions called ``name``."""
    return [i for i in instructions() if i.name == name]


def index_of(predicate_name: str, contains: str) -> int:
    """Position of the first ``predicate_name`` instruction whose value contains ``contains``."""
    for position, instruction in enumerate(instructions()):
        if instruction.name == predicate_name and contains in instruction.value:
            return position
    raise AssertionError(f"no {predicate_name} containing {contains!r}")


def final_workdir() -> PurePosixPath:
    """The working directory the container starts in."""
    return PurePosixPath(named("WORKDIR")[-1].value)


def baked_settings() -> dict[str, dict[str, object]]:
    """docker/settings.yaml, as parsed YAML."""
    loaded = yaml.safe_load(BAKED_CONFIG.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


# --- Dockerfile ----------------------------------------------------------------------------------


def test_base_image_is_an_official_slim_python_pinned_to_a_patch_release() -> None:
    """The single FROM is python:3.11.N-slim-bookworm (optionally with a digest)."""
    froms = named("FROM")
    assert len(froms) == 1, "one stage: the replay in test_fresh_install.py assumes it"
    assert re.fullmatch(
        r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", parser().baseimage
    ), parser().baseimage


def test_base_python_satisfies_the_projects_requires_python() -> None:
    """The image's Python minor version is the one pyproject.toml and the tools target."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    version = re.match(r"python:(\d+)\.(\d+)\.", parser().baseimage)
    assert version is not None
    minor = f"{version[1]}.{version[2]}"
    assert project["project"]["requires-python"] == f">={minor}"
    assert project["tool"]["mypy"]["python_version"] == minor


def test_runs_as_a_fixed_non_root_user() -> None:
    """A USER other than root is set, created with a fixed uid, before the entrypoint."""
    users = named("USER")
    assert users, "no USER: the bot would run as root"
    user = users[-1].value.split(":")[0]
    assert user not in ("root", "0")
    creation = next(i.value for i in named("RUN") if "useradd" in i.value)
    uid = re.search(r"--uid (\d+)", creation)
    assert uid is not None
    assert int(uid[1]) >= 1000
    assert re.search(rf"useradd\b.*\b{re.escape(user)}\b", creation)
    assert index_of("USER", user) < index_of("ENTRYPOINT", "python")


def test_data_is_a_volume_owned_by_the_bot_and_where_the_settings_write() -> None:
    """VOLUME /data exists, is the user's, and the baked settings put log and history there."""
    volumes = [v for i in named("VOLUME") for v in exec_form(i.value)]
    assert volumes == ["/data"]
    user = named("USER")[-1].value
    assert re.search(rf"chown {user}:{user} /data\b", " ".join(i.value for i in named("RUN")))
    settings = baked_settings()
    assert PurePosixPath(str(settings["storage"]["path"])).parent == PurePosixPath("/data")
    assert PurePosixPath(str(settings["knowledge"]["history_path"])).parent == PurePosixPath(
        "/data"
    )
    assert PurePosixPath(str(settings["semantic"]["cache_path"])).parent == PurePosixPath("/data")


def test_baked_settings_load_and_are_the_default_file_in_the_workdir() -> None:
    """docker/settings.yaml is valid and copied to config.yaml in the final WORKDIR."""
    load_settings(BAKED_CONFIG, {})
    copy = next(i for i in named("COPY") if "docker/settings.yaml" in i.value)
    _, rest = split_flags(copy.value)
    destination = PurePosixPath(shlex.split(rest)[-1])
    assert (final_workdir() / destination) == final_workdir() / "config.yaml"
    assert index_of("WORKDIR", str(final_workdir())) < index_of("COPY", "docker/settings.yaml")


def test_knowledge_is_baked_where_the_settings_read_it() -> None:
    """knowledge/ is copied to the folder the baked settings name (a mount point to override)."""
    copy = next(i for i in named("COPY") if i.value.split()[-2].rstrip("/") == "knowledge")
    _, rest = split_flags(copy.value)
    destination = final_workdir() / shlex.split(rest)[-1]
    assert PurePosixPath(str(baked_settings()["knowledge"]["path"])) == destination


def test_healthcheck_runs_bot_health_in_exec_form_with_a_timeout() -> None:
    """HEALTHCHECK CMD ["python", "-m", "bot", "health"] with a timeout the check fits in."""
    (health,) = named("HEALTHCHECK")
    flags, rest = split_flags(health.value)
    assert rest.startswith("CMD ")
    assert exec_form(rest.removeprefix("CMD").strip()) == ["python", "-m", "bot", "health"]
    assert seconds(flags["timeout"]) >= 2 * HEALTH_SECONDS_BUDGET
    assert seconds(flags["interval"]) >= seconds(flags["timeout"])


def test_entrypoint_and_cmd_run_the_bot_in_exec_form() -> None:
    """ENTRYPOINT + CMD is `python -m bot run`, exec form so Python itself gets SIGTERM."""
    (entrypoint,) = named("ENTRYPOINT")
    (cmd,) = named("CMD")
    argv = exec_form(entrypoint.value) + exec_form(cmd.value)
    # --telegram: without a token, one line and exit 0 rather than a terminal chat with no
    # terminal (test_fresh_install.py runs it).
    assert argv == ["python", "-m", "bot", "run", "--telegram"]
    signals = named("STOPSIGNAL")
    assert not signals or signals[0].value == "SIGTERM"


def test_no_secret_is_built_into_the_image() -> None:
    """No ENV or ARG names or holds a secret; no COPY brings in .env or a local config.yaml."""
    for instruction in named("ENV") + named("ARG"):
        upper = instruction.value.upper()
        for word in ("TOKEN", "SECRET", "SALT", "PASSWORD"):
            assert word not in upper, f"line {instruction.line}: {instruction.value}"
        assert not TOKEN_SHAPE.search(instruction.value)
    assert not TOKEN_SHAPE.search(DOCKERFILE.read_text(encoding="utf-8"))
    for copy in named("COPY") + named("ADD"):
        _, rest = split_flags(copy.value)
        for source in shlex.split(rest)[:-1]:
            assert not source.startswith(".env"), copy.value
            assert source != "config.yaml", f"{copy.value}: a local config has no place in it"
    text = BAKED_CONFIG.read_text(encoding="utf-8")
    assert not TOKEN_SHAPE.search(text)


def test_dependencies_are_installed_in_a_layer_before_the_source_is_copied() -> None:
    """The lock alone is copied and installed, then the package with the code."""
    copies_before = [
        i.value for i in instructions()[: index_of("RUN", "image.lock")] if i.name == "COPY"
    ]
    assert copies_before == ["requirements/image.lock requirements/"]
    assert index_of("RUN", "image.lock") < index_of("COPY", "pyproject.toml")
    assert index_of("COPY", "bot/") < index_of("RUN", "pip install --no-deps .")
    # knowledge edits, the most frequent change, invalidate nothing before them.
    assert index_of("RUN", "pip install --no-deps .") < index_of("COPY", "knowledge")


def pip_installs() -> list[list[str]]:
    """The argv of every `python -m pip install` in the Dockerfile's RUN steps, in order."""
    commands = [
        shlex.split(command)
        for run in named("RUN")
        for command in run.value.split("&&")
        if "pip install" in command
    ]
    assert all(argv[:4] == ["python", "-m", "pip", "install"] for argv in commands), commands
    return commands


def test_every_install_is_the_lock_by_hash_or_the_package_without_dependencies() -> None:
    """Two installs: the lock with --require-hashes --no-deps, then `.` with --no-deps.

    So nothing reaches the image but the files the lock names by hash, and the package.
    """
    lock, package = pip_installs()
    assert {"--require-hashes", "--no-deps"} <= set(lock)
    assert lock[lock.index("-r") + 1] == "requirements/image.lock"
    assert package == ["python", "-m", "pip", "install", "--no-deps", "."]


def test_the_model_pins_agree_with_pyproject_and_the_encoder_module() -> None:
    """Each pinned wheel is a dependency; the encoder's pin is the version semantic.py wants."""
    pins = model_pins()
    assert pins[MODEL_DISTRIBUTION][0] == MODEL_VERSION
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = project["project"]["dependencies"]
    assert f"{MODEL_DISTRIBUTION}=={MODEL_VERSION}" in dependencies
    names = {re.split(r"[<>=\[ ]", d, maxsplit=1)[0].lower() for d in dependencies}
    assert {name.lower() for name in pins} <= names


def test_every_copied_path_is_in_the_build_context() -> None:
    """Nothing a COPY needs is left out by .dockerignore (or missing)."""
    patterns = dockerignore_patterns()
    for copy in named("COPY"):
        _, rest = split_flags(copy.value)
        for source in shlex.split(rest)[:-1]:
            assert (REPO / source).exists(), source
            assert not is_ignored(source.rstrip("/"), patterns), source


def test_nothing_the_build_needs_is_ignored_by_git() -> None:
    """A clean checkout builds: no COPY source or shipping file matches .gitignore."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a checkout")
    needed = [DOCKERFILE.name, ".dockerignore", COMPOSE.name, ENV_EXAMPLE.name]
    for copy in named("COPY"):
        _, rest = split_flags(copy.value)
        needed += [source.rstrip("/") for source in shlex.split(rest)[:-1]]
    needed += [
        path
        for path in context_files(REPO, dockerignore_patterns())
        if path.startswith(("bot/", "knowledge/", "docker/"))
    ]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *needed],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout == "", (
        f"ignored by git, so missing from a clean checkout:\n{result.stdout}"
    )


# --- .dockerignore ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "data/questions.sqlite3",
        ".env",
        "config.yaml",
        "node_modules/telegram-test-api/package.json",
        ".git/HEAD",
        "bot/__pycache__/cli.cpython-311.pyc",
        "dadukou_bot.egg-info/PKG-INFO",
        "questions-backup.sqlite3",
        "anything-added-later.txt",
    ],
)
def test_dockerignore_keeps_local_state_and_secrets_out(path: str) -> None:
    """Environments, data, secrets and caches never reach the Docker daemon."""
    assert is_ignored(path, dockerignore_patterns())


def test_build_context_is_small_and_holds_what_the_image_needs() -> None:
    """The context is pyproject.toml, README.md, bot/, knowledge/, docker/ and requirements/."""
    sent = list(context_files(REPO, dockerignore_patterns()))
    tops = {path.split("/")[0] for path in sent}
    assert tops == {"pyproject.toml", "README.md", "bot", "knowledge", "docker", "requirements"}
    assert not [path for path in sent if "__pycache__" in path or path.endswith(".pyc")]


# --- docker-compose.yml and .env.example ---------------------------------------------------------


def compose() -> dict[str, object]:
    """docker-compose.yml, parsed."""
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_bot_with_its_data_volume_and_env_file() -> None:
    """One service built from here, /data on a named volume, secrets from .env, an init."""
    services = compose()["services"]
    assert isinstance(services, dict)
    assert list(services) == ["bot"]
    bot = services["bot"]
    assert bot["build"] == "."
    assert bot["env_file"] in (".env", [".env"])
    assert bot["init"] is True
    mounts = [str(m) for m in bot["volumes"]]
    data = [m for m in mounts if m.split(":")[1] == "/data"]
    assert len(data) == 1
    volume = data[0].split(":")[0]
    volumes = compose()["volumes"]
    assert isinstance(volumes, dict)
    assert volume in volumes, "the data volume is a named volume"


def compose_service() -> dict[str, object]:
    """The compose file's one service, parsed."""
    services = compose()["services"]
    assert isinstance(services, dict)
    bot = services["bot"]
    assert isinstance(bot, dict)
    return bot


def compose_environment() -> dict[str, str]:
    """The service's `environment`, as {name: value as written}."""
    environment = compose_service().get("environment", {})
    if isinstance(environment, list):
        return dict(str(item).partition("=")[::2] for item in environment)
    assert isinstance(environment, dict)
    return {str(name): str(value) for name, value in environment.items()}


def test_compose_holds_no_secret() -> None:
    """No token literal in the compose file; a secret in `environment` is only a reference to
    the same variable (from .env), never a value."""
    text = COMPOSE.read_text(encoding="utf-8")
    assert not TOKEN_SHAPE.search(text)
    for name, value in compose_environment().items():
        if any(name.startswith(secret) for secret in SECRET_NAMES):
            assert re.fullmatch(rf"\$\{{{name}(:?[?\-][^}}]*)?\}}", value), f"{name}: {value}"


@pytest.mark.parametrize("name", [TOKEN_ENV, USER_HASH_SALT_ENV])
def test_compose_refuses_to_start_without_the_token_or_the_salt(name: str) -> None:
    """`${NAME:?message}`: compose stops at `up`, before any container, when .env leaves the
    token or the salt empty or out (the bot would exit at once and be restarted in a loop)."""
    value = compose_environment()[name]
    required = re.fullmatch(rf"\$\{{{name}:\?([^}}]+)\}}", value)
    assert required, f"{name} is not required: {value}"
    assert ".env" in required[1], "the message says where to set it"


def test_compose_restarts_whatever_the_exit_status() -> None:
    """unless-stopped: a clean reboot (SIGTERM, exit 0) brings the bot back, as a crash does;
    on-failure would not, and the missing-token loop is stopped before the container instead."""
    assert compose_service()["restart"] == "unless-stopped"


def test_compose_keeps_the_live_knowledge_on_a_named_volume() -> None:
    """Admins' edits survive `up --build`: the folder the settings read knowledge from is a
    named volume, which Docker fills from the image once (no `nocopy`), owned by the bot."""
    knowledge = PurePosixPath(str(baked_settings()["knowledge"]["path"]))
    mounts = [str(m) for m in compose_service()["volumes"]]  # type: ignore[attr-defined]
    (mount,) = [m for m in mounts if PurePosixPath(m.split(":")[1]) == knowledge]
    volume, _, *options = mount.split(":")
    volumes = compose()["volumes"]
    assert isinstance(volumes, dict)
    assert volume in volumes, f"{volume} is not a named volume"
    assert not {"nocopy", "ro"} & set(",".join(options).split(",")), options
    # The copy Docker fills the volume from is the bot's, so the bot can write the volume.
    user = named("USER")[-1].value
    copy = next(i for i in named("COPY") if i.value.split()[-2].rstrip("/") == "knowledge")
    assert split_flags(copy.value)[0].get("chown") == f"{user}:{user}"


def test_env_example_names_every_secret_with_an_empty_value() -> None:
    """.env.example lists each secret the settings read from the environment, values empty."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, equals, value = line.partition("=")
            assert equals, line
            values[name.strip()] = value.strip()
    assert set(values) == set(SECRET_NAMES)
    for name, value in values.items():
        assert value == "" or value.startswith("<"), f"{name} has a value: {value}"


def test_env_file_and_local_settings_are_not_committed() -> None:
    """Git ignores .env, the local config.yaml and data/, but not settings in subfolders."""

    def ignored(path: str) -> bool:
        check = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO, check=False)
        return check.returncode == 0

    for path in (".env", "config.yaml", "data/questions.sqlite3"):
        assert ignored(path), path
    assert not ignored("docker/config.yaml")
