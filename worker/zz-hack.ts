export const HACK = new Set<string>([]);
