"""The layout's boundaries, checked on the code's imports and calls (not on its comments).

* ``shared/`` is a library: it imports neither ``services`` nor ``dexsim``;
* no service imports another (the simulator's sector plug-ins import contracts, world data and
  the simulator's own domain only), and no service imports ``dexsim``;
* a ``domain/`` package (and a simulator plug-in) does no I/O: it imports no I/O library and
  opens no file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import PROJECT_ROOT

#: Libraries a pure domain never imports (files, the network, processes, frameworks, parsers).
IO_MODULES = frozenset(
    {
        "aiokafka", "asyncio", "csv", "faust", "fastapi", "glob", "httpx", "io", "json",
        "mode", "os", "pathlib", "pickle", "requests", "shutil", "socket", "sqlite3",
        "subprocess", "tempfile", "urllib", "uvicorn", "yaml", "shared.datafile",
        "shared.kafka", "shared.runtime", "shared.settings",
    }
)  # fmt: skip
#: Functions that read or write files, and methods of paths that do (``ledger.open()`` is no I/O).
IO_FUNCTIONS = frozenset({"open", "load_world", "read_yaml"})
IO_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "load_world"})


def _py(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".venv" not in p.parts)


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module ``path`` imports (absolute names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def io_calls(path: Path) -> Iterator[tuple[int, str]]:
    """Every call in ``path`` that does file I/O: ``open(...)``, ``p.read_text()`` and the like."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in IO_FUNCTIONS:
                yield node.lineno, f.id
            elif isinstance(f, ast.Attribute) and f.attr in IO_METHODS:
                yield node.lineno, f.attr


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _rel(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def test_the_library_imports_no_service_and_no_operator_code() -> None:
    found = [
        f"{_rel(p)}:{line} imports {m}"
        for p in _py(PROJECT_ROOT / "shared")
        for line, m in imports(p)
        if _under(m, "services") or _under(m, "dexsim")
    ]
    assert found == []


def _service_of(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT / "services").parts[0]


def test_no_service_imports_another_service_or_the_operator() -> None:
    found = []
    for p in _py(PROJECT_ROOT / "services"):
        own = _service_of(p)
        for line, m in imports(p):
            other = m.split(".")[1] if _under(m, "services") and m.count(".") >= 1 else own
            if other != own or _under(m, "dexsim"):
                found.append(f"{_rel(p)}:{line} imports {m}")
    assert found == []


def test_simulator_plug_ins_import_contracts_world_data_and_the_simulator_domain_only() -> None:
    allowed = ("shared.contracts", "shared.world", "services.simulator.domain")
    found = []
    for p in _py(PROJECT_ROOT / "services" / "simulator" / "sectors"):
        for line, m in imports(p):
            if m.split(".")[0] in ("shared", "services") and not any(_under(m, a) for a in allowed):
                found.append(f"{_rel(p)}:{line} imports {m}")
    assert found == []


def _pure_modules() -> list[Path]:
    roots = [d for d in (PROJECT_ROOT / "services").glob("*/domain") if d.is_dir()]
    roots.append(PROJECT_ROOT / "services" / "simulator" / "sectors")
    return [p for r in roots for p in _py(r)]


def test_there_are_domain_modules_to_check() -> None:
    services = {_service_of(p) for p in _pure_modules()}
    assert {"weather", "agriculture", "transport", "emergency", "referee", "simulator"} <= services


@pytest.mark.parametrize("path", _pure_modules(), ids=_rel)
def test_a_domain_module_does_no_io(path: Path) -> None:
    found = [
        f"line {line}: imports {m}"
        for line, m in imports(path)
        if m in IO_MODULES or any(_under(m, io) for io in IO_MODULES)
    ]
    found += [f"line {line}: calls {name}()" for line, name in io_calls(path)]
    assert found == [], f"{_rel(path)} is not pure"


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """A control: a module that opens a file and imports yaml is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import yaml\nfrom services.other import x\n\n"
        "def f(p, ledger):\n    ledger.open()\n    p.read_text()\n    return open('x')\n"
    )
    assert "yaml" in {m for _, m in imports(bad)}
    assert sorted(name for _, name in io_calls(bad)) == ["open", "read_text"]
    assert any(_under(m, "services") for _, m in imports(bad))
