// A photo's mosaic tile, cut by its builder when it catches up with the room (mosaic-engine.ts): from the thumb
// (or the client's tile) in the blob store, off the uploads' path.
import { THUMB_MAX_PIXELS, TILE_SIZE, makeTile } from "../photos/thumbnail.ts";

/** The raw tile of a source: a whole JPEG of at most THUMB_MAX_PIXELS (client tiles and thumbs, uploaded or
 *  server-made, all are; makeTile checks before it decodes), or null. */
export function cutTile(jpeg: Uint8Array): Uint8Array | null {
  const t = makeTile(jpeg, TILE_SIZE, THUMB_MAX_PIXELS);
  return t.ok ? t.rgba : null;
}
