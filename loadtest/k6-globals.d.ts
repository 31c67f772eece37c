// Globals the k6 runtime has that @types/k6 does not declare: console and the timers (global since
// k6 v0.43). queueMicrotask is declared only because shared RoomClient.once uses it; the script does not.
declare global {
  const console: { log(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
  function setTimeout(fn: () => void, ms?: number): number;
  function clearTimeout(handle: number): void;
  function queueMicrotask(fn: () => void): void;
}
export {};
