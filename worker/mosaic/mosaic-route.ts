// GET /api/rooms/:roomId/mosaic?shot=&page=: a redirect to the newest immutable version of one
// mosaic page, which the mosaic builder encodes first when tiles arrived since its last version.
import { roomIdParam, type AppContext } from "../app-env.ts";
import { HttpError, unwrap } from "../http-error.ts";
import { mosaicName } from "./mosaic-host.ts";

const SHOT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function redirectToMosaic(c: AppContext): Promise<Response> {
  const roomId = roomIdParam(c);
  const { platform } = c.var;
  const pageParam = c.req.query("page") ?? "0";
  const page = /^\d{1,6}$/.test(pageParam) ? Number(pageParam) : NaN;
  if (!Number.isSafeInteger(page)) throw new HttpError(400, "bad_page", "page is a whole number from 0");
  const shotParam = c.req.query("shot") || undefined;
  if (shotParam !== undefined && !SHOT_ID.test(shotParam)) throw new HttpError(404, "shot_not_found", "no such shot");
  const shotId = shotParam ?? unwrap(await platform.room(roomId).latestShot()).shotId;
  const m = unwrap(await platform.mosaic(roomId, shotId).latest(page));
  return new Response(null, {
    status: 302,
    headers: {
      Location: `/api/rooms/${roomId}/mosaics/${mosaicName(shotId, page, m.version)}`,
      "Cache-Control": "no-store",
      "Mosaic-Pages": String(m.pages),
      "Mosaic-Tiles": String(m.tiles),
    },
  });
}
