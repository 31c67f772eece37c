// Web app benchmark: the JavaScript each page loads (raw and gzip) and cold load times in Debian's
// Chromium against a local `wrangler dev`, unthrottled and as a phone on slow 4G. Run: `npx tsx bench/app-load-bench.ts`.
import { cpus, totalmem } from "node:os";
import type { Browser } from "playwright-core";
import { buildApp } from "../scripts/build-app.ts";
import { startServer } from "../scripts/local-server.ts";
import { findChromium } from "../test/browser/global-setup.ts";
import { launchChromium } from "../test/browser/chromium.ts";
import { Api } from "../test/e2e/kit/api.ts";

const RUNS = 9;

type Profile = { name: string; latencyMs: number; downKbps: number; upKbps: number; cpuSlowdown: number };
const PROFILES: Profile[] = [
  { name: "unthrottled (localhost)", latencyMs: 0, downKbps: 0, upKbps: 0, cpuSlowdown: 1 },
  // Lighthouse's mobile preset: 150 ms RTT, 1.6 Mbps down, 750 kbps up, a 4x slower CPU.
  { name: "slow 4G + 4x CPU", latencyMs: 150, downKbps: 1600, upKbps: 750, cpuSlowdown: 4 },
];

type Sample = { dcl: number; fcp: number; ready: number; scripts: string[] };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One cold load in a fresh context (empty cache); `ready` is the app's "simulshot:ready" mark, set when
 *  the page's first controls are in the DOM. */
async function load(browser: Browser, url: string, readyText: string, p: Profile): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  if (p.latencyMs > 0)
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: p.latencyMs,
      downloadThroughput: (p.downKbps * 1000) / 8,
      uploadThroughput: (p.upKbps * 1000) / 8,
    });
  if (p.cpuSlowdown > 1) await cdp.send("Emulation.setCPUThrottlingRate", { rate: p.cpuSlowdown });
  const scripts = new Set<string>();
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith(".js")) scripts.add(path.slice(1));
  });
  await page.goto(url, { waitUntil: "load" });
  await page.getByText(readyText).first().waitFor();
  const t = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    const ready = performance.getEntriesByName("simulshot:ready")[0];
    return { dcl: nav.domContentLoadedEventEnd, fcp: fcp ? fcp.startTime : NaN, ready: ready ? ready.startTime : NaN };
  })()`)) as { dcl: number; fcp: number; ready: number };
  await context.close();
  return { ...t, scripts: [...scripts].sort() };
}

async function main() {
  const chromium = findChromium();
  if (!chromium) throw new Error("no Chromium at /usr/bin/chromium (apt-get install -y chromium)");
  const files = await buildApp();
  const server = await startServer("wrangler");
  const browser = await launchChromium(chromium);
  try {
    const api = new Api(server.url);
    const { token } = await api.login("Bench");
    const { joinUrl } = await api.createRoom(token, "Bench");
    const pages = [
      { name: "organiser `/`", url: `${server.url}/`, ready: "Log in" },
      { name: "guest `/r/<roomId>`", url: joinUrl, ready: "Start camera" },
    ];
    console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`);
    console.log("\n| file | bytes | gzip |\n| --- | ---: | ---: |");
    for (const f of files) console.log(`| ${f.path} | ${f.bytes} | ${f.gzip} |`);
    console.log(`\n| page | profile | JS loaded (raw / gzip) | DOMContentLoaded | first paint | controls ready |`);
    console.log("| --- | --- | ---: | ---: | ---: | ---: |");
    for (const pg of pages) {
      for (const p of PROFILES) {
        await load(browser, pg.url, pg.ready, p); // warm the server and the browser's code cache
        const samples: Sample[] = [];
        for (let i = 0; i < RUNS; i++) samples.push(await load(browser, pg.url, pg.ready, p));
        const loaded = files.filter((file) => samples[0]!.scripts.includes(file.path));
        const js = `${sum(loaded, "bytes")} B / ${sum(loaded, "gzip")} B (${loaded.length} files)`;
        const f = (k: "dcl" | "fcp" | "ready") => `${Math.round(median(samples.map((s) => s[k])))} ms`;
        console.log(`| ${pg.name} | ${p.name} | ${js} | ${f("dcl")} | ${f("fcp")} | ${f("ready")} |`);
      }
    }
    console.log(`\n(median of ${RUNS} cold loads each, cache disabled, a fresh browser context per load)`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

const sum = (files: Array<{ bytes: number; gzip: number }>, k: "bytes" | "gzip") => files.reduce((n, f) => n + f[k], 0);

await main();
