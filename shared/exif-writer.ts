// Writes a photo's moment into its JPEG as one APP1 Exif segment: DateTimeOriginal, SubSecTimeOriginal and
// OffsetTimeOriginal (UTC, the server's clock) and a description. Hand-written rather than piexifjs
// (unmaintained since 2019, ~20 KB against a guest page of ~10 KB gzipped): five tags need ~150 lines.
import { concatBytes } from "./concat-bytes.ts";

/** What goes into the segment: `time` in server ms (UTC); `description` any text (see exifDescription). */
export type ExifMoment = { time: number; description: string };

/** An APP1 segment's payload is at most 65533 bytes; the description is cut well before that. */
const MAX_DESCRIPTION = 2000;

const ASCII = 2;
const LONG = 4;
const BYTE = 1;
const UNDEFINED = 7;

type Entry = { tag: number; type: number; data: Uint8Array };

/** The same JPEG with `moment` as its only Exif segment, after SOI (and after a JFIF APP0, which JFIF
 *  requires right after SOI); any Exif APP1 already there is dropped. Throws on bytes that are not a JPEG. */
export function withExif(jpeg: Uint8Array, moment: ExifMoment): Uint8Array<ArrayBuffer> {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error("not a JPEG: no SOI marker");
  const app1 = exifSegment(moment);
  const kept: Uint8Array[] = [];
  let insertAt = 2;
  let i = 2;
  // Walk the marker segments up to the first that is not APPn/COM; the scan data after it is copied whole.
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    const isAppOrCom = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isAppOrCom) break;
    const end = i + 2 + ((jpeg[i + 2]! << 8) | jpeg[i + 3]!);
    if (end > jpeg.length) throw new Error("not a JPEG: a segment runs past the end");
    const segment = jpeg.subarray(i, end);
    if (marker === 0xe0 && i === 2 && isJfif(segment)) insertAt = end;
    if (!(marker === 0xe1 && isExif(segment))) kept.push(segment);
    i = end;
  }
  const head = kept.length > 0 && insertAt > 2 ? [kept.shift()!] : [];
  return concatBytes([jpeg.subarray(0, 2), ...head, app1, ...kept, jpeg.subarray(i)]);
}

/** Printable ASCII for EXIF's ASCII tags: ± spelled +/-, accents dropped (é → e), anything else "?". */
export function toAscii(text: string): string {
  return text
    .replace(/±/g, "+/-")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]/g, "?");
}

/** EXIF's date form, "YYYY:MM:DD HH:MM:SS", of `time` (ms) in UTC, and its milliseconds as SubSec digits. */
export function exifDateTime(time: number): { dateTime: string; subSec: string } {
  const d = new Date(Math.floor(time));
  const two = (n: number) => String(n).padStart(2, "0");
  const date = `${String(d.getUTCFullYear()).padStart(4, "0")}:${two(d.getUTCMonth() + 1)}:${two(d.getUTCDate())}`;
  const clock = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return { dateTime: `${date} ${clock}`, subSec: String(d.getUTCMilliseconds()).padStart(3, "0") };
}

function exifSegment(moment: ExifMoment): Uint8Array {
  if (!Number.isFinite(moment.time)) throw new Error("the moment's time must be a finite number");
  const text = moment.description.slice(0, MAX_DESCRIPTION);
  const ascii = toAscii(text);
  const { dateTime, subSec } = exifDateTime(moment.time);
  const ifd0: Entry[] = [{ tag: 0x010e, type: ASCII, data: asciiz(ascii) }];
  const exif: Entry[] = [
    { tag: 0x9000, type: UNDEFINED, data: asciiz("0232").subarray(0, 4) },
    { tag: 0x9003, type: ASCII, data: asciiz(dateTime) },
    { tag: 0x9011, type: ASCII, data: asciiz("+00:00") },
    { tag: 0x9291, type: ASCII, data: asciiz(subSec) },
  ];
  if (ascii !== text) {
    // EXIF ASCII cannot hold the name: UserComment (standard) and XPComment (Windows) carry it in UCS-2,
    // little-endian like the TIFF header below.
    exif.splice(3, 0, { tag: 0x9286, type: UNDEFINED, data: concatBytes([asciiz("UNICODE"), ucs2le(text)]) });
    ifd0.push({ tag: 0x9c9c, type: BYTE, data: concatBytes([ucs2le(text), new Uint8Array(2)]) });
  }
  // IFD0's Exif pointer is filled once IFD0's size is known.
  const pointer: Entry = { tag: 0x8769, type: LONG, data: new Uint8Array(4) };
  ifd0.splice(1, 0, pointer);
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0);
  new DataView(pointer.data.buffer).setUint32(0, exifAt, true);
  const tiff = concatBytes([
    new Uint8Array([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]),
    encodeIfd(ifd0, ifd0At),
    encodeIfd(exif, exifAt),
  ]);
  const length = 2 + 6 + tiff.length;
  if (length > 0xffff) throw new Error("the Exif segment is too large");
  return concatBytes([
    new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff]),
    new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0]),
    tiff,
  ]);
}

/** Bytes an IFD takes: count, 12 per entry, next-IFD offset, then values longer than 4 bytes (word-aligned). */
function ifdSize(entries: Entry[]): number {
  let size = 2 + 12 * entries.length + 4;
  for (const e of entries) if (e.data.length > 4) size += e.data.length + (e.data.length % 2);
  return size;
}

/** One IFD at offset `at` from the TIFF header, its long values right after it; no next IFD. */
function encodeIfd(entries: Entry[], at: number): Uint8Array {
  const out = new Uint8Array(ifdSize(entries));
  const view = new DataView(out.buffer);
  view.setUint16(0, entries.length, true);
  let extra = 2 + 12 * entries.length + 4;
  entries.forEach((e, n) => {
    const p = 2 + 12 * n;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, e.type === LONG ? e.data.length / 4 : e.data.length, true);
    if (e.data.length <= 4) {
      out.set(e.data, p + 8);
      return;
    }
    view.setUint32(p + 8, at + extra, true);
    out.set(e.data, extra);
    extra += e.data.length + (e.data.length % 2);
  });
  return out;
}

function asciiz(s: string): Uint8Array {
  const out = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

function ucs2le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}

function isJfif(segment: Uint8Array): boolean {
  return String.fromCharCode(...segment.subarray(4, 9)) === "JFIF\0";
}

function isExif(segment: Uint8Array): boolean {
  return String.fromCharCode(...segment.subarray(4, 10)) === "Exif\0\0";
}
