"""The finance rules at their thresholds, siloed and fused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.finance.domain import FinanceModel, FinanceRules
from services.finance.service import FinanceSettings, book_of, load_rules
from shared.contracts.agriculture import AdvisoryIssued
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode
from shared.contracts.finance import (
    Basis,
    ClaimsFiled,
    FinanceAction,
    FinanceDecision,
    RepaymentsMissed,
)
from shared.contracts.weather import Colour, StationObservation
from shared.world import load_world
from shared.world.costs import worth_acting
from shared.world.sectors.finance import IndexCounter, IndexSpec, LoanBook, Product
from tests.factories.weather import rain_warnings

#: Local midnight of 27 July 2013 (middle rice heads in late July).
T0 = datetime(2013, 7, 26, 16, tzinfo=UTC)
NANCHANG = "360100"
RICE = f"policy-rice_heat-{NANCHANG}-middle_rice"
FARM_BOOK = f"loans-{NANCHANG}-farm"
FIRM_BOOK = f"loans-{NANCHANG}-firm"


def rules() -> FinanceRules:
    return load_rules(FinanceSettings().rules_path)


BOOK = book_of(load_world())


def model(mode: Mode = Mode.SILOED, rules_: FinanceRules | None = None) -> FinanceModel:
    return FinanceModel(mode=mode, rules=rules_ or rules(), book=BOOK)


def rice_product() -> Product:
    return next(p for p in BOOK.pools if p.id == RICE).product


# -- the index itself -------------------------------------------------------------------------


def test_a_consecutive_index_counts_the_longest_run_and_a_break_resets_the_run() -> None:
    counter = IndexCounter(
        IndexSpec(measure="tmax_day", op="ge", threshold=35, unit="day", consecutive=True)
    )
    assert [counter.add(v) for v in (35.0, 34.9, 35, 36, 37)] == [1, 1, 1, 2, 3]
    assert counter.add(40, eligible=False) == 3  # out of stage: the run breaks, the best stays
    assert counter.run == 0


def test_a_cumulative_index_counts_every_cold_hour() -> None:
    counter = IndexCounter(
        IndexSpec(measure="temp", op="le", threshold=-3, unit="hour", consecutive=False)
    )
    assert [counter.add(v) for v in (-3.0, -2.9, -5, 0)] == [1, 1, 2, 2]


def test_the_payout_is_nothing_below_the_trigger_and_the_first_tier_at_it() -> None:
    product = rice_product()
    assert product.payout_share(product.trigger - 1) == 0
    assert product.payout_share(product.trigger) == product.payout[0][1]


# -- fused: the index from station readings ---------------------------------------------------


def observation(at: datetime, tmax: float, station: str = "58606") -> StationObservation:
    return StationObservation(
        occurred_at=at,
        source="weather",
        region=NANCHANG,
        station_id=station,
        temp_c=tmax,
        tmax_c=tmax + 1,  # the index reads the hourly temperature, not the hour's max
        elevation_m=50,
    )


def hot_days(m: FinanceModel, tmaxes: list[float], first: int = 0) -> list[FinanceDecision]:
    """Feed each local day's noon and 23:00 readings from day ``first``; the decisions made."""
    out: list[FinanceDecision] = []
    for d, tmax in enumerate(tmaxes, start=first):
        day = T0 + timedelta(days=d)
        out += m.on_observation(observation(day + timedelta(hours=12), tmax))
        out += m.on_observation(observation(day + timedelta(hours=23), tmax - 5))
    return out


def test_fused_pays_at_the_close_of_the_day_the_index_meets_the_trigger_not_before() -> None:
    product = rice_product()
    days = int(product.trigger)
    m = model(Mode.FUSED)
    assert hot_days(m, [product.index.threshold] * (days - 1)) == []
    (paid,) = hot_days(m, [product.index.threshold], first=days - 1)
    pool = m.accounts[RICE].pool
    assert paid.action == FinanceAction.PAY_CLAIM and paid.basis is Basis.INDEX
    assert paid.asset_ids == (RICE, f"{RICE}:t1") and paid.cross_sector_inputs == ("weather",)
    assert paid.amount_yuan == pool.payout_yuan(product.payout[0][1])
    assert paid.effective_at == T0 + timedelta(days=days - 1, hours=23)
    # The cost is the payout and its handling: a false payment costs exactly that.
    handling = BOOK.claim_terms.handling_share
    assert paid.setup_cost_yuan == pytest.approx(paid.amount_yuan * (1 + handling), abs=0.01)


