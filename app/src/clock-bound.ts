// What the clock bound means, in words: "clock ±N ms" when the sync proved it, or plainly that the network
// is too slow to prove better (the one-way delay cannot be observed, so the bound stays half a round trip).
import { WIDE_CLOCK_BOUND_MS } from "../../shared/protocol.ts";

const ms = (x: number) => (x < 10 ? x.toFixed(1) : String(Math.round(x)));

/** The guest's line for a bound of `error` ms. */
export function describeBound(error: number): string {
  if (error > WIDE_CLOCK_BOUND_MS) return `network too slow to prove the clock better than ±${ms(error)} ms`;
  return `clock ±${ms(error)} ms`;
}

/** The organiser's line for `wide` ready guests on such a network ("" when there are none). */
export function describeWide(wide: number): string {
  if (wide === 0) return "";
  const who = wide === 1 ? "1 guest's network is" : `${wide} guests' networks are`;
  return `${who} too slow to prove their clock better than ±${WIDE_CLOCK_BOUND_MS} ms`;
}
