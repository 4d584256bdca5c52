"""Charts of ensembles and sweeps: one self-contained HTML file of inline SVG (no scripts).

``dexsim ensemble`` and ``dexsim sweep`` write them next to their JSON. Every band is drawn as
its 5–95 % range with the median marked, so a reader sees the spread, not only the centre.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

SILOED = "#8c8c8c"
FUSED = "#1f6fb2"
GAIN = "#2e8b57"
WIDTH = 760


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _yuan(value: float) -> str:
    """Yuan in 亿元 (1e8) or 万元 (1e4), whichever reads better."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f} 亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:,.0f} 万"
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"


def _esc(text: object) -> str:
    return html.escape(str(text))


class _Axis:
    """A linear scale from data to pixels."""

    def __init__(self, lo: float, hi: float, start: float, end: float) -> None:
        if hi <= lo:
            lo, hi = lo - 1, hi + 1
        self.lo, self.hi, self.start, self.end = lo, hi, start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) / (self.hi - self.lo) * (self.end - self.start)


def band_rows(
    title: str, rows: Sequence[tuple[str, dict[str, float] | None, str]], unit: str
) -> str:
    """Horizontal bands, one per row: (label, {p5, p50, p95} or None, colour)."""
    defined = [b for _, b, _ in rows if b]
    lo = min([b["p5"] for b in defined] + [0.0])
    hi = max([b["p95"] for b in defined] + [0.0])
    pad = (hi - lo) * 0.05 or 1.0
    left, right = 190, WIDTH - 20
    x = _Axis(lo - pad, hi + pad, left, right)
    row_h = 22
    height = 50 + row_h * len(rows)
    parts = [
        f'<svg width="{WIDTH}" height="{height}" role="img" aria-label="{_esc(title)}">',
        f'<text x="10" y="18" font-weight="bold">{_esc(title)}</text>',
    ]
    for tick in _nice_ticks(lo - pad, hi + pad):
        px = x(tick)
        if left <= px <= right:
            label = _yuan(tick) if unit == "yuan" else f"{tick:g}"
            parts.append(
                f'<line x1="{px:.1f}" y1="28" x2="{px:.1f}" y2="{height - 18}" stroke="#eee"/>'
                f'<text x="{px:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">'
                f"{_esc(label)}</text>"
            )
    zero = x(0.0)
    parts.append(
        f'<line x1="{zero:.1f}" y1="28" x2="{zero:.1f}" y2="{height - 18}" stroke="#999"/>'
    )
    for i, (label, b, colour) in enumerate(rows):
        y = 40 + i * row_h
        parts.append(f'<text x="10" y="{y + 4}" font-size="12">{_esc(label)}</text>')
        if b is None:
            parts.append(f'<text x="{left}" y="{y + 4}" font-size="11" fill="#999">n/a</text>')
            continue
        x0, x1, xm = x(b["p5"]), x(b["p95"]), x(b["p50"])
        median = _yuan(b["p50"]) if unit == "yuan" else f"{b['p50']:.3f}"
        parts.append(
            f'<rect x="{x0:.1f}" y="{y - 5}" width="{max(x1 - x0, 1):.1f}" height="10" '
            f'fill="{colour}" opacity="0.35"><title>p5 {b["p5"]} · p50 {b["p50"]} · '
            f"p95 {b['p95']}</title></rect>"
            f'<circle cx="{xm:.1f}" cy="{y}" r="4" fill="{colour}"/>'
            + _median_label(median, x0, x1, xm, y, left, right)
        )
    parts.append("</svg>")
    return "".join(parts)


def _median_label(text: str, x0: float, x1: float, xm: float, y: float, lo: int, hi: int) -> str:
    """The median's figure beside its band: right of it, else left, else above the dot."""
    if x1 + 70 < hi:
        return f'<text x="{x1 + 6:.1f}" y="{y + 4}" font-size="10">{text}</text>'
    if x0 - 70 > lo:
        return f'<text x="{x0 - 6:.1f}" y="{y + 4}" font-size="10" text-anchor="end">{text}</text>'
    return f'<text x="{xm:.1f}" y="{y - 7}" font-size="9" text-anchor="middle">{text}</text>'


