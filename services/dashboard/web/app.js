// The leadership dashboard's page: reads /api/labels, /api/scenarios and /api/snapshot, then
// follows /events (server-sent events) and redraws. The snapshot lists which ensembles and
// sweeps there are; the page fetches the shown scenario's from /api/ensembles/{scenario} and
// /api/sweeps/{scenario} when their ids change. ECharts and the Jiangxi map come from /vendor
// (the npm packages, served by the dashboard itself).
/* global echarts */

const NO_WARNING = "#19365e";
// A sector the dashboard's contracts do not declare (the dashboard started before it was added).
const UNKNOWN_SECTOR = "#8fa6c8";

const state = {
  lang: localStorage.getItem("dexsim.lang") === "en" ? "en" : "zh",
  labels: null,
  scenarios: [],
  snap: null,
  feedTop: null,
  // The scenario whose ensemble and sweep are shown, and what was fetched of them:
  // {key: "scenario|id", doc, pending}.
  summaryScenario: null,
  summaries: { ensembles: { key: null, doc: null }, sweeps: { key: null, doc: null } },
};
let mapChart;
let lossChart;
let flowsChart;
let revChart;
let flowValuesChart;
let sweepChart;

const $ = (id) => document.getElementById(id);
const ui = (key) => state.labels?.ui?.[key]?.[state.lang] ?? key;
const label = (group, key) => state.labels?.[group]?.[key]?.[state.lang] ?? key;
// Sectors, their colours and which of them decide come from the contracts, through /api/labels
// (in the plan's order).
const sectorColour = (name) => state.labels?.sectors?.[name]?.colour ?? UNKNOWN_SECTOR;
const decisionSectors = () =>
  Object.entries(state.labels?.sectors ?? {})
    .filter(([, s]) => s.decides)
    .map(([name]) => name);
const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// Simulated time is shown in Beijing time (UTC+8), as the scenarios are written.
function beijing(iso, withDate = true) {
  if (!iso) return "--";
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, "0");
  const day = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  return withDate ? `${day} ${time}` : `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${time}`;
}

function yuan(v) {
  if (v === null || v === undefined) return "—";
  const sign = v < 0 ? "-" : "";
  const a = Math.abs(v);
  if (state.lang === "zh") {
    if (a >= 1e8) return `${sign}${(a / 1e8).toFixed(2)} 亿元`;
    if (a >= 1e4) return `${sign}${(a / 1e4).toFixed(0)} 万元`;
    return `${sign}${a.toFixed(0)} 元`;
  }
  if (a >= 1e9) return `${sign}¥${(a / 1e9).toFixed(2)}bn`;
  if (a >= 1e6) return `${sign}¥${(a / 1e6).toFixed(1)}m`;
  return `${sign}¥${a.toFixed(0)}`;
}

// A negative ratio means nothing (the board already withholds one): never shown as a multiplier.
const multiplierText = (m) => (m === null || m === undefined || m < 0 ? "n/a" : `×${m.toFixed(2)}`);
const revText = (r) => (r === null || r === undefined ? "—" : r.toFixed(2));
// The multiplier's tooltip: how it is computed, or why it is not shown (the referee's reason).
const basisTitle = (s) => label("bases", s.basis) + (s.reason ? ` — ${s.reason}` : "");

// Yuan in 亿元 (1e8 yuan), with two decimals, or more for small sums (two significant digits).
function yiDigits(...values) {
  const a = Math.max(...values.map((v) => Math.abs(v ?? 0))) / 1e8;
  return a === 0 || a >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(a)));
}
const yi = (v, digits) => (v === null || v === undefined ? "—" : (v / 1e8).toFixed(digits ?? yiDigits(v)));
// A band as "median [5%, 95%]", each figure by `fmt`.
const bandText = (b, fmt) => (b ? `${fmt(b.p50)} [${fmt(b.p5)}, ${fmt(b.p95)}]` : "—");
const yiBand = (b) => (b ? bandText(b, (v) => yi(v, yiDigits(b.p5, b.p50, b.p95))) : "—");
const pct = (v) => `${Math.round(v * 100)}%`;
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
const sectorLabel = (name) => (name === "overall" ? ui("overall") : label("sectors", name));
const chartText = () => ({
  small: Math.max(11, Math.round(window.innerWidth / 150)),
  axis: { color: "#8fa6c8" },
  tooltip: {
    backgroundColor: "rgba(9,22,42,0.95)",
    borderColor: "#1d3b66",
    textStyle: { color: "#e6eefb" },
  },
});

// A scenario's short name (its description up to the colour or dash), or its file name.
function scenarioShort(name) {
  const s = state.scenarios.find((x) => x.name === name);
  if (!s) return name ?? "";
  return state.lang === "zh" ? s.description_zh.split("：")[0] : s.description_en.split(" - ")[0];
}

function cityName(city) {
  return state.lang === "zh" ? city.name_zh : city.name_en;
}

function levelText(level) {
  if (!level) return "";
  return state.lang === "zh" ? `${level}${ui("response")}` : `${ui("response_prefix")}${level}`;
}

