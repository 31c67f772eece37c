// Counts, per room, the image reads served from the blob store (R2) and from the HTTP cache. Counting
// is a map increment; the totals go to each room in one call per 200 ms (after the response, via waitUntil).
import type { AccessCounts, Platform } from "../platform.ts";

export const FLUSH_MS = 200;

// Per isolate, only until the next flush: losing a batch to an eviction loses a few counts, never a photo.
const pending = new Map<string, AccessCounts>();
let scheduled = false;

export function countAccess(platform: Platform, roomId: string, kind: keyof AccessCounts, n = 1): void {
  const counts = pending.get(roomId) ?? { r2Reads: 0, cacheHits: 0 };
  counts[kind] += n;
  pending.set(roomId, counts);
  if (scheduled) return;
  scheduled = true;
  platform.waitUntil(new Promise((r) => setTimeout(r, FLUSH_MS)).then(() => flushAccess(platform)));
}

/** Sends every pending count to its room now (the stats route calls it so its answer includes them). */
export async function flushAccess(platform: Platform): Promise<void> {
  scheduled = false;
  const batch = [...pending];
  pending.clear();
  await Promise.all(
    batch.map(([roomId, counts]) =>
      platform
        .room(roomId)
        .countAccess(counts)
        .catch((e: unknown) => console.error(`[access-stats] room ${roomId}:`, e)),
    ),
  );
}