def test_fused_does_not_count_a_day_just_below_the_threshold() -> None:
    product = rice_product()
    m = model(Mode.FUSED)
    cool = product.index.threshold - 0.1
    assert hot_days(m, [cool] * int(product.trigger + 2)) == []


def test_fused_tops_up_to_the_next_tier_and_never_pays_a_tier_twice() -> None:
    product = rice_product()
    m = model(Mode.FUSED)
    paid = hot_days(m, [36.0] * int(product.payout[1][0]))
    assert len(paid) == 2
    assert m.accounts[RICE].paid_share == product.payout[1][1]
    more = hot_days(m, [30.0], first=int(product.payout[1][0]))
    assert more == []


def test_a_mountain_station_is_reduced_to_the_reference_height_and_others_ignored() -> None:
    m = model(Mode.FUSED)
    lushan = observation(T0 + timedelta(hours=12), 30, station="58506")
    assert m.on_observation(lushan) == [] and NANCHANG not in m.indexed


def test_the_siloed_model_refuses_other_sectors_data() -> None:
    with pytest.raises(ValueError, match="siloed"):
        model().on_observation(observation(T0, 36))


# -- both modes: claims filed -----------------------------------------------------------------


def claim(share: float, at: datetime = T0, pool: str = RICE) -> ClaimsFiled:
    p = next(x for x in BOOK.pools if x.id == pool)
    return ClaimsFiled(
        occurred_at=at,
        source="test",
        region=p.region,
        pool_id=pool,
        product=p.product.id,
        claims=10,
        claimed_yuan=p.payout_yuan(share),
        loss_at=at - timedelta(days=2),
    )


def heat_warning(at: datetime) -> object:
    (warning, *_) = rain_warnings(NANCHANG, [20, 20, 20])
    from shared.contracts.weather import SignalType

    return warning.model_copy(update={"signal": SignalType.HEAT, "occurred_at": at})


def test_a_filed_claim_waits_for_its_assessment_and_is_paid_when_a_warning_covers_it() -> None:
    m = model()
    m.on_warning(heat_warning(T0 - timedelta(days=3)))  # type: ignore[arg-type]
    assessment = timedelta(hours=rules().claims.assessment_h)
    assert m.on_claims(claim(0.15)) == []
    assert m.advance(T0 + assessment - timedelta(hours=1)) == []
    (paid,) = m.advance(T0 + assessment)
    assert paid.basis is Basis.CLAIMS and paid.cross_sector_inputs == ()
    assert paid.probability == rules().claims.chances.filed_with_warning
    assert paid.effective_at == T0 + assessment


def test_an_uncorroborated_claim_is_not_paid_and_the_chances_sit_either_side_of_c_over_l() -> None:
    m = model()
    m.on_claims(claim(0.15))
    assert m.advance(T0 + timedelta(days=10)) == []
    chances, terms = rules().claims.chances, BOOK.claim_terms
    amount = 1_000_000.0
    spared, cost = amount * (1 + terms.distress[-1][1]), amount * (1 + terms.handling_share)
    assert not worth_acting(chances.filed_unverified, spared, cost)
    assert worth_acting(chances.filed_with_warning, spared, cost)


def test_fused_rejects_a_claim_its_index_does_not_support_and_siloed_pays_it() -> None:
    warning = heat_warning(T0 - timedelta(days=3))
    fused, siloed = model(Mode.FUSED), model()
    hot_days(fused, [34.0])  # the index station has spoken: no trigger
    for m in (fused, siloed):
        m.on_warning(warning)  # type: ignore[arg-type]
        m.on_claims(claim(0.15))
    later = T0 + timedelta(days=5)
    assert fused.advance(later) == []
    assert len(siloed.advance(later)) == 1