// ------------------------------------------------------------------------------ static text
function applyStaticLabels() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = ui("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = ui(el.dataset.i18n);
  const select = $("scenario-select");
  const chosen = select.value;
  select.innerHTML = "";
  for (const s of state.scenarios) {
    const opt = document.createElement("option");
    opt.value = s.name;
    opt.textContent = scenarioShort(s.name);
    opt.title = state.lang === "zh" ? s.description_zh : s.description_en;
    select.append(opt);
  }
  select.value = chosen || "poyang-flood-2020";
  if (!select.value && state.scenarios.length) select.value = state.scenarios[0].name;
  const legend = $("map-legend");
  legend.innerHTML = "";
  for (const c of ["blue", "yellow", "orange", "red"]) {
    legend.insertAdjacentHTML(
      "beforeend",
      `<span><i class="chip" style="background:${state.labels.colours[c].rgb}"></i>${escapeHtml(label("colours", c))}${escapeHtml(state.lang === "zh" ? ui("warning_suffix") : " " + ui("warning_suffix"))}</span>`,
    );
  }
  legend.insertAdjacentHTML(
    "beforeend",
    `<span><i class="chip" style="background:${NO_WARNING}"></i>${escapeHtml(ui("map_legend_none"))}</span>` +
      `<span>Ⅰ–Ⅳ ${escapeHtml(state.lang === "zh" ? ui("response") : ui("response"))}</span>`,
  );
}

// ------------------------------------------------------------------------------------ clock
function renderClock(snap) {
  const clock = snap.clock;
  const run = snap.run || { state: "idle" };
  let runState = run.state;
  if (run.state === "running" && (!clock || clock.final)) runState = clock?.final ? "running" : "starting";
  if (clock && clock.final && run.state !== "running") runState = "finished";
  if (!clock && run.state === "finished") runState = "idle";
  const badge = $("run-state");
  badge.dataset.state = runState;
  badge.textContent = label("run_states", runState);
  const scenario = state.scenarios.find((s) => s.name === (clock?.scenario ?? run.scenario));
  $("scenario-name").textContent = scenario
    ? (state.lang === "zh" ? scenario.description_zh : scenario.description_en)
    : ui("no_run");
  $("sim-time").textContent = clock ? beijing(clock.sim_time) : "--";
  $("tick").textContent = clock ? `${ui("tick")} ${clock.tick + 1}/${clock.total_ticks}` : "";
  $("progress-bar").style.width = `${clock ? Math.round(clock.progress * 1000) / 10 : 0}%`;
  $("start-button").disabled = run.state === "running";
}

// -------------------------------------------------------------------------------------- map
function renderMap(snap) {
  const colours = state.labels.colours;
  const data = snap.cities.map((c) => ({
    name: c.map_name,
    value: c.colour ? ["blue", "yellow", "orange", "red"].indexOf(c.colour) + 1 : 0,
    city: c,
    itemStyle: { areaColor: c.colour ? colours[c.colour].rgb : NO_WARNING },
    emphasis: { itemStyle: { areaColor: c.colour ? colours[c.colour].rgb : "#25508a" } },
  }));
  mapChart.setOption({
    tooltip: {
      trigger: "item",
      backgroundColor: "rgba(9,22,42,0.95)",
      borderColor: "#1d3b66",
      textStyle: { color: "#e6eefb" },
      formatter: (p) => {
        const c = p.data?.city;
        if (!c) return p.name;
        const ws = c.warnings.length
          ? c.warnings
              .map((w) => `${label("signals", w.signal)}${label("colours", w.colour)}${state.lang === "zh" ? "" : " "}${ui("warning_suffix")}`)
              .join("<br>")
          : ui("warnings_none");
        return `<b>${escapeHtml(cityName(c))}</b><br>${escapeHtml(ws).replace(/&lt;br&gt;/g, "<br>")}` +
          `<br>${escapeHtml(ui("response_fused"))}: ${escapeHtml(levelText(c.level.fused) || "—")}` +
          `<br>${escapeHtml(ui("response_siloed"))}: ${escapeHtml(levelText(c.level.siloed) || "—")}`;
      },
    },
    series: [
      {
        type: "map",
        map: "江西",
        roam: false,
        layoutCenter: ["50%", "50%"],
        layoutSize: "96%",
        selectedMode: false,
        itemStyle: { borderColor: "#7fb6ff", borderWidth: 1.2, areaColor: NO_WARNING },
        label: {
          show: true,
          color: "#ffffff",
          fontSize: Math.max(12, Math.round(window.innerWidth / 110)),
          fontWeight: 600,
          textBorderColor: "rgba(0,0,0,0.75)",
          textBorderWidth: 3,
          lineHeight: Math.max(16, Math.round(window.innerWidth / 80)),
          formatter: (p) => {
            const c = p.data?.city;
            if (!c) return p.name;
            const lv = levelText(c.level.fused);
            return lv ? `${cityName(c)}\n{lv|${lv}}` : cityName(c);
          },
          rich: {
            lv: {
              color: "#fff",
              backgroundColor: "#b3261e",
              borderRadius: 3,
              padding: [2, 5],
              fontSize: Math.max(11, Math.round(window.innerWidth / 130)),
              fontWeight: 700,
            },
          },
        },
        emphasis: { label: { color: "#fff" } },
        data,
      },
    ],
  });
}

