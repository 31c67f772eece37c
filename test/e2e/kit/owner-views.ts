// What the owner gets after a shot, checked whole: the ZIP streams to its announced length with one
// entry per listed photo (byte for byte), the shot report is well-formed, and the mosaic is served.
import { expect } from "vitest";
import { LIMITS, type PhotoView } from "../../../shared/protocol.ts";
import { unzipStored } from "../../unzip-stored.ts";
import type { Api } from "./api.ts";

export async function expectOwnerViewsWhole(api: Api, roomId: string, shotId: string, token: string) {
  const photos = await api.listAll(roomId, shotId);
  await expectZipWhole(api, roomId, shotId, token, photos);
  await expectReportWellFormed(api, roomId, shotId, token, photos.length);
  await expectMosaicServed(api, roomId, shotId);
}

async function expectZipWhole(api: Api, roomId: string, shotId: string, token: string, photos: PhotoView[]) {
  const r = await fetch(`${api.base}/api/rooms/${roomId}/photos.zip?shot=${shotId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(r.status).toBe(200);
  // A stream cut short rejects here ("terminated"), or arrives shorter than announced.
  const zip = new Uint8Array(await r.arrayBuffer());
  expect(zip.length).toBe(Number(r.headers.get("Content-Length")));
  const entries = unzipStored(zip);
  expect(entries).toHaveLength(photos.length);
  const key = (b: Uint8Array) => Buffer.from(b).toString("base64");
  const inZip = new Set(entries.map((e) => key(e.data)));
  for (const p of photos) expect(inZip.has(key(await api.download(p.url))), p.photoId).toBe(true);
}

async function expectReportWellFormed(api: Api, roomId: string, shotId: string, token: string, uploaded: number) {
  const r = await api.json(`/api/rooms/${roomId}/shots/${shotId}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  const { at, deadline, members } = r.body;
  expect(Number.isFinite(at) && Number.isFinite(deadline) && deadline >= at).toBe(true);
  expect(Array.isArray(members)).toBe(true);
  expect(members.filter((m: any) => m.uploaded === true)).toHaveLength(uploaded);
  const span = deadline - at + LIMITS.maxFireSkewMs;
  for (const m of members) {
    expect(typeof m.memberId === "string" && typeof m.name === "string" && typeof m.late === "boolean").toBe(true);
    if (m.fireError !== null) expect(Math.abs(m.fireError), JSON.stringify(m)).toBeLessThanOrEqual(span);
    if (m.error !== null) expect(m.error >= 0 && m.error <= LIMITS.maxClockErrorMs, JSON.stringify(m)).toBe(true);
  }
}

async function expectMosaicServed(api: Api, roomId: string, shotId: string) {
  const r = await fetch(`${api.base}/api/rooms/${roomId}/mosaic?shot=${shotId}`, { redirect: "manual" });
  expect(r.status).toBe(302);
  const img = await fetch(new URL(r.headers.get("Location")!, api.base));
  expect(img.status).toBe(200);
  expect(img.headers.get("Content-Type")).toBe("image/jpeg");
  const bytes = new Uint8Array(await img.arrayBuffer());
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
}
