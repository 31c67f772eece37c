// A BlobWriter that keeps the bytes in one growing buffer (an R2 put needs the whole object and its key,
// which is the bytes' hash): one copy per chunk as it arrives, one digest at the end.
import type { BlobWriter } from "../../platform.ts";
import { sha256Hex } from "../../sha256-hex.ts";

export function memoryBlobWriter(
  put: (key: string, bytes: Uint8Array, contentType: string) => Promise<void>,
  sizeHint = 256 * 1024,
): BlobWriter {
  let buf = new Uint8Array(sizeHint);
  let size = 0;
  const bytes = () => buf.subarray(0, size);
  return {
    async write(chunk) {
      if (size + chunk.length > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, size + chunk.length));
        grown.set(bytes());
        buf = grown;
      }
      buf.set(chunk, size);
      size += chunk.length;
    },
    async finish() {
      return { sha256: await sha256Hex(bytes()), size };
    },
    async read() {
      return bytes();
    },
    async commit(key, contentType) {
      await put(key, bytes(), contentType);
    },
    async discard() {
      buf = new Uint8Array(0);
      size = 0;
    },
  };
}
