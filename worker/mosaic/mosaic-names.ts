// The names a mosaic's JPEGs are stored and served under: one immutable file per version of a page.
import { ID_CHARS } from "../../shared/protocol.ts";
import type { MosaicRef } from "./mosaic-host.ts";

const MOSAIC_NAME = new RegExp(`^(${ID_CHARS}{1,64})-p(\\d{1,6})-(\\d{1,12})\\.jpg$`);

/** The file name of one version of one page: `<shotId>-p<page>-<version>.jpg`. */
export const mosaicName = (shotId: string, page: number, version: number) => `${shotId}-p${page}-${version}.jpg`;

export const mosaicKey = (ref: MosaicRef, page: number, version: number) =>
  `rooms/${ref.roomId}/mosaics/${mosaicName(ref.shotId, page, version)}`;

export function parseMosaicName(name: string): { shotId: string; page: number; version: number } | null {
  const m = MOSAIC_NAME.exec(name);
  return m ? { shotId: m[1]!, page: Number(m[2]), version: Number(m[3]) } : null;
}
