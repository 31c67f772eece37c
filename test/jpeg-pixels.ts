// A JPEG's pixels for the tests that check an image's colours (workerd, Node and unit projects alike).
import { PhotonImage } from "@cf-wasm/photon";

/** A JPEG's size and the RGB of one pixel. */
export function decodeJpeg(bytes: Uint8Array) {
  const img = PhotonImage.new_from_byteslice(bytes);
  const width = img.get_width();
  const height = img.get_height();
  const rgba = img.get_raw_pixels();
  img.free();
  const rgb = (x: number, y: number) => [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 3)];
  return { width, height, rgb };
}
