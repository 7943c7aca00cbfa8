"""Safe YAML reading that remembers the line of every value, for ``file:line`` errors.

PyYAML's ``safe_load`` forgets where values came from, so we compose the node tree ourselves.
Anchors and aliases are refused before composing: knowledge files never need them, and
refusing them makes "billion laughs" alias bombs impossible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (the wheels are): about ten times faster,
# which is most of the bot's start-up time.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ValueError):
    """The file is not readable YAML; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Plain Python data plus the line each value (by path) starts on."""

    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _refuse_aliases(text: str) -> None:
    for event in yaml.parse(text, Loader=_LOADER):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor:
            line = event.start_mark.line + 1 if event.start_mark else 1
            raise YamlFileError(line, "anchors and aliases (& and *) are not allowed")


def _to_python(node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlFileError(key_node.start_mark.line + 1, "keys must be plain text")
            key = _SCALARS.construct_object(key_node)
            if key in result:
                raise YamlFileError(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[str(key)] = _to_python(value_node, (*path, str(key)), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _SCALARS.construct_object(node, deep=True)


_SCALARS = yaml.SafeLoader("")


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document, keeping line numbers; raise ``YamlFileError`` when invalid."""
    try:
        _refuse_aliases(text)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlFileError(line, f"YAML syntax: {error.problem or error}") from error
    except yaml.YAMLError as error:
        raise YamlFileError(1, f"YAML syntax: {error}") from error
    lines: dict[Path, int] = {}
    if root is None:
        return YamlDocument(None, {(): 1})
    try:
        data = _to_python(root, (), lines)
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        raise YamlFileError(
            mark.line + 1 if mark else 1, f"YAML value: {error.problem}"
        ) from error
    return YamlDocument(data, lines)
