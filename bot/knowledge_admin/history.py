"""The history folder: a snapshot of every knowledge version made live (its files; who, when,
how), read by ``/history`` and ``/rollback``, and the completion of a change a crash
interrupted.

Each snapshot is a folder named by its time and version, written under a temporary name and
renamed into place once complete. While live files are replaced, ``pending.json`` names the
snapshot they are replaced with, so ``finish_interrupted_change`` can complete the change.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.knowledge import EDITABLE_FILES
from bot.knowledge_admin.durable import (
    discard,
    discard_folder,
    fsync_folder,
    replace_files,
    sync_quietly,
    temporary_of,
    write_new,
)
from bot.knowledge_admin.errors import StorageError
from bot.knowledge_admin.live import read_files

logger = logging.getLogger(__name__)

VERSION_DIR = re.compile(r"^\d{8}T\d{6}\d*Z-[0-9a-f]{12}$")
META_FILE = "meta.json"
# In the history folder while live files are replaced: the snapshot they are replaced with.
PENDING_FILE = "pending.json"
# A snapshot is written under this prefix and renamed into place once complete.
INCOMING_PREFIX = ".incoming-"


@dataclass(frozen=True, slots=True)
class HistoryVersion:
    """A version kept in the history folder."""

    version: str
    applied_at: str
    applied_by: str
    action: str
    # The version /rollback restores from this one (repeated rollbacks go further back).
    previous: str | None
    path: Path
    # The version that was live before this one (what /history shows as "was").
    replaced: str | None = None
    # False for snapshots written before the question log copied the history (already there).
    copied_to_log: bool = True


def read_snapshot(folder: Path) -> dict[str, bytes]:
    """The knowledge files a snapshot holds."""
    return {
        name: (folder / name).read_bytes() for name in EDITABLE_FILES if (folder / name).exists()
    }


def finish_interrupted_change(directory: Path, history: Path) -> str | None:
    """Complete a change a crash interrupted, and remove what it left half-written.

    Run before the knowledge is loaded at start (and before every change). A snapshot named by
    the pending marker is complete: its files are written into the live folder. Returns the
    version it made live, if any.
    """
    # Run at every look at the folder: only what is there is touched.
    for leftover in [temporary_of(directory / file) for file in EDITABLE_FILES]:
        if leftover.exists():
            discard(leftover)
    if not history.is_dir():
        return None
    for entry in history.iterdir():
        if entry.name.startswith(INCOMING_PREFIX):
            discard_folder(entry)
        elif entry.name == temporary_of(history / PENDING_FILE).name:
            discard(entry)
    pending = history / PENDING_FILE
    if not pending.exists():
        return None
    name: object = None
    try:
        name = json.loads(pending.read_text(encoding="utf-8"))["folder"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.error("unreadable %s (%s): removed", pending, error)
    folder = history / name if isinstance(name, str) and VERSION_DIR.match(name) else None
    newest = max(
        (entry.name for entry in history.iterdir() if VERSION_DIR.match(entry.name)), default=""
    )
    version = None
    # Only the newest snapshot can be the one interrupted: a marker naming an older one is
    # left over from a change that completed (its removal failed), and is just removed.
    if folder is not None and folder.name == newest and (folder / META_FILE).exists():
        files = read_snapshot(folder)
        on_disk = read_files(directory)
        changed = {n: content for n, content in files.items() if on_disk.get(n) != content}
        replace_files(directory, changed, on_disk)
        version = json.loads((folder / META_FILE).read_text(encoding="utf-8"))["version"]
        logger.warning("finished the interrupted change to knowledge version %s", version)
    os.unlink(pending)
    sync_quietly(history)
    return version if isinstance(version, str) else None


def read_versions(history: Path) -> list[HistoryVersion]:
    """Versions in the history folder, newest first."""
    if not history.exists():
        return []
    found = []
    for folder in history.iterdir():
        meta_path = folder / META_FILE
        if not (VERSION_DIR.match(folder.name) and meta_path.exists()):
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            logger.warning("skipped the unreadable snapshot %s: %s", folder, error)
            continue
        found.append(
            HistoryVersion(
                meta["version"],
                meta["applied_at"],
                meta["applied_by"],
                meta["action"],
                meta.get("previous"),
                folder,
                meta.get("replaced", meta.get("previous")),
                copied_to_log="replaced" in meta,
            )
        )
    found.sort(key=lambda v: v.path.name, reverse=True)
    return found


def folder_name(version: str, after: HistoryVersion | None) -> str:
    """A new snapshot's folder name: its time, so that names sort as versions were made."""
    moment = datetime.now(UTC)
    while True:
        name = f"{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{version}"
        if after is None or name > after.path.name:
            return name
        moment += timedelta(microseconds=1)


def write_snapshot(
    history: Path,
    files: Mapping[str, bytes],
    version: str,
    actor: str,
    action: str,
    *,
    previous: str | None,
    replaced: str | None,
    applied_at: datetime | None = None,
    name: str | None = None,
    after: HistoryVersion | None = None,
) -> HistoryVersion:
    """Write a complete snapshot folder: in a temporary folder, then renamed into place."""
    name = name or folder_name(version, after)
    incoming = history / f"{INCOMING_PREFIX}{name}"
    folder = history / name
    moment = applied_at or datetime.now(UTC)
    applied = moment.isoformat(timespec="seconds")
    meta = {
        "version": version,
        "applied_at": applied,
        "applied_by": actor,
        "action": action,
        "previous": previous,
        "replaced": replaced,
    }
    try:
        history.mkdir(parents=True, exist_ok=True)
        os.mkdir(incoming)
        for file in EDITABLE_FILES:
            if file in files:
                write_new(incoming / file, files[file])
        write_new(incoming / META_FILE, json.dumps(meta, ensure_ascii=False).encode())
        fsync_folder(incoming)
        os.rename(incoming, folder)
        fsync_folder(history)
    except OSError as error:
        discard_folder(incoming)
        if folder.exists():
            discard_folder(folder)
        raise StorageError(history, error) from error
    return HistoryVersion(version, applied, actor, action, previous, folder, replaced)