// -------------------------------------------------------------------------------- multiplier
function renderMultipliers(snap) {
  const box = $("mult-cards");
  const scores = snap.scores;
  if (!scores) {
    box.innerHTML = `<p class="empty">${escapeHtml(ui("no_scores"))}</p>`;
    return;
  }
  const bySector = Object.fromEntries(scores.sectors.map((s) => [s.sector, s]));
  const unscored = { multiplier: null, basis: "n/a", reason: null, value_gain_yuan: 0, fused: { hits: 0, misses: 0, rev: null }, siloed: { hits: 0, misses: 0, rev: null } };
  const cards = decisionSectors().map((name) => {
    const s = bySector[name] ?? unscored;
    const trend = s.multiplier === null ? "" : s.multiplier > 1.0005 ? "up" : s.multiplier < 0.9995 ? "down" : "";
    // Hits and misses are the card's tooltip: two lines of figures fit a card of the fifteen.
    const counts = `${ui("hits")} ${s.fused.hits} / ${s.siloed.hits} · ${ui("misses")} ${s.fused.misses} / ${s.siloed.misses}`;
    return `<div class="card" data-sector="${name}" data-testid="mult-${name}" style="--sector:${sectorColour(name)}" title="${escapeHtml(counts)}">
      <span class="name">${escapeHtml(label("sectors", name))}</span>
      <span class="mult-value ${trend}" data-testid="mult-value-${name}" title="${escapeHtml(basisTitle(s))}">${multiplierText(s.multiplier)}</span>
      <span class="detail" data-testid="rev-${name}">${escapeHtml(ui("rev"))} ${revText(s.fused.rev)} / ${revText(s.siloed.rev)}</span>
      <span class="detail">${escapeHtml(ui("value_gain"))} ${escapeHtml(yuan(s.value_gain_yuan))}</span>
    </div>`;
  });
  // The province as a whole: the same card, in the accent colour.
  cards.push(`<div class="card overall" data-testid="mult-overall">
      <span class="name">${escapeHtml(ui("overall"))}</span>
      <span class="mult-value" data-testid="mult-value-overall" title="${escapeHtml(basisTitle(scores.overall))}">${multiplierText(scores.overall.multiplier)}</span>
      <span class="detail" data-testid="rev-overall">${escapeHtml(ui("rev"))} ${revText(scores.overall.fused.rev)} / ${revText(scores.overall.siloed.rev)}</span>
      <span class="detail">${escapeHtml(ui("value_gain"))} ${escapeHtml(yuan(scores.overall.value_gain_yuan))}</span>
    </div>`);
  box.innerHTML = cards.join("");
}

// ------------------------------------------------------------------------------ loss chart
function renderLoss(snap) {
  const series = [];
  for (const name of decisionSectors()) {
    for (const mode of ["fused", "siloed"]) {
      series.push({
        // Both modes share the sector's name: one legend entry per sector toggles the pair.
        name: label("sectors", name),
        id: `${name}-${mode}`,
        type: "line",
        showSymbol: false,
        step: "end",
        lineStyle: { width: mode === "fused" ? 3 : 1.6, type: mode === "fused" ? "solid" : "dashed" },
        itemStyle: { color: sectorColour(name) },
        areaStyle: mode === "fused" ? { opacity: 0.08 } : undefined,
        data: snap.series.map((p) => [p.t, p.sectors[name]?.[mode] ?? 0]),
      });
    }
  }
  const small = Math.max(11, Math.round(window.innerWidth / 150));
  // The legend wraps (about four sector names a row in Chinese, three in English): the plot
  // starts below its last row.
  const rows = Math.ceil(decisionSectors().length / (state.lang === "zh" ? 4 : 3));
  lossChart.setOption(
    {
      animation: false,
      grid: { left: 8, right: 16, top: 10 + rows * (small + 8), bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: "#c6d4ea", fontSize: small }, itemWidth: 22, itemHeight: 8 },
      tooltip: {
        trigger: "axis",
        backgroundColor: "rgba(9,22,42,0.95)",
        borderColor: "#1d3b66",
        textStyle: { color: "#e6eefb" },
        formatter: (items) =>
          [beijing(new Date(items[0].axisValue).toISOString())]
            .concat(items.map((i) => `${i.marker}${escapeHtml(i.seriesName)} · ${escapeHtml(ui(i.seriesId.endsWith("fused") ? "loss_fused" : "loss_siloed"))}: ${escapeHtml(yuan(i.value[1]))}`))
            .join("<br>"),
      },
      xAxis: {
        type: "time",
        splitNumber: 4,
        axisLabel: {
          color: "#8fa6c8",
          fontSize: small,
          hideOverlap: true,
          formatter: (v) => beijing(new Date(v).toISOString(), false).slice(0, 5),
        },
        axisLine: { lineStyle: { color: "#2a4a78" } },
        splitLine: { show: false },
      },
      yAxis: {
        type: "value",
        axisLabel: { color: "#8fa6c8", fontSize: small, formatter: (v) => yuan(v) },
        splitLine: { lineStyle: { color: "rgba(42,74,120,0.45)" } },
      },
      series,
    },
    { replaceMerge: ["series"] },
  );
}

