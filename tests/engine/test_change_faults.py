"""Knowledge changes are all-or-nothing, with faults injected at every write they make.

Each change — the first upload, a later upload, a rollback, a reload of an edit on disk — is run
once without faults to count its file operations, then once per operation with the disk failing
there: full from that operation on (the history's disk or the knowledge's), read-only, a one-off
I/O error, or a crash. After a refused change nothing live has changed and nothing is left
behind; after a crash, a restart finds the old or the new version live, complete and recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine.answers import Language
from bot.engine.knowledge import EDITABLE_FILES
from bot.engine.pipeline import Engine
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.errors import ChangeError, StorageError
from bot.knowledge_admin.history import (
    META_FILE,
    PENDING_FILE,
    HistoryVersion,
    finish_interrupted_change,
)
from bot.knowledge_admin.live import LiveEngine, read_files
from tests.engine.conftest import FAQ, REPO, write_knowledge
from tests.engine.faulty_disk import (
    CRASH,
    FULL,
    IO_ERROR,
    READ_ONLY,
    Fault,
    FaultyDisk,
    SimulatedCrash,
)

FAQ_B = FAQ.replace("重庆华韶智算中心投资65亿元。", "B：重庆华韶智算中心投资65亿元。")
FAQ_C = FAQ.replace("重庆华韶智算中心投资65亿元。", "C：重庆华韶智算中心投资65亿元。")
FAQ_D = FAQ.replace("重庆华韶智算中心投资65亿元。", "D：重庆华韶智算中心投资65亿元。")
EXPECTED_KIND = {FULL: "full", READ_ONLY: "read_only", IO_ERROR: "failed"}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under ``folder``, by relative path."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


@dataclass
class World:
    """Live knowledge and its history, restored to one state before each injected run."""

    knowledge: Path
    history: Path
    engine: Engine
    files: dict[str, bytes]
    knowledge_tree: dict[str, bytes | None]
    history_tree: dict[str, bytes | None]

    def reset(self) -> KnowledgeEditor:
        """The folders as they were, and an editor over them with the same live version."""
        for folder, saved in (
            (self.knowledge, self.knowledge_tree),
            (self.history, self.history_tree),
        ):
            shutil.rmtree(folder, ignore_errors=True)
            if saved or folder == self.knowledge:
                folder.mkdir(parents=True)
            for name, content in saved.items():
                if content is None:
                    (folder / name).mkdir(parents=True, exist_ok=True)
                else:
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    (folder / name).write_bytes(content)
        return KnowledgeEditor(LiveEngine(self.engine, self.files), self.history, max_bytes=10**6)


@dataclass
class Change:
    """A change to inject faults into: how to make it, and the versions before and after."""

    name: str
    world: World
    run: Callable[[KnowledgeEditor], HistoryVersion]
    before: str
    after: str
    after_files: dict[str, bytes]
    # Before the first change the live version is not recorded yet.
    first: bool = False
    # An edit on disk is the admin's already: after a crash it is what loads.
    from_disk: bool = False


def world_at(root: Path, *, apply_b: bool) -> tuple[World, KnowledgeEditor]:
    """The small knowledge (version A), with upload B applied when ``apply_b``."""
    knowledge = write_knowledge(root / "knowledge")
    history = root / "history"
    live = LiveEngine.load(knowledge)
    editor = KnowledgeEditor(live, history, max_bytes=10**6)
    if apply_b:
        editor.apply(editor.propose("faq.yaml", FAQ_B.encode()), "Ada")
    world = World(knowledge, history, live.current, live.files, tree(knowledge), tree(history))
    return world, editor


def make_change(name: str, root: Path) -> Change:
    """One of the four changes, set up under ``root``."""
    world, editor = world_at(root, apply_b=name != "first apply")
    before = editor.live.current.version
    if name in ("first apply", "apply"):
        proposal = editor.propose("faq.yaml", (FAQ_B if name == "first apply" else FAQ_C).encode())
        files = {**world.files, "faq.yaml": proposal.content}
        return Change(
            name,
            world,
            lambda e: e.apply(proposal, "Bo"),
            before,
            proposal.new_version,
            files,
            first=name == "first apply",
        )
    if name == "rollback":
        a = editor.versions()[-1]
        files = {**world.files, "faq.yaml": (a.path / "faq.yaml").read_bytes()}
        return Change(name, world, lambda e: e.rollback("Bo"), before, a.version, files)

    # A reload: the disk edit is made after each reset, before the fault is armed.
    def reload(e: KnowledgeEditor) -> HistoryVersion:
        result = e.sync()
        if result.failure is not None:
            raise result.failure
        assert result.changed, result
        return e.versions()[0]

    (world.knowledge / "faq.yaml").write_text(FAQ_D, encoding="utf-8")
    files = read_files(world.knowledge)
    after = LiveEngine.load(world.knowledge).current.version
    (world.knowledge / "faq.yaml").write_text(FAQ_B, encoding="utf-8")
    return Change(name, world, reload, before, after, files, from_disk=True)


def prepare(change: Change) -> KnowledgeEditor:
    editor = change.world.reset()
    if change.from_disk:
        (change.world.knowledge / "faq.yaml").write_bytes(change.after_files["faq.yaml"])
    return editor


def leftovers(change: Change) -> list[str]:
    """Temporary files and folders a change must never leave behind."""
    found = [n for n in tree(change.world.knowledge) if n.startswith(".")]
    found += [
        n
        for n in tree(change.world.history)
        if n.startswith(".")
        or n.endswith(".tmp")
        or ("/" in n and n.split("/")[1].startswith("."))
    ]
    return found


def check_unchanged(
    change: Change, editor: KnowledgeEditor, error: StorageError, kind: str
) -> None:
    """A refused change: the reason given, the live version and files as before, no trace."""
    assert error.kind == EXPECTED_KIND[kind], error
    assert str(error.folder) in error.message
    assert editor.live.current.version == change.before
    assert editor.live.files == change.world.files
    expected_knowledge = tree(change.world.knowledge)
    if change.from_disk:
        # The admin's edit stays on disk, waiting for a disk that can record it.
        assert read_files(change.world.knowledge) == change.after_files
    else:
        assert expected_knowledge == change.world.knowledge_tree
    added = [
        (v.version, v.action)
        for v in editor.versions()
        if not (change.world.history / v.path.name).exists()
        or v.path.name not in change.world.history_tree
    ]
    # Only the first change may leave a record: of the live version as it was loaded.
    assert added in ([], [(change.before, "loaded at start")] if change.first else [])
    assert PENDING_FILE not in tree(change.world.history)
    assert leftovers(change) == []


def check_done(change: Change, editor: KnowledgeEditor) -> None:
    """A change that went through despite a fault: new version live, on disk and recorded."""
    assert editor.live.current.version == change.after
    assert read_files(change.world.knowledge) == change.after_files
    newest = editor.versions()[0]
    assert newest.version == change.after
    for name in EDITABLE_FILES:
        assert (newest.path / name).read_bytes() == change.after_files[name]
    pending = change.world.history / PENDING_FILE
    if pending.exists():  # kept when the live folder could not be synced: names this snapshot
        assert json.loads(pending.read_text(encoding="utf-8")) == {"folder": newest.path.name}
    assert leftovers(change) == []


def restart(change: Change) -> str:
    """After a crash: start again as the bot does, and check what it finds. Returns old/new."""
    world = change.world
    finish_interrupted_change(world.knowledge, world.history)
    live = LiveEngine.load(world.knowledge)
    editor = KnowledgeEditor(live, world.history, max_bytes=10**6)
    version = live.current.version
    assert version in (change.before, change.after)
    assert leftovers(change) == []
    assert PENDING_FILE not in tree(world.history)
    versions = editor.versions()
    if versions and versions[0].version == version:
        for name in EDITABLE_FILES:  # recorded complete: the snapshot is what is live
            assert (versions[0].path / name).read_bytes() == live.files[name]
    elif change.from_disk:
        assert version == change.after  # the admin's edit loads, recorded with the next change
    else:
        assert change.first
        assert versions == []
        assert version == change.before
    if change.name == "apply" and version == change.after:
        assert editor.rollback("Cy").version == change.before  # and the history can undo it
    return "new" if version == change.after else "old"


def inject(change: Change, disk: FaultyDisk, fault: Fault) -> str:
    """Run ``change`` with ``fault``; check and name the outcome."""
    editor = prepare(change)
    disk.arm(fault)
    try:
        change.run(editor)
    except StorageError as error:
        disk.disarm()
        check_unchanged(change, editor, error, fault.kind)
        return "refused"
    except SimulatedCrash:
        disk.disarm()
        return f"crash, {restart(change)} live"
    disk.disarm()
    check_done(change, editor)
    return "done"


CHANGES = ("first apply", "apply", "rollback", "reload")


@pytest.mark.parametrize("name", CHANGES)
def test_faults_at_every_operation_leave_old_or_new_whole(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full, read-only, failing or crashing at each write: refused cleanly or old/new whole."""
    change = make_change(name, tmp_path)
    disk = FaultyDisk(monkeypatch, tmp_path)
    editor = prepare(change)
    disk.arm(None)
    change.run(editor)
    disk.disarm()
    check_done(change, editor)
    count = len(disk.operations)
    assert (
        count >= 15
    )  # the snapshot (files, meta), the marker, the live file: each written, synced, renamed

    knowledge, history = change.world.knowledge.resolve(), change.world.history.resolve()
    faults = [Fault(READ_ONLY, folder=history), Fault(READ_ONLY, folder=knowledge)]
    for at in range(1, count + 1):
        faults += [
            Fault(FULL, at, history),
            Fault(FULL, at, knowledge),
            Fault(IO_ERROR, at),
            Fault(CRASH, at),
        ]
    outcomes = Counter((fault.kind, inject(change, disk, fault)) for fault in faults)
    # A disk that cannot hold the history refuses every change: nothing goes live unrecorded.
    assert outcomes[(READ_ONLY, "refused")] >= 1
    assert outcomes[(FULL, "refused")] >= count
    crashes = {o for k, o in outcomes if k == CRASH}
    # An edit on disk is there before the reload starts: after a crash it is what loads.
    assert crashes == (
        {"crash, new live"} if change.from_disk else {"crash, old live", "crash, new live"}
    )
    assert sum(outcomes.values()) == len(faults)


