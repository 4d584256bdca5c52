"""How the referee scores decisions against the ground truth: the one place these rules live.

Inputs
------
* Ground truth, which only the referee reads: ``ImpactOccurred`` (the harm one hazard did to one
  asset, with the ``Mitigation`` options that would have avoided some of it) and
  ``HazardOccurred`` (a hazard episode in one city).
* Every sector's decisions: subclasses of ``DecisionMade``, each made in one ``Mode``.

Every figure below comes from those events (the simulator's mitigations carry the avoidable
yuan and the benefit windows, the decisions carry their costs). Nothing is weighted, scored or
scaled by a constant written here.

Matching
--------
A taken decision *matches* an impact when

1. sector, region and action agree (the action is one of the impact's mitigations);
2. the impact's asset is covered: ``asset_ids`` contains it, or ``asset_ids`` is empty (every
   asset of the sector in the region); when both name an ``industry`` they must agree, so an
   advisory to a city's rice farms does not cover its tea gardens;
3. the decision is still in force when the asset's exposure starts: no ``status="lifted"``
   decision with the same sector, mode, region, ``decision_key`` and action takes effect after it
   and at or before the impact's ``exposure_started_at``.

A matching decision *avoids* ``impact.loss_avoided(action, effective_at)`` yuan: the whole
avoidable loss when in place by the mitigation's ``full_benefit_by``, nothing from its
``no_benefit_after``, falling linearly in between, so an early correct decision is worth more than
a late one.

Outcomes, per sector and mode
-----------------------------
* **hit**: a taken decision that avoided something of at least one impact;
* **late**: a taken decision that matched an impact but avoided nothing (in place too late);
* **false alarm**: a taken decision that matched no impact at all; its score is its cost;
* **miss**: an impact with something avoidable of which no decision of the mode avoided anything.

Lifted decisions are not outcomes and cost nothing; they only end the decision they lift.

Value and lead time
-------------------
``value(mode) = Σ loss avoided − Σ cost``, where each impact counts once per mode, credited to
the mode's best decision for it (most yuan avoided; ties go to the earliest ``effective_at``, then
the smallest event id, so the credit does not depend on arrival order).

Each taken decision costs ``setup_cost_yuan`` once plus ``cost_yuan_per_h`` for every hour it is
in force: from its ``effective_at`` until the first lift with its key (sector, mode, region,
``decision_key``, action) or the first newer taken decision with that key (a revision replaces
it), both decided after it, or else until the referee's clock (the end of the last completed
tick; the run's end at its last tick). An action lifted early costs only the time it ran; one
lifted before it took effect costs only its setup.

``people_relocated`` is, per mode, the people moved by decisions priced per person (evacuation),
counting each situation (``decision_key``) once at its largest revision.

The lead time of an avoided impact is its ``occurred_at`` (when the loss happened to that asset)
minus the ``effective_at`` of the decision credited with it; ``mean_lead_time_s`` averages it over
the mode's avoided impacts. It is negative when a decision in force after the loss began still
avoided part of an accruing loss. Hazard episodes (``HazardOccurred``) are kept and counted, but
each impact already says exactly when its asset was hit, which is finer than a city's onset.

Multiplier
----------
For one sector (or overall, over the sums of every sector) with ``vf = value(fused)``,
``vs = value(siloed)`` and ``A`` = the total avoidable loss (Σ over impacts of their largest
``avoidable_yuan``, what a perfect decision-maker with free actions would save):

* ``vf == vs``: exactly ``1.0`` (basis ``identical``), whatever the sign: the ``--fusion off``
  control, where both paths see the same data, must come out at 1.0;
* ``vs > 0``: ``vf / vs`` (basis ``ratio``);
* ``vs <= 0`` and ``A > 0``: ``1 + (vf - vs) / A`` (basis ``avoidable_floor``). A ratio against
  zero or against a net loss means nothing (it would flip sign or explode), so the gain from
  fusion is measured against what was at stake instead: 1 + the share of all avoidable loss that
  fusion added. It is above 1 when fused did better, below 1 when worse;
* otherwise (nothing was avoidable and only the costs differ): ``None`` (basis ``undefined``).

``value_gain_yuan = vf − vs`` is always reported next to the multiplier.

Order independence and duplicates
---------------------------------
The summary is a function of the *set* of events received: truth and decisions may arrive in any
order, and every sum is exact (``math.fsum``), so it does not depend on order either. An impact is
identified by its ``impact_id``, a hazard episode by ``(hazard_id, region)``, a decision by its
``event_id``; a repeat is ignored.

Settlement: what monotone counters may count
---------------------------------------------
A provisional outcome can change (a false alarm becomes a hit when its truth arrives), but a
Prometheus counter only goes up. ``settle()`` returns only what is final:

* an impact is final at the first settlement after it arrived: settlements happen when a tick is
  complete, every decision made up to then is in, and one made later cannot avoid anything of it
  (a mitigation's ``no_benefit_after`` is never later than the impact's publication). Its loss
  avoided, lead time or miss is counted then;
* a decision's cost is final as time passes: at each settlement the cost it accrued up to the
  referee's clock is counted (sectors lift at their decision time, so no later lift ends a
  decision before a settled time); a hit is final when it happens (truth only accumulates);
* late decisions and false alarms are final only at the run's last tick.

The summary remains the authority; gauges are set from it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Mode
from shared.contracts.simulator import HazardOccurred, ImpactOccurred
from shared.world.costs import Per


class Outcome(StrEnum):
    """What a decision (or, for a miss, an impact) came to against the truth."""

    HIT = "hit"
    LATE = "late"
    FALSE_ALARM = "false_alarm"
    MISS = "miss"


#: Every outcome, in the order reports list them.
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)


class MultiplierBasis(StrEnum):
    """Which rule of the multiplier definition produced a figure (see the module docstring)."""

    IDENTICAL = "identical"
    RATIO = "ratio"
    AVOIDABLE_FLOOR = "avoidable_floor"
    UNDEFINED = "undefined"


def multiplier(
    *, fused: float, siloed: float, avoidable: float
) -> tuple[float | None, MultiplierBasis]:
    """value(fused) / value(siloed), with the documented rule when value(siloed) <= 0."""
    if fused == siloed:
        return 1.0, MultiplierBasis.IDENTICAL
    if siloed > 0:
        return fused / siloed, MultiplierBasis.RATIO
    if avoidable > 0:
        return 1.0 + (fused - siloed) / avoidable, MultiplierBasis.AVOIDABLE_FLOOR
    return None, MultiplierBasis.UNDEFINED


@dataclass
class ModeFigures:
    """The figures of one sector in one mode, accumulated from the scored events."""

    hits: int = 0
    late: int = 0
    false_alarms: int = 0
    misses: int = 0
    decisions: int = 0
    people_relocated: int = 0
    avoided: list[float] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    lead_times_s: list[float] = field(default_factory=list)

    def absorb(self, other: ModeFigures) -> None:
        """Add another sector's figures to these (for the overall totals)."""
        self.hits += other.hits
        self.late += other.late
        self.false_alarms += other.false_alarms
        self.misses += other.misses
        self.decisions += other.decisions
        self.people_relocated += other.people_relocated
        self.avoided += other.avoided
        self.costs += other.costs
        self.lead_times_s += other.lead_times_s

    @property
    def loss_avoided_yuan(self) -> float:
        """Σ loss avoided (each impact once, by the best decision)."""
        return math.fsum(self.avoided)

    @property
    def cost_yuan(self) -> float:
        """Σ cost of the taken decisions."""
        return math.fsum(self.costs)

    @property
    def value_yuan(self) -> float:
        """Loss avoided minus cost, summed exactly (independent of the order of the terms)."""
        return math.fsum([*self.avoided, *(-c for c in self.costs)])

    @property
    def mean_lead_time_s(self) -> float | None:
        """Mean lead time over the avoided impacts, or None when nothing was avoided."""
        if not self.lead_times_s:
            return None
        return math.fsum(self.lead_times_s) / len(self.lead_times_s)

    def as_dict(self) -> dict[str, Any]:
        """The report shape of one mode (yuan to the fen, lead time to 0.1 s)."""
        lead = self.mean_lead_time_s
        return {
            "hits": self.hits,
            "misses": self.misses,
            "false_alarms": self.false_alarms,
            "late": self.late,
            "mean_lead_time_s": None if lead is None else round(lead, 1),
            "loss_avoided_yuan": round(self.loss_avoided_yuan, 2),
            "cost_yuan": round(self.cost_yuan, 2),
            "value_yuan": round(self.value_yuan, 2),
            "decisions": self.decisions,
            "people_relocated": self.people_relocated,
        }


