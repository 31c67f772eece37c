// The names a mosaic's JPEGs are stored and served under: one immutable file per version of a page
// (a shard's pages carry its index) and per version of the overview.
import { ID_CHARS } from "../../shared/protocol.ts";
import type { MosaicRef } from "./mosaic-host.ts";

// The shot id is matched lazily, so `-s<i>` is the shard's mark, not part of the id.
const PAGE_NAME = new RegExp(`^(${ID_CHARS}{1,64}?)(?:-s([1-9][0-9]{0,4}))?-p(\\d{1,6})-(\\d{1,12})\\.jpg$`);
const OVERVIEW_NAME = new RegExp(`^(${ID_CHARS}{1,64}?)-overview-(\\d{1,12})\\.jpg$`);

/** The file name of one version of one page: `<shotId>-p<page>-<version>.jpg`, `<shotId>-s<shard>-p…` past shard 0. */
export const mosaicName = (shotId: string, shard: number, page: number, version: number) =>
  `${shotId}${shard > 0 ? `-s${shard}` : ""}-p${page}-${version}.jpg`;

export const overviewName = (shotId: string, version: number) => `${shotId}-overview-${version}.jpg`;

/** The name of a builder (its Durable Object, its Deno alarm): `<roomId>/<shotId>`, with `/<shard>` past shard 0, so a
 *  room of one object keeps the name it always had. */
export const builderName = (ref: MosaicRef) => `${ref.roomId}/${ref.shotId}${ref.shard > 0 ? `/${ref.shard}` : ""}`;

export const mosaicKey = (ref: MosaicRef, page: number, version: number) =>
  `rooms/${ref.roomId}/mosaics/${mosaicName(ref.shotId, ref.shard, page, version)}`;

export const overviewKey = (ref: { roomId: string; shotId: string }, version: number) =>
  `rooms/${ref.roomId}/mosaics/${overviewName(ref.shotId, version)}`;

/** What a served name stands for, or null when this server never makes such a name. */
export function parseMosaicName(
  name: string,
):
  | { kind: "page"; shotId: string; shard: number; page: number; version: number }
  | { kind: "overview"; shotId: string; version: number }
  | null {
  const p = PAGE_NAME.exec(name);
  if (p) return { kind: "page", shotId: p[1]!, shard: Number(p[2] ?? 0), page: Number(p[3]), version: Number(p[4]) };
  const o = OVERVIEW_NAME.exec(name);
  return o ? { kind: "overview", shotId: o[1]!, version: Number(o[2]) } : null;
}
