// The --report page: one self-contained HTML file (inline CSS and SVG, nothing fetched) with the run's
// phase timings on a timeline, a histogram of fire errors, the sync figures, counters and thresholds.

export type RoomSummary = {
  clients: number;
  phases: Record<string, number | null>;
  sync: Record<string, number | null>;
  timeline?: Record<string, [number | null, number | null]>;
  thresholds?: Record<string, boolean>;
  knobs?: Record<string, unknown>;
  [counter: string]: unknown;
};

const esc = (s: unknown) =>
  String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const fmt = (x: unknown, digits = 1) => (typeof x === "number" ? x.toFixed(digits) : "–");

function timeline(t: NonNullable<RoomSummary["timeline"]>): string {
  const rows = Object.entries(t).filter((r): r is [string, [number, number]] => r[1][0] !== null && r[1][1] !== null);
  if (!rows.length) return "<p>No phase ran.</p>";
  const from = Math.min(...rows.map(([, [a]]) => a));
  const to = Math.max(...rows.map(([, [, b]]) => b));
  const scale = 640 / Math.max(to - from, 1);
  const bars = rows
    .map(([name, [a, b]], i) => {
      const x = 110 + (a - from) * scale;
      const w = Math.max((b - a) * scale, 1);
      return `<text x="0" y="${i * 26 + 17}">${esc(name)}</text><rect x="${x}" y="${i * 26 + 4}" width="${w}" height="18" rx="3"/><text x="${Math.min(x + w + 6, 700)}" y="${i * 26 + 17}" class="v">${fmt((b - a) / 1000, 3)} s</text>`;
    })
    .join("");
  return `<svg viewBox="0 0 820 ${rows.length * 26 + 24}" class="chart">${bars}<text x="110" y="${rows.length * 26 + 18}" class="v">0 s</text><text x="750" y="${rows.length * 26 + 18}" class="v" text-anchor="end">${fmt((to - from) / 1000, 2)} s after the first start</text></svg>`;
}

function histogram(values: number[]): string {
  if (!values.length) return "<p>No client fired.</p>";
  const sorted = [...values].sort((a, b) => a - b);
  const top = Math.max(sorted[Math.floor((sorted.length - 1) * 0.999)]!, 0.5);
  const bins = 40;
  const width = top / bins;
  const counts = Array.from({ length: bins + 1 }, () => 0);
  for (const v of sorted) counts[Math.min(bins, Math.max(0, Math.floor(v / width)))]!++;
  const peak = Math.max(...counts);
  const bars = counts
    .map((n, i) => {
      const h = (n / peak) * 160;
      const label = i === bins ? `≥ ${fmt(top, 2)} ms` : `${fmt(i * width, 2)}–${fmt((i + 1) * width, 2)} ms`;
      return `<rect x="${40 + i * 18}" y="${180 - h}" width="16" height="${h}"><title>${label}: ${n}</title></rect>`;
    })
    .join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${40 + f * bins * 18}" y="198" class="v" text-anchor="middle">${fmt(f * top, 2)}</text>`)
    .join("");
  return `<svg viewBox="0 0 800 220" class="chart">${bars}${ticks}<text x="780" y="214" class="v" text-anchor="end">fire error, ms (${sorted.length} clients, last bin: the rest)</text><text x="0" y="14" class="v">${peak}</text></svg>`;
}

function table(rows: Array<[string, unknown]>): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;
}

export function renderReport(o: {
  summary: RoomSummary;
  fireErrors: number[];
  command: string;
  machine: string;
  date: Date;
}): string {
  const s = o.summary;
  const counters = Object.entries(s).filter(([, v]) => typeof v === "number") as Array<[string, number]>;
  const thresholds = Object.entries(s.thresholds ?? {});
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulshot load test: ${esc(s.clients)} clients</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:900px;padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}code{background:#f2f4f7;padding:0 .3em;border-radius:3px}
table{border-collapse:collapse}th,td{padding:.2rem .8rem;border-bottom:1px solid #e3e6eb;text-align:left}td{font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto}.chart rect{fill:#3d7be0}.chart text{font-size:12px;fill:#1d2430}.chart .v{fill:#5b6472}
.ok{color:#17803d}.bad{color:#c62828}
</style></head><body>
<h1>Simulshot load test: ${esc(s.clients)} clients</h1>
<p>${esc(o.date.toISOString())} · ${esc(o.machine)}<br><code>${esc(o.command)}</code></p>
<h2>Phases</h2>
${s.timeline ? timeline(s.timeline) : ""}
${table(Object.entries(s.phases).map(([k, v]) => [k, typeof v === "number" ? `${fmt(v, 1)} ms` : "did not complete"]))}
<h2>Fire error</h2>
<p>The fired instant in server time by each client's own clock estimate, minus the shot's <code>at</code>.</p>
${histogram(o.fireErrors)}
${table(Object.entries(s.sync).map(([k, v]) => [k, typeof v === "number" ? `${fmt(v, 2)} ms` : "–"]))}
<h2>Counts</h2>
${table(counters)}
<h2>Thresholds</h2>
<table>${thresholds.map(([k, ok]) => `<tr><td class="${ok ? "ok" : "bad"}">${ok ? "✓" : "✗"}</td><td>${esc(k)}</td></tr>`).join("")}</table>
${s.knobs ? `<h2>Knobs</h2>${table(Object.entries(s.knobs))}` : ""}
</body></html>
`;
}
