// The upload stampede as one Node client makes it: N uploads (a photo and its thumb, own bytes each) all
// in flight together, each on its own connection, timed from the first byte sent to the last answer.
// Counts what was acknowledged on the first attempt, then retries the rest as a phone would.
import http from "node:http";
import { tagJpeg } from "../shared/jpeg-tag.ts";

export type UploadTarget = {
  /** Path and query of upload i (e.g. `/api/rooms/R/photos?shot=S`). */
  path(i: number): string;
  headers(i: number): Record<string, string>;
  /** Form fields sent before the files (the project's `shotId`). */
  fields(i: number): Array<[string, string]>;
};

export type BurstResult = {
  n: number;
  /** From the first request's start to the last first-attempt answer, ms. */
  phaseMs: number;
  firstTry: number;
  /** First attempts with no HTTP answer (reset, closed), by error code. */
  noAnswer: Record<string, number>;
  /** First attempts answered with something else than 200/201, by status. */
  refused: Record<string, number>;
  /** Retried uploads acknowledged in the end (so nothing is left unacknowledged when the server is sound). */
  retriedOk: number;
  bodyBytes: number;
  /** Mean of each Server-Timing entry over the first-try answers that carried one (ms per upload). */
  split: Record<string, number>;
};

const BOUNDARY = "----SimulshotUploadBurst7d1f0e";

/** A multipart body as browsers encode one: the fields, then photo and thumb. */
export function formBody(fields: Array<[string, string]>, photo: Uint8Array, thumb: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields)
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const [k, bytes] of [
    ["photo", photo],
    ["thumb", thumb],
  ] as const) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"; filename="${k}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      Buffer.from(bytes),
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

type Answer = { status: number; error?: string; timing?: string };

function post(base: URL, path: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(new URL(path, base), {
      method: "POST",
      agent: false,
      headers: {
        ...headers,
        "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`,
        "Content-Length": String(body.length),
      },
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })), 120_000);
    req.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ status: 0, error: e.code ?? e.message });
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => {
        clearTimeout(timer);
        const timing = res.headers["server-timing"];
        resolve({ status: res.statusCode ?? 0, ...(typeof timing === "string" ? { timing } : {}) });
      });
      res.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ status: 0, error: e.code ?? e.message });
      });
    });
    req.end(body);
  });
}

/** Sends all `n` uploads at once; each failed first attempt is retried up to 5 times, 0.5–2 s apart. */
export async function uploadBurst(
  url: string,
  target: UploadTarget,
  n: number,
  files: { photo: Uint8Array; thumb: Uint8Array },
  tag = "burst",
): Promise<BurstResult> {
  // Bodies are built before the clock starts: a phone has its bytes ready.
  const bodies = Array.from({ length: n }, (_, i) =>
    formBody(target.fields(i), tagJpeg(files.photo, `${tag} photo ${i}`), tagJpeg(files.thumb, `${tag} thumb ${i}`)),
  );
  const base = new URL(url);
  const noAnswer: Record<string, number> = {};
  const refused: Record<string, number> = {};
  let firstTry = 0;
  let retriedOk = 0;
  let last = 0;
  const sums: Record<string, number> = {};
  let timed = 0;
  const t0 = performance.now();
  await Promise.all(
    bodies.map(async (body, i) => {
      let a = await post(base, target.path(i), target.headers(i), body);
      last = Math.max(last, performance.now());
      if (a.status === 200 || a.status === 201) {
        firstTry++;
        if (a.timing) timed++;
        for (const m of a.timing?.matchAll(/([\w-]+);dur=([\d.]+)/g) ?? [])
          sums[m[1]!] = (sums[m[1]!] ?? 0) + Number(m[2]);
        return;
      }
      if (a.status === 0) noAnswer[a.error ?? "?"] = (noAnswer[a.error ?? "?"] ?? 0) + 1;
      else refused[a.status] = (refused[a.status] ?? 0) + 1;
      for (let attempt = 1; attempt <= 5; attempt++) {
        await new Promise((r) => setTimeout(r, 500 * attempt + Math.random() * 500));
        a = await post(base, target.path(i), target.headers(i), body);
        if (a.status === 200 || a.status === 201) {
          retriedOk++;
          return;
        }
      }
    }),
  );
  return {
    n,
    phaseMs: last - t0,
    firstTry,
    noAnswer,
    refused,
    retriedOk,
    bodyBytes: bodies[0]!.length,
    split: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, timed)])),
  };
}
