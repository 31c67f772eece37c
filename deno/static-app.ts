// The web app's static files (app/dist, built by `npm run build:app`) for every path outside /api,
// as Workers static assets serve them: a file when one matches, else index.html for page navigations
// (/r/<roomId>; the app routes itself), else 404; every answer with the app's security headers.
import { ErrorCode } from "../shared/protocol.ts";
import { extname } from "node:path";
import { APP_HEADERS } from "../worker/app-headers.ts";
import { safePath } from "./safe-path.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

const notFound = () =>
  Response.json(
    { error: { code: ErrorCode.NotFound, message: "no such route" } },
    { status: 404, headers: APP_HEADERS },
  );

async function file(path: string, head: boolean): Promise<Response | null> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return null;
    const headers = {
      ...APP_HEADERS,
      "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
      "Content-Length": String(info.size),
      "Cache-Control": "public, max-age=0, must-revalidate",
    };
    return new Response(head ? null : (await Deno.open(path, { read: true })).readable, { headers });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

export function staticApp(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return notFound();
    const head = request.method === "HEAD";
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, "");
    } catch {
      return notFound();
    }
    const path = safePath(root, rel === "" || rel.endsWith("/") ? `${rel}index.html` : rel);
    const found = path ? await file(path, head) : null;
    if (found) return found;
    const navigation =
      request.headers.get("Sec-Fetch-Mode") === "navigate" ||
      (request.headers.get("Accept") ?? "").includes("text/html");
    return (navigation && (await file(safePath(root, "index.html")!, head))) || notFound();
  };
}
