"""``dexsim new-sector NAME``: a working sector in the three places a sector lives.

It writes, from the templates in ``dexsim/templates/sector/``:

* ``services/<module>/``: the manifest, a pure domain with one siloed and one fused rule, the
  agent, the API (ingestion, load profile, a query), the rules file, a README and tests;
* ``shared/contracts/<module>.py``: the sector's events, topics and ``SECTOR``;
* ``services/simulator/sectors/<module>.py``: the sector's world (one exposure per city, one
  observation, one impact the sector's action mitigates);

then regenerates the derived files (``dexsim docs``). Nothing else is edited: the registries
discover the new modules. ``NAME`` is the sector's name in topics (``demo-sector``); the Python
module and the service are its snake_case form (``demo_sector``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from shared.settings import PROJECT_ROOT

TEMPLATES = Path(__file__).resolve().parent / "templates" / "sector"

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: Dashboard colours for new sectors, in the order they are handed out (unused ones first).
PALETTE = (
    "#f5a623", "#50e3c2", "#e86bb0", "#9bd15c", "#f76b1c", "#4a90e2", "#c9a0ff", "#ffd166",
    "#06d6a0", "#ef476f", "#8ecae6", "#b5838d",
)  # fmt: skip


class ScaffoldError(ValueError):
    """The sector cannot be scaffolded as asked (a bad name, or it exists already)."""


@dataclass(frozen=True)
class Sector:
    """The names a new sector goes by."""

    sector: str
    label_zh: str
    label_en: str
    port: int
    colour: str

    @property
    def module(self) -> str:
        """The Python module, the service folder and the service's name: ``demo_sector``."""
        return self.sector.replace("-", "_")

    @property
    def cls(self) -> str:
        """The class-name prefix: ``DemoSector``."""
        return "".join(p.capitalize() for p in self.sector.split("-"))

    @property
    def const(self) -> str:
        """The constant prefix and env-var infix: ``DEMO_SECTOR``."""
        return self.module.upper()

    def values(self) -> dict[str, str]:
        """The template's placeholders."""
        return {
            "sector": self.sector,
            "module": self.module,
            "Class": self.cls,
            "CONST": self.const,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "port": str(self.port),
            "colour": self.colour,
        }


def plan(name: str, *, label_zh: str, label_en: str, root: Path = PROJECT_ROOT) -> Sector:
    """Check the name and pick a free port and colour; raise ``ScaffoldError`` when it cannot."""
    from dexsim.registry import services
    from shared.contracts.topics import SECTORS

    for label in (label_zh, label_en):
        if len(label) > 40 or '"' in label or "\\" in label:
            raise ScaffoldError(f"label {label!r}: at most 40 characters, no quotes or backslashes")
    if not _NAME.match(name) or len(name) > 32:
        raise ScaffoldError(
            f"{name!r} is not a sector name: lower-case letters and digits, words joined by '-' "
            "(for example demo-sector), at most 32 characters"
        )
    module = name.replace("-", "_")
    if name in SECTORS or (root / "services" / module).exists():
        raise ScaffoldError(f"sector {name!r} exists already (services/{module}/)")
    for path in (root / "shared" / "contracts" / f"{module}.py",):
        if path.exists():
            raise ScaffoldError(f"{path.relative_to(root)} exists already")
    ports = [e.base_port for e in services()]
    port = max((p for p in ports if 8100 <= p < 8200), default=8100) + 1
    used = {s.colour for s in SECTORS.values()}
    colour = next((c for c in PALETTE if c not in used), PALETTE[len(SECTORS) % len(PALETTE)])
    return Sector(name, label_zh or name, label_en or name.replace("-", " "), port, colour)


def files(sector: Sector, root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every file the scaffold writes, with its content."""
    out: dict[Path, str] = {}
    values = sector.values()
    targets = {
        "contracts.py.tmpl": root / "shared" / "contracts" / f"{sector.module}.py",
        "plugin.py.tmpl": root / "services" / "simulator" / "sectors" / f"{sector.module}.py",
    }
    for name, target in targets.items():
        out[target] = Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)
    service_root = TEMPLATES / "service"
    for template in sorted(service_root.rglob("*.tmpl")):
        rel = template.relative_to(service_root).with_suffix("")
        target = root / "services" / sector.module / rel
        out[target] = Template(template.read_text(encoding="utf-8")).substitute(values)
    return out


def write(sector: Sector, root: Path = PROJECT_ROOT) -> list[Path]:
    """Write the sector's files; return them (nothing is overwritten)."""
    planned = files(sector, root)
    clash = [p for p in planned if p.exists()]
    if clash:
        raise ScaffoldError(f"would overwrite {', '.join(str(p) for p in clash)}")
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(planned)
