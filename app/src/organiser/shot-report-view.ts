// Sync you can see: side by side, how far from `at` each phone's shutter timer fired (its own estimate) and
// what the photos show (each camera frame's time minus `at`), the clock bounds, and who was late or missing.
import type { ShotReport } from "../../../shared/protocol.ts";
import { h, mount } from "../dom.ts";
import { fireErrorBands, type Band } from "../histogram.ts";

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function nameList(title: string, names: string[]): HTMLElement | null {
  if (names.length === 0) return null;
  const shown = names.slice(0, 50);
  const rest = names.length - shown.length;
  return h(
    "p",
    { class: "who" },
    h("strong", {}, `${title} (${names.length}): `),
    shown.join(", "),
    rest > 0 ? ` and ${rest} more` : "",
  );
}

function bar(percent: number): HTMLElement {
  const fill = h("span", { class: "fill" });
  fill.style.width = `${percent}%`;
  return fill;
}

/** One histogram with its caption; `label` names it for screen readers and tests. */
function histogram(caption: string, label: string, testId: string, bands: Band[]): HTMLElement {
  const top = Math.max(1, ...bands.map((b) => b.count));
  return h(
    "figure",
    { class: "histogram-box" },
    h("figcaption", {}, caption),
    h(
      "div",
      { class: "histogram", role: "table", "aria-label": label, "data-testid": testId },
      ...bands.map((b) =>
        h(
          "div",
          { class: "bar", role: "row" },
          h("span", { role: "cell" }, b.label),
          h("span", { class: "track", role: "cell" }, bar((100 * b.count) / top)),
          h("span", { role: "cell", class: "n" }, String(b.count)),
        ),
      ),
    ),
  );
}

export function renderShotReport(el: HTMLElement, r: ShotReport): void {
  const fired = r.members.filter((m) => m.fireError !== null);
  const framed = r.members.flatMap((m) => (m.frameOffset === null ? [] : [m.frameOffset]));
  const worstFrame = framed.length ? Math.max(...framed.map(Math.abs)) : null;
  const worst = fired.length ? Math.max(...fired.map((m) => Math.abs(m.fireError!))) : null;
  const bound = median(r.members.flatMap((m) => (m.error === null ? [] : [m.error])));
  const late = r.members.filter((m) => m.late).map((m) => m.name || "Guest");
  const silent = r.members.filter((m) => m.fireError === null).map((m) => m.name || "Guest");
  const missing = r.members.filter((m) => !m.uploaded).map((m) => m.name || "Guest");

  mount(
    el,
    h("h3", {}, "How in sync was it?"),
    h(
      "p",
      { class: "muted" },
      `${fired.length} of ${r.expected} phones fired`,
      worst !== null ? `, the furthest ${ms(worst)} from the instant` : "",
      bound !== null ? `; median clock bound ±${ms(bound)}` : "",
      `. ${r.uploaded} uploaded${r.state === "pending" ? " so far" : ""}`,
      worstFrame !== null ? `; the photos' frames are at most ${ms(worstFrame)} from it.` : ".",
    ),
    h(
      "div",
      { class: "histograms" },
      histogram(
        "Shutter timer",
        "Fire error histogram",
        "histogram",
        fireErrorBands(r.members.map((m) => m.fireError)),
      ),
      histogram(
        `What the photos show (${framed.length})`,
        "Frame offset histogram",
        "frame-histogram",
        fireErrorBands(framed),
      ),
    ),
    nameList("Late", late),
    nameList("No fire report", silent),
    nameList(r.state === "pending" ? "Not uploaded yet" : "Missing", missing),
  );
}