// ------------------------------------------------------------------------------ flows chart
function renderFlows(snap) {
  if (!snap.flows.length) {
    flowsChart.setOption(
      {
        title: { text: ui("flows_empty"), left: "center", top: "middle", textStyle: { color: "#8fa6c8", fontSize: 14, fontWeight: 400 } },
        series: [],
      },
      { replaceMerge: ["series"] },
    );
    return;
  }
  const nodes = new Map();
  for (const f of snap.flows) {
    nodes.set(`src:${f.source}`, f.source);
    nodes.set(`dst:${f.target}`, f.target);
  }
  const nodeLabel = (id) => {
    const [side, sector] = id.split(":");
    return `${label("sectors", sector)}${state.lang === "zh" ? "" : " "}${ui(side === "src" ? "data_of" : "decisions_of")}`;
  };
  const fontSize = Math.max(12, Math.round(window.innerWidth / 125));
  flowsChart.setOption(
    {
      // Redrawn on every update: an animation would restart each time and never settle.
      animation: false,
      title: { text: "" },
      tooltip: {
        backgroundColor: "rgba(9,22,42,0.95)",
        borderColor: "#1d3b66",
        textStyle: { color: "#e6eefb" },
        formatter: (p) =>
          p.dataType === "edge"
            ? `${escapeHtml(nodeLabel(p.data.source))} → ${escapeHtml(nodeLabel(p.data.target))}<br>${p.data.value} ${escapeHtml(ui("flows_unit"))}`
            : escapeHtml(nodeLabel(p.name)),
      },
      series: [
        {
          type: "sankey",
          left: 8,
          right: state.lang === "en" ? "36%" : "27%", // room for the target labels
          top: 10,
          bottom: 10,
          nodeWidth: 16,
          nodeGap: 18,
          draggable: false,
          layoutIterations: 32,
          emphasis: { focus: "adjacency" },
          data: [...nodes.keys()].map((id) => ({
            name: id,
            itemStyle: { color: sectorColour(nodes.get(id)), borderColor: sectorColour(nodes.get(id)) },
          })),
          links: snap.flows.map((f) => ({ source: `src:${f.source}`, target: `dst:${f.target}`, value: f.decisions })),
          lineStyle: { color: "gradient", opacity: 0.45, curveness: 0.5 },
          label: {
            color: "#e6eefb",
            fontSize,
            formatter: (p) => {
              const total = snap.flows
                .filter((f) => `src:${f.source}` === p.name || `dst:${f.target}` === p.name)
                .reduce((a, f) => a + f.decisions, 0);
              return `${nodeLabel(p.name)}  ${total}`;
            },
          },
        },
      ],
    },
    { replaceMerge: ["series"] },
  );
}

// ------------------------------------------------------------------- ensembles and sweeps
// The scenario whose ensemble and sweep are shown: the run on the clock (or being started),
// else the latest summary to arrive, else the scenario chosen in the controls.
function shownScenario(snap) {
  const starting = snap.run?.state === "running" ? snap.run.scenario : null;
  const index = snap.summaries ?? { ensembles: [], sweeps: [] };
  return (
    snap.clock?.scenario ??
    starting ??
    index.ensembles[0]?.scenario ??
    index.sweeps[0]?.scenario ??
    ($("scenario-select").value || null)
  );
}

// Fetch the shown scenario's ensemble and sweep when the snapshot lists a new one.
function syncSummaries(snap) {
  const scenario = shownScenario(snap);
  state.summaryScenario = scenario;
  for (const kind of ["ensembles", "sweeps"]) {
    const entry = (snap.summaries?.[kind] ?? []).find((e) => e.scenario === scenario);
    const key = `${scenario}|${entry?.id ?? "none"}`;
    const held = state.summaries[kind];
    if (held.key === key || held.pending === key) continue;
    if (!entry) {
      state.summaries[kind] = { key, doc: null };
      continue;
    }
    held.pending = key;
    fetch(`/api/${kind}/${encodeURIComponent(scenario)}`)
      .then((r) => (r.ok ? r.json() : null))
      .then((doc) => {
        if (state.summaries[kind].pending !== key) return; // another fetch superseded it
        state.summaries[kind] = { key, doc };
        renderSummaries();
      })
      .catch(() => {
        state.summaries[kind].pending = null; // tried again on the next snapshot
      });
  }
}

// The fetched summary of the shown scenario, or null.
function summary(kind) {
  const doc = state.summaries[kind].doc;
  return doc && doc.scenario === state.summaryScenario ? doc : null;
}

// "No ensemble yet. Run <the command>": the command breaks between its words only.
function runHint(text, command) {
  const words = command.split(" ").map((w) => `<span class="w">${escapeHtml(w)}</span>`);
  return `${escapeHtml(text)} <code>${words.join(" ")}</code>`;
}

