// The Deno mosaic builder's alarm entry point. A failed alarm (a rejected onAlarm, e.g. a blob write that
// failed) is logged with its mosaic and re-armed with exponential backoff, as Workers retries a Durable
// Object alarm that throws.

/** Retries after the first failure, as Workers does; the next set() of the alarm starts over. */
export const ALARM_RETRIES = 6;
export const FIRST_RETRY_MS = 2000;

export class MosaicAlarms {
  /** Failures in a row per mosaic: in memory, so a restart gives a failing alarm a fresh series. */
  private readonly failures = new Map<string, number>();

  constructor(
    /** Re-arms the durable alarm of `key` ("<roomId>/<shotId>"). */
    private readonly rearm: (key: string, at: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs one mosaic's alarm handler; never rejects. */
  async run(key: string, onAlarm: () => Promise<void>): Promise<void> {
    try {
      await onAlarm();
      this.failures.delete(key);
    } catch (e) {
      const failed = (this.failures.get(key) ?? 0) + 1;
      console.error(`[Mosaic.alarm ${key}] attempt ${failed}:`, e);
      if (failed > ALARM_RETRIES) {
        this.failures.delete(key);
        return;
      }
      this.failures.set(key, failed);
      this.rearm(key, this.now() + FIRST_RETRY_MS * 2 ** (failed - 1));
    }
  }
}
