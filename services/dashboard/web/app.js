// The leadership dashboard's page: reads /api/labels, /api/scenarios and /api/snapshot, then
// follows /events (server-sent events) and redraws. ECharts and the Jiangxi map come from
// /vendor (the npm packages, served by the dashboard itself).
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
};
let mapChart;
let lossChart;
let flowsChart;

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

const multiplierText = (m) => (m === null || m === undefined ? "n/a" : `×${m.toFixed(2)}`);
const revText = (r) => (r === null || r === undefined ? "—" : r.toFixed(2));
// The multiplier's tooltip: how it is computed, or why it is not shown (the referee's reason).
const basisTitle = (s) => label("bases", s.basis) + (s.reason ? ` — ${s.reason}` : "");

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
    opt.textContent = state.lang === "zh" ? s.description_zh.split("：")[0] : s.description_en.split(" - ")[0];
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
    return `<div class="card" data-sector="${name}" data-testid="mult-${name}" style="--sector:${sectorColour(name)}">
      <span class="name">${escapeHtml(label("sectors", name))}</span>
      <span class="mult-value ${trend}" data-testid="mult-value-${name}" title="${escapeHtml(basisTitle(s))}">${multiplierText(s.multiplier)}</span>
      <span class="detail">${escapeHtml(ui("value_gain"))} ${escapeHtml(yuan(s.value_gain_yuan))}</span>
      <span class="detail" data-testid="rev-${name}">${escapeHtml(ui("rev"))} ${revText(s.fused.rev)} / ${revText(s.siloed.rev)}</span>
      <span class="detail">${escapeHtml(ui("hits"))} ${s.fused.hits} / ${s.siloed.hits}</span>
      <span class="detail">${escapeHtml(ui("misses"))} ${s.fused.misses} / ${s.siloed.misses}</span>
    </div>`;
  });
  cards.push(`<div class="card overall" data-testid="mult-overall">
      <span><span class="name">${escapeHtml(ui("overall"))}</span><br>
      <span class="detail">${escapeHtml(ui("value_gain"))} ${escapeHtml(yuan(scores.overall.value_gain_yuan))}</span>
      <span class="detail" data-testid="rev-overall">${escapeHtml(ui("rev"))} ${revText(scores.overall.fused.rev)} / ${revText(scores.overall.siloed.rev)}</span></span>
      <span class="mult-value" data-testid="mult-value-overall" title="${escapeHtml(basisTitle(scores.overall))}">${multiplierText(scores.overall.multiplier)}</span>
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
  lossChart.setOption(
    {
      animation: false,
      grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
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
    for (const c of [mapChart, lossChart, flowsChart]) c.resize();
  });
  for (const id of ["map", "loss-chart", "flows-chart"]) resized.observe($(id));
  window.addEventListener("resize", () => render());
}

main();
