// What an uploaded image really is, read from the whole file without decoding a pixel: its type by magic
// bytes (the same a decoder guesses from), and its true size from the bitstream the decoder would read.
// Lies (a VP8X canvas over a bigger frame, a second JPEG frame), truncation, bad CRCs and files riding after
// the image's end are refused here, so only a whole image of a known size within budget reaches a decoder.
import { ErrorCode } from "../../shared/protocol.ts";
import { fail } from "../http-error.ts";
import type { Result } from "../platform.ts";
import { startsWith } from "./byte-reader.ts";
import { walkJpeg } from "./jpeg-structure.ts";
import { walkPng } from "./png-structure.ts";
import { walkWebp } from "./webp-structure.ts";

export type ImageType = "image/jpeg" | "image/png" | "image/webp";
export type ImageInfo = { type: ImageType; width: number; height: number };

const EXTENSIONS: Record<ImageType, "jpg" | "png" | "webp"> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
};

export function extensionFor(type: ImageType): "jpg" | "png" | "webp" {
  return EXTENSIONS[type];
}

const JPEG_SOI = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

/** The type and true size of a whole JPEG, PNG or WebP file, or why it is refused (415, 400). */
export function inspectImage(bytes: Uint8Array): Result<{ info: ImageInfo }> {
  let type: ImageType;
  let walked;
  if (startsWith(bytes, JPEG_SOI)) {
    type = "image/jpeg";
    walked = walkJpeg(bytes);
  } else if (startsWith(bytes, PNG_SIGNATURE)) {
    type = "image/png";
    walked = walkPng(bytes);
  } else if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) {
    type = "image/webp";
    walked = walkWebp(bytes);
  } else {
    return fail(415, ErrorCode.NotAnImage, "not a JPEG, PNG or WebP image");
  }
  if (!walked.ok) return walked;
  return { ok: true, info: { type, ...walked.size } };
}

export type ImageRules = { maxPixels: number; types?: readonly ImageType[] };

/** inspectImage, then checkInfo. */
export function checkImage(bytes: Uint8Array, rules: ImageRules): Result<{ info: ImageInfo }> {
  const inspected = inspectImage(bytes);
  if (!inspected.ok) return inspected;
  return checkInfo(inspected.info, rules);
}

/** Only the `types` allowed (415) and at most `maxPixels` true pixels (413), for what inspectImage read. */
export function checkInfo(info: ImageInfo, { maxPixels, types }: ImageRules): Result<{ info: ImageInfo }> {
  if (types && !types.includes(info.type))
    return fail(415, ErrorCode.NotAnImage, `only ${types.join(", ")} is accepted`);
  if (info.width * info.height > maxPixels) {
    return fail(413, ErrorCode.ImageTooLarge, `${info.width}x${info.height} is more than ${maxPixels} pixels`);
  }
  return { ok: true, info };
}

/** The type and true size of an image, or null when inspectImage refuses it. */
export function sniffImage(bytes: Uint8Array): ImageInfo | null {
  const inspected = inspectImage(bytes);
  return inspected.ok ? inspected.info : null;
}
