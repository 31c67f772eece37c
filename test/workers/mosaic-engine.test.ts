// The mosaic builder's rules inside workerd (real SQLite and R2), with a small page size, a clock
// the test moves and a room index the test writes: pages, removal, superseded versions, catching up, and
// the overview (one cell per page).
import { env } from "cloudflare:test";
import { PhotonImage } from "@cf-wasm/photon";
import { describe, expect, it } from "vitest";
import { ENCODE_DEBOUNCE_MS, WATCHED_MS } from "../../worker/mosaic/mosaic-engine.ts";
import { mosaicKey, overviewKey } from "../../worker/mosaic/mosaic-names.ts";
import { OVERVIEW_FRESH_MS } from "../../shared/protocol.ts";
import { type Rgb, addPhoto, colour, near, solid, withEngine } from "./mosaic-harness.ts";

describe("the mosaic builder", () => {
  it("splits tiles into pages in upload order and encodes each page as its own JPEG", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 9; i++) addPhoto(t, i);
      const pages = await Promise.all([0, 1, 2].map((p) => t.engine.latest(t.ref, p)));
      expect(pages.map((p) => p.ok && [p.pages, p.tiles])).toEqual([
        [3, 4],
        [3, 4],
        [3, 1],
      ]);
      expect(await t.engine.latest(t.ref, 3)).toMatchObject({ ok: false, code: "page_not_found" });
      const page1 = pages[1]!;
      if (!page1.ok) throw new Error("page 1");
      const img = await t.decode(1, page1.version);
      expect([img.width, img.height]).toEqual([128, 128]);
      for (let slot = 0; slot < 4; slot++) expect(near(img.rgb(slot), colour(4 + slot)), `slot ${slot}`).toBe(true);
    });
  });

  it("makes a new version only when a page changed, and removal shifts every later page", async () => {
    await withEngine(async (t) => {
      for (let i = 0; i < 9; i++) addPhoto(t, i);
      const v = async (p: number) => {
        const r = await t.engine.latest(t.ref, p);
        if (!r.ok) throw new Error(r.code);
        return r.version;
      };
      const [a0, a1] = [await v(0), await v(1)];
      expect(await v(0)).toBe(a0);
      t.engine.remove(t.ref, "p1");
      t.room.splice(1, 1);
      const b0 = await v(0);
      expect(b0).toBeGreaterThan(a0);
      expect(await v(1)).toBeGreaterThan(a1);
      expect(await t.engine.latest(t.ref, 2)).toMatchObject({ ok: false, code: "page_not_found" });
      const img = await t.decode(0, b0);
      [0, 2, 3, 4].forEach((tile, slot) => expect(near(img.rgb(slot), colour(tile)), `slot ${slot}`).toBe(true));
      // A late add of the removed photo does not bring it back.
      expect(t.engine.add(t.ref, "p1", solid(colour(1)))).toEqual({ ok: true });
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ version: b0, tiles: 4 });
    });
  });

  it("deletes superseded versions, keeping the newest two, and every version older than a removal", async () => {
    await withEngine(async (t) => {
      const stored = async () =>
        (await env.PHOTOS.list({ prefix: `rooms/${t.ref.roomId}/mosaics/` })).objects.map((o) => o.key).sort();
      const versions: number[] = [];
      for (let i = 0; i < 3; i++) {
        addPhoto(t, i);
        const r = await t.engine.latest(t.ref, 0);
        if (r.ok) versions.push(r.version);
      }
      await t.engine.onAlarm();
      expect(await stored()).toEqual(versions.slice(1).map((v) => mosaicKey(t.ref, 0, v)));
      t.engine.remove(t.ref, "p2");
      t.room.pop();
      const after = await t.engine.latest(t.ref, 0);
      await t.engine.onAlarm();
      if (!after.ok) throw new Error(after.code);
      expect(await stored()).toEqual([mosaicKey(t.ref, 0, after.version)]);
    });
  });

  it("spaces background versions of a busy page by 5 ms per tile, and a reader gets a version at most that old", async () => {
    await withEngine(async (t) => {
      const stored = async () => (await env.PHOTOS.list({ prefix: `rooms/${t.ref.roomId}/mosaics/` })).objects.length;
      expect(await t.engine.cells(t.ref)).toEqual({ ok: true, cells: [] }); // someone watches (the overview)
      for (let i = 0; i < 300; i++) addPhoto(t, i);
      // 300 tiles: the next background version 1.5 s after the last.
      expect(t.alarms.at(-1)).toBe(t.clock.now + 50); // the first version of a quiet page: after the debounce
      t.clock.now += 50;
      await t.engine.onAlarm();
      expect(await stored()).toBe(1);
      const encodedAt = t.clock.now;
      t.clock.now += 10;
      addPhoto(t, 300);
      t.clock.now = encodedAt + 100;
      await t.engine.onAlarm(); // the wake-up that purges superseded versions does not encode yet
      expect(await stored()).toBe(1);
      expect(t.alarms.at(-1)).toBe(encodedAt + 1500); // a 300-tile page: the next version 1.5 s after the last
      t.clock.now = encodedAt + 1000;
      await t.engine.onAlarm();
      expect(await stored()).toBe(1);
      t.clock.now = encodedAt + 1500;
      await t.engine.onAlarm();
      expect(await stored()).toBe(2);
      // A busy page (≥ STALE_OK_TILES) read within the gap: the newest version as it is, and its own tile count.
      addPhoto(t, 301);
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 301 });
      expect(await stored()).toBe(2);
      // Past the gap (301 tiles: 1,505 ms), a read encodes first, as a read of a small page always does.
      t.clock.now = encodedAt + 1500 + 1505;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 302 });
      // A removal is never served late: the next read encodes at once.
      t.clock.now += 10;
      t.engine.remove(t.ref, "p0");
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 301 });
    }, 512);
  });

  it("makes background versions only while the mosaic is read, and a reader always gets every tile", async () => {
    await withEngine(async (t) => {
      const stored = async () => (await env.PHOTOS.list({ prefix: `rooms/${t.ref.roomId}/mosaics/` })).objects.length;
      for (let i = 0; i < 3; i++) addPhoto(t, i);
      t.clock.now += 1000;
      await t.engine.onAlarm();
      expect(await stored()).toBe(0); // nobody has looked: nothing encoded ahead
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 3 });
      expect(await stored()).toBe(1);
      // Watched now: the next change gets its background version after the debounce.
      addPhoto(t, 3);
      t.clock.now += ENCODE_DEBOUNCE_MS;
      await t.engine.onAlarm();
      expect(await stored()).toBe(2);
      // Unread for WATCHED_MS: changes wait for the next reader again.
      t.clock.now += WATCHED_MS;
      addPhoto(t, 4);
      t.clock.now += 1000;
      await t.engine.onAlarm();
      expect(await stored()).toBe(2);
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ ok: true, tiles: 4 });
      expect(await t.engine.latest(t.ref, 1)).toMatchObject({ ok: true, tiles: 1 });
    });
  });

  it("refuses a tile that is not 64x64 RGBA", async () => {
    await withEngine(async (t) => {
      expect(t.engine.add(t.ref, "p0", new Uint8Array(100))).toMatchObject({ ok: false, code: "bad_tile" });
    });
  });

  it("catches up with the room: a reader gets a tile the room recorded, fetched from R2", async () => {
    await withEngine(async (t) => {
      addPhoto(t, 0);
      // Photo 1 is recorded by the room and stored, and no poke reached the builder.
      await env.PHOTOS.put(`rooms/${t.ref.roomId}/t1.rgba`, solid(colour(1)));
      t.room.push({ photoId: "p1", tileKey: `rooms/${t.ref.roomId}/t1.rgba`, at: t.clock.now });
      const r = await t.engine.latest(t.ref, 0);
      expect(r).toMatchObject({ tiles: 2 });
      expect(t.reads.n).toBe(1);
      if (r.ok) expect(near((await t.decode(0, r.version)).rgb(1), colour(1))).toBe(true);
    });
  });

  it("catches up with the room: drops a tile the room no longer lists", async () => {
    await withEngine(async (t) => {
      addPhoto(t, 0);
      addPhoto(t, 1);
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ tiles: 2 });
      t.room.shift(); // removed in the room; the builder's remove() was lost
      t.clock.now += 10_000;
      expect(await t.engine.latest(t.ref, 0)).toMatchObject({ tiles: 1 });
    });
  });

  it("shrinks each page to one overview cell and composes the overview, one cell per page", async () => {
    await withEngine(async (t) => {
      // Page 0: four tiles of one colour; page 1: one tile of another and three blank slots (of a 1×1 grid).
      const red: Rgb = [220, 30, 30];
      const blue: Rgb = [30, 40, 210];
      for (let i = 0; i < 4; i++) {
        t.room.push({ photoId: `p${i}`, tileKey: null, at: t.clock.now });
        t.engine.add(t.ref, `p${i}`, solid(red));
      }
      t.room.push({ photoId: "p4", tileKey: null, at: t.clock.now });
      t.engine.add(t.ref, "p4", solid(blue));
      const o = await t.engine.overview(t.ref);
      expect(o).toMatchObject({
        ok: true,
        version: 1,
        photos: 5,
        cells: [
          { shard: 0, page: 0, tiles: 4 },
          { shard: 0, page: 1, tiles: 1 },
        ],
      });
      if (!o.ok) return;
      const obj = await env.PHOTOS.get(overviewKey(t.ref, o.version));
      const img = PhotonImage.new_from_byteslice(new Uint8Array(await obj!.arrayBuffer()));
      expect([img.get_width(), img.get_height()]).toEqual([128, 64]); // two cells of 64 px, side by side
      const px = img.get_raw_pixels();
      const at = (x: number, y: number) => [...px.subarray((y * 128 + x) * 4, (y * 128 + x) * 4 + 3)];
      img.free();
      expect(near(at(32, 32), red)).toBe(true);
      expect(near(at(96, 32), blue)).toBe(true);
      // Read again within OVERVIEW_FRESH_MS: the same version, nothing gathered.
      expect(await t.engine.overview(t.ref)).toMatchObject({ version: 1 });
      // A new photo, read after the fresh period: a new version; unchanged pages keep their cells.
      t.room.push({ photoId: "p5", tileKey: null, at: t.clock.now });
      t.engine.add(t.ref, "p5", solid(blue));
      t.clock.now += OVERVIEW_FRESH_MS;
      expect(await t.engine.overview(t.ref)).toMatchObject({ version: 2, photos: 6 });
      t.clock.now += OVERVIEW_FRESH_MS;
      expect(await t.engine.overview(t.ref)).toMatchObject({ version: 2 }); // nothing changed: no new version
    });
  });
});
