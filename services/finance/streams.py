"""The finance stream adapter: claims, repayments and warnings (fused: more) -> both models.

Own-sector data (claims filed, repayment records) and the public CMA warnings every agency
receives go to both models, siloed first. Other sectors' data go to the fused model only; they are
``fused_reads``, so with fusion off the service does not even subscribe to them (the control):
the weather service's station readings (from which the fused model computes each pool's index
itself), agriculture's advisories (its damage assessments) and emergency's responses (response
levels and evacuations per city). Of the advisories and responses, decisions made twice, only the
fused world's are used.
"""

from __future__ import annotations

from services.finance.domain import FinanceModel
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES, AdvisoryIssued
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.envelope import Event
from shared.contracts.finance import (
    FINANCE_CLAIMS,
    FINANCE_DECISIONS,
    FINANCE_REPAYMENTS,
    ClaimsFiled,
    RepaymentsMissed,
)
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import (
    WEATHER_OBSERVATIONS,
    WEATHER_WARNINGS,
    StationObservation,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused model over the same book.
Models = Paired[FinanceModel]


def on_claims(models: Models, event: ClaimsFiled) -> list[Event]:
    """Claims filed on a pool (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_claims(event))


def on_repayments(models: Models, event: RepaymentsMissed) -> list[Event]:
    """A book's repayment record (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_repayments(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_observation(models: Models, event: StationObservation) -> list[Event]:
    """A weather station's reading (the weather sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_observation(event))


def on_advisory(models: Models, event: AdvisoryIssued) -> list[Event]:
    """An agriculture advisory: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_advisory(event))


def on_response(models: Models, event: ResponseDecided) -> list[Event]:
    """An emergency response: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_response(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: claims whose assessment is done are decided."""
    return models.both(lambda m: m.advance(tick.occurred_at))


#: One ordered stream over the sector's own data, the public warnings and, fused, the others'.
DECIDE: Agent[Models] = Agent(
    name="decide",
    reads=(FINANCE_CLAIMS, FINANCE_REPAYMENTS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_OBSERVATIONS, AGRICULTURE_ADVISORIES, EMERGENCY_RESPONSES),
    handlers={
        ClaimsFiled: on_claims,
        RepaymentsMissed: on_repayments,
        WarningIssued: on_warning,
        StationObservation: on_observation,
        AdvisoryIssued: on_advisory,
        ResponseDecided: on_response,
    },
    on_tick=on_tick,
    outputs=(FINANCE_DECISIONS,),
)
