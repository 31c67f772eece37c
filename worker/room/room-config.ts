// A room engine's settings from the environment, the same on every runtime: the upload window, the
// upload spread's rate, and upload tokens signed with the shared secret.
import { authSecret } from "../auth/secret.ts";
import { signToken } from "../auth/token.ts";
import type { EngineConfig } from "./room-engine.ts";
import { DEFAULT_SHARD_MEMBERS } from "./shard-routing.ts";
import { DEFAULT_UPLOAD_SPREAD_RATE } from "./upload-spread.ts";

const UPLOAD_TOKEN_TTL_MS = 24 * 3600_000;
const DEFAULT_SHOT_WINDOW_MS = 60_000;
/** Members one room takes, and the most a new room may expect (its shards: shard-routing.ts). */
const DEFAULT_MAX_ROOM_MEMBERS = 10_000;

export type RoomEnv = {
  AUTH_SECRET?: string;
  SHOT_WINDOW_MS?: string;
  MAX_ROOM_MEMBERS?: string;
  UPLOAD_SPREAD_RATE?: string;
  SHARD_MEMBERS?: string;
};

/** Members' sockets one shard of a sharded room takes (K). */
export function shardMembers(env: RoomEnv): number {
  return positiveInt(env.SHARD_MEMBERS) ?? DEFAULT_SHARD_MEMBERS;
}

/** The most members a new room may say it expects. */
export function maxRoomMembers(env: RoomEnv): number {
  return positiveInt(env.MAX_ROOM_MEMBERS) ?? DEFAULT_MAX_ROOM_MEMBERS;
}

export function engineConfig(env: RoomEnv, now: () => number = Date.now): EngineConfig {
  const secret = authSecret(env);
  return {
    shotWindowMs: Number(env.SHOT_WINDOW_MS) || DEFAULT_SHOT_WINDOW_MS,
    maxMembers: maxRoomMembers(env),
    shardMembers: shardMembers(env),
    uploadSpreadRate: spreadRate(env.UPLOAD_SPREAD_RATE),
    signUpload: (roomId, memberId) => {
      // The WebSocket route refuses upgrades first (server_misconfigured); this is the room's own guard.
      if (secret === null) return Promise.reject(new Error("AUTH_SECRET is missing or shorter than 32 bytes"));
      return signToken({ k: "upload", room: roomId, mem: memberId, exp: now() + UPLOAD_TOKEN_TTL_MS }, secret);
    },
  };
}

/** A setting that must be a positive integer; anything else is ignored (the default holds). */
function positiveInt(v: string | undefined): number | null {
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Uploads per second a shot's spread aims at; "0" turns the spread off, anything unreadable is the default. */
function spreadRate(v: string | undefined): number {
  const n = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_UPLOAD_SPREAD_RATE;
}
