"""Reading a knowledge file's records, every problem located as ``file:line: field``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.engine.knowledge_model import ID_PATTERN, MAX_FILE_BYTES, Problem
from bot.engine.yamlfile import YamlDocument, YamlFileError, parse_yaml


class RecordReader:
    """Collects problems while reading one file's records."""

    def __init__(self, file: str, doc: YamlDocument, problems: list[Problem]) -> None:
        self.file = file
        self.doc = doc
        self.problems = problems

    def problem(self, path: tuple[str | int, ...], label: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.doc.line_of(path), label, message))

    def records(
        self, value: Any, path: tuple[str | int, ...], label: str
    ) -> list[tuple[int, dict[str, Any]]]:
        if not isinstance(value, list):
            self.problem(path, label, f"expected a list, got {type_name(value)}")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                result.append((index, item))
            else:
                self.problem((*path, index), f"{label}[{index}]", "expected a mapping")
        return result

    def check_keys(
        self,
        record: dict[str, Any],
        path: tuple[str | int, ...],
        label: str,
        allowed: Iterable[str],
    ) -> None:
        allowed = set(allowed)
        for key in record:
            if key not in allowed:
                self.problem((*path, key), f"{label}.{key}", "unknown field")

    def text(
        self,
        record: dict[str, Any],
        key: str,
        path: tuple[str | int, ...],
        label: str,
        *,
        required: bool = True,
    ) -> str:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(path, f"{label}.{key}", "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem((*path, key), f"{label}.{key}", f"expected text, got {type_name(value)}")
            return ""
        text = str(value).strip()
        if required and not text:
            self.problem((*path, key), f"{label}.{key}", "empty")
        return text

    def texts(
        self,
        record: dict[str, Any],
        key: str,
        path: tuple[str | int, ...],
        label: str,
        *,
        required: bool = True,
    ) -> tuple[str, ...]:
        value = record.get(key)
        if value is None:
            if required:
                self.problem(path, f"{label}.{key}", "missing")
            return ()
        if not isinstance(value, list):
            self.problem(
                (*path, key), f"{label}.{key}", f"expected a list, got {type_name(value)}"
            )
            return ()
        result = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.problem((*path, key, index), f"{label}.{key}[{index}]", "expected text")
            elif not str(item).strip():
                self.problem((*path, key, index), f"{label}.{key}[{index}]", "empty")
            else:
                result.append(str(item).strip())
        if required and not result and not any(True for _ in value):
            self.problem((*path, key), f"{label}.{key}", "empty list")
        return tuple(result)

    def mapping(
        self, record: dict[str, Any], key: str, path: tuple[str | int, ...], label: str
    ) -> dict[str, Any]:
        value = record.get(key)
        if value is None:
            self.problem(path, f"{label}.{key}", "missing")
            return {}
        if not isinstance(value, dict):
            self.problem(
                (*path, key), f"{label}.{key}", f"expected a mapping, got {type_name(value)}"
            )
            return {}
        return value

    def record_id(
        self, record: dict[str, Any], path: tuple[str | int, ...], label: str, seen: set[str]
    ) -> str:
        ident = self.text(record, "id", path, label)
        if not ident:
            return ""
        if not ID_PATTERN.match(ident):
            self.problem((*path, "id"), f"{ident}.id", "use lower-case letters, digits and dashes")
        if ident in seen:
            self.problem((*path, "id"), f"{ident}.id", "duplicate id")
            return ""  # the first record with this id stays the one referred to
        seen.add(ident)
        return ident


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def parse_document(name: str, raw: bytes, problems: list[Problem]) -> YamlDocument | None:
    """Parse one knowledge file's bytes (from disk or an upload)."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(
            Problem(name, 1, "file", f"too large ({len(raw)} bytes, limit {MAX_FILE_BYTES})")
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append(Problem(name, line, "file", "not UTF-8 text"))
        return None
    try:
        return parse_yaml(text)
    except YamlFileError as error:
        problems.append(Problem(name, error.line, "file", error.message))
        return None
