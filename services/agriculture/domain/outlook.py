"""Cross-sector outlook of one city: what weather warnings and forecasts say is coming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.agriculture.domain.rules import CropRule
from shared.contracts.agriculture import RiskLevel
from shared.contracts.weather import Colour, ForecastIssued, SignalType, WarningIssued
from shared.forecasts import ForecastCriterion, find_spell, units


@dataclass(frozen=True)
class ActiveWarning:
    """A warning signal in force for a city."""

    signal: SignalType
    colour: Colour
    onset: datetime
    expires: datetime
    event_id: UUID
    issued_at: datetime


@dataclass(frozen=True)
class Expectation:
    """A rule's condition, as a forecast expects it: when, how long, how bad, from which event."""

    onset: datetime
    until: datetime
    duration: float
    extreme: float
    event_id: UUID
    issued_at: datetime
    #: The chance the condition comes true (the forecaster's, for the rule's product).
    probability: float = 1.0
    #: Whether the run's own steps meet the condition (else the nearest window is shown).
    met: bool = True


def warning_of(w: WarningIssued) -> ActiveWarning:
    """The in-force view of a warning message (onset and expiry from its first CAP info)."""
    info = w.alert.info[0]
    return ActiveWarning(
        signal=w.signal, colour=w.colour, onset=info.onset, expires=info.expires,
        event_id=w.event_id, issued_at=w.occurred_at,
    )  # fmt: skip


def is_cancel(w: WarningIssued) -> bool:
    """Whether the message lifts the signal (CAP msgType Cancel)."""
    return w.alert.msg_type.lower() == "cancel"


def expect(fc: ForecastIssued, c: ForecastCriterion) -> Expectation | None:
    """What a forecast run says of a rule's condition: its spell and the chance it comes true.

    The chance is the forecaster's issued probability of the condition (its product); a run
    that carries none (a forecast posted to the API, say) counts as certain when its steps meet
    the condition and says nothing otherwise. None when there is nothing to act on.
    """
    series = units(
        c,
        [st.valid_at for st in fc.steps],
        [st.temp_c for st in fc.steps],
        [st.rain_mm for st in fc.steps],
        [st.tmin_c for st in fc.steps],
        [st.tmax_c for st in fc.steps],
    )
    spell = find_spell(c, series, fc.run_at, fc.steps[0].valid_at)
    if spell is None:
        return None
    p = fc.probability(c.product)
    if p is None:
        p = 1.0 if spell.met else 0.0
    if p <= 0:
        return None
    return Expectation(
        onset=spell.onset, until=spell.until, duration=spell.duration, extreme=spell.extreme,
        event_id=fc.event_id, issued_at=fc.occurred_at, probability=p, met=spell.met,
    )  # fmt: skip


def level_from_colour(
    rule: CropRule, colour: Colour, mapping: dict[Colour, RiskLevel]
) -> RiskLevel:
    """The rule's level for a warning colour: the highest level of the rule not above it."""
    wanted = mapping[colour].rank
    level = rule.levels[0][1]
    for _, lvl in rule.levels:
        if lvl.rank <= wanted:
            level = lvl
    return level
