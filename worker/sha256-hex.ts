// SHA-256 as lowercase hex: the content address of stored image bytes.

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Deno's lib types refuse a possibly shared buffer; these bytes are always a fresh, unshared copy.
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
