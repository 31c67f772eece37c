// Mosaic routes: GET /:roomId/mosaic?shot=&page=&shard= redirects to the newest immutable version of one
// page of one shard's builder (encoded first when tiles arrived since its last version), or with `Accept:
// application/json` describes it; GET /:roomId/mosaic/overview?shot= does the same for the overview, one cell
// per page of every shard; /:roomId/mosaics/:name serves either.
import { ErrorCode, ID, type MosaicOverviewView, type MosaicPageView } from "../../shared/protocol.ts";
import { Hono } from "hono";
import { roomIdParam, type AppContext, type AppEnv } from "../app-env.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { serveImmutable } from "../photos/serve-file.ts";
import { mosaicGrid } from "./compose.ts";
import { shardCount } from "../room/shard-routing.ts";
import { mosaicKey, mosaicName, overviewKey, overviewName, parseMosaicName } from "./mosaic-names.ts";

/** The query parameter `name` (default 0) as a whole number of at most `digits` digits, else 400 bad_page. */
const wholeNumber = (c: AppContext, name: string, digits: number): number => {
  const v = c.req.query(name) ?? "0";
  if (v.length > digits || !/^\d+$/.test(v))
    throw new HttpError(400, ErrorCode.BadPage, `${name} is a whole number from 0`);
  return Number(v);
};

/** The shot the request names (the latest when none), confirmed by the room first: a made-up shot id never
 *  reaches (and so never creates) a mosaic builder. */
async function confirmedShot(c: AppContext, roomId: string): Promise<string> {
  const shotParam = c.req.query("shot") || undefined;
  if (shotParam !== undefined && !ID.test(shotParam)) throw new HttpError(404, ErrorCode.ShotNotFound, "no such shot");
  return unwrap(await c.var.platform.room(roomId).findShot(shotParam)).shotId;
}

/** The JSON description when asked for, else a redirect to the image (its facts in headers too). */
function answer(c: AppContext, url: string, body: object, headers: Record<string, string>): Response {
  if ((c.req.header("Accept") ?? "").includes("application/json"))
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  return new Response(null, { status: 302, headers: { Location: url, "Cache-Control": "no-store", ...headers } });
}

async function redirectToPage(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const page = wholeNumber(c, "page", 6);
  const shard = wholeNumber(c, "shard", 5);
  const shotId = await confirmedShot(c, roomId);
  const shards = shardCount(roomId);
  if (shard >= shards) throw new HttpError(404, ErrorCode.PageNotFound, `this room has ${shards} shard(s)`);
  const m = unwrap(await c.var.platform.mosaic(roomId, shotId, shard).latest(page));
  const url = `/api/rooms/${roomId}/mosaics/${mosaicName(shotId, shard, page, m.version)}`;
  const body: MosaicPageView = { shotId, url, shard, page, pages: m.pages, tiles: m.tiles, version: m.version };
  return answer(c, url, body, { "Mosaic-Pages": String(m.pages), "Mosaic-Tiles": String(m.tiles) });
}

async function redirectToOverview(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const shotId = await confirmedShot(c, roomId);
  const o = unwrap(await c.var.platform.mosaic(roomId, shotId, 0).overview());
  const url = `/api/rooms/${roomId}/mosaics/${overviewName(shotId, o.version)}`;
  const { cols, rows } = mosaicGrid(Math.max(1, o.cells.length));
  const body: MosaicOverviewView = { shotId, url, version: o.version, cols, rows, photos: o.photos, cells: o.cells };
  return answer(c, url, body, { "Mosaic-Cells": String(o.cells.length) });
}

/** GET /api/rooms/:roomId/mosaics/:name (`<shotId>[-s<shard>]-p<page>-<version>.jpg`, `<shotId>-overview-<v>.jpg`) */
function serveMosaicFile(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const name = c.req.param("name") ?? "";
  const m = parseMosaicName(name);
  if (!m || (m.kind === "page" && m.shard >= shardCount(roomId)))
    throw new HttpError(404, ErrorCode.FileNotFound, "no such mosaic");
  const key =
    m.kind === "page"
      ? mosaicKey({ roomId, shotId: m.shotId, shard: m.shard }, m.page, m.version)
      : overviewKey({ roomId, shotId: m.shotId }, m.version);
  return serveImmutable(c, { roomId, key, etag: `"${name.slice(0, -4)}"`, contentType: "image/jpeg" });
}

export const mosaicRoutes = new Hono<AppEnv>()
  .get("/:roomId/mosaic", redirectToPage)
  .get("/:roomId/mosaic/overview", redirectToOverview)
  .get("/:roomId/mosaics/:name", serveMosaicFile);
