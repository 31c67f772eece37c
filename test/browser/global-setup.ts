// The browser suite's setup: find a Chromium, build the web app, then start the server(s) exactly as
// the e2e suite does. Without a Chromium it says so loudly and starts nothing; the tests then skip.
import { existsSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { buildApp } from "../../scripts/build-app.ts";
import e2eSetup from "../e2e/kit/global-setup.ts";

declare module "vitest" {
  export interface ProvidedContext {
    chromium: string | null;
  }
}

/** $CHROMIUM_PATH when set (only it), else Debian's Chromium; never a `playwright install` download. */
export function findChromium(): string | null {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export default async function setup(project: TestProject) {
  const chromium = findChromium();
  project.provide("chromium", chromium);
  if (!chromium) {
    console.warn(
      `\n[browser] SKIPPING the browser tests: no Chromium at ${process.env.CHROMIUM_PATH || "/usr/bin/chromium"}.\n` +
        "[browser] Install Debian's Chromium to run them: apt-get install -y chromium\n",
    );
    project.provide("servers", []);
    return;
  }
  await buildApp();
  return e2eSetup(project);
}
