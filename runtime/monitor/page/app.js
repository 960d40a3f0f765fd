// The live page of a running sqc job: reads /api/state once, then merges the /api/events
// updates (one a second). Plain browser JavaScript, no build step; charts are uPlot.
/* global uPlot */
'use strict';

const WINDOW_S = 600;
const state = { queries: new Map(), notices: [] };
/** For tests and curious users: `sqcPage.charts[query][chart].data`. */
window.sqcPage = { charts: {}, updates: 0 };

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const num = (n) => (n === null || n === undefined ? '–' : fmt.format(n));
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
};
const svg = (tag, attrs = {}) => {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

// Each chart: its title and, per bucket, the series values.
const CHARTS = [
  {
    id: 'rates',
    title: 'rows/s: input vs processing capacity',
    series: [
      { label: 'input', stroke: '#2f6fdf', value: (b) => b.inputRows },
      { label: 'processing', stroke: '#1e8e3e', value: (b) => (b.busyMs > 0 ? (b.inputRows * 1000) / b.busyMs : null) },
    ],
  },
  {
    id: 'duration',
    title: 'batch duration (ms): mean and max',
    series: [
      { label: 'mean', stroke: '#7a4fd0', value: (b) => (b.batches > 0 ? b.busyMs / b.batches : null) },
      { label: 'max', stroke: '#c0392b', value: (b) => b.maxBatchMs },
    ],
  },
  {
    id: 'lag',
    title: 'watermark lag (s)',
    series: [
      { label: 'lag', stroke: '#b26a00', value: (b) => (b.watermarkLagMs === null ? null : b.watermarkLagMs / 1000) },
    ],
  },
  {
    id: 'state',
    title: 'state rows',
    series: [{ label: 'rows', stroke: '#2f6fdf', value: (b) => b.stateRows }],
  },
  {
    id: 'late',
    title: 'late and malformed rows per second',
    series: [
      { label: 'late', stroke: '#b26a00', value: (b) => b.lateRows },
      { label: 'malformed', stroke: '#c0392b', value: (b) => b.malformed },
    ],
  },
  {
    id: 'checkpoint',
    title: 'checkpoint time (ms per second)',
    series: [{ label: 'checkpoint', stroke: '#555', value: (b) => b.checkpointMs }],
  },
];

function chartData(q, chart) {
  const xs = q.buckets.map((b) => b.t / 1000);
  return [xs, ...chart.series.map((s) => q.buckets.map((b) => s.value(b)))];
}

function makeQuery(view) {
  const root = el('section', { class: 'panel', 'data-query': view.name });
  const status = el('span', { class: 'status' });
  root.append(el('h2', {}, view.name, status));
  const stats = el('div', { class: 'stats' });
  const statEls = {};
  for (const [key, label] of [
    ['inputRows', 'rows in'],
    ['outputRows', 'rows out'],
    ['rate', 'rows/s (last batch)'],
    ['watermark', 'watermark'],
    ['stateRows', 'state rows'],
    ['lateRows', 'late rows'],
    ['malformed', 'malformed'],
    ['batches', 'batches'],
  ]) {
    const b = el('b', { 'data-stat': key }, '–');
    statEls[key] = b;
    stats.append(el('div', { class: 'stat' }, b, el('span', {}, label)));
  }
  root.append(stats);
  const errorBox = el('div', { class: 'error-box' });
  root.append(errorBox);
  const charts = el('div', { class: 'charts' });
  root.append(charts);
  const graph = el('div', { class: 'graph' });
  root.append(graph);
  document.getElementById('queries').append(root);

  const q = { view, buckets: [...view.buckets], status, statEls, errorBox, graph, plots: {} };
  window.sqcPage.charts[view.name] = {};
  for (const c of CHARTS) {
    const box = el('div', { class: 'chart', 'data-chart': c.id }, el('h3', {}, c.title));
    charts.append(box);
    const opts = {
      width: 330,
      height: 150,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [{ size: 30 }, { size: 64 }],
      series: [{}, ...c.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, spanGaps: true }))],
    };
    const plot = new uPlot(opts, chartData(q, c), box);
    q.plots[c.id] = plot;
    window.sqcPage.charts[view.name][c.id] = plot;
  }
  drawGraph(q);
  return q;
}

function refreshQuery(q) {
  const v = q.view;
  q.status.textContent = v.status;
  q.status.className = `status ${v.status}`;
  const last = v.last;
  const sinks = Object.values(v.totals.sinks).reduce((a, b) => a + b, 0);
  const s = q.statEls;
  s.inputRows.textContent = num(v.totals.inputRows);
  s.outputRows.textContent = num(sinks);
  s.rate.textContent = last ? num(last.processedRowsPerSecond) : '–';
  s.watermark.textContent = last?.watermark ?? '–';
  s.stateRows.textContent = last ? num(last.stateRows) : '–';
  s.lateRows.textContent = num(v.totals.lateRows);
  s.malformed.textContent = num(v.totals.malformed);
  s.batches.textContent = num(v.totals.batches);
  q.errorBox.textContent = v.error ?? '';
  for (const c of CHARTS) q.plots[c.id].setData(chartData(q, c));
  drawGraph(q);
}

