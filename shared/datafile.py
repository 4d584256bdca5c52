"""Reading the data files services and the simulator ship (YAML with their sources).

Adapters read files; domains never do. This is the one helper they use, so a missing or malformed
file always fails the same way: naming the file.
"""

from __future__ import annotations

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
