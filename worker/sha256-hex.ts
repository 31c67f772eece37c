// SHA-256 as lowercase hex: the content address of stored image bytes; and bytes as hex.

/** Each byte's two hex digits, made once: two per upload's hashes and its name suffix, a burst's worth per second. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b]!;
  return s;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Deno's lib types refuse a possibly shared buffer; these bytes are always a fresh, unshared copy.
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}
