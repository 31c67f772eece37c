// The token-signing secret: AUTH_SECRET from the environment (a Wrangler secret; locally `.dev.vars`,
// which `npm start` writes). Without one of at least 32 bytes the server fails closed: every route that
// signs or checks a token answers 500 server_misconfigured, so no public default can ever sign.
import { ErrorCode } from "../../shared/protocol.ts";
import { HttpError } from "../http-error.ts";

export const MIN_SECRET_BYTES = 32;

/** The secret when it is long enough, else null. */
export function authSecret(env: { AUTH_SECRET?: string }): string | null {
  const secret = env.AUTH_SECRET ?? "";
  return new TextEncoder().encode(secret).length >= MIN_SECRET_BYTES ? secret : null;
}

/** The platform's secret, or the 500 that says the server cannot sign or check tokens. */
export function requireSecret(platform: { authSecret: string | null }): string {
  if (platform.authSecret === null)
    throw new HttpError(
      500,
      ErrorCode.ServerMisconfigured,
      `the server has no AUTH_SECRET of at least ${MIN_SECRET_BYTES} bytes, so it cannot sign or check tokens`,
    );
  return platform.authSecret;
}
