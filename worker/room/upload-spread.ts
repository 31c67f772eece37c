// How long a shot spreads its uploads over: a window that grows with the room, so a big room asks R2 and
// the Workers for a steady rate after the instant rather than one spike, and a small room waits for nothing.
import { LIMITS } from "../../shared/protocol.ts";

/** The uploads per second a room asks for by default (UPLOAD_SPREAD_RATE): one Durable Object takes a few
 *  hundred storage-writing requests a second, and each upload is two of them (check, record). */
export const DEFAULT_UPLOAD_SPREAD_RATE = 200;

/** The spread of a shot with `guests` expected uploads at `rate` uploads/s, ms: guests ÷ rate, or 0 when
 *  the whole room fits in one second at that rate (it may upload at once); never past LIMITS.maxUploadSpreadMs. */
export function uploadSpreadMs(guests: number, rate: number): number {
  if (!(rate > 0) || guests <= rate) return 0;
  return Math.min(LIMITS.maxUploadSpreadMs, Math.ceil((guests / rate) * 1000));
}
