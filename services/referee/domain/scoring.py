"""How the referee scores decisions against the ground truth: the one place these rules live.

Inputs
------
* Ground truth, which only the referee reads: ``ImpactOccurred`` (the harm one hazard did to one
  asset, with the ``Mitigation`` options that would have avoided some of it and what each costs a
  decision-maker with perfect information), ``HazardOccurred`` (a hazard episode in one city)
  and ``ValueReference`` (what always acting would cost a sector over the run).
* Every sector's decisions: subclasses of ``DecisionMade``, each made in one ``Mode``.

Every figure below comes from those events (the simulator's mitigations carry the avoidable
yuan, the benefit windows and the perfect-information costs, the decisions carry their prices).
Nothing is weighted, scored or scaled by a constant written here; the one constant,
``MATERIAL_AVOIDABLE_YUAN``, only decides whether a multiplier is shown.

Matching
--------
A taken decision *matches* an impact when

1. sector, region and action agree (the action is one of the impact's mitigations);
2. the impact's asset is covered: ``asset_ids`` contains it, or ``asset_ids`` is empty (every
   asset of the sector in the region); when both name an ``industry`` they must agree, so an
   advisory to a city's rice farms does not cover its tea gardens;
3. the decision is still in force when the asset's exposure starts: no ``status="lifted"``
   decision with the same sector, mode, region, ``decision_key`` and action, decided after it,
   takes effect at or before the impact's ``exposure_started_at`` or at or before the decision's
   own ``effective_at`` (an action called off before it started protected nothing, however late
   the exposure).

A matching decision *avoids* ``impact.loss_avoided(action, effective_at, quantity)`` yuan: the
whole avoidable loss when in place by the mitigation's ``full_benefit_by``, nothing from its
``no_benefit_after``, falling linearly in between, so an early correct decision is worth more than
a late one. An action counted per person (evacuation) covers only the people it moved: of an
impact that affects ``people_affected`` after the episode's earlier impacts affected
``people_before``, a decision moving ``quantity`` people covers the share
``(quantity − people_before) / people_affected``, clamped to [0, 1]; the perfect decision-maker
moves exactly the people each impact affects, so moving a few early cannot earn the credit of
moving them all.

Outcomes, per sector and mode
-----------------------------
* **hit**: a taken decision that avoided something of at least one impact;
* **late**: a taken decision that matched an impact but avoided nothing (in place too late);
* **false alarm**: a taken decision that matched no impact at all; its score is its cost;
* **miss**: an impact with something avoidable of which no decision of the mode avoided anything.

Every sector whose reference (``ValueReference``) arrived is in the summary, with zeros where its
world had nothing at stake and it decided nothing.

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

``people_relocated`` is, per mode, the people moved by decisions priced per person (evacuation):
each taken decision moves its ``quantity`` less the people already moved by the decision it
revises (same key, decided before it, not lifted in between), never a negative number; after a
lift the next decision moves its people afresh.

The lead time of an avoided impact is its ``occurred_at`` (when the loss happened to that asset)
minus the ``effective_at`` of the decision credited with it; ``mean_lead_time_s`` averages it over
the mode's avoided impacts. It is negative when a decision in force after the loss began still
avoided part of an accruing loss. Hazard episodes (``HazardOccurred``) are kept and counted, but
each impact already says exactly when its asset was hit, which is finer than a city's onset.

Relative economic value (the measure)
-------------------------------------
The cost-loss model of the forecast-value literature (Murphy 1977, "The value of climatological,
categorical and probabilistic forecasts in the cost-loss ratio situation", Mon. Wea. Rev. 105;
Richardson 2000, "Skill and relative economic value of the ECMWF ensemble prediction system",
Q. J. R. Meteorol. Soc. 126), per sector and mode:

* ``L0`` (``loss_without_action_yuan``): Σ ``loss_yuan`` of the sector's impacts, the loss with
  no protective action;
* ``L = L0 − loss avoided`` (``loss_yuan``), ``C`` the cost of the decisions, and the value
  ``V = L0 − L − C = loss avoided − C`` (``value_yuan``);
* ``V*`` (``perfect_value_yuan``), the value of perfect information: each impact protected by its
  best action exactly for the asset's part that is hit, in place just in time and lifted when the
  loss ends, where that is worth it: Σ over impacts of max(0, max over mitigations of
  ``avoidable_yuan − perfect_cost_yuan``). The impacts of one episode (its loss steps) share one
  protection of the asset (the simulator charges each only its own stretch of it), but where one
  action protects the episodes of several rules on an asset at once (rice heat at heading and at
  milk), each pays for it, so ``V*`` is slightly low there and a decision covering both can
  reach REV a little above 1;
* ``V_ref`` (``reference_value_yuan``), the climatological reference: the better of never acting
  (0) and always acting (every action in force on every asset for the whole run: the sector's
  avoidable total less ``ValueReference.always_cost_yuan``); ``reference`` says which;
* ``REV = (V − V_ref) / (V* − V_ref)`` (``rev``): 1 is perfect information, 0 no better than the
  reference, below 0 worse. ``None`` when ``V* <= V_ref`` (nothing could be gained) or a sector's
  reference has not arrived.

Comparing the modes, ``vf = V(fused)``, ``vs = V(siloed)``:

* ``value_gain_yuan = vf − vs`` (ΔV), always reported: the fusion gain in yuan; exactly 0 in the
  ``--fusion off`` control;
* ``gap_closed = ΔV / (V* − vs)``: the share of what siloed left on the table that fusion
  recovered (``None`` when ``V* <= vs``);
* ``multiplier = vf / vs`` (basis ``ratio``) only where ``vs > 0``, ``vf > 0`` and the avoidable
  loss ``A`` (Σ over impacts of their largest ``avoidable_yuan``) is material, at least
  ``MATERIAL_AVOIDABLE_YUAN``; otherwise ``None`` (basis ``n/a``) with ``multiplier_reason``. A
  ratio against zero, a net loss or a trifle flips sign or explodes and means nothing.

Overall, every figure is the sum over sectors (``V*``, ``V_ref`` and ``L0`` too), and REV and the
gap are computed from the sums.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Mode
from shared.contracts.simulator import HazardOccurred, ImpactOccurred, ValueReference
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
    """Whether the multiplier is shown (see "Relative economic value" in the module doc)."""

    RATIO = "ratio"
    NOT_APPLICABLE = "n/a"


#: Below this avoidable loss a sector's multiplier is not shown: a few decisions' costs then
#: decide the ratio, which swings on noise (the fog scenario's ¥4.5 m gave ×−2.3). ¥10 m is
#: about one city's day of closures on a busy trunk or a thousandth of a flood season's loss.
MATERIAL_AVOIDABLE_YUAN = 1.0e7


def multiplier(
    *, fused: float, siloed: float, avoidable: float
) -> tuple[float | None, MultiplierBasis, str | None]:
    """value(fused) / value(siloed) where that means something; otherwise None and why."""
    if siloed <= 0:
        reason = "siloed value is not positive (¥%.0f): a ratio against it means nothing"
        return None, MultiplierBasis.NOT_APPLICABLE, reason % siloed
    if fused <= 0:
        reason = "fused value is not positive (¥%.0f): fusion lost what siloed gained; see ΔV"
        return None, MultiplierBasis.NOT_APPLICABLE, reason % fused
    if avoidable < MATERIAL_AVOIDABLE_YUAN:
        reason = "avoidable loss ¥%.0f is below the ¥%.0f materiality threshold"
        return None, MultiplierBasis.NOT_APPLICABLE, reason % (avoidable, MATERIAL_AVOIDABLE_YUAN)
    return fused / siloed, MultiplierBasis.RATIO, None


def relative_value(value: float, *, perfect: float, reference: float) -> float | None:
    """REV = (V − V_ref) / (V* − V_ref), or None when perfect information gains nothing."""
    if perfect <= reference:
        return None
    return (value - reference) / (perfect - reference)


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


def _perfect(impact: ImpactOccurred) -> float:
    """What perfect information makes of an impact: its best action's saving less its cost."""
    return max([0.0, *(m.avoidable_yuan - m.perfect_cost_yuan for m in impact.mitigations)])


