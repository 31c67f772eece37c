// HTTP byte ranges (RFC 9110 §14): one range of `bytes=a-b`, `bytes=a-` or `bytes=-n` against a known
// size, and a stream cut to that range. Multiple ranges and malformed headers are ignored (a full 200).

export type RangeVerdict = { kind: "none" } | { kind: "unsatisfiable" } | { kind: "range"; start: number; end: number };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

/** What a Range header asks of a body of `size` bytes; `end` is inclusive. */
export function resolveRange(header: string | undefined, size: number): RangeVerdict {
  const m = header === undefined ? null : SINGLE.exec(header.trim());
  if (!m) return { kind: "none" };
  const [, first, last] = m as unknown as [string, string, string];
  if (first === "" && last === "") return { kind: "none" };
  if (first === "") {
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "none" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "range", start, end };
}

/** Bytes `start`..`end` (inclusive) of a stream; reads no further than `end`, then cancels the source. */
export function sliceStream(src: ReadableStream<Uint8Array>, start: number, end: number): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return ctrl.close();
        const from = pos;
        pos += value.byteLength;
        if (pos <= start) continue;
        const a = Math.max(0, start - from);
        const b = Math.min(value.byteLength, end + 1 - from);
        if (b > a) ctrl.enqueue(value.subarray(a, b));
        if (pos > end) {
          ctrl.close();
          await reader.cancel();
        }
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Whether an If-None-Match header (a list, weak tags or `*`) matches `etag`. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}
