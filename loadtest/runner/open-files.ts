// The open-file limit a load test needs: the server holds a socket per client and, while photos go up, an
// upload connection per client too (~2 descriptors a client); the runner's processes share the clients.
// Node raises its soft limit to the hard one when it starts, and every process it starts inherits that
// (serve:bench's workerd, Deno, the runner's children), so only the hard limit counts here.
import { readFileSync } from "node:fs";

export type FileLimit = { soft: number; hard: number };

/** The "Max open files" row of /proc/<pid>/limits ("unlimited" is Infinity); null when absent. */
export function parseFileLimit(limits: string): FileLimit | null {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!m) return null;
  const n = (s: string) => (s === "unlimited" ? Infinity : Number(s));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

export function fileLimit(): FileLimit | null {
  try {
    return parseFileLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    return null;
  }
}

/** Descriptors beyond the clients' (the runtime, state files, the runner's IPC). */
const SPARE = 1000;
export const wantedFiles = (clients: number) => 2 * clients + SPARE;
export const neededFiles = (clients: number) => clients + SPARE;

export type FilePlan = { action: "ok" } | { action: "short" | "fail"; message: string };

/** Whether `clients` fit under `limit` (this process's, already raised by Node): yes, with a warning below
 *  ~2 a client (uploads may meet EMFILE), or not below one a client (sockets cannot all open). */
export function filePlan(clients: number, limit: FileLimit): FilePlan {
  const want = wantedFiles(clients);
  if (limit.soft >= want) return { action: "ok" };
  const raise =
    limit.hard > limit.soft
      ? `raise the soft limit (ulimit -Sn ${Math.min(want, limit.hard)})`
      : "raise the hard limit (as root: ulimit -Hn, or /etc/security/limits.conf)";
  const short = `the open-file limit (ulimit -n) is ${limit.soft} (hard ${limit.hard}) and ${clients} clients want ~${want} (2 a client: a socket and an upload connection, plus ${SPARE})`;
  if (limit.soft < neededFiles(clients))
    return { action: "fail", message: `${short}: not even one a client. ${raise} or run fewer clients.` };
  return { action: "short", message: `warning: ${short}: uploads may fail with EMFILE; ${raise} to go past it.` };
}
