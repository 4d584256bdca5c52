"""Builders for agriculture tests: the shipped rules, models, farm readings by local hour,
warnings and forecasts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from services.agriculture.domain import AgricultureModel, CropRules
from services.agriculture.service import AgricultureSettings, load_crop_rules, paired_models
from shared.contracts.agriculture import AdvisoryIssued, FarmObservation, Industry
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.weather import (
    Basis,
    CapAlert,
    CapArea,
    CapInfo,
    Colour,
    ForecastIssued,
    ForecastStep,
    SignalType,
    WarningIssued,
)
from shared.runtime import Paired
from shared.world import Climatology, World, load_world

BEIJING = timedelta(hours=8)
#: Nanchang's farms (lowland share > 0, so floods reach them).
NC = "360100"
#: Midnight of 15 June 2020, Beijing time (early rice at heading), as UTC.
JUNE15 = datetime(2020, 6, 15, tzinfo=UTC) - BEIJING
#: A month whose climate record holds no waterlogging (the library's Junes are wet): for a
#: service built on the library's climate, where the heat should be the only risk.
AUG15 = datetime(2020, 8, 15, tzinfo=UTC) - BEIJING


@cache
def rules() -> CropRules:
    """The shipped crop rules, read the way the service reads them."""
    return load_crop_rules(AgricultureSettings().rules_path)


@cache
def world(*, climate: bool = False) -> World:
    """The real world data; without its climate record unless ``climate`` (a rule's own tests
    feed the evidence they test, and the record would add its month's chance to it)."""
    if climate:
        return load_world()
    return load_world().model_copy(update={"climatology": Climatology()})


def model(mode: Mode, *, climate: bool = False) -> AgricultureModel:
    """A fresh model over the real world data (see ``world``) and the shipped crop rules."""
    return AgricultureModel(mode=mode, rules=rules(), world=world(climate=climate))


def models() -> Paired[AgricultureModel]:
    """A fresh siloed and fused pair, as the service's state holds them (see ``world``)."""
    return paired_models(rules(), world())


def obs(
    farm_id: str, at: datetime, *, crop: str, industry: Industry, region: str = NC, **values: Any
) -> FarmObservation:
    """One farm reading with a deterministic id."""
    return FarmObservation(
        event_id=derived_id("test-obs", farm_id, at.isoformat()),
        occurred_at=at, source="simulator", region=region, farm_id=farm_id,
        industry=industry, crop=crop, **values,
    )  # fmt: skip


def hours(start: datetime, n: int) -> Iterator[datetime]:
    """``n`` hourly instants from ``start``."""
    for i in range(n):
        yield start + timedelta(hours=i)


def rice_days(
    canopy_by_day: list[float],
    *,
    start: datetime = JUNE15,
    stage: str = "heading",
    crop: str = "early_rice",
    region: str = NC,
    **values: Any,
) -> list[FarmObservation]:
    """24 hourly readings per local day of a rice farm, with each day's canopy temperature."""
    farm = f"{region}-{crop}"
    out = []
    for d, canopy in enumerate(canopy_by_day):
        for at in hours(start + timedelta(days=d), 24):
            out.append(
                obs(farm, at, crop=crop, industry=Industry.RICE, region=region,
                    crop_stage=stage, canopy_temp_c=canopy, **values)
            )  # fmt: skip
    return out


def feed(m: AgricultureModel, events: list[Any]) -> list[AdvisoryIssued]:
    """Run events through a model, each to the model's method for its type (others skipped)."""
    methods: dict[type[Any], Callable[[Any], list[AdvisoryIssued]]] = {
        FarmObservation: m.on_farm_observation,
        WarningIssued: m.on_warning,
        ForecastIssued: m.on_forecast,
    }
    out: list[AdvisoryIssued] = []
    for e in events:
        method = methods.get(type(e))
        if method is not None:
            out += method(e)
    return out


def warning(
    signal: SignalType,
    colour: Colour,
    *,
    at: datetime,
    onset: datetime,
    hours_long: int = 72,
    region: str = NC,
    msg_type: str = "Alert",
) -> WarningIssued:
    """A CAP-shaped warning for a city, issued at ``at`` for a spell starting at ``onset``."""
    info = CapInfo(
        language="zh-CN", category="Met", event=signal.value, event_code="11B09",
        response_type="Prepare", urgency="Expected", severity="Moderate", certainty="Likely",
        effective=at, onset=onset, expires=onset + timedelta(hours=hours_long),
        sender_name="test", headline="h", description="d", instruction="i",
        area=CapArea(area_desc="Nanchang", geocode=region),
    )  # fmt: skip
    alert = CapAlert(
        identifier=f"{region}41600000_{at:%Y%m%d%H%M%S}", sender="test", sent=at,
        status="Actual", msg_type=msg_type, scope="Public", info=(info,),
    )  # fmt: skip
    return WarningIssued(
        event_id=derived_id("test-warning", region, signal, at.isoformat(), msg_type),
        occurred_at=at, source="weather", region=region, signal=signal, colour=colour,
        basis=Basis.FORECAST, alert=alert,
    )  # fmt: skip


def forecast(
    run_at: datetime, temps: list[float], *, region: str = NC, **extra: Any
) -> ForecastIssued:
    """An hourly forecast from ``run_at`` with the given temperatures."""
    steps = tuple(
        ForecastStep(valid_at=run_at + timedelta(hours=i), temp_c=t, **extra)
        for i, t in enumerate(temps)
    )
    return ForecastIssued(
        event_id=derived_id("test-forecast", region, run_at.isoformat()),
        occurred_at=run_at, source="weather", region=region, run_at=run_at, steps=steps,
    )  # fmt: skip


def comparable(a: AdvisoryIssued) -> dict[str, Any]:
    """An advisory without what differs by mode or wall clock."""
    return a.model_dump(exclude={"mode", "event_id", "produced_at"})
