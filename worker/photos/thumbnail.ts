// Server-side decoding of small images only: the thumbnail of a photo of at most 2 MP and the 64 px
// RGBA mosaic tile. The pixel budget is checked from the header before anything is decoded.
import { ErrorCode } from "../../shared/protocol.ts";
import { PhotonImage, SamplingFilter, crop, resize } from "@cf-wasm/photon";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { type ImageInfo, looksComplete, sniffImage } from "./image-check.ts";

/** The server makes a thumbnail itself only for photos up to this many pixels. */
export const SERVER_THUMB_MAX_PIXELS = 2_000_000;
export const TILE_SIZE = 64;
/** An uploaded tile may be at most this wide and high; it is scaled to TILE_SIZE. */
export const MAX_UPLOADED_TILE_SIDE = 128;

/**
 * Decodes `bytes` unless the header says it has more than `maxPixels` pixels, or it is not a whole
 * JPEG/PNG/WebP. On success the caller owns `image` and must call `image.free()`.
 */
export function decodeSmall(bytes: Uint8Array, maxPixels: number): Result<{ image: PhotonImage; info: ImageInfo }> {
  const info = sniffImage(bytes);
  if (!info) return fail(415, ErrorCode.NotAnImage, "not a JPEG, PNG or WebP image");
  const tooLarge = () =>
    fail(413, ErrorCode.ImageTooLarge, `${info.width}x${info.height} is more than ${maxPixels} pixels to decode`);
  if (info.width * info.height > maxPixels) return tooLarge();
  if (!looksComplete(bytes, info.type)) return fail(422, ErrorCode.TruncatedImage, "the image file is cut short");
  let image: PhotonImage;
  try {
    image = PhotonImage.new_from_byteslice(bytes);
  } catch {
    // Photon panics (a WASM trap, "unreachable") on data it cannot decode. The instance stays usable
    // but each trap leaks the input's copy in WASM memory: hence the checks above.
    return fail(422, ErrorCode.UndecodableImage, "the image could not be decoded");
  }
  // The header is only a claim: check what was actually decoded too.
  if (image.get_width() * image.get_height() > maxPixels) {
    image.free();
    return tooLarge();
  }
  return { ok: true, image, info };
}

export type ThumbOptions = { maxSide?: number; quality?: number; maxPixels?: number };

/** A JPEG of the image scaled so its long side is at most `maxSide` (never scaled up). */
export function makeThumb(
  bytes: Uint8Array,
  { maxSide = 256, quality = 80, maxPixels = SERVER_THUMB_MAX_PIXELS }: ThumbOptions = {},
): Result<{ jpeg: Uint8Array; width: number; height: number }> {
  const decoded = decodeSmall(bytes, maxPixels);
  if (!decoded.ok) return decoded;
  const { image } = decoded;
  let thumb = image;
  try {
    const w = image.get_width();
    const h = image.get_height();
    const scale = Math.min(1, maxSide / Math.max(w, h));
    const tw = Math.max(1, Math.round(w * scale));
    const th = Math.max(1, Math.round(h * scale));
    if (scale < 1) thumb = resize(image, tw, th, SamplingFilter.Triangle);
    return { ok: true, jpeg: thumb.get_bytes_jpeg(quality), width: tw, height: th };
  } finally {
    if (thumb !== image) thumb.free();
    image.free();
  }
}

/** Raw RGBA `size`×`size` pixels of the image: the centre square, scaled. */
export function makeTile(
  bytes: Uint8Array,
  size = TILE_SIZE,
  maxPixels = SERVER_THUMB_MAX_PIXELS,
): Result<{ rgba: Uint8Array }> {
  const decoded = decodeSmall(bytes, maxPixels);
  if (!decoded.ok) return decoded;
  try {
    return { ok: true, rgba: squarePixels(decoded.image, size) };
  } finally {
    decoded.image.free();
  }
}

/**
 * Raw RGBA TILE_SIZE×TILE_SIZE pixels of an uploaded tile, or null when it is not an image of at
 * most MAX_UPLOADED_TILE_SIDE px a side. A tile that is not exactly TILE_SIZE square is cropped and scaled.
 */
export function validateTile(bytes: Uint8Array): Uint8Array | null {
  const info = sniffImage(bytes);
  if (!info || info.width > MAX_UPLOADED_TILE_SIDE || info.height > MAX_UPLOADED_TILE_SIDE) return null;
  const tile = makeTile(bytes, TILE_SIZE, MAX_UPLOADED_TILE_SIDE * MAX_UPLOADED_TILE_SIDE);
  return tile.ok ? tile.rgba : null;
}

function squarePixels(image: PhotonImage, size: number): Uint8Array {
  const w = image.get_width();
  const h = image.get_height();
  const side = Math.min(w, h);
  const x = Math.floor((w - side) / 2);
  const y = Math.floor((h - side) / 2);
  let square = image;
  let scaled = image;
  try {
    if (w !== h) square = crop(image, x, y, x + side, y + side);
    scaled = side === size ? square : resize(square, size, size, SamplingFilter.Triangle);
    return scaled.get_raw_pixels();
  } finally {
    if (scaled !== square) scaled.free();
    if (square !== image) square.free();
  }
}
