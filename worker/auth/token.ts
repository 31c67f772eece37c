// Signed bearer tokens (HMAC-SHA256, Web Crypto): login tokens for organisers, upload tokens for members,
// and minutes-long ZIP tokens for one shot's download link (the only kind ever put in a URL).
// Format: base64url(JSON payload) "." base64url(signature). Stateless, so they survive every restart.

export type LoginClaims = { k: "login"; sub: string; name: string; exp: number };
export type UploadClaims = { k: "upload"; room: string; mem: string; exp: number };
export type ZipClaims = { k: "zip"; room: string; shot: string; sub: string; exp: number };
export type Claims = LoginClaims | UploadClaims | ZipClaims;

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, k);
  }
  return k;
}

export function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function signToken(claims: Claims, secret: string): Promise<string> {
  const body = b64url(enc.encode(JSON.stringify(claims)));
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(body)));
  return `${body}.${b64url(sig)}`;
}

/** Returns the claims when the signature is valid, the kind matches and it has not expired. */
export async function verifyToken<K extends Claims["k"]>(
  token: string,
  kind: K,
  secret: string,
  now = Date.now(),
): Promise<Extract<Claims, { k: K }> | null> {
  if (token.length > 2048) return null;
  const [body, sig, extra] = token.split(".");
  if (!body || !sig || extra !== undefined) return null;
  const sigBytes = unb64url(sig);
  const bodyBytes = unb64url(body);
  if (!sigBytes || !bodyBytes) return null;
  // subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), sigBytes, enc.encode(body));
  if (!ok) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(bodyBytes)) as Claims;
    if (claims.k !== kind || typeof claims.exp !== "number" || claims.exp < now) return null;
    return claims as Extract<Claims, { k: K }>;
  } catch {
    return null;
  }
}

/** 128 random bits, base64url (22 chars): room ids, member ids, photo ids. */
export function randomId(bytes = 16): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
