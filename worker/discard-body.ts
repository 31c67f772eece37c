// What is left of a request body after its answer was decided early, read and dropped up to a cap. A server
// whose answer ends with request bytes still unread cannot find the next request on that connection, so it
// closes it: workerd whether the body was cancelled or never touched (behind wrangler dev's proxy the next
// request is then answered 503 "Your worker restarted mid-request"), Deno when it was never read.
import type { UnreadBody } from "./platform.ts";

/** Reads the rest of `reader` and drops it; past `maxBytes` more it cancels instead (the connection closes). */
export async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<void> {
  let left = maxBytes;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      left -= next.value.byteLength;
      if (left < 0) break;
    }
  } catch {
    return; // the client went away: nothing left to keep in step
  }
  await reader.cancel().catch(() => {});
}

/** A body nothing has read yet, dropped whole up to `maxBytes`. */
export function unreadBody(body: ReadableStream<Uint8Array>, maxBytes: number): UnreadBody {
  return {
    discard: () => discardRest(body.getReader(), maxBytes),
    cancel: () => {
      body.cancel().catch(() => {});
    },
  };
}
