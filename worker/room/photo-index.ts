// The room's photo index: one row per (shot, member) in upload order, paged listings, the mosaic's tile
// list and removal. Rows only: the bytes live in the blob store under content-addressed keys.
import type { PhotoView } from "../../shared/protocol.ts";
import type { PhotoInput, UploadedPhoto } from "../platform.ts";
import type { Row } from "../sql.ts";
import type { RoomHost } from "./room-host.ts";
import { KeptCounts } from "./kept-counts.ts";
import { newId } from "./new-id.ts";

type PhotoRow = {
  seq: number;
  photo_id: string;
  shot_id: string;
  member_id: string;
  key: string;
  thumb_key: string | null;
  tile_key: string | null;
  type: string;
  bytes: number;
  name: string | null;
  fired_at: number | null;
  place: number | null;
  frame_at: number | null;
  bound: number | null;
  at: number | null;
};

export class PhotoIndex {
  /** Photos per shot: this object alone adds and removes them (a COUNT per upload grew with the shot). */
  private readonly counts = new KeptCounts();

  constructor(
    private readonly host: RoomHost,
    private readonly fileUrl: (key: string) => string,
    /** Called when a shot's photo count changed (the broadcast coalesces it). */
    private readonly photosChanged: (shotId: string) => void,
    /** A new photo's id from a fresh one: a shard marks the ids it makes (shard-routing.ts). */
    private readonly localId: (id: string) => string = (id) => id,
  ) {}

  /** Adds the photo; its id and URLs are all the uploader is answered with (the listing has the rest). */
  addPhoto(p: PhotoInput & { shotId: string }): UploadedPhoto {
    const photoId = this.localId(newId());
    this.host.sql.exec(
      `INSERT INTO photos (photo_id, shot_id, member_id, key, thumb_key, tile_key, type, bytes, width, height,
       created_at, frame_at, bound) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      photoId,
      p.shotId,
      p.memberId,
      p.key,
      p.thumbKey,
      p.tileKey,
      p.type,
      p.bytes,
      p.width,
      p.height,
      this.host.now(),
      p.frameAt ?? null,
      p.bound ?? null,
    );
    this.counts.bump(p.shotId, 1);
    this.photosChanged(p.shotId);
    return { photoId, url: this.fileUrl(p.key), thumbUrl: p.thumbKey ? this.fileUrl(p.thumbKey) : null };
  }

  photo(shotId: string, memberId: string): PhotoView | null {
    // By the (shot_id, member_id) unique index alone first. Asked through the listing's query (joined, ordered by
    // seq), SQLite walked the shot's seq index for the one member: an upload's check and record each paid a walk of
    // the shot, the costliest step of the room's side of a burst (docs/performance.md).
    const [hit] = this.host.sql.exec<{ photo_id: string }>(
      "SELECT photo_id FROM photos WHERE shot_id = ? AND member_id = ?",
      shotId,
      memberId,
    );
    if (!hit) return null;
    const [row] = this.query("WHERE p.photo_id = ?", [hit.photo_id], 1);
    return row ? this.view(row) : null;
  }

  /** Photos ordered by upload, of one shot and/or one member, paged by an opaque cursor (the last row's
   *  sequence number). One member's photo of a shot is one row of the (shot_id, member_id) index. */
  list(
    q: { shotId?: string; memberId?: string; limit: number },
    after: number,
  ): { photos: PhotoView[]; last: number | null } {
    const where = ["p.seq > ?"];
    const params: Array<string | number> = [after];
    if (q.shotId !== undefined) {
      where.push("p.shot_id = ?");
      params.push(q.shotId);
    }
    if (q.memberId !== undefined) {
      where.push("p.member_id = ?");
      params.push(q.memberId);
    }
    const rows = this.query(`WHERE ${where.join(" AND ")}`, params, q.limit);
    return { photos: rows.map((r) => this.view(r)), last: rows.length === q.limit ? rows[rows.length - 1]!.seq : null };
  }

  /** Storage keys of a shot's tiles in upload order, with when each was recorded, for the mosaic. */
  tiles(shotId: string): Array<{ photoId: string; tileKey: string | null; at: number }> {
    return this.host.sql
      .exec<{ photo_id: string; tile_key: string | null; created_at: number }>(
        "SELECT photo_id, tile_key, created_at FROM photos WHERE shot_id = ? ORDER BY seq",
        shotId,
      )
      .map((r) => ({ photoId: r.photo_id, tileKey: r.tile_key, at: r.created_at }));
  }

  photoCount(shotId?: string): number {
    if (shotId === undefined) return this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM photos")[0]?.n ?? 0;
    return this.counts.get(
      shotId,
      () => this.host.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM photos WHERE shot_id = ?", shotId)[0]?.n ?? 0,
      // A shot with photos is one of this room's.
      (n) => n > 0,
    );
  }

  /** After a write that rolled back: the counts may be ahead of SQLite. */
  forgetCounts(): void {
    this.counts.clear();
  }

  /**
   * Removes a photo from the index; returns the storage keys no other photo still uses, so the caller
   * can delete those bytes. Every upload writes keys of its own (photos/blob-key.ts); only photos stored
   * before that may share a key, and no upload in flight can write one of those.
   */
  removePhoto(photoId: string): { shotId: string; keys: string[] } | null {
    const [row] = this.host.sql.exec<PhotoRow>("SELECT * FROM photos WHERE photo_id = ?", photoId);
    if (!row) return null;
    this.host.sql.exec("DELETE FROM photos WHERE photo_id = ?", photoId);
    this.counts.bump(row.shot_id, -1);
    this.photosChanged(row.shot_id);
    const keys = [...new Set([row.key, row.thumb_key, row.tile_key])].filter((k): k is string => !!k);
    return { shotId: row.shot_id, keys: keys.filter((k) => !this.keyInUse(k)) };
  }

  private keyInUse(key: string): boolean {
    const [row] = this.host.sql.exec<{ n: number }>(
      "SELECT COUNT(*) AS n FROM photos WHERE key = ? OR thumb_key = ? OR tile_key = ?",
      key,
      key,
      key,
    );
    return (row?.n ?? 0) > 0;
  }

  private query(where: string, params: Array<string | number>, limit: number): PhotoRow[] {
    return this.host.sql.exec<PhotoRow & Row>(
      `SELECT p.seq, p.photo_id, p.shot_id, p.member_id, p.key, p.thumb_key, p.tile_key, p.type, p.bytes,
       p.frame_at, p.bound, m.name AS name, m.place AS place, s.fired_at AS fired_at, sh.at AS at FROM photos p
       LEFT JOIN members m ON m.member_id = p.member_id
       LEFT JOIN shots sh ON sh.shot_id = p.shot_id
       LEFT JOIN shot_members s ON s.shot_id = p.shot_id AND s.member_id = p.member_id
       ${where} ORDER BY p.seq LIMIT ?`,
      ...params,
      limit,
    );
  }

  private view(r: PhotoRow): PhotoView {
    return {
      photoId: r.photo_id,
      shotId: r.shot_id,
      memberId: r.member_id,
      name: r.name ?? "",
      url: this.fileUrl(r.key),
      thumbUrl: r.thumb_key ? this.fileUrl(r.thumb_key) : null,
      bytes: r.bytes,
      ...(r.fired_at !== null ? { firedAt: r.fired_at } : {}),
      ...(r.place !== null ? { place: r.place } : {}),
      ...(r.frame_at !== null && r.at !== null ? { frameOffset: r.frame_at - r.at } : {}),
      ...(r.bound !== null ? { bound: r.bound } : {}),
    };
  }
}
