// Ids the room makes for its members, shots and photos: 20 random hex characters (80 bits).

export function newId(): string {
  return crypto.randomUUID().replace(/-/g, "").slice(0, 20);
}
