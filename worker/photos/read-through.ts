// Reads an immutable object through the HTTP cache: a hit is answered from the cache, a miss from the
// blob store while the cache is filled. Concurrent misses for one URL in an isolate wait for the first
// one's cache fill instead of each reading the store (the cache API does not collapse them itself).
import type { Platform } from "../platform.ts";
import { countAccess } from "./access-stats.ts";

/** How long a second reader waits for the first one's cache fill, and how often it looks. */
const FILL_WAIT_MS = 2000;
const FILL_POLL_MS = 20;

const filling = new Set<string>();

export type ReadThrough = {
  roomId: string;
  /** Blob store key. */
  key: string;
  /** The URL the cache keys the object by: the public file URL, without query or headers. */
  cacheUrl: string;
  /** Headers of the full response, stored with it in the cache. */
  headers: Record<string, string>;
};

/** The whole object as a 200 Response (with Content-Length), or null when the store has no such key. */
export async function readThrough(platform: Platform, f: ReadThrough): Promise<Response | null> {
  const { cache } = platform;
  if (cache) {
    const hit = await cachedFill(cache, f.cacheUrl);
    if (hit) {
      countAccess(platform, f.roomId, "cacheHits");
      return hit;
    }
  }
  filling.add(f.cacheUrl);
  let obj;
  try {
    obj = await platform.blobs.get(f.key);
  } catch (e) {
    filling.delete(f.cacheUrl);
    throw e;
  }
  countAccess(platform, f.roomId, "r2Reads");
  if (!obj) {
    filling.delete(f.cacheUrl);
    return null;
  }
  const headers = { ...f.headers, "Content-Length": String(obj.size) };
  if (!cache) {
    filling.delete(f.cacheUrl);
    return new Response(obj.body, { headers });
  }
  const [toCache, toClient] = obj.body.tee();
  platform.waitUntil(
    cache
      .put(f.cacheUrl, new Response(toCache, { headers }))
      .catch((e: unknown) => console.error(`[read-through] cache put ${f.cacheUrl}:`, e))
      .finally(() => filling.delete(f.cacheUrl)),
  );
  return new Response(toClient, { headers });
}

/** A cache hit, waiting (up to FILL_WAIT_MS) for a fill another request of this isolate has started. */
async function cachedFill(cache: Cache, url: string): Promise<Response | null> {
  for (let waited = 0; ; waited += FILL_POLL_MS) {
    const hit = await cache.match(url);
    if (hit) return hit;
    if (!filling.has(url) || waited >= FILL_WAIT_MS) return null;
    await new Promise((r) => setTimeout(r, FILL_POLL_MS));
  }
}
