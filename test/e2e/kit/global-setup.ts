// Starts the servers the black-box suite runs against (or takes E2E_URL) and provides their URLs.
import type { TestProject } from "vitest/node";
import { startServer, type LocalServer, type ServerKind } from "../../../scripts/local-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** `authSecret`: what the server signs tokens with, when this setup started it (null for E2E_URL). */
    servers: Array<{ kind: string; url: string; authSecret: string | null }>;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.E2E_URL) {
    project.provide("servers", [{ kind: "external", url: process.env.E2E_URL.replace(/\/$/, ""), authSecret: null }]);
    return;
  }
  const kinds = (process.env.E2E_SERVERS ?? "wrangler,deno").split(",").filter(Boolean) as ServerKind[];
  const started: LocalServer[] = await Promise.all(kinds.map((k) => startServer(k)));
  project.provide(
    "servers",
    started.map((s) => ({ kind: s.kind, url: s.url, authSecret: s.authSecret })),
  );
  return async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
}
