// A multipart/form-data body read part by part as it arrives, with every limit enforced while reading
// (whole body, number of parts, header size, each part's size): an upload is refused at the byte that
// breaks a limit, never after buffering the rest. Part bodies come out as the chunks the stream gave.
import { ErrorCode } from "../../shared/protocol.ts";
import { discardRest } from "../discard-body.ts";
import { HttpError } from "../http-error.ts";
import type { UnreadBody } from "../platform.ts";
import { concatBytes } from "../../shared/concat-bytes.ts";

export type PartHead = { name: string; filename: string | null; contentType: string | null };
/** `declaredBytes`: the request's Content-Length, when it sent one (a body that ended after all of them is whole). */
export type MultipartLimits = { maxBytes: number; maxParts: number; maxHeaderBytes: number; declaredBytes?: number };

const CRLF2 = new Uint8Array([13, 10, 13, 10]);

export const badForm = (message: string) => new HttpError(400, ErrorCode.BadForm, message);
export const interrupted = () =>
  new HttpError(503, ErrorCode.BodyInterrupted, "the upload stopped before its end; send it again");

/** The boundary of a multipart/form-data Content-Type, or null. */
export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export class MultipartReader implements UnreadBody {
  private buf: Uint8Array = new Uint8Array(0);
  private ended = false;
  private last = false;
  private inPart = false;
  private parts = 0;
  /** Body bytes read from the stream so far. */
  bytesRead = 0;
  private readonly delimiter: Uint8Array;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** The stream read in flight, if any. */
  private reading: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;

  constructor(
    body: ReadableStream<Uint8Array>,
    boundary: string,
    private readonly limits: MultipartLimits,
    private readonly tooLarge: () => HttpError,
  ) {
    this.reader = body.getReader();
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  }

  /** Stops reading: the rest of the body is left to the runtime (Deno drops it; workerd closes the connection). */
  cancel(): void {
    this.reader.cancel().catch(() => {});
  }

  /** Reads the rest of the body and drops it, within the body limit (discard-body.ts says why). A read the
   *  parser left pending (the room refused while a chunk was awaited) is let finish first: workerd allows
   *  one pending read at a time. */
  async discard(): Promise<void> {
    await this.reading?.catch(() => {});
    this.buf = new Uint8Array(0);
    return discardRest(this.reader, this.limits.maxBytes - this.bytesRead);
  }

  /** The next part's head, skipping whatever is left of the current part; null after the closing boundary. */
  async next(): Promise<PartHead | null> {
    if (this.inPart) for await (const _ of this.body(Infinity));
    if (this.last) return null;
    if (this.parts === 0) {
      // The first delimiter has no CRLF before it (a preamble is allowed and skipped).
      this.buf = concatBytes([new Uint8Array([13, 10]), this.buf]);
      await this.skipTo();
    }
    // After a delimiter: "--" ends the body, CRLF starts a part.
    while (this.buf.length < 2) if (!(await this.more())) throw this.cut();
    if (this.buf[0] === 45 && this.buf[1] === 45) {
      this.last = true;
      return null;
    }
    if (++this.parts > this.limits.maxParts) throw badForm(`a form has at most ${this.limits.maxParts} parts`);
    let end: number;
    while ((end = indexOf(this.buf, CRLF2, 0)) < 0) {
      if (this.buf.length > this.limits.maxHeaderBytes) throw badForm("a part's headers are too long");
      if (!(await this.more())) throw this.cut();
    }
    if (end > this.limits.maxHeaderBytes) throw badForm("a part's headers are too long");
    const head = parseHead(new TextDecoder().decode(this.buf.subarray(0, end)));
    this.buf = this.buf.subarray(end + 4);
    this.inPart = true;
    return head;
  }

  /** The current part's bytes, chunk by chunk; refused with `tooLarge()` of the caller as soon as they pass `max`. */
  async *body(max: number, tooLarge?: () => HttpError): AsyncGenerator<Uint8Array> {
    let size = 0;
    const d = this.delimiter;
    for (;;) {
      const at = indexOf(this.buf, d, 0);
      // Everything before a possible delimiter start is this part's; keep a tail that could begin one.
      const safe = at >= 0 ? at : Math.max(0, this.buf.length - (d.length - 1));
      if (safe > 0) {
        size += safe;
        if (size > max) throw (tooLarge ?? this.tooLarge)();
        yield this.buf.subarray(0, safe);
      }
      if (at >= 0) {
        this.buf = this.buf.subarray(at + d.length);
        this.inPart = false;
        return;
      }
      this.buf = this.buf.subarray(safe);
      if (!(await this.more())) throw this.cut();
    }
  }

  /** The current part whole, at most `max` bytes. */
  async bytes(max: number, tooLarge?: () => HttpError): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const c of this.body(max, tooLarge)) chunks.push(c);
    return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
  }

  private async skipTo(): Promise<void> {
    for await (const _ of this.body(this.limits.maxHeaderBytes, () => badForm("no multipart boundary found")));
  }

  /** Appends the next chunk of the stream; false at its end. */
  private async more(): Promise<boolean> {
    if (this.ended) return false;
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      this.reading = this.reader.read();
      next = await this.reading;
    } catch {
      throw interrupted();
    } finally {
      this.reading = null;
    }
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.bytesRead += next.value.byteLength;
    if (this.bytesRead > this.limits.maxBytes) {
      this.cancel();
      throw this.tooLarge();
    }
    this.buf = this.buf.length ? concatBytes([this.buf, next.value]) : next.value;
    return true;
  }

  /** The body ended inside a part: cut short (503, retried), unless every declared byte arrived: then the
   *  form itself is malformed (400), and sending it again would not help. */
  private cut(): HttpError {
    if (this.parts === 0 && this.bytesRead === 0) return badForm("the body is empty");
    const whole = this.limits.declaredBytes !== undefined && this.bytesRead >= this.limits.declaredBytes;
    return whole ? badForm("the form ends inside a part (no closing boundary)") : interrupted();
  }
}

function parseHead(text: string): PartHead {
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-type") contentType = value;
    if (key !== "content-disposition") continue;
    if (!/^form-data\b/i.test(value)) throw badForm("a part is not form-data");
    name = /;\s*name="([^"]*)"/i.exec(value)?.[1] ?? null;
    filename = /;\s*filename="([^"]*)"/i.exec(value)?.[1] ?? null;
  }
  if (name === null) throw badForm("a part has no name");
  return { name, filename, contentType };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}
