"""The CMA signal catalogue: criteria, CAP mapping and texts, validated from their data.

The service's adapter reads ``services/weather/data/cma_signals.yaml`` and ``areas.yaml`` once
(``services/weather/service.py``) and hands the parsed data in; nothing here reads a file.
"""

from __future__ import annotations

import string
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.weather import Colour, SignalType

Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
ResponseType = Literal[
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"
]
Category = Literal[
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
]

#: Placeholders the text templates may use; anything else is a typo caught at load time.
TEMPLATE_FIELDS = frozenset(
    {"sender", "area", "event", "colour", "previous_colour", "criterion", "onset"}
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class LevelBase(_Frozen):
    """What every colour level carries besides its criterion."""

    colour: Colour
    lead_h: int = Field(ge=0, le=240, description="How far ahead a forecast may trigger it")
    criterion: Text
    instruction: Text
    response_type: ResponseType | None = None


class AccumulationLevel(LevelBase):
    """At least ``amount_mm`` summed over the last ``window_h`` hours."""

    amount_mm: float = Field(gt=0)
    window_h: int = Field(ge=1, le=48)


class WindLevel(LevelBase):
    """Mean wind of at least Beaufort ``force``, or a gust of at least ``gust_force``."""

    force: int = Field(ge=0, le=17)
    gust_force: int = Field(ge=0, le=17)


class ColdWaveLevel(LevelBase):
    """A drop of ``drop_c`` in the minimum over ``over_h`` hours, down to ``tmin_at_most_c``."""

    drop_c: float = Field(gt=0)
    over_h: Literal[24, 48]
    tmin_at_most_c: float


class HeatLevel(LevelBase):
    """A maximum of at least ``tmax_at_least_c``: on ``days`` days in a row, or in one hour."""

    tmax_at_least_c: float
    days: int = Field(ge=1, le=3)


class VisibilityLevel(LevelBase):
    """Visibility below ``below_m``."""

    below_m: float = Field(gt=0)


class IcingLevel(LevelBase):
    """Road icing: the condition is the signal's; the level differs only by lead."""


class FrostLevel(LevelBase):
    """A ground minimum at or below ``ground_at_most_c``."""

    ground_at_most_c: float


class DroughtLevel(LevelBase):
    """At least ``dry_days`` consecutive completed dry days."""

    dry_days: int = Field(ge=1, le=60)


class SignalBase(_Frozen):
    """What every signal type carries: its CAP identity, hysteresis and expiry."""

    type_code: str = Field(pattern=r"^11B\d{2}$")
    category: Category
    event: Text
    enabled: bool = True
    disabled_reason: str = ""
    hold_h: int = Field(ge=0, le=720)
    expires_h: int = Field(ge=1, le=720)
    levels: tuple[LevelBase, ...]

    @field_validator("levels")
    @classmethod
    def _ascending_unique(cls, levels: tuple[LevelBase, ...]) -> tuple[LevelBase, ...]:
        """Levels are listed blue to red, each colour once, so ``levels[-1]`` is the top."""
        ranks = [level.colour.rank for level in levels]
        if not ranks or ranks != sorted(set(ranks)):
            raise ValueError("levels must be non-empty, one per colour, lowest colour first")
        return levels

    def level(self, colour: Colour) -> LevelBase:
        """The level of one colour (KeyError if the signal has none)."""
        for level in self.levels:
            if level.colour is colour:
                return level
        raise KeyError(f"{self.type_code} has no {colour} level")

    @property
    def max_lead_h(self) -> int:
        """The furthest ahead any level may be triggered by a forecast."""
        return max(level.lead_h for level in self.levels)


class AccumulationSignal(SignalBase):
    """Rain summed over sliding windows (rainstorm)."""

    kind: Literal["accumulation"]
    levels: tuple[AccumulationLevel, ...]


class SnowfallSignal(SignalBase):
    """Precipitation falling at or below ``snow_max_temp_c``, summed (blizzard)."""

    kind: Literal["snowfall"]
    snow_max_temp_c: float
    levels: tuple[AccumulationLevel, ...]


class WindSignal(SignalBase):
    """Mean wind or gust force (gale, typhoon)."""

    kind: Literal["wind"]
    levels: tuple[WindLevel, ...]


class ColdWaveSignal(SignalBase):
    """Drops in the minimum temperature (cold wave)."""

    kind: Literal["cold_wave"]
    levels: tuple[ColdWaveLevel, ...]


class HeatSignal(SignalBase):
    """Daily and hourly maximum temperature (heat)."""

    kind: Literal["heat"]
    levels: tuple[HeatLevel, ...]


class VisibilitySignal(SignalBase):
    """Low visibility, told apart as fog or haze by the humidity."""

    kind: Literal["visibility"]
    humidity_at_least_pct: float | None = Field(default=None, ge=0, le=100)
    humidity_below_pct: float | None = Field(default=None, ge=0, le=100)
    humidity_required: bool
    levels: tuple[VisibilityLevel, ...]


class RoadIcingSignal(SignalBase):
    """A road surface below freezing that is wet from recent precipitation."""

    kind: Literal["road_icing"]
    ground_below_c: float
    min_precip_mm: float = Field(gt=0)
    wet_hours: int = Field(ge=1, le=24)
    levels: tuple[IcingLevel, ...]


class FrostSignal(SignalBase):
    """The ground minimum temperature (frost)."""

    kind: Literal["frost"]
    levels: tuple[FrostLevel, ...]


class DroughtSignal(SignalBase):
    """The project's dry-spell index (see the YAML for why not the MCI)."""

    kind: Literal["drought"]
    wet_day_mm: float = Field(gt=0)
    levels: tuple[DroughtLevel, ...]


SignalSpec = Annotated[
    AccumulationSignal
    | SnowfallSignal
    | WindSignal
    | ColdWaveSignal
    | HeatSignal
    | VisibilitySignal
    | RoadIcingSignal
    | FrostSignal
    | DroughtSignal,
    Field(discriminator="kind"),
]

S = TypeVar("S", bound=SignalBase)


class IdentifierSpec(_Frozen):
    """The GB/T 35965.1 identifier form."""

    standard: str
    agency_code: str = Field(pattern=r"^\d{3}$")
    agency_code_confirmed: bool
    unit_code: str = Field(pattern=r"^\d{5}$")
    timezone_offset_h: int = Field(ge=-12, le=14)


class HeadlineTemplates(_Frozen):
    """Headlines by what happened to the warning."""

    alert: Text
    upgrade: Text
    downgrade: Text
    cancel: Text


class DescriptionTemplates(_Frozen):
    """Descriptions by what the warning rests on."""

    observed: Text
    forecast: Text
    cancel: Text


class Templates(_Frozen):
    """Every text template, in both languages."""

    sender_name: Text
    headline: HeadlineTemplates
    description: DescriptionTemplates
    cancel_instruction: Text


class Catalogue(_Frozen):
    """The whole signal catalogue (services/weather/data/cma_signals.yaml)."""

    version: int
    source: str
    identifier: IdentifierSpec
    severity: dict[Colour, Severity]
    severity_confirmed: tuple[Colour, ...]
    colour_names: dict[Colour, Text]
    response_types: dict[Colour, ResponseType]
    expected_within_h: int = Field(ge=0)
    beaufort_ms: dict[int, float]
    templates: Templates
    signals: dict[SignalType, SignalSpec]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        """Refuse a catalogue whose parts do not fit together."""
        for table in ("severity", "colour_names", "response_types"):
            missing = set(Colour) - set(getattr(self, table))
            if missing:
                raise ValueError(f"{table} lacks {sorted(missing)}")
        forces = sorted(self.beaufort_ms)
        speeds = [self.beaufort_ms[f] for f in forces]
        if speeds != sorted(speeds):
            raise ValueError("beaufort_ms must rise with the force")
        for signal, spec in self.signals.items():
            if isinstance(spec, WindSignal):
                for level in spec.levels:
                    for force in (level.force, level.gust_force):
                        if force not in self.beaufort_ms:
                            raise ValueError(f"{signal}: force {force} not in beaufort_ms")
        for text in _texts(self.templates):
            for value in (text.zh, text.en):
                used = {name for _, name, _, _ in string.Formatter().parse(value) if name}
                if not used <= TEMPLATE_FIELDS:
                    raise ValueError(
                        f"unknown placeholder(s) {used - TEMPLATE_FIELDS} in {value!r}"
                    )
        return self

    def spec(self, signal: SignalType, kind: type[S]) -> S:
        """The spec of one signal, checked to be of the expected kind."""
        spec = self.signals[signal]
        if not isinstance(spec, kind):
            raise TypeError(f"{signal} is a {type(spec).__name__}, not a {kind.__name__}")
        return spec

    def force_ms(self, force: int) -> float:
        """The lower bound, in m/s, of a Beaufort force."""
        return self.beaufort_ms[force]

    @property
    def enabled(self) -> tuple[SignalType, ...]:
        """The signal types the engine issues, in catalogue order."""
        return tuple(signal for signal, spec in self.signals.items() if spec.enabled)


def _texts(templates: Templates) -> list[Text]:
    h, d = templates.headline, templates.description
    return [
        templates.sender_name, h.alert, h.upgrade, h.downgrade, h.cancel,
        d.observed, d.forecast, d.cancel, templates.cancel_instruction,
    ]  # fmt: skip


def parse_areas(raw: object) -> dict[str, Text]:
    """The area names: GB/T 2260 code -> names in both languages."""
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping of area codes")
    return {str(code): Text.model_validate(names) for code, names in raw.items()}