class Scoreboard:
    """The ground truth and the decisions of one run, and their scores."""

    def __init__(self) -> None:
        self._impacts: dict[str, ImpactOccurred] = {}
        self._hazards: dict[tuple[str, str], HazardOccurred] = {}
        self._references: dict[str, ValueReference] = {}
        self._taken: dict[str, DecisionMade] = {}
        self._lift_ids: set[str] = set()
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
        self._lifted_at: dict[_LiftKey, list[tuple[datetime, datetime]]] = defaultdict(list)
        self._now: datetime | None = None

    def advance_to(self, at: datetime) -> None:
        """Move the referee's clock (the end of the last completed tick); it never goes back."""
        if self._now is None or at > self._now:
            self._now = at

    # -- input ------------------------------------------------------------------------------

    def add_truth(self, event: ImpactOccurred | HazardOccurred | ValueReference) -> bool:
        """Record a ground-truth event; False if it was already known."""
        if isinstance(event, ValueReference):
            if event.sector in self._references:
                return False
            self._references[event.sector] = event
            return True
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
            self._enders[_key(event)].append((event.occurred_at, event.effective_at))
            self._lifted_at[_key(event)].append((event.occurred_at, event.effective_at))
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
        """True unless a lift decided after the decision ended it before the asset's exposure
        started, or before it took effect (then it never protected anything)."""
        mine = (decision.occurred_at, decision.effective_at)
        for occurred, lifted in self._lifted_at.get(_key(decision), ()):
            if (occurred, lifted) <= mine:
                continue  # an earlier situation's lift
            if lifted <= decision.effective_at or lifted <= impact.exposure_started_at:
                return False
        return True

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
                avoided = impact.loss_avoided(action, decision.effective_at, decision.quantity)
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
        for decision_id, decision in self._taken.items():
            fig = of(decision.sector, decision.mode)
            fig.decisions += 1
            fig.costs.append(self._cost(decision)[0])
            outcome = self._outcome(decision_id)
            if outcome is Outcome.HIT:
                fig.hits += 1
            elif outcome is Outcome.LATE:
                fig.late += 1
            else:
                fig.false_alarms += 1
        for (sector, mode), people in self._relocated().items():
            of(sector, mode).people_relocated += round(people)
        # A sector whose world had nothing at stake and that decided nothing is still scored
        # (zeros in both modes), so every sector with damage rules is in every summary.
        for sector in self._references:
            for mode in Mode:
                of(sector, mode)
        return figures

    def _relocated(self) -> dict[tuple[str, Mode], float]:
        """People moved per sector and mode (see the module doc)."""
        chains: dict[_LiftKey, list[tuple[datetime, datetime, float | None]]] = defaultdict(list)
        for decision in self._taken.values():
            if decision.cost_unit.startswith(Per.PERSON.value):
                key = _key(decision)
                chains[key].append((decision.occurred_at, decision.effective_at, decision.quantity))
        out: dict[tuple[str, Mode], float] = defaultdict(float)
        for key, taken in chains.items():
            lifts = [(o, e, None) for o, e in self._lifted_at.get(key, ())]
            moved = 0.0
            for _, _, quantity in sorted([*taken, *lifts], key=lambda x: (x[0], x[1])):
                if quantity is None:  # a lift: everybody goes home
                    moved = 0.0
                    continue
                out[(key[0], key[1])] += max(0.0, quantity - moved)
                moved = quantity
        return out

    def _stakes(self) -> dict[str, Stakes]:
        """What was at stake per sector: the avoidable, the no-action loss, perfect value."""
        avoidable: dict[str, list[float]] = defaultdict(list)
        loss: dict[str, list[float]] = defaultdict(list)
        perfect: dict[str, list[float]] = defaultdict(list)
        for impact in self._impacts.values():
            avoidable[impact.sector].append(_avoidable(impact))
            loss[impact.sector].append(impact.loss_yuan)
            perfect[impact.sector].append(_perfect(impact))
        sectors = set(avoidable) | set(self._references)
        out: dict[str, Stakes] = {}
        for sector in sectors:
            ref = self._references.get(sector)
            out[sector] = Stakes(
                avoidable=math.fsum(avoidable.get(sector, ())),
                loss=math.fsum(loss.get(sector, ())),
                perfect=math.fsum(perfect.get(sector, ())),
                always_cost=None if ref is None else ref.always_cost_yuan,
            )
        return out

    # -- output -----------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Per sector ``{"siloed", "fused", "multiplier", "rev"...}`` and ``"overall"``."""
        figures = self._figures()
        stakes = self._stakes()
        out: dict[str, Any] = {}
        totals = {m: ModeFigures() for m in Mode}
        for sector in sorted(figures, key=str):
            per_mode = figures[sector]
            for mode in Mode:
                totals[mode].absorb(per_mode[mode])
            out[sector] = _comparison(per_mode, stakes.get(sector, Stakes()))
        out["overall"] = _comparison(totals, Stakes.total(stakes.values()), modes=False)
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


