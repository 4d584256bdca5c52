"""The warning engine: observations and forecasts in, CAP warning lifecycles out.

One live warning per (city, signal). Its colour at any moment is the highest colour whose
criterion has held, observed at any station of the city or forecast for the city within the
colour's lead time, during the signal's ``hold_h`` hours (the hysteresis). Whenever that colour
changes the engine emits exactly one event: ``Alert`` (none → colour), ``Update`` (a higher or,
once the hold has run out, a lower colour) or ``Cancel`` (→ none). The same colour again emits
nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from services.weather.domain.cap import CapWriter, Decision, MsgType
from services.weather.domain.catalogue import (
    Catalogue,
    SignalBase,
    Text,
)
from services.weather.domain.rules import BY_RANK, EVALUATORS, Evaluator, reach_h, within_lead
from services.weather.domain.series import (
    HourlySeries,
    Reading,
    beijing_day,
    hour_end,
    hour_of,
)
from shared.contracts.weather import (
    Basis,
    ForecastIssued,
    SignalType,
    StationObservation,
    WarningIssued,
    to_reference,
)

log = logging.getLogger(__name__)

#: "Never held", below any real hour index.
NEVER = -(2**62)

#: At most this many earlier messages are listed in a message's CAP ``references``.
MAX_REFERENCES = 16


def _reduced(temp_c: float | None, elevation_m: float | None) -> float | None:
    # A city's warning speaks of the city, not of a mountain top: a station's temperatures are
    # reduced to the reference height, the same height the forecasts and the truth refer to.
    if temp_c is None or elevation_m is None:
        return temp_c
    return round(to_reference(temp_c, elevation_m), 1)


def city_of(region: str) -> str:
    """The prefecture-level city of a GB/T 2260 code (a county ``360121`` → ``360100``)."""
    if region.endswith("0000") or region.endswith("00"):
        return region
    return region[:4] + "00"


@dataclass(slots=True)
class _Rule:
    """One enabled signal, resolved once so the per-event loop does no dictionary work."""

    signal: SignalType
    spec: SignalBase
    evaluate: Evaluator
    daily: bool  # evaluated once per day in forecasts (the drought index changes daily)
    reach: int | None  # hours back its window reads; None = days back (station-dependent)


@dataclass(slots=True)
class _Latch:
    """When each colour's observed criterion last held, and since when it has held."""

    held: list[int] = field(default_factory=lambda: [NEVER] * 5)
    since: list[int] = field(default_factory=lambda: [NEVER] * 5)


@dataclass(slots=True)
class _ForecastLatch:
    """When each colour was last supported by a forecast, and the onset that forecast gave."""

    held: list[int] = field(default_factory=lambda: [NEVER] * 5)
    onset: list[datetime | None] = field(default_factory=lambda: [None] * 5)


@dataclass(slots=True)
class _Live:
    """The live warning of one (city, signal)."""

    last: WarningIssued
    correlation_id: uuid.UUID
    references: list[str]


@dataclass(slots=True)
class _City:
    """Everything the engine keeps for one city; bounded by the station cap and the catalogue."""

    region: str
    now: int = NEVER
    stations: dict[str, HourlySeries] = field(default_factory=dict)
    latches: dict[SignalType, _Latch] = field(default_factory=dict)
    fc_latches: dict[SignalType, _ForecastLatch] = field(default_factory=dict)
    forecast_run: datetime | None = None
    forecast_id: uuid.UUID | None = None
    # signal → (hour, mask, valid_at) ascending, only the hours where some colour holds
    timeline: dict[SignalType, list[tuple[int, int, datetime]]] = field(default_factory=dict)
    live: dict[SignalType, _Live] = field(default_factory=dict)
    last_stamp: int = NEVER  # epoch second of the last identifier, to keep identifiers unique


