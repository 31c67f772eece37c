// The mosaic builder cutting tiles off the uploads' path, inside workerd: a photo's source (client tile or thumb)
// waits in SQLite until the uploads pause, a reader gets every waiting tile, a steady stream is cut a slice at a
// time, and an uncuttable, removed or oversized source never shows.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/protocol.ts";
import { ADD_GRACE_MS, RESYNC_MS } from "../../worker/mosaic/mosaic-engine.ts";
import { BUSY_REST_MS, MAX_DEFER_MS, QUIET_MS, SLICE } from "../../worker/mosaic/tile-cutter.ts";
import { solidJpeg } from "./helpers.ts";
import { type EngineTest, colour, near, solid, withEngine } from "./mosaic-harness.ts";

const count = (t: EngineTest, table: "tiles" | "pending") =>
  t.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)[0]!.n;

/** Photo i recorded by the room (its tile to be cut from its thumb, as the upload names it) and its source sent. */
function addSource(t: EngineTest, i: number, jpeg = solidJpeg(colour(i), 96, 64)) {
  t.room.push({ photoId: `p${i}`, tileKey: `rooms/${t.ref.roomId}/thumb${i}.jpg`, at: t.clock.now });
  expect(t.engine.addSource(t.ref, `p${i}`, jpeg)).toEqual({ ok: true });
}

describe("the mosaic builder's tile cutter", () => {
  it("cuts nothing while sources keep coming, and everything once they pause", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 3; i++) {
        addSource(t, i);
        t.clock.now += QUIET_MS / 2;
        await t.engine.onAlarm();
        expect(count(t, "tiles")).toBe(0);
      }
      expect(Math.max(...t.alarms)).toBeGreaterThanOrEqual(t.clock.now); // woken again, after the pause
      t.clock.now += QUIET_MS;
      await t.engine.onAlarm();
      expect([count(t, "tiles"), count(t, "pending")]).toEqual([3, 0]);
      const page = await t.engine.latest(t.ref, 0);
      if (!page.ok) throw new Error(page.code);
      expect(page.tiles).toBe(3);
      const img = await t.decode(0, page.version);
      for (let slot = 0; slot < 3; slot++) expect(near(img.rgb(slot), colour(slot)), `slot ${slot}`).toBe(true);
    });
  });

  it("stops cutting when a new source comes: the burst was not over", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 3 * SLICE; i++) addSource(t, i, solidJpeg(colour(i), 16, 16));
      t.clock.now += QUIET_MS;
      const alarm = t.engine.onAlarm(); // runs its first slice now, then yields
      addSource(t, 3 * SLICE);
      await alarm;
      expect([count(t, "tiles"), count(t, "pending")]).toEqual([SLICE, 2 * SLICE + 1]);
    });
  });

  it("cuts every waiting source before a reader is answered, without fetching the thumbs", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 6; i++) addSource(t, i);
      t.clock.now += ADD_GRACE_MS + RESYNC_MS; // the catch-up runs: the waiting photos are not missing
      const pages = await Promise.all([t.engine.latest(t.ref, 0), t.engine.latest(t.ref, 1)]);
      expect(pages.map((p) => p.ok && [p.pages, p.tiles])).toEqual([
        [2, 4],
        [2, 2],
      ]);
      expect(t.reads.n).toBe(0);
    });
  });

  it("cuts one slice at a time, with a rest, once the oldest waited MAX_DEFER_MS and sources keep coming", async () => {
    await withEngine(async (t) => {
      const start = t.clock.now;
      for (let i = 0; i < 2 * SLICE; i++) addSource(t, i, solidJpeg(colour(i), 16, 16));
      let i = 2 * SLICE;
      while (t.clock.now < start + MAX_DEFER_MS) {
        t.clock.now += QUIET_MS / 2;
        addSource(t, i++, solidJpeg(colour(i), 16, 16));
        if (t.clock.now < start + MAX_DEFER_MS) {
          await t.engine.onAlarm();
          expect(count(t, "tiles")).toBe(0);
        }
      }
      await t.engine.onAlarm();
      expect(count(t, "tiles")).toBe(SLICE);
      // The next slice waits its rest (a wake-up meanwhile, for the encode, cuts nothing), still within the pause.
      t.clock.now += BUSY_REST_MS - 10;
      await t.engine.onAlarm();
      expect(count(t, "tiles")).toBe(SLICE);
      t.clock.now += 10;
      await t.engine.onAlarm();
      expect(count(t, "tiles")).toBe(2 * SLICE);
    });
  });

  it("keeps waiting sources through a restart, and the restarted builder cuts them at once", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 2; i++) addSource(t, i);
      t.restart();
      await t.engine.onAlarm();
      expect([count(t, "tiles"), count(t, "pending")]).toEqual([2, 0]);
    });
  });

  it("leaves out a photo whose source cannot be cut or that was removed, and never fetches it", async () => {
    await withEngine(async (t) => {
      // The room names a tile for p0 that could be fetched: the catch-up must not bring it in.
      await env.PHOTOS.put(`rooms/${t.ref.roomId}/thumb0.jpg`, solidJpeg(colour(0), 96, 64));
      addSource(t, 0, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...Array.from({ length: 64 }, () => 7)]));
      addSource(t, 1);
      addSource(t, 2);
      t.engine.remove(t.ref, "p2");
      t.room.splice(2, 1);
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 1 });
      t.clock.now += ADD_GRACE_MS + RESYNC_MS;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 1 });
      expect(t.reads.n).toBe(0);
      // A raw tile added late for the removed photo does not bring it back either.
      t.engine.add(t.ref, "p2", solid(colour(2)));
      expect(count(t, "tiles")).toBe(1);
    });
  });

  it("refuses a source larger than a thumb may be", async () => {
    await withEngine(async (t) => {
      const big = new Uint8Array(LIMITS.maxThumbBytes + 1);
      expect(t.engine.addSource(t.ref, "p0", big)).toMatchObject({ ok: false, code: "image_too_large" });
      // Refused before anything is stored: the builder has not even made its tables.
      expect(t.sql.exec("SELECT name FROM sqlite_master WHERE name = 'pending'")).toEqual([]);
    });
  });
});
