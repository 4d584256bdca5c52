"""Reading the data files services and the simulator ship (YAML with their sources).

Adapters read files; domains never do. This is the one helper they use, so a missing or malformed
file always fails the same way: naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml


class DataFileError(ValueError):
    """A data file is missing or is not the YAML it should be."""


def read_yaml(path: Path) -> Any:
    """The parsed contents of a YAML file."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path} is not valid YAML: {exc}") from exc


def yaml_line(text: str, loc: Sequence[int | str]) -> int | None:
    """The 1-based line in YAML ``text`` of the value at ``loc`` (keys and list indexes).

    Follows ``loc`` as deep as the document goes and gives that node's line, so an error about
    a missing field points at the mapping it is missing from. None when the text does not parse.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(key):
                    child = v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            child = node.value[key]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
