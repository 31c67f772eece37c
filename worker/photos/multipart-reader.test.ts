// Tests for the streaming multipart reader: the same fields and bytes as the platform's own parser at
// every chunk split, and each limit refused at the byte that breaks it, with the rest of the body unread.
import { describe, expect, it } from "vitest";
import { HttpError } from "../http-error.ts";
import { MultipartReader, boundaryOf } from "./multipart-reader.ts";

const limits = { maxBytes: 1 << 20, maxParts: 8, maxHeaderBytes: 1024 };
const tooLarge = () => new HttpError(413, "photo_too_large", "too large");

async function encode(form: FormData): Promise<{ bytes: Uint8Array; boundary: string }> {
  const req = new Request("http://x/", { method: "POST", body: form });
  return { bytes: new Uint8Array(await req.arrayBuffer()), boundary: boundaryOf(req.headers.get("content-type"))! };
}

/** A stream of `bytes` in chunks of `size`, counting how many bytes were pulled from it. */
function chunked(bytes: Uint8Array, size: number, pulled = { n: 0 }, end = bytes.length): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= end) return c.close();
      const chunk = bytes.slice(at, Math.min(end, at + size));
      at += chunk.length;
      pulled.n = at;
      c.enqueue(chunk);
    },
  });
}

async function readAll(r: MultipartReader): Promise<Array<[string, string | null, string]>> {
  const out: Array<[string, string | null, string]> = [];
  for (let head = await r.next(); head; head = await r.next())
    out.push([head.name, head.filename, new TextDecoder("latin1").decode(await r.bytes(1 << 20))]);
  return out;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: HttpError) => ({ status: e.status, code: e.code }),
  );

describe("MultipartReader", () => {
  it("reads the fields and files the platform encoded, at every chunk size from 1 byte up", async () => {
    const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    // Bytes that look like the start of a delimiter inside a file must stay in the file.
    binary.set(new TextEncoder().encode("\r\n--\r\n-"), 100);
    const form = new FormData();
    form.set("shotId", "shot-1");
    form.set("photo", new Blob([binary], { type: "image/jpeg" }), "photo.jpg");
    form.set("thumb", new Blob([new Uint8Array(0)]), "thumb.jpg");
    const { bytes, boundary } = await encode(form);
    const expected: Array<[string, string | null, string]> = [
      ["shotId", null, "shot-1"],
      ["photo", "photo.jpg", new TextDecoder("latin1").decode(binary)],
      ["thumb", "thumb.jpg", ""],
    ];
    for (const size of [1, 2, 3, 7, 45, 64, 301, bytes.length])
      expect(
        await readAll(new MultipartReader(chunked(bytes, size), boundary, limits, tooLarge)),
        `chunks of ${size}`,
      ).toEqual(expected);
  });

  it("refuses a form of more parts than the limit at the part that passes it, with the rest unread", async () => {
    const form = new FormData();
    for (let i = 0; i < 20; i++) form.append(`f${i}`, "x".repeat(1000));
    const { bytes, boundary } = await encode(form);
    const pulled = { n: 0 };
    const r = new MultipartReader(chunked(bytes, 512, pulled), boundary, { ...limits, maxParts: 3 }, tooLarge);
    expect(await failure(readAll(r))).toEqual({ status: 400, code: "bad_form" });
    expect(pulled.n).toBeLessThan(5000);
    expect(bytes.length).toBeGreaterThan(20_000);
  });

  it("refuses a part over its own limit as soon as it passes it, with the rest unread", async () => {
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(200_000)]), "photo.jpg");
    const { bytes, boundary } = await encode(form);
    const pulled = { n: 0 };
    const r = new MultipartReader(chunked(bytes, 4096, pulled), boundary, limits, tooLarge);
    await r.next();
    const big = () => new HttpError(413, "thumb_too_large", "thumb too large");
    expect(await failure(r.bytes(10_000, big))).toEqual({ status: 413, code: "thumb_too_large" });
    expect(pulled.n).toBeLessThan(20_000);
  });

  it("refuses a body over the whole limit while it arrives", async () => {
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(500_000)]), "photo.jpg");
    const { bytes, boundary } = await encode(form);
    const pulled = { n: 0 };
    const r = new MultipartReader(chunked(bytes, 4096, pulled), boundary, { ...limits, maxBytes: 50_000 }, tooLarge);
    expect(await failure(readAll(r))).toEqual({ status: 413, code: "photo_too_large" });
    expect(pulled.n).toBeLessThan(60_000);
  });

  it("tells a body cut inside a part (503, sent again) from an empty one and from long headers (400)", async () => {
    const form = new FormData();
    form.set("photo", new Blob([new Uint8Array(10_000)]), "photo.jpg");
    const { bytes, boundary } = await encode(form);
    const cut = new MultipartReader(chunked(bytes, 1000, { n: 0 }, 5000), boundary, limits, tooLarge);
    expect(await failure(readAll(cut))).toEqual({ status: 503, code: "body_interrupted" });
    // The same bytes with their whole length declared arrived whole: a form that ends inside a part is malformed.
    const whole = bytes.subarray(0, 5000);
    const declared = { ...limits, declaredBytes: whole.length };
    const unclosed = new MultipartReader(chunked(whole, 1000), boundary, declared, tooLarge);
    expect(await failure(readAll(unclosed))).toEqual({ status: 400, code: "bad_form" });
    const empty = new MultipartReader(chunked(new Uint8Array(0), 10), boundary, limits, tooLarge);
    expect(await failure(readAll(empty))).toEqual({ status: 400, code: "bad_form" });
    const long = new TextEncoder().encode(
      `--${boundary}\r\nX-Filler: ${"a".repeat(5000)}\r\n\r\nbody\r\n--${boundary}--\r\n`,
    );
    const headers = new MultipartReader(chunked(long, 100), boundary, limits, tooLarge);
    expect(await failure(readAll(headers))).toEqual({ status: 400, code: "bad_form" });
  });

  it("reads the boundary from a multipart Content-Type only", () => {
    expect(boundaryOf("multipart/form-data; boundary=abc")).toBe("abc");
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe("a b");
    expect(boundaryOf("application/json")).toBeNull();
    expect(boundaryOf(null)).toBeNull();
  });
});