// Relative economic value of both modes per sector and overall, from the live run's scores.
function renderRev(snap) {
  const t = chartText();
  const scores = snap.scores;
  const names = [...decisionSectors(), "overall"];
  const bySector = Object.fromEntries((scores?.sectors ?? []).map((s) => [s.sector, s]));
  const rev = (name, mode) => (name === "overall" ? scores?.overall?.[mode]?.rev : bySector[name]?.[mode]?.rev) ?? null;
  const values = names.flatMap((n) => [rev(n, "fused"), rev(n, "siloed")]).filter((v) => v !== null);
  // REV below -1 (far worse than the reference) is drawn to -1; its label gives the figure.
  const floor = Math.max(-1, Math.min(0, Math.floor(Math.min(0, ...values) * 4) / 4));
  const bar = (mode, colour) => ({
    id: `rev-${mode}`,
    name: label("modes", mode),
    type: "bar",
    barGap: "10%",
    barMaxWidth: 26,
    itemStyle: { color: colour },
    // Many sectors: the figures stand upright over their bars, so that neighbours do not overlap.
    label: {
      show: true,
      position: "top",
      color: "#c6d4ea",
      fontSize: t.small - 1,
      ...(names.length > 8 ? { rotate: 90, align: "left", verticalAlign: "middle" } : {}),
      formatter: (p) => (p.value === null ? "" : revText(p.value)),
    },
    data: names.map((n) => {
      const v = rev(n, mode);
      return v === null ? null : Math.max(v, floor);
    }),
    markLine:
      mode === "fused"
        ? {
            symbol: "none",
            silent: true,
            lineStyle: { color: "#2fd08a", type: "dashed", opacity: 0.6 },
            label: { formatter: ui("perfect"), color: "#8fa6c8", fontSize: t.small - 1, position: "insideStartTop" },
            data: [{ yAxis: 1 }],
          }
        : undefined,
  });
  revChart.setOption(
    {
      animation: false,
      title: scores
        ? { show: false }
        : { show: true, text: ui("no_scores"), left: "center", top: "middle", textStyle: { color: "#8fa6c8", fontSize: t.small, fontWeight: 400 } },
      grid: { left: 4, right: 8, top: 26, bottom: 2, containLabel: true },
      legend: { top: 0, right: 0, textStyle: { color: "#c6d4ea", fontSize: t.small }, itemWidth: 14, itemHeight: 8 },
      tooltip: {
        ...t.tooltip,
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (items) =>
          [escapeHtml(items[0].axisValue)]
            .concat(items.map((i) => `${i.marker}${escapeHtml(i.seriesName)}: ${revText(rev(names[i.dataIndex], i.seriesId.slice(4)))}`))
            .join("<br>"),
      },
      xAxis: {
        type: "category",
        show: Boolean(scores),
        data: names.map(sectorLabel),
        // Every sector named, slanted: the plan's fifteen do not fit side by side.
        axisLabel: { ...t.axis, fontSize: t.small - 1, interval: 0, rotate: names.length > 8 ? 40 : 0 },
        axisLine: { lineStyle: { color: "#2a4a78" } },
      },
      yAxis: {
        type: "value",
        show: Boolean(scores),
        name: ui("rev_axis"),
        nameTextStyle: { ...t.axis, fontSize: t.small - 1, align: "left" },
        min: floor,
        max: (v) => Math.max(1.2, Math.ceil(v.max * 4) / 4),
        splitNumber: 3,
        axisLabel: { ...t.axis, fontSize: t.small - 1 },
        splitLine: { lineStyle: { color: "rgba(42,74,120,0.45)" } },
      },
      series: scores ? [bar("siloed", "#6f86ab"), bar("fused", "#38c6f4")] : [],
    },
    true,
  );
}

// The latest ensemble's bands: the gain ΔV in 亿元, the gap closed and the multiplier.
function renderEnsemble() {
  const box = $("ensemble");
  const doc = summary("ensembles");
  if (!doc) {
    const scenario = state.summaryScenario ?? "<scenario>";
    box.innerHTML = `<p class="run-hint" data-testid="ensemble-hint">${runHint(ui("no_ensemble"), `dexsim ensemble --scenario ${scenario} --flows`)}</p>`;
    return;
  }
  const blocks = Object.fromEntries(doc.sectors.map((b) => [b.sector, b]));
  const names = decisionSectors().filter((n) => blocks[n]);
  const rows = names.map((n) => [n, blocks[n]]);
  if (doc.overall) rows.push(["overall", doc.overall]);
  const mult = (b) =>
    b.multiplier
      ? `×${b.multiplier.p50.toFixed(2)} <small>[${b.multiplier.p5.toFixed(2)}, ${b.multiplier.p95.toFixed(2)}]</small>`
      : "n/a";
  const cell = (b, fmt) => (b ? `${fmt(b.p50)} <small>[${fmt(b.p5)}, ${fmt(b.p95)}]</small>` : "—");
  const gain = (b) => (b ? cell(b, (v) => yi(v, yiDigits(b.p5, b.p50, b.p95))) : "—");
  box.innerHTML = `<table class="bands" data-testid="ensemble-table">
      <thead><tr><th>${escapeHtml(ui("sector"))}</th><th>${escapeHtml(ui("gain_dv"))}</th><th>${escapeHtml(ui("gap_closed"))}</th><th>${escapeHtml(ui("multiplier_short"))}</th></tr></thead>
      <tbody>${rows
        .map(
          ([name, b]) => `<tr class="${name === "overall" ? "overall" : ""}" style="--sector:${sectorColour(name)}">
          <th scope="row">${escapeHtml(sectorLabel(name))}</th>
          <td data-testid="ens-gain-${name}">${gain(b.gain_yuan)}</td>
          <td data-testid="ens-gap-${name}">${cell(b.gap_closed, pct)}</td>
          <td data-testid="ens-mult-${name}" title="${escapeHtml(b.multiplier_reason ?? label("bases", "ratio"))}">${mult(b)}</td>
        </tr>`,
        )
        .join("")}</tbody>
    </table>
    <p class="caption" data-testid="ensemble-caption">${escapeHtml(fill(ui("ensemble_caption"), { scenario: scenarioShort(doc.scenario), n: doc.seeds, first: doc.first_seed }))}</p>`;
}

