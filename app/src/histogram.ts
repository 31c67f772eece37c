// Buckets for the organiser's histograms of how far from `at` each phone fired (by its own clock estimate)
// and each photo's frame was taken, in bands that read at a glance (|error| < 1 ms, 1–2 ms, … ≥ 50 ms).

export const BAND_EDGES_MS = [1, 2, 5, 10, 20, 50] as const;

export type Band = { label: string; count: number };

export function bandLabel(i: number): string {
  const lo = i === 0 ? 0 : BAND_EDGES_MS[i - 1]!;
  const hi = BAND_EDGES_MS[i];
  if (hi === undefined) return `≥ ${lo} ms`;
  return i === 0 ? `< ${hi} ms` : `${lo}–${hi} ms`;
}

/** Counts |value| per band; null values (no fire report) are left out. */
export function fireErrorBands(values: ReadonlyArray<number | null>): Band[] {
  const counts = Array.from({ length: BAND_EDGES_MS.length + 1 }, () => 0);
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    const a = Math.abs(v);
    const i = BAND_EDGES_MS.findIndex((edge) => a < edge);
    counts[i === -1 ? BAND_EDGES_MS.length : i]!++;
  }
  return counts.map((count, i) => ({ label: bandLabel(i), count }));
}
