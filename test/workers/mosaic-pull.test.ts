// The mosaic builder pulling tiles off the uploads' path, inside workerd: the room pokes it, it waits for the pokes
// to pause, then cuts every new photo's tile from its thumb in R2; a watched mosaic follows a steady stream; a poke
// survives a restart and is not lost to a catch-up running meanwhile; an uncuttable thumb is left out for good.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PULL_MAX_MS, PULL_MAX_WATCHED_MS, PULL_QUIET_MS, RESYNC_MS } from "../../worker/mosaic/mosaic-engine.ts";
import { POKE_GAP_MS } from "../../worker/mosaic/mosaic-host.ts";
import { solidJpeg } from "./helpers.ts";
import { type EngineTest, colour, near, withEngine } from "./mosaic-harness.ts";

const tiles = (t: EngineTest) => t.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tiles")[0]!.n;

/** Photo i as an upload leaves it: its thumb in R2 and its row in the room's index, the thumb named as its tile. */
async function upload(t: EngineTest, i: number, jpeg = solidJpeg(colour(i), 96, 64)) {
  const tileKey = `rooms/${t.ref.roomId}/thumb${i}.jpg`;
  await env.PHOTOS.put(tileKey, jpeg);
  t.room.push({ photoId: `p${i}`, tileKey, at: t.clock.now });
}

function poke(t: EngineTest) {
  expect(t.engine.poke(t.ref)).toEqual({ ok: true });
}

describe("the mosaic builder pulling tiles", () => {
  it("pulls nothing while the room keeps poking, and every new tile once the pokes pause", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 3; i++) {
        await upload(t, i);
        poke(t);
        t.clock.now += POKE_GAP_MS;
        await t.engine.onAlarm();
        expect([tiles(t), t.reads.n]).toEqual([0, 0]);
      }
      expect(Math.max(...t.alarms)).toBeGreaterThanOrEqual(t.clock.now); // woken again, after the pause
      t.clock.now += PULL_QUIET_MS - POKE_GAP_MS;
      await t.engine.onAlarm();
      expect([tiles(t), t.reads.n]).toEqual([3, 3]);
      const page = await t.engine.latest(t.ref, 0);
      if (!page.ok) throw new Error(page.code);
      expect(page.tiles).toBe(3);
      const img = await t.decode(0, page.version);
      for (let slot = 0; slot < 3; slot++) expect(near(img.rgb(slot), colour(slot)), `slot ${slot}`).toBe(true);
    });
  });

  it("follows a steady stream PULL_MAX_WATCHED_MS after the first poke while watched, PULL_MAX_MS when not", async () => {
    for (const watched of [true, false]) {
      await withEngine(async (t) => {
        if (watched) await t.engine.latest(t.ref, 0);
        const first = t.clock.now;
        const cap = first + (watched ? PULL_MAX_WATCHED_MS : PULL_MAX_MS);
        let i = 0;
        for (; t.clock.now < cap; t.clock.now += POKE_GAP_MS) {
          await upload(t, i++, solidJpeg(colour(i), 16, 16));
          poke(t);
          await t.engine.onAlarm();
          expect(tiles(t), `${watched ? "watched" : "unwatched"} at +${t.clock.now - first} ms`).toBe(0);
        }
        await t.engine.onAlarm();
        expect(tiles(t)).toBe(i);
      }, 1024);
    }
  });

  it("a reader gets what the room had at its read when the last catch-up is RESYNC_MS old", async () => {
    await withEngine(async (t) => {
      await upload(t, 0);
      poke(t);
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 1 }); // the first read catches up
      await upload(t, 1); // no poke: the room poked less than POKE_GAP_MS ago
      t.clock.now += RESYNC_MS - 1;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 1 });
      t.clock.now += 1;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 2 });
    });
  });

  it("does not lose a poke that comes while a catch-up is under way", async () => {
    await withEngine(async (t) => {
      await upload(t, 0);
      poke(t);
      t.clock.now += PULL_QUIET_MS;
      const next = { photoId: "p1", tileKey: `rooms/${t.ref.roomId}/thumb1.jpg`, at: t.clock.now };
      await env.PHOTOS.put(next.tileKey, solidJpeg(colour(1), 96, 64));
      const alarm = t.engine.onAlarm(); // has asked the room for its index, and waits for the answer
      t.room.push(next); // recorded after the room answered: not in this catch-up
      poke(t);
      await alarm;
      expect(tiles(t)).toBe(1);
      t.clock.now += PULL_QUIET_MS;
      await t.engine.onAlarm();
      expect(tiles(t)).toBe(2);
    });
  });

  it("keeps a poke through a restart: the restarted builder pulls when it is due", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 2; i++) await upload(t, i);
      poke(t);
      t.restart();
      t.clock.now += PULL_QUIET_MS;
      await t.engine.onAlarm();
      expect(tiles(t)).toBe(2);
    });
  });

  it("leaves out a photo whose thumb cannot be cut, and never fetches it again", async () => {
    await withEngine(async (t) => {
      await upload(t, 0, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...Array.from({ length: 64 }, () => 7)]));
      await upload(t, 1);
      poke(t);
      t.clock.now += PULL_QUIET_MS;
      await t.engine.onAlarm();
      expect([tiles(t), t.reads.n]).toEqual([1, 2]);
      t.clock.now += RESYNC_MS;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 1 });
      expect(t.reads.n).toBe(2);
    });
  });
});
