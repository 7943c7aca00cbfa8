"""The Dockerfile read without Docker: its instructions, and a replay of its build steps.

Images cannot be pulled where these tests run, so ``replay_build`` does what ``docker build``
would, outside Docker: a fresh virtual environment stands in for the base image, the image's
filesystem is a temporary folder (``/app`` becomes ``ROOT/app``), ``COPY`` copies from the
build context minus what ``.dockerignore`` excludes, and the ``RUN`` steps that run Python
(the dependency and package installs) run as written. The other ``RUN`` steps (creating the
user and ``/data``) concern the operating system and are not replayed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from dockerfile_parse import DockerfileParser

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
MODEL_REQUIREMENTS = REPO / "requirements" / "model.txt"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: ``RUN``, ``COPY``, …, with its value as written."""

    name: str
    value: str
    line: int


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions of ``path`` in order, comments left out."""
    parser = DockerfileParser(path=str(path))
    return [
        Instruction(item["instruction"], item["value"], item["startline"] + 1)
        for item in parser.structure
        if item["instruction"] != "COMMENT"
    ]


def parser(path: Path = DOCKERFILE) -> DockerfileParser:
    """dockerfile-parse's view of ``path`` (base image, ENV, …)."""
    return DockerfileParser(path=str(path))


def exec_form(value: str) -> list[str]:
    """The argv of an exec-form value (``["python", "-m", "bot"]``); fails on shell form."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"not exec form: {value}"
    assert all(isinstance(item, str) for item in parsed), f"not exec form: {value}"
    return parsed


def split_flags(value: str) -> tuple[dict[str, str], str]:
    """``--interval=30s --timeout=10s CMD [...]`` as ({interval: 30s, …}, ``CMD [...]``)."""
    flags: dict[str, str] = {}
    rest = value.strip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, flag_value = flag[2:].partition("=")
        flags[name] = flag_value
        rest = rest.strip()
    return flags, rest


def seconds(duration: str) -> float:
    """A Docker duration (``30s``, ``1m30s``, ``500ms``) in seconds."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert "".join(n + u for n, u in parts) == duration != "", f"bad duration {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


# --- requirements ---


def model_pins() -> dict[str, tuple[str, str]]:
    """requirements/model.txt as {distribution: (version, sha256)}, one hash per line."""
    text = MODEL_REQUIREMENTS.read_text(encoding="utf-8").replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})\s*", line)
        assert match, f"not pinned to a version and a sha256: {line}"
        pins[match[1]] = (match[2], match[3])
    return pins


# --- .dockerignore ------------------------------------------------------------------------------