// What each cross-sector data flow was worth: the median as a bar, the 5–95% band as a whisker.
function renderFlowValues() {
  const t = chartText();
  const doc = summary("ensembles");
  const flows = (doc?.flows ?? []).filter((f) => f.value_yuan);
  const hint = $("flow-values-hint");
  const caption = $("flow-values-caption");
  if (!flows.length) {
    const scenario = state.summaryScenario ?? "<scenario>";
    hint.innerHTML = runHint(doc ? ui("no_flow_values") : ui("no_ensemble"), `dexsim ensemble --scenario ${scenario} --flows`);
    hint.hidden = false;
    caption.textContent = "";
    flowValuesChart.setOption({ series: [] }, { replaceMerge: ["series"] });
    return;
  }
  hint.hidden = true;
  caption.textContent = fill(ui("flow_values_caption"), {
    scenario: scenarioShort(doc.scenario),
    n: flows.length,
    seeds: doc.flow_seeds || doc.seeds,
  });
  const figures = flows.flatMap((f) => [f.value_yuan.p5, f.value_yuan.p50, f.value_yuan.p95]);
  const digits = yiDigits(...figures);
  // Every flow worth exactly nothing: an axis of ±¥0.1m instead of one of repeated zeros.
  const flat = figures.every((v) => v === 0);
  const pairs = flows.map((f) => `${f.source}>${f.target}`);
  // The same two sectors twice (two topics): the topic tells them apart.
  const name = (f, i) =>
    `${sectorLabel(f.source)} → ${sectorLabel(f.target)}` + (pairs.indexOf(pairs[i]) !== pairs.lastIndexOf(pairs[i]) ? ` (${f.topic})` : "");
  const names = flows.map(name);
  // The band as a whisker from p5 to p95, and the median's figure just past its end.
  const whisker = (params, api) => {
    const lo = api.coord([api.value(1), api.value(0)]);
    const hi = api.coord([api.value(2), api.value(0)]);
    const h = api.size([0, 1])[1] * 0.3;
    const style = { stroke: "#e6eefb", lineWidth: 1.5 };
    const end = Math.max(lo[0], hi[0], api.coord([api.value(3), api.value(0)])[0]);
    return {
      type: "group",
      children: [
        { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style },
        { type: "line", shape: { x1: lo[0], y1: lo[1] - h / 2, x2: lo[0], y2: lo[1] + h / 2 }, style },
        { type: "line", shape: { x1: hi[0], y1: hi[1] - h / 2, x2: hi[0], y2: hi[1] + h / 2 }, style },
        {
          type: "text",
          x: end + 5,
          y: hi[1],
          style: { text: yi(api.value(3), digits), fill: "#e6eefb", fontSize: t.small - 1, verticalAlign: "middle" },
        },
      ],
    };
  };
  flowValuesChart.setOption(
    {
      animation: false,
      grid: { left: 4, right: 48, top: 6, bottom: 2, containLabel: true },
      tooltip: {
        ...t.tooltip,
        trigger: "item",
        formatter: (p) => {
          const f = flows[p.dataIndex];
          return `${escapeHtml(names[p.dataIndex])}<br>${escapeHtml(ui("flow_worth"))} ${escapeHtml(yiBand(f.value_yuan))} ${escapeHtml(ui("yuan_yi"))}<br><small>${escapeHtml(f.topic)}</small>`;
        },
      },
      xAxis: {
        type: "value",
        min: flat ? -1e5 : undefined,
        max: flat ? 1e5 : undefined,
        axisLabel: { ...t.axis, fontSize: t.small - 1, formatter: (v) => yi(v, flat ? 4 : digits) },
        splitLine: { lineStyle: { color: "rgba(42,74,120,0.45)" } },
      },
      yAxis: {
        type: "category",
        inverse: true, // the most valuable on top
        data: names,
        // Source → target names get up to 40% of the width (truncated beyond).
        axisLabel: { color: "#e6eefb", fontSize: t.small, width: Math.round(flowValuesChart.getWidth() * 0.4), overflow: "truncate" },
        axisLine: { lineStyle: { color: "#2a4a78" } },
      },
      series: [
        {
          id: "flow-value",
          name: ui("flow_worth"),
          type: "bar",
          barMaxWidth: 18,
          data: flows.map((f) => ({ value: f.value_yuan.p50, itemStyle: { color: sectorColour(f.source) } })),
        },
        {
          id: "flow-band",
          name: ui("band"),
          type: "custom",
          renderItem: whisker,
          encode: { x: [1, 2], y: 0 },
          data: flows.map((f, i) => [i, f.value_yuan.p5, f.value_yuan.p95, f.value_yuan.p50]),
          z: 10,
        },
      ],
    },
    true,
  );
}

