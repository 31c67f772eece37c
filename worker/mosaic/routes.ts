// Mosaic routes: GET /:roomId/mosaic?shot=&page= redirects to the newest immutable version of one page
// (which the builder encodes first when tiles arrived since its last version), or with `Accept:
// application/json` describes it ({ url, page, pages, tiles, version }); /:roomId/mosaics/:name serves it.
import { ErrorCode, ID, type MosaicPageView } from "../../shared/protocol.ts";
import { Hono } from "hono";
import { roomIdParam, type AppContext, type AppEnv } from "../app-env.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { serveImmutable } from "../photos/serve-file.ts";
import { mosaicKey, mosaicName, parseMosaicName } from "./mosaic-names.ts";

async function redirectToMosaic(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const { platform } = c.var;
  const pageParam = c.req.query("page") ?? "0";
  const page = /^\d{1,6}$/.test(pageParam) ? Number(pageParam) : NaN;
  if (!Number.isSafeInteger(page)) throw new HttpError(400, ErrorCode.BadPage, "page is a whole number from 0");
  const shotParam = c.req.query("shot") || undefined;
  if (shotParam !== undefined && !ID.test(shotParam)) throw new HttpError(404, ErrorCode.ShotNotFound, "no such shot");
  // The room is asked first: a made-up shot id never reaches (and so never creates) a mosaic builder.
  const { shotId } = unwrap(await platform.room(roomId).findShot(shotParam));
  const m = unwrap(await platform.mosaic(roomId, shotId).latest(page));
  const url = `/api/rooms/${roomId}/mosaics/${mosaicName(shotId, page, m.version)}`;
  if ((c.req.header("Accept") ?? "").includes("application/json")) {
    const body: MosaicPageView = { shotId, url, page, pages: m.pages, tiles: m.tiles, version: m.version };
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  }
  return new Response(null, {
    status: 302,
    headers: {
      Location: url,
      "Cache-Control": "no-store",
      "Mosaic-Pages": String(m.pages),
      "Mosaic-Tiles": String(m.tiles),
    },
  });
}

/** GET /api/rooms/:roomId/mosaics/:name (`<shotId>-p<page>-<version>.jpg`) */
function serveMosaicFile(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const name = c.req.param("name") ?? "";
  const m = parseMosaicName(name);
  if (!m) throw new HttpError(404, ErrorCode.FileNotFound, "no such mosaic");
  const key = mosaicKey({ roomId, shotId: m.shotId }, m.page, m.version);
  return serveImmutable(c, { roomId, key, etag: `"${name.slice(0, -4)}"`, contentType: "image/jpeg" });
}

export const mosaicRoutes = new Hono<AppEnv>()
  .get("/:roomId/mosaic", redirectToMosaic)
  .get("/:roomId/mosaics/:name", serveMosaicFile);
