"""The situation ledger: one key per situation for both modes, and ids that never repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.contracts.envelope import Mode
from shared.situations import SituationLedger, id_parts
from tests.factories import emergency as make
from tests.factories.emergency import gauge

T0 = datetime(2020, 7, 8, tzinfo=UTC)


def test_both_modes_share_a_key_while_either_holds_the_situation() -> None:
    ledger = SituationLedger()
    first = ledger.open("s", Mode.FUSED, T0)
    assert ledger.open("s", Mode.SILOED, T0 + timedelta(hours=3)) == first
    ledger.close("s", Mode.FUSED)
    assert ledger.key("s") == first  # siloed still holds it
    ledger.close("s", Mode.SILOED)
    assert ledger.key("s") is None
    assert ledger.open("s", Mode.SILOED, T0 + timedelta(hours=9)) != first  # a new situation


def test_a_mode_that_reopens_a_situation_the_other_still_holds_gets_a_new_episode() -> None:
    ledger = SituationLedger()
    key = ledger.open("s", Mode.FUSED, T0)
    assert ledger.open("s", Mode.SILOED, T0) == key
    assert ledger.episode("s", Mode.SILOED) == 1
    ledger.close("s", Mode.SILOED)
    assert ledger.open("s", Mode.SILOED, T0 + timedelta(hours=30)) == key  # fused never let go
    assert ledger.episode("s", Mode.SILOED) == 2
    assert ledger.episode("s", Mode.FUSED) == 1
    assert id_parts(key, 1) == (key,)  # the first episode keeps the ids it always had
    assert id_parts(key, 2) != id_parts(key, 1)


def test_what_the_siloed_model_decides_does_not_depend_on_what_the_fused_one_holds() -> None:
    """The leak issue 14 found: a siloed decision dropped as a duplicate when fused ran."""

    def siloed_ids(fused_sees_the_fall: bool) -> list[str]:
        models = make.models()
        out = []
        # the lake rises over warning, falls for longer than every hold time, and rises again
        for event in (gauge(0, 20.4), gauge(1, 18.0), gauge(30, 18.0), gauge(60, 18.0),
                      gauge(61, 20.4)):  # fmt: skip
            out += models.siloed.on_gauge(event)
            if event.water_level_m > 19.0 or fused_sees_the_fall:
                models.fused.on_gauge(event)
        lifted = [d for d in out if d.status == "lifted"]
        taken = [str(d.event_id) for d in out if d.status == "taken"]
        # every measure of the first rise stood down, and each was taken again on the second
        assert lifted and len(taken) == 2 * len(lifted)
        return taken

    alone = siloed_ids(fused_sees_the_fall=True)
    beside_a_holder = siloed_ids(fused_sees_the_fall=False)  # fused keeps the situations open
    assert len(alone) == len(beside_a_holder)
    assert len(set(beside_a_holder)) == len(beside_a_holder), "no two decisions share an id"
