// Compares a guess with a secret without telling, through timing, how much of the guess was right:
// both are hashed first (so neither length nor a common prefix shows) and the digests compared in full.
const enc = new TextEncoder();

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(s)));
}

export async function sameSecret(guess: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(guess), digest(secret)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