@dataclass(frozen=True)
class Settlement:
    """What became final since the previous settlement (see "Settlement" in the module doc)."""

    #: (sector, mode, outcome) -> how many became final
    outcomes: dict[tuple[str, str, str], int]
    #: (sector, mode) -> yuan avoided by impacts that became final
    loss_avoided_yuan: dict[tuple[str, str], float]
    #: (sector, mode) -> cost the decisions accrued since the previous settlement
    cost_yuan: dict[tuple[str, str], float]
    #: (sector, mode, seconds) per avoided impact that became final
    lead_times_s: list[tuple[str, str, float]]


@dataclass(frozen=True)
class _Credit:
    """One decision's claim on one impact."""

    decision_id: str
    avoided: float
    effective_at: datetime

    def beats(self, other: _Credit) -> bool:
        """More avoided wins; then the earlier decision; then the smaller id (a total order)."""
        mine = (-self.avoided, self.effective_at, self.decision_id)
        return mine < (-other.avoided, other.effective_at, other.decision_id)


@dataclass(frozen=True)
class _ImpactScore:
    """How one impact was met by the decisions known when it was last scored."""

    best: dict[Mode, _Credit]
    avoided_by: frozenset[str]
    matched_by: frozenset[str]


#: Where an impact and a decision can meet: (sector, region, action).
_Slot = tuple[str, str, str]
#: What identifies the decision a lift ends: (sector, mode, region, decision_key, action).
_LiftKey = tuple[str, Mode, str, str, str]


