// The token-signing secret: AUTH_SECRET from the environment (a Wrangler secret, .dev.vars locally).
// The fallback exists only so `npm start` works on a fresh clone; never deploy without the secret.

const DEV_SECRET = "simulshot-dev-secret-do-not-deploy";

export function authSecret(env: { AUTH_SECRET?: string }): string {
  return env.AUTH_SECRET || DEV_SECRET;
}