class WarningEngine:
    """Decides CMA warning signals per city from station observations and city forecasts."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        areas: dict[str, Text],
        to_city: Callable[[str], str] = city_of,
        max_stations_per_city: int = 256,
        history: int = 10_000,
    ) -> None:
        self.catalogue = catalogue
        self._writer = CapWriter(self.catalogue, areas)
        self._to_city = to_city
        self._max_stations = max_stations_per_city
        self._history_size = history
        self._history: OrderedDict[str, WarningIssued] = OrderedDict()
        self._cities: dict[str, _City] = {}
        self._rules = [
            _Rule(signal, spec, EVALUATORS[spec.kind], spec.kind == "drought", reach_h(spec))
            for signal, spec in self.catalogue.signals.items()
            if spec.enabled
        ]

    # --- inputs -------------------------------------------------------------------------------

    def on_observation(self, obs: StationObservation) -> list[WarningIssued]:
        """Take one station reading; return the warnings it issues, updates or cancels."""
        city = self._city(obs.region)
        station = self._station(city, obs.station_id)
        hour = hour_of(obs.occurred_at)
        reading = Reading(
            rain_mm=obs.rain_mm,
            temp_c=_reduced(obs.temp_c, obs.elevation_m),
            tmin_c=_reduced(obs.tmin_c, obs.elevation_m),
            tmax_c=_reduced(obs.tmax_c, obs.elevation_m),
            wind_ms=obs.wind_ms,
            gust_ms=obs.gust_ms,
            visibility_m=obs.visibility_m,
            humidity_pct=obs.humidity_pct,
            ground_c=_reduced(obs.ground_temp_c, obs.elevation_m),
        )
        if not station.put(hour, reading):
            log.debug("observation %s for %s too old for the history kept", obs.event_id, hour)
            return []
        city.now = max(city.now, hour)
        latest = station.last_hour
        i = station.index(latest)
        # A late reading counts through the windows that end at the station's latest hour.
        for rule in self._rules:
            mask = rule.evaluate(rule.spec, self.catalogue, station, i)
            if mask:
                latch = city.latches.setdefault(rule.signal, _Latch())
                stale_before = city.now - rule.spec.hold_h
                for rank in range(1, 5):
                    if mask >> rank & 1:
                        if latch.held[rank] < stale_before:
                            latch.since[rank] = latest
                        latch.held[rank] = max(latch.held[rank], latest)
        return self._settle(city, obs.event_id, obs.occurred_at)

    def on_forecast(self, fc: ForecastIssued) -> list[WarningIssued]:
        """Take one forecast run for a city; return the warnings it issues, updates or cancels."""
        city = self._city(fc.region)
        if city.forecast_run is not None and fc.run_at < city.forecast_run:
            log.debug("forecast %s is older than run %s; ignored", fc.event_id, city.forecast_run)
            return []
        if fc.event_id == city.forecast_id:
            return []  # a re-delivery: the timeline is already this forecast's
        run_hour = hour_of(fc.run_at)
        city.now = max(city.now, run_hour)
        city.timeline = self._timeline(city, fc, run_hour)
        city.forecast_run = fc.run_at
        city.forecast_id = fc.event_id
        return self._settle(city, fc.event_id, fc.occurred_at)

    def advance_to(
        self, moment: datetime, *, causation_id: uuid.UUID | None = None
    ) -> list[WarningIssued]:
        """Move every city's clock to ``moment`` (e.g. on a clock tick); expire what lapsed."""
        hour = hour_of(moment)
        out: list[WarningIssued] = []
        for city in self._cities.values():
            if hour > city.now:
                city.now = hour
                out.extend(self._settle(city, causation_id, moment))
        return out

    # --- queries ------------------------------------------------------------------------------

    def active(
        self, region: str | None = None, signal: SignalType | None = None
    ) -> list[WarningIssued]:
        """The latest message of every live warning, optionally for one region or signal."""
        cities: Iterable[_City]
        if region is None:
            cities = self._cities.values()
        else:
            found = self._cities.get(self._to_city(region))
            cities = (found,) if found is not None else ()
        return [
            live.last
            for city in cities
            for sig, live in city.live.items()
            if signal is None or sig is signal
        ]

    def get(self, identifier: str) -> WarningIssued | None:
        """One message by its CAP identifier (live ones always, others while recent)."""
        found = self._history.get(identifier)
        if found is not None:
            return found
        for city in self._cities.values():
            for live in city.live.values():
                if live.last.alert.identifier == identifier:
                    return live.last
        return None

    # --- internals ----------------------------------------------------------------------------

    def _city(self, region: str) -> _City:
        code = self._to_city(region)
        city = self._cities.get(code)
        if city is None:
            city = self._cities[code] = _City(code)
        return city

    def _station(self, city: _City, station_id: str) -> HourlySeries:
        station = city.stations.get(station_id)
        if station is None:
            if len(city.stations) >= self._max_stations:
                # Bounded memory: the station that has been silent longest makes room.
                oldest = min(city.stations, key=lambda s: city.stations[s].last_hour)
                log.warning("city %s: station cap reached, forgetting %s", city.region, oldest)
                del city.stations[oldest]
            station = city.stations[station_id] = HourlySeries()
        return station

    def _timeline(
        self, city: _City, fc: ForecastIssued, run_hour: int
    ) -> dict[SignalType, list[tuple[int, int, datetime]]]:
        """Every future hour where some colour holds, worst station first, per signal."""
        steps = sorted((hour_of(step.valid_at), step) for step in fc.steps)
        steps = [(h, step) for h, step in steps if h >= run_hour]
        valid_at = {h: step.valid_at for h, step in steps}
        readings = [
            (
                h,
                Reading(
                    rain_mm=step.rain_mm,
                    temp_c=step.temp_c,
                    tmin_c=step.tmin_c,
                    tmax_c=step.tmax_c,
                    wind_ms=step.wind_ms,
                    gust_ms=step.gust_ms,
                    visibility_m=step.visibility_m,
                    ground_c=step.ground_temp_c,
                ),
            )
            for h, step in steps
        ]
        forecast_only = HourlySeries()
        forecast_only.fill(readings)
        # Each station's history continued by the city forecast; the city takes the worst.
        combined: list[HourlySeries] = []
        for history in city.stations.values():
            series = history.copy()
            series.fill(readings)
            combined.append(series)
        latest = max((s.last_hour for s in city.stations.values()), default=NEVER)
        masks: dict[SignalType, dict[int, int]] = {}
        # Every step is evaluated, not just those within the lead times: the lead is measured
        # from the moment of each later decision, which moves as time passes.
        for rule in self._rules:
            found: dict[int, int] = {}
            previous_day = None
            for h, _ in steps:
                if rule.daily:
                    day = beijing_day(h)
                    if day == previous_day:
                        continue
                    previous_day = day
                # Once a rule's window lies wholly after every observation, all stations see
                # the same forecast values: evaluate it once, not once per station.
                shared = rule.reach is not None and h - rule.reach > latest
                mask = 0
                for series in (forecast_only,) if shared or not combined else combined:
                    if h < series.base:
                        # A forecast hour older than all this station keeps (a lagging forecast
                        # topic): only the forecast itself says anything about it.
                        series = forecast_only
                    mask |= rule.evaluate(rule.spec, self.catalogue, series, h - series.base)
                if mask:
                    found[h] = mask
            if found:
                masks[rule.signal] = found
        return {
            signal: [(h, mask, valid_at[h]) for h, mask in sorted(found.items())]
            for signal, found in masks.items()
        }

    def _observed(self, city: _City, rule: _Rule) -> tuple[int, int]:
        """The highest observed colour rank still inside the hold, and since when it held."""
        latch = city.latches.get(rule.signal)
        if latch is None:
            return 0, NEVER
        stale_before = city.now - rule.spec.hold_h
        for rank in range(4, 0, -1):
            if latch.held[rank] >= stale_before:
                return rank, latch.since[rank]
        return 0, NEVER

    def _forecast(self, city: _City, rule: _Rule) -> tuple[int, datetime | None]:
        """The highest forecast colour rank still inside the hold, and its forecast onset.

        Forecast support is latched like observations are: a newer run that drops a colour
        (forecast noise around a threshold) lowers the warning only after ``hold_h`` hours
        without support from any run, so warnings do not flap from run to run.
        """
        entries = city.timeline.get(rule.signal)
        now = city.now
        if entries:
            # The clock only moves forward and the latch remembers what past hours supported,
            # so hours before now never matter again: drop them to keep the scan short.
            expired = 0
            while expired < len(entries) and entries[expired][0] < now:
                expired += 1
            if expired:
                del entries[:expired]
            horizon = now + rule.spec.max_lead_h
            supported = 0
            onsets: dict[int, datetime] = {}
            for h, mask, valid_at in entries:
                if h > horizon:
                    break
                allowed = within_lead(mask, h - now, rule.spec)
                for rank in range(1, 5):
                    if allowed >> rank & 1 and rank not in onsets:
                        onsets[rank] = valid_at  # ascending hours: the first is the onset
                supported |= allowed
            if supported:
                latch = city.fc_latches.setdefault(rule.signal, _ForecastLatch())
                for rank, onset in onsets.items():
                    latch.held[rank] = now
                    latch.onset[rank] = onset
        latch_or_none = city.fc_latches.get(rule.signal)
        if latch_or_none is None:
            return 0, None
        stale_before = now - rule.spec.hold_h
        for rank in range(4, 0, -1):
            if latch_or_none.held[rank] >= stale_before:
                return rank, latch_or_none.onset[rank]
        return 0, None

    def _settle(
        self, city: _City, causation_id: uuid.UUID | None, occurred_at: datetime
    ) -> list[WarningIssued]:
        """Compare each signal's colour now with its live warning; emit what changed."""
        out: list[WarningIssued] = []
        for rule in self._rules:
            live = city.live.get(rule.signal)
            obs_rank, since = self._observed(city, rule)
            fc_rank, fc_onset = self._forecast(city, rule)
            rank = max(obs_rank, fc_rank)
            if rank == 0:
                if live is not None:
                    out.append(self._cancel(city, rule, live, causation_id, occurred_at))
                continue
            if live is not None and live.last.colour.rank == rank:
                continue  # same colour: never a duplicate, whatever the basis
            colour = BY_RANK[rank]
            assert colour is not None
            if obs_rank >= fc_rank:
                basis, onset = Basis.OBSERVED, hour_end(since) if since != NEVER else occurred_at
            else:
                basis, onset = Basis.FORECAST, fc_onset or occurred_at
            decision = Decision(
                region=city.region,
                signal=rule.signal,
                colour=colour,
                previous_colour=live.last.colour if live else None,
                msg_type=MsgType.UPDATE if live else MsgType.ALERT,
                basis=basis,
                onset=onset,
                occurred_at=occurred_at,
                causation_id=causation_id,
                correlation_id=live.correlation_id if live else None,
                references=tuple(live.references) if live else (),
            )
            event = self._write(city, decision)
            if live is None:
                city.live[rule.signal] = _Live(event, event.event_id, [self._ref(event)])
            else:
                live.last = event
                live.references = [*live.references, self._ref(event)][-MAX_REFERENCES:]
            out.append(event)
        return out

    def _cancel(
        self,
        city: _City,
        rule: _Rule,
        live: _Live,
        causation_id: uuid.UUID | None,
        occurred_at: datetime,
    ) -> WarningIssued:
        decision = Decision(
            region=city.region,
            signal=rule.signal,
            colour=live.last.colour,
            previous_colour=live.last.colour,
            msg_type=MsgType.CANCEL,
            basis=live.last.basis,
            onset=occurred_at,
            occurred_at=occurred_at,
            causation_id=causation_id,
            correlation_id=live.correlation_id,
            references=tuple(live.references),
        )
        del city.live[rule.signal]
        return self._write(city, decision)

    def _write(self, city: _City, decision: Decision) -> WarningIssued:
        # Identifiers carry the second they are sent; two messages for one area in the same
        # second (or a late input) take the next free second, so each issue is unique.
        stamp = max(int(decision.occurred_at.timestamp()), city.last_stamp + 1)
        city.last_stamp = stamp
        sent = datetime.fromtimestamp(stamp, self._writer.tz)
        event = self._writer.write(decision, sent)
        self._history[event.alert.identifier] = event
        if len(self._history) > self._history_size:
            self._history.popitem(last=False)
        log.info(
            "%s %s %s %s (%s) %s",
            decision.msg_type.value,
            city.region,
            decision.signal.value,
            decision.colour.value,
            decision.basis.value,
            event.alert.identifier,
        )
        return event

    def _ref(self, event: WarningIssued) -> str:
        return self._writer.reference(event.alert)
