// Reproducible fuzz input for the fuzz test: a seeded PRNG, random and mutated WebSocket frames built
// from valid ones, and random and mutated HTTP requests (paths, tokens, JSON and multipart bodies).
import { mulberry32 } from "../../../scripts/prng.ts";

const NASTY = [
  "\u0000",
  "\ud800",
  "\udfff",
  "\u202e",
  "é",
  "€",
  "😀",
  '"',
  "\\",
  "/",
  "..",
  "%2F",
  "\n",
  "{",
  "}",
  "[",
  "]",
];

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
const pct = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) =>
    /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`,
  ).join("");

export type FuzzRequest = { method: string; path: string; headers: Record<string, string>; body?: Uint8Array | string };

export type FuzzContext = {
  roomId: string;
  shotId: string;
  ownerToken: string;
  uploadTokens: string[];
  images: Uint8Array[];
};

export class Fuzz {
  private readonly rnd: () => number;

  constructor(readonly seed: number) {
    this.rnd = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  string(maxLen = 24): string {
    let s = "";
    for (let n = this.int(maxLen + 1); n > 0; n--)
      s += this.chance(0.2) ? this.pick(NASTY) : String.fromCharCode(32 + this.int(95));
    return s;
  }

  number(): unknown {
    return this.pick([0, -1, 1, 1.5, 2 ** 53, -(2 ** 31), 1e308, -1e-308, 1.8e12, this.int(1e6), "1", null, true]);
  }

  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 7 : 4);
    if (kind === 0) return this.number();
    if (kind === 1) return this.string();
    if (kind === 2) return this.pick([null, true, false]);
    if (kind === 3) return this.pick(["join", "ping", "fired", "welcome", "shoot", "__proto__", "constructor"]);
    if (kind === 4) return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
    const o: Record<string, unknown> = {};
    for (let n = this.int(5); n > 0; n--)
      o[
        this.pick(["type", "v", "id", "t0", "rtt", "shotId", "clientId", "name", "role", "__proto__", this.string(6)])
      ] = this.json(depth - 1);
    return o;
  }

  /** One edit of a text: flip, drop, insert, duplicate or cut. */
  mutateText(s: string): string {
    if (s.length === 0) return this.string();
    const i = this.int(s.length);
    switch (this.int(5)) {
      case 0:
        return s.slice(0, i) + this.pick(NASTY) + s.slice(i + 1);
      case 1:
        return s.slice(0, i) + s.slice(i + 1 + this.int(4));
      case 2:
        return s.slice(0, i) + this.string(4) + s.slice(i);
      case 3:
        return s.slice(0, i) + s.slice(i, i + 8).repeat(2 + this.int(3)) + s.slice(i);
      default:
        return s.slice(0, i);
    }
  }

  /** A few edits of a byte array: flipped bytes, a cut, an inserted run, a clobbered header. */
  mutateBytes(b: Uint8Array): Uint8Array<ArrayBuffer> {
    let out = b.slice();
    for (let edits = 1 + this.int(3); edits > 0; edits--) {
      const i = this.int(out.length || 1);
      switch (this.int(4)) {
        case 0:
          for (let k = 1 + this.int(8); k > 0; k--) out[this.int(out.length)] = this.int(256);
          break;
        case 1:
          out = out.slice(0, i);
          break;
        case 2: {
          const run = Uint8Array.from({ length: 1 + this.int(32) }, () => this.int(256));
          out = new Uint8Array([...out.subarray(0, i), ...run, ...out.subarray(i)]);
          break;
        }
        default:
          for (let k = 0; k < Math.min(24, out.length); k++) if (this.chance(0.3)) out[k] = this.int(256);
      }
    }
    return out;
  }

  /** A valid client frame with random (often wrong) field values. */
  private clientMessage(shotId: string): Record<string, unknown> {
    switch (this.int(3)) {
      case 0:
        return {
          type: "join",
          v: this.chance(0.95) ? 1 : this.number(),
          clientId: this.chance(0.6) ? `fz${this.int(1e9)}` : this.string(70),
          name: this.string(50),
          ...(this.chance(0.5) ? { role: this.pick(["guest", "viewer", "owner", 3, null]) } : {}),
        };
      case 1:
        return {
          type: "ping",
          id: this.number(),
          t0: this.number(),
          ...(this.chance(0.3) ? { rtt: this.number() } : {}),
        };
      default:
        return {
          type: "fired",
          shotId: this.chance(0.5) ? shotId : this.string(30),
          firedAt: this.number(),
          offset: this.number(),
          error: this.number(),
          late: this.pick([true, false, "yes", undefined]),
        };
    }
  }

  /** A number a hostile guest might put in a report about a shot at `at`: near it, far off, huge, tiny,
   *  negative, or not a number at all (the issue's `firedAt: 1e300` among them). */
  timing(at: number): unknown {
    return this.pick([
      at,
      at + this.int(200) - 100,
      at + 59_000,
      at + 3_600_000,
      at - 3_600_000,
      1e300,
      -1e300,
      1e308,
      Number.MAX_SAFE_INTEGER,
      -0,
      0.5,
      60_001,
      "1e300",
      null,
      [at],
    ]);
  }

  /** A `fired` report for the real shot from a member expected in it, with hostile numbers. */
  firedReport(shotId: string, at: number): string {
    return JSON.stringify({
      type: "fired",
      shotId,
      firedAt: this.timing(at),
      offset: this.chance(0.5) ? this.timing(0) : this.timing(at),
      error: this.timing(0),
      ...(this.chance(0.5) ? { late: this.chance(0.5) } : {}),
    });
  }

  /** A random or mutated frame: text mostly, sometimes binary, oversize or deeply nested. */
  frame(shotId: string): string | Uint8Array {
    const r = this.rnd();
    if (r < 0.35) return JSON.stringify(this.clientMessage(shotId));
    if (r < 0.65) return this.mutateText(JSON.stringify(this.clientMessage(shotId)));
    if (r < 0.8) return JSON.stringify(this.json());
    if (r < 0.88) return this.string(200);
    if (r < 0.95) return "[".repeat(1000 + this.int(1000)) + "]".repeat(this.int(2000));
    if (r < 0.98) return (this.chance(0.5) ? "€" : "x").repeat(1300 + this.int(4000));
    return Uint8Array.from({ length: this.int(64) }, () => this.int(256));
  }

  private id(ctx: FuzzContext, real: string): string {
    const r = this.rnd();
    if (r < 0.6) return real;
    if (r < 0.75) return this.mutateText(real);
    if (r < 0.85) return this.pick(["..", "..%2F..%2Fetc", "%2e%2e", "AAAAAAAAAAAAAAAAAAAAAA", "", "x".repeat(300)]);
    return pct(this.string(30));
  }

  private multipart(ctx: FuzzContext): { body: Uint8Array; type: string } {
    const boundary = `fz${this.int(1e9)}`;
    const parts: Uint8Array[] = [];
    const enc = new TextEncoder();
    for (const name of ["photo", "thumb", "tile", "shotId", this.string(8)]) {
      if (name !== "photo" && this.chance(0.6)) continue;
      const isFile = name !== "shotId" && this.chance(0.9);
      const value = isFile
        ? this.chance(0.25)
          ? this.pick(ctx.images)
          : this.mutateBytes(this.pick(ctx.images))
        : enc.encode(name === "shotId" && this.chance(0.5) ? ctx.shotId : this.string(30));
      parts.push(
        enc.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${isFile ? `; filename="f.jpg"` : ""}\r\n` +
            (isFile ? `Content-Type: ${this.pick(["image/jpeg", "image/png", "text/plain"])}\r\n` : "") +
            "\r\n",
        ),
        value,
        enc.encode("\r\n"),
      );
    }
    parts.push(enc.encode(`--${boundary}--\r\n`));
    let body: Uint8Array<ArrayBuffer> = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      body.set(p, at);
      at += p.length;
    }
    if (this.chance(0.2)) body = this.mutateBytes(body);
    return { body, type: this.chance(0.9) ? `multipart/form-data; boundary=${boundary}` : this.string(40) };
  }

  /** A request at the live room: a real route with mutated ids, tokens, queries and bodies. */
  request(ctx: FuzzContext): FuzzRequest {
    if (this.chance(0.25)) {
      // An upload that is mostly right, so mutated images and fields reach the image checks.
      const m = this.multipart(ctx);
      const token = this.chance(0.85) ? this.pick(ctx.uploadTokens) : this.mutateText(this.pick(ctx.uploadTokens));
      return {
        method: "POST",
        path: `/api/rooms/${ctx.roomId}/photos`,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": m.type },
        body: m.body,
      };
    }
    const room = this.id(ctx, ctx.roomId);
    const path = this.pick([
      "/api/login",
      "/api/rooms",
      `/api/rooms/${room}`,
      `/api/rooms/${room}/ws`,
      `/api/rooms/${room}/shoot`,
      `/api/rooms/${room}/shots/${this.id(ctx, ctx.shotId)}`,
      `/api/rooms/${room}/photos`,
      `/api/rooms/${room}/photos`,
      `/api/rooms/${room}/photos`,
      `/api/rooms/${room}/photos.zip`,
      `/api/rooms/${room}/photos/${pct(this.string(20))}`,
      `/api/rooms/${room}/files/${this.pick(["", "0".repeat(64)])}${pct(this.string(12))}.jpg`,
      `/api/rooms/${room}/mosaic`,
      `/api/rooms/${room}/mosaics/${pct(this.string(16))}`,
      `/api/rooms/${room}/stats`,
    ]);
    const query = this.chance(0.3)
      ? `?${this.pick(["limit", "cursor", "shot", "v", this.string(5)])}=${pct(this.string(12))}`
      : "";
    const method =
      path.endsWith("/photos") && this.chance(0.7)
        ? "POST"
        : this.pick(["GET", "GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]);
    const headers: Record<string, string> = {};
    const token = this.pick([
      null,
      ctx.ownerToken,
      this.pick(ctx.uploadTokens),
      this.pick(ctx.uploadTokens),
      this.mutateText(this.pick(ctx.uploadTokens)),
      this.string(60),
    ]);
    if (token !== null) headers.Authorization = this.chance(0.9) ? `Bearer ${token}` : token;
    if (this.chance(0.1))
      headers.Range = this.pick(["bytes=0-10", "bytes=-5", "bytes=10-2", `bytes=${this.string(8)}`]);
    if (this.chance(0.05)) headers["If-None-Match"] = this.string(70);
    let body: Uint8Array | string | undefined;
    if (method === "POST" || method === "PUT" || method === "PATCH") {
      if (path.endsWith("/photos") && this.chance(0.8)) {
        const m = this.multipart(ctx);
        body = m.body;
        headers["Content-Type"] = m.type;
      } else {
        body = this.chance(0.5)
          ? this.mutateText(JSON.stringify({ name: this.string(10), title: this.string(10) }))
          : JSON.stringify(this.json());
      }
    }
    return { method, path: path + query, headers, body };
  }
}