def dockerignore_patterns(path: Path = DOCKERIGNORE) -> list[str]:
    """The patterns of ``.dockerignore``, comments and blank lines left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching: ``*`` and ``?`` stay within one folder, ``**`` spans any number."""
    pattern = pattern.strip("/")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves out ``relative`` (a path from the context's root).

    A path is left out when it or a folder above it matches; the last matching pattern wins,
    and ``!pattern`` brings a path back.
    """
    parts = PurePosixPath(relative).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _pattern_regex(pattern[1:] if negated else pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def _may_bring_back(folder: str, patterns: list[str]) -> bool:
    """Whether a ``!pattern`` could bring back something inside the ignored ``folder``."""
    for pattern in patterns:
        if pattern.startswith("!"):
            literal = re.split(r"[*?\[]", pattern[1:].strip("/"), maxsplit=1)[0]
            if literal.startswith(f"{folder}/") or f"{folder}/".startswith(literal):
                return True
    return False


def context_files(context: Path, patterns: list[str]) -> Iterator[str]:
    """Every file of the build context that ``docker build`` would send, relative, sorted."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(context):
        base = Path(folder).relative_to(context).as_posix()
        prefix = "" if base == "." else f"{base}/"
        # Folders left out with nothing brought back inside (.venv, node_modules) are skipped.
        subfolders[:] = [
            name
            for name in subfolders
            if not is_ignored(prefix + name, patterns) or _may_bring_back(prefix + name, patterns)
        ]
        found += [prefix + name for name in files if not is_ignored(prefix + name, patterns)]
    yield from sorted(found)


# --- replaying the build -------------------------------------------------------------------------


@dataclass
class ReplayedImage:
    """The result of ``replay_build``: where things are, and how to run a command in it."""

    root: Path
    venv: Path
    workdir: Path
    env: dict[str, str]
    entrypoint: list[str]
    cmd: list[str]
    healthcheck: list[str]
    python_steps: list[str] = field(default_factory=list)

    def in_root(self, image_path: str) -> Path:
        """Where the image's absolute path ``image_path`` is in the replay."""
        return self.root / image_path.lstrip("/")

    def run(
        self, argv: list[str], *, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` as the container would run it: the image's Python, workdir and ENV."""
        if argv[0] == "python":
            argv = [str(self.venv / "bin" / "python"), *argv[1:]]
        return subprocess.run(
            argv,
            cwd=self.workdir,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def clean_environment(venv: Path) -> dict[str, str]:
    """The machine's environment with the venv first on PATH, and nothing of the bot's."""
    drop = ("TELEGRAM_", "BOT_", "PYTHON", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _copy(context: Path, patterns: list[str], source: str, destination: Path) -> None:
    """``COPY source destination``: a folder's contents, or one file, minus ignored paths."""
    source = source.rstrip("/")
    assert not is_ignored(source, patterns), f"COPY {source}: left out by .dockerignore"
    origin = context / source
    assert origin.exists(), f"COPY {source}: not in the build context"
    if origin.is_file():
        target = destination / origin.name if destination.is_dir() else destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)
        return
    for relative in context_files(origin, []):
        if is_ignored(f"{source}/{relative}", patterns):
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin / relative, target)


def _python_step(command: str) -> bool:
    return shlex.split(command)[0] == "python"


def replay_build(
    root: Path, venv: Path, *, context: Path = REPO, dockerfile: Path = DOCKERFILE
) -> ReplayedImage:
    """Replay ``dockerfile``'s build into ``root`` with the fresh virtual environment ``venv``."""
    patterns = dockerignore_patterns(context / ".dockerignore")
    build_env = clean_environment(venv)
    image_env: dict[str, str] = {}
    workdir = root
    entrypoint: list[str] = []
    cmd: list[str] = []
    healthcheck: list[str] = []
    python_steps: list[str] = []

    def resolve(path: str) -> Path:
        return root / path.lstrip("/") if path.startswith("/") else workdir / path

    for instruction in instructions(dockerfile):
        name, value = instruction.name, instruction.value
        if name == "WORKDIR":
            workdir = resolve(value)
            workdir.mkdir(parents=True, exist_ok=True)
        elif name == "ENV":
            for item in shlex.split(value):
                key, _, item_value = item.partition("=")
                # pip's own settings stay the machine's (its registry and cache).
                if not key.startswith("PIP_"):
                    absolute = item_value.startswith("/")
                    image_env[key] = str(resolve(item_value)) if absolute else item_value
        elif name == "COPY":
            flags, rest = split_flags(value)
            assert "from" not in flags, "multi-stage COPY --from is not replayed"
            *sources, destination = shlex.split(rest)
            target = resolve(destination)
            if destination.endswith("/") or len(sources) > 1:
                target.mkdir(parents=True, exist_ok=True)
            for source in sources:
                _copy(context, patterns, source, target)
        elif name == "RUN" and _python_step(value):
            absolute = [word for word in shlex.split(value) if word.startswith("/")]
            assert not absolute, f"line {instruction.line}: absolute paths {absolute} in {value}"
            subprocess.run(["sh", "-c", value], cwd=workdir, env=build_env, check=True)
            python_steps.append(value)
        elif name == "ENTRYPOINT":
            entrypoint = exec_form(value)
        elif name == "CMD":
            cmd = exec_form(value)
        elif name == "HEALTHCHECK":
            _, rest = split_flags(value)
            healthcheck = exec_form(rest.removeprefix("CMD").strip())
    return ReplayedImage(
        root=root,
        venv=venv,
        workdir=workdir,
        env={**build_env, **image_env},
        entrypoint=entrypoint,
        cmd=cmd,
        healthcheck=healthcheck,
        python_steps=python_steps,
    )


def move_paths_into(root: Path, value: Any) -> Any:
    """``value`` (parsed YAML) with every absolute path string moved under ``root``."""
    if isinstance(value, Mapping):
        return {key: move_paths_into(root, item) for key, item in value.items()}
    if isinstance(value, list):
        return [move_paths_into(root, item) for item in value]
    if isinstance(value, str) and value.startswith("/"):
        return str(root / value.lstrip("/"))
    return value