// The sweep: ΔV's median and 5–95% band (亿元) and the REV medians against the parameter.
function renderSweep() {
  const t = chartText();
  const doc = summary("sweeps");
  const hint = $("sweep-hint");
  const caption = $("sweep-caption");
  if (!doc) {
    const scenario = state.summaryScenario ?? "<scenario>";
    hint.innerHTML = runHint(ui("no_sweep"), `dexsim sweep --scenario ${scenario} --vary forecast_error=0,1,2`);
    hint.hidden = false;
    caption.textContent = "";
    sweepChart.setOption({ series: [] }, { replaceMerge: ["series"] });
    return;
  }
  hint.hidden = true;
  const param = label("params", doc.param);
  caption.textContent = fill(ui("sweep_caption"), {
    scenario: scenarioShort(doc.scenario),
    param,
    points: doc.points.length,
    n: doc.seeds,
  });
  const points = doc.points.filter((p) => p.overall.gain_yuan);
  const figures = points.flatMap((p) => [p.overall.gain_yuan.p5, p.overall.gain_yuan.p95]);
  const digits = yiDigits(...figures);
  const flat = figures.every((v) => v === 0); // as for the flows: no axis of repeated zeros
  // The band is one polygon from each point to the next (a value axis: uneven steps stay true).
  const area = (params, api) => {
    const i = params.dataIndex;
    if (i >= points.length - 1) return null;
    const [a, b] = [points[i], points[i + 1]];
    const at = (p, q) => api.coord([p.value, p.overall.gain_yuan[q]]);
    return {
      type: "polygon",
      shape: { points: [at(a, "p5"), at(b, "p5"), at(b, "p95"), at(a, "p95")] },
      style: { fill: "rgba(56,198,244,0.22)" },
      silent: true,
    };
  };
  const rev = (mode, colour) => ({
    id: `sweep-rev-${mode}`,
    name: ui(`sweep_rev_${mode}`),
    type: "line",
    yAxisIndex: 1,
    symbolSize: 5,
    lineStyle: { width: 1.6, type: "dashed", color: colour },
    itemStyle: { color: colour },
    data: doc.points.map((p) => [p.value, p.overall[`rev_${mode}`]?.p50 ?? null]),
  });
  sweepChart.setOption(
    {
      animation: false,
      // The units are in the legend and the parameter in the caption: room for the curves.
      // Room for a legend of two lines.
      grid: { left: 4, right: 4, top: Math.round(t.small * 3.4) + 8, bottom: 2, containLabel: true },
      legend: { top: 0, textStyle: { color: "#c6d4ea", fontSize: t.small - 1 }, itemWidth: 16, itemHeight: 8, itemGap: 8 },
      tooltip: {
        ...t.tooltip,
        trigger: "axis",
        formatter: (items) => {
          const p = doc.points.find((q) => q.value === items[0].value[0]);
          if (!p) return "";
          const o = p.overall;
          return `${escapeHtml(param)} = ${p.value}<br>ΔV ${escapeHtml(yiBand(o.gain_yuan))} ${escapeHtml(ui("yuan_yi"))}` +
            `<br>${escapeHtml(ui("rev_axis"))} ${escapeHtml(label("modes", "fused"))} ${escapeHtml(bandText(o.rev_fused, revText))}` +
            `<br>${escapeHtml(ui("rev_axis"))} ${escapeHtml(label("modes", "siloed"))} ${escapeHtml(bandText(o.rev_siloed, revText))}`;
        },
      },
      xAxis: {
        type: "value",
        min: "dataMin",
        max: "dataMax",
        axisLabel: { ...t.axis, fontSize: t.small - 1 },
        axisLine: { lineStyle: { color: "#2a4a78" } },
        splitLine: { show: false },
      },
      yAxis: [
        {
          type: "value",
          splitNumber: 3,
          min: flat ? -1e5 : undefined,
          max: flat ? 1e5 : undefined,
          axisLabel: { ...t.axis, fontSize: t.small - 1, formatter: (v) => yi(v, flat ? 4 : digits) },
          splitLine: { lineStyle: { color: "rgba(42,74,120,0.45)" } },
        },
        {
          type: "value",
          splitNumber: 3,
          axisLabel: { ...t.axis, fontSize: t.small - 1 },
          splitLine: { show: false },
        },
      ],
      series: [
        {
          id: "sweep-band",
          name: ui("sweep_band"),
          type: "custom",
          renderItem: area,
          encode: { x: 0, y: [1, 2] },
          data: points.map((p) => [p.value, p.overall.gain_yuan.p5, p.overall.gain_yuan.p95]),
          itemStyle: { color: "rgba(56,198,244,0.35)" },
          z: 1,
        },
        {
          id: "sweep-gain",
          name: ui("sweep_gain"),
          type: "line",
          symbolSize: 6,
          lineStyle: { width: 3, color: "#38c6f4" },
          itemStyle: { color: "#38c6f4" },
          data: points.map((p) => [p.value, p.overall.gain_yuan.p50]),
          z: 3,
        },
        rev("fused", "#2fd08a"),
        rev("siloed", "#6f86ab"),
      ],
    },
    true,
  );
}