/** The plan as a layered graph: sources at the top, the sink at the bottom. */
function drawGraph(q) {
  const nodes = q.view.graph;
  if (!nodes || nodes.length === 0) return;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map();
  const depthOf = (n) => {
    if (depth.has(n.id)) return depth.get(n.id);
    const d = n.inputs.length === 0 ? 0 : 1 + Math.max(...n.inputs.map((i) => depthOf(byId.get(i))));
    depth.set(n.id, d);
    return d;
  };
  nodes.forEach(depthOf);
  const layers = [];
  for (const n of nodes) (layers[depth.get(n.id)] ??= []).push(n);
  const W = 360;
  const H = 54;
  const GX = 30;
  const GY = 34;
  const width = Math.max(...layers.map((l) => l.length)) * (W + GX);
  const pos = new Map();
  layers.forEach((layer, d) => {
    const offset = (width - layer.length * (W + GX)) / 2;
    layer.forEach((n, i) => pos.set(n.id, { x: offset + i * (W + GX) + GX / 2, y: 10 + d * (H + GY) }));
  });
  const root = svg('svg', { width, height: layers.length * (H + GY) + 10, role: 'img', 'aria-label': 'query plan' });
  const defs = svg('defs');
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 6,
    markerHeight: 6,
    orient: 'auto',
  });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#9aa3b5' }));
  defs.append(marker);
  root.append(defs);
  for (const n of nodes) {
    const to = pos.get(n.id);
    for (const i of n.inputs) {
      const from = pos.get(i);
      root.append(svg('path', { class: 'edge', d: `M${from.x + W / 2},${from.y + H} L${to.x + W / 2},${to.y}` }));
    }
  }
  const last = q.view.last;
  for (const n of nodes) {
    const p = pos.get(n.id);
    const ops = (last?.stateOperators ?? []).filter((o) => o.id.startsWith(`n${n.id}.`));
    const g = svg('g', {
      class: `node${ops.length ? ' stateful' : ''}`,
      transform: `translate(${p.x},${p.y})`,
      'data-node': n.id,
    });
    g.append(svg('rect', { width: W, height: H }));
    const title = svg('text', { x: 8, y: 16 });
    title.textContent = n.label.length > 58 ? `${n.label.slice(0, 57)}…` : n.label;
    const tip = svg('title');
    tip.textContent = [n.label, ...n.details].join('\n');
    g.append(tip, title);
    const detail = svg('text', { x: 8, y: 31 });
    detail.textContent = (n.details[0] ?? '').slice(0, 62);
    g.append(detail);
    const metric = svg('text', { x: 8, y: 47, class: 'metric' });
    metric.textContent = nodeMetric(q, n, ops);
    g.append(metric);
    root.append(g);
  }
  q.graph.replaceChildren(root);
}

/** 1536 → "1.5 KiB". */
function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}

function nodeMetric(q, n, ops) {
  const t = q.view.totals;
  if (n.label.startsWith('Scan') && n.relation !== null) return `${num(t.sources[n.relation] ?? 0)} rows in`;
  if (n.label.startsWith('Sink') && n.relation !== null) return `${num(t.sinks[n.relation] ?? 0)} rows out`;
  if (ops.length) {
    const rows = `${num(ops.reduce((a, o) => a + o.rows, 0))} state rows`;
    const known = ops.filter((o) => o.bytes !== null && o.bytes !== undefined);
    return known.length ? `${rows}, ${bytes(known.reduce((a, o) => a + o.bytes, 0))} checkpointed` : rows;
  }
  return '';
}

function addNotices(list) {
  const ol = document.getElementById('notices');
  for (const n of list) {
    state.notices.push(n);
    const time = el('time', {}, n.time.slice(11, 19));
    ol.prepend(el('li', { class: n.level }, time, n.query ? `${n.query}: ${n.message}` : n.message));
  }
}

function merge(update) {
  for (const v of update.queries) {
    const q = state.queries.get(v.name);
    if (!q) continue;
    const first = v.buckets[0]?.t ?? Infinity;
    q.buckets = q.buckets.filter((b) => b.t < first).concat(v.buckets);
    const cutoff = Date.now() - WINDOW_S * 1000;
    q.buckets = q.buckets.filter((b) => b.t >= cutoff);
    q.view = { ...v, graph: q.view.graph };
    refreshQuery(q);
  }
  addNotices(update.notices);
  window.sqcPage.updates++;
}

async function start() {
  const view = await (await fetch('/api/state')).json();
  document.getElementById('job').textContent = view.job;
  document.title = `sqc · ${view.job}`;
  for (const v of view.queries) {
    const q = makeQuery(v);
    state.queries.set(v.name, q);
    refreshQuery(q);
  }
  addNotices(view.notices);
  const conn = document.getElementById('connection');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'pill live';
  });
  events.addEventListener('error', () => {
    conn.textContent = 'disconnected (job ended?)';
    conn.className = 'pill lost';
  });
  events.addEventListener('update', (e) => merge(JSON.parse(e.data)));
}

start().catch((e) => {
  document.getElementById('queries').textContent = `could not load the job's state: ${e.message}`;
});