def test_full_history_disk_tells_the_admin_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An apply on a full history disk is refused as "the disk is full"; nothing is live."""
    change = make_change("apply", tmp_path)
    disk = FaultyDisk(monkeypatch, tmp_path)
    editor = prepare(change)
    disk.arm(Fault(FULL, 1, change.world.history.resolve()))
    with pytest.raises(StorageError) as refused:
        change.run(editor)
    disk.disarm()
    assert refused.value.message.startswith("the disk is full (")
    assert refused.value.kind == "full"
    check_unchanged(change, editor, refused.value, FULL)
    # Once there is room, the same upload applies.
    assert change.run(editor).version == change.after


def test_crash_after_the_snapshot_before_the_live_write_is_completed_at_start(
    tmp_path: Path,
) -> None:
    """A real kill -9 between recording the new version and writing it: the next start
    completes the change, so the live version is the one the history says."""
    world, editor = world_at(tmp_path, apply_b=True)
    before = editor.live.current.version
    script = f"""
import os, sys
sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.live import LiveEngine
live = LiveEngine.load(Path({str(world.knowledge)!r}))
editor = KnowledgeEditor(live, Path({str(world.history)!r}), max_bytes=10**6)
proposal = editor.propose("faq.yaml", Path({str(tmp_path / "faq_c.yaml")!r}).read_bytes())
real_replace = os.replace
def replace(source, target, **kw):
    if Path(target).name == "faq.yaml":
        os.kill(os.getpid(), 9)  # recorded in the history, not yet live
    real_replace(source, target, **kw)