def test_fused_decides_a_claim_at_once_on_agriculture_s_assessment() -> None:
    m = model(Mode.FUSED)
    advisory = AdvisoryIssued.model_validate(
        {
            "occurred_at": T0 - timedelta(days=1),
            "source": "agriculture",
            "region": NANCHANG,
            "mode": "fused",
            "action": "irrigate",
            "decision_key": "k",
            "effective_at": T0 - timedelta(days=1),
            "expected_loss_avoided_yuan": 1,
            "industry": "rice",
            "crop": "middle_rice",
            "risk": "heat",
            "risk_level": "high",
            "basis": "sensors",
            "advice_zh": "灌溉",
            "advice_en": "irrigate",
        }
    )
    m.on_advisory(advisory)
    (paid,) = m.on_claims(claim(0.15))
    assert paid.cross_sector_inputs == ("agriculture",) and paid.effective_at == T0


# -- credit -----------------------------------------------------------------------------------


def repayments(missed: float, book: str = FARM_BOOK) -> RepaymentsMissed:
    return RepaymentsMissed(
        occurred_at=T0,
        source="test",
        region=NANCHANG,
        book_id=book,
        borrower_class=book.rsplit("-", 1)[1],
        missed_share=missed,
    )


def test_missed_repayments_extend_a_book_at_the_threshold_not_below_and_once() -> None:
    loans = rules().loans
    at = loans.normal_missed_share + loans.missed_above_normal
    assert model().on_repayments(repayments(at - 0.001)) == []
    m = model()
    (extended,) = m.on_repayments(repayments(at))
    assert extended.action == FinanceAction.EXTEND_LOAN and extended.borrower_class == "farm"
    assert extended.asset_ids == (FARM_BOOK,) and extended.cross_sector_inputs == ()
    book = m.loan_books[FARM_BOOK]
    assert extended.setup_cost_yuan == pytest.approx(
        book.balance_yuan * BOOK.loan_terms.extension_cost_share, abs=0.01
    )
    assert m.on_repayments(repayments(at + 0.05)) == []


def response(level: ResponseLevel | None, measure: Measure = Measure.RESPONSE_LEVEL) -> object:
    return ResponseDecided.model_validate(
        {
            "occurred_at": T0,
            "source": "emergency",
            "region": NANCHANG,
            "mode": "fused",
            "action": measure.action.value,
            "decision_key": "k",
            "effective_at": T0,
            "expected_loss_avoided_yuan": 1,
            "measure": measure.value,
            "level": level.value if level else None,
        }
    )


def test_a_response_level_extends_the_books_whose_c_over_l_its_chance_exceeds() -> None:
    chances = rules().loans.chances.response_level
    m = model(Mode.FUSED)
    farm, firm = m.loan_books[FARM_BOOK], m.loan_books[FIRM_BOOK]
    terms = BOOK.loan_terms

    def ratio(book: LoanBook) -> float:
        return terms.extension_cost_share / (
            terms.extension_avoid_share * book.loan_class.defaults[-1][1] * terms.lgd
        )

    # Level II lies between the farm book's C/L and the firm book's: only farm loans.
    assert ratio(farm) < chances[ResponseLevel.II] < ratio(firm)
    decided = m.on_response(response(ResponseLevel.II))  # type: ignore[arg-type]
    assert [d.asset_ids for d in decided] == [(FARM_BOOK,)]
    assert decided[0].cross_sector_inputs == ("emergency",)
    assert model(Mode.FUSED).on_response(response(ResponseLevel.IV)) == []  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="siloed"):
        model().on_response(response(ResponseLevel.I))  # type: ignore[arg-type]


def test_a_red_rainstorm_warning_alone_extends_nothing() -> None:
    red = [w for w in rain_warnings(NANCHANG, [40, 40, 40, 40]) if w.colour is Colour.RED]
    assert red
    m = model()
    assert all(m.on_warning(w) == [] for w in red)
