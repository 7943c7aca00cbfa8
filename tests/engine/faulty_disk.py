"""A file system that fails on request, for the knowledge-change fault tests.

``FaultyDisk`` wraps the ``os`` functions every write of a knowledge change goes through (open,
write, fsync, replace, rename, mkdir, unlink, rmdir), counts the operations on paths under one
folder, and fails them as the armed ``Fault`` says: a full disk from operation N on (creating,
writing and syncing fail; renames and removals still work, as on a real full disk), a
read-only folder (every change to it fails), a one-off I/O error at operation N, or a crash at
operation N (``SimulatedCrash``, a ``BaseException``: no ``except OSError`` clean-up runs, as
when the process is killed there).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FULL, READ_ONLY, IO_ERROR, CRASH = "full", "read_only", "io_error", "crash"
_CREATING = os.O_CREAT | os.O_WRONLY | os.O_RDWR | os.O_TRUNC


class SimulatedCrash(BaseException):
    """The process stopping at this operation (kill -9, power cut)."""


@dataclass(frozen=True)
class Fault:
    """What fails: ``kind`` in ``folder`` (None: anywhere), from or at operation ``at``."""

    kind: str
    at: int = 1
    folder: Path | None = None


class FaultyDisk:
    """The wrapped ``os`` functions; ``arm`` a fault, run a change, read ``operations``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
        self.root = root.resolve()
        self.operations: list[tuple[str, Path]] = []
        self.fault: Fault | None = None
        self.counting = False
        self._descriptors: dict[int, Path] = {}
        self._real: dict[str, Callable[..., Any]] = {
            name: getattr(os, name)
            for name in (
                "open",
                "write",
                "fsync",
                "close",
                "replace",
                "rename",
                "mkdir",
                "unlink",
                "rmdir",
            )
        }
        for name in self._real:
            monkeypatch.setattr(os, name, getattr(self, f"_{name}"))

    def arm(self, fault: Fault | None) -> None:
        """Count operations from now on, failing them as ``fault`` says."""
        self.operations = []
        self.fault = fault
        self.counting = True

    def disarm(self) -> None:
        """Stop counting and failing."""
        self.counting = False
        self.fault = None

    # --- the wrapped functions --------------------------------------------------------------

    def _open(self, path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        target = self._under_root(path)
        if target is not None:
            self._operation("create" if flags & _CREATING else "open", target)
        descriptor = int(self._real["open"](path, flags, mode, **kw))
        if target is not None:
            self._descriptors[descriptor] = target
        return descriptor

    def _write(self, descriptor: int, data: Any) -> int:
        if descriptor in self._descriptors:
            self._operation("write", self._descriptors[descriptor])
        return int(self._real["write"](descriptor, data))

    def _fsync(self, descriptor: int) -> None:
        if descriptor in self._descriptors:
            self._operation("fsync", self._descriptors[descriptor])
        self._real["fsync"](descriptor)

    def _close(self, descriptor: int) -> None:
        self._descriptors.pop(descriptor, None)
        self._real["close"](descriptor)

    def _replace(self, source: Any, target: Any, **kw: Any) -> None:
        self._path_operation("replace", target)
        self._real["replace"](source, target, **kw)

    def _rename(self, source: Any, target: Any, **kw: Any) -> None:
        self._path_operation("rename", target)
        self._real["rename"](source, target, **kw)

    def _mkdir(self, path: Any, mode: int = 0o777, **kw: Any) -> None:
        self._path_operation("mkdir", path)
        self._real["mkdir"](path, mode, **kw)

    def _unlink(self, path: Any, **kw: Any) -> None:
        self._path_operation("unlink", path)
        self._real["unlink"](path, **kw)

    def _rmdir(self, path: Any, **kw: Any) -> None:
        self._path_operation("rmdir", path)
        self._real["rmdir"](path, **kw)

    # --- counting and failing ---------------------------------------------------------------

    def _under_root(self, path: Any) -> Path | None:
        if not self.counting or isinstance(path, int):
            return None
        target = Path(os.fsdecode(path)).absolute()
        return target if target.is_relative_to(self.root) else None

    def _path_operation(self, name: str, path: Any) -> None:
        target = self._under_root(path)
        if target is not None:
            self._operation(name, target)

    def _operation(self, name: str, path: Path) -> None:
        self.operations.append((name, path))
        number = len(self.operations)
        fault = self.fault
        if fault is None or (fault.folder is not None and not path.is_relative_to(fault.folder)):
            return
        if fault.kind == CRASH and number == fault.at:
            raise SimulatedCrash(f"crashed at operation {number}: {name} {path}")
        if fault.kind == IO_ERROR and number == fault.at:
            raise OSError(errno.EIO, "Input/output error", str(path))
        if fault.kind == FULL and number >= fault.at and name in ("create", "write", "fsync"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        if fault.kind == FULL and number >= fault.at and name == "mkdir":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        if fault.kind == READ_ONLY and name not in ("open", "fsync"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
