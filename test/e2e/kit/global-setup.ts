// Starts the servers the black-box suite runs against (or takes E2E_URL) and provides their URLs; with
// LATENCY=MIN:MAX every suite reaches them through the latency proxy (a slow phone network, loopback only).
import type { TestProject } from "vitest/node";
import { startLatencyProxy, type LatencyProxy } from "../../../scripts/latency-proxy.ts";
import { startServer, type LocalServer, type ServerKind } from "../../../scripts/local-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `authSecret`: what the server signs tokens with, when this setup started it (null for E2E_URL). */
    servers: Array<{ kind: string; url: string; authSecret: string | null }>;
  }
}

export default async function setup(project: TestProject) {
  const latency = process.env.LATENCY;
  const proxies: LatencyProxy[] = [];
  const reach = async (url: string) => {
    if (!latency) return url;
    const proxy = await startLatencyProxy(url, latency);
    proxies.push(proxy);
    return proxy.url;
  };
  if (process.env.E2E_URL) {
    project.provide("servers", [
      { kind: "external", url: await reach(process.env.E2E_URL.replace(/\/$/, "")), authSecret: null },
    ]);
    return async () => {
      await Promise.all(proxies.map((p) => p.stop()));
    };
  }
  const kinds = (process.env.E2E_SERVERS ?? "wrangler,deno").split(",").filter(Boolean) as ServerKind[];
  // Shards of 64 members: a room created expecting 200 has 4 (test/e2e/sharded-room.test.ts); rooms created
  // without `expected`, and the load test's 50, are one object, as on a default server.
  const started: LocalServer[] = await Promise.all(kinds.map((k) => startServer(k, { vars: { SHARD_MEMBERS: "64" } })));
  project.provide(
    "servers",
    await Promise.all(started.map(async (s) => ({ kind: s.kind, url: await reach(s.url), authSecret: s.authSecret }))),
  );
  return async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(started.map((s) => s.stop()));
  };
}
