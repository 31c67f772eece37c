// A private server for the tests that restart it or need a short upload window: the same kind as
// the shared server under test, with its own state folder. Null against an external E2E_URL.
import { startServer, type LocalServer, type ServerKind } from "../../../scripts/local-server.ts";

export async function ownServer(kind: string, vars: Record<string, string>): Promise<LocalServer | null> {
  if (kind !== "wrangler" && kind !== "deno") return null;
  return startServer(kind as ServerKind, { vars });
}