os.replace = replace
editor.apply(proposal, "Bo")
"""
    (tmp_path / "faq_c.yaml").write_text(FAQ_C, encoding="utf-8")
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert child.returncode == -9, child.stderr.decode()
    assert (world.knowledge / "faq.yaml").read_text(encoding="utf-8") == FAQ_B  # not yet live
    assert (world.knowledge / ".faq.yaml.tmp").exists()
    assert (world.history / PENDING_FILE).exists()

    finished = finish_interrupted_change(world.knowledge, world.history)
    live = LiveEngine.load(world.knowledge)
    restarted = KnowledgeEditor(live, world.history, max_bytes=10**6)
    assert finished == live.current.version != before
    assert (world.knowledge / "faq.yaml").read_text(encoding="utf-8") == FAQ_C
    assert restarted.versions()[0].version == live.current.version
    assert [p.name for p in world.knowledge.iterdir() if p.name.startswith(".")] == []
    assert not (world.history / PENDING_FILE).exists()
    assert restarted.rollback("Cy").version == before


def test_a_failed_rename_puts_the_replaced_files_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rollback replacing two files whose second rename fails puts the first one back."""
    world, editor = world_at(tmp_path, apply_b=True)
    facts = (world.knowledge / "facts.yaml").read_text(encoding="utf-8")
    (world.knowledge / "faq.yaml").write_text(FAQ_D, encoding="utf-8")
    (world.knowledge / "facts.yaml").write_text(
        facts.replace("kind: fact", "kind: achieved"), encoding="utf-8"
    )
    assert editor.sync().changed  # both files edited on the server: one version
    version, on_disk, history = (
        editor.live.current.version,
        tree(world.knowledge),
        tree(world.history),
    )
    renames = []
    real_replace = os.replace

    def replace(source: str, target: str, **kw: object) -> None:
        if Path(target).parent == world.knowledge:
            renames.append(Path(target).name)
            if len(renames) == 2:
                raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(StorageError) as refused:
        editor.rollback("Bo")
    assert refused.value.kind == "failed"
    assert renames[:2] == ["facts.yaml", "faq.yaml"]  # facts.yaml was replaced, then restored
    assert tree(world.knowledge) == on_disk
    assert tree(world.history) == history
    assert editor.live.current.version == version
    monkeypatch.setattr(os, "replace", real_replace)
    assert editor.rollback("Bo").version != version  # and it works once the disk does