function renderSummaries() {
  if (!state.snap || !state.labels) return;
  renderEnsemble();
  renderFlowValues();
  renderSweep();
}

// ------------------------------------------------------------------------------------ feed
function renderFeed(snap) {
  const list = $("feed");
  if (!snap.feed.length) {
    list.innerHTML = `<li class="placeholder">${escapeHtml(ui("feed_empty"))}</li>`;
    state.feedTop = null;
    return;
  }
  const names = Object.fromEntries(snap.cities.map((c) => [c.code, c]));
  const top = JSON.stringify(snap.feed[0]);
  const freshCount = state.feedTop === null ? 0 : Math.max(0, snap.feed.findIndex((d) => JSON.stringify(d) === state.feedTop));
  state.feedTop = top;
  list.innerHTML = snap.feed
    .map((d, i) => {
      const city = names[d.region];
      const where = city ? cityName(city) : d.region;
      const lv = d.level ? ` ${levelText(d.level)}` : "";
      const via = d.inputs.length ? `<small>← ${d.inputs.map((s) => escapeHtml(label("sectors", s))).join("、")}</small>` : "";
      return `<li class="${i < freshCount ? "fresh" : ""}" data-sector="${d.sector}" style="--sector:${sectorColour(d.sector)}">
        <span class="time">${beijing(d.t, false)}</span>
        <span class="sector">${escapeHtml(label("sectors", d.sector))}</span>
        <span class="mode ${d.mode}">${escapeHtml(label("modes", d.mode))}</span>
        <span class="city">${escapeHtml(where)}</span>
        <span class="action ${d.status === "lifted" ? "lifted-row" : ""}"><span class="${d.status === "lifted" ? "lifted" : ""}">${escapeHtml(label("actions", d.action))}${escapeHtml(lv)}</span>${d.status === "lifted" ? ` <small>${escapeHtml(label("status", "lifted"))}</small>` : ""}${via}</span>
      </li>`;
    })
    .join("");
}

// ---------------------------------------------------------------------------------- wiring
function render() {
  const snap = state.snap;
  if (!snap || !state.labels) return;
  renderClock(snap);
  renderMap(snap);
  renderMultipliers(snap);
  renderLoss(snap);
  renderFlows(snap);
  renderFeed(snap);
  renderRev(snap);
  syncSummaries(snap);
  renderSummaries();
}

function setLive(live) {
  const el = $("conn");
  el.dataset.live = String(live);
  el.textContent = ui(live ? "connected" : "reconnecting");
}

function connect() {
  const source = new EventSource("/events");
  source.addEventListener("open", () => setLive(true));
  source.addEventListener("snapshot", (e) => {
    state.snap = JSON.parse(e.data);
    setLive(true);
    render();
  });
  // EventSource reconnects by itself (the server may restart for a new run).
  source.addEventListener("error", () => setLive(false));
}

async function startRun(event) {
  event.preventDefault();
  const button = $("start-button");
  button.disabled = true;
  const body = { scenario: $("scenario-select").value, fusion: $("fusion-select").value === "on" };
  const r = await fetch("/api/runs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status !== 202) {
    const detail = (await r.json().catch(() => ({}))).detail ?? r.statusText;
    showFatal(String(detail));
    button.disabled = false;
  }
}

function showFatal(text) {
  const el = $("fatal");
  el.textContent = text;
  el.hidden = false;
  setTimeout(() => (el.hidden = true), 8000);
}

async function main() {
  if (typeof echarts === "undefined") {
    showFatal("ECharts is not installed: run `npm ci` in services/dashboard/web");
    return;
  }
  const [labels, scenarios, snap] = await Promise.all(
    ["/api/labels", "/api/scenarios", "/api/snapshot"].map((u) => fetch(u).then((r) => r.json())),
  );
  state.labels = labels;
  // The scenario library is listed by the operator's command; when that fails (503) the page
  // still shows the run in progress, and says why it cannot offer a scenario.
  state.scenarios = Array.isArray(scenarios) ? scenarios : [];
  state.snap = snap;
  mapChart = echarts.init($("map"), null, { renderer: "canvas" });
  lossChart = echarts.init($("loss-chart"));
  flowsChart = echarts.init($("flows-chart"));
  revChart = echarts.init($("rev-chart"));
  flowValuesChart = echarts.init($("flow-values-chart"));
  sweepChart = echarts.init($("sweep-chart"));
  applyStaticLabels();
  setLive(false);
  render();
  connect();
  if (!Array.isArray(scenarios)) showFatal(String(scenarios?.detail ?? "no scenario library"));
  $("run-form").addEventListener("submit", startRun);
  $("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("dexsim.lang", state.lang);
    applyStaticLabels();
    setLive($("conn").dataset.live === "true");
    render();
  });
  // A chart keeps the size it had when drawn; follow its panel whenever the layout changes.
  const resized = new ResizeObserver(() => {
    for (const c of [mapChart, lossChart, flowsChart, revChart, flowValuesChart, sweepChart]) c.resize();
  });
  for (const id of ["map", "loss-chart", "flows-chart", "rev-chart", "flow-values-chart", "sweep-chart"]) {
    resized.observe($(id));
  }
  window.addEventListener("resize", () => render());
}

main();
