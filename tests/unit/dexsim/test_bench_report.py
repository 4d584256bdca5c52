"""The bench's own arithmetic: profile frames, the soak's growth and its durations."""

from __future__ import annotations

from pathlib import Path

import pytest

from dexsim import bench
from shared.settings import PROJECT_ROOT

ROOT = str(PROJECT_ROOT)


def test_top_frames_rank_leaves_by_their_own_samples_and_drop_the_machines_paths() -> None:
    collapsed = "\n".join(
        [
            f"main ({ROOT}/dexsim/serve.py:10);decode ({ROOT}/shared/codec.py:61) 30",
            f"main ({ROOT}/dexsim/serve.py:10);handle (/x/site-packages/faust/a.py:5) 10",
            f"main ({ROOT}/dexsim/serve.py:10);other ({ROOT}/shared/codec.py:61);"
            f"decode ({ROOT}/shared/codec.py:61) 20",
            "not a stack line",
        ]
    )
    found = bench.top_frames(collapsed, top=2)
    assert found["samples"] == 60
    assert found["frames"] == [
        {"frame": "decode (shared/codec.py:61)", "own_samples": 50, "share": 0.833},
        {"frame": "handle (faust/a.py:5)", "own_samples": 10, "share": 0.167},
    ]


def test_soak_growth_counts_from_the_end_of_the_warm_up() -> None:
    curve = [(0.0, 80.0), (100.0, 120.0), (300.0, 100.0), (900.0, 105.0), (1800.0, 111.0)]
    row = bench.soak_growth(curve, warmup_s=300.0)
    assert row["rss_mb_after_warmup"] == 100.0
    assert row["growth_after_warmup"] == 0.11
    assert row["flat_within_10pct"] is False
    assert row["rss_mb_max"] == 120.0
    flat = bench.soak_growth([(0.0, 80.0), (300.0, 100.0), (1800.0, 110.0)], warmup_s=300.0)
    assert flat["flat_within_10pct"] is True  # exactly 10 %: flat


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800.0), ("90s", 90.0), ("1h", 3600.0), ("45", 45.0)]
)
def test_durations_read_minutes_seconds_and_hours(text: str, seconds: float) -> None:
    assert bench.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "-5m", "half an hour"])
def test_a_duration_that_is_not_one_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"30m|positive"):
        bench.parse_duration(text)


def test_the_soak_chart_is_a_png(tmp_path: Path) -> None:
    soak = {
        "offered_eps": 3000,
        "seconds": 600.0,
        "warmup_s": 100.0,
        "samples": [{"t_s": t, "weather": 100.0 + t / 100} for t in (0.0, 100.0, 600.0)],
        "services": {"weather": {"growth_after_warmup": 0.05}},
    }
    out = bench.soak_chart(soak, tmp_path / "soak.png")
    assert out is not None and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