def _key(decision: DecisionMade) -> _LiftKey:
    """What ties a decision to its lifts and revisions."""
    return (
        decision.sector,
        decision.mode,
        decision.region,
        decision.decision_key,
        decision.action,
    )


def _avoidable(impact: ImpactOccurred) -> float:
    """The most any single action could have avoided of an impact."""
    return max((m.avoidable_yuan for m in impact.mitigations), default=0.0)


class Scoreboard:
    """The ground truth and the decisions of one run, and their scores."""

    def __init__(self) -> None:
        self._impacts: dict[str, ImpactOccurred] = {}
        self._hazards: dict[tuple[str, str], HazardOccurred] = {}
        self._taken: dict[str, DecisionMade] = {}
        self._lift_ids: set[str] = set()
        self._lifts: dict[_LiftKey, list[datetime]] = defaultdict(list)
        self._impacts_at: dict[_Slot, set[str]] = defaultdict(set)
        self._taken_at: dict[_Slot, set[str]] = defaultdict(set)
        # Impacts whose score is stale; rescoring is deferred to the next read so that a burst
        # of decisions on one slot costs one pass, not one per decision.
        self._dirty: set[str] = set()
        self._scores: dict[str, _ImpactScore] = {}
        self._avoided_of: dict[str, set[str]] = defaultdict(set)
        self._matched_of: dict[str, set[str]] = defaultdict(set)
        self._unsettled_impacts: set[str] = set()
        self._unsettled_decisions: set[str] = set()
        # Decisions still accruing cost, and what settle() has counted of each so far.
        self._accruing: set[str] = set()
        self._charged: dict[str, float] = {}
        # (occurred_at, effective_at) of every lift and taken decision, by key
        self._enders: dict[_LiftKey, list[tuple[datetime, datetime]]] = defaultdict(list)
        self._now: datetime | None = None

    def advance_to(self, at: datetime) -> None:
        """Move the referee's clock (the end of the last completed tick); it never goes back."""
        if self._now is None or at > self._now:
            self._now = at

    # -- input ------------------------------------------------------------------------------

    def add_truth(self, event: ImpactOccurred | HazardOccurred) -> bool:
        """Record a ground-truth event; False if it was already known."""
        if isinstance(event, HazardOccurred):
            key = (event.hazard_id, event.region)
            if key in self._hazards:
                return False
            self._hazards[key] = event
            return True
        if event.impact_id in self._impacts:
            return False
        self._impacts[event.impact_id] = event
        for action in {m.action for m in event.mitigations}:
            self._impacts_at[(event.sector, event.region, action)].add(event.impact_id)
        self._dirty.add(event.impact_id)
        self._unsettled_impacts.add(event.impact_id)
        return True

    def add_decision(self, event: DecisionMade) -> bool:
        """Record a sector's decision (taken or lifted); False if it was already known."""
        decision_id = str(event.event_id)
        slot = (event.sector, event.region, event.action)
        if event.status == "lifted":
            if decision_id in self._lift_ids:
                return False
            self._lift_ids.add(decision_id)
            self._lifts[_key(event)].append(event.effective_at)
            self._enders[_key(event)].append((event.occurred_at, event.effective_at))
        else:
            if decision_id in self._taken:
                return False
            self._taken[decision_id] = event
            self._taken_at[slot].add(decision_id)
            self._unsettled_decisions.add(decision_id)
            self._accruing.add(decision_id)
            self._enders[_key(event)].append((event.occurred_at, event.effective_at))
        self._dirty.update(self._impacts_at.get(slot, ()))
        return True

    # -- scoring ----------------------------------------------------------------------------

    def _in_force(self, decision: DecisionMade, impact: ImpactOccurred) -> bool:
        """True unless the decision was lifted before the asset's exposure started."""
        return not any(
            decision.effective_at < lifted <= impact.exposure_started_at
            for lifted in self._lifts.get(_key(decision), ())
        )

    def _ends_at(self, decision: DecisionMade) -> datetime | None:
        """When a lift or a newer decision with the same key ends the decision, if one does.

        Newer means decided later (or at the same time, taking effect later). One that takes
        effect before the decision does (a lift while a control was still being set up) ends it
        as it starts: it then costs only its setup."""
        mine = (decision.occurred_at, decision.effective_at)
        later = [
            max(effective, decision.effective_at)
            for occurred, effective in self._enders.get(_key(decision), ())
            if (occurred, effective) > mine
        ]
        return min(later, default=None)

    def _cost(self, decision: DecisionMade) -> tuple[float, bool]:
        """What the decision has cost up to the clock, and whether that is all it will cost."""
        end = self._ends_at(decision)
        now = self._now
        if now is None:
            return decision.setup_cost_yuan, False
        stop = now if end is None else min(end, now)
        hours = (stop - decision.effective_at).total_seconds() / 3600
        return decision.cost_over(hours), end is not None and end <= now

    def _covers(self, decision: DecisionMade, impact: ImpactOccurred) -> bool:
        """Asset, industry and lifting rules of a match (sector, region, action agree already)."""
        if decision.asset_ids and impact.asset_id not in decision.asset_ids:
            return False
        if (
            decision.industry is not None
            and impact.industry is not None
            and decision.industry != impact.industry
        ):
            return False
        return self._in_force(decision, impact)

    def _rescore(self, impact_id: str) -> None:
        impact = self._impacts[impact_id]
        old = self._scores.get(impact_id)
        if old is not None:
            for decision_id in old.matched_by:
                self._matched_of[decision_id].discard(impact_id)
            for decision_id in old.avoided_by:
                self._avoided_of[decision_id].discard(impact_id)
        best: dict[Mode, _Credit] = {}
        avoided_by: set[str] = set()
        matched_by: set[str] = set()
        for action in {m.action for m in impact.mitigations}:
            for decision_id in self._taken_at.get((impact.sector, impact.region, action), ()):
                decision = self._taken[decision_id]
                if not self._covers(decision, impact):
                    continue
                matched_by.add(decision_id)
                avoided = impact.loss_avoided(action, decision.effective_at)
                if avoided <= 0:
                    continue
                avoided_by.add(decision_id)
                credit = _Credit(decision_id, avoided, decision.effective_at)
                current = best.get(decision.mode)
                if current is None or credit.beats(current):
                    best[decision.mode] = credit
        for decision_id in matched_by:
            self._matched_of[decision_id].add(impact_id)
        for decision_id in avoided_by:
            self._avoided_of[decision_id].add(impact_id)
        self._scores[impact_id] = _ImpactScore(best, frozenset(avoided_by), frozenset(matched_by))

    def _refresh(self) -> None:
        for impact_id in self._dirty:
            self._rescore(impact_id)
        self._dirty.clear()

    def _outcome(self, decision_id: str) -> Outcome:
        if self._avoided_of.get(decision_id):
            return Outcome.HIT
        if self._matched_of.get(decision_id):
            return Outcome.LATE
        return Outcome.FALSE_ALARM

    def _figures(self) -> dict[str, dict[Mode, ModeFigures]]:
        self._refresh()
        figures: dict[str, dict[Mode, ModeFigures]] = {}

        def of(sector: str, mode: Mode) -> ModeFigures:
            per_mode = figures.setdefault(sector, {m: ModeFigures() for m in Mode})
            return per_mode[mode]

        for impact_id, impact in self._impacts.items():
            score = self._scores[impact_id]
            for mode in Mode:
                fig = of(impact.sector, mode)
                credit = score.best.get(mode)
                if credit is not None:
                    fig.avoided.append(credit.avoided)
                    lead = (impact.occurred_at - credit.effective_at).total_seconds()
                    fig.lead_times_s.append(lead)
                elif _avoidable(impact) > 0:
                    fig.misses += 1
        relocated: dict[tuple[str, Mode, str], float] = {}
        for decision_id, decision in self._taken.items():
            fig = of(decision.sector, decision.mode)
            fig.decisions += 1
            fig.costs.append(self._cost(decision)[0])
            if decision.cost_unit.startswith(Per.PERSON.value):
                slot = (decision.sector, decision.mode, decision.decision_key)
                relocated[slot] = max(relocated.get(slot, 0.0), decision.quantity)
            outcome = self._outcome(decision_id)
            if outcome is Outcome.HIT:
                fig.hits += 1
            elif outcome is Outcome.LATE:
                fig.late += 1
            else:
                fig.false_alarms += 1
        for (sector, mode, _), people in relocated.items():
            of(sector, mode).people_relocated += round(people)
        return figures

    def _avoidable_by_sector(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for impact in self._impacts.values():
            out[impact.sector].append(_avoidable(impact))
        return out

    # -- output -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Per sector ``{"siloed", "fused", "multiplier", ...}`` and ``"overall"``."""
        figures = self._figures()
        avoidable = self._avoidable_by_sector()
        out: dict[str, Any] = {}
        totals = {m: ModeFigures() for m in Mode}
        for sector in sorted(figures, key=str):
            per_mode = figures[sector]
            for mode in Mode:
                totals[mode].absorb(per_mode[mode])
            out[sector] = {
                Mode.SILOED.value: per_mode[Mode.SILOED].as_dict(),
                Mode.FUSED.value: per_mode[Mode.FUSED].as_dict(),
                **_comparison(per_mode, math.fsum(avoidable.get(sector, ()))),
            }
        all_avoidable = math.fsum(v for values in avoidable.values() for v in values)
        out["overall"] = _comparison(totals, all_avoidable)
        return out

    def counts(self) -> dict[str, int]:
        """How many distinct events of each kind the board holds."""
        return {
            "impacts": len(self._impacts),
            "hazards": len(self._hazards),
            "decisions": len(self._taken),
            "lifted": len(self._lift_ids),
        }

    def settle(self, *, final: bool = False) -> Settlement:
        """What became final since the last call; ``final`` at the run's last tick."""
        self._refresh()
        outcomes: Counter[tuple[str, str, str]] = Counter()
        avoided: dict[tuple[str, str], list[float]] = defaultdict(list)
        costs: dict[tuple[str, str], list[float]] = defaultdict(list)
        leads: list[tuple[str, str, float]] = []
        for impact_id in sorted(self._unsettled_impacts):
            impact = self._impacts[impact_id]
            score = self._scores[impact_id]
            for mode in Mode:
                credit = score.best.get(mode)
                if credit is not None:
                    avoided[(impact.sector, mode.value)].append(credit.avoided)
                    lead = (impact.occurred_at - credit.effective_at).total_seconds()
                    leads.append((impact.sector, mode.value, lead))
                elif _avoidable(impact) > 0:
                    outcomes[(impact.sector, mode.value, Outcome.MISS.value)] += 1
        self._unsettled_impacts.clear()
        for decision_id in sorted(self._accruing):
            decision = self._taken[decision_id]
            cost, done = self._cost(decision)
            counted = self._charged.get(decision_id, 0.0)
            if cost > counted:
                costs[(decision.sector, decision.mode.value)].append(cost - counted)
                self._charged[decision_id] = cost
            if done or final:
                self._accruing.discard(decision_id)
        for decision_id in sorted(self._unsettled_decisions):
            outcome = self._outcome(decision_id)
            if outcome is Outcome.HIT or final:
                decision = self._taken[decision_id]
                outcomes[(decision.sector, decision.mode.value, outcome.value)] += 1
                self._unsettled_decisions.discard(decision_id)
        return Settlement(
            outcomes=dict(outcomes),
            loss_avoided_yuan={k: math.fsum(v) for k, v in avoided.items()},
            cost_yuan={k: math.fsum(v) for k, v in costs.items()},
            lead_times_s=leads,
        )


def _comparison(per_mode: dict[Mode, ModeFigures], avoidable: float) -> dict[str, Any]:
    """Multiplier, its basis, the value gain and the avoidable total of one sector (or all)."""
    fused = per_mode[Mode.FUSED].value_yuan
    siloed = per_mode[Mode.SILOED].value_yuan
    ratio, basis = multiplier(fused=fused, siloed=siloed, avoidable=avoidable)
    return {
        "multiplier": ratio,
        "multiplier_basis": basis.value,
        "value_gain_yuan": round(fused - siloed, 2),
        "avoidable_yuan": round(avoidable, 2),
    }
