"""Every dexsim Prometheus metric, declared once (every name starts with ``dex_``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LEAD_BUCKETS = tuple(h * 3600.0 for h in (0, 1, 3, 6, 12, 24, 48, 72, 120, 168))

EVENTS_CONSUMED = Counter(
    "dex_events_consumed", "Events consumed and decoded", ["service", "topic"]
)
EVENTS_PUBLISHED = Counter("dex_events_published", "Events published", ["service", "topic"])
DUPLICATES = Counter(
    "dex_duplicates",
    "Events skipped because their event_id was already processed",
    ["service", "topic"],
)
PROCESSING_SECONDS = Histogram(
    "dex_event_processing_seconds",
    "Time to process one batch of events, per event",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)
END_TO_END_LATENCY = Histogram(
    "dex_end_to_end_latency_seconds",
    "Wall time from an observation's produced_at to the decision it caused being published",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)
RESENDS_SKIPPED = Counter(
    "dex_resends_skipped",
    "Events a restarted service made again from input it handled again, not sent twice",
    ["service", "topic"],
)
DLQ = Counter(
    "dex_dlq",
    "Messages sent to a dead-letter topic (decode reasons, or handler_error)",
    ["service", "topic", "reason"],
)
PRODUCE_FAILURES = Counter(
    "dex_produce_failures",
    "Batches whose output the broker did not acknowledge (the service then stops)",
    ["service"],
)
CROSS_SECTOR = Counter(
    "dex_cross_sector_events",
    "Cross-sector events read (metered data circulation)",
    ["source_sector", "target_sector"],
)
DECISIONS = Counter("dex_decisions", "Scored decisions", ["sector", "mode", "outcome"])
LOSS_AVOIDED = Counter(
    "dex_loss_avoided_yuan",
    "Loss avoided (gross; action costs are in dex_action_cost_yuan_total)",
    ["sector", "mode"],
)
LEAD_TIME = Histogram(
    "dex_warning_lead_time_seconds",
    "Lead time of correct decisions, simulated seconds",
    ["sector", "mode"],
    buckets=_LEAD_BUCKETS,
)
MULTIPLIER = Gauge(
    "dex_multiplier", "value(fused) / value(siloed); NaN where it means nothing", ["sector"]
)
REV = Gauge(
    "dex_relative_value",
    "Relative economic value: 1 perfect information, 0 the never/always reference (referee)",
    ["sector", "mode"],
)
VALUE_GAIN = Gauge(
    "dex_value_gain_yuan", "value(fused) - value(siloed): the fusion gain (referee)", ["sector"]
)
ENSEMBLE_REV = Gauge(
    "dex_ensemble_relative_value",
    "REV per mode over the last ensemble of a scenario, at a quantile over its seeds (referee)",
    ["scenario", "sector", "mode", "quantile"],
)
ENSEMBLE_GAIN = Gauge(
    "dex_ensemble_value_gain_yuan",
    "The fusion gain over the last ensemble of a scenario, at a quantile over seeds (referee)",
    ["scenario", "sector", "quantile"],
)
ENSEMBLE_GAP = Gauge(
    "dex_ensemble_gap_closed",
    "Share of the gap to perfect information fusion closed, at a quantile over seeds (referee)",
    ["scenario", "sector", "quantile"],
)
ENSEMBLE_MULTIPLIER = Gauge(
    "dex_ensemble_multiplier",
    "value(fused)/value(siloed) at a quantile over seeds; NaN where not defined (referee)",
    ["scenario", "sector", "quantile"],
)
FLOW_VALUE = Gauge(
    "dex_flow_value_yuan",
    "What a cross-sector data flow was worth (Shapley value), at a quantile over seeds (referee)",
    ["scenario", "source", "target", "topic", "quantile"],
)
READY = Gauge("dex_ready", "1 when connected to Kafka with partitions assigned", ["service"])
HTTP_INGESTED = Counter(
    "dex_ingested", "Readings accepted by an ingestion API", ["service", "provider"]
)
HTTP_REJECTED = Counter("dex_ingest_rejected", "Ingestion requests refused", ["service", "status"])

# Referee additions: the cost and net value beside the loss avoided, and read models the
# leadership dashboard shows (decisions issued, response levels, the scored tick).
ACTION_COST = Counter(
    "dex_action_cost_yuan", "Cost of the protective actions taken (referee)", ["sector", "mode"]
)
VALUE = Gauge(
    "dex_value_yuan",
    "Loss avoided minus action cost so far in the run (referee)",
    ["sector", "mode"],
)
DECISIONS_ISSUED = Counter(
    "dex_decisions_issued",
    "Decisions received by the referee, taken or lifted",
    ["sector", "mode", "action", "status"],
)
RESPONSE_LEVEL = Gauge(
    "dex_response_level",
    "Emergency response level in force per city and mode: 0 none, 1 (IV) to 4 (I)",
    ["region", "mode"],
)
SCORED_TICK = Gauge("dex_scored_tick", "Last simulated tick the referee scored", [])


#: Every counter of a service process: a state snapshot keeps their values, so totals (events
#: consumed, published, dead-lettered; decisions scored) survive a restart.
COUNTERS: tuple[Counter, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Counter))

#: One counter's sample: (metric name, labels, value).
CounterSample = tuple[str, dict[str, str], float]


def counter_values() -> list[CounterSample]:
    """The value of every labelled child of every counter (for a snapshot)."""
    out: list[CounterSample] = []
    for counter in COUNTERS:
        for metric in counter.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total") and sample.value:
                    out.append((metric.name, dict(sample.labels), sample.value))
    return out


def restore_counters(samples: list[CounterSample]) -> None:
    """Add a snapshot's counter values (to a fresh process's zeros)."""
    by_name = {c._name: c for c in COUNTERS}
    for name, labels, value in samples:
        counter = by_name.get(name)
        if counter is None:
            continue
        (counter.labels(**labels) if labels else counter).inc(value)
