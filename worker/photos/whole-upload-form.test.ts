// Tests for the whole-body upload form reader: the fields it hands on, each field rule as the streaming reader
// keeps it, and the room's refusal thrown while the body is still arriving (the route answers it at once).
import { describe, expect, it } from "vitest";
import { HttpError } from "../http-error.ts";
import type { BlobWriter, RoomApi } from "../platform.ts";
import { WholeBody, readWholeUploadForm } from "./whole-upload-form.ts";

type Check = Awaited<ReturnType<RoomApi["checkUpload"]>>;

/** A room whose check answers `answer` (or never, until `release` is called), counting its calls. */
function room(answer: Check) {
  const calls: Array<[string, string | undefined]> = [];
  return {
    calls,
    api: {
      checkUpload: async (memberId: string, shotId: string | undefined) => {
        calls.push([memberId, shotId]);
        return answer;
      },
    } as unknown as RoomApi,
  };
}

function memoryWriter(): BlobWriter & { bytes: Uint8Array[] } {
  const bytes: Uint8Array[] = [];
  return {
    bytes,
    write: async (c) => void bytes.push(c.slice()),
    finish: async () => ({ sha256: "", size: bytes.reduce((n, b) => n + b.length, 0) }),
    read: async () => bytes[0] ?? new Uint8Array(0),
    commit: async () => {},
    discard: async () => void bytes.splice(0),
  };
}

async function encode(form: FormData): Promise<{ bytes: Uint8Array; type: string }> {
  const req = new Request("http://x/", { method: "POST", body: form });
  return { bytes: new Uint8Array(await req.arrayBuffer()), type: req.headers.get("content-type")! };
}

/** A request with `bytes` as its body; `sent` bytes of them arrive, and the body ends only if all were sent. */
function request(bytes: Uint8Array, sent = bytes.length, end = sent === bytes.length): Request {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      if (sent > 0) c.enqueue(bytes.slice(0, sent));
      if (end) c.close();
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

const OPEN: Check = { ok: true, shotId: "s1", at: 1_000_000 };
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: HttpError) => ({ status: e.status, code: e.code }),
  );

function uploadForm(fields: Record<string, string | Uint8Array>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields))
    if (typeof v === "string") f.set(k, v);
    else f.set(k, new Blob([v as Uint8Array<ArrayBuffer>], { type: "image/jpeg" }), `${k}.jpg`);
  return f;
}

async function read(fields: Record<string, string | Uint8Array>, answer: Check = OPEN) {
  const { bytes, type } = await encode(uploadForm(fields));
  const r = room(answer);
  const writer = memoryWriter();
  const result = readWholeUploadForm({
    body: new WholeBody(request(bytes), bytes.length),
    contentType: type,
    room: r.api,
    memberId: "m1",
    shotId: "s1",
    writer: () => writer,
  });
  return { result, writer, calls: r.calls };
}

describe("readWholeUploadForm", () => {
  it("hands on the photo (through the writer), the thumb and the moment, after one check of the stated shot", async () => {
    const photo = new Uint8Array([0xff, 0xd8, 1, 2, 3]);
    const thumb = new Uint8Array([0xff, 0xd8, 9]);
    const { result, writer, calls } = await read({ shotId: "s1", photo, thumb, frameAt: "1000010", bound: "12" });
    const form = await result;
    expect(form).toMatchObject({ kind: "form", shotId: "s1", moment: { frameAt: 1_000_010, bound: 12 }, tile: null });
    if (form.kind !== "form") throw new Error("not a form");
    expect(form.thumb).toEqual(thumb);
    expect(writer.bytes).toEqual([photo]);
    expect(calls).toEqual([["m1", "s1"]]);
  });

  it("keeps the streaming reader's field rules", async () => {
    const photo = new Uint8Array([0xff, 0xd8, 1]);
    const cases: Array<[Record<string, string | Uint8Array>, number, string]> = [
      [{ photo: "not a file" }, 400, "bad_form"],
      [{ photo, shotId: "s2" }, 400, "bad_form"],
      [{ photo, shotId: "s".repeat(65) }, 400, "bad_form"],
      [{ photo, thumb: new Uint8Array(256 * 1024 + 1) }, 413, "thumb_too_large"],
      [{ photo, tile: new Uint8Array(64 * 1024 + 1) }, 413, "tile_too_large"],
      [{ photo, frameAt: "x".repeat(65) }, 400, "bad_frame_at"],
      [{ photo, frameAt: "soon" }, 400, "bad_frame_at"],
      [{ photo, frameAt: "2000000" }, 400, "bad_frame_at"],
      [{ photo, bound: "-1" }, 400, "bad_bound"],
      [Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`extra${i}`, "x"])), 400, "bad_form"],
    ];
    for (const [fields, status, code] of cases)
      expect(await failure((await read(fields)).result), JSON.stringify(Object.keys(fields))).toEqual({ status, code });
  });

  it("answers a photo already there with it, writing nothing", async () => {
    const already = { photoId: "p1", url: "/u", thumbUrl: null } as never;
    const { result, writer } = await read({ photo: new Uint8Array([0xff, 0xd8]) }, { ...OPEN, photo: already });
    expect(await result).toEqual({ kind: "already", photo: already });
    expect(writer.bytes).toEqual([]);
  });

  it("throws the room's refusal while the body is still arriving", async () => {
    const { bytes, type } = await encode(uploadForm({ photo: new Uint8Array(100_000) }));
    const refused: Check = { ok: false, status: 403, code: "not_in_shot", message: "not in this shot" };
    const body = new WholeBody(request(bytes, 4096, false), bytes.length);
    const result = readWholeUploadForm({
      body,
      contentType: type,
      room: room(refused).api,
      memberId: "m1",
      shotId: "s1",
      writer: memoryWriter,
    });
    expect(await failure(result)).toEqual({ status: 403, code: "not_in_shot" });
  });

  it("tells a body cut short (503, to be sent again) from one that is no form (400)", async () => {
    const { bytes, type } = await encode(uploadForm({ photo: new Uint8Array(1000) }));
    const cut = new WholeBody(request(bytes, 500, true), bytes.length);
    expect(await failure(cut.form(type))).toEqual({ status: 503, code: "body_interrupted" });
    const garbage = new TextEncoder().encode("no boundary here at all");
    const notForm = new WholeBody(request(garbage), garbage.length);
    expect(await failure(notForm.form(type))).toEqual({ status: 400, code: "bad_form" });
  });
});
