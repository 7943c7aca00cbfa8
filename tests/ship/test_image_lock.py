"""requirements/image.lock, what the image installs by hash, covers what pyproject.toml asks.

Read without installing anything; tests/ship/test_fresh_install.py installs it.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.ship.image import DOCKERFILE, model_pins, parser

REPO = Path(__file__).resolve().parents[2]
IMAGE_LOCK = REPO / "requirements" / "image.lock"


# The image's platform, for the markers of pyproject.toml's and its dependencies' requirements.
IMAGE_PLATFORM = {"python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64"}


def locked() -> dict[str, tuple[str, set[str]]]:
    """requirements/image.lock as {normalised name: (version, sha256 hashes)}."""
    text = IMAGE_LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, set[str]]] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert match, f"not pinned to a version with sha256 hashes: {line}"
        hashes = set(re.findall(r"sha256:([0-9a-f]{64})", match[3]))
        pins[canonicalize_name(match[1])] = (match[2], hashes)
    return pins


def project_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies that apply in the image."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = [Requirement(line) for line in project["project"]["dependencies"]]
    return [r for r in requirements if r.marker is None or r.marker.evaluate(IMAGE_PLATFORM)]


def test_the_lock_pins_every_dependency_of_pyproject_within_its_bounds() -> None:
    """Each dependency in pyproject.toml is locked, at a version its specifier accepts."""
    pins = locked()
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {IMAGE_LOCK.name}"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{name}=={pins[name][0]} does not satisfy {requirement.specifier}"
        )


def _brought_by(requirement: Requirement, extra: str) -> list[Requirement]:
    """What ``requirement``'s ``extra`` adds, read from the installed distribution's metadata."""
    added = []
    for item in metadata.requires(requirement.name) or []:
        dependency = Requirement(item)
        marker: Marker | None = dependency.marker
        if marker is None or marker.evaluate({**IMAGE_PLATFORM, "extra": ""}):
            continue  # not the extra's: needed anyway
        if marker.evaluate({**IMAGE_PLATFORM, "extra": extra}):
            added.append(dependency)
    return added


def test_the_lock_pins_what_the_requested_extras_bring_in() -> None:
    """The extras asked of a dependency (python-telegram-bot[rate-limiter,…]) are locked too."""
    pins = locked()
    extras = [(r, extra) for r in project_requirements() for extra in sorted(r.extras)]
    assert extras, "pyproject.toml asks for no extra: this test checks nothing"
    for requirement, extra in extras:
        brought = _brought_by(requirement, extra)
        assert brought, f"{requirement.name}[{extra}] brings in nothing"
        for dependency in brought:
            name = canonicalize_name(dependency.name)
            assert name in pins, f"{name} ({requirement.name}[{extra}]) is not locked"


def test_the_lock_agrees_with_the_model_pins() -> None:
    """The encoder and the BLAS limit are locked at model.txt's versions, model.txt's wheel
    hash among those accepted: the image runs the wheel the answers were measured with."""
    pins = locked()
    for name, (version, wheel_hash) in model_pins().items():
        locked_version, hashes = pins[canonicalize_name(name)]
        assert locked_version == version, name
        assert wheel_hash in hashes, name


def test_the_lock_says_how_it_was_made_and_the_dockerfile_repeats_it() -> None:
    """The lock's header is the compile command, for the base image's Python on linux x86_64,
    and the Dockerfile's comment gives the same command."""
    command = IMAGE_LOCK.read_text(encoding="utf-8").splitlines()[1].lstrip("# ").split()
    assert command[:3] == ["uv", "pip", "compile"]
    assert {"pyproject.toml", "--generate-hashes"} <= set(command)
    assert command[command.index("-c") + 1] == "requirements/model.txt"
    version = re.match(r"python:(\d+\.\d+)\.", parser().baseimage)
    assert version is not None
    assert command[command.index("--python-version") + 1] == version[1]
    assert command[command.index("--python-platform") + 1].startswith("x86_64-")
    assert command[command.index("-o") + 1] == "requirements/image.lock"
    comments = [
        line.lstrip("# ").rstrip("\\ ")
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    assert " ".join(command) in " ".join(" ".join(comments).split())