def band_lines(
    title: str,
    xs: Sequence[float],
    series: Sequence[tuple[str, Sequence[dict[str, float] | None], str]],
    *,
    x_label: str,
    unit: str,
) -> str:
    """Lines of medians over ``xs`` with their 5–95 % bands shaded, one per series."""
    values = [b[k] for _, bs, _ in series for b in bs if b for k in ("p5", "p95")]
    lo, hi = (min([*values, 0.0]), max([*values, 0.0])) if values else (0.0, 1.0)
    pad = (hi - lo) * 0.05 or 1.0
    left, right, top, bottom = 80, WIDTH - 150, 30, 250
    x = _Axis(min(xs), max(xs), left, right)
    y = _Axis(lo - pad, hi + pad, bottom, top)
    parts = [
        f'<svg width="{WIDTH}" height="{bottom + 40}" role="img" aria-label="{_esc(title)}">',
        f'<text x="10" y="18" font-weight="bold">{_esc(title)}</text>',
    ]
    for tick in _nice_ticks(lo - pad, hi + pad):
        py = y(tick)
        if top <= py <= bottom:
            label = _yuan(tick) if unit == "yuan" else f"{tick:g}"
            parts.append(
                f'<line x1="{left}" y1="{py:.1f}" x2="{right}" y2="{py:.1f}" stroke="#eee"/>'
                f'<text x="{left - 6}" y="{py + 3:.1f}" font-size="10" text-anchor="end">'
                f"{_esc(label)}</text>"
            )
    parts.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{right}" y2="{y(0):.1f}" stroke="#999"/>')
    for v in xs:
        parts.append(
            f'<text x="{x(v):.1f}" y="{bottom + 16}" font-size="10" text-anchor="middle">'
            f"{v:g}</text>"
        )
    parts.append(
        f'<text x="{(left + right) / 2:.1f}" y="{bottom + 32}" font-size="11" '
        f'text-anchor="middle">{_esc(x_label)}</text>'
    )
    for i, (label, bs, colour) in enumerate(series):
        pts = [(x(v), b) for v, b in zip(xs, bs, strict=True) if b]
        if pts:
            upper = " ".join(f"{px:.1f},{y(b['p95']):.1f}" for px, b in pts)
            lower = " ".join(f"{px:.1f},{y(b['p5']):.1f}" for px, b in reversed(pts))
            parts.append(f'<polygon points="{upper} {lower}" fill="{colour}" opacity="0.18"/>')
            line = " ".join(f"{px:.1f},{y(b['p50']):.1f}" for px, b in pts)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for px, b in pts:
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{y(b["p50"]):.1f}" r="3" fill="{colour}">'
                    f"<title>p5 {b['p5']} · p50 {b['p50']} · p95 {b['p95']}</title></circle>"
                )
        parts.append(
            f'<rect x="{right + 12}" y="{top + i * 18}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{right + 30}" y="{top + 5 + i * 18}" font-size="11">{_esc(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def page(title: str, subtitle: str, figures: Sequence[str]) -> str:
    """A self-contained HTML page of figures."""
    body = "".join(f"<figure>{f}</figure>" for f in figures)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>body{{font-family:sans-serif;margin:24px}}"
        "figure{margin:0 0 18px}</style></head><body>"
        f"<h1>{_esc(title)}</h1><p>{_esc(subtitle)}</p>{body}</body></html>"
    )


def ensemble_html(doc: dict[str, Any]) -> str:
    """REV per mode, ΔV and each flow's value, every one as its band over seeds."""
    blocks = {**doc["sectors"], "overall": doc["overall"]}
    rev_rows: list[tuple[str, dict[str, float] | None, str]] = []
    gain_rows: list[tuple[str, dict[str, float] | None, str]] = []
    for name, b in blocks.items():
        rev_rows += [
            (f"{name} siloed", b["rev_siloed"], SILOED),
            (f"{name} fused", b["rev_fused"], FUSED),
        ]
        gain_rows.append((name, b["gain_yuan"], GAIN))
    figures = [
        band_rows(
            "Relative economic value (REV) per mode: 1 perfect, 0 the reference", rev_rows, ""
        ),
        band_rows("Fusion gain ΔV = V_fused − V_siloed (yuan)", gain_rows, "yuan"),
    ]
    if doc.get("flows"):
        rows = [(f"{f['source']} → {f['target']}", f["value_yuan"], FUSED) for f in doc["flows"]]
        figures.append(band_rows("Value of each data flow (Shapley, yuan)", rows, "yuan"))
    seeds = doc["seeds"]
    subtitle = f"{len(seeds)} seeds ({seeds[0]}–{seeds[-1]}); bands are 5–95 %, dots the median."
    return page(f"Ensemble: {doc['scenario']}", subtitle, figures)


def sweep_html(doc: dict[str, Any]) -> str:
    """ΔV and REV per mode against the swept parameter, with their bands, overall and per sector."""
    xs = [p["value"] for p in doc["points"]]
    names = ["overall", *sorted(doc["points"][0]["sectors"])]
    figures = []
    for name in names:
        blocks = [
            p["overall"] if name == "overall" else p["sectors"].get(name, {}) for p in doc["points"]
        ]
        figures.append(
            band_lines(
                f"{name}: fusion gain ΔV (yuan)",
                xs,
                [("ΔV", [b.get("gain_yuan") for b in blocks], GAIN)],
                x_label=doc["param"],
                unit="yuan",
            )
        )
        figures.append(
            band_lines(
                f"{name}: REV per mode",
                xs,
                [
                    ("siloed", [b.get("rev_siloed") for b in blocks], SILOED),
                    ("fused", [b.get("rev_fused") for b in blocks], FUSED),
                ],
                x_label=doc["param"],
                unit="",
            )
        )
    seeds = doc["seeds"]
    subtitle = f"{len(seeds)} seeds per point; bands are 5–95 %, lines the median."
    return page(f"Sweep of {doc['param']}: {doc['scenario']}", subtitle, figures)
