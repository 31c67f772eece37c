// Makes each client's photo distinct by inserting a JPEG comment segment after SOI (still a valid JPEG).
// For the tests, the benches and the k6 script, so ASCII by hand: k6 has no TextEncoder.
export function tagJpeg(jpeg: Uint8Array, tag: string): Uint8Array {
  const out = new Uint8Array(jpeg.length + 4 + tag.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set([0xff, 0xfe, (tag.length + 2) >> 8, (tag.length + 2) & 0xff], 2);
  for (let i = 0; i < tag.length; i++) out[6 + i] = tag.charCodeAt(i) & 0x7f;
  out.set(jpeg.subarray(2), 6 + tag.length);
  return out;
}