def test_refusal_is_a_change_error_with_plain_words() -> None:
    """A storage refusal is a ChangeError, so every caller shows it like any refusal."""
    error = StorageError(Path("/data/knowledge-history"), OSError(28, "No space left on device"))
    assert isinstance(error, ChangeError)
    assert (error.reason, error.values["folder"]) == ("storage_full", "/data/knowledge-history")
    assert error.message == (
        "the disk is full (/data/knowledge-history). Free some space and try again."
    )
    assert error.reason_in(Language.SIMPLIFIED) == (
        "磁盘已满（/data/knowledge-history）。请腾出空间后再试。"
    )
    assert StorageError(Path("/x"), OSError(30, "Read-only file system")).kind == "read_only"


def test_snapshot_meta_names_who_when_how(tmp_path: Path) -> None:
    """Each snapshot's meta.json says the version, who, when, how and what it replaced."""
    _, editor = world_at(tmp_path, apply_b=True)
    newest = editor.versions()[0]
    meta = json.loads((newest.path / META_FILE).read_text(encoding="utf-8"))
    assert set(meta) == {"version", "applied_at", "applied_by", "action", "previous", "replaced"}
    assert (meta["applied_by"], meta["action"]) == ("Ada", "apply faq.yaml")
    assert meta["replaced"] == meta["previous"] == editor.versions()[1].version
