// Storage keys and public names of uploaded files: the bytes' SHA-256 plus a suffix drawn per upload,
// so no two photos ever share stored bytes. Deleting a photo's bytes can then never take another
// photo's, not even one whose identical bytes are written but not yet recorded (issue 12, item 10).
import { toHex } from "../sha256-hex.ts";

/** `<sha256>-<16 hex>.<ext>`; names without the suffix are files stored before it existed. */
const FILE_NAME = /^([0-9a-f]{64}(?:-[0-9a-f]{16})?)\.(jpg|png|webp)$/;

export const blobKey = (roomId: string, name: string, ext: string) => `rooms/${roomId}/${name}.${ext}`;

/** Names the files of one upload: each gets its bytes' hash and the upload's own suffix. */
export function uploadNamer(): (sha: string) => string {
  const suffix = toHex(crypto.getRandomValues(new Uint8Array(8)));
  return (sha) => `${sha}-${suffix}`;
}

/** The name and extension of a public file name, or null when it cannot be one this server made. */
export function parseFileName(name: string): { name: string; ext: "jpg" | "png" | "webp" } | null {
  const m = FILE_NAME.exec(name);
  return m ? { name: m[1]!, ext: m[2] as "jpg" | "png" | "webp" } : null;
}