@dataclass(frozen=True)
class Stakes:
    """What was at stake for a sector (or all): see "Relative economic value"."""

    avoidable: float = 0.0
    loss: float = 0.0
    perfect: float = 0.0
    #: What always acting costs; None until the sector's ``ValueReference`` arrived.
    always_cost: float | None = None

    @property
    def reference(self) -> tuple[float, str] | None:
        """V_ref and which strategy gives it (never or always acting), if known."""
        if self.always_cost is None:
            return None
        always = self.avoidable - self.always_cost
        return (always, "always") if always > 0 else (0.0, "never")

    @staticmethod
    def total(parts: Iterable[Stakes]) -> Stakes:
        """The sum over sectors (the reference only when every sector's is known)."""
        items = list(parts)
        costs = [p.always_cost for p in items]
        return Stakes(
            avoidable=math.fsum(p.avoidable for p in items),
            loss=math.fsum(p.loss for p in items),
            perfect=math.fsum(p.perfect for p in items),
            always_cost=None if None in costs else math.fsum(c for c in costs if c is not None),
        )


def _comparison(
    per_mode: dict[Mode, ModeFigures], stakes: Stakes, *, modes: bool = True
) -> dict[str, Any]:
    """Both modes' figures (``modes``), their REV, the gain, the gap and the multiplier."""
    fused = per_mode[Mode.FUSED].value_yuan
    siloed = per_mode[Mode.SILOED].value_yuan
    ratio, basis, reason = multiplier(fused=fused, siloed=siloed, avoidable=stakes.avoidable)
    ref = stakes.reference
    out: dict[str, Any] = {}
    for mode in Mode:
        fig = per_mode[mode]
        rev = None
        if ref is not None:
            rev = relative_value(fig.value_yuan, perfect=stakes.perfect, reference=ref[0])
        block = {
            "loss_yuan": round(stakes.loss - fig.loss_avoided_yuan, 2),
            "rev": None if rev is None else round(rev, 4),
        }
        out[mode.value] = {**fig.as_dict(), **block} if modes else block
    gap = stakes.perfect - siloed
    return {
        **out,
        "multiplier": ratio,
        "multiplier_basis": basis.value,
        "multiplier_reason": reason,
        "value_gain_yuan": round(fused - siloed, 2),
        "gap_closed": round((fused - siloed) / gap, 4) if gap > 0 else None,
        "avoidable_yuan": round(stakes.avoidable, 2),
        "loss_without_action_yuan": round(stakes.loss, 2),
        "perfect_value_yuan": round(stakes.perfect, 2),
        "reference_value_yuan": None if ref is None else round(ref[0], 2),
        "reference": None if ref is None else ref[1],
    }
