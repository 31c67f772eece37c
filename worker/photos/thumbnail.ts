// Server-side decoding of small JPEGs only: the thumbnail of a photo of at most 2 MP, the 64 px RGBA mosaic
// tile, an uploaded tile. The true size is read from the whole file and checked against the pixel budget
// before anything is decoded, and the decoding itself runs in the isolated decoder (a trap there leaks nothing).
import { PhotonImage, SamplingFilter, resize } from "@cf-wasm/photon";
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { type ImageInfo, type ImageRules, checkImage, checkInfo } from "./image-check.ts";
import { type DecodedPixels, decodeIsolated } from "./isolated-decoder.ts";
import { squareTile } from "./square-tile.ts";

/** The server makes a thumbnail itself only for photos up to this many pixels. */
export const SERVER_THUMB_MAX_PIXELS = 2_000_000;
/** Client thumbs are at most 256 px on the long side. */
export const THUMB_MAX_PIXELS = 256 * 256;
export const TILE_SIZE = 64;
/** An uploaded tile may be at most this wide and high; it is scaled to TILE_SIZE. */
export const MAX_UPLOADED_TILE_SIDE = 128;

const JPEG_ONLY = ["image/jpeg"] as const;

/** Whether `bytes` are a thumb the server will store: a whole JPEG of at most THUMB_MAX_PIXELS. Never decodes,
 *  so a bad thumb costs a walk over its bytes however often it is sent. */
export function checkThumb(bytes: Uint8Array): Result<{ info: ImageInfo }> {
  return checkImage(bytes, { maxPixels: THUMB_MAX_PIXELS, types: JPEG_ONLY });
}

/** The rules applied to what checkImage read from `bytes`, or to `walked` when a check already read it
 *  (the upload path checks each file once; walking it again would only repeat the same answer). */
function checkOnce(bytes: Uint8Array, rules: ImageRules, walked?: ImageInfo): Result<{ info: ImageInfo }> {
  return walked ? checkInfo(walked, rules) : checkImage(bytes, rules);
}

/** The RGBA pixels of `bytes` if they are a whole JPEG of at most `maxPixels` true pixels (`walked`: see checkOnce). */
function decodePixels(
  bytes: Uint8Array,
  maxPixels: number,
  walked?: ImageInfo,
): Result<{ pixels: DecodedPixels; info: ImageInfo }> {
  const checked = checkOnce(bytes, { maxPixels, types: JPEG_ONLY }, walked);
  if (!checked.ok) return checked;
  const { info } = checked;
  const pixels = decodeIsolated(bytes);
  if (!pixels) return fail(422, ErrorCode.UndecodableImage, "the image could not be decoded");
  if (pixels.width !== info.width || pixels.height !== info.height) {
    return fail(
      422,
      ErrorCode.UndecodableImage,
      `decoded ${pixels.width}x${pixels.height}, not the ${info.width}x${info.height} of its header`,
    );
  }
  return { ok: true, pixels, info };
}

/**
 * Decodes `bytes` if they are a whole JPEG of at most `maxPixels` true pixels (`walked`: see checkOnce).
 * On success the caller owns `image` and must call `image.free()`.
 */
export function decodeSmall(
  bytes: Uint8Array,
  maxPixels: number,
  walked?: ImageInfo,
): Result<{ image: PhotonImage; info: ImageInfo }> {
  const decoded = decodePixels(bytes, maxPixels, walked);
  if (!decoded.ok) return decoded;
  const { pixels, info } = decoded;
  return { ok: true, image: new PhotonImage(pixels.rgba, pixels.width, pixels.height), info };
}

export type ThumbOptions = { maxSide?: number; quality?: number; maxPixels?: number; walked?: ImageInfo };

/** A JPEG of the image scaled so its long side is at most `maxSide` (never scaled up). */
export function makeThumb(
  bytes: Uint8Array,
  { maxSide = 256, quality = 80, maxPixels = SERVER_THUMB_MAX_PIXELS, walked }: ThumbOptions = {},
): Result<{ jpeg: Uint8Array; width: number; height: number }> {
  const decoded = decodeSmall(bytes, maxPixels, walked);
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

/** Raw RGBA `size`×`size` pixels of the image: the centre square, scaled (`walked`: see checkOnce). Decoded
 *  straight to pixels and scaled in JS (square-tile.ts), not through a PhotonImage: every photo's tile is cut. */
export function makeTile(
  bytes: Uint8Array,
  size = TILE_SIZE,
  maxPixels = SERVER_THUMB_MAX_PIXELS,
  walked?: ImageInfo,
): Result<{ rgba: Uint8Array }> {
  const decoded = decodePixels(bytes, maxPixels, walked);
  if (!decoded.ok) return decoded;
  const { pixels } = decoded;
  return { ok: true, rgba: squareTile(pixels.rgba, pixels.width, pixels.height, size) };
}

const TILE_RULES = { maxPixels: MAX_UPLOADED_TILE_SIDE * MAX_UPLOADED_TILE_SIDE, types: JPEG_ONLY };

/** Whether `bytes` are a tile the server will take: a whole JPEG of at most MAX_UPLOADED_TILE_SIDE px a side.
 *  Never decodes (see checkThumb). */
export function checkTile(bytes: Uint8Array, walked?: ImageInfo): Result<{ info: ImageInfo }> {
  const side = MAX_UPLOADED_TILE_SIDE;
  const checked = checkOnce(bytes, TILE_RULES, walked);
  if (checked.ok && (checked.info.width > side || checked.info.height > side)) {
    return fail(413, ErrorCode.ImageTooLarge, `a tile is at most ${side}x${side} px`);
  }
  return checked;
}

/** Raw RGBA TILE_SIZE×TILE_SIZE pixels of an uploaded tile (the centre square, scaled), or null when it is
 *  not a tile (checkTile) or photon could not decode it (`walked`: see checkOnce). */
export function decodeTile(bytes: Uint8Array, walked?: ImageInfo): Uint8Array | null {
  const checked = checkTile(bytes, walked);
  if (!checked.ok) return null;
  const tile = makeTile(bytes, TILE_SIZE, TILE_RULES.maxPixels, checked.info);
  return tile.ok ? tile.rgba : null;
}
