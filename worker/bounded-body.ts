// Reads a request body that must stay small, never holding more than its limit: a declared
// Content-Length is checked before reading, then bytes are counted as they stream, and reading stops
// at the first byte past the limit. The rest is never read: the answer goes out before it arrives.
import { concatBytes } from "../shared/concat-bytes.ts";
import { HttpError } from "./http-error.ts";

export async function readBounded(
  req: Request,
  maxBytes: number,
  tooLarge: () => HttpError,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(req.headers.get("Content-Length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const reader = req.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    size += next.value.byteLength;
    if (size > maxBytes) {
      // Cancelling tells the runtime nothing more will be read (it may then drop the connection after answering).
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  return concatBytes(chunks);
}
