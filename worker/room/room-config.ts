// A room engine's settings from the environment, the same on every runtime: the upload window and
// upload tokens signed with the shared secret.
import { authSecret } from "../auth/secret.ts";
import { signToken } from "../auth/token.ts";
import type { EngineConfig } from "./room-engine.ts";

export const UPLOAD_TOKEN_TTL_MS = 24 * 3600_000;
export const DEFAULT_SHOT_WINDOW_MS = 60_000;

export type RoomEnv = { AUTH_SECRET?: string; SHOT_WINDOW_MS?: string };

export function engineConfig(env: RoomEnv, now: () => number = Date.now): EngineConfig {
  const secret = authSecret(env);
  return {
    shotWindowMs: Number(env.SHOT_WINDOW_MS) || DEFAULT_SHOT_WINDOW_MS,
    signUpload: (roomId, memberId) =>
      signToken({ k: "upload", room: roomId, mem: memberId, exp: now() + UPLOAD_TOKEN_TTL_MS }, secret),
  };
}
