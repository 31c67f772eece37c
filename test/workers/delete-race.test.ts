// Removing a photo while another member's upload of the very same bytes is between writing them and
// being recorded: the upload's acknowledged photo keeps its bytes. The R2 binding is wrapped to hold
// that upload at exactly that point, so the interleaving is forced, not hoped for.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auth, call, fetchRaw, jpeg, roomWithShot, upload } from "./helpers.ts";

type Put = R2Bucket["put"];

/** Holds the put of the blob named by `sha` under `prefix` once it is written, until released. Flags
 *  polled on each side's own timers, not promises: a promise made in the test and settled in the Worker's
 *  request (or the reverse) crosses workerd's I/O contexts, which left later reads of the blob hanging. */
function holdPut(prefix: string, sha: string) {
  const original = env.PHOTOS.put;
  const state = { written: false, released: false };
  const held: Put = async function (...args: Parameters<Put>) {
    const r = await original.apply(env.PHOTOS, args);
    if (args[0].startsWith(`${prefix}${sha}`)) {
      state.written = true;
      while (!state.released) await new Promise((t) => setTimeout(t, 10));
    }
    return r;
  } as Put;
  Object.defineProperty(env.PHOTOS, "put", { value: held, configurable: true, writable: true });
  return {
    written: async () => {
      while (!state.written) await new Promise((t) => setTimeout(t, 10));
    },
    release: () => {
      state.released = true;
    },
    restore: () => Object.defineProperty(env.PHOTOS, "put", { value: original, configurable: true, writable: true }),
  };
}

describe("delete vs an identical upload in flight", () => {
  it("an upload of the same bytes as a photo being removed keeps its photo after its 201", async () => {
    const { roomId, token, members } = await roomWithShot(2, "race");
    const same = jpeg(48, 36, [9, 99, 199]);
    const first = await upload(roomId, members[0]!.welcome.uploadToken, { photo: same });
    expect(first.status).toBe(201);

    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", same));
    const sha = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const hold = holdPut(`rooms/${roomId}/`, sha);
    try {
      // The second member's upload writes its bytes, then waits before the room records it.
      const second = upload(roomId, members[1]!.welcome.uploadToken, { photo: same });
      await hold.written();
      // Meanwhile the owner removes the first photo, and its bytes are deleted.
      const del = await call(`/api/rooms/${roomId}/photos/${first.body.photoId}`, {
        method: "DELETE",
        headers: auth(token),
      });
      expect(del.status).toBe(204);
      const firstKey = `rooms/${roomId}/${first.body.url.slice(first.body.url.lastIndexOf("/") + 1)}`;
      for (let i = 0; i < 100 && (await env.PHOTOS.head(firstKey)); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await env.PHOTOS.head(firstKey)).toBeNull();
      // Then the upload is recorded and acknowledged: its photo must be whole.
      hold.release();
      const up = await second;
      expect(up.status).toBe(201);
      for (const url of [up.body.url, up.body.thumbUrl]) {
        const res = await fetchRaw(url);
        expect(res.status, url).toBe(200);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (url === up.body.url) expect(bytes).toEqual(same);
      }
    } finally {
      hold.release();
      hold.restore();
    }
  });
});
